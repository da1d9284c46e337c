"""Faults during reenactment: a driver that fails mid-stream, a consumer that stops early, a stop
signal during `poce-rt reenact -o`, and the pipeline (poce_rt.staged) and VideoSink underneath."""
import itertools
import os
import re
import signal
import subprocess
import sys
import threading
import time

import cv2
import numpy as np
import pytest

from poce_rt.assets import data_path
from poce_rt.reenact import STATUS_OK, DriverError, Reenactor, VideoSink, open_driver
from poce_rt.staged import staged

DRIVER = "WolfgangLanger_Pexels.mp4"


@pytest.fixture(scope="module")
def driver_frames():
    with open_driver(data_path(DRIVER)) as d:
        return list(itertools.islice(d.timed(), 12))


@pytest.fixture(scope="module")
def reenactor(single_face):
    with Reenactor(single_face) as r:
        yield r


def _count_frames(path) -> int:
    cap = cv2.VideoCapture(str(path))
    n = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        assert frame.ndim == 3 and frame.size > 0
        n += 1
    cap.release()
    return n


def _pipeline_threads():
    return [t for t in threading.enumerate() if t.name.startswith("poce_rt-reenact")]


# ------------------------------------------------------------------------------ the stream's order
@pytest.mark.parametrize("overlap", [True, False])
@pytest.mark.parametrize("n_before", [0, 2, 10])
def test_source_error_delivers_every_rendered_frame(reenactor, driver_frames, tmp_path, n_before, overlap):
    def source():
        yield from driver_frames[:n_before]
        raise OSError("camera unplugged")

    reenactor.reset()
    outs = []
    path = tmp_path / "partial.mp4"
    with pytest.raises(OSError, match="camera unplugged"):
        with VideoSink(path, 24) as sink:
            for o in reenactor.run(source(), overlap=overlap):
                outs.append(o)
                sink.write(o.image)
    assert [o.index for o in outs] == list(range(n_before))
    assert all(o.status == STATUS_OK for o in outs)
    if n_before:
        assert _count_frames(path) == n_before
    else:
        assert not path.exists()
    assert not _pipeline_threads()


def test_invalid_frame_mid_stream_after_the_frames_before_it(reenactor, driver_frames):
    frames = [f for f, _ in driver_frames[:3]] + [np.zeros((4, 4, 3), np.uint8)] + [driver_frames[3][0]]
    reenactor.reset()
    outs = []
    with pytest.raises(ValueError, match="too small"):
        for o in reenactor.run(frames):
            outs.append(o)
    assert len(outs) == 3


def test_overlapped_run_matches_step_by_step(single_face, driver_frames):
    runs = []
    for overlap in (True, False):       # fresh trackers: video-mode tracking depends on the past
        with Reenactor(single_face) as r:
            runs.append(list(r.run(driver_frames[:8], overlap=overlap)))
    b, c = runs
    assert len(b) == len(c) == 8
    for x, y in zip(b, c):   # the same frames through the pipeline and frame by frame: same output
        assert x.index == y.index and x.timestamp_s == y.timestamp_s and x.status == y.status
        assert np.array_equal(x.driver_code, y.driver_code)
        assert np.array_equal(x.image, y.image)


def test_consumer_stopping_early_stops_the_threads(single_face, driver_frames):
    endless = itertools.cycle([f for f, _ in driver_frames])      # untimed: 1/fps steps
    with Reenactor(single_face) as r:
        stream = r.run(endless)
        first = list(itertools.islice(stream, 3))
        assert [o.index for o in first] == [0, 1, 2]
        assert _pipeline_threads()
        stream.close()
        assert not _pipeline_threads()
        live = r.run(endless)
        next(live)
    # closing the Reenactor stops a run still going before it releases the tracker
    assert not _pipeline_threads()
    with pytest.raises(StopIteration):
        next(live)


