"""Reenactment: One Euro filter, Reenactor on real video (checked by re-tracking its output), driver
errors, and the `edit` / `reenact` CLI."""
import itertools

import cv2
import numpy as np

import poce_rt
import pytest

from poce_rt.assets import data_path
from poce_rt.filters import OneEuroFilter
from poce_rt.reenact import (STATUS_LOST, STATUS_OK, STATUS_WAITING, DriverError, ReenactConfig, Reenactor,
                             VideoSink, open_driver)


# ------------------------------------------------------------------------------------ One Euro filter
def _filter_all(f, x, fs):
    return np.array([f(v, i / fs) for i, v in enumerate(x)])


def test_one_euro_still_noise_reduced():
    rng = np.random.default_rng(0)
    fs, n = 30.0, 300
    x = rng.normal(0, 1.0, (n, 3))                     # jitter on a still signal, 3 channels
    y = _filter_all(OneEuroFilter(min_cutoff=1.0, beta=0.0), x, fs)
    assert y.shape == x.shape
    assert (y[30:].var(0) < 0.25 * x[30:].var(0)).all()


def test_one_euro_step_lag_bounded_and_beta_helps():
    rng = np.random.default_rng(1)
    fs = 30.0
    clean = np.r_[np.zeros(60), np.full(60, 10.0)]    # step of 10 at t = 2 s
    x = clean + rng.normal(0, 0.3, clean.size)

    def settle(beta):
        y = _filter_all(OneEuroFilter(min_cutoff=1.0, beta=beta), x, fs)
        return int(np.argmax(y[60:] > 9.0)), y          # frames to reach 90 %

    lag_fixed, y0 = settle(0.0)
    lag_adapt, y1 = settle(0.5)
    assert lag_adapt <= 3                 # <= 0.1 s with speed-adaptive cutoff
    assert lag_fixed <= 15                # even a plain 1 Hz low-pass settles within 0.5 s
    assert lag_adapt < lag_fixed
    # and on the still parts the jitter is still reduced
    assert y1[20:60].var() < 0.5 * x[20:60].var()
    assert y1[100:].var() < 0.5 * x[100:].var()


def test_one_euro_sine_tracks_with_small_lag():
    rng = np.random.default_rng(2)
    fs = 60.0
    t = np.arange(300) / fs
    clean = np.sin(2 * np.pi * 0.5 * t)
    x = clean + rng.normal(0, 0.1, t.size)
    y = _filter_all(OneEuroFilter(min_cutoff=1.0, beta=0.5), x, fs)
    assert np.diff(y).var() < 0.2 * np.diff(x).var()  # frame-to-frame jitter cut > 5x (measured ~9x)
    best = max(range(15), key=lambda k: np.corrcoef(clean[: t.size - k], y[k:])[0, 1])
    assert best <= 6                                  # lag <= 0.1 s
    assert np.abs(y[best:] - clean[: t.size - best]).max() < 0.25   # amplitude kept, no big errors


def test_one_euro_reset_timestamps_and_validation():
    f = OneEuroFilter(1.0, 0.1)
    assert f(np.array([1.0, 2.0]), 0.0).tolist() == [1.0, 2.0]   # first sample passes through
    f(np.array([3.0, 3.0]), 0.1)
    assert f(np.array([9.0, 9.0]), 0.1).tolist() == f.value.tolist()   # repeated timestamp: unchanged
    with pytest.raises(ValueError):
        f(np.array([1.0, 1.0]), 0.05)
    f.reset()
    assert f.value is None
    assert f([5.0, 5.0]).tolist() == [5.0, 5.0]        # no timestamps: 1/rate steps
    with pytest.raises(ValueError):
        OneEuroFilter(min_cutoff=0.0)


# ------------------------------------------------------------------------------------- real video
N_DRIVER = 240     # first 10 s of the driver, every 2nd frame -> 120 frames (the first 120 frames alone
STRIDE = 2         # barely move the jaw: jawOpen stays below 0.008 there)


