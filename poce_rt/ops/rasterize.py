"""rasterize: triangles -> per-pixel triangle id, barycentrics and depth."""
from __future__ import annotations

import numpy as np

from ._arrays import check, check_size, check_tris, cuda_native, native, on_gpu, on_stream, ptr, stream_handle


def rasterize(verts, tris, height: int, width: int, stream=None):
    """Rasterize a triangle mesh in image space with a depth test.

    Args:
        verts: [N,3] float32 (x, y in pixels with pixel centres at +0.5; depth, smaller = nearer).
        tris: [F,3] int32 vertex indices.
        height, width: output size in pixels.
        stream: CUDA stream for device arrays (default: CuPy's current stream).

    Returns:
        tri_id [H,W] int32 (-1 where empty), bary [H,W,3] float32, depth [H,W] float32 (+inf where empty).

    One pass packs (depth << 32 | triangle id) per pixel with an atomic min, so equal depths go to
    the lower triangle id on CPU and GPU alike; top-left fill rule; degenerate, NaN and off-screen
    triangles are skipped.
    """
    gpu = on_gpu(verts, tris)
    verts = check("verts", verts, np.float32, (None, 3), gpu)
    tris = check("tris", tris, np.int32, (None, 3), gpu)
    check_size(height, width)
    check_tris(tris, len(verts), stream)
    if not gpu:
        return native().rasterize(verts, tris, int(height), int(width))
    import cupy as cp

    C = cuda_native()
    with on_stream(stream):  # allocate where the kernel runs
        zbuf = cp.empty((height, width), cp.uint64)
        tri_id = cp.empty((height, width), cp.int32)
        bary = cp.empty((height, width, 3), cp.float32)
        depth = cp.empty((height, width), cp.float32)
        C.rasterize_cuda(ptr(verts), len(verts), ptr(tris), len(tris), height, width, ptr(zbuf),
                         ptr(tri_id), ptr(bary), ptr(depth), stream_handle(stream))
    return tri_id, bary, depth
