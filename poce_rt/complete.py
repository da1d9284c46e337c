"""Weight-free UV completion: the fallback behind the learned completion network.

1. Mirror: a texel hidden in the photo takes the colour of its left-right mirror texel where that
   one is visible (the canonical UV layout is symmetric about u = 0.5, so the mirror of column j is
   column S-1-j), relit to its own neighbourhood: the two sides of a face are seldom lit alike (a
   nose's shadowed flank mirrored from its lit one drew pale streaks), so the mirror texel gives
   only the detail, m / low(m), and the low frequencies come from the visible texels around the
   texel itself (relight_mirror).
2. Fill everything still unknown by push-pull (so bilinear reads at the layout's border never pull
   in black), then redo the holes inside the layout with OpenCV's Telea inpainting.
"""
from __future__ import annotations

import cv2
import numpy as np

from .errors import InputError
from .ops.uv_layout import UVLayout


def mirror_fill(uv: np.ndarray, mask: np.ndarray, layout: UVLayout | None = None, relight: bool = True):
    """[S,S,3], [S,S] -> (uv, mask) with hidden texels taken from their visible mirror texels
    (relit to their own neighbourhood: relight_mirror; relight=False: copied as they are)."""
    mirrored_uv = uv[:, ::-1]
    mirrored_mask = mask[:, ::-1]
    take = (mask < 0.5) & (mirrored_mask >= 0.5)
    if layout is not None:
        take &= layout.coverage
    out = uv.copy()
    if relight and take.any():
        mirrored_uv, lit_alike = relight_mirror(uv, mask >= 0.5, take, layout)
        take &= lit_alike
    out[take] = mirrored_uv[take]
    return out, np.maximum(mask, take.astype(np.float32))


RELIGHT_SIGMA = 0.02    # the low-pass scale, as a fraction of S (~5 texels at 256: a nose's flank)
RELIGHT_NEAR = 0.05     # share of visible texels in the low-pass window from which its lighting is used
RELIGHT_GAIN = (1 / 3, 3.0)
# a mirror texel whose side is lit more than this much darker or brighter than the hole's own
# surroundings is not used (inpainted instead): a close crop's shadowed near side, dark to 20
# levels at the photo's border, mirrored onto the lit far cheek drew a dark arc there even relit
RELIGHT_TRUST = (0.5, 2.0)
RELIGHT_SCALES = 3
_EPS = 0.02


