"""transfer: blend source and reference modulation parameters under a mask (POCE Eq. 8)."""
from __future__ import annotations

import numpy as np

from ._arrays import on_gpu, on_stream, ptr, stream_handle
from ._declare import Arg, Op

OP = Op("transfer", "transfer_cuda",
        Arg("e_src", np.float32, ("N", "C", "H", "W")),
        Arg("e_ref", np.float32, ("N", "C", "H", "W")),
        Arg("mask", np.float32, ("N", None, None)))
# the mask's other accepted forms, brought to [N,Hm,Wm] before the check above
MASK_2D = Op("transfer", "transfer_cuda", Arg("mask", np.float32, (None, None)))
MASK_4D = Op("transfer", "transfer_cuda", Arg("mask", np.float32, ("N", 1, None, None)))


def transfer(e_src, e_ref, mask, stream=None):
    """out = m * e_ref + (1 - m) * e_src, m = the mask adaptive-max-pooled to the embedding's size.

    Args:
        e_src, e_ref: [N,C,H,W] float32 embeddings or modulation parameters.
        mask: [Hm,Wm], [N,Hm,Wm] or [N,1,Hm,Wm] float32 in [0,1] (e.g. 256x256 on the UV layout),
            at least as large as H x W.

    Returns:
        [N,C,H,W] float32.
    """
    a = OP.check(gpu=on_gpu(e_src, e_ref, mask), e_src=e_src, e_ref=e_ref)
    n, c, h, w = a.e_src.shape
    gpu = a.gpu
    xp = __import__("cupy") if gpu else np
    if not hasattr(mask, "ndim"):
        raise TypeError(f"mask: expected an array, got {type(mask).__name__}")
    if mask.ndim == 2:
        mask = MASK_2D.check(mask=mask, gpu=gpu).mask
        with on_stream(stream if gpu else None):  # the broadcast copy is read by the kernel below
            mask = xp.ascontiguousarray(xp.broadcast_to(mask[None], (n,) + mask.shape))
    elif mask.ndim == 4:
        mask = MASK_4D.check(a.dims, mask=mask, gpu=gpu).mask.reshape(n, *mask.shape[2:])
    mask = OP.check(a.dims, mask=mask, gpu=gpu).mask
    hm, wm = mask.shape[1:]
    if hm < h or wm < w:
        raise ValueError(f"mask: {hm}x{wm} is smaller than the embedding's {h}x{w}")

    def cuda(kernel):
        with on_stream(stream):  # allocate where the kernel runs
            out = xp.empty_like(a.e_src)
            kernel(ptr(a.e_src), ptr(a.e_ref), ptr(mask), n, c, h, w, hm, wm, ptr(out), stream_handle(stream))
        return out

    return OP.run(a, lambda kernel: kernel(a.e_src, a.e_ref, mask), cuda)
