"""Named facial-region masks on the canonical UV layout and user mask images (numpy + cv2 only).

Used by feature transfer (POCE Eq. 8, Fig. 7): 1 = take the reference's modulation parameters.
Masks are float32 [S,S] in [0,1] on the UV layout of ``poce_rt.facemodel`` (v downwards, texel
(i, j) centred at ((j+0.5)/S, (i+0.5)/S)).

Regions are the convex hulls of MediaPipe's landmark index groups (``FaceLandmarksConnections``:
FACE_LANDMARKS_{LEFT,RIGHT}_EYE / _EYEBROW, _NOSE, _LIPS) in UV space, dilated a little so the
blend covers the skin that moves with the feature. ``eyes`` includes the eyebrows (brow raise and
frown are eye-region expression), one hull per side so the nose bridge is not swept in.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

import cv2
import numpy as np

from .errors import InputError

LEFT_EYE = (249, 263, 362, 373, 374, 380, 381, 382, 384, 385, 386, 387, 388, 390, 398, 466)
RIGHT_EYE = (7, 33, 133, 144, 145, 153, 154, 155, 157, 158, 159, 160, 161, 163, 173, 246)
LEFT_EYEBROW = (276, 282, 283, 285, 293, 295, 296, 300, 334, 336)
RIGHT_EYEBROW = (46, 52, 53, 55, 63, 65, 66, 70, 105, 107)
NOSE = (1, 2, 4, 5, 6, 19, 45, 48, 64, 94, 97, 98, 115, 168, 195, 197, 220, 275, 278, 294, 326, 327, 344, 440)
LIPS = (0, 13, 14, 17, 37, 39, 40, 61, 78, 80, 81, 82, 84, 87, 88, 91, 95, 146, 178, 181, 185, 191, 267,
        269, 270, 291, 308, 310, 311, 312, 314, 317, 318, 321, 324, 375, 402, 405, 409, 415)

# each named mask = union of hulls; each hull = one landmark group
REGIONS = {
    "eyes": (LEFT_EYE + LEFT_EYEBROW, RIGHT_EYE + RIGHT_EYEBROW),
    "nose": (NOSE,),
    "mouth": (LIPS,),
}
REGIONS["eyes_nose_mouth"] = REGIONS["eyes"] + REGIONS["nose"] + REGIONS["mouth"]
MASK_NAMES = tuple(REGIONS)


def _layout_uvs() -> np.ndarray:
    from poce_rt.facemodel import load_face_model   # lazy: the face model reads the landmarker bundle
    return np.asarray(load_face_model().uvs, dtype=np.float64)


def region_mask(name: str, size: int = 256, uvs: Optional[np.ndarray] = None,
                dilate: Optional[int] = None) -> np.ndarray:
    """Named region mask -> float32 [size,size] (1 inside). ``uvs`` [468,2] in [0,1] (default: the
    canonical face model); ``dilate`` in texels (default size // 64, i.e. 4 texels at 256)."""
    if name not in REGIONS:
        raise InputError(f"unknown mask {name!r}; named masks: {', '.join(MASK_NAMES)}")
    return hull_mask(REGIONS[name], size, _layout_uvs() if uvs is None else uvs, dilate)


def hull_mask(groups, size: int, uvs: np.ndarray, dilate: Optional[int] = None) -> np.ndarray:
    """The union of the convex hulls of landmark groups (each a tuple of vertex ids) on the UV
    layout -> float32 [size,size] (1 inside). uvs [468,2] in [0,1]; dilate in texels (default
    size // 64)."""
    uvs = np.asarray(uvs, dtype=np.float64)
    if uvs.ndim != 2 or uvs.shape[1] != 2 or uvs.shape[0] < 468:
        raise ValueError(f"uvs must be [468,2], got {uvs.shape}")
    out = np.zeros((size, size), np.uint8)
    shift = 4                                            # sub-texel precision for fillConvexPoly
    for group in groups:
        pts = uvs[list(group)] * size - 0.5              # texel centres sit at integer pixel coords
        hull = cv2.convexHull(np.round(pts * (1 << shift)).astype(np.int32))
        cv2.fillConvexPoly(out, hull, 1, lineType=cv2.LINE_8, shift=shift)
    r = max(size // 64, 0) if dilate is None else int(dilate)
    if r > 0:
        out = cv2.dilate(out, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))
    return out.astype(np.float32)


def eye_regions(layout) -> tuple[np.ndarray, ...]:
    """The two eyes' regions on the layout (an ops.UVLayout): [S,S] bool each, the convex hull of
    an eye's outline landmarks widened by S // 64 texels (its lids)."""
    return tuple(hull_mask((eye,), layout.size, layout.uvs) > 0.5 for eye in (LEFT_EYE, RIGHT_EYE))


def load_mask(path: Union[str, Path], size: int = 256) -> np.ndarray:
    """User mask image (any size / bit depth; gray, RGB or RGBA: alpha wins when it is not opaque)
    -> float32 [size,size] in [0,1], resized with area averaging (down) or linear (up)."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"mask image {p} does not exist")
    img = cv2.imread(str(p), cv2.IMREAD_UNCHANGED)
    if img is None or img.size == 0:
        raise InputError(f"cannot read mask image {p} (not an image format OpenCV can decode)")
    scale = float(np.iinfo(img.dtype).max) if np.issubdtype(img.dtype, np.integer) else 1.0
    img = img.astype(np.float32) / scale
    if img.ndim == 3:
        if img.shape[2] == 4 and img[..., 3].min() < 1.0:
            img = img[..., 3]
        else:
            img = img[..., :3].max(axis=2)
    h, w = img.shape
    interp = cv2.INTER_AREA if (h > size or w > size) else cv2.INTER_LINEAR
    img = cv2.resize(img, (size, size), interpolation=interp)
    return np.clip(img, 0.0, 1.0).astype(np.float32)


def get_mask(spec: Union[str, Path], size: int = 256, uvs: Optional[np.ndarray] = None) -> np.ndarray:
    """A named region (``eyes``, ``nose``, ``mouth``, ``eyes_nose_mouth``) or a path to a mask image."""
    if isinstance(spec, str) and spec in REGIONS:
        return region_mask(spec, size, uvs)
    return load_mask(spec, size)
