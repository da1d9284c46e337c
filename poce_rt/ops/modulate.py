"""modulate: fused instance normalisation + spatial modulation (POCE Eq. 7)."""
from __future__ import annotations

import numpy as np

from ._arrays import on_stream, ptr, stream_handle
from ._declare import Arg, Op

OP = Op("modulate", "modulate_cuda",
        Arg("x", np.float32, ("N", "C", "H", "W")),
        Arg("gamma", np.float32, ("N", "C", "H", "W")),
        Arg("beta", np.float32, ("N", "C", "H", "W")))


def modulate(x, gamma, beta, eps: float = 1e-5, stream=None):
    """out = gamma * (x - mean) / sqrt(var + eps) + beta, statistics per (n, c) plane.

    Args:
        x, gamma, beta: [N,C,H,W] float32 (gamma and beta as large as the feature map).
        eps: added to the (biased) variance, as torch.nn.InstanceNorm2d does.

    Returns:
        [N,C,H,W] float32.
    """
    a = OP.check(x=x, gamma=gamma, beta=beta)
    if not (eps > 0):
        raise ValueError(f"eps must be > 0, got {eps}")

    def cuda(kernel):
        import cupy as cp

        n, c, h, w = a.x.shape
        with on_stream(stream):  # allocate where the kernel runs
            out = cp.empty_like(a.x)
            kernel(ptr(a.x), ptr(a.gamma), ptr(a.beta), n * c, h * w, float(eps), ptr(out), stream_handle(stream))
        return out

    return OP.run(a, lambda kernel: kernel(a.x, a.gamma, a.beta, float(eps)), cuda)
