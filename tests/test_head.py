"""The head proxy in the ring around the face (issue 15, items 1 and 4): rings that continue the
face oval over the hair, ears and neck turn with the face; the neck and the outer ring stay."""
import numpy as np
import pytest

from poce_rt import (band_maps, band_stretch, face_colours, hair_beyond, head_proxy, proxy_measures, proxy_pose,
                     ring_photo, silhouette, surround)
from poce_rt.camera import perspective_shape
from poce_rt.fit import pose_vertices


@pytest.fixture(scope="module")
def face(tracker, single_face):
    return tracker.track_one(single_face)


def test_proxy_rings_lie_beyond_the_oval_and_behind_it(face):
    rings = head_proxy.head_proxy(face.shape)
    oval = face.shape[list(head_proxy.FACE_OVAL)]
    c = oval[:, :2].mean(0)
    r0 = np.linalg.norm(oval[:, :2] - c, axis=1)
    for ring, sc in zip(rings, head_proxy.PROXY_SCALES):
        np.testing.assert_allclose(np.linalg.norm(ring[:, :2] - c, axis=1), sc * r0, rtol=1e-6)
        assert (ring[:, 2] > oval[:, 2]).all()          # further from the camera


def test_proxy_continues_the_face_surface_and_ends_edge_on(face):
    """No crease where the face meets the proxy (the forehead arc): the first ring gains depth at
    about the face's own slope at the oval; the last (the silhouette) lies in one mid-depth plane."""
    rings = head_proxy.head_proxy(face.shape)
    s = face.shape.astype(np.float64)
    oval = s[list(head_proxy.FACE_OVAL)]
    inner = np.array([s[list(i)].mean(0) for i in head_proxy.OVAL_INNER])
    c = oval[:, :2].mean(0)
    r_oval = np.linalg.norm(oval[:, :2] - c, axis=1)
    top = 0                                    # landmark 10, mid-forehead: the face is nearly frontal there
    face_slope = (oval[top, 2] - inner[top, 2]) / (r_oval[top] - np.linalg.norm(inner[top, :2] - c))
    ring_slope = (rings[0][top, 2] - oval[top, 2]) / (np.linalg.norm(rings[0][top, :2] - c) - r_oval[top])
    assert 0 <= face_slope < 0.5 and ring_slope < 3 * max(face_slope, 0.2), (face_slope, ring_slope)
    np.testing.assert_allclose(rings[-1][:, 2], oval[:, 2].max() + head_proxy.HEAD_MID_CM, atol=1e-6)
    # edge-on at the silhouette: the depth climbs faster in the last step than in the first
    step_first = (rings[1][top, 2] - rings[0][top, 2]) / (head_proxy.PROXY_SCALES[1] - head_proxy.PROXY_SCALES[0])
    step_last = (rings[-1][top, 2] - rings[-2][top, 2]) / (head_proxy.PROXY_SCALES[-1] - head_proxy.PROXY_SCALES[-2])
    assert step_last > 2 * step_first


def test_oval_inner_is_the_meshs_ring_inside_the_oval(face_model):
    """OVAL_INNER holds, for each oval vertex, its mesh neighbours that are not on the oval."""
    oval = set(head_proxy.FACE_OVAL)
    for v, inner in zip(head_proxy.FACE_OVAL, head_proxy.OVAL_INNER):
        nb = {int(b) for t in face_model.tris if v in t for b in t if b not in oval}
        assert set(inner) == nb, v


@pytest.mark.parametrize("yaw", [-25, 25])
def test_proxy_turns_with_the_face_and_keeps_neck_and_background(face, yaw):
    dst_pose = face.pose.offset(yaw=yaw)
    dst = pose_vertices(perspective_shape(face.shape, face.pose, dst_pose), dst_pose)
    verts, tris, src = proxy_pose.HeadProxy(face.vertices, face.shape, face.pose).mesh(dst, dst_pose)
    k = len(head_proxy.FACE_OVAL)
    n = head_proxy.PROXY_RINGS
    assert verts.shape == (n * k, 3) and src.shape == (n * k, 2)
    assert tris.max() == n * k - 1
    np.testing.assert_allclose(verts[-k:, :2], src[-k:], atol=1e-3)        # the background stays
    np.testing.assert_allclose(verts[k:2 * k], dst[list(head_proxy.FACE_OVAL)], atol=1e-3)   # the oval
    # the rings drawn for this turn (the bend rings between CHORD_SCALES as the turn sets them)
    proxy = proxy_pose.HeadProxy(face.vertices, face.shape, face.pose)
    rings = proxy.rings_at(dst_pose)
    head = rings[0][:, 1] <= head_proxy.NECK_CM[0]            # hair cap, ears, sides: turn rigidly
    # ... but where the outer facet turns away, the rings reach out to the round head's outline
    # (proxy_pose.HeadProxy.far_outline): no nearer the head's centre than turned rigidly
    away = head_proxy.ramp(proxy.facing - head_proxy.facing(proxy.normal, dst_pose), head_proxy.BEND_AWAY) > 0
    assert (head & ~away).sum() >= 8
    centre = pose_vertices(perspective_shape(proxy.centre, face.pose, dst_pose), dst_pose)[0, :2]
    for r, ring in enumerate(rings):
        got = verts[(2 + r) * k:(3 + r) * k]
        want = pose_vertices(perspective_shape(ring, face.pose, dst_pose), dst_pose)
        np.testing.assert_allclose(got[head & ~away], want[head & ~away], atol=1e-3)
        out = (np.linalg.norm(got[head & away, :2] - centre, axis=1)
               - np.linalg.norm(want[head & away, :2] - centre, axis=1))
        assert (out > -1e-3).all(), out.min()
    # the forehead (in front of the pivot) follows the nose; the silhouette behind it goes the other way
    move_front = verts[2 * k:3 * k, 0] - src[2 * k:3 * k, 0]
    sil = head_proxy.SILHOUETTE_RING
    move_back = verts[sil * k:(sil + 1) * k, 0] - src[sil * k:(sil + 1) * k, 0]
    front, back = head & (rings[0][:, 2] < -1), head & (rings[-1][:, 2] > 3)
    assert front.any() and back.any()
    assert np.sign(move_front[front].mean()) == np.sign(yaw) == -np.sign(move_back[back].mean())
    assert np.abs(move_front[head]).max() > 10
    neck = rings[0][:, 1] >= head_proxy.NECK_CM[1]
    assert neck.any() and np.abs(verts[3 * k:-2 * k][np.tile(neck, n - 5), :2]
                                 - src[3 * k:-2 * k][np.tile(neck, n - 5)]).max() < 1e-3
    # the first ring there goes with the chin only as far as keeps its band from the oval as wide
    # as the photo shows it (jaw_rings.UNDER_CHIN)
    went = neck & (np.abs(verts[2 * k:3 * k, :2] - src[2 * k:3 * k]).max(1) > 1e-3)
    drawn = head_proxy.outward(verts[2 * k:3 * k], verts[k:2 * k])
    assert (drawn >= head_proxy.outward(src[2 * k:3 * k], face.vertices[list(head_proxy.FACE_OVAL)]) - 1e-3)[went].all()


