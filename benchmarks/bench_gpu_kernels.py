"""GPU timings of rasterize, sample_uv and render (CUDA events, median of many runs) at 512 and
1024 px for the 898- and 57k-triangle meshes, next to the CPU kernels on the same inputs.

    python benchmarks/bench_gpu_kernels.py          # prints a table; needs a GPU and CuPy
"""
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def cuda_median_ms(fn, runs=200, warmup=20):
    import cupy as cp

    for _ in range(warmup):
        fn()
    start, end = cp.cuda.Event(), cp.cuda.Event()
    times = []
    for _ in range(runs):
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(cp.cuda.get_elapsed_time(start, end))
    return float(np.median(times))


def cpu_median_ms(fn, runs=20):
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return float(np.median(times))


def main():
    import cupy as cp
    import cv2

    import poce_rt
    from poce_rt import ops, stages
    from poce_rt.assets import data_path, load_image
    from poce_rt.tracker import FaceTracker

    if not poce_rt.cuda_available():
        raise SystemExit("needs a CUDA GPU and the CUDA build of poce_rt._C")
    image = load_image(data_path("astronaut"))
    with FaceTracker() as tracker:
        face = tracker.track_one(image)
    tex = np.random.default_rng(0).uniform(size=(256, 256, 3)).astype(np.float32)
    print(f"{'op':10s} {'mesh':>8s} {'size':>6s} {'gpu ms':>9s} {'cpu ms':>9s} {'ratio':>7s}")
    for sub in (0, 3):
        geom = stages.geometry(256, sub)
        dev = geom.layout.to_device()
        for size in (512, 1024):
            img = cv2.resize(image, (size, size))
            verts = geom.posed(face.vertices * np.float32(size / 512))
            g_img, g_verts, g_tex = cp.asarray(img), cp.asarray(verts), cp.asarray(tex)
            cases = {
                "rasterize": (lambda: ops.rasterize(g_verts, dev.tris, size, size),
                              lambda: ops.rasterize(verts, geom.layout.tris, size, size)),
                "sample_uv": (lambda: ops.sample_uv(g_img, g_verts, dev.tris, dev),
                              lambda: ops.sample_uv(img, verts, geom.layout.tris, geom.layout)),
                "render": (lambda: ops.render(g_tex, g_verts, dev.tris, dev, size, size),
                           lambda: ops.render(tex, verts, geom.layout.tris, geom.layout, size, size)),
            }
            for name, (gpu_fn, cpu_fn) in cases.items():
                g, c = cuda_median_ms(gpu_fn), cpu_median_ms(cpu_fn)
                print(f"{name:10s} {len(geom.layout.tris):8d} {size:6d} {g:9.3f} {c:9.2f} {c / g:7.1f}x")


if __name__ == "__main__":
    main()
