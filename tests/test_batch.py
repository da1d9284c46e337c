"""`poce-rt batch` on a real Ray: a head started here on loopback (2 CPUs) and joined by address,
and the embedded default (a local Ray started by the job). Photos, a video, a photo without a
face and a broken file; the outputs, the manifest, the skip on rerun, and Ray's state API listing
the finished tasks. Ray's start costs ~10-20 s, so one head serves the whole module."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray", reason="the scale extra (ray[default]) is not installed")

from poce_rt.assets import data_path, load_image  # noqa: E402
from poce_rt.cli import main  # noqa: E402
from poce_rt.scale.items import Item, Manifest, fingerprint, media_items, pair_items  # noqa: E402
from poce_rt.scale.ray_local import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# A head on loopback that this process can join (see poce_rt.scale.ray_local): token auth off,
# as a job on this machine has no other caller to keep out.
RAY_ENV = {"RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}


@pytest.fixture(scope="module")
def head(tmp_path_factory):
    """`ray start --head` on 127.0.0.1 with 2 CPUs -> (address, dashboard url); stopped at the end."""
    port, dash, client, agent = (free_port() for _ in range(4))
    env = {**os.environ, **RAY_ENV, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    temp = tmp_path_factory.mktemp("ray")
    ray_bin = str(Path(sys.executable).with_name("ray"))
    cmd = [ray_bin, "start", "--head", "--node-ip-address", "127.0.0.1", "--port", str(port),
           "--dashboard-host", "127.0.0.1", "--dashboard-port", str(dash), "--ray-client-server-port",
           str(client), "--dashboard-agent-listen-port", str(agent), "--num-cpus", "2",
           "--object-store-memory", str(128 << 20), "--disable-usage-stats", "--temp-dir", str(temp)]
    # --block: the head's processes stay children of this one, in their own process group, so the
    # end of the module stops exactly them (`ray stop` would stop every Ray on the machine)
    proc = subprocess.Popen(cmd + ["--block"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    _wait_for_port(dash, proc)
    old = {k: os.environ.get(k) for k in RAY_ENV}
    os.environ.update(RAY_ENV)
    try:
        yield f"127.0.0.1:{port}", f"http://127.0.0.1:{dash}"
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        # SIGTERM to `ray start` alone: it stops its processes itself (~2 s). Sent to the whole
        # group, they die under it and its own cleanup then waits ~30 s on the gone GCS.
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        with contextlib.suppress(ProcessLookupError):   # anything it left behind
            os.killpg(proc.pid, signal.SIGKILL)


def _wait_for_port(port: int, proc, timeout: float = 180.0) -> None:
    import socket

    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"ray start exited with status {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise RuntimeError(f"the Ray head's dashboard did not come up on port {port} in {timeout:.0f} s")


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    """A folder of two face photos, a photo without a face, a broken file and a video."""
    d = tmp_path_factory.mktemp("shots")
    for name in ("single_face.jpg", "0-f1-su-ph.jpg", "free-mountain-vector-01.jpg", "single_face.mp4"):
        shutil.copy(data_path(name), d / name)
    (d / "broken.jpg").write_bytes(b"this is not a JPEG")
    return d


def _manifest(out: Path) -> dict:
    return {r["item"]: r for r in map(json.loads, (out / "manifest.jsonl").read_text().splitlines())}


def _finished_tasks(dashboard: str, want: int) -> list:
    """The finished tasks, once `want` Worker.run tasks are among them (or after 30 s)."""
    from ray.util.state import list_tasks

    for _ in range(30):   # the state API sees task events a moment after they happen, one by one
        tasks = list_tasks(address=dashboard, filters=[("state", "=", "FINISHED")], limit=1000)
        if [t.name for t in tasks].count("Worker.run") >= want:
            return tasks
        time.sleep(1)
    return tasks


def test_batch_edit_on_a_head_joined_by_address(head, shots, tmp_path, capsys):
    address, dashboard = head
    out = tmp_path / "out"
    argv = ["batch", "edit", str(shots), "--out", str(out), "--expr", "jawOpen=0.5", "--max-frames", "3",
            "--ray-address", address, "--workers", "2", "--quiet"]
    assert main(argv) == 1                         # two bad items: the job finishes, the status says so
    err = capsys.readouterr()
    assert "3 done, 2 failed, 0 skipped" in err.out

    rec = _manifest(out)
    assert {k: r["status"] for k, r in rec.items()} == {
        "single_face.png": "done", "0-f1-su-ph.png": "done", "single_face.mp4": "done",
        "broken.png": "failed", "free-mountain-vector-01.png": "failed"}
    assert "cannot decode image file" in rec["broken.png"]["error"]
    assert "NoFaceError" in rec["free-mountain-vector-01.png"]["error"]
    assert not (out / "broken.png").exists() and not (out / "free-mountain-vector-01.png").exists()
    src, edited = load_image(shots / "single_face.jpg"), load_image(out / "single_face.png")
    assert edited.shape == src.shape and np.abs(edited.astype(int) - src).max() > 50   # the mouth moved
    assert rec["single_face.mp4"]["frames"] == 3
    from poce_rt.video import open_driver

    with open_driver(out / "single_face.mp4") as v:
        assert sum(1 for _ in v) == 3
    assert not [p for p in out.iterdir() if p.name.startswith(".")]    # no temporary left behind
    # two workers, both used; Ray's state API lists their finished tasks
    assert len({r["worker"] for r in rec.values()}) == 2
    names = [t.name for t in _finished_tasks(dashboard, 5)]
    assert names.count("Worker.run") >= 5

    # the rerun skips what is done and retries (and again records) the failures
    mtime = (out / "single_face.png").stat().st_mtime_ns
    assert main(argv) == 1
    err = capsys.readouterr()
    assert "skipping 3 of 5 items already done" in err.err
    assert "0 done, 2 failed, 3 skipped" in err.out
    assert (out / "single_face.png").stat().st_mtime_ns == mtime
    lines = (out / "manifest.jsonl").read_text().splitlines()
    assert len(lines) == 7


def test_batch_reenact_pairs_csv(head, tmp_path, capsys):
    address, _ = head
    csv = tmp_path / "pairs.csv"
    csv.write_text(f"source,driver\n{data_path('single_face.jpg')},{data_path('single_face.mp4')}\n"
                   f"{data_path('single_face.jpg')},missing.mp4\n")
    out = tmp_path / "out"
    rc = main(["batch", "reenact", "--pairs", str(csv), "--out", str(out), "--max-frames", "4",
               "--ray-address", address, "--workers", "1", "--quiet"])
    assert rc == 1
    rec = _manifest(out)
    assert rec["single_face__single_face.mp4"]["status"] == "done"
    assert rec["single_face__single_face.mp4"]["frames"] == 4
    assert rec["single_face__missing.mp4"]["status"] == "failed"
    assert "not found" in rec["single_face__missing.mp4"]["error"]
    assert (out / "single_face__single_face.mp4").stat().st_size > 1000


def test_batch_embedded_default(tmp_path):
    """No address: the job starts its own Ray on loopback (2 CPUs) and, kept up here, its state
    API lists the job's finished tasks."""
    from poce_rt.scale.batch import run_batch
    from poce_rt.scale.work import WorkSpec

    photo = tmp_path / "face.jpg"
    shutil.copy(data_path("single_face.jpg"), photo)
    spec = WorkSpec("pose", params=json.dumps({"pose": [0, 15, 0]}))
    items = media_items([photo, data_path("0-f1-su-ph.jpg")])
    s = run_batch(spec, items, tmp_path / "out", workers=2, progress=False, shutdown=False)
    try:
        assert (s.done, s.failed, s.workers) == (2, 0, 2)
        assert s.dashboard_url.startswith("http://127.0.0.1:")
        node_ips = {n["NodeManagerAddress"] for n in ray.nodes()}
        assert node_ips == {"127.0.0.1"}
        assert [t.name for t in _finished_tasks(s.dashboard_url, 2)].count("Worker.run") == 2
    finally:
        ray.shutdown()
    assert (tmp_path / "out" / "face.png").is_file()


