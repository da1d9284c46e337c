"""crop: batch crop-and-resize of boxes (ROI-align style bilinear), on the CPU or the GPU.

One kernel serves three uses: axis-aligned boxes (Cascade EF-GAN's eye, nose and mouth patches),
a rotated, scaled face crop aligned from landmarks (poce_rt.systems.crop) and the inverse warp
that pastes an edited crop back into the frame. Each is an affine map `theta` [2,3] from output
pixel coordinates to input pixel coordinates (pixel centres at i + 0.5).
"""
from __future__ import annotations

import math

import numpy as np

from ._arrays import is_device_array, on_stream, ptr, stream_handle, to_host
from ._declare import Arg, Op

OP_U8 = Op("crop", "crop_cuda", Arg("image", np.uint8, ("H", "W", "C")),
           Arg("theta", np.float32, ("B", 2, 3)), sizes=("H", "W"))
OP_F32 = Op("crop", "crop_cuda", Arg("image", np.float32, ("H", "W", "C")),
            Arg("theta", np.float32, ("B", 2, 3)), sizes=("H", "W"))


def box_theta(boxes, out_h: int, out_w: int) -> np.ndarray:
    """[B,4] boxes (x0, y0, x1, y1) in input pixels -> [B,2,3] float32 maps for an out_h x out_w crop."""
    b = np.asarray(boxes, np.float64).reshape(-1, 4)
    theta = np.zeros((len(b), 2, 3), np.float32)
    theta[:, 0, 0] = (b[:, 2] - b[:, 0]) / out_w
    theta[:, 0, 2] = b[:, 0]
    theta[:, 1, 1] = (b[:, 3] - b[:, 1]) / out_h
    theta[:, 1, 2] = b[:, 1]
    return theta


def default_samples(theta) -> int:
    """ROI-align's adaptive sampling ratio: about one sample per input pixel a bin covers (so a
    downscale averages instead of aliasing), at least 1, at most 8."""
    t = np.asarray(theta, np.float64).reshape(-1, 2, 3)
    if not len(t):
        return 1
    scale = float(np.nan_to_num(np.abs(t[:, :, :2]).sum(axis=1), nan=1.0, posinf=8.0).max())
    return int(min(8, max(1, math.ceil(scale))))


def crop(image, theta=None, size=None, *, boxes=None, samples: int | None = None, stream=None):
    """Crop-and-resize `image` at B maps (or boxes) -> [B,OH,OW,C] float32.

    Args:
        image: [H,W,C] uint8 (read as value / 255) or float32, NumPy or CuPy.
        theta: [B,2,3] float32 maps from output pixel coordinates to input ones (or give `boxes`).
        size: (OH, OW) of every crop.
        boxes: [B,4] (x0, y0, x1, y1) input-pixel boxes, instead of `theta` (NumPy on the host).
        samples: bilinear samples per output pixel side (None: `default_samples`).
        stream: CUDA stream for device arrays.

    Samples outside the image read 0. Returns float32 [B,OH,OW,C] on the image's device.
    """
    if size is None:
        raise TypeError("crop: size=(out_h, out_w) is required")
    oh, ow = (int(s) for s in size)
    if (theta is None) == (boxes is None):
        raise TypeError("crop: give exactly one of theta or boxes")
    if boxes is not None:
        theta = box_theta(boxes, oh, ow)
    dtype = getattr(image, "dtype", None)
    op = OP_U8 if dtype == np.uint8 else OP_F32
    if dtype is not None and dtype != np.uint8 and dtype != np.float32:
        raise TypeError(f"image: expected dtype uint8 or float32, got {dtype}")
    if is_device_array(image) and not is_device_array(theta):
        import cupy as cp

        theta = cp.asarray(np.ascontiguousarray(theta, np.float32))
    a = op.check(image=image, theta=theta)
    if not (1 <= oh <= 16384 and 1 <= ow <= 16384):
        raise ValueError(f"crop: size must be in 1..16384, got {oh}x{ow}")
    if samples is None:
        samples = default_samples(to_host(a.theta))
    if not 1 <= int(samples) <= 64:
        raise ValueError(f"crop: samples must be in 1..64, got {samples}")
    h, w, c = a.image.shape
    b = a.theta.shape[0]

    def cuda(kernel):
        import cupy as cp

        with on_stream(stream):
            out = cp.empty((b, oh, ow, c), cp.float32)
            kernel(ptr(a.image), a.image.dtype == np.uint8, h, w, c, ptr(a.theta), b, oh, ow, int(samples),
                   ptr(out), stream_handle(stream))
        return out

    return op.run(a, lambda kernel: kernel(a.image, a.theta, oh, ow, int(samples)), cuda)

