"""Brute-force rasterizer: every triangle against every pixel centre of its bounding box."""
from __future__ import annotations

import numpy as np


def edge_distance(verts, tris, tri_id, height, width):
    """[H,W] distance in pixels from each pixel centre to the nearest edge of its triangle
    (inf where empty). Tests use it to skip pixels whose centre sits on an edge."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64) + 0.5
    out = np.full((height, width), np.inf)
    covered = tri_id >= 0
    t = tri_id[covered]
    p = np.stack([xs[covered], ys[covered]], -1)
    v = verts[tris[t]][..., :2].astype(np.float64)  # [K,3,2]
    d = np.full(len(t), np.inf)
    for a, b in ((0, 1), (1, 2), (2, 0)):
        e = v[:, b] - v[:, a]
        length = np.linalg.norm(e, axis=-1) + 1e-30
        cross = e[:, 0] * (p[:, 1] - v[:, a, 1]) - e[:, 1] * (p[:, 0] - v[:, a, 0])
        d = np.minimum(d, np.abs(cross) / length)
    out[covered] = d
    return out


def rasterize_ref(verts, tris, height, width):
    """Same contract as poce_rt.ops.rasterize, in float64 NumPy: returns tri_id, bary, depth."""
    verts = np.asarray(verts, np.float64)
    tri_id = np.full((height, width), -1, np.int32)
    bary = np.zeros((height, width, 3), np.float32)
    depth = np.full((height, width), np.inf, np.float64)
    for t, (i0, i1, i2) in enumerate(np.asarray(tris)):
        if min(i0, i1, i2) < 0 or max(i0, i1, i2) >= len(verts):
            continue
        a, b, c = verts[i0], verts[i1], verts[i2]
        if not np.isfinite([a, b, c]).all():
            continue
        area = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        if area == 0:
            continue
        x0 = max(0, int(np.ceil(min(a[0], b[0], c[0]) - 0.5)))
        x1 = min(width - 1, int(np.floor(max(a[0], b[0], c[0]) - 0.5)))
        y0 = max(0, int(np.ceil(min(a[1], b[1], c[1]) - 0.5)))
        y1 = min(height - 1, int(np.floor(max(a[1], b[1], c[1]) - 0.5)))
        if x0 > x1 or y0 > y1:
            continue
        ys, xs = np.mgrid[y0:y1 + 1, x0:x1 + 1] + 0.5
        w0 = ((c[0] - b[0]) * (ys - b[1]) - (c[1] - b[1]) * (xs - b[0])) / area
        w1 = ((a[0] - c[0]) * (ys - c[1]) - (a[1] - c[1]) * (xs - c[0])) / area
        w2 = ((b[0] - a[0]) * (ys - a[1]) - (b[1] - a[1]) * (xs - a[0])) / area
        inside = (w0 >= 0) & (w1 >= 0) & (w2 >= 0)
        z = w0 * a[2] + w1 * b[2] + w2 * c[2]
        win = inside & (z < depth[y0:y1 + 1, x0:x1 + 1])  # strict: the lower id keeps ties
        depth[y0:y1 + 1, x0:x1 + 1][win] = z[win]
        tri_id[y0:y1 + 1, x0:x1 + 1][win] = t
        bary[y0:y1 + 1, x0:x1 + 1][win] = np.stack([w0, w1, w2], -1)[win]
    return tri_id, bary, depth.astype(np.float32)
