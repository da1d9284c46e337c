import numpy as np


def _box_mean(a, r, axis):
    """Mean over a (2r+1) window along `axis`, counting only samples inside the image."""
    n = a.shape[axis]
    c = np.cumsum(np.pad(np.moveaxis(a, axis, 0), [(1, 0)] + [(0, 0)] * (a.ndim - 1)), axis=0)
    i = np.arange(n)
    lo, hi = np.maximum(i - r, 0), np.minimum(i + r, n - 1)
    out = (c[hi + 1] - c[lo]) / (hi - lo + 1).reshape((-1,) + (1,) * (a.ndim - 1))
    return np.moveaxis(out, 0, axis)


def composite_ref(frame, rgb, alpha, feather_px=8):
    a = np.clip(np.nan_to_num(alpha, nan=0.0), 0, 1).astype(np.float64)
    if feather_px > 0:
        blurred = _box_mean(_box_mean(alpha.astype(np.float64), feather_px, 1), feather_px, 0)
        a = a * np.clip(2 * blurred - 1, 0, 1)
    out = frame * (1 - a[..., None]) + rgb * 255.0 * a[..., None]
    return np.floor(np.clip(out, 0, 255) + 0.5).astype(np.uint8)
