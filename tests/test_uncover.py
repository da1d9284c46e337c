"""poce_rt.uncover: where a face's move uncovers the photo, what lay behind the face is drawn
(the plate: the photo around the face continued over it), never the old face, and marked as fill."""
import cv2
import numpy as np
import pytest

from poce_rt import uncover
from poce_rt.fit import pose_vertices
from poce_rt.head_proxy import oval_radius
from poce_rt.motion import vertex_motion
from poce_rt.stages import texel_motion


def reference_fill(base, plate, uncovered, alpha, ring):
    """fill_uncovered's formula in float64."""
    w = uncovered[..., 0].astype(np.float64) * (1.0 - alpha) * (1.0 - (0.0 if ring is None else ring[..., 0]))
    out = base + w[..., None] * (plate.astype(np.float64) * 255.0 - base)
    return np.floor(np.clip(out + 0.5, 0, 255)).astype(np.uint8), w


@pytest.mark.parametrize("with_ring", [False, True])
def test_fill_uncovered_matches_its_formula(with_ring):
    rng = np.random.default_rng(3)
    h, w = 17, 23
    base = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    plate = rng.random((h, w, 3), dtype=np.float32)
    unc = rng.random((h, w, 1), dtype=np.float32)
    unc[:5] = 0.0                       # nothing uncovered: the frame stays
    alpha = rng.random((h, w), dtype=np.float32)
    alpha[-3:] = 1.0                    # the face drawn over it: the frame stays under it
    ring = rng.random((h, w, 1), dtype=np.float32) if with_ring else None
    ref, w_ref = reference_fill(base.astype(np.float64), plate, unc, alpha, ring)
    out = base.copy()
    weight = uncover.fill_uncovered(out, plate, unc, alpha, ring, np.empty((h, w, 1), np.float32),
                                    np.empty((h, w, 3), np.float32))
    np.testing.assert_allclose(weight[..., 0], w_ref, atol=1e-6)
    assert np.abs(out.astype(int) - ref.astype(int)).max() <= 1   # float32 against float64 rounding
    assert np.array_equal(out[:5], base[:5]) and np.array_equal(out[-3:], base[-3:])
    # the weight widened onto the channels for the blend (the frame loop's host path): the same frame
    wide = base.copy()
    uncover.fill_uncovered(wide, plate, unc, alpha, ring, np.empty((h, w, 1), np.float32),
                           np.empty((h, w, 3), np.float32), np.full((h, w, 3), np.nan, np.float32))
    np.testing.assert_array_equal(wide, out)


def test_the_plate_is_the_photo_beyond_the_face_and_a_small_move_uncovers_nothing(editor, prepared):
    img, src = prepared("45-m7-di-ph.jpg")
    g = editor.geometry
    posed = g.posed(src.face.vertices)
    behind = uncover.Uncover(img, posed, g.layout.tris, g.layout.uvs, oval_radius(src.face.vertices))
    x0, y0, x1, y1 = behind.box
    beyond = behind.near == 0
    assert beyond.any() and (~beyond).any()
    np.testing.assert_allclose(behind.plate[beyond], img[y0:y1, x0:x1][beyond] / 255.0, atol=1e-6)
    texels = texel_motion(g)
    assert behind.weight(texels, np.zeros(len(posed), np.float32)) is None
    assert behind.weight(texels, np.full(len(posed), 0.9 * uncover.UNCOVER_PX, np.float32)) is None


def test_an_opening_jaw_on_a_turned_face_leaves_no_old_chin(editor, prepared):
    """45-m7-di-ph.jpg (yaw -43): the opening jaw moves the chin back from where the photo shows
    it, beyond the ring's reach; the old chin there became the backdrop (the plate), marked as
    fill. Before, the photo's chin stayed as a pale ghost beside the new one (935 px, 24 levels
    off the backdrop on average)."""
    img, src = prepared("45-m7-di-ph.jpg")
    res = editor.edit(img, expression={"jawOpen": 0.7}, source=src)
    g = editor.geometry
    plan = editor.plan(src, {"jawOpen": 0.7})
    posed = g.posed(src.face.vertices)
    behind = uncover.Uncover(img, posed, g.layout.tris, g.layout.uvs, oval_radius(src.face.vertices))
    share = behind.weight(texel_motion(g), vertex_motion(posed, g.posed(pose_vertices(plan.shape, plan.target_pose))))
    h, w = img.shape[:2]
    old = (behind.crop(share, (0, 0, w, h)) >= 0.999) & (res.alpha == 0)   # the old face, the new one not over it
    assert old.sum() > 500, old.sum()
    plate = behind.crop(behind.plate, (0, 0, w, h)) * 255.0
    assert np.abs(img[old] - plate[old]).mean() > 15      # the photo there: the chin, not the backdrop
    assert np.abs(res.image[old] - plate[old]).mean() < 2   # now the backdrop
    assert (res.filled[old] >= 0.99).mean() > 0.95