# ------------------------------------------------------------------- items and manifest, no Ray
def test_items_names_and_collisions(tmp_path):
    from poce_rt.errors import InputError

    (tmp_path / "a" / "sub").mkdir(parents=True)
    (tmp_path / "b").mkdir()
    for p in ("a/x.jpg", "a/sub/y.mp4", "a/notes.txt", "b/x.png"):
        (tmp_path / p).write_bytes(b"")
    items = media_items([tmp_path / "a"])
    assert sorted((i.kind, i.output) for i in items) == [("image", "x.png"), ("video", "sub/y.mp4")]
    with pytest.raises(InputError, match="both be written to x.png"):
        media_items([tmp_path / "a", tmp_path / "b"])
    with pytest.raises(InputError, match="input not found"):
        media_items([tmp_path / "nope"])
    with pytest.raises(InputError, match="--source"):
        pair_items(None, [tmp_path / "a" / "sub"])


def test_manifest_resume_rules(tmp_path):
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"x")
    it = Item("image", (str(photo),), "p.png")
    fp = fingerprint(it, "{}")
    m = Manifest.open(tmp_path)
    m.append({"item": "p.png", "status": "done", "fingerprint": fp})
    with (tmp_path / "manifest.jsonl").open("a") as f:
        f.write('{"item": "p.png", "status": "fai')          # a line cut short by a kill
    m = Manifest.open(tmp_path)
    assert not m.is_done(it, fp, tmp_path)                    # the output is missing
    (tmp_path / "p.png").write_bytes(b"png")
    assert m.is_done(it, fp, tmp_path)
    assert not m.is_done(it, fingerprint(it, '{"other": 1}'), tmp_path)   # other parameters
    os.utime(photo, ns=(1, 1))
    assert not m.is_done(it, fingerprint(it, "{}"), tmp_path)            # the input changed