def low_pass(img: np.ndarray, weight: np.ndarray, sigma: float):
    """Normalised convolution: the Gaussian (sigma texels) average of img [S,S,C] over the texels
    where weight [S,S] is set -> (average [S,S,C], the window's weight [S,S] in [0,1]). A wide
    window is taken on a copy shrunk to keep sigma at 2-4 texels (the same average, at a fraction
    of the cost), then scaled back."""
    h, w = weight.shape
    f = 2 ** max(0, int(np.log2(sigma / 2.0)))
    wt = weight.astype(np.float32)
    num = np.ascontiguousarray(img * wt[..., None], np.float32)
    if f > 1:
        size = (max(1, w // f), max(1, h // f))
        num = cv2.resize(num, size, interpolation=cv2.INTER_AREA)
        wt = cv2.resize(wt, size, interpolation=cv2.INTER_AREA)
    num = cv2.GaussianBlur(num, (0, 0), sigma / f).reshape(wt.shape + img.shape[2:])
    den = cv2.GaussianBlur(wt, (0, 0), sigma / f)
    avg = num / np.maximum(den, 1e-6)[..., None]
    if f > 1:
        avg = cv2.resize(avg, (w, h), interpolation=cv2.INTER_LINEAR).reshape(img.shape)
        den = cv2.resize(den, (w, h), interpolation=cv2.INTER_LINEAR)
    return avg, den


def relight_mirror(uv: np.ndarray, known: np.ndarray, take: np.ndarray, layout: UVLayout | None = None):
    """The mirror texture relit to each texel's own neighbourhood -> [S,S,3] float32 (meant for
    the `take` texels, whose mirror texel is known).

        out = mirror * g,   g = low(uv; known) / low(mirror; mirror known)   (per channel)

    low: a Gaussian average over the known texels only, at the finest of RELIGHT_SCALES scales
    (RELIGHT_SIGMA of S, then twice, four times that) whose window holds enough known texels
    (RELIGHT_NEAR). So the mirror keeps its detail (pores, hair, the eye's lines) and takes the
    lighting of the visible texels around the hole: a shadowed nose flank stays shadowed. Deeper
    in a large hole (the far cheek) g is push-pulled from where it is known, so that the mirror's
    larger structures (an eye, a beard's edge) are kept, only shifted to the border's lighting.
    uv [S,S,3], known / take [S,S] bool.
    Returns (relit [S,S,3] float32, lit_alike [S,S] bool: where the two sides' lighting differs
    by no more than RELIGHT_TRUST, the mirror's structure can be trusted as detail)."""
    s = uv.shape[0]
    sigma = max(1.0, RELIGHT_SIGMA * s)
    region = layout.coverage if layout is not None else np.ones(known.shape, bool)
    mirrored = uv[:, ::-1]
    gain = np.ones_like(uv, dtype=np.float32)
    trusted = np.zeros(known.shape, bool)
    for k in range(RELIGHT_SCALES):
        if not (take & ~trusted).any():
            break
        local, near = low_pass(uv, known & region, sigma * 2 ** k)
        mirror_low, _ = low_pass(mirrored, known[:, ::-1] & region, sigma * 2 ** k)
        here = take & ~trusted & (near >= RELIGHT_NEAR)
        gain[here] = (local[here] + _EPS) / (mirror_low[here] + _EPS)
        trusted |= here
    if not trusted.any():
        return mirrored, np.ones(known.shape, bool)
    gain = push_pull(gain, trusted)
    g = gain.mean(-1)   # (the channels' lighting differs by a tint, not by a side's shadow)
    lit_alike = (g >= RELIGHT_TRUST[0]) & (g <= RELIGHT_TRUST[1])
    return np.clip(mirrored * np.clip(gain, *RELIGHT_GAIN), 0.0, 1.0).astype(np.float32), lit_alike


def push_pull(img: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Fill unknown pixels of [S,S,C] with a mask-weighted pyramid (pull: average known values down
    to 1x1; push: fill holes from the coarser level on the way up). OpenCV has no such fill, and
    its inpainting spreads far too slowly over the large empty area outside the UV layout."""
    w = known.astype(np.float32)[..., None]
    levels = [(img.astype(np.float32) * w, w)]
    while min(levels[-1][1].shape[:2]) > 1:
        c, wt = levels[-1]
        h, wd = (c.shape[0] + 1) // 2 * 2, (c.shape[1] + 1) // 2 * 2
        c = np.pad(c, ((0, h - c.shape[0]), (0, wd - c.shape[1]), (0, 0)))
        wt = np.pad(wt, ((0, h - wt.shape[0]), (0, wd - wt.shape[1]), (0, 0)))
        c = c.reshape(h // 2, 2, wd // 2, 2, -1).sum((1, 3))
        wt = wt.reshape(h // 2, 2, wd // 2, 2, -1).sum((1, 3))
        levels.append((c, wt))
    colour = levels[-1][0] / np.maximum(levels[-1][1], 1e-8)
    for c, wt in reversed(levels[:-1]):
        up = cv2.resize(colour, (colour.shape[1] * 2, colour.shape[0] * 2), interpolation=cv2.INTER_LINEAR)
        up = up.reshape(up.shape[0], up.shape[1], -1)[: c.shape[0], : c.shape[1]]
        own = c / np.maximum(wt, 1e-8)
        a = np.clip(wt, 0, 1)
        colour = own * a + up * (1 - a)
    return colour.astype(img.dtype)


def complete_uv_fallback(uv: np.ndarray, mask: np.ndarray, layout: UVLayout,
                         inpaint_radius: int = 5) -> np.ndarray:
    """Weight-free completion.

    Args:
        uv: [S,S,3] float32 in [0,1], the sampled UV.
        mask: [S,S] float32, 1 where visible.
        layout: the UV layout (its coverage says which texels belong to the face).

    Returns:
        [S,S,3] float32 complete texture; visible texels are kept exactly.
    """
    if uv.shape[:2] != mask.shape or uv.shape[:2] != layout.tri_id.shape or uv.shape[2:] != (3,):
        raise ValueError(f"uv {uv.shape}, mask {mask.shape} and layout {layout.tri_id.shape} disagree")
    if mask.max(initial=0) < 0.5:
        raise InputError("the sampled UV has no visible texel: nothing to complete from")
    filled, known = mirror_fill(uv, mask, layout)
    # Push-pull first so that every texel outside the face has a plausible colour, then let Telea
    # redo the holes inside the layout from their border (it treats all non-hole texels as known).
    out = push_pull(filled, known >= 0.5)
    holes = layout.coverage & (known < 0.5)
    if holes.any():
        u8 = np.clip(out * 255 + 0.5, 0, 255).astype(np.uint8)
        painted = cv2.inpaint(u8, holes.astype(np.uint8), inpaint_radius, cv2.INPAINT_TELEA)
        out[holes] = painted[holes].astype(np.float32) / 255.0
    keep = mask >= 0.5
    out[keep] = uv[keep]
    return np.ascontiguousarray(out, dtype=np.float32)
