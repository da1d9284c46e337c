import numpy as np


def adaptive_max_pool_ref(mask, h, w):
    """[N,Hm,Wm] -> [N,h,w] with torch's adaptive pooling windows."""
    n, hm, wm = mask.shape
    out = np.empty((n, h, w), mask.dtype)
    for i in range(h):
        r0, r1 = (i * hm) // h, -((-(i + 1) * hm) // h)
        for j in range(w):
            c0, c1 = (j * wm) // w, -((-(j + 1) * wm) // w)
            out[:, i, j] = mask[:, r0:r1, c0:c1].max(axis=(1, 2))
    return out


def transfer_ref(e_src, e_ref, mask):
    """Eq. 8: m * e_ref + (1 - m) * e_src with the mask max-pooled to the embedding's size."""
    n, c, h, w = e_src.shape
    if mask.ndim == 2:
        mask = np.broadcast_to(mask, (n,) + mask.shape)
    m = adaptive_max_pool_ref(mask.reshape(n, *mask.shape[-2:]), h, w)[:, None]
    return (m * e_ref + (1 - m) * e_src).astype(np.float32)