def test_expression_only_leaves_the_proxy_where_it_was(face, single_face):
    """Same pose: only the band around the oval (the ring inside it, the oval, up to the first proxy
    ring) can change."""
    dst = face.vertices.copy()
    dst[152, 1] += 6.0          # the chin drops (a jaw opening)
    proxy = (proxy_pose.HeadProxy(face.vertices, face.shape, face.pose), face.pose)
    band = surround.ring_band(face.vertices, dst, *single_face.shape[:2], proxy=proxy)
    verts, _, src, _ = band
    k = len(head_proxy.FACE_OVAL)
    np.testing.assert_allclose(verts[2 * k:, :2], src[2 * k:], atol=1e-3)
    out = surround.warp_surround(single_face, face.vertices, dst, proxy=proxy)
    x0, y0, x1, y1 = band[3]
    local = verts.copy()
    local[:, :2] -= (x0, y0)
    assert not ring_photo.revealed_background(local, src, (x0, y0), y1 - y0, x1 - x0).any()   # nothing uncovered
    ring1 = verts[2 * k:3 * k, :2]
    lo, hi = np.floor(ring1.min(0)).astype(int) - 2, np.ceil(ring1.max(0)).astype(int) + 2
    changed = np.argwhere(np.any(out != single_face, axis=2))
    assert len(changed) > 0
    assert (changed[:, 1] >= lo[0]).all() and (changed[:, 1] <= hi[0]).all()
    assert (changed[:, 0] >= lo[1]).all() and (changed[:, 0] <= hi[1]).all()


@pytest.mark.parametrize("name", ["single_face.jpg", "0-f15-hao-ph.jpg"])
def test_yaw_25_reads_back_as_at_least_85_percent(editor, judge, prepared, name):
    """The issue's check on frontal portraits: pose +25 and -25 each read back (by a separate
    MediaPipe tracker on the output) as 85-120% of 25 degrees, in opposite directions. Before the
    camera model and this proxy: -20.1 / +22.8 (single_face) and -20.2 / +21.2 (0-f15)."""
    img, src = prepared(name)
    y0 = judge.track_one(img).pose.yaw
    for yaw in (-25, 25):
        res = editor.edit(img, pose=(0, yaw, 0), source=src)
        want = src.face.pose.offset(yaw=yaw)     # the pose drawn is exactly the one asked for
        np.testing.assert_allclose(res.target_pose.as_array(), want.as_array(), atol=1e-4)
        change = judge.track_one(res.image).pose.yaw - y0
        assert np.sign(change) == np.sign(yaw) and 0.85 * 25 <= abs(change) <= 30, (yaw, change)


def test_silhouette_is_sized_to_the_hair(tracker, astronaut, real_image):
    """astronaut: her hair reaches past the default silhouette beside the temples and above; the
    silhouette moves out to it there, never inwards, at most SILHOUETTE_GROW times, and not under
    the jaw (neck, collar). A three-quarter view (45-m7) keeps the default."""
    base = head_proxy.PROXY_SCALES[-1]
    face = tracker.track_one(astronaut)
    sil = silhouette.silhouette_scales(astronaut, face.vertices, face.shape, face.pose)
    assert sil.shape == (len(head_proxy.FACE_OVAL),)
    assert (sil >= base - 1e-9).all() and (sil <= base * silhouette.SILHOUETTE_GROW + 1e-9).all()
    y = face.shape[list(head_proxy.FACE_OVAL), 1]
    assert (sil[y >= silhouette.HAIR_ROWS_CM[1]] == base).all()
    temples = (y < 0) & (y > -5)
    assert np.median(sil[temples]) > 1.1 * base, sil
    img = real_image("45-m7-di-ph.jpg")
    turned = tracker.track_one(img)
    assert abs(turned.pose.yaw) > silhouette.SILHOUETTE_YAW_DEG[1]
    np.testing.assert_array_equal(silhouette.silhouette_scales(img, turned.vertices, turned.shape, turned.pose), base)


def test_silhouette_grows_to_hair_as_red_as_the_skin(editor, real_image):
    """multi_face.jpg's face 0 (a young man with sunglasses, ~70 px face, on the sky): his curls
    are about as red as his skin, so the colour classes end them short of where they end against
    the sky: the silhouette stayed at the default, in the middle of his curls, and the curls
    beyond it did not turn with the head. (With the sunglasses in the skin's read, L 41.7+-31.7,
    they found no hair at all; without them, photo_skin(eyes=), L 58.1+-15.9, they find his
    darker inner curls at the top and top-left, oval vertices 30-35 and 0-1, out to 0.16-0.6 of
    the ray: at the forehead's top 0.16, inside the default silhouette at 0.44.) Against the sky
    the curls are plainly not backdrop: straight up from the forehead the head ends where the
    photo's curls end (the first row from the top of the photo on that column darker than the
    sky, L < 60: the sky reads L ~78 down to row 20, the curls 14-49 from row 22), further than
    the colour classes reach at every vertex above the forehead, and the silhouette grows above
    the forehead to there, not beside the ears."""
    from poce_rt import head_reach, lab_colour
    from poce_rt.fit import pose_vertices

    img = real_image("multi_face.jpg")
    face = editor.prepare(img, editor.faces(img, 0)[0]).face
    oval = face.vertices[list(head_proxy.FACE_OVAL), :2].astype(np.float64)
    sil = pose_vertices(head_proxy.head_proxy(face.shape)[-1], face.pose)[:, :2].astype(np.float64)
    c = oval.mean(0)
    end = c + silhouette.SILHOUETTE_GROW * (sil - c)
    begin = np.linalg.norm(sil - oval, axis=1) / np.linalg.norm(end - oval, axis=1)
    colours = face_colours.face_colours(img, face.vertices)
    found = head_reach.hair_reach(img, oval, end, begin, colours.skin, colours.backdrop)
    reach = head_reach.backdrop_reach(img, oval, end, begin, colours.backdrop)
    y = face.shape[list(head_proxy.FACE_OVAL), 1]
    # the colour classes alone leave the forehead's top at the default and end the curls short
    # of the sky: what grows the silhouette there is where the head stops being unlike the sky
    assert found[0] <= begin[0] and (found[y < -6] < reach[y < -6]).all(), (found, reach)
    top = oval[0] + reach[0] * (end[0] - oval[0])          # FACE_OVAL[0]: landmark 10, the forehead's top
    column = lab_colour.lab(img[:int(oval[0, 1]), int(round(top[0]))].astype(np.float32) / 255)[:, 0]
    curls_top = np.flatnonzero(column < 60)[0]
    assert reach[0] > begin[0] and abs(top[1] - curls_top) <= 2, (top, curls_top)
    scales = silhouette.silhouette_scales(img, face.vertices, face.shape, face.pose, colours)
    base = head_proxy.PROXY_SCALES[-1]
    assert np.median(scales[y < -6]) > 1.2 * base, scales      # before: the default, 1.4
    assert (scales[np.abs(y) < 2] == base).all(), scales       # beside the eyes and ears: as before


