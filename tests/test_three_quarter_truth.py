"""scripts/three_quarter_truth.py's split of the MediaPipe judge's shortfall (issue 15: the bearded
face of Image_with_alpha.png turned -25 reads 81%, under the issue's 85%).

There the picture puts the judge's landmarks where the turned head has them: read with the drawn
mesh's depth in place of the depth the judge infers, its landmarks give -24.5 (98%); with the
drawn mesh's positions and its own depth, -21.4. The turn it misses is the depth it infers, not
where it finds the face. Its face oval lies 12.4 px inside the drawn oval on the side the turn
reveals (the sideburn, drawn as beard, hair.face_beard, where the turned mesh carries the photo's
skin edge: its jaw line follows the skin's edge, not the jaw under the beard), which by itself
costs 0.4 degrees of the fit. The frontal photos and Tom_Hanks_54745.png: within 3 px."""
import numpy as np
import pytest


@pytest.fixture(scope="module")
def truth():
    from conftest import script_module

    return script_module("three_quarter_truth")


@pytest.fixture(scope="module")
def bearded_turned(editor, judge, prepared, truth):
    """Image_with_alpha.png turned -25: (the judge's landmarks [468,3], the drawn mesh [468,3], the
    source's vertices, the judge's source yaw)."""
    from poce_rt.fit import pose_vertices
    from yaw_readback import judged   # (truth put scripts/ on the path)

    img, src = prepared("Image_with_alpha.png")
    plan = editor.plan(src, pose=(0, -25, 0))
    drawn = pose_vertices(plan.shape, plan.target_pose)
    j0 = judged(judge, img, src.face.bbox)
    j = judged(judge, editor.edit(img, pose=(0, -25, 0), source=src).image, src.face.bbox)
    assert j0 is not None and j is not None
    return j.vertices[:len(drawn)], drawn, src.face.vertices, j0.pose.yaw


def test_shortfall_reads_the_drawn_mesh_as_the_requested_turn(bearded_turned, judge, truth):
    """The drawn mesh read by the tracker's own fit gives the turn requested (measured -25.4)."""
    marks, drawn, _, y0 = bearded_turned
    read = truth.shortfall(marks, drawn, judge.model, y0)
    assert abs(read["drawn"] + 25) < 1.5, read


def test_the_bearded_faces_shortfall_is_the_judges_inferred_depth(bearded_turned, judge, truth):
    """Its landmarks at the drawn depth read >= 92% of the turn (measured 98%), with the drawn
    positions and its own depth short of that by >= 1 degree (measured -23.1 against -24.5; -21.4
    before the far cheek below the heel of his hand continued its own edge, arm_rings.read_cheek,
    which the judge's own read followed: -21.4 -> -22.2)."""
    marks, drawn, _, y0 = bearded_turned
    read = truth.shortfall(marks, drawn, judge.model, y0)
    assert read["drawn_depth"] <= -0.92 * 25, read
    assert read["drawn_xy"] - read["drawn_depth"] >= 1.0, read
    assert abs(read["drawn_oval"] - read["judge"]) < 1.5, read   # the oval's place: a small share


def test_the_judges_oval_lies_inside_the_beard_on_the_revealed_side(bearded_turned, truth):
    """On the side the turn reveals the judge's oval lies 6-20 px inside the drawn one (measured
    12.4; 5.4 when the sideburn was a pale blur of lit cheek), on the far side within 4 px (-0.6)."""
    marks, drawn, src, _ = bearded_turned
    revealed, far = truth.oval_sides(marks, drawn, src)
    assert -20.0 <= revealed <= -6.0, (revealed, far)
    assert abs(far) <= 4.0, (revealed, far)


def test_oval_sides_tells_the_revealed_side_from_the_nose_tips_move(truth):
    """A synthetic oval: the nose tip moves left, so the right half is the revealed side; the
    judge's marks 3 px inside on the right and 2 px outside on the left."""
    from poce_rt.head_proxy import FACE_OVAL

    n = 468
    src = np.zeros((n, 3), np.float32)
    drawn = np.zeros((n, 3), np.float32)
    angle = np.linspace(0, 2 * np.pi, len(FACE_OVAL), endpoint=False) + 0.01
    ring = np.c_[100 * np.cos(angle), 120 * np.sin(angle)]
    drawn[list(FACE_OVAL), :2] = ring
    src[list(FACE_OVAL), :2] = ring
    drawn[truth.NOSE_TIP, 0] = -10.0   # moved left from 0
    marks = drawn.copy()
    unit = ring / np.linalg.norm(ring, axis=1, keepdims=True)
    marks[list(FACE_OVAL), :2] += np.where(ring[:, :1] > 0, -3.0, 2.0) * unit
    revealed, far = truth.oval_sides(marks, drawn, src)
    assert revealed == pytest.approx(-3.0, abs=1e-3) and far == pytest.approx(2.0, abs=1e-3)
