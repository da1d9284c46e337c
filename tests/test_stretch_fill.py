"""The ring's stretched-strip fill (poce_rt.band_stretch.STRETCH_FILL) is for surface a turn reveals,
not for a band merely sheared.

multi_face.jpg's young man with sunglasses (face 0: small, pitched ~8.5 degrees up) turned -25:
the face oval under the chin turns with the face and moves ~7 px, while the head proxy's neck
rings below it (past NECK_CM[1]) do not turn, and the first of them lies only 3-4 px under the
oval in the photo. The band between them is sheared: drawn 3.4-4.4 times longer along the slide
(the largest singular value) but only 2.2-3.1 times larger in area. Measured by the singular
value it was filled, and the fill, push-pulled from the photo around the strip (skin, the dark
shirt, the sky), drew a grey smudge under the chin with a hard edge along it. By area it is
warped: the chin's shadow continues. A revealed strip (Tom_Hanks_54745.png at -25: a temple seen
edge-on, drawn several times wider) grows in area as much as in length and is still filled."""
import cv2
import numpy as np
import pytest

from poce_rt import band_maps, band_stretch, face_colours, head_proxy, proxy_measures, proxy_pose, stretched_patch
from poce_rt.fit import pose_vertices

CHIN = np.arange(13, 21)   # FACE_OVAL positions along the chin (18: its tip, landmark 152)


@pytest.fixture(scope="module")
def sliding_chin(editor, real_image):
    """(image, Source, HeadProxy) of multi_face.jpg's face 0, the proxy built as the frame loop
    builds it (silhouette sized to the hair, the skin strip beside the oval)."""
    img = real_image("multi_face.jpg")
    src = editor.prepare(img, editor.faces(img, 0)[0])
    return img, src, _proxy(editor, img, src.face)


def _proxy(editor, img, f, beside: bool = True):
    """The HeadProxy of face f of img as the frame loop builds it (beside=False: without
    backdrop_beside, its rings turned with the head beside the backdrop too)."""
    sil, strip, near, fringe, hang, hair, edge = proxy_measures.proxy_measures(img, f)
    return proxy_pose.HeadProxy(f.vertices, f.shape, f.pose, editor.config.camera_distance_cm, sil, strip,
                              near if beside else None, fringe, hang, hair, edge)


