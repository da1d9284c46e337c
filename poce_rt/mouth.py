"""Mouth geometry of the MediaPipe mesh: the inner-lip opening and the weight-free mouth cavity.

Used with the expression rig: when the rig opens the jaw without trained networks, the texels
spanning the lips are painted as a cavity (POCE leaves this to the texture-editing network).
"""
from __future__ import annotations

import numpy as np

__all__ = ["LIP_PAIRS", "LIP_CORNERS", "mouth_opening", "mouth_amount", "mouth_gap_texels", "mouth_cavity"]

# Inner-lip loop of the MediaPipe mesh, as (upper, lower) vertex pairs facing each other. The
# triangles spanning the mouth opening use only these vertices.
LIP_PAIRS = ((13, 14), (82, 87), (312, 317), (81, 178), (311, 402), (80, 88), (310, 318),
             (191, 95), (415, 324))
LIP_CORNERS = (78, 308)
MOUTH_EDGE = np.array([0.40, 0.16, 0.15], np.float32)  # the cavity just inside the lips
MOUTH_DEEP = np.array([0.05, 0.015, 0.015], np.float32)  # and deep inside


def mouth_opening(shape: np.ndarray) -> float:
    """Mean gap between the inner lips of a canonical-frame shape, in canonical units (cm)."""
    up, lo = np.array(LIP_PAIRS).T
    return float(np.linalg.norm(shape[up] - shape[lo], axis=1).mean())


def mouth_gap_texels(layout) -> np.ndarray:
    """[S,S] bool: texels of the triangles that span the mouth opening (base mesh layout)."""
    inner = set(np.array(LIP_PAIRS).ravel()) | set(LIP_CORNERS)
    gap = np.array([i for i, t in enumerate(layout.tris) if set(t.tolist()) <= inner])
    import cv2

    m = np.isin(layout.tri_id, gap).astype(np.uint8)
    return cv2.dilate(m, np.ones((3, 3), np.uint8)).astype(bool)


def mouth_cavity(gap: np.ndarray) -> np.ndarray:
    """[S,S,3] float32 colour of the weight-free mouth cavity on the gap texels: dark red at the
    lips, near black deep inside (by distance from the gap's border), zero elsewhere. The gap
    triangles stretch across the opening, so this is a gradient from the lips to the middle."""
    import cv2

    d = cv2.distanceTransform(gap.astype(np.uint8), cv2.DIST_L2, 3)
    t = np.clip(d / max(float(d.max()), 1e-6), 0.0, 1.0)[..., None]
    colour = MOUTH_EDGE * (1.0 - t) + MOUTH_DEEP * t
    return (colour * gap[..., None]).astype(np.float32)


def mouth_amount(shape_src: np.ndarray, shape_dst: np.ndarray) -> float:
    """Weight-free stand-in for the texture edit of an opening mouth: the triangles spanning
    the lips stretch when the rig opens the jaw, and without the cavity they would show the
    stretched lip line (or teeth) of a closed mouth instead of an open mouth."""
    opening = mouth_opening(shape_dst) - mouth_opening(shape_src)
    return float(np.clip(opening / 0.5, 0.0, 1.0))  # all cavity by ~5 mm of extra opening
