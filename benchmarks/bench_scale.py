"""Scale-out throughput: batch items per second on Ray with 1 and 2 workers against a plain loop in
one process over the same items; Triton requests per second and latency at batch 1 and with
dynamic batching through `poce-rt serve` (PyTriton in .venv-triton: make triton-env).

    pytest benchmarks/bench_scale.py -s          # or: python benchmarks/bench_scale.py

Items: POCE_RT_BENCH_ITEMS copies (default 12) of two face photos, `batch edit --expr jawOpen=0.5`.
Each figure is wall time from the first item submitted to the last one recorded, models loaded
(the loop's Worker, Ray's actors) before the clock starts; Ray's own start is reported apart.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from poce_rt.assets import data_path

PARAMS = '{"expression": {"jawOpen": 0.5}}'


def _items(tmp: Path, n: int):
    from poce_rt.scale.items import media_items

    src = [data_path("single_face.jpg"), data_path("0-f1-su-ph.jpg")]
    d = tmp / "in"
    d.mkdir()
    for i in range(n):
        shutil.copy(src[i % 2], d / f"{i:03d}.jpg")
    return media_items([d])


def plain_loop_rate(items, out: Path) -> float:
    from poce_rt.scale.work import Worker, WorkSpec

    w = Worker(WorkSpec("edit", params=PARAMS))
    try:
        w.run(items[0], str(out))                     # warm: first-call costs out of the figure
        t0 = time.perf_counter()
        recs = [w.run(it, str(out)) for it in items]
        dt = time.perf_counter() - t0
    finally:
        w.close()
    assert all(r["status"] == "done" for r in recs)
    return len(items) / dt


def ray_rates(items, out: Path, worker_counts=(1, 2)) -> dict:
    """One local Ray (as many CPUs as the most workers), a fresh job folder per count."""
    import ray

    from poce_rt.scale.batch import Summary, _schedule
    from poce_rt.scale.items import Manifest
    from poce_rt.scale.ray_local import ray_session
    from poce_rt.scale.work import Worker, WorkSpec

    spec = WorkSpec("edit", params=PARAMS)
    res = {}
    t0 = time.perf_counter()
    with ray_session(None, num_cpus=max(worker_counts), dashboard=False):
        res["ray_start_s"] = round(time.perf_counter() - t0, 1)
        for n in worker_counts:
            actors = [ray.remote(Worker).options(num_cpus=1).remote(spec) for _ in range(n)]
            ray.get([a.run.remote(items[0], str(out / "warm")) for a in actors])   # models loaded
            job = out / f"w{n}"
            job.mkdir()
            s = Summary(total=len(items))
            _schedule(ray, actors, [(it, "") for it in items], job, Manifest.open(job), s, "edit", False)
            assert s.done == len(items), s.failures[:3]
            res[f"ray_{n}_workers_items_per_s"] = round(s.items_per_second, 2)
            for a in actors:
                ray.kill(a)
    return res


def batch_figures(n: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="poce_rt_bench_") as tmp:
        tmp = Path(tmp)
        items = _items(tmp, n)
        out = tmp / "out"
        out.mkdir()
        res = {"items": n, "plain_loop_items_per_s": round(plain_loop_rate(items, out / "loop"), 2)}
        res.update(ray_rates(items, out))
    for k in ("ray_1_workers_items_per_s", "ray_2_workers_items_per_s"):
        res[k.replace("items_per_s", "over_loop")] = round(res[k] / res["plain_loop_items_per_s"], 2)
    return res


def triton_figures(requests: int = 16) -> dict:
    """Requests/s and median latency through `poce-rt serve` (PyTriton in its own Python): one
    client at a time (batch 1), then `requests` at once from 8 threads (the dynamic batcher may
    group them)."""
    from concurrent.futures import ThreadPoolExecutor

    import tritonclient.http as httpclient

    from poce_rt.assets import load_image
    from poce_rt.scale.serve import ServeProcess

    image = load_image(data_path("single_face.jpg"))
    with ServeProcess() as server:
        url = f"127.0.0.1:{server.ports['http']}"

        def call(_=None) -> float:
            c = httpclient.InferenceServerClient(url)
            a = httpclient.InferInput("image", [1, *image.shape], "UINT8")
            a.set_data_from_numpy(image[None])
            b = httpclient.InferInput("params", [1, 1], "BYTES")
            b.set_data_from_numpy(np.array([[PARAMS.encode()]], dtype=object))
            t = time.perf_counter()
            c.infer("poce_edit", [a, b])
            return time.perf_counter() - t

        call()
        t0 = time.perf_counter()
        lat1 = [call() for _ in range(requests)]
        rps1 = requests / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        with ThreadPoolExecutor(8) as ex:
            latn = list(ex.map(call, range(requests)))
        rpsn = requests / (time.perf_counter() - t0)
    return {"batch1_req_per_s": round(rps1, 2), "batch1_median_ms": round(1e3 * float(np.median(lat1)), 1),
            "concurrent8_req_per_s": round(rpsn, 2), "concurrent8_median_ms": round(1e3 * float(np.median(latn)), 1)}


def _n() -> int:
    return int(os.environ.get("POCE_RT_BENCH_ITEMS", "12"))


def test_batch_items_per_second(benchmark):
    pytest.importorskip("ray")
    benchmark.group = "scale-out (items/s)"
    benchmark.name = "plain loop vs Ray 1 / 2 workers"
    res = benchmark.pedantic(batch_figures, args=(_n(),), rounds=1, iterations=1)
    benchmark.extra_info.update(res)
    print(f"\nbatch: {res}")


def test_triton_requests_per_second(benchmark):
    pytest.importorskip("tritonclient.http")
    from poce_rt.errors import InputError
    from poce_rt.scale.serve import triton_python

    try:
        triton_python()
    except InputError as e:
        pytest.skip(str(e))
    benchmark.group = "scale-out (Triton)"
    benchmark.name = "poce_edit batch 1 / 8 concurrent"
    res = benchmark.pedantic(triton_figures, rounds=1, iterations=1)
    benchmark.extra_info.update(res)
    print(f"\ntriton: {res}")


if __name__ == "__main__":
    print(batch_figures(_n()))
