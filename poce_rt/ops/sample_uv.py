"""sample_uv: image + posed mesh -> UV texture and visibility mask (POCE Eq. 15)."""
from __future__ import annotations

import numpy as np

from ._arrays import check_tris, on_stream, ptr, stream_handle
from ._declare import Arg, Op
from .uv_layout import UVLayout

OP = Op("sample_uv", "sample_uv_cuda",
        Arg("image", np.uint8, ("H", "W", 3)),
        Arg("verts", np.float32, (None, 3)),
        Arg("tris", np.int32, (None, 3)),
        sizes=("H", "W"))


def default_depth_tol(verts) -> float:
    """2% of the mesh's extent in the image: covers the depth slope inside one pixel."""
    xy = verts[:, :2]
    extent = float((xy.max(0) - xy.min(0)).max()) if len(verts) else 0.0
    return max(0.5, 0.02 * extent)


def sample_uv(image, verts, tris, layout: UVLayout, depth_tol: float | None = None, stream=None):
    """Sample the image into the UV layout where the surface is visible.

    Args:
        image: [H,W,3] uint8 RGB.
        verts: [N,3] float32 posed vertices (x, y px; depth, smaller = nearer).
        tris: [F,3] int32, the topology of `layout`.
        layout: UVLayout of the same mesh (size S).
        depth_tol: depth test tolerance in pixel units (default: 2% of the face's extent).

    Returns:
        uv [S,S,3] float32 in [0,1] (0 where not visible) and mask [S,S] float32 (1 = visible).

    A texel is visible when its surface point projects inside the image, its triangle faces the
    camera (same winding as in the UV layout), and the depth buffer holds that triangle or a depth
    no nearer than the point's own minus the tolerance. Colours are read bilinearly.
    """
    a = OP.check(image=image, verts=verts, tris=tris)
    h, w = a.dims["H"], a.dims["W"]
    verts, tris = a.verts, a.tris
    if len(tris) != len(layout.tris) or len(verts) != len(layout.uvs):
        raise ValueError(
            f"layout is for a mesh of {len(layout.uvs)} vertices / {len(layout.tris)} triangles, "
            f"got {len(verts)} / {len(tris)}")
    check_tris(tris, len(verts), stream)
    if depth_tol is None:
        depth_tol = default_depth_tol(verts)
    if not (np.isfinite(depth_tol) and depth_tol >= 0):   # NaN would make every test false
        raise ValueError(f"depth_tol must be finite and >= 0 (pixels), got {depth_tol}")

    def cuda(kernel):
        import cupy as cp

        s = layout.size
        with on_stream(stream):  # allocate where the kernel runs
            lay = layout.to_device()  # cached on the layout: no per-frame copy
            zbuf = cp.empty(h * w + 2, cp.uint64)  # + the mesh's box, computed on the device
            tri_id = cp.empty((h, w), cp.int32)
            bary = cp.empty((h, w, 3), cp.float32)
            depth = cp.empty((h, w), cp.float32)
            uv = cp.empty((s, s, 3), cp.float32)
            mask = cp.empty((s, s), cp.float32)
            kernel(ptr(a.image), h, w, ptr(verts), len(verts), ptr(tris), len(tris), ptr(lay.uvs), ptr(lay.tri_id),
                   ptr(lay.bary), s, float(depth_tol), ptr(zbuf), ptr(tri_id), ptr(bary), ptr(depth), ptr(uv),
                   ptr(mask), stream_handle(stream))
        return uv, mask

    return OP.run(a, lambda kernel: kernel(a.image, verts, tris, layout.uvs, layout.tri_id, layout.bary,
                                           float(depth_tol)), cuda)