def _outer_hair_edge(image, face, rows, skin, backdrop):
    """The outermost hair pixel left of the face oval on each of rows: from the oval's edge
    outwards, past skin, through the hair to HAIR_GAP_PX pixels in a row that are not hair
    (poce_rt.hair's classes, judged with the source's skin and backdrop). NaN: no hair."""
    import cv2

    from poce_rt import colour_classes, head_reach, lab_colour

    oval = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(oval, [np.round(face.vertices[list(head_proxy.FACE_OVAL), :2]).astype(np.int32)], 1)
    out = []
    for r in rows:
        x0 = np.flatnonzero(oval[r])[0]
        row = lab_colour.lab(image[r, :x0 + 1][::-1].astype(np.float32) / 255)
        line = colour_classes.hair_like(row, skin, backdrop) >= 0.5
        on = np.flatnonzero(line)
        edge = np.nan
        if on.size:
            gaps = np.flatnonzero(~line[on[0]:])
            runs = [g for g in gaps if line[on[0] + g:on[0] + g + head_reach.HAIR_GAP_PX].sum() == 0]
            end = on[0] + (runs[0] if runs else len(line) - on[0])
            edge = x0 - (end - 1)
        out.append(edge)
    return np.array(out, float)


@pytest.mark.parametrize("yaw", [-25, -30])
def test_the_hair_beside_the_head_turns_with_it(editor, prepared, yaw):
    """The ghost (issue 15, astronaut at -25): her hair reaches past the proxy's default
    silhouette; the part beyond it stayed where it was while the rest turned, a faded second copy
    of the hair beside the turned head. Now the hair's outer edge on the side the face turns from
    follows the head: it moves by more than 0.11 of the face's width (before: 0.09 at -25) - and
    by less than 0.2: it is a round head's outline, which moves with the head's centre
    (proxy_pose.HeadProxy.far_outline: 0.13 at -25, 0.17 at -30), where the rigidly turned silhouette ring,
    which the proxy ends at, swung in past it (0.21, 0.27) and sliced the far side's hair off."""
    from poce_rt import colour_classes, lab_colour

    astronaut, src = prepared("astronaut")
    face = src.face
    x0, y0, x1, y1 = face.bbox
    rows = np.arange(int(y0 + 0.1 * (y1 - y0)), int(y0 + 0.4 * (y1 - y0)))     # temples, beside the brows
    skin = colour_classes.photo_skin(astronaut, face.vertices[list(head_proxy.FACE_OVAL), :2])
    backdrop = colour_classes.backdrop_colours(astronaut)
    before = _outer_hair_edge(astronaut, face, rows, skin, backdrop)
    res = editor.edit(astronaut, pose=(0, yaw, 0), source=src)
    after = _outer_hair_edge(res.image, face, rows, skin, backdrop)
    shift = np.nanmedian(after - before) / (x1 - x0)
    assert np.isfinite(before).mean() > 0.9
    assert 0.11 < shift < 0.2, shift
    # the background the hair uncovers is drawn from the background beside it and marked as fill
    strip = np.zeros(astronaut.shape[:2], bool)
    for r, a, b in zip(rows, before, after):
        if np.isfinite(a) and np.isfinite(b) and b - a > 4:
            strip[r, int(a) + 2:int(b) - 1] = True
    assert strip.sum() > 200
    assert res.filled[strip].mean() > 0.8, res.filled[strip].mean()
    drawn = lab_colour.lab(res.image[strip].astype(np.float32) / 255)
    assert (colour_classes.hair_like(drawn, skin, backdrop) >= 0.5).mean() < 0.1


def test_silhouette_of_a_face_cut_by_the_border_stays_in_bounds(tracker, astronaut):
    """A face half beyond the photo's left border (the photo cropped through it): the rays read
    only the photo (hair running to its edge is not measured), the result is finite and bounded."""
    face = tracker.track_one(astronaut)
    cut = int(face.vertices[:, 0].mean())
    img = np.ascontiguousarray(astronaut[:, cut:])
    verts = face.vertices - np.array([cut, 0, 0], np.float32)
    sil = silhouette.silhouette_scales(img, verts, face.shape, face.pose)
    base = head_proxy.PROXY_SCALES[-1]
    assert np.isfinite(sil).all() and (sil >= base - 1e-9).all() and (sil <= base * silhouette.SILHOUETTE_GROW + 1e-9).all()
    with pytest.raises(ValueError, match="NaN"):
        silhouette.silhouette_scales(img, np.full_like(verts, np.nan), face.shape, face.pose)


def test_far_temple_keeps_its_hair_as_the_head_turns_away(prepared, editor):
    """Tom_Hanks_54745.png (112 px greyscale, yaw +18, pitch +23): its far temple (above and
    beyond the far eye) shows a band of dark hair between the forehead and the backdrop. Turned
    a further 20 degrees away, a real head keeps that hair at its outline, narrower; the proxy's
    outer band, near edge-on at the photo's pose, turned past edge-on at once and hid all of it
    (the forehead ran flat and bright to the outline: 8 of the photo's 68 dark pixels left)."""
    image, src = prepared("Tom_Hanks_54745.png")
    eyes = src.face.vertices[[33, 263], :2]
    far = eyes[np.argmax(eyes[:, 0])]              # the far eye (the head is turned to its right)

    def dark(im):
        grey = np.asarray(im, np.float32)[: int(far[1]), int(far[0]):, :3].mean(-1)
        return int((grey < 80).sum())              # hair (~20-40); skin ~200, backdrop ~150

    hair = dark(image)
    assert hair > 40
    out = editor.edit(image, pose=(0, 20, 0), source=src).image
    assert dark(out) >= 0.3 * hair, (dark(out), hair)


