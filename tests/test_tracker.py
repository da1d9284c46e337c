import gc
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from poce_rt.assets import AssetError
from poce_rt.fit import pose_vertices
from poce_rt.tracker import (BLENDSHAPE_NAMES, FaceTracker, MultipleFacesError, NoFaceError,
                             validate_image)

_ROOT = str(Path(__file__).resolve().parents[1])
_ENV = {**os.environ, "PYTHONPATH": _ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _check_face(f, image):
    h, w = image.shape[:2]
    assert f.vertices.shape == (468, 3) and f.vertices.dtype == np.float32
    assert f.landmarks.shape == (478, 3) and f.blendshapes.shape == (52,)
    assert f.shape.shape == (468, 3) and f.transform.shape == (4, 4)
    for a in (f.vertices, f.landmarks, f.blendshapes, f.shape, f.transform, f.pose.as_array()):
        assert np.isfinite(a).all()
    assert (f.blendshapes >= 0).all() and (f.blendshapes <= 1).all()
    x0, y0, x1, y1 = f.bbox
    assert -0.1 * w < x0 < x1 < 1.1 * w and -0.1 * h < y0 < y1 < 1.1 * h
    np.testing.assert_allclose(pose_vertices(f.shape, f.pose), f.vertices, atol=1e-2)
    assert f.pose.scale > 0


def test_blendshape_names():
    assert len(BLENDSHAPE_NAMES) == 52 and len(set(BLENDSHAPE_NAMES)) == 52
    assert BLENDSHAPE_NAMES[0] == "_neutral" and BLENDSHAPE_NAMES[25] == "jawOpen"


def test_astronaut(tracker, astronaut):
    faces = tracker.track(astronaut)
    assert len(faces) == 1
    f = faces[0]
    _check_face(f, astronaut)
    assert abs(f.pose.yaw) < 20 and abs(f.pose.roll) < 20
    assert f.blendshape("jawOpen") < 0.2
    assert f.blendshape_dict["jawOpen"] == f.blendshape("jawOpen")
    with pytest.raises(KeyError):
        f.blendshape("nope")


def test_single_face(tracker, single_face):
    faces = tracker.track(single_face)
    assert len(faces) == 1
    f = tracker.track_one(single_face, allow_multiple=False)
    _check_face(f, single_face)
    assert abs(f.pose.yaw) < 20 and abs(f.pose.pitch) < 25
    assert f.blendshape("jawOpen") < 0.2
    # our pose agrees with MediaPipe's own transform on the yaw sign (its axes: x right, y up, z to viewer)
    nose_mp = f.transform[:3, :3] @ np.array([0, 0, 1.0])
    nose_ours = f.pose.rotation @ np.array([0, 0, -1.0])
    assert np.sign(nose_mp[0]) == np.sign(nose_ours[0])


def test_multi_face_sorted(tracker, real_image):
    img = real_image("multi_face.jpg")
    faces = tracker.track(img)
    assert len(faces) >= 2
    areas = [f.area for f in faces]
    assert areas == sorted(areas, reverse=True)
    for f in faces:
        _check_face(f, img)
    assert tracker.track_one(img).area == areas[0]
    with pytest.raises(MultipleFacesError):
        tracker.track_one(img, allow_multiple=False)


def test_turned_face_yaw_sign(tracker, real_image):
    """In 45-m7-di-ph.jpg the man's nose points to image-left: yaw < 0 by our convention."""
    f = tracker.track_one(real_image("45-m7-di-ph.jpg"))
    assert f.pose.yaw < -20


def test_open_mouth(tracker, real_image):
    f = tracker.track_one(real_image("0-f1-su-ph.jpg"))  # surprise: mouth open
    assert f.blendshape("jawOpen") > 0.3


def test_no_face(tracker, real_image):
    img = real_image("free-mountain-vector-01.jpg")
    assert tracker.track(img) == []
    with pytest.raises(NoFaceError):
        tracker.track_one(img)
    assert tracker.track(np.zeros((64, 64, 3), np.uint8)) == []


@pytest.mark.parametrize("bad, exc, msg", [
    (np.zeros((64, 64), np.uint8), ValueError, "grayscale"),
    (np.zeros((64, 64, 1), np.uint8), ValueError, "grayscale"),
    (np.zeros((64, 64, 4), np.uint8), ValueError, "RGBA"),
    (np.zeros((1, 1, 3), np.uint8), ValueError, "too small"),
    (np.zeros((0, 0, 3), np.uint8), ValueError, "too small"),
    (np.zeros((64, 64, 3), np.float32), TypeError, "uint8"),
    (np.full((64, 64, 3), np.nan), TypeError, "uint8"),
    (np.zeros((64, 64, 3), np.uint16), TypeError, "uint8"),
    (np.zeros((8193, 16, 3), np.uint8), ValueError, "too large"),
    (np.zeros((64, 64, 3, 1), np.uint8), ValueError, "HxWx3"),
    ([[0, 0, 0]], TypeError, "ndarray"),
])
def test_bad_inputs(tracker, bad, exc, msg):
    with pytest.raises(exc, match=msg):
        tracker.track(bad)


def test_strided_input_is_accepted(tracker, astronaut):
    flipped = astronaut[:, ::-1]  # a negative-stride view: copied to contiguous, not misread
    assert not flipped.flags.c_contiguous
    f = tracker.track_one(flipped)
    assert f.pose.yaw * tracker.track_one(astronaut).pose.yaw <= 0 or abs(f.pose.yaw) < 3
    assert validate_image(astronaut) is astronaut  # no copy when already fine


def test_video_mode(bundle, real_image):
    img = real_image("single_face.jpg")
    with FaceTracker(bundle, mode="video", max_faces=1) as t:
        a = t.track(img)
        b = t.track(img)            # auto timestamps
        c = t.track(img, timestamp_ms=10_000)
        assert len(a) == len(b) == len(c) == 1
        with pytest.raises(ValueError, match="increase"):
            t.track(img, timestamp_ms=5)


def test_close_and_del(bundle, astronaut):
    t = FaceTracker(bundle)
    t.close()
    t.close()  # idempotent
    assert t.closed
    with pytest.raises(RuntimeError, match="closed"):
        t.track(astronaut)
    t2 = FaceTracker(bundle)
    del t2
    gc.collect()


def test_bad_options(bundle):
    with pytest.raises(ValueError):
        FaceTracker(bundle, mode="stream")
    with pytest.raises(ValueError):
        FaceTracker(bundle, max_faces=0)


def test_missing_and_corrupt_bundle(bundle, tmp_path):
    with pytest.raises(AssetError, match="not found"):
        FaceTracker(tmp_path / "missing.task")
    bad = tmp_path / "flipped.task"
    data = bytearray(bundle.read_bytes())
    for i in range(0, len(data), 4096):
        data[i] ^= 0xFF
    bad.write_bytes(bytes(data))
    with pytest.raises(AssetError, match="64184e22"):
        FaceTracker(bad)


def test_tracker_in_subprocess_exits_cleanly(bundle):
    """Open/track/close and garbage-collected trackers never crash the interpreter at exit."""
    code = ("import numpy as np; from poce_rt.tracker import FaceTracker\n"
            f"t = FaceTracker({str(bundle)!r}); t.track(np.zeros((64, 64, 3), np.uint8))\n"
            f"u = FaceTracker({str(bundle)!r})\n"
            "print('ok')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=_ENV)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr[-2000:]
