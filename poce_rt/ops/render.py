"""render: UV texture + posed mesh -> image-space colour and coverage (POCE Eq. 16)."""
from __future__ import annotations

import numpy as np

from ._arrays import check, check_size, check_tris, cuda_native, native, on_gpu, ptr, stream_handle
from .uv_layout import UVLayout


def render(texture, verts, tris, uvs, height: int, width: int, stream=None):
    """Render a textured mesh.

    Args:
        texture: [S,S,C] float32 UV texture (texel centres at (i + 0.5) / S, v down).
        verts: [N,3] float32 posed vertices (x, y px; depth, smaller = nearer).
        tris: [F,3] int32.
        uvs: [N,2] float32 per-vertex UVs, or a UVLayout (its uvs are used).
        height, width: output size.

    Returns:
        rgb [H,W,C] float32 and alpha [H,W] float32 coverage in [0,1] (4 sub-samples per pixel, so
        silhouette edges are antialiased).
    """
    if isinstance(uvs, UVLayout):
        uvs = uvs.uvs
    gpu = on_gpu(texture, verts, tris, uvs)
    texture = check("texture", texture, np.float32, (None, None, None), gpu)
    if texture.shape[0] != texture.shape[1] or texture.shape[0] == 0 or texture.shape[2] == 0:
        raise ValueError(f"texture: expected a square [S,S,C] map, got {list(texture.shape)}")
    verts = check("verts", verts, np.float32, (None, 3), gpu)
    tris = check("tris", tris, np.int32, (None, 3), gpu)
    uvs = check("uvs", uvs, np.float32, (len(verts), 2), gpu)
    check_size(height, width)
    check_tris(tris, len(verts))
    if not gpu:
        return native().render(texture, verts, tris, uvs, int(height), int(width))
    import cupy as cp

    C = cuda_native()
    s, ch = texture.shape[0], texture.shape[2]
    zbuf = cp.empty((height, width), cp.uint64)
    tri_id = cp.empty((height, width), cp.int32)
    bary = cp.empty((height, width, 3), cp.float32)
    depth = cp.empty((height, width), cp.float32)
    rgb = cp.empty((height, width, ch), cp.float32)
    alpha = cp.empty((height, width), cp.float32)
    C.render_cuda(ptr(texture), s, ch, ptr(verts), len(verts), ptr(tris), len(tris), ptr(uvs), height,
                  width, ptr(zbuf), ptr(tri_id), ptr(bary), ptr(depth), ptr(rgb), ptr(alpha),
                  stream_handle(stream))
    return rgb, alpha