def test_proxy_as_the_photo_saw_it(prepared):
    """head_proxy(view=): seen from the front it is the frontal proxy; at a turned photo's pose
    (Tom_Hanks_54745.png, yaw +18, pitch +23) its rings run outwards in the photo, ring after
    ring, each as far out as the photo sees the frontal one or further, and deeper along the
    photo's line of sight up to the silhouette: all of it faces the photo. The frontal proxy's
    rings there fold back inwards in the photo (turned past edge-on already)."""
    _, src = prepared("Tom_Hanks_54745.png")
    shape, rot = src.face.shape, src.face.pose.rotation
    np.testing.assert_allclose(head_proxy.head_proxy(shape, view=np.eye(3)), head_proxy.head_proxy(shape), atol=1e-9)
    oval = np.asarray(shape, np.float64)[list(head_proxy.FACE_OVAL)] @ rot.T
    c = oval[:, :2].mean(0)
    u = (oval[:, :2] - c) / np.linalg.norm(oval[:, :2] - c, axis=1, keepdims=True)
    seen = np.concatenate([oval[None], head_proxy.head_proxy(shape, view=rot) @ rot.T])     # as the photo sees them
    frontal = np.concatenate([oval[None], head_proxy.head_proxy(shape) @ rot.T])
    out = lambda rings: ((rings[..., :2] - c) * u).sum(-1)        # [R,K] how far out, in the photo
    assert (out(seen) >= out(frontal) - 1e-6).all()
    assert (np.diff(out(seen), axis=0) > 0).all() and (np.diff(seen[..., 2], axis=0) > 0).all()
    assert (np.diff(out(frontal), axis=0) < 0).any()


def _strand_kinks(image, face, verts, src, oval=None, bands=(1, head_proxy.SILHOUETTE_RING), person=None):
    """How sharply the head proxy's band map bends the photo's hair strands above the forehead:
    for each edge shared by two band triangles from the oval out to the silhouette, over oval
    vertices above canonical y = -5 (the top of the head), where the photo shows a clear strand
    direction d (structure tensor coherence >= 0.3), the angle (degrees) between the two
    triangles' affine maps of d. A strand running across the edge kinks by that much there.
    oval: [K] bool, the oval vertices whose triangles count instead (both of a triangle's); bands:
    (first, end) of the bands counted (band r: from ring r to r + 1 of HeadProxy.mesh's); person: a
    poce_rt.person.PersonMap, only edges whose midpoint it calls a person (the head's hair).
    Triangles that read no area of the photo (a ring on the next one there: the fringe ring on
    the outer ring where fringe_widths' curl tips reach past the silhouette as the turn's view
    draws it, t1.jpg's face 0 at +25, oval vertex 0) map no strand and are left out, as
    poce_rt.band_maps' stretch leaves them."""
    import cv2

    k = len(head_proxy.FACE_OVAL)
    tris = head_proxy.rings_tris(k, head_proxy.PROXY_RINGS)
    band, first = np.arange(len(tris)) // (2 * k), tris[:, 0] % k
    y = np.asarray(face.shape)[list(head_proxy.FACE_OVAL), 1]
    oval = y < -5 if oval is None else np.asarray(oval, bool)
    keep = (band >= bands[0]) & (band < bands[1]) & oval[first] & oval[(first + 1) % k]
    edges = lambda p: np.transpose(p[tris][:, 1:] - p[tris][:, :1], (0, 2, 1))     # [T,2,2] columns
    a = edges(np.asarray(src, np.float64))
    keep &= np.abs(np.linalg.det(a)) > 1e-9
    maps = edges(np.asarray(verts, np.float64)[:, :2]) @ np.linalg.inv(np.where(keep[:, None, None], a, np.eye(2)))
    shared = {}
    for t in np.flatnonzero(keep):
        for a, b in ((0, 1), (1, 2), (2, 0)):
            shared.setdefault(tuple(sorted((tris[t, a], tris[t, b]))), []).append(t)
    g = cv2.cvtColor(np.ascontiguousarray(image[..., :3]), cv2.COLOR_RGB2GRAY).astype(np.float32)
    gx, gy = cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1)
    jxx, jyy, jxy = (cv2.GaussianBlur(a, (0, 0), 2.0) for a in (gx * gx, gy * gy, gx * gy))
    out = []
    for (u, v), ts in shared.items():
        if len(ts) != 2:
            continue
        mid = 0.5 * (src[u] + src[v])
        if person is not None and person.at(np.asarray(mid[None], np.float32))[0] < 0.5:
            continue
        x, r = np.round(mid).astype(int)
        a, b, c = jxx[r, x], jyy[r, x], jxy[r, x]
        if np.hypot(a - b, 2 * c) < 0.3 * (a + b):
            continue
        th = 0.5 * np.arctan2(2 * c, a - b)               # the gradient's direction; strands run across it
        d = np.array([-np.sin(th), np.cos(th)])
        p, q = maps[ts[0]] @ d, maps[ts[1]] @ d
        out.append(np.degrees(np.arccos(np.clip(p @ q / (np.linalg.norm(p) * np.linalg.norm(q)), -1.0, 1.0))))
    return np.array(out)


# the 95th percentile's limit: 25 degrees; at -25 the waves right of the parting read 24.8, a
# margin the segmenter's last bits on another CPU could take, so that side is held to 30 (it read
# 36 before the segmenter's outline: the test still fails on that code)
@pytest.mark.parametrize("yaw,limit", [(25, 25.0), (-25, 30.0)])
def test_a_turn_keeps_the_hair_strands_above_the_forehead_smooth(editor, real_image, yaw, limit):
    """t1.jpg's face 0 (long light-brown hair, yaw +5) turned +-25 drew the hair at her temple as
    a stack of chevrons: the strands bent along one oval vertex's ray in every band. Her hair is
    not found (as light as her skin; the photo's left border, read for the backdrop, shows her own
    hair), so the head proxy's silhouette stays at the default 1.4x the oval above the forehead,
    3 cm above it and 8.8 cm behind it: the proxy's top is a cliff (7.7 cm of depth over the
    last 1.3 cm at the top, 2.7 at the temple). A yaw moves each point sideways by its depth, so
    each band triangle is sheared by the depth's gradient, which turns with the oval's corner and
    grows from the temple to the top: neighbours shear differently, and the strands kink between
    them. Strand kinks across the band triangles' shared edges above the forehead: at +25 95th
    percentile 28 degrees, worst 86; at -25 34 and 80. Smoothing the depth profile along the ring
    (its exponent or its depths, over +-2 or +-4 oval vertices) leaves them as they are; a
    silhouette at a round head's outline (1.6-1.7x there: commit e279e35, reverted: it moved
    Image_with_alpha.png's read-backs and its fill test) draws them at 19 / 43 and 21 / 43, one at
    the hair's top (1.5x SILHOUETTE_GROW, 2.1x) removes them. Her hair is found now (the
    backdrop read about her head where the person segmenter sees no one: tests/test_person.py)
    and the silhouette grew to 1.6-1.8x at the parting, but not at her forehead's upper corner
    (oval vertices 31-35): her darker strands there are the colour of the orange wall in that
    backdrop, and backdrop_reach ended her head at the first of them, so the default's cliff
    stood there beside the grown top; the measure read 30 / 36 (worst 122 / 148, on the radial
    edge between the two). It was right: at +25 the picture kept a stack of chevrons at that
    corner, and at -25 waves across the strands right of the parting. Grown there too to the
    segmenter's outline (head_reach.person_reach: 1.5-1.8x), 15.1 / 24.8 (worst 40 / 36); what is left at
    -25 lies right of the parting, where the depth profile turns with the oval's upper corner."""
    img = real_image("t1.jpg")
    face = editor.faces(img, 0)[0]
    assert face.vertices[:, 0].mean() < 0.2 * img.shape[1]         # the leftmost face
    src = editor.prepare(img, face)
    plan = editor.plan(src, pose=(0, yaw, 0))
    proxy = proxy_pose.HeadProxy(face.vertices, face.shape, face.pose, editor.config.camera_distance_cm,
                               *proxy_measures.proxy_measures(img, face))
    verts, _, photo = proxy.mesh(pose_vertices(plan.shape, plan.target_pose), plan.target_pose)
    kinks = _strand_kinks(img, face, verts, photo)
    assert len(kinks) > 100
    assert np.percentile(kinks, 95) < limit and kinks.max() < 60, (np.percentile(kinks, 95), kinks.max())


