"""A turn from a three-quarter view (issue 15): why 45-m7-di-ph.jpg's +25 reads back short.

45-m7 (-43 degrees by MediaPipe) turned +25 reads +18.5 (74%) by the MediaPipe judge, yet the mesh
turns exactly +25 and the judge's landmarks on the output sit where the turned mesh puts them
(median 2.8 px, inter-ocular 159 px; read with the drawn mesh's depth instead of the depth the
judge infers, they give +24.9). No real video here turns that far, so the ground truth is drawn
(scripts/three_quarter_truth.py): a frontal photo turned to a three-quarter view A of known pose,
then A used as the source and turned +25 (B). On five photos the judge misreads A itself by -0.6
to +3.7 degrees (it reads a head drawn at -43.4 as -39.8) and reads B within 1.7 degrees of the
frontal photo drawn directly at B's pose (C), so its A -> B change is short by about its error on A
(83-99%), while B against A's true pose reads 96-100%. The shortfall is the judge's reading of the
three-quarter source, not the revealed cheek's fill, the outline or the turn."""
import pytest

from poce_rt.assets import data_path, load_image


@pytest.fixture(scope="module")
def turned(editor, judge):
    img = load_image(data_path("0-f15-hao-ph.jpg"))
    src = editor.prepare(img)
    a_img = editor.edit(img, pose=(0, -35, 0), source=src).image   # the three-quarter view A
    a_src = editor.prepare(a_img)
    b = editor.edit(a_img, pose=(0, 25, 0), source=a_src).image
    c = editor.edit(img, pose=(0, -10, 0), source=src).image       # A's true pose + 25, from frontal
    read = {k: judge.track_one(v).pose.yaw for k, v in (("a", a_img), ("b", b), ("c", c))}
    return src.face.pose.yaw - 35, read


def test_a_three_quarter_source_turned_lands_where_the_frontal_turn_does(turned):
    """B (the three-quarter view turned +25, its far cheek filled) reads within 2 degrees of C (the
    same pose drawn from the frontal photo, the cheek's own texture); measured -0.1."""
    _, read = turned
    assert abs(read["b"] - read["c"]) < 2.0, read


def test_a_three_quarter_turn_reads_back_from_its_true_pose(turned):
    """+25 from A's true (drawn) pose reads 85-120% of 25 (measured 99.6%); the change from the
    judge's own reading of A is what yaw_readback.py reports, short by the judge's error on A
    (85%: it reads A, drawn at -35.0, as -31.3)."""
    truth_a, read = turned
    assert 0.85 * 25 <= read["b"] - truth_a <= 1.2 * 25, (truth_a, read)
