"""NumPy render: exact 4-sample coverage against every triangle (the kernel only looks at the
3x3 neighbourhood's triangles), colour from the triangle under the pixel centre."""
from __future__ import annotations

import numpy as np

from .rasterize_ref import rasterize_ref
from .sample_uv_ref import bilinear_ref

SUBSAMPLES = ((0.375, 0.125), (0.875, 0.375), (0.625, 0.875), (0.125, 0.625))


def render_ref(texture, verts, tris, uvs, height, width):
    tri_id, bary, _ = rasterize_ref(verts, tris, height, width)
    rgb = np.zeros((height, width, texture.shape[2]), np.float32)
    cov = tri_id >= 0
    t = tri_id[cov]
    uv = np.einsum("kj,kjc->kc", bary[cov], uvs[tris[t]])
    s = texture.shape[0]
    rgb[cov] = bilinear_ref(texture, uv[:, 0] * s, uv[:, 1] * s)
    alpha = np.zeros((height, width), np.float32)
    for ox, oy in SUBSAMPLES:
        # A sub-sample grid is a pixel-centre grid shifted by (ox - 0.5, oy - 0.5).
        shifted = verts.copy()
        shifted[:, 0] -= ox - 0.5
        shifted[:, 1] -= oy - 0.5
        alpha += 0.25 * (rasterize_ref(shifted, tris, height, width)[0] >= 0)
    return rgb, alpha


def coverage_ref(verts, tris, height, width):
    """[H,W] fraction of the 4 sub-samples of each pixel that some triangle covers (edges
    inclusive), as 4x MSAA counts coverage; vectorised over (triangle, pixel) pairs, so it stays
    fast on dense meshes where render_ref's per-triangle loop takes minutes."""
    v = np.asarray(verts, np.float64)[np.asarray(tris)]  # [F,3,3]
    v = v[np.isfinite(v).all(axis=(1, 2))]
    xy = v[..., :2]
    lo = np.clip(np.floor(xy.min(1)), 0, [width, height]).astype(np.int64)
    hi = np.clip(np.floor(xy.max(1)), -1, [width - 1, height - 1]).astype(np.int64)
    nx, ny = np.maximum(hi[:, 0] - lo[:, 0] + 1, 0), np.maximum(hi[:, 1] - lo[:, 1] + 1, 0)
    count = nx * ny
    f = np.repeat(np.arange(len(v)), count)  # one row per (triangle, pixel of its footprint box)
    k = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    px, py = lo[f, 0] + k % nx[f], lo[f, 1] + k // nx[f]
    a, b, c = xy[f, 0], xy[f, 1], xy[f, 2]
    area = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    covered = np.zeros((height, width, len(SUBSAMPLES)), bool)
    for s, (ox, oy) in enumerate(SUBSAMPLES):
        qx, qy = px + ox, py + oy
        w = [((q[:, 0] - p[:, 0]) * (qy - p[:, 1]) - (q[:, 1] - p[:, 1]) * (qx - p[:, 0])) * np.sign(area)
             for p, q in ((b, c), (c, a), (a, b))]
        inside = (w[0] >= 0) & (w[1] >= 0) & (w[2] >= 0) & (area != 0)
        covered[py[inside], px[inside], s] = True
    return covered.mean(-1).astype(np.float32)