def _long_hair_kinks(editor, img, yaw):
    """_strand_kinks in the hair beside t1.jpg face 0's cheek and temple (the image-left oval
    vertices between canonical y -6 and 0), from the first proxy ring out to the fixed outer
    ring, on edges the person segmenter calls her (not the backdrop), turned by yaw."""
    face = editor.faces(img, 0)[0]
    src = editor.prepare(img, face)
    assert src.colours.person is not None            # a group photo: the segmenter was read
    proxy = proxy_pose.HeadProxy(face.vertices, face.shape, face.pose, editor.config.camera_distance_cm,
                               *proxy_measures.proxy_measures(img, face, src.colours))
    oval = np.asarray(face.vertices)[list(head_proxy.FACE_OVAL)]
    y = np.asarray(face.shape)[list(head_proxy.FACE_OVAL), 1]
    side = (oval[:, 0] < oval[:, 0].mean()) & (y > -6) & (y < 0)
    plan = editor.plan(src, pose=(0, yaw, 0))
    verts, _, photo = proxy.mesh(pose_vertices(plan.shape, plan.target_pose), plan.target_pose)
    return _strand_kinks(img, face, verts, photo, side, (2, head_proxy.PROXY_RINGS - 1), src.colours.person)


@pytest.mark.parametrize("yaw", [-25, 25])
def test_a_turn_keeps_long_straight_hair_beside_the_cheek_straight(editor, real_image, yaw):
    """t1.jpg's face 0 (long straight light-brown hair at the photo's left edge, yaw +5) turned
    -25 drew the hair on the image-left side as wavy strands with a pale, blurred, jagged edge
    bulging into the wall. Her hair is as light as her skin (hair_reach finds none) and the
    backdrop and person reads grew the silhouette above the forehead only, so beside her cheek
    it stayed at the default 1.4x, 9-17 px short of her hair's outer edge (the segmenter reads
    1.19-1.42x the default at oval vertices 27-30). That side turns away at -25: the silhouette
    moved in ~20 px, the fixed outer ring stayed, and the band between, her hair's outer part,
    was drawn 2.8x its width (11.5 -> 32 px at vertex 29); its strands crossed that slanted band
    obliquely and bent at each ring (the waves), and its stretched triangles were filled from the
    backdrop (the pale edge). Strand kinks across the triangles beside her cheek and temple
    (oval vertices 28-31): -25 95th percentile 15.1 degrees, worst 43.3; +25 12.2 and 22.9.
    Grown there to the segmenter's outline (silhouette.side_reach): 4.3 / 5.7 and 5.3 / 9.9. (A
    denser ring was not the cause: the same ring draws them straight where it holds her hair.)"""
    kinks = _long_hair_kinks(editor, real_image("t1.jpg"), yaw)
    assert len(kinks) > 20
    assert np.percentile(kinks, 95) < 8.0 and kinks.max() < 20.0, (np.percentile(kinks, 95), kinks.max())


def _pale_mix(image, rows, limit, backdrop, hair):
    """Per photo row in rows: the pixels within 30 of the hair's outer (image-left) edge, left of
    it, that are a mix of the backdrop and the hair (their share of the way from the Lab colour
    backdrop [3] to hair [3] in 0.15-0.85); the edge: the first pixel from the left, before
    column `limit` of that row, at least half of the way to the hair. -> [len(rows)] int."""
    import cv2

    lab = cv2.cvtColor(np.ascontiguousarray(image[..., :3]), cv2.COLOR_RGB2LAB).astype(np.float32)
    d = hair - backdrop
    out = []
    for r, x1 in zip(rows, limit):
        t = ((lab[r, :x1] - backdrop) @ d) / (d @ d)
        edge = int(np.argmax(t >= 0.5))
        out.append(int(((t[max(edge - 30, 0):edge] > 0.15) & (t[max(edge - 30, 0):edge] < 0.85)).sum()))
    return np.array(out)


def test_a_turn_away_keeps_the_long_hairs_outer_edge_clean(editor, real_image):
    """t1.jpg's face 0 turned -25 (test_a_turn_keeps_long_straight_hair_beside_the_cheek_straight):
    her hair's outer part beside her cheek lay in the head proxy's outer band, which the turn
    stretched 2.8x and filled from the backdrop: a pale, blurred, jagged edge between her hair and
    the pale wall. Along the photo rows of her temple and cheek (oval vertices 28-31), the mix of
    wall and hair left of the hair's edge (Lab colours between the two as the segmenter tells
    them apart in the photo) was 3.7 px wide on average (6 at most; the photo's own edge: 1.3,
    2); with the silhouette at her hair's end, 1.5 (3)."""
    import cv2

    img = real_image("t1.jpg")
    face = editor.faces(img, 0)[0]
    src = editor.prepare(img, face)
    out = editor.edit(img, pose=(0, -25, 0), source=src).image
    oval = np.asarray(face.vertices)[list(head_proxy.FACE_OVAL), :2]
    y = np.asarray(face.shape)[list(head_proxy.FACE_OVAL), 1]
    side = (oval[:, 0] < oval[:, 0].mean()) & (y > -6) & (y < 0)
    rows = np.arange(int(np.ceil(oval[side, 1].min())), int(oval[side, 1].max()))
    limit = np.interp(rows, *zip(*sorted(zip(oval[side, 1], oval[side, 0])))).astype(int)
    # the wall and the hair as the photo shows them in those rows, told apart by the segmenter
    xs, ys = np.meshgrid(np.arange(int(limit.max())), rows)
    who = src.colours.person.at(np.stack([xs, ys], -1).astype(np.float32))
    lab = cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_RGB2LAB).astype(np.float32)[ys, xs]
    left = xs < limit[:, None] - 10                        # the hair beside the face, not the cheek
    backdrop, hair = np.median(lab[who < 0.1], 0), np.median(lab[(who > 0.9) & left], 0)
    photo = _pale_mix(img, rows, limit, backdrop, hair)
    turned = _pale_mix(out, rows, limit, backdrop, hair)
    assert photo.mean() < 6
    assert turned.mean() < photo.mean() + 1.0 and turned.max() < 5, (turned.mean(), turned.max(), photo.mean())


