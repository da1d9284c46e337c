"""The photo read along rays (issue 15): straight rays of about a sample per pixel from one set
of photo positions to another (ray_points), the photo's Lab colours on them (ray_samples), and a
bilinear read of the photo at any number of positions (read_pixels). poce_rt.colour_classes reads
the head's hair beside the face on them, poce_rt.head_reach and poce_rt.silhouette how far the
head reaches, poce_rt.hair_beyond the hair past it, poce_rt.band_content what lies inside it, and
poce_rt.hair the hair beside each texel of the face's outline.
"""
from __future__ import annotations

import cv2
import numpy as np

from .lab_colour import lab

REMAP_ROW = 4096                 # ray_samples: samples per row of its read


def ray_points(start: np.ndarray, end: np.ndarray, shape):
    """Rays from start [K,2] to end [K,2] (photo pixels), about a sample per pixel, on a photo of
    shape (H, W, ...) -> (t [n] float64, each sample's share of the way; pts [K,n,2] float32;
    inside [K,n] bool, the samples on the photo; length [K] float64, each ray's in pixels)."""
    a, b = np.asarray(start, np.float64), np.asarray(end, np.float64)
    length = np.linalg.norm(b - a, axis=1)
    n = int(np.ceil(length.max())) + 2
    t = np.linspace(0.0, 1.0, n)
    pts = (a[:, None] + t[None, :, None] * (b - a)[:, None]).astype(np.float32)     # [K,n,2]
    h, w = shape[:2]
    inside = (pts[..., 0] >= 0) & (pts[..., 1] >= 0) & (pts[..., 0] <= w - 1) & (pts[..., 1] <= h - 1)
    return t, pts, inside, length


def ray_samples(image: np.ndarray, start: np.ndarray, end: np.ndarray):
    """The photo read along rays from start [K,2] to end [K,2] (photo pixels), about a sample per
    pixel: image [H,W,3] uint8 -> (t [n] float64, each sample's share of the way; colours [K,n,3]
    Lab; inside [K,n] bool, the samples on the photo; length [K] float64, each ray's in pixels).
    hair_reach's and backdrop_reach's reads."""
    t, pts, inside, length = ray_points(start, end, image.shape)
    px, _ = read_pixels(image, pts.reshape(-1, 2))
    return t, lab(px.reshape(pts.shape[:2] + (-1,))), inside, length


def read_pixels(image: np.ndarray, at: np.ndarray):
    """image [H,W,3] uint8 read (bilinear, the border replicated) at at [n,2] photo array positions
    (x, y) -> ([n,3] float32 RGB in [0,1], [n] bool: on the photo)."""
    h, w = image.shape[:2]
    on = (at[:, 0] >= 0) & (at[:, 1] >= 0) & (at[:, 0] <= w - 1) & (at[:, 1] <= h - 1)
    # read as rows of REMAP_ROW samples: remap takes maps of fewer than 32767 rows and columns
    # (hair_beside casts a ray from each of up to S*S texels)
    rows = -(-len(at) // REMAP_ROW)
    grid = np.zeros((rows * REMAP_ROW, 2), np.float32)
    grid[:len(at)] = at
    grid = grid.reshape(rows, REMAP_ROW, 2)
    px = cv2.remap(image, grid[..., 0], grid[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    px = px.reshape(-1, px.shape[-1])[:len(at), :3]
    return px.astype(np.float32) / 255.0, on
