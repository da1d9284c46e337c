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