def _traced_strands(image, person, oval, rows, half=15):
    """Hair strands traced in the photo left of the oval (image-left, x < the oval's leftmost),
    seeded every 5 rows and 3 columns on rows (first, end) where the person segmenter sees a
    person, followed both ways along the structure tensor's strand direction for `half` px (a
    pixel a step), stopped where the segmenter sees none or at the oval -> [N] [M,2] polylines
    (those at least 80% of full length)."""
    import cv2

    g = cv2.cvtColor(np.ascontiguousarray(image[..., :3]), cv2.COLOR_RGB2GRAY).astype(np.float32)
    gx, gy = cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1)
    jxx, jyy, jxy = (cv2.GaussianBlur(a, (0, 0), 3.0) for a in (gx * gx, gy * gy, gx * gy))
    th = 0.5 * np.arctan2(2 * jxy, jxx - jyy)
    along = np.stack([-np.sin(th), np.cos(th)], -1)          # across the gradient: along the strands
    poly = oval.astype(np.float32)
    h, w = g.shape
    out = []
    for y in range(int(rows[0]), int(rows[1]), 5):
        for x in range(4, int(oval[:, 0].min()), 3):
            if person.at(np.array([[x, y]], np.float32))[0] < 0.5:
                continue
            line = [np.array([x, y], np.float64)]
            for sign in (1.0, -1.0):
                p, prev, pts = line[0].copy(), np.array([0.0, sign]), []
                for _ in range(half):
                    i, j = int(round(p[1])), int(round(p[0]))
                    if not (0 <= i < h and 0 <= j < w):
                        break
                    d = along[i, j] if along[i, j] @ prev >= 0 else -along[i, j]
                    p, prev = p + d, d
                    if (person.at(p[None].astype(np.float32))[0] < 0.5
                            or cv2.pointPolygonTest(poly, (float(p[0]), float(p[1])), False) >= 0):
                        break
                    pts.append(p.copy())
                line = pts[::-1] + line if sign < 0 else line + pts
            if len(line) >= 1.6 * half:
                out.append(np.array(line))
    return out


def _mapped(verts, tris, photo, pts, shape):
    """Photo points [N,2] carried through the band mesh (piecewise affine from photo to target;
    where triangles overlap in the photo, the one drawn in front), unmoved off the mesh."""
    import cv2

    ids = np.full(shape[:2], -1, np.int32)
    for t in np.argsort(-verts[tris][:, :, 2].mean(1)):          # far first, near last
        cv2.fillConvexPoly(ids, np.round(photo[tris[t]] * 16).astype(np.int32), int(t), shift=4)
    ij = np.clip(np.round(pts).astype(int), 0, (shape[1] - 1, shape[0] - 1))
    t = ids[ij[:, 1], ij[:, 0]]
    out, on = pts.copy(), t >= 0
    a = photo[tris[t[on]]]
    bc = np.linalg.solve(np.stack([a[:, 1] - a[:, 0], a[:, 2] - a[:, 0]], -1), (pts[on] - a[:, 0])[..., None])[..., 0]
    b = verts[tris[t[on]]][:, :, :2]
    out[on] = b[:, 0] + bc[:, :1] * (b[:, 1] - b[:, 0]) + bc[:, 1:] * (b[:, 2] - b[:, 0])
    return out


def _bend(line, span=8):
    """A polyline's sharpest change of direction (degrees) between consecutive `span`-px chords."""
    d = line[span:] - line[:-span]
    a = np.degrees(np.arctan2(d[:, 0], d[:, 1]))
    return float(np.abs(a[span:] - a[:-span]).max())


@pytest.mark.parametrize("yaw,limit", [(-25, 30.0), (25, 18.0)])
def test_a_turn_lets_long_hair_hanging_past_the_jaw_fade_smoothly(editor, real_image, yaw, limit):
    """t1.jpg's face 0 (long straight hair hanging past her shoulders, at the photo's left edge):
    beside her cheek the silhouette is grown to her hair's outer edge (side_reach) and turns with
    the head, below the jaw her rays run into her shoulder and keep the default; the fixed outer
    ring lay 12-20 px beyond the silhouette there, so the whole shift between the turned hair and
    the still hair under it fell into a few band triangles at jaw height: a notch in the hair's
    outer edge and zigzag strands. Strands traced in the photo beside and under her jaw, carried
    through the band mesh: their sharpest bend over 8 px chords, 90th percentile, was 51.3
    degrees at -25 and 29.5 at +25 (the photo's own: 6.4); with the outer ring reaching on down
    the hanging hair (hair_beyond.hanging_hair) 23.1 and 11.0."""
    img = real_image("t1.jpg")
    face = editor.faces(img, 0)[0]
    src = editor.prepare(img, face)
    measures = proxy_measures.proxy_measures(img, face, src.colours)
    assert measures[4].max() > 0                        # her hair hangs: the outer ring reaches down
    proxy = proxy_pose.HeadProxy(face.vertices, face.shape, face.pose, editor.config.camera_distance_cm, *measures)
    oval = np.asarray(face.vertices)[list(head_proxy.FACE_OVAL), :2]
    y = np.asarray(face.shape)[list(head_proxy.FACE_OVAL), 1]
    side = (oval[:, 0] < oval[:, 0].mean()) & (y > -2)
    rows = (oval[side, 1].min(), oval[:, 1].max() + 0.6 * head_proxy.oval_radius(face.vertices))
    strands = _traced_strands(img, src.colours.person, oval, rows)
    assert len(strands) > 100
    plan = editor.plan(src, pose=(0, yaw, 0))
    verts, tris, photo = proxy.mesh(pose_vertices(plan.shape, plan.target_pose), plan.target_pose)
    bends = np.array([_bend(_mapped(verts, tris, photo, s, img.shape)) for s in strands])
    assert np.percentile([_bend(s) for s in strands], 90) < 10.0
    assert np.percentile(bends, 90) < limit, np.percentile(bends, 90)


def test_hanging_hair_only_on_a_group_photo(editor, real_image):
    """hair_beyond.hanging_hair reads the person segmenter's map: on a photo of one person (no map)
    the outer ring stays where it was (the head proxy's mesh as before, bit for bit)."""
    img = real_image("t1.jpg")
    face = editor.faces(img, 0)[0]
    src = editor.prepare(img, face)
    sil = silhouette.silhouette_scales(img, face.vertices, face.shape, face.pose, src.colours)
    args = (img, face.vertices, face.shape, face.pose, sil)
    assert hair_beyond.hanging_hair(*args, src.colours).max() > 0
    assert not hair_beyond.hanging_hair(*args, src.colours._replace(person=None)).any()


