"""A seam metric: does the border of the re-rendered face show in the output? (issue 15, item 5)

A face drawn from its UV map is softer than the photo around it and its colours differ by a few
levels, so where the drawn face stops and the photo (or the warped ring) begins the output has a
step that the source does not: the "arc on the forehead". The step lies across the border, so
it shows as gradient of (output - source) normal to the border, in a thin band along it:

    seam_score = rms over the band of the normal derivative of (output - source)
                 / rms over the band of the source's own gradient magnitude

0 means the output meets the source along the border with no step; a visible arc scores ~0.2
and more on the repository's photos (measured in tests/test_seams.py and the README). Dividing by
the source's own texture makes the figure comparable between a smooth forehead and busy hair.
This judges seams where the geometry did not move (expression edits on a still head): under a
pose change the difference is large everywhere by design, so compare scores of the same edit.
"""
from __future__ import annotations

import cv2
import numpy as np

from .complete import LUMA

__all__ = ["boundary_band", "seam_score", "grey"]

BAND_PX = 3   # half-width of the band along the border


def grey(image: np.ndarray) -> np.ndarray:
    """[H,W,3] uint8 RGB (or [H,W]) -> [H,W] float32 luma in grey levels (0-255)."""
    a = np.asarray(image)
    if a.ndim == 2:
        return a.astype(np.float32)
    return (a[..., :3].astype(np.float32) @ LUMA)


def boundary_band(region: np.ndarray, width: int = BAND_PX):
    """region [H,W] bool (the drawn pixels) -> (band [H,W] bool, normals [H,W,2] float32 (x, y)).

    The band holds the pixels within `width` px of the region's border (both sides); the normal
    is the unit gradient of the smoothed region mask there (pointing into the region)."""
    r = np.asarray(region, bool).astype(np.uint8)
    k = np.ones((2 * width + 1, 2 * width + 1), np.uint8)
    band = (cv2.dilate(r, k) > 0) & (cv2.erode(r, k, borderType=cv2.BORDER_REPLICATE) == 0)
    smooth = cv2.GaussianBlur(r.astype(np.float32), (0, 0), max(1.0, width / 1.5))
    nx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3)
    ny = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3)
    norm = np.sqrt(nx * nx + ny * ny)
    band &= norm > 1e-4   # (a frame-filling region has no border inside the frame)
    n = np.stack([nx, ny], -1) / np.maximum(norm, 1e-6)[..., None]
    return band, n.astype(np.float32)


def seam_score(source: np.ndarray, output: np.ndarray, region: np.ndarray, width: int = BAND_PX) -> float:
    """The seam metric (module docstring) of `output` against `source` along the border of
    `region` ([H,W] bool, or a float map thresholded at 0.5, e.g. EditResult.alpha).
    source, output: [H,W,3] uint8 of the same size. Returns 0.0 when the region has no border."""
    src, out = grey(source), grey(output)
    if src.shape != out.shape:
        raise ValueError(f"source {src.shape} and output {out.shape} differ in size")
    region = np.asarray(region)
    if region.shape != src.shape:
        raise ValueError(f"region {region.shape} must be {src.shape}")
    band, n = boundary_band(region > 0.5 if region.dtype != bool else region, width)
    if not band.any():
        return 0.0
    d = out - src
    dx = cv2.Sobel(d, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    dy = cv2.Sobel(d, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    step = (dx * n[..., 0] + dy * n[..., 1])[band]
    sx = cv2.Sobel(src, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    sy = cv2.Sobel(src, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    texture = np.sqrt((sx * sx + sy * sy)[band].mean())
    return float(np.sqrt((step * step).mean()) / max(texture, 1.0))
