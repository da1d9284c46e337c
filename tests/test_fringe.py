"""The hair's fringe beyond the head proxy's silhouette (poce_rt.hair_beyond.FRINGE): loose strands
past the silhouette go with it, and the band beyond them takes a turn's stretch.

0-f1-su-ph.jpg turned -25: the silhouette on the far side (image left) moves in by ~58 px, the
fixed outer ring stays, and the band between them was drawn 2.2x wider than the photo shows it:
the strands beside her hair became long streaks flying off the head."""
import numpy as np

from poce_rt import hair_beyond, head_proxy, proxy_measures, proxy_pose, silhouette
from poce_rt.fit import pose_vertices

STRAND = 0.05   # x the oval's mean radius: the strands' stretch read this far past the silhouette


def _proxy(editor, img, f):
    """The HeadProxy of face f of img as the frame loop builds it."""
    return proxy_pose.HeadProxy(f.vertices, f.shape, f.pose, editor.config.camera_distance_cm,
                              *proxy_measures.proxy_measures(img, f))


def strand_stretch(verts, tris, src, radius):
    """[K] how many times longer each silhouette vertex's first STRAND x radius of photo beyond
    it (along the ray from the oval's centre) is drawn: the point mapped through the ring's
    triangle that reads it (NaN where none does)."""
    k = len(head_proxy.FACE_OVAL)
    sil = src[head_proxy.SILHOUETTE_RING * k:(head_proxy.SILHOUETTE_RING + 1) * k]
    u = sil - src[k:2 * k].mean(0)
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    pts = sil + STRAND * radius * u
    t = tris[(tris >= head_proxy.SILHOUETTE_RING * k).all(1)]
    a = src[t]
    m = np.stack([a[:, 1] - a[:, 0], a[:, 2] - a[:, 0]], 2)
    ok = np.abs(np.linalg.det(m)) > 1e-9
    inv = np.linalg.inv(np.where(ok[:, None, None], m, np.eye(2)))
    out = np.full(k, np.nan)
    for i, p in enumerate(pts):
        bc = (inv @ (p - a[:, 0])[..., None])[..., 0]
        hit = np.flatnonzero(ok & (bc >= -1e-6).all(1) & (bc.sum(1) <= 1 + 1e-6))
        if hit.size:
            d = verts[t[hit[0]], :2].astype(np.float64)
            q = d[0] + bc[hit[0], 0] * (d[1] - d[0]) + bc[hit[0], 1] * (d[2] - d[0])
            out[i] = np.linalg.norm(q - verts[head_proxy.SILHOUETTE_RING * k + i, :2]) / (STRAND * radius)
    return out


def test_strands_past_the_silhouette_keep_their_length(editor, real_image):
    """0-f1-su-ph.jpg at -25: the photo just past the silhouette (the strands beside the hair,
    above the jaw) is drawn at most 1.5x longer (before: up to 2.15x)."""
    img = real_image("0-f1-su-ph.jpg")
    src = editor.prepare(img)
    f = src.face
    plan = editor.plan(src, pose=(0, -25, 0))
    verts, tris, photo = _proxy(editor, img, f).mesh(pose_vertices(plan.shape, plan.target_pose), plan.target_pose)
    head = np.asarray(f.shape)[list(head_proxy.FACE_OVAL), 1] < silhouette.HAIR_ROWS_CM[1]
    s = strand_stretch(verts, tris, photo, head_proxy.oval_radius(f.vertices))[head]
    assert np.isfinite(s).sum() >= 15
    assert np.nanmax(s) < 1.5, np.round(s, 2)


def test_fringe_ring_goes_with_a_silhouette_moving_in_only():
    """Where the silhouette moves in, the fringe keeps its photo distance from it; where it moves
    out, the fringe keeps its share of the way to the outer ring (the band as before)."""
    outer = np.array([[-100.0, 0.0], [100.0, 0.0]])
    sil = np.array([[-60.0, 0.0], [60.0, 0.0]])
    moved = sil + np.array([[20.0, 0.0], [20.0, 0.0]])   # in on the left, out on the right
    src, dst, share = proxy_pose.fringe_ring(sil, moved, outer, np.zeros(2), np.array([20.0, 20.0]))
    np.testing.assert_allclose(share, 0.5)
    np.testing.assert_allclose(src, [[-80.0, 0.0], [80.0, 0.0]])
    np.testing.assert_allclose(dst[0], [-60.0, 0.0])                  # 20 px beyond, as in the photo
    np.testing.assert_allclose(dst[1], [80.0 + 0.5 * 20.0, 0.0])      # half of the narrowed band
    # no width measured: the least share, a band that still reads the photo
    _, _, share = proxy_pose.fringe_ring(sil, moved, outer, np.zeros(2))
    np.testing.assert_allclose(share, hair_beyond.FRINGE[0])


