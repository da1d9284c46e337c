"""The photo's own mouth: mouth_interior reads one tracked face into a MouthInterior, the card the
interior mesh draws (poce_rt.mouth.mesh) and the heights it draws it at. Where the photo's lips
are parted, its opening is sampled between its inner lips into the card's top and bottom bands
(above its split riding on the upper lip, below it on the jaw) with the generic card
(poce_rt.mouth.card) between for what an opening jaw adds; else the card is the generic one. Its
teeth are found by their colour beside the skin (tooth_like).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..complete import LUMA
from .card import CARD_SIZE, LO_EDGE, UP_EDGE, arch_turn, mouth_card, smooth
from .light import black_level, lift_blacks
from .lips import INNER_LOWER, INNER_UPPER, LIP_CORNERS
from .mesh import LOWER_TEETH_CM, UPPER_TEETH_CM, interior_mesh

__all__ = ["MouthInterior", "mouth_interior", "sample_between", "tooth_like"]

# the smallest card (texels across) and the card's softness in photo pixels (mouth_interior)
MIN_CARD, BLUR_PX = 32, 0.6
# the photo's own opening: its bands above and below its split fill this share of the card each
# (the generic card the middle; they stretch or squeeze with the opening up to mesh.STRETCH)
PHOTO_SHARE = 0.25
CLOSING = (0.55, 0.8)   # the share of the photo's opening over which its inside gives way as the mouth closes
FADE = 0.06   # card v over which the generic back fades out of the photo's colour at its split
# photo teeth: a pixel of the parted lips is tooth-like when it is at least this bright relative
# to the skin and less saturated than the lips; this share of the opening must be tooth-like
TOOTH_LUMA, TOOTH_SHARE, MIN_PHOTO_GAP_CM = 0.8, 0.3, 0.25


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
        return float(smooth(*CLOSING, np.array(gap / max(own, 1e-6))))

    def mesh(self, base_verts: np.ndarray, scale: float):
        """(verts [R*C,3], uvs [R*C,2]) of the interior grid of a posed face (interior_mesh)."""
        return interior_mesh(base_verts, scale, self.upper_cm, self.lower_cm, level=(True, not self.from_photo),
                             photo_cm=self.photo_cm, photo_share=self.photo_share, tongue=self.tongue,
                             card_size=self.card.shape[0])


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
    back += (1 - smooth(UP_EDGE, UP_EDGE + FADE, g))[:, None, None] * (card[n - 1][None] - back)
    if lower_teeth:
        back += smooth(LO_EDGE - 3 * FADE, LO_EDGE, g)[:, None, None] * (card[size - n][None] - back)
    card[n:size - n] = back
    photo_cm = np.stack([t_split * gap_px, (1 - t_split) * gap_px]) / scale
    return MouthInterior(card, np.zeros(cols), np.full(cols, 0.0 if lower_teeth else LOWER_TEETH_CM), used,
                         photo_cm, PHOTO_SHARE, tongue=not lower_teeth)