def _band(editor, src, proxy, yaw):
    """(verts, photo positions, triangles, [T] bool: the band's triangles between the oval and
    the first proxy ring along the chin) for a turn by yaw."""
    plan = editor.plan(src, pose=(0, yaw, 0))
    verts, _, photo = proxy.mesh(pose_vertices(plan.shape, plan.target_pose), plan.target_pose)
    tris = head_proxy.band_triangles(len(verts))
    k = len(head_proxy.FACE_OVAL)
    chin = (tris // k <= 2).all(1) & np.isin(tris % k, CHIN).all(1)
    return verts, photo, tris, chin


def test_a_chin_sliding_over_the_still_neck_is_not_filled(editor, sliding_chin):
    """At -25 the band under the chin is sheared past STRETCH_FILL[0] by the singular value (the
    case: 3.4-4.4) but grows little in area: its fill weights stay under 0.15 (before: up to
    0.93). At -20 (2.2-3.6 by the singular value before) nothing is filled."""
    _, src, proxy = sliding_chin
    verts, photo, tris, chin = _band(editor, src, proxy, -25)
    assert chin.sum() >= 10
    assert band_maps.stretch(verts, tris, photo)[chin].max() > band_stretch.STRETCH_FILL[0]
    assert band_stretch.stretch_weights(verts, photo)[chin].max() < 0.15
    verts, photo, tris, chin = _band(editor, src, proxy, -20)
    assert band_stretch.stretch_weights(verts, photo)[chin].max() == 0.0


def test_under_a_turned_chin_the_photo_is_warped_not_smudged(editor, sliding_chin, monkeypatch):
    """Turned -25, the output along the chin's band (dilated 2 px) is within 6 Lab units of the
    render with no strip fill at all (measured 2.6; before 25.2: the grey smudge) and marks no
    more than 0.15 of it as strip fill (before 0.91)."""
    img, src, proxy = sliding_chin
    verts, _, _, _ = _band(editor, src, proxy, -25)
    k = len(head_proxy.FACE_OVAL)
    poly = np.concatenate([verts[k + CHIN, :2], verts[2 * k + CHIN[::-1], :2]])
    region = np.zeros(img.shape[:2], np.uint8)
    cv2.fillPoly(region, [np.round(poly).astype(np.int32)], 1)
    region = cv2.dilate(region, np.ones((5, 5), np.uint8)).astype(bool)
    assert region.sum() > 300
    res = editor.edit(img, pose=(0, -25, 0), source=src)
    monkeypatch.setattr(band_stretch, "STRETCH_FILL", (1e9, 2e9))
    ref = editor.edit(img, pose=(0, -25, 0), source=src)

    def lab(x):
        return cv2.cvtColor(x.astype(np.float32) / 255, cv2.COLOR_RGB2Lab)

    de = np.linalg.norm(lab(res.image) - lab(ref.image), axis=2)[region]
    assert de.max() < 6.0, de.max()
    assert (res.filled - ref.filled)[region].max() < 0.15


def test_a_revealed_strip_is_still_filled(editor, prepared):
    """Tom_Hanks turned -25: the head proxy's band triangles inside its silhouette drawn at least
    STRETCH_FILL[1] times longer (the temple and the hair beside it, seen edge-on in the photo)
    are as much larger in area, and filled fully, as before. (Beyond the silhouette, the band to
    the fixed outer ring over the top of the head slides along that ring: there one triangle is
    sheared 7.9x but drawn only 3.3x larger, and is warped now, where the image is unchanged.)
    The proxy turned with the head beside the backdrop too (no backdrop_beside): the frame loop's
    draws the rings beside Tom's far cheek and temple, which the photo shows against the backdrop,
    only as far out from the oval as the photo shows them (test_surround.py)."""
    img, src = prepared("Tom_Hanks_54745.png")
    verts, photo, tris, _ = _band(editor, src, _proxy(editor, img, src.face, beside=False), -25)
    inside = (tris // len(head_proxy.FACE_OVAL) <= head_proxy.SILHOUETTE_RING).all(1)
    long = inside & (band_maps.stretch(verts, tris, photo) >= band_stretch.STRETCH_FILL[1])
    assert long.sum() >= 8
    assert (band_stretch.stretch_weights(verts, photo)[long] == 1.0).all()


def test_an_expression_reads_no_skin_strip(editor, real_image):
    """An expression moves the face oval (an opening jaw drops the chin) but turns nothing: the
    oval ring reads the photo where the oval lies, past no skin strip (REVEAL_MOVE measures the
    turn's move of the oval). t1.jpg's near-profile face (yaw -50) with jawOpen=0.7: the chin's
    drop shifted the oval's mean move, so its far temple read 3.8 px outwards, into the far eye's
    lashes, and drew them again beside the eye (75 levels darker than the photo)."""
    img = real_image("t1.jpg")
    f = max(editor.faces(img, "all"), key=lambda f: abs(f.pose.yaw))
    src = editor.prepare(img, f)
    proxy = _proxy(editor, img, src.face)
    assert proxy.strip.max() > 0
    plan = editor.plan(src, expression={"jawOpen": 0.7})
    verts, _, photo = proxy.mesh(pose_vertices(plan.shape, plan.target_pose), plan.target_pose)
    k, oval = len(head_proxy.FACE_OVAL), np.asarray(src.face.vertices, np.float64)[list(head_proxy.FACE_OVAL), :2]
    assert np.abs(verts[k:2 * k, :2] - oval).max() > 10          # the chin drops
    assert np.array_equal(photo[k:2 * k], oval)
    turned = proxy.mesh(pose_vertices(plan.shape, src.face.pose.offset(yaw=25)), src.face.pose.offset(yaw=25))[2]
    assert np.abs(turned[k:2 * k] - oval).max() > 1               # a turn still reads past the strip


def test_a_stretched_strip_takes_the_head_s_colour_inside_and_the_backdrop_s_beside():
    """head_or_backdrop: a strip on the backdrop beside a lit cheek (Tom_Hanks_54745.png at -25)
    is filled with the head's colour where the proxy's bands inside its silhouette read it, with
    the backdrop's where only its outer band does, and as before (from all the photo around)
    where both read it. push-pulled from all of it, the strip beside the cheek was a pale mix."""
    from poce_rt.lab_colour import lab
    from poce_rt.colour_classes import backdrop_colours

    h, w = 64, 64
    box = np.zeros((h, w, 3), np.float32)
    box[:, :24] = (0.85, 0.7, 0.6)          # skin
    box[:, 24:] = (0.35, 0.45, 0.7)         # backdrop
    backdrop = lab(np.float32([[0.35, 0.45, 0.7]]))
    known = np.ones((h, w), np.float32)
    fill = np.zeros((h, w), np.float32)
    fill[:, 24:40] = 1.0                    # the stretched strip, on the backdrop beside the cheek
    known *= 1.0 - fill
    zero = np.zeros_like(fill)
    head = stretched_patch.head_or_backdrop(box, known, fill, zero, backdrop)
    back = stretched_patch.head_or_backdrop(box, known, zero, fill, backdrop)
    both = stretched_patch.head_or_backdrop(box, known, fill, fill, backdrop)
    np.testing.assert_array_equal(head[known > 0], box[known > 0])   # the photo's own texels kept
    strip = fill > 0
    assert np.abs(head[strip] - box[0, 0]).max() < 0.02
    assert np.abs(back[strip] - box[0, -1]).max() < 0.02
    np.testing.assert_allclose(both, stretched_patch.smooth_fill(box, known), atol=1e-6)
    # the photo's backdrop read at its borders is such a colour
    assert np.abs(backdrop_colours((box * 255).astype(np.uint8))[4:] - backdrop).max() < 1.0


def test_the_backdrop_map_is_backdrop_like_of_a_box_s_every_other_texel(real_image):
    """BackdropMap (kept per source by the ring texture cache) gives bit for bit what
    head_or_backdrop worked out on each stretched box: backdrop_like(box[::2, ::2]) of the photo's
    pixels / 255, black beyond the photo; on boxes inside, across its borders and beyond it, in
    any order (its tiles are worked out as boxes reach them)."""
    img = real_image("45-m7-di-ph.jpg")
    h, w = img.shape[:2]
    backdrop = np.float32([[30.0, 10.0, -20.0], [70.0, -5.0, 15.0], [55.0, 0.0, 0.0]])
    bmap = stretched_patch.BackdropMap(img, backdrop)
    rng = np.random.default_rng(3)
    for _ in range(40):
        a = (int(rng.integers(-80, w + 8)) // 4 * 4, int(rng.integers(-80, h + 8)) // 4 * 4)
        shape = (int(rng.integers(1, 300)), int(rng.integers(1, 300)))
        box = np.zeros(shape + (3,), np.float32)
        p0, p1 = np.maximum(a, 0), np.minimum((a[0] + shape[1], a[1] + shape[0]), (w, h))
        if (p1 > p0).all():
            box[p0[1] - a[1]:p1[1] - a[1], p0[0] - a[0]:p1[0] - a[0]] = \
                img[p0[1]:p1[1], p0[0]:p1[0]] * np.float32(1 / 255)
        got = bmap.over(a, shape)
        want = face_colours.backdrop_like(box[::2, ::2], backdrop)
        assert got.dtype == np.float32 and np.array_equal(got, want), (a, shape)
    assert bmap.done.any()


def test_under_border_moves_the_inner_ring_in_alike_and_only_where_asked():
    """under_border moves the ring inside the oval to INNER_MIN of its mean radius inside it, in
    the photo and at the target by the same weight, where it lies less far in (a fold: outside
    the oval); weight 0 leaves it, and a still head's ring reads where it is drawn."""
    t = np.linspace(0, 2 * np.pi, len(head_proxy.FACE_OVAL), endpoint=False)
    p = np.stack([50 + 20 * np.cos(t), 60 + 25 * np.sin(t)], 1)
    p_in = 50 + 0.9 * (p - 50)
    p_in[3] = 50 + 1.05 * (p[3] - 50)        # folded out past the oval
    q, q_in = p + np.float64([3, 0]), p_in + np.float64([3, 0])
    w = np.zeros(len(p))
    a, b = proxy_pose.under_border(p, p_in, q, q_in, w)
    np.testing.assert_array_equal(a, p_in)
    np.testing.assert_array_equal(b, q_in)
    w[3] = 1.0
    a, b = proxy_pose.under_border(p, p_in, q, q_in, w)
    moved = np.flatnonzero(np.abs(a - p_in).max(1) > 0)
    assert list(moved) == [3]
    r = np.linalg.norm(p - p.mean(0), axis=1).mean()
    depth = np.dot(p[3] - a[3], (p[3] - p.mean(0)) / np.linalg.norm(p[3] - p.mean(0)))
    assert abs(depth - proxy_pose.INNER_MIN * r) < 1e-6
    np.testing.assert_allclose(b - a, q - p)                    # alike in both
    a, b = proxy_pose.under_border(p, p_in, p, p_in, w)                   # still: drawn where read
    np.testing.assert_array_equal(a, b)
