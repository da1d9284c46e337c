"""rasterize: triangles -> per-pixel triangle id, barycentrics and depth."""
from __future__ import annotations

import numpy as np

from ._arrays import (Workspace, check, check_out, check_size, check_tris, cuda_native, native, on_gpu,
                      on_stream, ptr, stream_handle)


def rasterize(verts, tris, height: int, width: int, stream=None, out=None,
              workspace: Workspace | None = None):
    """Rasterize a triangle mesh in image space with a depth test.

    Args:
        verts: [N,3] float32 (x, y in pixels with pixel centres at +0.5; depth, smaller = nearer).
        tris: [F,3] int32 vertex indices.
        height, width: output size in pixels.
        stream: CUDA stream for device arrays (default: CuPy's current stream).
        out: optional (tri_id, bary, depth) buffers of the shapes below (CPU), written in place.
        workspace: optional CPU Workspace holding the outputs from call to call: it remembers the
            box each call drew, so the next one clears only that (a frame loop's steady state
            then costs what the mesh covers, not the frame). The arrays returned are read-only
            views, valid until the next call with this workspace.

    Returns:
        tri_id [H,W] int32 (-1 where empty), bary [H,W,3] float32, depth [H,W] float32 (+inf where empty).

    One pass packs (depth << 32 | triangle id) per pixel with an atomic min, so equal depths go to
    the lower triangle id on CPU and GPU alike; top-left fill rule; degenerate, NaN and off-screen
    triangles are skipped. Work, clears and the resolve cover only the box of the mesh's vertices.
    """
    gpu = on_gpu(verts, tris)
    verts = check("verts", verts, np.float32, (None, 3), gpu)
    tris = check("tris", tris, np.int32, (None, 3), gpu)
    check_size(height, width)
    check_tris(tris, len(verts), stream)
    if not gpu:
        h, w = int(height), int(width)
        if workspace is not None:
            if workspace.gpu:
                raise TypeError("workspace: a GPU workspace for host arrays")
            return _rasterize_into_workspace(verts, tris, h, w, workspace)
        if out is not None:
            tri_id, bary, depth = out
            out = (check_out("out[0] (tri_id)", tri_id, np.int32, (h, w), False),
                   check_out("out[1] (bary)", bary, np.float32, (h, w, 3), False),
                   check_out("out[2] (depth)", depth, np.float32, (h, w), False))
            return native().rasterize(verts, tris, h, w, *out)
        return native().rasterize(verts, tris, h, w)
    import cupy as cp

    C = cuda_native()
    with on_stream(stream):  # allocate where the kernel runs
        zbuf = cp.empty(height * width + 2, cp.uint64)  # + the mesh's box, computed on the device
        tri_id = cp.empty((height, width), cp.int32)
        bary = cp.empty((height, width, 3), cp.float32)
        depth = cp.empty((height, width), cp.float32)
        C.rasterize_cuda(ptr(verts), len(verts), ptr(tris), len(tris), height, width, ptr(zbuf),
                         ptr(tri_id), ptr(bary), ptr(depth), stream_handle(stream))
    return tri_id, bary, depth


def _rasterize_into_workspace(verts, tris, h: int, w: int, ws: Workspace):
    before = ws.reallocations
    outs = (ws.take("rasterize.tri_id", (h, w), np.int32), ws.take("rasterize.bary", (h, w, 3), np.float32),
            ws.take("rasterize.depth", (h, w), np.float32))
    drawn = ws.take("rasterize.drawn", (6,), np.int32)
    if ws.reallocations != before:
        drawn[:] = -1  # fresh buffers: nothing known, clear them whole
    native().rasterize(verts, tris, h, w, *outs, drawn)
    views = tuple(o.view() for o in outs)
    for v in views:
        v.flags.writeable = False  # the record of what was drawn holds only if nobody writes
    return views
