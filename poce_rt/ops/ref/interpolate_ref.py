"""NumPy interpolate: gather the covered pixels' triangles and weight their vertex attributes."""
from __future__ import annotations

import numpy as np


def interpolate_ref(attr, tris, tri_id, bary):
    """Same contract as poce_rt.ops.interpolate (no box): out [H,W,C] float32, mask [H,W] float32."""
    attr = np.asarray(attr, np.float32)
    h, w = tri_id.shape
    out = np.zeros((h, w, attr.shape[1]), np.float32)
    cov = tri_id >= 0
    b = bary[cov].astype(np.float32)
    v = attr[np.asarray(tris)[tri_id[cov]]]  # [K,3,C]
    # The kernel's order of operations (b0*a0 + b1*a1) + b2*a2, in float32, so the two agree to the bit.
    out[cov] = b[:, 0:1] * v[:, 0] + b[:, 1:2] * v[:, 1] + b[:, 2:3] * v[:, 2]
    return out, cov.astype(np.float32)