def test_fringe_reach_stops_short_of_the_backgrounds_own_things():
    """A ray over a plain backdrop with a few strands reads free all the way (1); one that meets a
    wall's edge running on to its end stops gap_px short of it; one of the head's own hair all the
    way reads free too (nothing of the background's there)."""
    from poce_rt.head_reach import fringe_reach
    from poce_rt.colour_classes import backdrop_colours

    img = np.zeros((40, 200, 3), np.uint8)
    img[...] = (90, 110, 200)                         # a blue wall
    img[5, 60:64] = img[15, 62:64] = (30, 30, 30)     # strands (rows 5 and 15)
    img[15, 150:] = (230, 220, 230)                   # row 15: a wall's edge from x = 150 on
    img[25, 50:] = (30, 25, 20)                       # row 25: dark hair all the way
    backdrop = backdrop_colours(img)
    start = np.array([[50.0, 5.0], [50.0, 15.0], [50.0, 25.0]])
    end = np.array([[190.0, 5.0], [190.0, 15.0], [190.0, 25.0]])
    reach = fringe_reach(img, start, end, backdrop, 10.0)
    assert reach[0] == 1.0 and reach[2] == 1.0
    assert abs(reach[1] * 140 - (100 - 10)) <= 1.5, reach[1] * 140


def test_curl_tips_past_the_fringe_go_with_the_head(editor, real_image):
    """multi_face.jpg's young man at -25: his curls at his top-left reach 0.62-0.65 of the band
    from the silhouette to the outer ring, between two oval vertices, past the fringe (0.34-0.5 of
    it); the silhouette moves in 15-19 px and the outer ring stays, and the photo 0.12 of the
    oval's radius past the silhouette (~7 px: the tips) was drawn 1.22-1.59x longer there (streaks
    into the sky; between the vertices up to ~3x). The fringe now reaches past the tips
    (head_reach.strand_reach): 1.11-1.2x. With his skin read without the sunglasses (photo_skin(eyes=))
    the colour classes find his curls beside his far temple (band_hair's share over the side
    turned away 0.153), so far_outline draws that side out to a round head's outline: the
    silhouette there moves in 3-7 px, not 7-14, and the fringe between it and the tips is drawn
    longer (fringe_ring holds its reach along the photo's ray from the oval's centre, far_outline
    moves the silhouette along its own from the moved head's): 1.19-1.28x (the fringe's own band
    9.1 -> 10.9 px at vertex 32), 1.26-1.51x without the tips."""
    img = real_image("multi_face.jpg")
    f = editor.faces(img, 0)[0]
    src = editor.prepare(img, f)
    plan = editor.plan(src, pose=(0, -25, 0))
    verts, tris, photo = _proxy(editor, img, f).mesh(pose_vertices(plan.shape, plan.target_pose), plan.target_pose)
    global STRAND
    old, STRAND = STRAND, 0.12
    try:
        s = strand_stretch(verts, tris, photo, head_proxy.oval_radius(f.vertices))[[32, 33, 34]]
    finally:
        STRAND = old
    assert np.isfinite(s).all() and s.max() < 1.35, np.round(s, 2)


def test_strand_reach_finds_a_tip_between_vertices_not_a_wall():
    """Rays up the photo from a ring of three vertices 20 px apart (the band 20 px): a curl tip
    midway between the first two vertices, 14 px out past 3 px of backdrop, is found on the rays
    across both vertices' bands (0.7) though neither vertex's own ray meets it; a wall's edge
    that runs on to the rays' end across the third vertex's band (its rays from x = 40 to 60: the
    ring closes on the first) is the background's, not hair: with it the tip is not read there."""
    from poce_rt import head_reach, lab_colour

    blue, dark = np.array([90, 120, 200], np.uint8), np.array([40, 30, 25], np.uint8)
    img = np.empty((60, 100, 3), np.uint8)
    img[:] = blue
    img[40:, :] = dark                     # the head's hair below the ring (y = 40)
    img[37:40, 29:32] = dark               # hair just past the ring between the first two ...
    img[26:34, 29:32] = dark               # ... and its tip past 3 px of backdrop, to y = 26
    img[:40, 56:59] = dark                 # a wall's edge from the ring to the top
    start = np.array([[20.0, 40.0], [40.0, 40.0], [60.0, 40.0]])
    end = start - [0.0, 20.0]
    backdrop = lab_colour.lab(blue[None].astype(np.float32) / 255.0)
    got = head_reach.strand_reach(img, start, end, backdrop)
    np.testing.assert_allclose(got[:2], 14 / 20, atol=1.5 / 20)
    assert got[2] == 0.0
    img[:26, 56:59] = blue                 # the same edge ending short of the rays' end: a strand
    np.testing.assert_allclose(head_reach.strand_reach(img, start, end, backdrop)[2], 14 / 20, atol=1.5 / 20)
