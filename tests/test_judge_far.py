"""scripts/judge_far.py: the MediaPipe judge on heads drawn at known absolute yaws (issue 15: the
held-out faces that start away from frontal ask the judge for 35 and -58 degrees)."""
import numpy as np
import pytest


@pytest.fixture(scope="module")
def judge_far():
    from conftest import script_module

    return script_module("judge_far")


def test_a_face_drawn_at_its_own_yaw_is_the_photo_and_reads_as_it(judge_far, judge):
    import poce_rt

    with poce_rt.Editor() as ed:
        img, src = judge_far.prepared(ed, "single_face.jpg")
        same = judge_far.drawn_at(ed, img, src, src.face.pose.yaw)
        assert np.array_equal(same, img)        # no turn: the photo's own pixels
        turned = judge_far.drawn_at(ed, img, src, src.face.pose.yaw + 20.0)
    whole, crops = judge_far.read(judge, img, src.face.bbox)
    assert abs(whole - src.face.pose.yaw) < 1.0 and abs(crops - whole) < 2.0
    t_whole, t_crops = judge_far.read(judge, turned, src.face.bbox)
    # 20 degrees from near frontal is where the judge reads turns in full (yaw_readback: 92-104%)
    assert 16.0 < t_whole - whole < 24.0 and 16.0 < t_crops - crops < 24.0
    assert judge_far.fmt(float("nan")) == "lost" and judge_far.fmt(-3.04) == "-3.0"
