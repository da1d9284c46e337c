"""modulate: fused instance normalisation + spatial modulation (POCE Eq. 7)."""
from __future__ import annotations

import numpy as np

from ._arrays import check, cuda_native, native, on_gpu, on_stream, ptr, stream_handle


def modulate(x, gamma, beta, eps: float = 1e-5, stream=None):
    """out = gamma * (x - mean) / sqrt(var + eps) + beta, statistics per (n, c) plane.

    Args:
        x, gamma, beta: [N,C,H,W] float32 (gamma and beta as large as the feature map).
        eps: added to the (biased) variance, as torch.nn.InstanceNorm2d does.

    Returns:
        [N,C,H,W] float32.
    """
    gpu = on_gpu(x, gamma, beta)
    x = check("x", x, np.float32, (None, None, None, None), gpu)
    gamma = check("gamma", gamma, np.float32, tuple(x.shape), gpu)
    beta = check("beta", beta, np.float32, tuple(x.shape), gpu)
    if not (eps > 0):
        raise ValueError(f"eps must be > 0, got {eps}")
    if not gpu:
        return native().modulate(x, gamma, beta, float(eps))
    import cupy as cp

    n, c, h, w = x.shape
    with on_stream(stream):  # allocate where the kernel runs
        out = cp.empty_like(x)
        cuda_native().modulate_cuda(ptr(x), ptr(gamma), ptr(beta), n * c, h * w, float(eps), ptr(out),
                                    stream_handle(stream))
    return out
