"""What the ring's texture holds beyond the photo's border (poce_rt.ring_photo.photo_texture): the
photo's own pixels along that border, carried straight out across it and smoothed along it the
more the further out (border_fill). A face cut by the border continues past it as what the border
shows: Tom_Hanks_54745.png, cut through his dark hair and shadowed cheek (18 levels on average
along the left border), turned +25 draws up to 14 px past that border beside his temple; a fill
push-pulled from the photo around it reached 16-32 px in, to his lit forehead, and drew a grey
hood there (28-55 levels, 42.7 on average), the border's own pixels a dark seam along the curve
where the photo's edge now lies (at -25 a pale patch of 48-60 levels by his jaw at that border).
Smoothing along the border keeps single border pixels from being drawn as streaks (plain edge
replication drew an arc of them).
"""
from __future__ import annotations

import cv2
import numpy as np

BORDER_DEPTH = 2      # known texels in from the edge averaged into the border's colour
FILL_SIGMA0 = 1.5     # px: the smoothing along the border just past it...
FILL_SPREAD = 0.5     # ... growing by this many px for each px further out
LEVEL_STEP = 2.0      # the smoothing is worked out at sigmas FILL_SIGMA0 * LEVEL_STEP**k, read between


def border_fill(texture: np.ndarray, rect) -> np.ndarray:
    """[S,S',3] float32 texture whose texels inside rect (c0, r0, c1, r1: columns c0..c1-1, rows
    r0..r1-1, not empty) are known -> [S,S',3] float32: those kept, each texel outside them the
    colour of the rect's edge where it is nearest, smoothed along that edge by a Gaussian of
    FILL_SIGMA0 + FILL_SPREAD * its distance (px) from the rect; past a corner the two edges' ends,
    averaged."""
    c0, r0, c1, r1 = (int(v) for v in rect)
    h, w = texture.shape[:2]
    out = texture.astype(np.float32, copy=True)
    if c0 <= 0 and r0 <= 0 and c1 >= w and r1 >= h:
        return out
    top = int(np.ceil(_level(np.hypot(max(c0, w - c1), max(r0, h - r1)))))
    dx, dy = min(BORDER_DEPTH, c1 - c0), min(BORDER_DEPTH, r1 - r0)
    left, right = (_stack(texture[r0:r1, a:a + dx].mean(1), top) for a in (c0, c1 - dx))
    upper, lower = (_stack(texture[a:a + dy, c0:c1].mean(0), top) for a in (r0, r1 - dy))
    before_c, after_c = np.arange(c0, 0, -1), np.arange(1, w - c1 + 1)   # px past each edge, outwards
    before_r, after_r = np.arange(r0, 0, -1), np.arange(1, h - r1 + 1)
    out[r0:r1, :c0] = _read(left, before_c).transpose(1, 0, 2)
    out[r0:r1, c1:] = _read(right, after_c).transpose(1, 0, 2)
    out[:r0, c0:c1] = _read(upper, before_r)
    out[r1:, c0:c1] = _read(lower, after_r)
    for rows, cols, vertical, horizontal in (
            (slice(0, r0), slice(0, c0), (left, 0, before_c), (upper, 0, before_r)),
            (slice(0, r0), slice(c1, w), (right, 0, after_c), (upper, -1, before_r)),
            (slice(r1, h), slice(0, c0), (left, -1, before_c), (lower, 0, after_r)),
            (slice(r1, h), slice(c1, w), (right, -1, after_c), (lower, -1, after_r))):
        dist = np.hypot(vertical[2][None, :], horizontal[2][:, None])
        if dist.size:
            out[rows, cols] = 0.5 * (_read(vertical[0][:, vertical[1]], dist) +
                                     _read(horizontal[0][:, horizontal[1]], dist))
    return out


def _level(dist):
    """The smoothing of texels dist px past the rect as a fractional level k of the sigmas
    FILL_SIGMA0 * LEVEL_STEP**k."""
    sigma = FILL_SIGMA0 + FILL_SPREAD * np.asarray(dist, np.float32)
    return np.log(sigma / FILL_SIGMA0) / np.float32(np.log(LEVEL_STEP))


def _stack(edge: np.ndarray, top: int) -> np.ndarray:
    """edge [n,3] colours along a border -> [top+1,n,3] float32 smoothed along it at each level's
    sigma."""
    return np.stack([_gauss_1d(edge, FILL_SIGMA0 * LEVEL_STEP ** k) for k in range(top + 1)])


def _read(stack: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """stack [L,...] (_stack's) read at the levels of distances dist [...] px past the rect,
    linear between the two levels about each -> dist.shape + stack.shape[1:]."""
    level = np.clip(_level(dist), 0, len(stack) - 1)
    k0 = np.floor(level).astype(int)
    k1 = np.minimum(k0 + 1, len(stack) - 1)
    f = (level - k0).astype(np.float32).reshape(level.shape + (1,) * (stack.ndim - 1))
    return stack[k0] * (1.0 - f) + stack[k1] * f


def _gauss_1d(edge: np.ndarray, sigma: float) -> np.ndarray:
    """[n,3] colours along a border smoothed by a Gaussian of sigma px (its ends held)."""
    radius = int(np.ceil(3.0 * sigma))
    col = np.ascontiguousarray(edge, np.float32)[:, None, :]
    blurred = cv2.GaussianBlur(col, (1, 2 * radius + 1), 0, sigmaY=sigma, borderType=cv2.BORDER_REPLICATE)
    return blurred.reshape(edge.shape).astype(np.float32)
