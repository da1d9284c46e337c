"""The interior mesh: the inside of an open mouth drawn as its own small mesh over the face render,
inside the inner-lip loop: per column of the lips (corner to corner), rows from the upper lip down
to the lower one. The upper teeth hang below the upper lip and the lower teeth stand on the lower
lip (they ride on the jaw), each at its own size in cm scaled by the pose, never filling more of
the opening than MAX_UPPER / MAX_LOWER: a narrow opening crops them (the lips cover the gums' side)
rather than squashing them. Its uvs put each row on the mouth's card (poce_rt.mouth.card): the
generic one, or the photo's own opening in the card's top and bottom bands with the generic card
only where an opening jaw adds room (poce_rt.mouth.photo).
"""
from __future__ import annotations

import numpy as np

from .card import CARD_SIZE, LO_EDGE, UP_EDGE, card_u, card_v, smooth
from .lips import INNER_LOWER, INNER_UPPER

__all__ = ["interior_mesh", "interior_tris", "interior_uvs", "interior_verts", "MESH_ROWS", "CARD_ROWS",
           "UPPER_TEETH_CM", "LOWER_TEETH_CM", "MAX_UPPER", "MAX_LOWER", "REVEAL", "STRETCH"]

# card v of the mesh rows (interior_mesh) on a generic card, the mouth wide open
CARD_ROWS = (0.0, 0.0, 0.0, UP_EDGE, 0.5, LO_EDGE, LO_EDGE, 1.0, 1.0, 1.0)
MESH_ROWS = len(CARD_ROWS)
# the share of the back's card rows (UP_EDGE..LO_EDGE) an opening shows: REVEAL (the dark back
# only) up to an opening of REVEAL_CM[0] cm, all of them (the tongue too) from REVEAL_CM[1] cm
REVEAL, REVEAL_CM = 0.4, (0.8, 2.5)
UPPER_TEETH_CM, LOWER_TEETH_CM = 0.7, 0.3   # generic crown heights the parted lips uncover
MAX_UPPER, MAX_LOWER = 0.3, 0.2   # a tooth row never fills more than this fraction of the opening
# up to this much wider or narrower than the photo's own opening (poce_rt.mouth.photo) an opening
# stretches or squeezes its bands rather than showing a sliver of the generic card between or
# cropping them (the camera's perspective alone changes a turned mouth's opening by -10..+6%)
STRETCH = 0.1


def interior_tris(cols: int = len(INNER_UPPER), rows: int = MESH_ROWS) -> np.ndarray:
    """[2(C-1)(R-1),3] int32 triangles of the interior grid (vertex index = row * C + col)."""
    out = []
    for r in range(rows - 1):
        for c in range(cols - 1):
            a, b = r * cols + c, r * cols + c + 1
            out += [(a, b, a + cols), (b, b + cols, a + cols)]
    return np.array(out, np.int32)


def interior_uvs(cols: int = len(INNER_UPPER)) -> np.ndarray:
    """[R*C,2] float32 card coordinates of the interior grid of a generic card with the teeth
    shown whole (CARD_ROWS)."""
    u, v = np.meshgrid(card_u(cols, CARD_SIZE), card_v(np.array(CARD_ROWS), 0.0, CARD_SIZE))
    return np.stack([u.ravel(), v.ravel()], 1).astype(np.float32)


def _generic_rows(h: np.ndarray, room: np.ndarray, gap: np.ndarray, cap: float):
    """A generic row of teeth of crown heights h [C] px in `room` [C] px of the opening (gap
    [C] px): (its share of the gap, the share of its crowns shown)."""
    t = np.minimum(h, cap * room) / gap
    return t, np.where(h > 1e-6, t * gap / np.maximum(h, 1e-6), 1.0)


