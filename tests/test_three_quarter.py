"""A turn from a three-quarter view (issue 15): why 45-m7-di-ph.jpg's +25 reads back short.

45-m7 (-43 degrees by MediaPipe) turned +25 reads +19.8 (79%; +18.5 before the fill below) by the
MediaPipe judge, yet the mesh turns exactly +25 and the judge's landmarks on the output sit where
the turned mesh puts them (median 2.4 px, inter-ocular 159 px; read with the drawn mesh's depth in
place of the depth the judge infers, they give +25.4). No real video here turns that far, so the
ground truth is drawn (scripts/three_quarter_truth.py): a frontal photo turned to a three-quarter
view A of known pose, then A used as the source and turned +25 (B). On five photos the judge
misreads A itself by -0.6 to +3.7 degrees (it reads a head drawn at -43.4 as -39.8) and reads B
within 1.7 degrees of the frontal photo drawn directly at B's pose (C), so its A -> B change is
short by about its error on A (83-99%), while B against A's true pose reads 97-101%. The
shortfall is the judge's reading of the three-quarter source, not the turn, the revealed cheek's
fill or the outline.

What was at fault in the picture: the head proxy's far side lies behind the face in such a photo,
and its ring drew the face's own texture (a second nose and lip outline) beside the turned face
(feature_mask.FeatureMask.hidden: such triangles are filled, and marked)."""
import numpy as np
import pytest



@pytest.fixture(scope="module")
def turned(editor, judge, prepared):
    img, src = prepared("0-f15-hao-ph.jpg")
    a_img = editor.edit(img, pose=(0, -35, 0), source=src).image   # the three-quarter view A
    a_src = editor.prepare(a_img)
    b = editor.edit(a_img, pose=(0, 25, 0), source=a_src).image
    c = editor.edit(img, pose=(0, -10, 0), source=src).image       # A's true pose + 25, from frontal
    read = {k: judge.track_one(v).pose.yaw for k, v in (("a", a_img), ("b", b), ("c", c))}
    return src.face.pose.yaw - 35, read


def test_a_three_quarter_source_turned_lands_where_the_frontal_turn_does(turned):
    """B (the three-quarter view turned +25, its far cheek filled) reads within 2 degrees of C (the
    same pose drawn from the frontal photo, the cheek's own texture); measured -0.5."""
    _, read = turned
    assert abs(read["b"] - read["c"]) < 2.0, read


def test_a_three_quarter_turn_reads_back_from_its_true_pose(turned):
    """+25 from A's true (drawn) pose reads 85-120% of 25 (measured 98%); the change from the
    judge's own reading of A is what yaw_readback.py reports, short by the judge's error on A
    (83%: it reads A, drawn at -35.0, as -31.3)."""
    truth_a, read = turned
    assert 0.85 * 25 <= read["b"] - truth_a <= 1.2 * 25, (truth_a, read)




def _proxy(editor, img, src, yaw):
    """(verts, photo positions, FeatureMask) of the head proxy's band for a turn by yaw."""
    from poce_rt import feature_mask, proxy_pose, silhouette
    from poce_rt.fit import pose_vertices

    f = src.face
    plan = editor.plan(src, pose=(0, yaw, 0))
    proxy = proxy_pose.HeadProxy(f.vertices, f.shape, f.pose, 80.0,
                                 silhouette.silhouette_scales(img, f.vertices, f.shape, f.pose))
    verts, _, photo = proxy.mesh(pose_vertices(plan.shape, plan.target_pose), plan.target_pose)
    return verts, photo, feature_mask.FeatureMask(f.vertices)


def _drawn_beside_face(verts, tris):
    """[T] bool: band triangles drawn with a corner outside the drawn face's oval or within 2 px
    of it (the others lie deep behind the drawn face, which hides them)."""
    from poce_rt import feature_mask, head_proxy

    k, v = len(head_proxy.FACE_OVAL), np.asarray(verts, np.float64)
    return feature_mask._inside(v[k:2 * k, :2], v[tris.ravel(), :2]).reshape(tris.shape).min(1) < 2.0


