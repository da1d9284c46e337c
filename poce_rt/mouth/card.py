"""The mouth's card: the texture the interior mesh (poce_rt.mouth.mesh) draws inside the lips, u
across them corner to corner and v down: the upper crowns on v < UP_EDGE (gum side at 0), the
lower ones on v > LO_EDGE (gum side at 1), the dark back of the mouth and the tongue between.
mouth_card draws the generic one, lit by the face's skin tone (poce_rt.mouth.light), its teeth
along a dental arch seen from the front or through the lips of a turned head (arch_turn); where
the photo's lips are parted, its own opening fills the card's top and bottom bands
(poce_rt.mouth.photo). card_u / card_v: where the lip columns and the bands fall on its texels,
shared by the mesh's uvs and the photo's sampling.
"""
from __future__ import annotations

import numpy as np

from ..complete import LUMA
from .light import in_photo_colour
from .lips import INNER_LOWER, INNER_UPPER

__all__ = ["mouth_card", "arch_turn", "card_u", "card_v", "smooth", "UP_EDGE", "LO_EDGE", "CARD_SIZE"]

UP_EDGE, LO_EDGE = 0.25, 0.75   # card v of the upper and the lower incisal edges
CARD_SIZE = 256   # texels across a card (the most: poce_rt.mouth.photo sizes it to the mouth)
# the dental arch seen from the front: teeth at their widths (cm, central incisor first) along
# an arc of ARCH_CM radius, so they narrow towards the corners as the arch turns away; crown
# lengths relative to the central incisor's
ARCH_CM = {"upper": 2.6, "lower": 2.3}
TOOTH_WIDTHS_CM = {"upper": (0.86, 0.66, 0.76, 0.70, 0.68, 1.0), "lower": (0.53, 0.58, 0.68, 0.70, 0.72, 1.1)}
TOOTH_LENGTHS = {"upper": (1.0, 0.86, 0.95, 0.8, 0.75, 0.7), "lower": (1.0, 1.0, 0.95, 0.85, 0.8, 0.7)}
ENAMEL = np.array([0.86, 0.84, 0.78], np.float32)   # off-white, barely saturated
TONGUE = np.array([0.58, 0.29, 0.30], np.float32)
BACK = np.array([0.13, 0.045, 0.042], np.float32)


def smooth(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    """0 below e0, 1 above e1, 3t^2 - 2t^3 between, in x's own precision (complete.smoothstep casts
    to float32; the interior mesh works in float64)."""
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def card_v(x: np.ndarray, share: float, size: int, band: str = "generic") -> np.ndarray:
    """Texture v of a card whose top and bottom `share` are the photo's bands (0: a generic card
    only): x in [0,1] along the band, mapped onto its texel centres so that bilinear reads never
    mix two bands."""
    p = int(round(share * size))
    start, n = {"upper": (0, p), "generic": (p, size - 2 * p), "lower": (size - p, p)}[band]
    x = np.asarray(x, np.float64)
    if n == 0:   # no photo band: its rows have no height; the generic card's edge
        start, n, x = p, size - 2 * p, 0 * x + (band == "lower")
    return (start + 0.5 + x * (n - 1)) / size


def card_u(cols: int, size: int) -> np.ndarray:
    """[cols] texture u of the lip columns, corner to corner, on the card's texel centres (as
    photo.sample_between samples them)."""
    return (0.5 + np.linspace(0.0, 1.0, cols) * (size - 1)) / size


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
    where card_u puts it), looking along `view` (arch_turn): the arch a circle of radius r in the
    canonical x-z plane, its front ARCH_SETBACK_CM behind the lips' middle. A column whose line of
    sight misses the arch sees past it (facing -1): the far side of a turned mouth shows no teeth."""
    k = np.linspace(0.0, 1.0, len(lips))
    t = (np.asarray(u, np.float64) * len(u) - 0.5) / max(len(u) - 1, 1)   # card u -> lip column (card_u)
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
    corner = smooth(0.0, 0.25, np.minimum(u, 1 - u))           # the cheeks shade the corners
    # the back: dark red-brown, lighter towards the lips and the teeth (the palate and the
    # inside of the cheeks catch some light), darkest at the throat
    depth = np.minimum(np.abs(v - 0.45) / 0.5, 1.0)             # 0 at the throat, 1 at the lips
    out = (BACK * cast * light)[None, None] * (0.8 + 2.2 * depth ** 2)[..., None] * (0.5 + 0.5 * corner)[..., None]
    # the tongue: a wide hump behind the lower teeth, darker further back (up) and at the sides,
    # with a faint groove down its middle
    r = np.sqrt(((u - 0.5) / 0.45) ** 2 + ((v - 0.97) / 0.47) ** 2)
    cover = (1 - smooth(0.8, 1.0, r)) * float(tongue)
    groove = 1 - 0.12 * np.exp(-((u - 0.5) / 0.03) ** 2)
    shade = (0.35 + 0.65 * smooth(0.5, 0.95, v)) * (0.5 + 0.5 * corner) * groove
    tongue = (TONGUE * light)[None, None] * shade[..., None]
    out = out + cover[..., None] * (tongue - out)
    # the teeth: enamel a little brighter than the skin, never glaring; the cheeks hide the
    # teeth past the canines (upper) and the lower lip most of the lower row
    enamel = ENAMEL * cast ** 0.5 * float(np.clip(1.25 * y_skin, 0.3, 0.88) / float(ENAMEL @ LUMA))
    x = np.abs(u[0] - 0.5) * width_cm
    for row, edge, dim, reach in (("upper", UP_EDGE, 1.0, 1.9), ("lower", 1 - LO_EDGE, 0.85, 1.0)):
        d, length, facing = _arch(u[0], width_cm, row, turn)
        vv = v if row == "upper" else 1 - v                     # from the gums to the incisal edge
        tip = edge * length * (1 - 0.08 * (1 - smooth(0.0, 0.1, d)))   # rounded corners
        crown = (1 - smooth(tip - 0.015, tip + 0.015, vv)) * (1 - smooth(reach - 0.4, reach, x)) * (facing >= 0)
        shade = (dim * (0.78 + 0.22 * smooth(0.0, 0.06, d))          # soft gaps between the teeth
                 * (0.85 + 0.15 * smooth(0.0, 0.5 * edge, vv))       # the lip's shadow
                 * (1 - 0.08 * smooth(tip - 0.03, tip, vv))         # translucent incisal edge
                 * (0.5 + 0.5 * np.clip(facing, 0, 1) ** 1.5) * (0.6 + 0.4 * corner))
        out = out + crown[..., None] * (enamel[None, None] * shade[..., None] - out)
    sigma = size / 256.0 if blur is None else float(blur)
    out = np.clip(cv2.GaussianBlur(out, (0, 0), sigmaX=sigma, sigmaY=sigma * rows / size), 0.0, 1.0)
    return in_photo_colour(out.astype(np.float32), skin)