# ------------------------------------------------------------------------------------------ staged
def test_staged_order_and_overlap():
    seen = {"a": set(), "b": set()}
    lock = threading.Lock()
    both = threading.Event()

    def stage(name):
        def fn(x):
            with lock:
                seen[name].add(threading.current_thread().name)
            if name == "b" and x == 1:
                # stage a must be able to run item 2 while b still holds item 1
                both.wait(30.0)   # a liveness bound, not a speed one: returns as soon as a runs ahead
            if name == "a" and x == 2:
                both.set()
            return x * 10 if name == "a" else x + 1
        return fn

    out = list(staged(range(20), [stage("a"), stage("b")], depth=1))
    assert out == [x * 10 + 1 for x in range(20)]
    assert both.is_set()
    assert len(seen["a"]) == len(seen["b"]) == 1 and seen["a"] != seen["b"]


@pytest.mark.parametrize("where", ["source", "stage0", "stage1"])
def test_staged_error_after_the_items_before_it(where):
    def source():
        for i in range(10):
            if where == "source" and i == 4:
                raise KeyError("source broke")
            yield i

    def s0(x):
        if where == "stage0" and x == 4:
            raise KeyError("stage 0 broke")
        return x

    def s1(x):
        if where == "stage1" and x == 4:
            raise KeyError("stage 1 broke")
        return x

    got = []
    with pytest.raises(KeyError, match="broke"):
        for x in staged(source(), [s0, s1], depth=3):
            got.append(x)
    assert got == [0, 1, 2, 3]


def test_staged_close_stops_threads_and_validates_depth():
    before = set(threading.enumerate())
    g = staged(itertools.count(), [lambda x: x], depth=2, name="poce_rt-test")
    assert next(g) == 0 and next(g) == 1
    g.close()
    assert not [t for t in set(threading.enumerate()) - before if t.name.startswith("poce_rt-test")]
    with pytest.raises(ValueError, match="depth"):
        next(staged([], [], depth=0))


# --------------------------------------------------------------------------------------- VideoSink
def test_video_sink_writes_beside_and_renames_on_close(tmp_path, driver_frames):
    path = tmp_path / "out.mp4"
    path.write_bytes(b"the previous video")
    with VideoSink(path, 24) as sink:
        for f, _ in driver_frames[:5]:
            sink.write(f)
        assert sink.partial_path.parent == tmp_path and sink.partial_path.suffix == ".mp4"
        assert sink.partial_path.exists()
        assert path.read_bytes() == b"the previous video"     # untouched until finalised
    assert not sink.partial_path.exists()
    assert _count_frames(path) == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]

    empty = tmp_path / "empty.mp4"
    with VideoSink(empty, 24):
        pass
    assert not empty.exists()
    with pytest.raises(DriverError, match="folder"):
        VideoSink(tmp_path, 24)


# ----------------------------------------------------------------------------------- stop signals
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_cli_reenact_stopped_by_a_signal_leaves_a_playable_video(tmp_path, sig):
    signum = getattr(signal, sig)
    out = tmp_path / "out.mp4"
    cmd = [sys.executable, "-m", "poce_rt.cli", "reenact", "--source", str(data_path("single_face.jpg")),
           "--driver", str(data_path(DRIVER)), "-o", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"))
    try:
        # wait until frames are being written: the partial file beside out.mp4 grows
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            parts = [p for p in tmp_path.iterdir() if p.name.startswith(".out.mp4.")]
            if parts and parts[0].stat().st_size > 20000:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "reenact ended before it could be stopped"
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + signum, (proc.returncode, err[-2000:])
    assert "Traceback" not in err
    m = re.search(r"stopped \(.*\) after (\d+) frames", err)
    assert m, err[-2000:]
    n = int(m.group(1))
    assert 0 < n < 472
    assert _count_frames(out) == n                 # finalised: every frame written decodes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]


def test_cli_reenact_output_errors_are_one_line(tmp_path, capsys):
    from poce_rt.cli import main

    args = ["reenact", "--source", str(data_path("single_face.jpg")), "--driver", str(data_path(DRIVER)),
            "--max-frames", "3", "-o"]
    folder = tmp_path / "dir.mp4"
    folder.mkdir()
    assert main(args + [str(folder)]) == 2
    err = capsys.readouterr().err
    assert "directory" in err or "folder" in err
    afile = tmp_path / "file.txt"
    afile.write_text("x")
    assert main(args + [str(afile / "out.mp4")]) == 2       # its folder cannot be made
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "file.txt" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.mp4", "file.txt"]
    assert not any(folder.iterdir())
