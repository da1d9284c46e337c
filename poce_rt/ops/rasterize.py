"""rasterize: triangles -> per-pixel triangle id, barycentrics and depth."""
from __future__ import annotations

import numpy as np

from ._arrays import Workspace, check_size, check_tris, on_stream, ptr, stream_handle
from ._declare import Arg, Op

OP = Op("rasterize", "rasterize_cuda",
        Arg("verts", np.float32, ("N", 3)),
        Arg("tris", np.int32, (None, 3)),
        Arg("tri_id", np.int32, ("H", "W"), out=True, label="out[0] (tri_id)"),
        Arg("bary", np.float32, ("H", "W", 3), out=True, label="out[1] (bary)"),
        Arg("depth", np.float32, ("H", "W"), out=True, label="out[2] (depth)"))


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
    a = OP.check(verts=verts, tris=tris)
    check_size(height, width)
    check_tris(a.tris, len(a.verts), stream)
    h, w = int(height), int(width)

    def cpu(kernel):
        if workspace is not None:
            if workspace.gpu:
                raise TypeError("workspace: a GPU workspace for host arrays")
            return _rasterize_into_workspace(kernel, a.verts, a.tris, h, w, workspace)
        if out is not None:
            tri_id, bary, depth = out
            o = OP.check({"H": h, "W": w}, gpu=False, tri_id=tri_id, bary=bary, depth=depth)
            return kernel(a.verts, a.tris, h, w, o.tri_id, o.bary, o.depth)
        return kernel(a.verts, a.tris, h, w)

    def cuda(kernel):
        import cupy as cp

        with on_stream(stream):  # allocate where the kernel runs
            zbuf = cp.empty(h * w + 2, cp.uint64)  # + the mesh's box, computed on the device
            tri_id = cp.empty((h, w), cp.int32)
            bary = cp.empty((h, w, 3), cp.float32)
            depth = cp.empty((h, w), cp.float32)
            kernel(ptr(a.verts), len(a.verts), ptr(a.tris), len(a.tris), h, w, ptr(zbuf), ptr(tri_id), ptr(bary),
                   ptr(depth), stream_handle(stream))
        return tri_id, bary, depth

    return OP.run(a, cpu, cuda)


def _rasterize_into_workspace(kernel, verts, tris, h: int, w: int, ws: Workspace):
    before = ws.reallocations
    outs = (ws.take("rasterize.tri_id", (h, w), np.int32), ws.take("rasterize.bary", (h, w, 3), np.float32),
            ws.take("rasterize.depth", (h, w), np.float32))
    drawn = ws.take("rasterize.drawn", (6,), np.int32)
    if ws.reallocations != before:
        drawn[:] = -1  # fresh buffers: nothing known, clear them whole
    kernel(verts, tris, h, w, *outs, drawn)
    views = tuple(o.view() for o in outs)
    for v in views:
        v.flags.writeable = False  # the record of what was drawn holds only if nobody writes
    return views
