"""composite: blend the rendered face back into the frame with a feathered alpha."""
from __future__ import annotations

import numpy as np

from ._arrays import (Workspace, check, check_out, check_size, cuda_native, native, on_gpu, on_stream, ptr,
                      stream_handle)


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
    gpu = on_gpu(frame, rgb, alpha)
    frame = check("frame", frame, np.uint8, (None, None, 3), gpu)
    h, w = frame.shape[:2]
    check_size(h, w)
    rgb = check("rgb", rgb, np.float32, (h, w, 3), gpu)
    alpha = check("alpha", alpha, np.float32, (h, w), gpu)
    if not (0 <= int(feather_px) <= 4096):
        raise ValueError(f"feather_px must be in 0..4096, got {feather_px}")
    out = check_out("out", out, np.uint8, (h, w, 3), gpu)
    if not gpu:
        return native().composite(frame, rgb, alpha, int(feather_px), out)
    import cupy as cp

    with on_stream(stream):  # allocate where the kernel runs: the pool reuses a block in that order
        work = (workspace or Workspace(gpu=True)).take("composite.work", (2, h, w), cp.float32)
        out = cp.empty_like(frame) if out is None else out
        cuda_native().composite_cuda(ptr(frame), ptr(rgb), ptr(alpha), h, w, int(feather_px), ptr(work),
                                     ptr(out), stream_handle(stream))
    return out
