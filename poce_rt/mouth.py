"""Mouth geometry of the MediaPipe mesh: the inner-lip opening and the weight-free mouth cavity.

Used with the expression rig: when the rig opens the jaw without trained networks, the texels
spanning the lips are painted as a cavity (POCE leaves this to the texture-editing network).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .complete import LUMA

__all__ = ["LIP_PAIRS", "LIP_CORNERS", "mouth_opening", "mouth_amount", "mouth_gap_texels", "gap_lips",
           "under_card", "mouth_cavity", "MouthInterior", "mouth_interior", "mouth_card", "interior_mesh",
           "skin_tone", "in_photo_colour", "draw_interior", "sample_between", "tooth_like", "black_level", "lift_blacks"]

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


# -- the inside of an open mouth (issue 15, item 3) -------------------------------------------------
# Drawn as its own small mesh over the face render, inside the inner-lip loop: per column of the
# lips (corner to corner), rows from the upper lip down to the lower one. The upper teeth hang
# below the upper lip and the lower teeth stand on the lower lip (they ride on the jaw), each at
# its own size in cm scaled by the pose, never filling more of the opening than MAX_UPPER /
# MAX_LOWER: a narrow opening crops them (the lips cover the gums' side) rather than squashing
# them. The mesh's texture is a "card" (u across the lips, v down): the upper crowns on
# v < UP_EDGE (gum side at 0), the lower ones on v > LO_EDGE (gum side at 1), the dark back of
# the mouth and the tongue between; generic teeth lit by the face's skin tone, or the photo's own
# when its lips are parted over teeth.
INNER_UPPER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)   # = rig.INNER_UPPER
INNER_LOWER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)   # = rig.INNER_LOWER
UP_EDGE, LO_EDGE = 0.25, 0.75   # card v of the upper and the lower incisal edges
# card v of the mesh rows (interior_mesh) on a generic card, the mouth wide open
CARD_ROWS = (0.0, 0.0, 0.0, UP_EDGE, 0.5, LO_EDGE, LO_EDGE, 1.0, 1.0, 1.0)
MESH_ROWS = len(CARD_ROWS)
# the share of the back's card rows (UP_EDGE..LO_EDGE) an opening shows: REVEAL (the dark back
# only) up to an opening of REVEAL_CM[0] cm, all of them (the tongue too) from REVEAL_CM[1] cm
REVEAL, REVEAL_CM = 0.4, (0.8, 2.5)
UPPER_TEETH_CM, LOWER_TEETH_CM = 0.7, 0.3   # generic crown heights the parted lips uncover
MAX_UPPER, MAX_LOWER = 0.3, 0.2   # a tooth row never fills more than this fraction of the opening
CARD_SIZE, MIN_CARD, BLUR_PX = 256, 32, 0.6
# the photo's own opening: its bands above and below its split fill this share of the card each
# (the generic card the middle); up to this much wider or narrower an opening stretches or
# squeezes them rather than showing a sliver of the generic card between or cropping them (the
# camera's perspective alone changes a turned mouth's opening by -10..+6%)
PHOTO_SHARE, STRETCH = 0.25, 0.1
# a face's black: this percentile of its luma; above BLACK_FREE it lifts the generic card's darks
BLACK_FREE, BLACK_GAIN, BLACK_PERCENTILE = 0.15, 2.0, 0.5
CLOSING = (0.55, 0.8)   # the share of the photo's opening over which its inside gives way as the mouth closes
FADE = 0.06   # card v over which the generic back fades out of the photo's colour at its split
# the dental arch seen from the front: teeth at their widths (cm, central incisor first) along
# an arc of ARCH_CM radius, so they narrow towards the corners as the arch turns away; crown
# lengths relative to the central incisor's
ARCH_CM = {"upper": 2.6, "lower": 2.3}
TOOTH_WIDTHS_CM = {"upper": (0.86, 0.66, 0.76, 0.70, 0.68, 1.0), "lower": (0.53, 0.58, 0.68, 0.70, 0.72, 1.1)}
TOOTH_LENGTHS = {"upper": (1.0, 0.86, 0.95, 0.8, 0.75, 0.7), "lower": (1.0, 1.0, 0.95, 0.85, 0.8, 0.7)}
ENAMEL = np.array([0.86, 0.84, 0.78], np.float32)   # off-white, barely saturated
TONGUE = np.array([0.58, 0.29, 0.30], np.float32)
BACK = np.array([0.13, 0.045, 0.042], np.float32)
# photo teeth: a pixel of the parted lips is tooth-like when it is at least this bright relative
# to the skin and less saturated than the lips; this share of the opening must be tooth-like
TOOTH_LUMA, TOOTH_SHARE, MIN_PHOTO_GAP_CM = 0.8, 0.3, 0.25


def _smooth(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


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
    u, v = np.meshgrid(_card_u(cols, CARD_SIZE), _card_v(np.array(CARD_ROWS), 0.0, CARD_SIZE))
    return np.stack([u.ravel(), v.ravel()], 1).astype(np.float32)


def _card_v(x: np.ndarray, share: float, size: int, band: str = "generic") -> np.ndarray:
    """Texture v of a card whose top and bottom `share` are the photo's bands (0: a generic card
    only): x in [0,1] along the band, mapped onto its texel centres so that bilinear reads never
    mix two bands."""
    p = int(round(share * size))
    start, n = {"upper": (0, p), "generic": (p, size - 2 * p), "lower": (size - p, p)}[band]
    x = np.asarray(x, np.float64)
    if n == 0:   # no photo band: its rows have no height; the generic card's edge
        start, n, x = p, size - 2 * p, 0 * x + (band == "lower")
    return (start + 0.5 + x * (n - 1)) / size


def _card_u(cols: int, size: int) -> np.ndarray:
    """[cols] texture u of the lip columns, corner to corner, on the card's texel centres (as
    sample_between samples them)."""
    return (0.5 + np.linspace(0.0, 1.0, cols) * (size - 1)) / size


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
    shown_back = REVEAL + (1 - REVEAL) * _smooth(*REVEAL_CM, room / max(float(scale), 1e-6)) if tongue else \
        np.ones_like(gap)
    low = UP_EDGE + (LO_EDGE - UP_EDGE) * shown_back
    one = np.ones_like(gap)

    def g(x):
        return _card_v(x, photo_share, card_size)

    cv = np.stack([_card_v(1 - shown, photo_share, card_size, "upper"), _card_v(one, photo_share, card_size, "upper"),
                   g(UP_EDGE * (1 - f_gu)), g(UP_EDGE * one), g(0.5 * (UP_EDGE + low)), g(low), g(LO_EDGE * one),
                   g(LO_EDGE + (1 - LO_EDGE) * f_gl), _card_v(0 * one, photo_share, card_size, "lower"),
                   _card_v(shown, photo_share, card_size, "lower")])
    cu = np.broadcast_to(_card_u(len(gap), card_size), cv.shape)
    uvs = np.stack([cu, cv], -1).reshape(-1, 2)
    return np.ascontiguousarray(verts.reshape(-1, 3), np.float32), np.ascontiguousarray(uvs, np.float32)


def interior_verts(base_verts: np.ndarray, scale: float) -> np.ndarray:
    """[R*C,3] float32 vertices of the interior grid with the generic teeth (interior_mesh)."""
    return interior_mesh(base_verts, scale)[0]


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


def _arch(u: np.ndarray, width_cm: float, row: str, turn=None):
    """Where each card column u falls on a row of teeth: (distance to the nearest tooth boundary
    along the arch in cm, the tooth's relative crown length, how much the tooth faces the camera
    in [-1,1]; -1 also where the column sees past the arch). Seen from the front (turn None) or
    through the lips of a turned head (turn: arch_turn's)."""
    r = ARCH_CM[row]
    if turn is None:
        s = r * np.arcsin(np.clip((u - 0.5) * width_cm / r, -1.0, 1.0))   # arc length from the midline
        facing = np.cos(s / r)
    else:
        s, facing = _turned_arch(u, r, *turn)
    s = np.abs(s)
    widths = np.asarray(TOOTH_WIDTHS_CM[row])
    edges = np.concatenate([[0.0], np.cumsum(widths)])
    k = np.clip(np.searchsorted(edges, s, side="right") - 1, 0, len(widths) - 1)
    d = np.maximum(np.minimum(s - edges[k], edges[k + 1] - s), 0.0)
    return d, np.asarray(TOOTH_LENGTHS[row])[k], facing


# the teeth's labial faces lie this far behind the inner lips' front (cm, canonical frame)
ARCH_SETBACK_CM = 0.3


def arch_turn(shape: np.ndarray, rotation: np.ndarray):
    """What mouth_card needs to draw the arch as a turned head shows it: (the inner lips' columns,
    corner to corner, [C,2] canonical (x, z) cm, the way to the camera [3] in the canonical frame)
    of a face's shape [468,3] cm under its pose's rotation [3,3]. Built for the photo's pose: a
    pose edit keeps the card (the frame loop draws it at every step)."""
    v = np.asarray(shape, np.float64)
    lips = 0.5 * (v[list(INNER_UPPER)] + v[list(INNER_LOWER)])[:, [0, 2]]
    view = np.asarray(rotation, np.float64).T @ np.array([0.0, 0.0, -1.0])   # image depth grows away from it
    return lips, view


def _turned_arch(u: np.ndarray, r: float, lips: np.ndarray, view: np.ndarray):
    """(signed arc length from the midline cm, facing) of the arch point each card column u sees
    through its lip column (u on the texel centres of a card as wide as u is long, each column
    where _card_u puts it), looking along `view` (arch_turn): the arch a circle of radius r in the
    canonical x-z plane, its front ARCH_SETBACK_CM behind the lips' middle. A column whose line of
    sight misses the arch sees past it (facing -1): the far side of a turned mouth shows no teeth."""
    k = np.linspace(0.0, 1.0, len(lips))
    t = (np.asarray(u, np.float64) * len(u) - 0.5) / max(len(u) - 1, 1)   # card u -> lip column (_card_u)
    p = np.stack([np.interp(t, k, lips[:, 0]), np.interp(t, k, lips[:, 1])], -1)
    mid = lips[len(lips) // 2]
    centre = np.array([mid[0], mid[1] + ARCH_SETBACK_CM + r])            # canonical z grows away from the face
    d = np.array([view[0], view[2]])
    d = d / max(float(np.linalg.norm(d)), 1e-9)
    q = p - centre
    b = q @ d
    disc = b * b - (np.sum(q * q, -1) - r * r)
    hit = q + (-b + np.sqrt(np.maximum(disc, 0.0)))[:, None] * d[None]    # the camera's side of the circle
    s = r * np.arctan2(hit[:, 0], -hit[:, 1])
    facing = np.where(disc > 0, (hit @ d) / r * float(np.hypot(view[0], view[2])), -1.0)
    return s, facing


def mouth_card(skin: np.ndarray, size: int = CARD_SIZE, width_cm: float = 4.6, rows: int | None = None,
               tongue: bool = True, blur: float | None = None, turn=None) -> np.ndarray:
    """[rows,size,3] float32 (rows default: size) texture of the mouth's inside, lit like a face of colour `skin` [3],
    for a mouth `width_cm` wide at the inner-lip corners: upper crowns on v < UP_EDGE and lower
    ones on v > LO_EDGE (separate teeth along the arch, darker under the lips, towards the
    corners and where the arch turns away), the dark back between and the tongue rising behind
    the lower teeth (unless not `tongue`: where the photo's own shows below). Low saturation
    everywhere but the tongue, soft edges (a Gaussian of `blur` texels, default size / 256). turn:
    arch_turn's for a turned head (the teeth on the side turned away from the camera darker, then
    hidden; those turned towards it lit), None: seen from the front."""
    import cv2

    skin = np.clip(np.asarray(skin, np.float32), 0.02, 1.0)
    y_skin = float(skin @ LUMA)
    light = float(np.clip(y_skin / 0.55, 0.35, 1.4))
    cast = (skin / skin.mean()) ** 0.2
    rows = size if rows is None else int(rows)
    v, u = np.meshgrid((np.arange(rows, dtype=np.float32) + 0.5) / rows,
                       (np.arange(size, dtype=np.float32) + 0.5) / size, indexing="ij")
    corner = _smooth(0.0, 0.25, np.minimum(u, 1 - u))           # the cheeks shade the corners
    # the back: dark red-brown, lighter towards the lips and the teeth (the palate and the
    # inside of the cheeks catch some light), darkest at the throat
    depth = np.minimum(np.abs(v - 0.45) / 0.5, 1.0)             # 0 at the throat, 1 at the lips
    out = (BACK * cast * light)[None, None] * (0.8 + 2.2 * depth ** 2)[..., None] * (0.5 + 0.5 * corner)[..., None]
    # the tongue: a wide hump behind the lower teeth, darker further back (up) and at the sides,
    # with a faint groove down its middle
    r = np.sqrt(((u - 0.5) / 0.45) ** 2 + ((v - 0.97) / 0.47) ** 2)
    cover = (1 - _smooth(0.8, 1.0, r)) * float(tongue)
    groove = 1 - 0.12 * np.exp(-((u - 0.5) / 0.03) ** 2)
    shade = (0.35 + 0.65 * _smooth(0.5, 0.95, v)) * (0.5 + 0.5 * corner) * groove
    tongue = (TONGUE * light)[None, None] * shade[..., None]
    out = out + cover[..., None] * (tongue - out)
    # the teeth: enamel a little brighter than the skin, never glaring; the cheeks hide the
    # teeth past the canines (upper) and the lower lip most of the lower row
    enamel = ENAMEL * cast ** 0.5 * float(np.clip(1.25 * y_skin, 0.3, 0.88) / float(ENAMEL @ LUMA))
    x = np.abs(u[0] - 0.5) * width_cm
    for row, edge, dim, reach in (("upper", UP_EDGE, 1.0, 1.9), ("lower", 1 - LO_EDGE, 0.85, 1.0)):
        d, length, facing = _arch(u[0], width_cm, row, turn)
        vv = v if row == "upper" else 1 - v                     # from the gums to the incisal edge
        tip = edge * length * (1 - 0.08 * (1 - _smooth(0.0, 0.1, d)))   # rounded corners
        crown = (1 - _smooth(tip - 0.015, tip + 0.015, vv)) * (1 - _smooth(reach - 0.4, reach, x)) * (facing >= 0)
        shade = (dim * (0.78 + 0.22 * _smooth(0.0, 0.06, d))          # soft gaps between the teeth
                 * (0.85 + 0.15 * _smooth(0.0, 0.5 * edge, vv))       # the lip's shadow
                 * (1 - 0.08 * _smooth(tip - 0.03, tip, vv))         # translucent incisal edge
                 * (0.5 + 0.5 * np.clip(facing, 0, 1) ** 1.5) * (0.6 + 0.4 * corner))
        out = out + crown[..., None] * (enamel[None, None] * shade[..., None] - out)
    sigma = size / 256.0 if blur is None else float(blur)
    out = np.clip(cv2.GaussianBlur(out, (0, 0), sigmaX=sigma, sigmaY=sigma * rows / size), 0.0, 1.0)
    return in_photo_colour(out.astype(np.float32), skin)


def sample_between(image: np.ndarray, top: np.ndarray, bottom: np.ndarray, rows: int, cols: int,
                   as_drawn: bool = False) -> np.ndarray:
    """[rows,cols,3] float32 (0..1) bilinear samples of a photo [H,W,3] uint8 between two
    polylines top / bottom [C,2] (x, y in vertex coordinates: pixel centres at i + 0.5, as the
    tracker's vertices and the render; read half a pixel off, the photo's own opening came out
    shifted down and right by that much at the source pose), column for column: columns evenly
    along them, rows from top to bottom. as_drawn: each cell between two columns as the two triangles the interior
    mesh splits it into (interior_tris) rather than bilinearly: a band drawn by that mesh over
    the same polylines puts every sample back where it was read (where the lips curve, a
    bilinear cell missed by up to a pixel or two: the teeth's edges doubled at the source pose)."""
    import cv2

    k = np.linspace(0.0, len(top) - 1.0, cols)
    top, bottom = np.asarray(top, np.float64), np.asarray(bottom, np.float64)
    t = np.linspace(0.0, 1.0, rows)[:, None, None]
    if as_drawn:
        c = np.minimum(np.floor(k).astype(np.int64), len(top) - 2)
        f = (k - c)[None, :, None]
        p00, p10, p01, p11 = top[c][None], top[c + 1][None], bottom[c][None], bottom[c + 1][None]
        p = np.where(f + t <= 1.0, p00 + f * (p10 - p00) + t * (p01 - p00),
                     p11 + (1 - f) * (p01 - p11) + (1 - t) * (p10 - p11)).astype(np.float32)
    else:
        idx = np.arange(len(top))
        a = np.stack([np.interp(k, idx, top[:, i]) for i in (0, 1)], -1)
        b = np.stack([np.interp(k, idx, bottom[:, i]) for i in (0, 1)], -1)
        p = (a[None] + t * (b - a)[None]).astype(np.float32)
    img = np.asarray(image, np.float32) / 255.0
    p -= np.float32(0.5)   # photo array positions
    return cv2.remap(img, p[..., 0], p[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _lip_strip(image: np.ndarray, vertices: np.ndarray, t0: float, t1: float, rows: int, cols: int,
               as_drawn: bool = False):
    """sample_between a photo's inner lips (vertices [468,3] px), corner to corner, from t0 to t1
    of the way from the upper lip to the lower one."""
    v = np.asarray(vertices, np.float64)[:, :2]
    up, lo = v[list(INNER_UPPER)], v[list(INNER_LOWER)]
    return sample_between(image, up + t0 * (lo - up), up + t1 * (lo - up), rows, cols, as_drawn)


def tooth_like(px: np.ndarray, skin: np.ndarray) -> np.ndarray:
    """[...] bool: pixels [...,3] (0..1) that look like teeth beside a skin of colour [3]: bright
    (TOOTH_LUMA of the skin's luma or more) and less saturated than the skin."""
    def sat(a):
        return (a.max(-1) - a.min(-1)) / np.maximum(a.max(-1), 1e-6)

    return (px @ LUMA >= TOOTH_LUMA * float(skin @ LUMA)) & (sat(px) < max(0.25, sat(np.asarray(skin, np.float32))))


@dataclass(frozen=True)
class MouthInterior:
    """The inside of one face's mouth: card [T,T,3] float32 (the photo's bands in its top and
    bottom photo_share, the generic card between), upper_cm / lower_cm [C] the generic crown
    heights per lip column (0 where the photo's own replace them), photo_cm [2,C] the heights of
    the photo's opening above and below its split (0 for a closed mouth), tongue: whether the
    generic back shows the tongue (not where the photo's lower band shows its own), photo_teeth:
    which of the photo's bands show teeth ('', 'upper' or 'upper,lower')."""

    card: np.ndarray
    upper_cm: np.ndarray
    lower_cm: np.ndarray
    photo_teeth: str = ""
    photo_cm: np.ndarray = field(default_factory=lambda: np.zeros((2, 1)))
    photo_share: float = 0.0
    tongue: bool = True

    @property
    def from_photo(self) -> bool:
        """Whether the photo's own opening is drawn (its lips are parted)."""
        return self.photo_share > 0

    def coverage(self, amount: float, base_verts: np.ndarray, scale: float) -> float:
        """How much of the interior a step draws over the face render of a posed face (base_verts
        [468,3] px, `scale` px per cm): `amount` (Plan.mouth) for a closed mouth; where the
        photo's own opening is drawn, all of it (the face's texture has only a sliver of texels
        across the opening: resampled from there, the photo's teeth came out as vertical bars)
        unless an edit closes the mouth: from CLOSING[1] of the photo's opening down to
        CLOSING[0] it gives way to the face render, whose sliver of lip texels draws a closed
        mouth (the photo's opening cropped that far reads as a gash without lips)."""
        if not self.from_photo:
            return float(np.clip(amount, 0.0, 1.0))
        v = np.asarray(base_verts, np.float64)
        mid = len(INNER_UPPER) // 2
        gap = float(np.linalg.norm((v[INNER_LOWER[mid]] - v[INNER_UPPER[mid]])[:2]))
        own = float(np.sum(self.photo_cm, axis=0)[mid]) * float(scale)
        return float(_smooth(*CLOSING, np.array(gap / max(own, 1e-6))))

    def mesh(self, base_verts: np.ndarray, scale: float):
        """(verts [R*C,3], uvs [R*C,2]) of the interior grid of a posed face (interior_mesh)."""
        return interior_mesh(base_verts, scale, self.upper_cm, self.lower_cm, level=(True, not self.from_photo),
                             photo_cm=self.photo_cm, photo_share=self.photo_share, tongue=self.tongue,
                             card_size=self.card.shape[0])


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


def _photo_split(strip: np.ndarray, skin: np.ndarray):
    """Where a photo's opening (strip [32,48,3] from the upper inner lip down to the lower one)
    splits into what rides on the upper lip and what rides on the jaw: (t in [0,1], whether its
    upper band shows teeth). Teeth: at the darkest line between the rows (their incisal edges)
    when there is one, else all of it (the rows touch). No teeth (the tongue, the dark back): just
    under the upper lip's inner shadow."""
    profile = np.median(strip[:, 12:36] @ LUMA, axis=1)        # [32] luma from the upper lip down
    if tooth_like(strip, skin)[4:28, 12:36].mean() >= TOOTH_SHARE:
        rows = np.arange(13, 30)
        split = int(rows[np.argmin(profile[rows])])
        return (split / 31.0 if profile[split] < 0.75 * np.median(profile[3:12]) else 1.0), True
    rows = np.arange(2, 17)
    return int(rows[np.argmin(profile[rows])]) / 31.0, False


def mouth_interior(image: np.ndarray, face, skin: np.ndarray, size: int = CARD_SIZE) -> MouthInterior:
    """The mouth's inside for a tracked face (vertices [468,3] image px, pose.scale px/cm, shape
    [468,3] cm) of a photo [H,W,3] uint8, lit like skin [3], on a card of at most `size` texels
    (about two per pixel of the mouth's unforeshortened width, at least MIN_CARD: a far finer card,
    read bilinearly on a small face, aliased into hard, cartoonish edges), its teeth as the arch
    shows them at the photo's turn (arch_turn). Where the photo's lips are
    parted (MIN_PHOTO_GAP_CM), its own opening is drawn, sampled between its inner lips: above its split
    (_photo_split) riding on the upper lip, below it on the jaw, each at its height in the photo;
    the generic card fills only what an opening jaw adds (the dark back, and the generic lower
    teeth and tongue unless the photo's lower band shows teeth of its own)."""
    shape = np.asarray(face.shape, np.float64)
    width = float(np.linalg.norm(shape[LIP_CORNERS[1]] - shape[LIP_CORNERS[0]]))
    cols = len(INNER_UPPER)
    v = np.asarray(face.vertices, np.float64)
    scale = float(face.pose.scale)
    # the mouth's width as the photo would show it from the front: a turned mouth is foreshortened
    # across, but its side turned to the camera and its height are not (t1.jpg's near-profile
    # face, yaw -50: 16 px across, 31 px unforeshortened; a 32-texel card sized from the 16 px
    # blurred its teeth and tongue into a pale mauve)
    width_px = width * scale
    size = int(min(size, max(MIN_CARD, 2 ** int(np.ceil(np.log2(max(2.0 * width_px, 1.0)))))))
    # no sharper than a photo at its pixels: BLUR_PX as the card is drawn
    blur = max(size / 256.0, BLUR_PX * size / max(width_px, 1.0))
    gap_px = np.linalg.norm((v[list(INNER_LOWER)] - v[list(INNER_UPPER)])[:, :2], axis=1)
    turn = arch_turn(shape, face.pose.rotation)
    black = black_level(image, v)
    if gap_px[cols // 2] < MIN_PHOTO_GAP_CM * scale:
        card = lift_blacks(mouth_card(skin, size, width, blur=blur, turn=turn), black, skin)
        return MouthInterior(card, np.full(cols, UPPER_TEETH_CM), np.full(cols, LOWER_TEETH_CM))
    strip = _lip_strip(image, v, 0.0, 1.0, 32, 48)
    t_split, teeth = _photo_split(strip, skin)
    split = int(round(t_split * 31))
    below = tooth_like(strip[split + 1:31, 12:36], skin)       # the photo's lower band, off the lip
    # a row of it half teeth (lower teeth behind the lip's edge): none of the generic ones, nor
    # the generic tongue behind them
    lower_teeth = len(below) > 0 and bool((below.mean(1) >= 0.5).any())
    used = ""
    if teeth:
        used = "upper,lower" if len(below) and below.mean() >= TOOTH_SHARE else "upper"
    n = int(round(size * PHOTO_SHARE))
    card = np.empty((size, size, 3), np.float32)
    # each band is one row of the interior mesh's cells (lip to split): sampled as it draws them
    card[:n] = _lip_strip(image, v, 0.0, t_split, n, size, as_drawn=True)
    card[size - n:] = _lip_strip(image, v, t_split, 1.0, n, size, as_drawn=True)
    # the back an opening jaw adds comes out of the photo's own colour at its split (per column),
    # not at a hard edge; below, only where the photo's lower band borders it (no generic teeth),
    # over more of the back: the floor of the mouth catches light
    back = lift_blacks(mouth_card(skin, size, width, rows=size - 2 * n, tongue=not lower_teeth, blur=blur,
                                   turn=turn), black, skin)
    g = (np.arange(size - 2 * n, dtype=np.float32) + 0.5) / (size - 2 * n)
    back += (1 - _smooth(UP_EDGE, UP_EDGE + FADE, g))[:, None, None] * (card[n - 1][None] - back)
    if lower_teeth:
        back += _smooth(LO_EDGE - 3 * FADE, LO_EDGE, g)[:, None, None] * (card[size - n][None] - back)
    card[n:size - n] = back
    photo_cm = np.stack([t_split * gap_px, (1 - t_split) * gap_px]) / scale
    return MouthInterior(card, np.zeros(cols), np.full(cols, 0.0 if lower_teeth else LOWER_TEETH_CM), used,
                         photo_cm, PHOTO_SHARE, tongue=not lower_teeth)


def draw_interior(rgb, card, verts, tris, uvs, amount, take, stream=None, workspace=None):
    """Blend the mouth's inside over a face render, in place: rgb += amount * coverage * (mouth - rgb).
    rgb [h,w,3] float32 (NumPy or CuPy), card [T,T,3], verts [R*C,3] offset to rgb's box, tris,
    uvs (interior_*), amount: a [1] float32 array (0 = closed, 1 = all mouth); take(name, shape)
    -> a float32 buffer. Returns rgb."""
    from . import ops

    from .layers import widen

    xp = ops.array_module(rgb)
    h, w = rgb.shape[:2]
    out, rgb_size = rgb, h * w
    if xp is np:
        # on the host, drawn and blended over the mouth's box only (the render covers nothing
        # beyond it): its vertices moved by the box's whole-pixel corner, which float32 does
        # exactly (the corner lies at or left of them), so the same pixels come out bit for bit
        # without the face box's clears and coverage passes (a 78x24 box instead of 244x199:
        # 0.15 -> 0.075 ms alone; in a frame loop the card's scattered texel reads dominate)
        v = np.asarray(verts, np.float32)
        if np.isfinite(v).all():
            x0, y0 = np.clip(np.floor(v[:, :2].min(0)).astype(int) - 1, 0, (w, h))
            x1, y1 = np.clip(np.ceil(v[:, :2].max(0)).astype(int) + 2, (x0, y0), (w, h))
        else:
            x0, y0, x1, y1 = 0, 0, w, h
        if x1 <= x0 or y1 <= y0:
            return out
        rgb = rgb[y0:y1, x0:x1]
        local = take("mouth.verts", (len(v) * 3,)).reshape(v.shape)
        np.subtract(v, np.array([x0, y0, 0], np.float32), out=local)
        # (the first bytes of buffers the size of the face render: the box changes, they do not)
        h, w = y1 - y0, x1 - x0
        mouth = take("mouth.rgb", (rgb_size * 3,))[:h * w * 3].reshape(h, w, 3)
        cover = take("mouth.alpha", (rgb_size,))[:h * w].reshape(h, w, 1)
        ops.render(card, local, tris, uvs, h, w, out=(mouth, cover.reshape(h, w)))
    else:
        mouth, cover = take("mouth.rgb", (h, w, 3)), take("mouth.alpha", (h, w, 1))
        ops.render(card, verts, tris, uvs, h, w, stream=stream, out=(mouth, cover.reshape(h, w)),
                   workspace=workspace)
    xp.multiply(cover, amount, out=cover)
    xp.subtract(mouth, rgb, out=mouth)
    wide = take("mouth.wide", (rgb_size * 3,))[:mouth.size].reshape(mouth.shape) if xp is np else None
    xp.multiply(mouth, widen(cover, 3, wide), out=mouth)
    xp.add(rgb, mouth, out=rgb)
    return out
