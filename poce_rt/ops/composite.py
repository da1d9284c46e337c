"""composite: blend the rendered face back into the frame with a feathered alpha."""
from __future__ import annotations

import numpy as np

from ._arrays import Workspace, on_stream, ptr, stream_handle
from ._declare import Arg, Op

OP = Op("composite", "composite_cuda",
        Arg("frame", np.uint8, ("H", "W", 3)),
        Arg("rgb", np.float32, ("H", "W", 3)),
        Arg("alpha", np.float32, ("H", "W")),
        Arg("out", np.uint8, ("H", "W", 3), out=True),
        sizes=("H", "W"))


def composite(frame, rgb, alpha, feather_px: int = 8, stream=None, out=None,
              workspace: Workspace | None = None):
    """out = frame * (1 - a) + rgb * 255 * a, a = alpha feathered over `feather_px` pixels inward.

    Args:
        frame: [H,W,3] uint8 RGB.
        rgb: [H,W,3] float32 in [0,1] (the render).
        alpha: [H,W] float32 coverage in [0,1].
        feather_px: width of the soft edge, inside the coverage (0 = plain alpha blend).
        stream: CUDA stream for device arrays (None = CuPy's current).
        out: optional [H,W,3] uint8 buffer on the inputs' device, written in place and returned;
            it may be `frame` itself (each pixel reads only its own frame pixel).
        workspace: optional Workspace for the GPU blur temporaries; unused on the CPU.

    Returns:
        [H,W,3] uint8.
    """
    a = OP.check(frame=frame, rgb=rgb, alpha=alpha)
    h, w = a.dims["H"], a.dims["W"]
    if not (0 <= int(feather_px) <= 4096):
        raise ValueError(f"feather_px must be in 0..4096, got {feather_px}")
    out = OP.check(a.dims, gpu=a.gpu, out=out).out

    def cuda(kernel):
        import cupy as cp

        with on_stream(stream):  # allocate where the kernel runs: the pool reuses a block in that order
            work = (workspace or Workspace(gpu=True)).take("composite.work", (2, h, w), cp.float32)
            res = cp.empty_like(a.frame) if out is None else out
            kernel(ptr(a.frame), ptr(a.rgb), ptr(a.alpha), h, w, int(feather_px), ptr(work), ptr(res),
                   stream_handle(stream))
        return res

    return OP.run(a, lambda kernel: kernel(a.frame, a.rgb, a.alpha, int(feather_px), out), cuda)
