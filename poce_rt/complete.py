"""Weight-free UV completion: the fallback behind the learned completion network.

1. Mirror: a texel hidden in the photo takes the colour of its left-right mirror texel where that
   one is visible (the canonical UV layout is symmetric about u = 0.5, so the mirror of column j is
   column S-1-j), relit to its own neighbourhood: the two sides of a face are seldom lit alike (a
   nose's shadowed flank mirrored from its lit one drew pale streaks), so the mirror texel gives
   only the detail, m / low(m), and the low frequencies come from the visible texels around the
   texel itself (relight_mirror).
2. Fill everything still unknown by push-pull (so bilinear reads at the layout's border never pull
   in black), then redo the holes inside the layout with OpenCV's Telea inpainting, the texels
   outside the layout given their nearest known texel's colour first (Telea reads them too).
3. Inpainting is smooth: a revealed cheek filled so had half the fine detail of the skin beside it
   (a flat, waxy disc). Each inpainted texel takes the detail ratio m / low(m) of a known texel,
   its mirror texel where that one is known (its lighting was too unlike to copy it), else the
   known skin in a band beside the hole, carried across its border (add_detail), no stronger than
   the skin's nearest the hole (a crease taken far along the border is not its texture); the
   inpainted low frequencies are kept.
4. The photo's own texels are drawn by reading the photo once (poce_rt.photo_warp), the fill by
   reading the map: one low-pass more. The fill is unsharp-masked by as much (presharpen).
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
# A texel takes its gain from a scale by that scale's share of visible texels in its window: none
# at RELIGHT_BLEND * RELIGHT_NEAR .. all of what no finer scale took at RELIGHT_NEAR. Switched
# at RELIGHT_NEAR alone, the gain stepped where a scale's reach ended (Tom_Hanks_54745.png's far
# jaw: 1.35 -> 1.63 -> 2.0 within a few texels, a pale line along the jaw at -25); a texel any
# finer scale reaches fully is relit as before
RELIGHT_BLEND = 0.25
_EPS = 0.02
_MEASURED = 1e-3   # a texel's share of measured gain below which it is push-pulled (a ratio of tiny sums)


def smoothstep(x, lo: float, hi: float):
    """0 below lo, 1 above hi, 3t^2 - 2t^3 between (float32, any shape). (Here, below the modules
    that ramp by it: disocclusion imports this module.)"""
    t = np.clip((np.asarray(x, np.float32) - np.float32(lo)) / np.float32(hi - lo), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def low_pass(img: np.ndarray, weight: np.ndarray, sigma: float):
    """Normalised convolution: the Gaussian (sigma texels) average of img [S,S,C] over the texels
    where weight [S,S] is set -> (average [S,S,C], the window's weight [S,S] in [0,1]). A wide
    window is taken on a copy shrunk to keep sigma at 2-4 texels (the same average, at a fraction
    of the cost), then scaled back."""
    h, w = weight.shape
    f = shrink_factor(sigma)
    wt = weight.astype(np.float32)
    num = np.ascontiguousarray(img * wt[..., None], np.float32)
    if f > 1:
        size = (max(1, w // f), max(1, h // f))
        num = cv2.resize(num, size, interpolation=cv2.INTER_AREA)
        wt = cv2.resize(wt, size, interpolation=cv2.INTER_AREA)
    num = cv2.GaussianBlur(num, (0, 0), sigma / f).reshape(wt.shape + img.shape[2:])
    den = cv2.GaussianBlur(wt, (0, 0), sigma / f)
    avg = num / np.maximum(den, 1e-6)[..., None]
    return grow_back(avg, den, f, img.shape)


def shrink_factor(sigma: float) -> int:
    """The factor low_pass shrinks its copy by for a window of sigma texels (sigma 2-4 texels there)."""
    return 2 ** max(0, int(np.log2(sigma / 2.0)))


def grow_back(avg: np.ndarray, den: np.ndarray, f: int, shape) -> tuple:
    """low_pass's (average, weight) taken on a copy shrunk by f, scaled back to shape [S,S,C]."""
    if f > 1:
        avg = cv2.resize(avg, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR).reshape(shape)
        den = cv2.resize(den, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
    return avg, den


def relight_mirror(uv: np.ndarray, known: np.ndarray, take: np.ndarray, layout: UVLayout | None = None):
    """The mirror texture relit to each texel's own neighbourhood -> [S,S,3] float32 (meant for
    the `take` texels, whose mirror texel is known).

        out = mirror * g,   g = low(uv; known) / low(mirror; mirror known)   (per channel)

    low: a Gaussian average over the known texels only, at the finest of RELIGHT_SCALES scales
    (RELIGHT_SIGMA of S, then twice, four times that) whose window holds enough known texels
    (RELIGHT_NEAR; blended with the next one where it holds fewer: relight_gain). So the mirror
    keeps its detail (pores, hair, the eye's lines) and takes the lighting of the visible texels
    around the hole: a shadowed nose flank stays shadowed. Deeper in a large hole (the far cheek)
    g is push-pulled from where it is known, so that the mirror's larger structures (an eye, a
    beard's edge) are kept, only shifted to the border's lighting.
    uv [S,S,3], known / take [S,S] bool.
    Where the mirror is lit darker than the hole's surroundings (RELIGHT_SHADOW), its bright
    structure at the scale its gain was measured at, and its dark structure wider than the finest
    scale (finer too where the mirror lies in deep shadow: RELIGHT_DEEP), are its shadow's shading
    and are divided out (shadow_share). A relit colour past 1 is scaled back with its hue kept
    (in_gamut).
    Returns (relit [S,S,3] float32, lit_alike [S,S] bool: where the two sides' lighting differs
    by no more than RELIGHT_TRUST, the mirror's structure can be trusted as detail)."""
    s = uv.shape[0]
    sigma = max(1.0, RELIGHT_SIGMA * s)
    region = layout.coverage if layout is not None else np.ones(known.shape, bool)
    mirrored = uv[:, ::-1]
    seen = known[:, ::-1] & region
    measured = relight_gain(uv, known & region, seen, take, sigma)
    if measured is None:
        return mirrored, np.ones(known.shape, bool)
    gain, mirror_low = measured
    g = gain.mean(-1)   # (the channels' lighting differs by a tint, not by a side's shadow)
    lit_alike = (g >= RELIGHT_TRUST[0]) & (g <= RELIGHT_TRUST[1])
    relit = mirrored * np.clip(gain, *RELIGHT_GAIN)
    shadowed = shadow_share(g)[..., None]
    if shadowed.any():   # the mirror's structure between its detail's scale and the lighting's
        mirror_fine, _ = low_pass(mirrored, seen, max(1.0, DETAIL_SIGMA * s))
        structure = (mirror_fine + _EPS) / (mirror_low + _EPS)
        relit *= np.power(np.maximum(structure, 1.0), -shadowed)
        # its dark structure wider than the finest scale (RELIGHT_SHADOW)
        base, _ = low_pass(mirrored, seen, sigma)
        relit *= np.power(np.minimum((base + _EPS) / (mirror_low + _EPS), 1.0), -shadowed)
        # and where it lies in deep shadow, its dark structure finer than that too (RELIGHT_DEEP)
        deep = shadowed * (1.0 - smoothstep(mirror_fine @ LUMA, *RELIGHT_DEEP))[..., None]
        relit *= np.power(np.minimum((mirror_fine + _EPS) / (base + _EPS), 1.0), -deep)
    return np.clip(in_gamut(relit), 0.0, 1.0).astype(np.float32), lit_alike


def in_gamut(rgb: np.ndarray) -> np.ndarray:
    """[...,3] RGB -> the same with each colour past 1 in a channel scaled down to 1 there, its hue
    kept (the rest as they are). The relit mirror is the mirror times a gain per channel: where a
    warm mirror texel is relit to a pale neighbourhood (a gain of 1.2-1.8, the most in blue), a clip
    channel by channel turns it neutral white: Image_with_alpha.png's far temple, its mirror the
    fingers on his near temple relit to the palm beside the hole (212 texels past 1, to 1.22), drew
    a bluish-white speck beside the palm at +25 (relight_mirror)."""
    peak = rgb.max(-1, keepdims=True)
    return np.where(peak > 1.0, rgb / np.maximum(peak, np.float32(1e-6)), rgb)


def relight_gain(uv: np.ndarray, visible: np.ndarray, seen: np.ndarray, take: np.ndarray, sigma: float):
    """relight_mirror's gain low(uv; visible) / low(mirror; seen) and the mirror's low-pass it
    was measured against -> ([S,S,3], [S,S,3]) float32, or None where no `take` texel has visible
    texels within reach. Each texel's is the blend of RELIGHT_SCALES scales (sigma texels, twice,
    four times that) by how many visible texels each window holds (RELIGHT_NEAR, RELIGHT_BLEND),
    push-pulled where none holds enough. visible / seen (the mirror's visible texels, mirrored) /
    take [S,S] bool."""
    mirrored = uv[:, ::-1]
    c = uv.shape[2]
    acc = np.zeros(uv.shape[:2] + (2 * c,), np.float32)
    left = take.astype(np.float32)    # each texel's share that no finer scale took
    weight = np.zeros(take.shape, np.float32)
    for k in range(RELIGHT_SCALES):
        if not (left > 0).any():
            break
        local, near = low_pass(uv, visible, sigma * 2 ** k)
        mirror_low, _ = low_pass(mirrored, seen, sigma * 2 ** k)
        share = left * smoothstep(near, RELIGHT_NEAR * RELIGHT_BLEND, RELIGHT_NEAR)
        acc += share[..., None] * np.concatenate([(local + _EPS) / (mirror_low + _EPS), mirror_low], -1)
        weight += share
        left -= share
    trusted = weight >= _MEASURED
    if not trusted.any():
        return None
    acc = push_pull(acc / np.maximum(weight, _MEASURED)[..., None], trusted)
    return acc[..., :c], acc[..., c:]


# A mirror lit this much darker than the hole's surroundings (gain g: none .. all of it) holds its
# shadow's shading, not the skin's: the terminator along a jaw in shadow, a fold's dark side. Its
# structure at the relighting's scale (m / low(m)) is multiplied by g with the rest, and drew
# the near side's lit jaw edge as a bright streak 40-50 levels above the lit far cheek's skin
# (Tom_Hanks_54745.png, lit from his far side, turned -25: the fill's 99th percentile along the
# far jaw 17 levels above the skin's beside it, now level). There the relit mirror keeps only
# its detail (finer than DETAIL_SIGMA: pores) on the lighting of the hole's surroundings: the
# structure low_fine(m) / low(m) between the two scales is divided out where it is above 1 (a lit
# edge; its dark structure, a nostril's or a fold's shadow, is kept: the hole's surroundings are
# shadowed there too, and divided out it moved a nostril's fill at single_face.jpg's own pose). A
# mirror lit brighter (g < 1: its structure is the skin's, seen in more light) keeps all of it,
# as a far eye mirrored from the near one does.
# low(m) is the mirror's average at the scale the gain was measured at (relight_gain): deeper in a
# hole that is a wider one, and measured against the finest, the near jaw's lit edge (~8 texels
# wide) was kept whole and multiplied by 1.6-1.8 (Tom at -25: a pale streak along his far jaw by
# the collar, 95th percentile of the fill 4-8 px inside the outline 208 levels against 191 deeper
# in; now 191). There too the mirror's dark structure between the finest scale and that one is its
# shade, not a nostril's: the near jaw turning away under the chin, mirrored, drew a band of the
# collar's grey inside the far jaw's outline (10th percentile 1.5-4 px inside: 113 -> 138 levels,
# the skin deeper in ~164); it is divided out, the finer dark structure kept as before.
RELIGHT_SHADOW = (1.2, 1.6)
# A shadowed mirror (RELIGHT_SHADOW) that is itself in deep shadow at the detail's scale (its luma
# below this: all .. none) holds no skin's structure at the finest lighting scale either, only its
# shade: the near side's jaw turning away from the light (30-50 levels along the terminator).
# Tom_Hanks_54745.png's far jaw at -25 took it, relit at most 3x (RELIGHT_GAIN), as a rim of
# 106-113 levels along the outline against the skin's 150-180, which the edge blend mixed with
# the lit skin under it: a dark rim, the face's visible edge 1.9-3.7 px inside its outline. There
# its dark structure at the finest scale (the mirror's detail low-pass against the finest
# lighting scale) is divided out as well: the rim 106-113 -> 130-155 levels, the visible edge
# 2.3 -> 0.2 px inside on average. Above it the finer dark structure is kept as before (a
# nostril's or a fold's shadow on skin the light still reaches)
RELIGHT_DEEP = (0.2, 0.3)
LUMA = np.float32([0.299, 0.587, 0.114])   # RGB -> luma (Rec. 601)


def shadow_share(g: np.ndarray) -> np.ndarray:
    """[S,S] relighting gain (relight_mirror's g) -> [S,S] float32 in [0,1]: how much of the
    mirror's structure is its shadow's shading (RELIGHT_SHADOW), dropped from the relit mirror."""
    t = np.clip((np.log(np.maximum(g, 1e-6)) - np.log(RELIGHT_SHADOW[0]))
                / np.log(RELIGHT_SHADOW[1] / RELIGHT_SHADOW[0]), 0.0, 1.0)
    return (t * t * (3.0 - 2.0 * t)).astype(np.float32)


DETAIL_SIGMA = 0.008    # the detail's low-pass scale, a fraction of S (~2 texels at 256): pores and
                        # freckles; at RELIGHT_SIGMA the fill took blotches and the hair at a temple
DETAIL_BAND = 0.03      # the band of known texels beside a hole whose detail it repeats, a fraction of S
DETAIL_SLIDE = 1.7      # each band's depth of a hole takes the skin this many bands along the border
DETAIL_CLIP = (0.75, 1.33)   # a detail ratio outside this (a hair, a brow, an eye's edge) is not skin
# The fill repeats the skin beside it, but a band texel's slide along the border can carry it far
# from there: hole texels beside a mirrored cheek measure their distance to the photo's own texels
# beyond it (k = 2..4 bands), and Image_with_alpha.png's slid up 26-60 texels to the known
# region's corner under the hand's heel, the eye's crow's-feet creases and the hand's shadow edge
# (ratios 0.76-0.90 and 1.10-1.27, inside DETAIL_CLIP), one texel in four landing off it: a column
# of dashes down his revealed cheek at +25. A detail stronger than DETAIL_OUTLIER times the rms of
# the detail of the skin nearest the hole (its own or its mirror's, over DETAIL_BAND) is a crease
# or an edge there, not that skin's texture, and is scaled down to it
DETAIL_OUTLIER = 3.0


def detail_source(known: np.ndarray, holes: np.ndarray, mirror: np.ndarray, band: float):
    """Where each `holes` texel takes its detail from -> (rows, cols) [N] int (N = holes.sum(), in
    raster order; -1: none): its mirror texel (column S-1-j) where `mirror`, else a known texel
    of the band (`band` texels wide, half a band in from the hole's border, where the photo saw
    the skin less edge-on) beside the hole: the texel moved back across the border along the
    distance's smoothed gradient (a smooth direction field, so that neighbouring texels take
    neighbouring detail, not one border texel's each) by its distance plus its depth in the band.
    Every `band` texels of distance the depth starts over, slid along the border by DETAIL_SLIDE
    bands, so that a wide hole repeats the skin beside it (not an eye further inside) without
    the stripes of one band repeated. known / holes / mirror: [S,S] bool."""
    s0, s1 = known.shape
    dist = cv2.distanceTransform((~known).astype(np.uint8), cv2.DIST_L2, 5)
    gy, gx = np.gradient(cv2.GaussianBlur(dist, (0, 0), band / 2))
    rows, cols = np.nonzero(holes)
    d, gy, gx = dist[rows, cols], gy[rows, cols], gx[rows, cols]
    norm = np.maximum(np.hypot(gy, gx), 1e-6)
    uy, ux = gy / norm, gx / norm
    k, t = np.divmod(d, band)
    step, slide = d + t + band / 2, k * band * DETAIL_SLIDE
    sy = np.clip(np.rint(rows - uy * step + ux * slide), 0, s0 - 1).astype(np.intp)
    sx = np.clip(np.rint(cols - ux * step - uy * slide), 0, s1 - 1).astype(np.intp)
    sy = np.where(known[sy, sx], sy, -1)
    m = mirror[rows, cols]
    return np.where(m, rows, sy), np.where(m, s1 - 1 - cols, sx)


def add_detail(filled: np.ndarray, uv: np.ndarray, known: np.ndarray, holes: np.ndarray,
               layout: UVLayout | None = None) -> np.ndarray:
    """The smooth fill of the `holes` texels given the fine detail of known skin -> [S,S,3] float32:

        out = filled * m / low(m; known)   (per channel, low: low_pass at DETAIL_SIGMA of S)

    m: the known texel detail_source picks (the mirror texel where it is known). A ratio, not a
    difference, so the detail scales with the fill's own brightness (a shadowed fill takes the
    lit side's pores at its own level), and its mean is ~1: the fill's colour stays. A ratio
    outside DETAIL_CLIP in any channel (a hair, a brow, an eye's edge) gives no detail, and one far
    stronger than the detail of the skin nearest the hole is scaled down to it (within_skin_detail).
    A mirror texel lit darker than the fill gives its detail as a difference instead (m - low(m),
    at its own level; below).
    filled / uv [S,S,3], known / holes [S,S] bool."""
    s = uv.shape[0]
    region = layout.coverage if layout is not None else np.ones(known.shape, bool)
    low, _ = low_pass(uv, known & region, max(1.0, DETAIL_SIGMA * s))
    mirror = holes & known[:, ::-1] & region[:, ::-1]
    sy, sx = detail_source(known, holes, mirror, max(1.0, DETAIL_BAND * s))
    ratio = (uv[sy, sx] + _EPS) / (low[sy, sx] + _EPS)
    skin = (sy >= 0)[:, None] & ((ratio >= DETAIL_CLIP[0]) & (ratio <= DETAIL_CLIP[1])).all(-1, keepdims=True)
    # The mirror texels read here are those the relit mirror was not used for: their side lit more
    # than RELIGHT_TRUST unlike the hole's. Lit darker, their fine detail is mostly the photo's
    # noise (JPEG's, the sensor's: a few levels whatever the light), and as a ratio it was scaled
    # up with the fill's brightness: Tom_Hanks_54745.png (lit from his far side, his near temple
    # at 20-60 levels) turned -25 drew his far temple, filled at ~200, as a grain of pale dots
    # (Laplacian rms 17.5 there against 3.9 on the skin beside it; as a difference 11.1).
    brighter = (filled[holes].mean(-1) + _EPS) / (low[sy, sx].mean(-1) + _EPS)
    scale = np.where(mirror[holes], np.minimum(1.0, 1.0 / brighter), 1.0)
    ratio = 1.0 + (ratio - 1.0) * scale[:, None]
    ratio = within_skin_detail(ratio, uv, low, known & region, holes, region & ~known & ~holes,
                               max(1.0, DETAIL_BAND * s))
    out = filled.copy()
    out[holes] = np.clip(filled[holes] * np.where(skin, ratio, 1.0), 0.0, 1.0)
    return out


def within_skin_detail(ratio: np.ndarray, uv: np.ndarray, low: np.ndarray, known: np.ndarray,
                       holes: np.ndarray, mirrored: np.ndarray, band: float) -> np.ndarray:
    """The detail ratios [N,3] of the `holes` texels (raster order) with those stronger than
    DETAIL_OUTLIER times the detail of the skin nearest them scaled down to it (in log, the
    channels alike). That skin's detail: the rms of max |log(uv / low)| over the channels, over the
    known texels within DETAIL_CLIP, low-passed over `band` texels; the `mirrored` texels (filled
    from their mirror) have their mirror texel's. uv / low [S,S,3]; known / holes / mirrored [S,S] bool."""
    strength = np.abs(np.log((uv + _EPS) / (low + _EPS))).max(-1) * known
    skin = known & (strength <= min(np.log(DETAIL_CLIP[1]), -np.log(DETAIL_CLIP[0])))
    power, _ = low_pass((strength * strength)[..., None], skin, band)
    rms = np.sqrt(power[..., 0])
    rms = np.where(mirrored, rms[:, ::-1], rms)[..., None]
    near = nearest_known(rms, known | mirrored)[holes][:, 0] if (known | mirrored).any() else rms[holes][:, 0]
    log_ratio = np.log(np.maximum(ratio, 1e-6))
    own = np.abs(log_ratio).max(-1)
    scale = np.minimum(1.0, DETAIL_OUTLIER * near / np.maximum(own, 1e-6))
    return np.where((scale < 1.0)[:, None], np.exp(log_ratio * scale[:, None]), ratio).astype(ratio.dtype)


def push_pull(img: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Fill unknown pixels of [S,S,C] with a mask-weighted pyramid (pull: average known values down
    to 1x1; push: fill holes from the coarser level on the way up). OpenCV has no such fill, and
    its inpainting spreads far too slowly over the large empty area outside the UV layout."""
    w = known.astype(np.float32)[..., None]
    levels = [(img.astype(np.float32, copy=False) * w, w)]
    while min(levels[-1][1].shape[:2]) > 1:
        c, wt = levels[-1]
        h, wd = (c.shape[0] + 1) // 2 * 2, (c.shape[1] + 1) // 2 * 2
        if (h, wd) != c.shape[:2]:   # (a small fill's cost is mostly these calls: only where odd)
            c = np.pad(c, ((0, h - c.shape[0]), (0, wd - c.shape[1]), (0, 0)))
            wt = np.pad(wt, ((0, h - wt.shape[0]), (0, wd - wt.shape[1]), (0, 0)))
        c = c.reshape(h // 2, 2, wd // 2, 2, -1).sum((1, 3))
        wt = wt.reshape(h // 2, 2, wd // 2, 2, -1).sum((1, 3))
        levels.append((c, wt))
    colour = levels[-1][0] / np.maximum(levels[-1][1], 1e-8)
    for c, wt in reversed(levels[:-1]):
        up = cv2.resize(colour, (colour.shape[1] * 2, colour.shape[0] * 2), interpolation=cv2.INTER_LINEAR)
        up = up.reshape(up.shape[0], up.shape[1], -1)[: c.shape[0], : c.shape[1]]
        a = np.clip(wt, 0, 1)
        colour = c / np.maximum(wt, 1e-8)   # the level's own colour, blended in place:
        colour *= a                         # own * a + up * (1 - a)
        up *= 1 - a
        colour += up
    return colour.astype(img.dtype)


def nearest_known(img: np.ndarray, known: np.ndarray) -> np.ndarray:
    """img [S,S,C] -> [S,S,C]: at each texel the value of its nearest texel where known [S,S]
    bool (not empty) is set (a Voronoi fill; its own value where known)."""
    _, labels = cv2.distanceTransformWithLabels((~known).astype(np.uint8), cv2.DIST_L2, 5,
                                                labelType=cv2.DIST_LABEL_PIXEL)
    rows, cols = np.nonzero(known)
    return img[rows, cols][np.clip(labels - 1, 0, len(rows) - 1)]


# The photo's own texels are drawn by reading the photo once (poce_rt.photo_warp), the fill by
# reading the map: one resampling more, which took a sixth of its fine detail against the skin
# beside it (0-f15-hao at +25: 0.82 -> 0.68 of the skin's). The fill is drawn pre-sharpened by
# as much (an unsharp mask on the texels the photo did not show).
FILL_SHARPEN = 0.7          # the unsharp mask's amount
FILL_SHARPEN_SIGMA = 1.0    # its Gaussian, in texels (the bilinear read's low-pass)


def presharpen(tex: np.ndarray, where: np.ndarray) -> np.ndarray:
    """tex [S,S,3] -> a copy with the `where` [S,S] bool texels unsharp-masked (FILL_SHARPEN,
    FILL_SHARPEN_SIGMA), clipped to [0,1]."""
    blur = cv2.GaussianBlur(tex, (0, 0), FILL_SHARPEN_SIGMA)
    out = tex.copy()
    out[where] = np.clip(tex[where] + FILL_SHARPEN * (tex[where] - blur[where]), 0.0, 1.0)
    return out


# Telea reads the layout's outside too, given there the colour of the known texel nearest to it.
# A mirror texel there is a copy of the other side, relit, with that side's structure: one of
# them at the tip of the mirrored region ran out along the layout's border as a ray and was
# inpainted over the hole beside it (multi_face.jpg's young man turned -25: a grey patch below
# his far lens, from his near temple's skin mirrored onto the far one, a texel of the shadow under
# his sunglasses' arm, L* 57 against the far temple's 72). Mirror texels give the outside the
# known region's edge averaged along itself over this scale (a fraction of S, RELIGHT_SIGMA's);
# the photo's own texels give their own colour (a beard's at the silhouette). Along the edge,
# not over the known texels about it: those further in are lit more than the edge (a cheek's
# falloff towards the outline), and averaged in they flattened the revealed cheek's fill there
OUTSIDE_SIGMA = 0.02


def outside_colours(filled: np.ndarray, known: np.ndarray, photo: np.ndarray, size: int) -> np.ndarray:
    """[S,S,3] the colour each known texel (known [S,S] bool) gives the layout's outside it is
    nearest to (OUTSIDE_SIGMA): the photo's own texels (photo [S,S] bool) theirs, the mirror's
    (known, not photo) the known region's edge about them averaged along itself. filled [S,S,3]
    the mirror-filled texture (mirror_fill), size S."""
    taken = known & ~photo
    if not taken.any():
        return filled
    edge = known & (cv2.erode(known.astype(np.uint8), np.ones((3, 3), np.uint8)) == 0)
    along, _ = low_pass(filled, edge, max(1.0, OUTSIDE_SIGMA * size))
    return np.where(taken[..., None], along, filled)


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
        # Telea fills a hole from every texel around it, the layout's outside too: push-pulled
        # there, a face-wide average (a bearded face's border band was inpainted with the pale
        # skin of the hand and forehead). Outside, each texel takes its nearest known texel's
        # colour (outside_colours), so that the band's outer border has the colours of the skin or
        # beard beside it.
        outside = ~layout.coverage
        seen = known >= 0.5
        out[outside] = nearest_known(outside_colours(filled, seen, mask >= 0.5, uv.shape[0]), seen)[outside]
        u8 = np.clip(out * 255 + 0.5, 0, 255).astype(np.uint8)
        painted = cv2.inpaint(u8, holes.astype(np.uint8), inpaint_radius, cv2.INPAINT_TELEA)
        out[holes] = painted[holes].astype(np.float32) / 255.0
        out = add_detail(out, uv, mask >= 0.5, holes, layout)
    keep = mask >= 0.5
    out = presharpen(out, layout.coverage & ~keep)
    out[keep] = uv[keep]
    return np.ascontiguousarray(out, dtype=np.float32)