def test_the_weight_and_plate_over_a_box_are_the_crops_of_the_whole(editor, prepared):
    """The frame loop's per-step reads (weight_over from the moving triangles' sub-box alone, the
    plate's crop kept per box) are bit for bit crop(weight) and crop(plate), on boxes inside,
    across and beyond Uncover's box, with and without the motion texture given."""
    img, src = prepared("45-m7-di-ph.jpg")
    g = editor.geometry
    plan = editor.plan(src, {"jawOpen": 0.7}, pose=(0, 15, 0), clamp_pose=True)
    posed = g.posed(src.face.vertices)
    behind = uncover.Uncover(img, posed, g.layout.tris, g.layout.uvs, oval_radius(src.face.vertices))
    texels = texel_motion(g)
    vmotion = vertex_motion(posed, g.posed(pose_vertices(plan.shape, plan.target_pose)))
    whole = behind.weight(texels, vmotion)
    assert whole is not None
    s = texels.vidx.shape[0]
    texture = texels(vmotion, np.empty((s, s, 1), np.float32), np.empty((s, s, 3), np.float32))
    x0, y0, x1, y1 = behind.box
    boxes = [behind.box, (x0 + 20, y0 + 30, x1 - 10, y1 - 40), (x0 - 15, y0 - 7, x1 + 9, y1 + 11),
             (x1 - 5, y0, x1 + 50, y1), (x1 + 5, y1 + 5, x1 + 40, y1 + 30)]
    for box in boxes + boxes[::-1]:
        want = behind.crop(whole, box)
        for got in (behind.weight_over(texels, vmotion, box), behind.weight_over(texels, vmotion, box, texture)):
            assert got is not None and got.dtype == np.float32 and np.array_equal(got, want)
        plate = behind.plate_over(box)
        assert np.array_equal(plate, behind.crop(behind.plate, box)) and plate is behind.plate_over(box)
    assert behind.weight_over(texels, np.zeros(len(posed), np.float32), boxes[1]) is None


def test_a_still_face_keeps_the_photo_not_the_ring_under_it(editor, prepared):
    """Tom_Hanks_54745.png (112 px, greyscale, lit from his far side) at jawOpen 0.8: the ring's
    band about the jaw moves in with the outline and carries the dark backdrop beside his far jaw
    under the face, where his cheek does not move. The still face kept the frame with the ring
    drawn (a grey blob on the lit cheek: up to 67 levels below the photo, 18 px of it 4 px or more inside the
    outline off by more than 8); it keeps the photo there, bit for bit, away from the
    composite's soft edge."""
    img, src = prepared("Tom_Hanks_54745.png")
    res = editor.edit(img, expression={"jawOpen": 0.8}, source=src)
    inside = cv2.erode((res.alpha >= 1.0).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0   # past the feather
    still = inside & (res.moved == 0.0)
    assert still.sum() > 2000, still.sum()
    off = np.abs(res.image.astype(int) - img.astype(int)).max(-1)
    assert off[still].max() == 0, (off[still].max(), (off[still] > 8).sum())
    # and the ring's fill is not counted there
    assert res.filled[still].max() == 0.0


def test_a_kept_raster_gives_the_same_weights(editor, prepared):
    """Uncover(keep_raster=True) (the frame loop's) shades the motion from the raster it kept while
    the moving box stays and draws it again when the box moves: the same weights, bit for bit, as
    an Uncover that draws it every time, over a jaw opening and a turn of 45-m7-di-ph.jpg."""
    img, src = prepared("45-m7-di-ph.jpg")
    g = editor.geometry
    posed = g.posed(src.face.vertices)
    args = (img, posed, g.layout.tris, g.layout.uvs, oval_radius(src.face.vertices))
    kept, plain = uncover.Uncover(*args, keep_raster=True), uncover.Uncover(*args)
    texels, box = texel_motion(g), (0, 0, img.shape[1], img.shape[0])
    drawn = 0
    for jaw, yaw in ((0.3, 0), (0.5, 0), (0.7, 0), (0.7, 0), (0.2, 8), (0.2, 9), (0.6, -6)):
        plan = editor.plan(src, {"jawOpen": jaw}, pose=src.face.pose.offset(yaw=yaw))
        vmotion = vertex_motion(posed, g.posed(pose_vertices(plan.shape, plan.target_pose)))
        a, b = kept.weight_over(texels, vmotion, box), plain.weight_over(texels, vmotion, box)
        assert (a is None) == (b is None)
        if a is not None:
            drawn += 1
            np.testing.assert_array_equal(a, b)
    assert drawn >= 5