def test_a_head_turned_on_its_neck_swings_its_face_round(tracker, real_image):
    """multi_face.jpg's face 0 (a young man with sunglasses, ~70 px face, source yaw about +10)
    turned +25. About MediaPipe's canonical origin, inside the face 8 cm behind the nose tip, the
    head turned in place: face, hair cap and ears turned, but the face did not swing round in
    front of the neck as a head turning on its neck does (fit.NECK_PIVOT_CM: 4.5 cm further
    back), and the MediaPipe judge read the turn in the whole photo (yaw_readback.judged) as 71%
    of 25 (57-75% over 0-2 px shifts, scripts/yaw_spread.py; 88% over 8 crops). Turned on the
    neck (EditorConfig.neck_pivot_cm) the nose tip lands 11 px (0.11 of the face's box) further
    along and the judge reads 86% (69-92% over the shifts, median 85%; 91% over the crops); -25
    reads 105% (98% before). With his far temple's curls drawn down to the lens's end
    (glasses_rings.GLASSES_BESIDE) +25 reads 80% (83% just before: 71-90% over the shifts, then
    71-82%; the crops 92 -> 88%, their median 86 -> 86%): the bar, 0.78, is within that scatter."""
    import poce_rt
    from conftest import script_module
    from poce_rt.fit import NECK_PIVOT_CM
    from poce_rt.tracker import FaceTracker

    judged = script_module("yaw_readback").judged
    img = real_image("multi_face.jpg")
    cfg = poce_rt.EditorConfig(neck_pivot_cm=NECK_PIVOT_CM)
    with poce_rt.Editor(config=cfg, tracker=tracker) as ed, FaceTracker(max_faces=4) as judge:
        src = ed.prepare(img, ed.faces(img, 0)[0])
        face = src.face
        plan = ed.plan(src, pose=(0, 25, 0))
        # the neck's axis stays where the photo has it; the face in front of it swings round
        neck = np.array([[0.0, 0.0, NECK_PIVOT_CM]])
        np.testing.assert_allclose(pose_vertices(neck, plan.target_pose)[0, :2],
                                   pose_vertices(neck, face.pose)[0, :2], atol=1e-3)
        in_place = face.pose.offset(yaw=25)
        swing = pose_vertices(face.shape[1:2], plan.target_pose)[0, 0] - pose_vertices(face.shape[1:2], in_place)[0, 0]
        assert swing > 0.08 * (face.bbox[2] - face.bbox[0]), swing
        # what the judge reads of it, in the whole photo
        j0 = judged(judge, img, face.bbox)
        for yaw, least in ((25, 0.78), (-25, 0.85)):
            j = judged(judge, ed.edit(img, pose=(0, yaw, 0), source=src).image, face.bbox)
            assert j is not None
            assert (j.pose.yaw - j0.pose.yaw) / yaw >= least, (yaw, j.pose.yaw - j0.pose.yaw)


def _column_detail(editor, img, src, yaw=25):
    """The strands in the column between a revealed cheek and the hair (a +yaw turn: the viewer's
    left): the high-pass energy (|L - its Gaussian blur, 1.5 px|, grey levels) of the output's
    hair-like pixels (poce_rt.colour_classes.hair_like) on the cheek's rows (30-75% of the face's box),
    inside the drawn face's outline (coverage times `moved`) within 10% of the face's width (the
    face's hair layer) and outside it within 8% (the head proxy's first bands), each over the
    same energy of the photo's hair beside the face on those rows and that side (10-25% of the
    face's width outside the source oval): (inside, outside); 1 = as much detail as the photo's hair."""
    import cv2

    from test_disocclusion import revealed_outline

    from poce_rt import colour_classes, lab_colour

    res, w, where, drawn, inside = revealed_outline(editor, img, src, yaw)
    h, wd = img.shape[:2]
    outside = cv2.distanceTransform(np.pad(1 - drawn, 1), cv2.DIST_L2, 5)[1:-1, 1:-1]
    oval = src.face.vertices[list(head_proxy.FACE_OVAL), :2]
    skin, back = colour_classes.photo_skin(img, oval), colour_classes.backdrop_colours(img)
    face = np.zeros((h, wd), np.uint8)
    cv2.fillPoly(face, [np.round(oval).astype(np.int32)], 1)

    def grown(r):
        return cv2.dilate(face, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))) > 0

    def hairy(image, m):
        return m & (colour_classes.hair_like(lab_colour.lab(image.astype(np.float32) / 255), skin, back) >= 0.5)

    def detail(image):
        g = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
        return np.abs(g - cv2.GaussianBlur(g, (0, 0), 1.5))

    ref = hairy(img, grown(int(0.25 * w)) & ~grown(int(0.1 * w)) & where)
    out = detail(res.image)
    parts = [hairy(res.image, where & (drawn > 0) & (inside <= 0.1 * w)),
             hairy(res.image, where & (drawn == 0) & (outside <= 0.08 * w))]
    assert ref.sum() > 500 and all(p.sum() > 500 for p in parts), (ref.sum(), [p.sum() for p in parts])
    return tuple(float(out[p].mean() / detail(img)[ref].mean()) for p in parts)


def test_a_turn_reads_the_hair_past_the_skin_strip_as_hair(editor, prepared):
    """0-f1-su-ph.jpg turned +25: where the turn reveals her image-left cheek, the oval ring reads
    the photo past the skin strip and the hair's mix with the skin (past_oval.skin_strip), 16 px
    out there, past the proxy's first ring (14 px out): the band between them read a sliver of
    0-2 px, folded, drawn 18 px wide (area 7-16x) and filled by the stretched-strip fill, a smooth
    brownish column between the cheek and the hair from the temple down past the cheek. The rings
    inside the silhouette read from the moved read out to it (proxy_pose.past_strip): that band's
    triangles are drawn under STRETCH_FILL[0] (before: 16.3 at most) and warped, not filled, and
    the hair drawn past the outline carries the photo's strands (detail 0.33 -> 0.46 of the
    photo's hair beside the face). 15-f13-anc-ph.jpg's (a skin strip 5-8 px wide under her bob):
    3.4 -> 1.8."""
    k = len(head_proxy.FACE_OVAL)
    for name in ("0-f1-su-ph.jpg", "15-f13-anc-ph.jpg"):
        img, src = prepared(name)
        face = src.face
        plan = editor.plan(src, pose=(0, 25, 0))
        proxy = proxy_pose.HeadProxy(face.vertices, face.shape, face.pose, editor.config.camera_distance_cm,
                                   *proxy_measures.proxy_measures(img, face))
        verts, _, photo = proxy.mesh(pose_vertices(plan.shape, plan.target_pose), plan.target_pose)
        tris = head_proxy.band_triangles(len(verts))
        moved = proxy.strip * proxy.reveal(plan.target_pose)     # [K] px the oval ring reads past the oval
        first = (tris.max(1) < 3 * k) & (moved[tris % k].min(1) > 0.1)   # the band from it to the first ring
        assert first.sum() >= 6, (name, first.sum())
        area = band_maps.area_stretch(verts, tris[first], photo)
        assert area.max() < band_stretch.STRETCH_FILL[0], (name, area.max())
    img, src = prepared("0-f1-su-ph.jpg")
    assert _column_detail(editor, img, src)[1] > 0.4


