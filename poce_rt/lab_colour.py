"""Colour arithmetic in CIE Lab that the photo's colour classes (poce_rt.colour_classes) and their
readers share: the conversion (lab), robust statistics of a set of colours (robust_colour),
distances to the skin's colour and to the backdrop's (skin_distance, backdrop_distance) or to
their mixes across the silhouette (segment_distance), and what shading leaves of a colour: its
hue at a common lightness (hue) and its chromaticity (chromaticity). Plain arrays in, plain
arrays out: no photo, no face.
"""
from __future__ import annotations

import cv2
import numpy as np

CHROMA_AT = 50.0        # hue, accessories.skin_features: a and b as at this lightness ...
CHROMA_FLOOR = 20.0     # ... from a lightness of at least this (a dark texel's hue is noise)


def lab(rgb: np.ndarray) -> np.ndarray:
    """[...,3] RGB in [0,1] -> [...,3] float32 CIE Lab (L 0-100)."""
    a = np.ascontiguousarray(np.asarray(rgb, np.float32).reshape(-1, 1, 3))
    return cv2.cvtColor(a, cv2.COLOR_RGB2Lab).reshape(np.shape(rgb))


def robust_colour(colours: np.ndarray, spread_min) -> tuple[np.ndarray, np.ndarray]:
    """[N,3] Lab colours -> (median [3], spread [3]): their median and robust spread (1.4826 x the
    median absolute deviation), floored at spread_min ([3]): the robust Lab statistics of skin
    (photo_skin, texel_skin) and hair (hair_reach)."""
    med = np.median(colours, 0)
    return med, np.maximum(1.4826 * np.median(np.abs(colours - med), 0), spread_min)


def skin_distance(colours: np.ndarray, skin) -> np.ndarray:
    """[...,3] Lab colours -> [...] float32: the robust distance of each from the skin's colour
    (skin: (median, spread), photo_skin's or texel_skin's), in spreads: SKIN_D weighs it."""
    med, spread = skin
    return np.sqrt((((np.asarray(colours, np.float32) - med) / spread) ** 2).sum(-1))


def backdrop_distance(colours: np.ndarray, backdrop: np.ndarray) -> np.ndarray:
    """[...,3] float32 Lab colours -> [...] float32 Lab distance of each to the nearest of backdrop
    [K,3] Lab (backdrop_colours'): what hair_like, backdrop_reach and face_colours.backdrop_like
    weigh against BACKDROP_D. Channel by channel (a broadcast over [...,K,3] cost ~20x on a
    frame loop's strip)."""
    c = np.asarray(colours, np.float32)
    flat = c.reshape(-1, 3)
    x, y, z = (np.ascontiguousarray(flat[:, i]) for i in range(3))
    d2 = np.full(len(flat), np.inf, np.float32)
    for b in np.asarray(backdrop, np.float32):
        np.minimum(d2, (x - b[0]) ** 2 + (y - b[1]) ** 2 + (z - b[2]) ** 2, out=d2)
    return np.sqrt(d2).reshape(c.shape[:-1])


def segment_distance(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """[N,3] points, one point a [3], [K,3] points b -> [N] distance from each x to the nearest of
    the K segments a-b (the colours a texel mixing a and b across the silhouette can take)."""
    d = b - a                                                     # [K,3]
    t = np.clip(((x[:, None, :] - a) * d).sum(-1) / np.maximum((d * d).sum(-1), 1e-6), 0.0, 1.0)
    return np.sqrt(((x[:, None, :] - a - t[..., None] * d) ** 2).sum(-1)).min(1)


def hue(colours: np.ndarray) -> np.ndarray:
    """[...,3] Lab colours -> [...,2] float32: a and b scaled to a common lightness
    (CHROMA_AT, from CHROMA_FLOOR, as accessories.skin_features scales them): what a shadow leaves of
    a colour."""
    c = np.asarray(colours, np.float32)
    return c[..., 1:] * (np.float32(CHROMA_AT) / np.maximum(c[..., :1], np.float32(CHROMA_FLOOR)))


def chromaticity(rgb: np.ndarray) -> np.ndarray:
    """[...,3] RGB -> [...,3] float32: each channel's share of their sum (what shading leaves)."""
    c = np.asarray(rgb, np.float32)
    return c / np.maximum(c.sum(-1, keepdims=True), np.float32(1e-3))
