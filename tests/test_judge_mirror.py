"""scripts/judge_mirror.py: the MediaPipe judge read as is and mirrored (issue 15: how far a
read-back's shortfall is the judge's own left-right bias)."""
import numpy as np
import pytest


@pytest.fixture(scope="module")
def mirror():
    from conftest import script_module

    return script_module("judge_mirror")


def test_a_mirrored_box_covers_the_mirrored_face(mirror):
    img = np.zeros((10, 40, 3), np.uint8)
    img[2:6, 5:12] = 255
    x0, y0, x1, y1 = mirror.mirrored_box((5, 2, 12, 6), img.shape[1])
    assert (img[:, ::-1][y0:y1, x0:x1] == 255).all() and (x0, x1) == (28, 35)


def test_a_mirrored_photo_reads_as_the_same_turn_the_other_way_back(mirror):
    """Both readings of a real photo come back in the photo's own sign (the mirrored one negated):
    Tom_Hanks (turned ~+19 to the judge) reads within a few degrees both ways, in the whole photo
    and in every crop."""
    from poce_rt.assets import data_path, load_image
    from poce_rt.tracker import FaceTracker

    img = load_image(data_path("Tom_Hanks_54745.png"))
    with FaceTracker(max_faces=4) as judge:
        box = judge.track(img)[0].bbox
        (whole, crops), (whole_m, crops_m) = mirror.both_ways(judge, img, box)
    assert 10 < whole < 30 and abs(whole - whole_m) < 4
    assert np.isfinite(crops).all() and np.isfinite(crops_m).all()
    assert np.abs(crops - crops_m).max() < 6


def test_cells_say_lost_and_count_found_crops(mirror):
    assert mirror.percent(float("nan"), 25) == "lost"
    assert mirror.percent(20.0, -25) == "-80%"
    assert mirror.crop_cell(np.array([np.nan] * 8), 25) == "lost (0/8)"
    assert mirror.crop_cell(np.array([20.0, 22.0] + [np.nan] * 6), 25) == "84% (2/8)"