def test_the_head_proxy_behind_a_turned_face_is_filled(editor, three_quarter, prepared):
    """At -43 degrees the head proxy's far side lies behind the face in the photo; its band
    triangles read the face there and, turned +25, drew a second nose and lip outline beside the
    face. Those triangles (more than half their area on the face) that the turn draws beside the
    face (a corner outside the drawn face's oval, or within 2 px of it) are now filled fully
    (before: most were not filled at all); those still deep behind the drawn face are hidden by
    it. A frontal face's proxy reads no face (its turns are unchanged)."""
    from poce_rt import band_stretch, feature_mask, head_proxy

    verts, photo, mask = _proxy(editor, *three_quarter, 25)
    tris = head_proxy.band_triangles(len(verts))
    behind = (mask.hidden(photo, tris) > 0.5) & _drawn_beside_face(verts, tris)
    assert behind.sum() >= 20
    assert (band_stretch.stretch_weights(verts, photo, mask)[behind] == 1.0).all()
    for yaw in (-25, 25):
        verts, photo, mask = _proxy(editor, *prepared("0-f15-hao-ph.jpg"), yaw)
        assert (mask.hidden(photo, head_proxy.band_triangles(len(verts))) <= feature_mask.HIDDEN_FILL[0]).all()


def test_beside_a_turned_three_quarter_face_the_fill_is_marked(editor, three_quarter):
    """45-m7 turned +25: beside the face on its far side (within 15% of its width of the drawn face,
    from the far eye down), a quarter of what the ring draws is fill and marked so (before: 5%),
    with no sharp feature (95th percentile of the gradient < 13.5 levels/px; before 15.3)."""
    import cv2
    import numpy as np

    from poce_rt.masks import LEFT_EYE, RIGHT_EYE

    img, src = three_quarter
    f = src.face
    res = editor.edit(img, pose=(0, 25, 0), source=src)
    drawn = res.moved * res.alpha > 0.05
    k = int(0.15 * (f.bbox[2] - f.bbox[0])) | 1
    beside = cv2.dilate(drawn.astype(np.uint8), np.ones((k, k), np.uint8)).astype(bool) & ~drawn
    eye = list(min((LEFT_EYE, RIGHT_EYE), key=lambda e: f.vertices[list(e), 0].mean()))   # the far eye (image left)
    rows, cols = np.mgrid[:img.shape[0], :img.shape[1]]
    region = beside & (rows >= f.vertices[eye, 1].min()) & (cols < f.vertices[eye, 0].min())
    assert region.sum() > 1000
    grey = res.image.astype(np.float32).mean(2)
    grad = np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1)) / 8
    assert res.filled[region].mean() > 0.15
    assert np.percentile(grad[region], 95) < 13.5


def test_the_fill_behind_a_turned_face_follows_the_turn(editor, three_quarter):
    """The fill of the head proxy's triangles behind the face (above) grows with how far the turn
    brings them out from behind it: none at +0.25, at most a third at +1 (before: full at every
    turn), more at +5 and +10, full at +25 where drawn beside the face (the rest stays deep
    behind it); a turn away (-10) hides most of them deeper."""

    from poce_rt import band_stretch, head_proxy

    mean = {}
    for yaw in (0.25, 1, 5, 10, 25, -10):
        verts, photo, mask = _proxy(editor, *three_quarter, yaw)
        behind = mask.hidden(photo, head_proxy.band_triangles(len(verts))) > 0.5
        w = band_stretch.stretch_weights(verts, photo, mask)[behind]
        mean[yaw] = w.mean()
        if yaw == 0.25:
            assert (w == 0).all()
        elif yaw == 1:
            assert w.max() < 0.35
        elif yaw == 25:
            tris = head_proxy.band_triangles(len(verts))
            assert (w[_drawn_beside_face(verts, tris)[behind]] == 1.0).all()
    assert mean[1] < mean[5] < mean[10] <= mean[25], mean
    assert mean[-10] < 0.5 * mean[10], mean


