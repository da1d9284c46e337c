"""interpolate: per-vertex attributes over the rasterizer's output -> an image-space attribute map.

As nvdiffrast's `interpolate`: the attributes of the triangle under each pixel centre, weighted by
its barycentrics. The facial flow of F3A-GAN / GaFET (poce_rt.flow) is this op applied to a per-vertex
displacement; any other per-vertex quantity (normals, depth, UVs, labels) renders the same way.
"""
from __future__ import annotations

import numpy as np

from ._arrays import check_size, check_tris, on_stream, ptr, stream_handle
from ._declare import Arg, Op

OP = Op("interpolate", "interpolate_cuda",
        Arg("attr", np.float32, ("N", "C")),
        Arg("tris", np.int32, ("F", 3)),
        Arg("tri_id", np.int32, ("H", "W")),
        Arg("bary", np.float32, ("H", "W", 3)),
        Arg("out", np.float32, ("H", "W", "C"), out=True, label="out[0] (attributes)"),
        Arg("mask", np.float32, ("H", "W"), out=True, label="out[1] (mask)"),
        sizes=("H", "W"))

MAX_CHANNELS = 1024  # as the texture channels of render (the kernels index channels in int)


def interpolate(attr, tris, tri_id, bary, box=None, stream=None, out=None):
    """Interpolate per-vertex attributes over a rasterized mesh.

    Args:
        attr: [N,C] float32 per-vertex attributes, C in 1..1024 (the flows use 2 or 3).
        tris: [F,3] int32 vertex indices (the mesh given to `rasterize`).
        tri_id: [H,W] int32 triangle ids from `rasterize` (-1 = empty; any other id outside 0..F-1
            is an error).
        bary: [H,W,3] float32 barycentrics from `rasterize`.
        box: optional (x0, y0, x1, y1), half-open pixel box outside which tri_id is known to be
            empty (the box `rasterize` drew, see `drawn_box`): only it is read, the rest of the
            outputs is written empty, so the cost follows the face, not the frame.
        stream: CUDA stream for device arrays (None = CuPy's current).
        out: optional (attributes, mask) buffers of the shapes below, written in place.

    Returns:
        out [H,W,C] float32 (b0*a[i0] + b1*a[i1] + b2*a[i2]; 0 where empty) and mask [H,W]
        float32 (1 where a triangle covers the pixel centre, else 0).
    """
    a = OP.check(attr=attr, tris=tris, tri_id=tri_id, bary=bary)
    n, c = a.attr.shape
    if not 1 <= c <= MAX_CHANNELS:
        raise ValueError(f"attr: expected 1..{MAX_CHANNELS} channels, got {c}")
    h, w = a.dims["H"], a.dims["W"]
    check_size(h, w)
    check_tris(a.tris, n, stream)
    x0, y0, x1, y1 = (0, 0, w, h) if box is None else _check_box(box, h, w)
    o_out, o_mask = out if out is not None else (None, None)
    o = OP.check(a.dims, gpu=a.gpu, out=o_out, mask=o_mask)

    def cpu(kernel):
        return kernel(a.attr, a.tris, a.tri_id, a.bary, (x0, y0, x1, y1), o.out, o.mask)

    def cuda(kernel):
        import cupy as cp

        with on_stream(stream):
            res = cp.empty((h, w, c), cp.float32) if o.out is None else o.out
            mask = cp.empty((h, w), cp.float32) if o.mask is None else o.mask
            kernel(ptr(a.attr), n, c, ptr(a.tris), len(a.tris), ptr(a.tri_id), ptr(a.bary), h, w,
                   x0, y0, x1, y1, ptr(res), ptr(mask), stream_handle(stream))
        return res, mask

    return OP.run(a, cpu, cuda)


def drawn_box(workspace) -> tuple[int, int, int, int] | None:
    """The (x0, y0, x1, y1) box the last `rasterize(..., workspace=workspace)` call drew, or None."""
    flat = getattr(workspace, "_flat", {}).get("rasterize.drawn")
    if flat is None or flat.size < 6 or int(flat[0]) < 0:
        return None
    y0, x0, y1, x1 = (int(v) for v in flat[2:6])
    return x0, y0, max(x0, x1), max(y0, y1)


def _check_box(box, h: int, w: int) -> tuple[int, int, int, int]:
    try:
        x0, y0, x1, y1 = (int(v) for v in box)
    except (TypeError, ValueError):
        raise TypeError(f"box: expected (x0, y0, x1, y1) integers, got {box!r}") from None
    if not (0 <= x0 <= x1 <= w and 0 <= y0 <= y1 <= h):
        raise ValueError(f"box: ({x0}, {y0}, {x1}, {y1}) is not a box within the {h}x{w} frame")
    return x0, y0, x1, y1
