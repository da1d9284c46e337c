"""The far half of a three-quarter face as a turn reveals it (issue 15; poce_rt.far_side): a far
half the tracker fitted wider than the near half is brought back to the near half's width as the
turn towards the camera reveals it. The real-photo check is t1.jpg's face 1 (yaw about -33, her
far cheek against a wooden wall, the tracked far oval on the wall) turned +25."""
import numpy as np
import pytest

from poce_rt import far_side as F
from poce_rt.facemodel import load_face_model
from poce_rt.fit import Pose, pose_vertices


def _widened(factor: float) -> np.ndarray:
    """The canonical face with its -x half (the far half of a face at negative yaw) `factor` times
    as wide from the midline."""
    shape = np.array(load_face_model().vertices, np.float64)
    far = shape[:, 0] < 0
    shape[far, 0] *= factor
    return shape.astype(np.float32)


def test_a_wide_far_half_is_brought_back_to_the_near_half_only_as_the_turn_reveals_it():
    source = Pose(pitch=0, yaw=-33, roll=0, tx=0, ty=0, scale=1)
    shape = _widened(1.15)
    assert F.far_excess(shape, source) == pytest.approx(1.15, abs=0.01)
    offset = F.far_side_offset(shape, source)
    assert offset is not None
    moved = np.abs(offset).max(1) > 0
    assert (shape[moved, 0] < 0).all()             # only the far half moves ...
    assert np.abs(offset[:, 1:]).max() == 0        # ... and only sideways
    full = F.revealed_far_side(shape, offset, source, source.offset(yaw=25))
    np.testing.assert_allclose(full[:, 0], -np.abs(load_face_model().vertices[:, 0]) * (shape[:, 0] < 0)
                               + shape[:, 0] * (shape[:, 0] >= 0), atol=1e-4)   # the near half's width
    half = F.revealed_far_side(shape, offset, source, source.offset(yaw=5))
    assert 0 < np.abs(half - shape).max() < np.abs(full - shape).max()
    # nothing at the source's pose nor on a turn away (the same array: drawn bit for bit as before)
    for yaw in (0, -10, -25):
        assert F.revealed_far_side(shape, offset, source, source.offset(yaw=yaw)) is shape
    # a far half no wider than the near half, a face the photo sees from the front, a face turned
    # the other way (its far half is the +x one): nothing to move
    assert F.far_side_offset(_widened(1.0), source) is None
    assert F.far_side_offset(shape, Pose(pitch=0, yaw=-8, roll=0, tx=0, ty=0, scale=1)) is None
    assert F.far_side_offset(shape, Pose(pitch=0, yaw=33, roll=0, tx=0, ty=0, scale=1)) is None


@pytest.fixture(scope="module")
def group(editor):
    from poce_rt.assets import data_path, load_image

    img = load_image(data_path("t1.jpg"))
    return img, editor.faces(img, "all")


def test_only_the_three_quarter_face_whose_far_oval_lies_on_the_wall_moves(group):
    """Of t1.jpg's six faces only face 1 (yaw -33) has a far half wider than its near half (1.11,
    median over the oval; the other five 0.87-1.03): the others are drawn bit for bit as before
    at every pose."""
    img, faces = group
    assert len(faces) == 6
    moved = [F.far_side_offset(f.shape, f.pose) is not None for f in faces]
    assert moved == [False, True, False, False, False, False], [round(F.far_excess(f.shape, f.pose), 3) for f in faces]
    assert F.far_excess(faces[1].shape, faces[1].pose) > F.FAR_EXCESS[1]


def _extent(drawn: np.ndarray, start: np.ndarray, step: np.ndarray) -> float:
    """Pixels from `start` along unit `step` to the first pixel that `drawn` [H,W] bool does not hold."""
    t = 0.0
    while drawn[tuple(np.round(start + (t + 0.5) * step).astype(int)[::-1])]:
        t += 0.5
    return t


def test_the_revealed_far_half_is_drawn_narrower_than_the_near_half(editor, group):
    """t1.jpg's face 1 turned +25 (to about -8): the tracker fitted her far half 11% wider than her
    near half (its outline on the wall beside her: the photo's pixels just inside the far oval
    are the wall's and the hair's, L 27-56, where inside the near oval they are skin, 75-81), and
    the turn revealed all of it: a round far cheek and temple bulging out like a mask laid on the
    head. Turned to -8 a face's far half shows a little narrower than its near half: along the
    line between the brows and the one across the nose bridge (towards landmarks 234 / 454) the
    drawn far half reached 0.875 and 0.90 of the near half's width; now 0.80 and 0.82. At -25
    (a turn away, nothing revealed) the drawn shape is the tracked one."""
    from poce_rt.camera import perspective_shape

    img, faces = group
    face = faces[1]
    src = editor.prepare(img, face)
    plan = editor.plan(src, pose=(0, 25, 0))
    res = editor.edit(img, pose=(0, 25, 0), source=src)
    v = pose_vertices(plan.shape, plan.target_pose)
    across = v[454, :2] - v[234, :2]
    across /= np.linalg.norm(across)
    drawn = res.alpha > 0.5
    ratios = [_extent(drawn, v[k, :2], -across) / _extent(drawn, v[k, :2], across) for k in (9, 6)]
    assert max(ratios) < 0.86, ratios
    away = editor.plan(src, pose=(0, -25, 0))
    np.testing.assert_array_equal(away.shape, perspective_shape(face.shape, face.pose, away.target_pose,
                                                                editor.config.camera_distance_cm))

