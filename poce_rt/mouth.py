"""Mouth geometry of the MediaPipe mesh: the inner-lip opening and the weight-free mouth cavity.

Used with the expression rig: when the rig opens the jaw without trained networks, the texels
spanning the lips are painted as a cavity (POCE leaves this to the texture-editing network).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LIP_PAIRS", "LIP_CORNERS", "mouth_opening", "mouth_amount", "mouth_gap_texels", "mouth_cavity",
           "MouthInterior", "mouth_interior", "mouth_card", "interior_mesh", "skin_tone", "draw_interior",
           "sample_between", "tooth_like"]

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
CARD_ROWS = (0.0, UP_EDGE, 0.5, LO_EDGE, LO_EDGE, 1.0)   # card v of the mesh rows, the mouth wide open
# the share of the back's card rows (UP_EDGE..LO_EDGE) an opening shows: REVEAL (the dark back
# only) up to an opening of REVEAL_CM[0] cm, all of them (the tongue too) from REVEAL_CM[1] cm
REVEAL, REVEAL_CM = 0.4, (0.8, 2.5)
UPPER_TEETH_CM, LOWER_TEETH_CM = 0.7, 0.3   # generic crown heights the parted lips uncover
MAX_UPPER, MAX_LOWER = 0.3, 0.2   # a tooth row never fills more than this fraction of the opening
CARD_SIZE = 256
# the dental arch seen from the front: teeth at their widths (cm, central incisor first) along
# an arc of ARCH_CM radius, so they narrow towards the corners as the arch turns away; crown
# lengths relative to the central incisor's
ARCH_CM = {"upper": 2.6, "lower": 2.3}
TOOTH_WIDTHS_CM = {"upper": (0.86, 0.66, 0.76, 0.70, 0.68, 1.0), "lower": (0.53, 0.58, 0.68, 0.70, 0.72, 1.1)}
TOOTH_LENGTHS = {"upper": (1.0, 0.86, 0.95, 0.8, 0.75, 0.7), "lower": (1.0, 1.0, 0.95, 0.85, 0.8, 0.7)}
ENAMEL = np.array([0.86, 0.84, 0.78], np.float32)   # off-white, barely saturated
TONGUE = np.array([0.58, 0.29, 0.30], np.float32)
BACK = np.array([0.13, 0.045, 0.042], np.float32)
LUMA = np.array([0.299, 0.587, 0.114], np.float32)
# photo teeth: a pixel of the parted lips is tooth-like when it is at least this bright relative
# to the skin and less saturated than the lips; this share of the opening must be tooth-like
TOOTH_LUMA, TOOTH_SHARE, MIN_PHOTO_GAP_CM = 0.8, 0.3, 0.25


def _smooth(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def interior_tris(cols: int = len(INNER_UPPER), rows: int = len(CARD_ROWS)) -> np.ndarray:
    """[2(C-1)(R-1),3] int32 triangles of the interior grid (vertex index = row * C + col)."""
    out = []
    for r in range(rows - 1):
        for c in range(cols - 1):
            a, b = r * cols + c, r * cols + c + 1
            out += [(a, b, a + cols), (b, b + cols, a + cols)]
    return np.array(out, np.int32)


def interior_uvs(cols: int = len(INNER_UPPER)) -> np.ndarray:
    """[R*C,2] float32 card coordinates of the interior grid with the teeth shown whole."""
    u, v = np.meshgrid(np.linspace(0.0, 1.0, cols), np.array(CARD_ROWS))
    return np.stack([u.ravel(), v.ravel()], 1).astype(np.float32)


def interior_mesh(base_verts: np.ndarray, scale: float, upper_cm=UPPER_TEETH_CM, lower_cm=LOWER_TEETH_CM,
                  level=(True, True)):
    """The interior grid of a posed face: base_verts [468,3] image-space vertices, `scale` px per
    cm, upper_cm / lower_cm the crown heights (scalars or [C] per lip column). level: per row,
    whether its incisal edge runs straight across the mouth at the middle's height (generic
    teeth: where the lip curves down towards a corner it hides that much more of the crown) or
    each column keeps its own height (a photo's teeth, whose heights were measured there).
    Returns verts [R*C,3] float32 (rows: upper lip, upper incisal edge, middle, lower incisal
    edge twice (the back's side and the teeth's), lower lip) and uvs [R*C,2] float32: the card
    rows each shows. A tooth row cut short by the opening shows its incisal end; a narrow
    opening shows only the dark back between the teeth, the tongue (low in the mouth) comes
    into view as the jaw opens (REVEAL_CM)."""
    v = np.asarray(base_verts, np.float64)
    up, lo = v[list(INNER_UPPER)], v[list(INNER_LOWER)]
    gap = np.maximum(np.linalg.norm((lo - up)[:, :2], axis=1), 1e-6)
    mid = len(gap) // 2
    down = (lo[mid] - up[mid])[:2] / gap[mid]
    # how far each column's lip lies inside the opening from the middle's (px, along `down`)
    inset = (((up - up[mid])[:, :2] @ down), ((lo[mid] - lo)[:, :2] @ down))
    rows = []
    for cm, cap, flat, drop in ((upper_cm, MAX_UPPER, level[0], inset[0]), (lower_cm, MAX_LOWER, level[1], inset[1])):
        h = np.broadcast_to(np.asarray(cm, np.float64) * scale, gap.shape)
        h = np.maximum(h - np.maximum(drop, 0.0) if flat else h, 0.0)
        t = np.minimum(h / gap, cap)
        rows.append((t, np.where(h > 1e-6, t * gap / np.maximum(h, 1e-6), 1.0)))   # (t, shown fraction)
    (t_up, f_up), (t_lo, f_lo) = rows
    zero, one = np.zeros_like(gap), np.ones_like(gap)
    ts = np.stack([zero, t_up, 0.5 * (t_up + 1 - t_lo), 1 - t_lo, 1 - t_lo, one])
    verts = up[None] + ts[..., None] * (lo - up)[None]          # [R,C,3]
    reveal = REVEAL + (1 - REVEAL) * _smooth(*REVEAL_CM, gap / max(float(scale), 1e-6))
    low = UP_EDGE + (LO_EDGE - UP_EDGE) * reveal
    cv = np.stack([UP_EDGE * (1 - f_up), UP_EDGE + zero, 0.5 * (UP_EDGE + low), low, LO_EDGE + zero,
                   LO_EDGE + (1 - LO_EDGE) * f_lo])
    cu = np.broadcast_to(np.linspace(0.0, 1.0, len(gap)), cv.shape)
    uvs = np.stack([cu, cv], -1).reshape(-1, 2)
    return np.ascontiguousarray(verts.reshape(-1, 3), np.float32), np.ascontiguousarray(uvs, np.float32)


def interior_verts(base_verts: np.ndarray, scale: float) -> np.ndarray:
    """[R*C,3] float32 vertices of the interior grid with the generic teeth (interior_mesh)."""
    return interior_mesh(base_verts, scale)[0]


def skin_tone(uv: np.ndarray, coverage: np.ndarray) -> np.ndarray:
    """[3] median colour of a face's texture over the layout's coverage (the light the mouth gets)."""
    px = np.asarray(uv, np.float32)[np.asarray(coverage, bool)]
    return np.median(px, axis=0).astype(np.float32) if len(px) else np.full(3, 0.6, np.float32)


def _arch(u: np.ndarray, width_cm: float, row: str):
    """Where each card column u falls on a row of teeth seen from the front: (distance to the
    nearest tooth boundary along the arch in cm, the tooth's relative crown length, how much the
    tooth faces the camera in [0,1])."""
    r = ARCH_CM[row]
    s = np.abs(r * np.arcsin(np.clip((u - 0.5) * width_cm / r, -1.0, 1.0)))   # arc length from the midline
    widths = np.asarray(TOOTH_WIDTHS_CM[row])
    edges = np.concatenate([[0.0], np.cumsum(widths)])
    k = np.clip(np.searchsorted(edges, s, side="right") - 1, 0, len(widths) - 1)
    d = np.maximum(np.minimum(s - edges[k], edges[k + 1] - s), 0.0)
    return d, np.asarray(TOOTH_LENGTHS[row])[k], np.cos(s / r)


def mouth_card(skin: np.ndarray, size: int = CARD_SIZE, width_cm: float = 4.6) -> np.ndarray:
    """[size,size,3] float32 texture of the mouth's inside, lit like a face of colour `skin` [3],
    for a mouth `width_cm` wide at the inner-lip corners: upper crowns on v < UP_EDGE and lower
    ones on v > LO_EDGE (separate teeth along the arch, darker under the lips, towards the
    corners and where the arch turns away), the dark back between and the tongue rising behind
    the lower teeth. Low saturation everywhere but the tongue, soft edges."""
    import cv2

    skin = np.clip(np.asarray(skin, np.float32), 0.02, 1.0)
    y_skin = float(skin @ LUMA)
    light = float(np.clip(y_skin / 0.55, 0.35, 1.4))
    cast = (skin / skin.mean()) ** 0.2
    c = (np.arange(size, dtype=np.float32) + 0.5) / size
    v, u = np.meshgrid(c, c, indexing="ij")
    corner = _smooth(0.0, 0.25, np.minimum(u, 1 - u))           # the cheeks shade the corners
    # the back: dark red-brown, lighter towards the lips and the teeth (the palate and the
    # inside of the cheeks catch some light), darkest at the throat
    depth = np.minimum(np.abs(v - 0.45) / 0.5, 1.0)             # 0 at the throat, 1 at the lips
    out = (BACK * cast * light)[None, None] * (0.8 + 2.2 * depth ** 2)[..., None] * (0.5 + 0.5 * corner)[..., None]
    # the tongue: a wide hump behind the lower teeth, darker further back (up) and at the sides,
    # with a faint groove down its middle
    r = np.sqrt(((u - 0.5) / 0.45) ** 2 + ((v - 0.97) / 0.47) ** 2)
    cover = 1 - _smooth(0.8, 1.0, r)
    groove = 1 - 0.12 * np.exp(-((u - 0.5) / 0.03) ** 2)
    shade = (0.35 + 0.65 * _smooth(0.5, 0.95, v)) * (0.5 + 0.5 * corner) * groove
    tongue = (TONGUE * light)[None, None] * shade[..., None]
    out = out + cover[..., None] * (tongue - out)
    # the teeth: enamel a little brighter than the skin, never glaring; the cheeks hide the
    # teeth past the canines (upper) and the lower lip most of the lower row
    enamel = ENAMEL * cast ** 0.5 * float(np.clip(1.25 * y_skin, 0.3, 0.88) / float(ENAMEL @ LUMA))
    x = np.abs(u[0] - 0.5) * width_cm
    for row, edge, dim, reach in (("upper", UP_EDGE, 1.0, 1.9), ("lower", 1 - LO_EDGE, 0.85, 1.0)):
        d, length, facing = _arch(u[0], width_cm, row)
        vv = v if row == "upper" else 1 - v                     # from the gums to the incisal edge
        tip = edge * length * (1 - 0.08 * (1 - _smooth(0.0, 0.1, d)))   # rounded corners
        crown = (1 - _smooth(tip - 0.015, tip + 0.015, vv)) * (1 - _smooth(reach - 0.4, reach, x))
        shade = (dim * (0.78 + 0.22 * _smooth(0.0, 0.06, d))          # soft gaps between the teeth
                 * (0.85 + 0.15 * _smooth(0.0, 0.5 * edge, vv))       # the lip's shadow
                 * (1 - 0.08 * _smooth(tip - 0.03, tip, vv))         # translucent incisal edge
                 * (0.5 + 0.5 * np.clip(facing, 0, 1) ** 1.5) * (0.6 + 0.4 * corner))
        out = out + crown[..., None] * (enamel[None, None] * shade[..., None] - out)
    return np.clip(cv2.GaussianBlur(out, (0, 0), size / 256.0), 0.0, 1.0).astype(np.float32)


def sample_between(image: np.ndarray, top: np.ndarray, bottom: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """[rows,cols,3] float32 (0..1) bilinear samples of a photo [H,W,3] uint8 between two
    polylines top / bottom [C,2] (x, y px, column for column): columns evenly along them, rows
    from top to bottom."""
    import cv2

    k = np.linspace(0.0, len(top) - 1.0, cols)
    idx = np.arange(len(top))
    a = np.stack([np.interp(k, idx, np.asarray(top, np.float64)[:, i]) for i in (0, 1)], -1)
    b = np.stack([np.interp(k, idx, np.asarray(bottom, np.float64)[:, i]) for i in (0, 1)], -1)
    t = np.linspace(0.0, 1.0, rows)[:, None, None]
    p = (a[None] + t * (b - a)[None]).astype(np.float32)
    img = np.asarray(image, np.float32) / 255.0
    return cv2.remap(img, p[..., 0], p[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _lip_strip(image: np.ndarray, vertices: np.ndarray, t0: float, t1: float, rows: int, cols: int):
    """sample_between a photo's inner lips (vertices [468,3] px), corner to corner, from t0 to t1
    of the way from the upper lip to the lower one."""
    v = np.asarray(vertices, np.float64)[:, :2]
    up, lo = v[list(INNER_UPPER)], v[list(INNER_LOWER)]
    return sample_between(image, up + t0 * (lo - up), up + t1 * (lo - up), rows, cols)


def tooth_like(px: np.ndarray, skin: np.ndarray) -> np.ndarray:
    """[...] bool: pixels [...,3] (0..1) that look like teeth beside a skin of colour [3]: bright
    (TOOTH_LUMA of the skin's luma or more) and less saturated than the skin."""
    def sat(a):
        return (a.max(-1) - a.min(-1)) / np.maximum(a.max(-1), 1e-6)

    return (px @ LUMA >= TOOTH_LUMA * float(skin @ LUMA)) & (sat(px) < max(0.25, sat(np.asarray(skin, np.float32))))


@dataclass(frozen=True)
class MouthInterior:
    """The inside of one face's mouth: card [T,T,3] float32, upper_cm / lower_cm the crown heights
    the parted lips uncover ([C] per lip column), photo_teeth: which rows come from the photo
    ('', 'upper' or 'upper,lower')."""

    card: np.ndarray
    upper_cm: np.ndarray
    lower_cm: np.ndarray
    photo_teeth: str = ""

    def mesh(self, base_verts: np.ndarray, scale: float):
        """(verts [R*C,3], uvs [R*C,2]) of the interior grid of a posed face (interior_mesh)."""
        rows = self.photo_teeth.split(",")
        return interior_mesh(base_verts, scale, self.upper_cm, self.lower_cm,
                             level=("upper" not in rows, "lower" not in rows))


def mouth_interior(image: np.ndarray, face, skin: np.ndarray, size: int = CARD_SIZE) -> MouthInterior:
    """The mouth's inside for a tracked face (vertices [468,3] image px, pose.scale px/cm, shape
    [468,3] cm) of a photo [H,W,3] uint8, lit like skin [3]. Where the photo's lips are parted
    over teeth (TOOTH_SHARE of the opening tooth-like), its own teeth replace the generic ones:
    the opening from the upper lip down to the darkest line between the rows (the incisal edges)
    becomes the upper teeth, what lies below it the lower teeth if it is tooth-like too, each at
    its height in the photo."""
    shape = np.asarray(face.shape, np.float64)
    width = float(np.linalg.norm(shape[LIP_CORNERS[1]] - shape[LIP_CORNERS[0]]))
    card = mouth_card(skin, size, width)
    cols = len(INNER_UPPER)
    upper, lower = np.full(cols, UPPER_TEETH_CM), np.full(cols, LOWER_TEETH_CM)
    v = np.asarray(face.vertices, np.float64)
    gap_px = np.linalg.norm((v[list(INNER_LOWER)] - v[list(INNER_UPPER)])[:, :2], axis=1)
    scale = float(face.pose.scale)
    if gap_px[cols // 2] < MIN_PHOTO_GAP_CM * scale:
        return MouthInterior(card, upper, lower)
    # the middle half of the opening, where the lips' own pixels do not reach
    strip = _lip_strip(image, v, 0.0, 1.0, 32, 48)
    teeth = tooth_like(strip, skin)
    if teeth[4:28, 12:36].mean() < TOOTH_SHARE:
        return MouthInterior(card, upper, lower)
    profile = np.median(strip[:, 12:36] @ LUMA, axis=1)        # [32] luma from the upper lip down
    lo_rows = np.arange(13, 30)
    split = int(lo_rows[np.argmin(profile[lo_rows])])
    t_split = split / 31.0 if profile[split] < 0.75 * np.median(profile[3:12]) else 1.0
    n_up = int(round(size * UP_EDGE))
    # down to just short of the split (or the lower lip) and faded into the dark there: the
    # incisal edge
    top = _lip_strip(image, v, 0.04, max(t_split - 0.05, 0.1), n_up, size)
    fade = 1 - _smooth(0.8, 1.0, np.linspace(0.0, 1.0, n_up))[:, None, None]
    card = card.copy()
    card[:n_up] = card[:n_up] + fade * (top - card[:n_up])
    upper = t_split * gap_px / scale
    used = "upper"
    if t_split < 1.0 and tooth_like(strip[split + 2:30, 12:36], skin).mean() >= TOOTH_SHARE:
        n_lo = size - int(round(size * LO_EDGE))
        bottom = _lip_strip(image, v, min(t_split + 0.05, 0.9), 0.96, n_lo, size)
        fade = _smooth(0.0, 0.2, np.linspace(0.0, 1.0, n_lo))[:, None, None]
        card[-n_lo:] = card[-n_lo:] + fade * (bottom - card[-n_lo:])
        lower = (1 - t_split) * gap_px / scale
        used = "upper,lower"
    return MouthInterior(np.ascontiguousarray(card, np.float32), upper, lower, used)


def draw_interior(rgb, card, verts, tris, uvs, amount, take, stream=None, workspace=None):
    """Blend the mouth's inside over a face render, in place: rgb += amount * coverage * (mouth - rgb).
    rgb [h,w,3] float32 (NumPy or CuPy), card [T,T,3], verts [R*C,3] offset to rgb's box, tris,
    uvs (interior_*), amount: a [1] float32 array (0 = closed, 1 = all mouth); take(name, shape)
    -> a float32 buffer. Returns rgb."""
    from . import ops

    xp = ops.array_module(rgb)
    h, w = rgb.shape[:2]
    mouth, cover = take("mouth.rgb", (h, w, 3)), take("mouth.alpha", (h, w, 1))
    ops.render(card, verts, tris, uvs, h, w, stream=stream, out=(mouth, cover.reshape(h, w)), workspace=workspace)
    xp.multiply(cover, amount, out=cover)
    xp.subtract(mouth, rgb, out=mouth)
    xp.multiply(mouth, cover, out=mouth)
    xp.add(rgb, mouth, out=rgb)
    return rgb