@pytest.fixture(scope="module")
def reenacted(tmp_path_factory, single_face):
    """Reenact single_face.jpg with the driver, write the mp4, re-track the output independently."""
    from poce_rt.tracker import FaceTracker

    out_path = tmp_path_factory.mktemp("reenact") / "out.mp4"
    with open_driver(data_path("WolfgangLanger_Pexels.mp4")) as drv:
        frames = list(itertools.islice(drv.timed(), 0, N_DRIVER, STRIDE))
    with Reenactor(single_face) as r, VideoSink(out_path, fps=24.0 / STRIDE) as sink:
        outs = []
        for o in r.run(frames):
            sink.write(o.image)
            outs.append(o)
    back = list(open_driver(out_path).timed())
    yaw, jaw = [], []
    with FaceTracker(mode="video", max_faces=1) as tr:
        for f, ts in back:
            faces = tr.track(f, int(round(ts * 1000)))
            yaw.append(faces[0].pose.yaw if faces else np.nan)
            jaw.append(faces[0].blendshape("jawOpen") if faces else np.nan)
    return dict(frames=frames, outs=outs, n_written=len(back), out_yaw=np.array(yaw), out_jaw=np.array(jaw))


@pytest.mark.slow
def test_reenact_video_follows_driver(reenacted):
    outs, oy = reenacted["outs"], reenacted["out_yaw"]
    assert len(outs) == len(reenacted["frames"]) == reenacted["n_written"]
    assert [o.index for o in outs] == list(range(len(outs)))
    assert all(o.status == STATUS_OK and o.image.dtype == np.uint8 for o in outs)
    found = np.isfinite(oy)
    print(f"face found in {found.mean() * 100:.1f}% of output frames")
    assert found.mean() >= 0.95
    dy = np.array([o.driver_pose[1] for o in outs])
    corr = np.corrcoef(dy[found] - dy[0], oy[found] - oy[found][0])[0, 1]
    print(f"yaw change correlation output vs driver: {corr:.3f}")
    assert corr >= 0.9


@pytest.mark.slow
def test_reenact_video_jaw_follows_driver(reenacted):
    # We measure 0.91 (0.67 before the rig's jaw calibration, which lets the driver's small
    # openings, <= 0.11, register on the re-tracked output; 0.79 vs 0.52 on frames 240-479).
    outs, oj = reenacted["outs"], reenacted["out_jaw"]
    dj = np.array([o.driver_code[25] for o in outs])
    found = np.isfinite(oj)
    corr = np.corrcoef(dj[found], oj[found])[0, 1]
    print(f"jawOpen correlation output vs driver: {corr:.3f}")
    assert corr >= 0.7


def _frames(name, n, size=None, start=0):
    with open_driver(data_path(name)) as d:
        out = list(itertools.islice(d, start, start + n))
    return [cv2.resize(f, size, interpolation=cv2.INTER_AREA) if size else f for f in out]


def test_reenact_no_face_frames_hold_state(single_face):
    wolf = _frames("WolfgangLanger_Pexels.mp4", 6)
    h, w = wolf[0].shape[:2]
    empty = _frames("no_face.mp4", 7, (w, h))
    driver = empty[:2] + wolf[:3] + empty[2:] + wolf[3:]
    with Reenactor(single_face, config=ReenactConfig(track_ahead=3)) as r:
        outs = list(r.run(driver))
        assert r.frames_waiting == 2 and r.frames_lost == 5
    assert len(outs) == len(driver)
    st = [o.status for o in outs]
    assert st[:2] == [STATUS_WAITING] * 2
    assert np.array_equal(outs[0].image, single_face)            # untouched source before any face
    assert st[2:5] == [STATUS_OK] * 3 and st[-3:] == [STATUS_OK] * 3
    assert st[5:10] == [STATUS_LOST] * 5
    assert all(np.array_equal(o.image, outs[4].image) for o in outs[5:10])   # held the last good frame
    assert outs[5].driver_pose is None and outs[5].pose == outs[4].pose


