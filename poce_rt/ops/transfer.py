"""transfer: blend source and reference modulation parameters under a mask (POCE Eq. 8)."""
from __future__ import annotations

import numpy as np

from ._arrays import check, cuda_native, native, on_gpu, on_stream, ptr, stream_handle


def transfer(e_src, e_ref, mask, stream=None):
    """out = m * e_ref + (1 - m) * e_src, m = the mask adaptive-max-pooled to the embedding's size.

    Args:
        e_src, e_ref: [N,C,H,W] float32 embeddings or modulation parameters.
        mask: [Hm,Wm], [N,Hm,Wm] or [N,1,Hm,Wm] float32 in [0,1] (e.g. 256x256 on the UV layout),
            at least as large as H x W.

    Returns:
        [N,C,H,W] float32.
    """
    gpu = on_gpu(e_src, e_ref, mask)
    e_src = check("e_src", e_src, np.float32, (None, None, None, None), gpu)
    e_ref = check("e_ref", e_ref, np.float32, tuple(e_src.shape), gpu)
    n, c, h, w = e_src.shape
    xp = __import__("cupy") if gpu else np
    if not hasattr(mask, "ndim"):
        raise TypeError(f"mask: expected an array, got {type(mask).__name__}")
    if mask.ndim == 2:
        mask = check("mask", mask, np.float32, (None, None), gpu)
        with on_stream(stream if gpu else None):  # the broadcast copy is read by the kernel below
            mask = xp.ascontiguousarray(xp.broadcast_to(mask[None], (n,) + mask.shape))
    elif mask.ndim == 4:
        mask = check("mask", mask, np.float32, (n, 1, None, None), gpu).reshape(n, *mask.shape[2:])
    mask = check("mask", mask, np.float32, (n, None, None), gpu)
    if mask.shape[1] < h or mask.shape[2] < w:
        raise ValueError(f"mask: {mask.shape[1]}x{mask.shape[2]} is smaller than the embedding's {h}x{w}")
    if not gpu:
        return native().transfer(e_src, e_ref, mask)
    with on_stream(stream):  # allocate where the kernel runs
        out = xp.empty_like(e_src)
        cuda_native().transfer_cuda(ptr(e_src), ptr(e_ref), ptr(mask), n, c, h, w, mask.shape[1],
                                    mask.shape[2], ptr(out), stream_handle(stream))
    return out