def test_the_hair_over_a_revealed_cheek_keeps_its_strands(editor, prepared):
    """The texels the photo saw edge-on along a cheek under the hair crowd onto a pixel or two of
    the photo (0-f15-hao-ph.jpg's image-left cheek: 26 texels of a UV row on 1.3 px), and the hair
    layer's colour there was the mean of the hair beside each texel, one colour along each ray: at
    +25 a smooth dark-grey band ~20 px wide between the cheek and the hair. Each texel takes the
    photo's hair as far past the hair's edge as it lies inside the layout's border (poce_rt.hair,
    STRANDS): the layer's detail against the photo's hair beside the face 0.79 -> 1.17 on 0-f15,
    0.39 -> 0.58 on 0-f1-su-ph.jpg. (0-f15's texels there were her cheek in shade, not hair: the
    layer leaves them out, poce_rt.hair's SHADED; test_disocclusion's
    test_a_cheek_in_shade_is_not_drawn_as_hair.)"""
    img, src = prepared("0-f1-su-ph.jpg")
    assert _column_detail(editor, img, src)[0] > 0.5


def test_the_band_under_a_revealed_outline_reads_the_hair(editor, prepared):
    """0-f15-hao-ph.jpg turned +25: the ring's band under the face's feathered border (from the
    ring inside the oval to the oval ring) read the photo from inside the oval out to the hair,
    the cheek's edge and its mix with the hair, drawn ~20 px wide under the revealed outline: the
    feather blended it in as a pale greyish-pink strip (L 45-53 over 6 px, the hair 30-40) between
    the hair drawn past the outline and the hair layer over it. Where the oval ring reads past the
    skin strip, it reads the hair there (proxy_pose.under_hair): the share of its reads along the
    oval vertices' rays (those the turn reveals by half or more) that are hair-like, 0.44 -> 0.8."""
    import cv2

    from poce_rt import colour_classes, lab_colour

    img, src = prepared("0-f15-hao-ph.jpg")
    face = src.face
    plan = editor.plan(src, pose=(0, 25, 0))
    proxy = proxy_pose.HeadProxy(face.vertices, face.shape, face.pose, editor.config.camera_distance_cm,
                               *proxy_measures.proxy_measures(img, face))
    _, _, photo = proxy.mesh(pose_vertices(plan.shape, plan.target_pose), plan.target_pose)
    k = len(head_proxy.FACE_OVAL)
    reveal = proxy.reveal(plan.target_pose)
    hot = (proxy.strip * reveal > 0.1) & (reveal > 0.5)
    assert hot.sum() >= 4, hot.sum()
    t = np.linspace(0.0, 1.0, 9)[:, None, None]
    reads = (photo[:k][hot] + t * (photo[k:2 * k][hot] - photo[:k][hot])).reshape(-1, 2).astype(np.float32)
    px = cv2.remap(img, reads[:, None, 0], reads[:, None, 1], cv2.INTER_LINEAR)[:, 0]
    oval = face.vertices[list(head_proxy.FACE_OVAL), :2]
    like = colour_classes.hair_like(lab_colour.lab(px.astype(np.float32) / 255), colour_classes.photo_skin(img, oval),
                                    colour_classes.backdrop_colours(img))
    assert (like >= 0.5).mean() > 0.7, (like >= 0.5).mean()


def _beside_collapsed_temple(editor, img, src, image, alpha):
    """L* of the pixels of image [H,W,3] within BESIDE_PX outside the drawn face (alpha [H,W] >
    0.5) and within REACH_PX of the target oval vertices where a turn of src to +25 draws the band
    from the oval to the proxy's silhouette collapsed (proxy_pose.COLLAPSED), and of the face's own
    outermost BESIDE_PX there."""
    import cv2

    face = src.face
    plan = editor.plan(src, pose=(0, 25, 0))
    target = pose_vertices(plan.shape, plan.target_pose)
    proxy = proxy_pose.HeadProxy(face.vertices, face.shape, face.pose, editor.config.camera_distance_cm,
                               *proxy_measures.proxy_measures(img, face, src.colours))
    verts, _, photo = proxy.mesh(target, plan.target_pose)
    k = len(head_proxy.FACE_OVAL)
    sil, oval = head_proxy.SILHOUETTE_RING * k, k
    drawn = np.linalg.norm(verts[sil:sil + k, :2] - verts[oval:oval + k, :2], axis=1)
    seen = np.linalg.norm(photo[sil:sil + k] - photo[oval:oval + k], axis=1)
    at = verts[oval:oval + k, :2][drawn < proxy_pose.COLLAPSED[0] * seen]
    assert len(at) >= 2
    inside = (alpha > 0.5).astype(np.uint8)
    out = cv2.distanceTransform(1 - inside, cv2.DIST_L2, 3)
    into = cv2.distanceTransform(inside, cv2.DIST_L2, 3)
    yy, xx = np.mgrid[0:alpha.shape[0], 0:alpha.shape[1]]
    near = np.zeros(alpha.shape, bool)
    for v in at:
        near |= (xx + 0.5 - v[0]) ** 2 + (yy + 0.5 - v[1]) ** 2 <= REACH_PX ** 2
    lightness = cv2.cvtColor(image, cv2.COLOR_RGB2LAB)[..., 0].astype(np.float32) * 100 / 255
    return (lightness[near & (out > 0) & (out <= BESIDE_PX)],
            lightness[near & (inside > 0) & (into <= BESIDE_PX)])


BESIDE_PX = 5
REACH_PX = 8   # px about those vertices (the relit temple above them, 11 px and more, is skin)


def test_a_collapsed_far_temple_has_no_skin_beside_it(editor, real_image):
    """t1.jpg's face 1 (yaw -33) at +25: on her far temple the proxy's rings from the oval to the
    silhouette are drawn collapsed onto the turned face's outline (the face draws that strip), and
    the band beyond the silhouette reads the photo from where the silhouette ring lies in it: the
    forehead's skin at her hairline, drawn as a pale fleck (L* 65-68) between the turned temple
    and her dark lock of hair. The silhouette ring reads past that skin now (HeadProxy.past_skin):
    none of the pixels beside the face there is lighter than the face's own outermost pixels
    (their median, L* 56; 16 were, up to 68)."""
    img = real_image("t1.jpg")
    face = editor.faces(img, 1)[0]
    src = editor.prepare(img, face)
    res = editor.edit(img, pose=(0, 25, 0), source=src)
    beside, edge = _beside_collapsed_temple(editor, img, src, res.image, res.alpha)
    assert len(beside) >= 30 and len(edge) >= 30
    assert (beside > np.median(edge)).sum() == 0, (np.sort(beside)[-5:], np.median(edge))
