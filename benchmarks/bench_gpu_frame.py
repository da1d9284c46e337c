"""GPU frame times of the frame loop (steps 5-7: edit_uv, render, ring warp, composite) at 640x480
and 1280x720, side by side in one run on the same GPU:

* eager: every stage launched from Python on one stream, buffers reused;
* graphs: the same work captured once as a CUDA graph and replayed;
* with --model: the networks through TensorRT (captured with the rest) against the same pipeline
  with the networks in plain PyTorch eager (no graphs).

Per configuration: the device time of a step (CUDA events around its device work on the loop's
stream), the wall time of a step (host planning + uploads + launch + wait), and the wall time of a
whole frame with tracking (MediaPipe on the host) and the copy of the result back to the host.

    python benchmarks/bench_gpu_frame.py [--model MODEL_DIR] [--frames 200] [--json OUT.json]
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

SIZES = {"640x480": (640, 480), "1280x720": (1280, 720)}


def motion(t: int):
    """A driver-like motion: yaw and pitch sway, the jaw opens and closes."""
    return {"jawOpen": 0.35 + 0.3 * np.sin(t / 7)}, (4 * np.sin(t / 11), 15 * np.sin(t / 9), 2 * np.sin(t / 13))


def time_loop(editor, loop, src, frames: int, image=None):
    """(device ms, step wall ms, frame-with-tracking wall ms) medians."""
    loop.time_device_work()
    dev, wall, full = [], [], []
    for t in range(frames + 10):
        expr, pose = motion(t)
        t0 = time.perf_counter()
        plan = editor.plan(src, expression=expr, pose=pose)
        loop.step(plan.rel, plan.shape, plan.target_pose, mouth=plan.mouth)   # waits for the GPU
        t1 = time.perf_counter()
        if t >= 10:   # the first steps compile kernels and capture graphs
            dev.append(loop.device_ms())
            wall.append((t1 - t0) * 1e3)
    if image is not None:
        for t in range(frames // 4 + 3):
            expr, pose = motion(t)
            t0 = time.perf_counter()
            editor.track(image)
            plan = editor.plan(src, expression=expr, pose=pose)
            loop.step(plan.rel, plan.shape, plan.target_pose, mouth=plan.mouth)
            loop.frame_to_host()
            if t >= 3:
                full.append((time.perf_counter() - t0) * 1e3)
    med = lambda v: float(np.median(v)) if v else float("nan")  # noqa: E731
    return med(dev), med(wall), med(full)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="a model directory with exported graphs (TensorRT vs torch eager)")
    ap.add_argument("--frames", type=int, default=200)
    ap.add_argument("--json", help="also write the figures here")
    args = ap.parse_args()

    import poce_rt
    from bench_pipeline import letterbox
    from poce_rt.assets import data_path, load_image
    from poce_rt.frame_loop import FrameLoop

    if not poce_rt.cuda_available():
        raise SystemExit("needs a CUDA GPU, CuPy and the CUDA build of poce_rt._C")
    import cupy as cp

    props = cp.cuda.runtime.getDeviceProperties(0)
    gpu_name = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
    configs = [("weight-free, eager", None, "cuda", False), ("weight-free, CUDA graphs", None, "cuda", True)]
    if args.model:
        configs += [("networks: torch eager", "torch", "cuda", False),
                    ("networks: TensorRT + CUDA graphs", "tensorrt", "cuda", True)]
    photo = load_image(data_path("single_face.jpg"))
    rows = []
    print(f"GPU: {gpu_name}; {args.frames} frames per row; medians")
    print(f"{'size':9s} {'configuration':34s} {'device ms':>10s} {'step ms':>9s} {'+track ms':>10s} {'fps':>6s}")
    for size, (w, h) in SIZES.items():
        image = letterbox(photo, w, h)
        for label, backend, device, graphs in configs:
            model = args.model if backend else None
            with poce_rt.Editor(model, backend=backend or "auto", device=device) as ed:
                src = ed.prepare(image)
                feather = ed.feather_px(src.face)
                loop = FrameLoop(src, ed.geometry, feather, ed.networks, ed._mouth_gap, device, graphs=graphs,
                                 mouth_colour=ed._mouth_colour)
                d, s, f = time_loop(ed, loop, src, args.frames, image)
                captured = bool(loop.graph_cache and loop.graph_cache.captured) and not loop.graph_cache.failed
            rows.append(dict(size=size, config=label, device_ms=d, step_ms=s, with_tracking_ms=f,
                             graphs_captured=captured, gpu=gpu_name))
            print(f"{size:9s} {label:34s} {d:10.3f} {s:9.3f} {f:10.2f} {1e3 / s:6.0f}"
                  + ("" if captured or not graphs else "  (capture failed: eager)"))
    for size in SIZES:
        by = {r["config"]: r for r in rows if r["size"] == size}
        pairs = [("weight-free, eager", "weight-free, CUDA graphs"),
                 ("networks: torch eager", "networks: TensorRT + CUDA graphs")]
        for a, b in pairs:
            if a in by and b in by:
                print(f"{size}: {a} / {b}: device {by[a]['device_ms'] / by[b]['device_ms']:.2f}x, "
                      f"step {by[a]['step_ms'] / by[b]['step_ms']:.2f}x")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
