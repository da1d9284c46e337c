"""NumPy sample_uv: the same visibility rules as the kernel, vectorised over texels."""
from __future__ import annotations

import numpy as np

from .rasterize_ref import rasterize_ref


def bilinear_ref(img, x, y):
    """Bilinear read of [H,W,C] at pixel-centre coordinates (centre of pixel (i,j) = (j+.5, i+.5))."""
    h, w = img.shape[:2]
    fx = np.clip(x - 0.5, 0, w - 1)
    fy = np.clip(y - 0.5, 0, h - 1)
    x0 = np.floor(fx).astype(int)
    y0 = np.floor(fy).astype(int)
    x1 = np.minimum(x0 + 1, w - 1)
    y1 = np.minimum(y0 + 1, h - 1)
    ax = (fx - x0)[..., None]
    ay = (fy - y0)[..., None]
    img = img.astype(np.float32)
    top = img[y0, x0] * (1 - ax) + img[y0, x1] * ax
    bot = img[y1, x0] * (1 - ax) + img[y1, x1] * ax
    return top * (1 - ay) + bot * ay


def sample_uv_ref(image, verts, tris, layout, depth_tol, raster=None):
    """Returns uv [S,S,3] in [0,1] and mask [S,S]; `raster` = (tri_id, bary, depth) to reuse."""
    h, w = image.shape[:2]
    tri_id, _, depth = raster if raster is not None else rasterize_ref(verts, tris, h, w)
    s = layout.size
    uv = np.zeros((s, s, 3), np.float32)
    mask = np.zeros((s, s), np.float32)
    t = layout.tri_id.reshape(-1)
    k = np.nonzero(t >= 0)[0]
    t = t[k]
    b = layout.bary.reshape(-1, 3)[k]
    p = np.einsum("kj,kjc->kc", b, verts[tris[t]])
    v = verts[tris[t]][..., :2]
    u = layout.uvs[tris[t]]

    def area(q):
        return (q[:, 1, 0] - q[:, 0, 0]) * (q[:, 2, 1] - q[:, 0, 1]) - (q[:, 1, 1] - q[:, 0, 1]) * (q[:, 2, 0] - q[:, 0, 0])

    ok = np.isfinite(p).all(1) & (p[:, 0] >= 0) & (p[:, 1] >= 0) & (p[:, 0] < w) & (p[:, 1] < h)
    ok &= area(v) * area(u) > 0
    ix = np.clip(p[:, 0].astype(int), 0, w - 1)
    iy = np.clip(p[:, 1].astype(int), 0, h - 1)
    ok &= (tri_id[iy, ix] == t) | (p[:, 2] <= depth[iy, ix] + depth_tol)
    col = bilinear_ref(image, p[:, 0], p[:, 1]) / 255.0
    kk = k[ok]
    uv.reshape(-1, 3)[kk] = col[ok]
    mask.reshape(-1)[kk] = 1.0
    return uv, mask