def test_reenact_step_absolute(single_face):
    wolf = _frames("WolfgangLanger_Pexels.mp4", 2)
    with Reenactor(single_face, config=ReenactConfig(relative=False)) as r:
        o = r.step(wolf[0], 0.0)
        o2 = r.step(wolf[1])
    assert o.status == STATUS_OK and o.image.shape == single_face.shape
    assert np.allclose(o.pose, o.driver_pose)              # first sample: filter passes it through
    assert o2.index == 1 and o2.timestamp_s > o.timestamp_s


def test_driver_errors(tmp_path):
    with pytest.raises(DriverError, match="camera 57"):
        open_driver(57)
    with pytest.raises(DriverError, match="camera 57"):
        open_driver("57")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(np.random.default_rng(0).integers(0, 256, 20000, dtype=np.uint8).tobytes())
    with pytest.raises(DriverError, match="junk.mp4"):
        open_driver(junk)
    with pytest.raises(DriverError, match="not found"):
        open_driver(tmp_path / "missing.mp4")


def test_truncated_video_ends_cleanly_and_sink_keeps_frames(tmp_path):
    frames = _frames("WolfgangLanger_Pexels.mp4", 12, (160, 90))
    path = tmp_path / "ok.mp4"

    def gen():
        yield from frames[:8]
        raise RuntimeError("render failed")

    with pytest.raises(RuntimeError):
        with VideoSink(path, 24) as sink:
            for f in gen():
                sink.write(f)
    with open_driver(path) as d:            # the 8 frames before the failure are all there
        assert len(list(d)) == 8
    # cut the file mid-stream: whatever decodes is yielded, then the stream just ends
    data = path.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    try:
        d = open_driver(cut)
    except DriverError:
        return                              # moov atom lost: unreadable, reported as such
    n = len(list(d))
    assert 0 < n <= 8


# ------------------------------------------------------------------------------------------------ CLI
def test_cli_edit(tmp_path):
    from poce_rt.cli import main

    img = str(data_path("single_face.jpg"))
    out, grid = tmp_path / "out.png", tmp_path / "grid.png"
    assert main(["edit", img, "--expr", "jawOpen=0.6", "mouthSmileLeft=0.2", "--yaw", "10",
                 "-o", str(out), "--grid", str(grid)]) == 0
    assert out.is_file() and grid.is_file()
    g = cv2.imread(str(grid))
    assert g.shape[0] == 256 and g.shape[1] > 4 * 256

    bad = tmp_path / "bad.png"
    square = tmp_path / "wide_mask.png"
    cv2.imwrite(str(square), np.zeros((32, 64), np.uint8))
    junk = tmp_path / "junk_mask.png"
    junk.write_bytes(b"not an image")
    ref = str(data_path("0-f1-su-ph.jpg"))
    for argv in (["--expr", "jawOpn=0.5"], ["--expr", "jawOpen"], ["--expr", "jawOpen=abc"],
                 ["--reference", str(data_path("free-mountain-vector-01.jpg")), "--mask", "mouth"],
                 ["--reference", ref, "--mask", str(square)],
                 ["--reference", ref, "--mask", str(junk)]):
        assert main(["edit", img, *argv, "-o", str(bad)]) == 2, argv
    if not poce_rt.cuda_available():   # --device cuda where there is none: one clear line
        assert main(["edit", img, "--device", "cuda", "-o", str(bad)]) == 2
    assert not bad.exists()


def test_cli_reenact(tmp_path, capsys):
    from poce_rt.cli import main

    src = str(data_path("single_face.jpg"))
    out = tmp_path / "r.mp4"
    assert main(["reenact", "--source", src, "--driver", str(data_path("WolfgangLanger_Pexels.mp4")),
                 "--max-frames", "6", "-o", str(out), "--show"]) == 0
    err = capsys.readouterr()
    assert "reenacted 6 frames" in err.out and "0 frames without a driver face" in err.out
    with open_driver(out) as d:
        assert len(list(d)) == 6
    bad = tmp_path / "bad.mp4"
    assert main(["reenact", "--source", src, "--driver", "57", "-o", str(bad)]) == 2
    assert "camera 57" in capsys.readouterr().err
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00junk" * 100)
    assert main(["reenact", "--source", src, "--driver", str(junk), "-o", str(bad)]) == 2
    assert not bad.exists()
