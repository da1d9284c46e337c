"""How the photo lights the mouth's inside: the face's skin tone (the light its teeth, tongue and
back get), the photo's colour (a black-and-white portrait gets a grey mouth: in_photo_colour)
and its black level (a soft, low-contrast photo gets no blacker a mouth than it shows elsewhere
on the face: black_level, lift_blacks). Read from the photo and its texture; no mouth geometry.
"""
from __future__ import annotations

import numpy as np

from ..complete import LUMA

__all__ = ["skin_tone", "in_photo_colour", "black_level", "lift_blacks"]


def skin_tone(uv: np.ndarray, coverage: np.ndarray) -> np.ndarray:
    """[3] median colour of a face's texture over the layout's coverage (the light the mouth gets)."""
    px = np.asarray(uv, np.float32)[np.asarray(coverage, bool)]
    return np.median(px, axis=0).astype(np.float32) if len(px) else np.full(3, 0.6, np.float32)


# a face whose skin's chroma (its median's max - min channel) reaches this is in colour: the drawn
# inside keeps its colours; below, they fade to grey with it (a greyscale portrait: 0; the
# repository's colour photos' faces: 0.12-0.48)
SKIN_CHROMA_FULL = 0.06


def in_photo_colour(rgb: np.ndarray, skin: np.ndarray) -> np.ndarray:
    """rgb [...,3] with its chroma scaled to the photo's: as it is for a face in colour (the same
    array), grey at its own luma for a greyscale photo (skin [3] with equal channels), between
    for a nearly grey one. The drawn inside of the mouth (red-brown back, pink tongue) and the
    weight-free cavity otherwise put the only colour into a black-and-white portrait."""
    skin = np.asarray(skin, np.float32)
    colour = float(np.clip((skin.max() - skin.min()) / SKIN_CHROMA_FULL, 0.0, 1.0))
    if colour >= 1.0:
        return rgb
    rgb = np.asarray(rgb, np.float32)
    luma = (rgb @ LUMA)[..., None]
    return (luma + np.float32(colour) * (rgb - luma)).astype(np.float32)


# a face's black: this percentile of its luma; above BLACK_FREE it lifts the generic card's darks
BLACK_FREE, BLACK_GAIN, BLACK_PERCENTILE = 0.15, 2.0, 0.5


def black_level(image: np.ndarray, vertices: np.ndarray) -> float:
    """The darkest luma (0..1) a photo [H,W,3] uint8 shows on a face (vertices [468,>=2] px): the
    BLACK_PERCENTILE of the pixels inside their hull (pupils, nostrils, the lip line)."""
    import cv2

    v = np.asarray(vertices, np.float64)[:, :2]
    h, w = image.shape[:2]
    x0, y0 = np.clip(np.floor(v.min(0)).astype(int), 0, [w - 1, h - 1])
    x1, y1 = np.clip(np.ceil(v.max(0)).astype(int) + 1, 1, [w, h])
    inside = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(inside, [cv2.convexHull((v - [x0, y0]).astype(np.float32)).astype(np.int32)], 1)
    px = image[y0:y1, x0:x1][inside > 0]
    return float(np.percentile(px.astype(np.float32) @ LUMA, BLACK_PERCENTILE) / 255.0) if len(px) else 0.0


def lift_blacks(card: np.ndarray, black: float, skin: np.ndarray) -> np.ndarray:
    """A generic card [...,3] with its darks lifted by how far a photo's black level (black_level)
    lies above BLACK_FREE: in a soft, low-contrast photo (the small faces of a group photo, blacks
    at 0.18-0.27) nothing on a face is near black, and a black mouth reads as a hole cut into it;
    a photo with real blacks (0.07-0.14 on the repository's portraits) keeps the card as it is.
    Lifted towards the skin's hue, the whites kept."""
    floor = BLACK_GAIN * max(float(black) - BLACK_FREE, 0.0)
    if floor <= 0:
        return card
    tint = np.asarray(skin, np.float32) / max(float(np.asarray(skin, np.float32) @ LUMA), 1e-6)
    return np.clip(card + floor * tint * (1 - card), 0.0, 1.0).astype(np.float32)
