"""The mouth's gap in the face's UV: the texels of the triangles spanning the inner lips, which an
opening jaw stretches across the opening. Weight-free (POCE leaves this to the texture-editing
network) they are darkened towards a cavity by how far the lips opened (mouth_cavity,
mouth_amount); where the photo's own opening is drawn over them (poce_rt.mouth.photo) they take
their lips' colours under the card's soft edge instead (gap_lips, under_card).
"""
from __future__ import annotations

import numpy as np

from .lips import LIP_CORNERS, LIP_PAIRS

__all__ = ["mouth_opening", "mouth_amount", "mouth_gap_texels", "gap_lips", "under_card", "mouth_cavity"]

MOUTH_EDGE = np.array([0.40, 0.16, 0.15], np.float32)  # the cavity just inside the lips
MOUTH_DEEP = np.array([0.05, 0.015, 0.015], np.float32)  # and deep inside


def mouth_opening(shape: np.ndarray) -> float:
    """Mean gap between the inner lips of a canonical-frame shape, in canonical units (cm)."""
    up, lo = np.array(LIP_PAIRS).T
    return float(np.linalg.norm(shape[up] - shape[lo], axis=1).mean())


def mouth_gap_texels(layout) -> np.ndarray:
    """[S,S] bool: texels of the triangles that span the mouth opening (base mesh layout). Not
    dilated: the inside of the mouth (draw_interior) is drawn over the opening, and a darkened
    ring of lip texels around it drew a dark outline along the lips."""
    inner = set(np.array(LIP_PAIRS).ravel()) | set(LIP_CORNERS)
    gap = np.array([i for i, t in enumerate(layout.tris) if set(t.tolist()) <= inner])
    return np.isin(layout.tri_id, gap)


def gap_lips(gap: np.ndarray, covered: np.ndarray) -> np.ndarray:
    """[K] int64: for each texel of the mouth's opening (gap [S,S] bool, in np.flatnonzero's
    order) the flat index of the nearest texel of the lips around it (covered [S,S] bool, outside
    the gap). Where the photo's own opening is drawn, the mouth's card covers the gap, but along
    the inner lips the card's soft edge lets the face render beneath show: drawn from the gap's
    texels, the photo's sliver of teeth, that was a light line one pixel wide along the upper lip
    (Image_with_alpha.png's laugh turned -25 / -10 / +25: 0.08 / 0.07 / 0.09 luma above both its
    sides, the photo 0.016); drawn in their lips' colours (under_card), the card's edge blends
    into the lip (0.027 / 0.012 / 0.039)."""
    import cv2

    gap = np.asarray(gap, bool)
    lips = ~gap & np.asarray(covered, bool)
    _, labels = cv2.distanceTransformWithLabels(np.where(lips, 0, 1).astype(np.uint8), cv2.DIST_L2, 5,
                                                labelType=cv2.DIST_LABEL_PIXEL)
    labels = labels.ravel()
    own = np.flatnonzero(lips)   # each lip texel is its own label; every other texel takes its nearest's
    index = np.zeros(int(labels.max()) + 1, np.int64)
    index[labels[own]] = own
    return index[labels[np.flatnonzero(gap)]]


def under_card(texture: np.ndarray, gap: np.ndarray, lips: np.ndarray, coverage: float) -> np.ndarray:
    """A copy of texture [S,S,3] whose mouth opening's texels (gap: np.flatnonzero of the gap) are
    drawn `coverage` of the way towards their lips' (lips: gap_lips): the share of the opening
    the card covers (MouthInterior.coverage, where the photo's own opening is drawn)."""
    out = np.array(texture, np.float32, copy=True)
    flat = out.reshape(-1, 3)
    flat[gap] += np.float32(coverage) * (flat[lips] - flat[gap])
    return out


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