def test_a_small_turn_keeps_the_photo_behind_the_far_cheek(editor, three_quarter):
    """45-m7 turned +1: the head proxy's triangles behind the face are drawn within a pixel or two
    of where the photo shows them, so the photo's own texture is right there; filling them (as at
    every turn before) smeared the far cheek's outline. Where they are drawn, |output - photo|
    (grey levels): 99th percentile 38.7 -> 18.7, max 59 -> 38. Since the band's outer ring
    encloses the face's own reach (head_proxy.face_reach: the nose tip stands past the far
    silhouette), the band warps the nose tip with the turn where it was left still while the face
    beside it moved: its edge against the backdrop a pixel along, 32 pixels over 40 levels, max 56
    (99th percentile 20.7)."""
    import cv2
    import numpy as np

    from poce_rt import feature_mask, head_proxy

    img, src = three_quarter
    verts, photo, mask = _proxy(editor, img, src, 1)
    tris = head_proxy.band_triangles(len(verts))
    drawn = np.zeros(img.shape[:2], np.uint8)
    for t in np.flatnonzero(mask.hidden(photo, tris) > feature_mask.HIDDEN_FILL[0]):
        cv2.fillPoly(drawn, [np.round(verts[tris[t], :2]).astype(np.int32)], 1)
    out = editor.edit(img, pose=(0, 1, 0), source=src).image
    diff = np.abs(out.astype(np.float32).mean(2) - img.astype(np.float32).mean(2))[drawn > 0]
    assert diff.size > 5000
    assert np.percentile(diff, 99) < 28 and diff.max() < 64, (np.percentile(diff, 99), diff.max())
    assert (diff > 40).sum() < 100, (diff > 40).sum()


def _photo_face_kept(img, src, res):
    """Pixels of the source face's place in the photo (the convex hull of its vertices) that the
    drawn face does not cover (alpha < 0.05) and the output keeps as the photo has them (within 2
    levels): the photo's own nose and lips left beside a face that moved off them."""
    import cv2
    import numpy as np

    hull = np.zeros(img.shape[:2], np.uint8)
    cv2.fillConvexPoly(hull, cv2.convexHull(np.round(src.face.vertices[:, :2]).astype(np.int32)), 1)
    beside = (hull > 0) & (res.alpha < 0.05)
    return beside & (np.abs(res.image.astype(int) - img.astype(int)).max(2) <= 2)


@pytest.mark.parametrize("pivot, yaw, before", [(0.0, 10, 217), ("neck", 25, 2117)])
def test_a_face_turned_off_its_nose_leaves_no_second_nose(tracker, three_quarter, pivot, yaw, before):
    """45-m7 (-43) turned towards the camera: its nose and lips stand 50-60 px out past the oval
    on the far side, past the head proxy's silhouette there, and the band's fixed outer ring was
    placed about the rings and the oval alone: when the face moved off them, nothing drew over
    them and the photo's nose and lips stayed beside the turned face, a second profile. Turned on
    its neck (fit.NECK_PIVOT_CM) the face swings 30 px further off them: at +25, 2117 such pixels
    kept (now 13); about the canonical origin at +10, 217 (now 2). The outer ring now encloses the
    face's own reach (head_proxy.face_reach), and the band triangles that read it are filled."""
    import poce_rt
    from poce_rt.fit import NECK_PIVOT_CM

    img, _ = three_quarter
    cfg = poce_rt.EditorConfig(neck_pivot_cm=NECK_PIVOT_CM if pivot == "neck" else pivot)
    with poce_rt.Editor(config=cfg, tracker=tracker) as ed:
        src = ed.prepare(img)
        kept = _photo_face_kept(img, src, ed.edit(img, pose=(0, yaw, 0), source=src))
    assert kept.sum() < 0.1 * before, kept.sum()
