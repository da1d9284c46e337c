"""scripts/yaw_spread.py: the MediaPipe judge's yaw read-back of one edit, re-read with source and
output shifted together by whole pixels (issue 15: Image_with_alpha.png at -25 reads 83% over
yaw_readback's 8 crops, 83-91% (median 88%) when both images move by 0-2 px)."""
import numpy as np
import pytest


@pytest.fixture(scope="module")
def yaw_spread():
    from conftest import script_module

    return script_module("yaw_spread")


def test_shifted_moves_the_content_by_whole_pixels(yaw_spread):
    img = np.arange(5 * 7 * 3, dtype=np.uint8).reshape(5, 7, 3)
    assert yaw_spread.shifted(img, 0, 0) is img
    out = yaw_spread.shifted(img, 2, 1)
    assert out.shape == img.shape and out.dtype == img.dtype
    assert np.array_equal(out[1:, 2:], img[:-1, :-2])       # every pixel moved, none resampled
    assert np.array_equal(out[0, 2:], img[0, :-2])          # the uncovered border replicated
    assert np.array_equal(out[1:, 0], img[:-1, 0])


def test_cell_reads_as_is_median_range_and_the_share_over_the_bar(yaw_spread):
    # -25 requested: -21 (84%), -22.5 (90%), nan (lost), -25 (100%)
    text = yaw_spread.cell(np.array([-21.0, -22.5, np.nan, -25.0]), -25.0)
    assert text == "84% | 90% (84-100, 1 lost) | 2/4"
    assert yaw_spread.cell(np.array([np.nan, np.nan]), 25.0) == "lost | lost | 0/2"
    assert yaw_spread.spread(np.array([-11.9, -11.0, np.nan, -10.4])) == "-11.9 -11.0 (-11.9..-10.4)"
    assert yaw_spread.spread(np.array([np.nan, -35.1, -35.7])) == "lost -35.4 (-35.7..-35.1)"


def test_an_unchanged_photo_reads_no_turn_at_any_shift(yaw_spread, judge):
    """The pairing holds: the same photo as source and output reads a change of exactly 0 at every
    shift, in the whole photo and over the crops (each crop cut alike from both)."""
    from poce_rt.assets import data_path, load_image

    img = load_image(data_path("Tom_Hanks_54745.png"))
    found = judge.track(img)
    assert found
    whole, crops, own = yaw_spread.readings(judge, img, img.copy(), found[0].bbox, yaw_spread.SHIFTS[:2])
    assert np.array_equal(whole, [0.0, 0.0]) and np.array_equal(crops, [0.0, 0.0]), (whole, crops)
    assert own.shape == (2, 2) and np.array_equal(own[:, 0], own[:, 1])
    assert abs(own[0, 0] - found[0].pose.yaw) < 5      # the crops read the photo's own yaw