def interior_mesh(base_verts: np.ndarray, scale: float, upper_cm=UPPER_TEETH_CM, lower_cm=LOWER_TEETH_CM,
                  level=(True, True), photo_cm=(0.0, 0.0), photo_share: float = 0.0, tongue: bool = True,
                  card_size: int = CARD_SIZE):
    """The interior grid of a posed face: base_verts [468,3] image-space vertices, `scale` px per
    cm. photo_cm: (upper, lower) heights in cm (scalars or [C] per lip column) of the photo's own
    opening above and below its split, whose texels fill the top and bottom `photo_share` of the
    card (0: none). They are drawn at their size, riding on their lips: a pose change draws the
    photo's mouth as it was, an opening up to STRETCH wider or narrower stretches or squeezes
    them, a still narrower one crops them (the lips cover their far sides), and what a wider opening adds is the generic card's:
    upper_cm / lower_cm the generic crown heights (scalars or [C]; 0: none), never more than
    MAX_UPPER / MAX_LOWER of that added room, and the dark back between (the tongue when
    `tongue`, coming into view as the room grows, REVEAL_CM). level: per generic row, whether
    its incisal edge runs straight across the mouth at the middle's height (where the lip curves
    down towards a corner it hides that much more of the crown) or each column keeps its own.
    Returns verts [R*C,3] float32 and uvs [R*C,2] float32 (card coordinates), rows (R =
    MESH_ROWS): upper lip, the photo's upper band's end twice (its side, the generic side), the
    generic upper incisal edge, middle, generic lower incisal edge twice (the back's side, the
    teeth's), the photo's lower band's start twice (generic side, its side), lower lip."""
    v = np.asarray(base_verts, np.float64)
    up, lo = v[list(INNER_UPPER)], v[list(INNER_LOWER)]
    gap = np.maximum(np.linalg.norm((lo - up)[:, :2], axis=1), 1e-6)
    mid = len(gap) // 2
    down = (lo[mid] - up[mid])[:2] / gap[mid]
    # how far each column's lip lies inside the opening from the middle's (px, along `down`)
    inset = (((up - up[mid])[:, :2] @ down), ((lo[mid] - lo)[:, :2] @ down))
    # the photo's bands first
    pu, pl = (np.broadcast_to(np.asarray(cm, np.float64) * scale, gap.shape) for cm in photo_cm)
    p = pu + pl
    k = gap / np.maximum(p, 1e-6)             # the opening over the photo's
    grow = np.where(k <= 1 + STRETCH, k, np.maximum(1.0, 1 + STRETCH - 0.5 * (k - 1 - STRETCH)))
    shown = np.minimum(k / (1 - STRETCH), 1.0)   # squeezed where a little narrower, then cropped
    t_pu, t_pl = pu * grow / gap, pl * grow / gap
    room = np.maximum(gap - p * grow, 0.0)    # what the generic card fills
    gen = []
    for cm, cap, flat, drop in ((upper_cm, MAX_UPPER, level[0], inset[0]), (lower_cm, MAX_LOWER, level[1], inset[1])):
        h = np.broadcast_to(np.asarray(cm, np.float64) * scale, gap.shape)
        h = np.maximum(h - np.maximum(drop, 0.0) if flat else h, 0.0)
        gen.append(_generic_rows(h, room, gap, cap))
    (t_gu, f_gu), (t_gl, f_gl) = gen
    a, b = t_pu, t_pu + t_gu
    e, f = 1 - t_pl - t_gl, 1 - t_pl
    ts = np.stack([0 * a, a, a, b, 0.5 * (b + e), e, e, f, f, 1 + 0 * a])
    verts = up[None] + ts[..., None] * (lo - up)[None]          # [R,C,3]
    # a card without the tongue (the photo's own shows below) shows all of its back, lighter
    # towards the floor of the mouth
    shown_back = REVEAL + (1 - REVEAL) * smooth(*REVEAL_CM, room / max(float(scale), 1e-6)) if tongue else \
        np.ones_like(gap)
    low = UP_EDGE + (LO_EDGE - UP_EDGE) * shown_back
    one = np.ones_like(gap)

    def g(x):
        return card_v(x, photo_share, card_size)

    cv = np.stack([card_v(1 - shown, photo_share, card_size, "upper"), card_v(one, photo_share, card_size, "upper"),
                   g(UP_EDGE * (1 - f_gu)), g(UP_EDGE * one), g(0.5 * (UP_EDGE + low)), g(low), g(LO_EDGE * one),
                   g(LO_EDGE + (1 - LO_EDGE) * f_gl), card_v(0 * one, photo_share, card_size, "lower"),
                   card_v(shown, photo_share, card_size, "lower")])
    cu = np.broadcast_to(card_u(len(gap), card_size), cv.shape)
    uvs = np.stack([cu, cv], -1).reshape(-1, 2)
    return np.ascontiguousarray(verts.reshape(-1, 3), np.float32), np.ascontiguousarray(uvs, np.float32)


def interior_verts(base_verts: np.ndarray, scale: float) -> np.ndarray:
    """[R*C,3] float32 vertices of the interior grid with the generic teeth (interior_mesh)."""
    return interior_mesh(base_verts, scale)[0]
