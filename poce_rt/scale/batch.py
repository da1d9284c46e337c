"""A batch job on Ray: every item of a folder of photos and videos edited, re-posed or reenacted.

    summary = run_batch(WorkSpec("edit", params='{"expression": {"jawOpen": 0.5}}'),
                        media_items(["shots/"]), "out/", workers=2)

One Ray actor per worker holds a prepared Editor (poce_rt.scale.work.Worker): models load once per
worker, not per item. Each actor has at most two items in flight, so it never waits for the driver
between items. Outputs are written by the workers straight to OUT (so a cluster needs OUT on a file
system all its nodes share); the manifest is written by this process alone, one line per finished
item, as results come in: a job stopped at any point resumes where it was (poce_rt.scale.items).
"""
from __future__ import annotations

import dataclasses
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .items import Item, Manifest, fingerprint
from .work import WorkSpec, Worker

IN_FLIGHT_PER_WORKER = 2


@dataclass
class Summary:
    total: int = 0
    skipped: int = 0
    done: int = 0
    failed: int = 0
    seconds: float = 0.0
    workers: int = 0
    failures: list = field(default_factory=list)   # [(item key, error)]
    dashboard_url: str = ""

    @property
    def items_per_second(self) -> float:
        return (self.done + self.failed) / self.seconds if self.seconds > 0 else 0.0


def plan(items: list[Item], spec: WorkSpec, out_dir: Path) -> tuple[Manifest, list[tuple[Item, str]], int]:
    """-> (manifest, [(item, fingerprint)] still to do, how many are done already)."""
    manifest = Manifest.open(out_dir)
    spec_json = spec.to_json()
    todo, skipped = [], 0
    for it in items:
        fp = fingerprint(it, spec_json)
        if manifest.is_done(it, fp, out_dir):
            skipped += 1
        else:
            todo.append((it, fp))
    return manifest, todo, skipped


def _default_workers(ray, cpus_per_worker: float, gpus_per_worker: float) -> int:
    res = ray.cluster_resources()
    n = int(res.get("CPU", 1) // max(cpus_per_worker, 1e-9))
    if gpus_per_worker > 0:
        n = min(n, int(res.get("GPU", 0) // gpus_per_worker))
        if n < 1:
            raise InputError(f"--gpus-per-worker {gpus_per_worker:g}: the cluster has "
                             f"{res.get('GPU', 0):g} GPUs")
    return max(1, n)


def run_batch(spec: WorkSpec, items: list[Item], out_dir, *, address: str | None = None,
              workers: int | None = None, cpus_per_worker: int = 1, gpus_per_worker: float = 0.0,
              progress: bool = True, shutdown: bool = True, log=None) -> Summary:
    """Run `items` on Ray (the local default without `address`); returns the Summary.

    workers: actors to start (default: as many as the cluster's CPUs / GPUs allow, at most one per
    item). shutdown=False keeps the local Ray up after the job (tests query its state API).
    log: a function of one line (default: stderr).
    """
    from .ray_local import ray_session, say

    log = log or say
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest, todo, skipped = plan(items, spec, out_dir)
    summary = Summary(total=len(items), skipped=skipped)
    if skipped:
        log(f"skipping {skipped} of {len(items)} items already done (see {manifest.path})")
    if not todo:
        return summary
    spec = dataclasses.replace(spec, threads=max(1, int(cpus_per_worker)))
    local_cpus = None
    if address is None:
        import os

        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        local_cpus = (workers or max(1, cores // cpus_per_worker)) * cpus_per_worker
    # (local GPUs: Ray detects them)
    with ray_session(address, num_cpus=local_cpus, shutdown=shutdown) as info:
        import ray

        summary.dashboard_url = info["dashboard_url"]
        if info["dashboard_url"]:
            log(f"ray: {info['address']}, dashboard and state API at {info['dashboard_url']}")
        n = workers or _default_workers(ray, cpus_per_worker, gpus_per_worker)
        n = min(n, len(todo))
        summary.workers = n
        actor_cls = ray.remote(Worker).options(num_cpus=cpus_per_worker, num_gpus=gpus_per_worker,
                                               max_restarts=2)
        actors = [actor_cls.remote(spec) for _ in range(n)]
        try:
            _schedule(ray, actors, todo, out_dir, manifest, summary, spec.command, progress)
        finally:
            for a in actors:
                ray.kill(a)
    return summary


def _schedule(ray, actors, todo, out_dir: Path, manifest: Manifest, summary: Summary, command: str,
              progress: bool) -> None:
    from tqdm import tqdm

    queue = deque(todo)
    pending: dict = {}          # ObjectRef -> (item, fingerprint, actor index)
    load = [0] * len(actors)

    def submit(i: int) -> None:
        while queue and load[i] < IN_FLIGHT_PER_WORKER:
            item, fp = queue.popleft()
            pending[actors[i].run.remote(item, str(out_dir))] = (item, fp, i)
            load[i] += 1

    t0 = time.perf_counter()
    bar = tqdm(total=len(todo), unit="item", desc=f"batch {command}", disable=not progress,
               dynamic_ncols=True)
    try:
        for i in range(len(actors)):
            submit(i)
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            ref = ready[0]
            item, fp, i = pending.pop(ref)
            load[i] -= 1
            try:
                rec = ray.get(ref)
            except Exception as e:  # noqa: BLE001 - the worker died (crash, out of memory): this item failed
                rec = {"item": item.key, "kind": item.kind, "inputs": list(item.inputs),
                       "output": item.output, "status": "failed", "seconds": None,
                       "error": f"worker lost: {type(e).__name__}: {_first_line(e)}"}
            rec["fingerprint"] = fp
            manifest.append(rec)
            if rec["status"] == "done":
                summary.done += 1
            else:
                summary.failed += 1
                summary.failures.append((item.key, rec["error"]))
            summary.seconds = time.perf_counter() - t0
            bar.set_postfix_str(f"done {summary.done}, failed {summary.failed}, "
                                f"{summary.items_per_second:.2f} items/s", refresh=False)
            bar.update(1)
            submit(i)
    finally:
        bar.close()
        summary.seconds = time.perf_counter() - t0


def _first_line(e: BaseException) -> str:
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    return lines[-1] if lines else type(e).__name__
