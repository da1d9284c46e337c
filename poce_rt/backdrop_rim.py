"""Texels along a turned face's far outline that read the backdrop, not the head (issue 15, item 1):
which of the texels poce_rt.disocclusion trusts yield their trust to their mirror texel because
they hold the backdrop's colour, read across the silhouette (backdrop_rim), or its light on the
skin along the outline (rim_glow, backdrop_light), or, beside a hand held over the outline
(held_reach), a mix of the backdrop in the hand's shadow and the skin (shadow_mix).
stages.complete_face takes each yield out of the trust (poce_rt.yield_edges then shapes what yielded).
"""
from __future__ import annotations

import cv2
import numpy as np

from .colour_classes import SHADOW_TELL_HELD, SKIN_D, in_shadow
from .complete import LUMA, low_pass, smoothstep
from .disocclusion import C_DROP, C_KEEP, SILHOUETTE_FRAC, disc
from .lab_colour import backdrop_distance, chromaticity, hue, lab, skin_distance

# The tracker's outline on a three-quarter view's far side can run outside the head by more than D:
# t1.jpg's face 1 (yaw -33, 102 px wide, D 5.1 px) has its mesh ~10 px beyond her far cheek and
# temple, and those texels, 1-3 D inside the silhouette and trusted, held the orange wall beside
# her (Lab 4-15 from the backdrop, 3-9 skin spreads from her skin; their mirror texels on her near
# cheek 20-30 and under 2). Turned +25 they were drawn magnified as her far cheek, and the
# mirror relit to them took their colour: a see-through film of the wall's colour with the
# photo's outline as a ghost line down her far cheek (over the revealed cheek, 0.36 of the pixels
# within 6 Lab of the backdrop). A seen texel within RIM_REACH D of the silhouette (all .. none)
# on the foreshortened side (facing cosine RIM_FACING: all .. none) whose colour is the
# backdrop's (Lab distance RIM_BACKDROP: all .. none) and not the skin's (colour_classes.SKIN_D spreads:
# none .. all) while its trusted mirror texel's is the skin's (SKIN_D: all .. none) read across
# the silhouette: it yields its trust to its mirror (backdrop_rim; the yield of disocclusion.resolution_trust,
# so that the far eye it surrounds is completed with it as one region: as two, a ring showed
# where they met). Colour alone takes a backdrop the colour of the head's own for it:
#   - the hair's (robust distance from photo_hair's colour in its spreads, RIM_HAIR: none ..
#     all): t1.jpg's face 5, blonde against the same wall, had the strands over her far cheek
#     mirrored into skin with a line beside them (0.4-2.6 spreads from her hair's colour; face 1's
#     wall 3.6-5.2 from her black hair's);
#   - the skin's: Tom_Hanks_54745.png (greyscale, greys at the photo's borders) and
#     Image_with_alpha.png (a white backdrop, the hand over his brow) read 1.9-2.2 and 1.0-1.7
#     skin spreads from their skin there (their edits at +-20 and +-25 are as they were, Image_with_alpha
#     within 4 grey levels on 10 pixels);
# the person segmenter (poce_rt.person) calls three quarters of face 1's wall texels a person.
# The yield is closed over RIM_CLOSE photo pixels and spread over one (the outline's own line, a
# photo pixel wide, lies beside the texels that read the wall): left out, the texels between
# them, partly kept, drew specks and a dotted line down the mirrored cheek.
RIM_BACKDROP = (12.0, 18.0)
RIM_REACH = (2.5, 3.5)
RIM_FACING = (0.7, 0.85)
RIM_HAIR = (2.5, 3.5)
RIM_CLOSE = 3
# The far outline's own colour: skin at the outline lit by light off the backdrop. t1.jpg's largest
# face (yaw -3, an orange wall behind him): along his far jaw the photo's last ~10 px of cheek are
# redder than the skin inside them and than the outline beyond (L 53-58, a* 38-41 against a* 24-36
# inside and 36-37 beyond; 18-24 Lab from every backdrop colour: his skin in the wall's warm light,
# not the wall). The trust ends ~1 D inside the outline (its facets there face the camera at 0.2),
# so that band's inner half (facing cosine 0.4-0.6, 0.7-2.2 D inside: confidence 0.6-1) was the
# photo's own; turned -25, the turn put it in the middle of the revealed cheek with the fill beyond
# it: an orange-red streak from beside the nose's tip to the jaw (a* 38.5 over the 14 x 6 px of
# its core, the cheek and the fill about it 27-33; the photo's own lower cheek 33-35), read from
# the photo itself (photo_warp's weight 0.6-1 there), not from the mirror, the shading or the ring.
# A seen texel within RIM_REACH D of the silhouette on the foreshortened side (RIM_FACING) whose
# chroma (Lab C*) stands GLOW_RIDGE (none .. all) above the larger of the untrusted outline's
# beyond it (a Gaussian of D over those texels) and the kept skin's inside (2 D, from RIM_REACH D
# in; GLOW_NEAR of each in the window) is such a glow: it yields its trust to its mirror (the
# yield of disocclusion.resolution_trust), over its shoulders too (GLOW_GROW D), so that the revealed cheek is
# drawn from the skin about it. A glow is smooth: a texel with detail at a photo pixel's scale
# (GLOW_DETAIL: the mean absolute difference of its luma from its low-pass at a pixel, averaged
# over two; the glow 0.002-0.003) is structure, not light (the chroma ridges along the outlines of
# Image_with_alpha.png, the sunglasses face and t1.jpg's face 1: 0.006-0.03, 10th-90th
# percentile), and so is a texel of the hair's colour (RIM_HAIR spreads: t1.jpg's face 0's
# red-blonde strands over her cheek, 0.6-1.5 from it, were mirrored into skin). And a glow is the
# backdrop's light on the skin: the texel's colour over the kept skin's inside it (linear RGB, a
# ratio: the light it took, as a share of the skin's) leans from white to a backdrop colour, and
# that colour is a colour, not a grey (backdrop_light). Per texel: the ratio's chromaticity past
# white's along the direction of a backdrop colour's chromaticity past white's (linear RGB;
# colour_classes.backdrop_colours') GLOW_LIGHT (none .. all), times that backdrop colour's own distance from
# white's GLOW_BACKDROP (none .. all); the most over the backdrop colours. t1.jpg's largest face:
# his wall 0.28-0.43 from white, his glow's light 0.075 (5th percentile), 0.087 (10th), 0.16
# (median) along it. The chroma ridges along the other faces' outlines are no such light, and
# nothing yields there: their backdrops are greys (single_face.jpg's 0.12 from white at most,
# multi_face.jpg's 0.10, Image_with_alpha.png's 0.11, and his ridges lean away from them), or a
# blue or a green their ridges do not lean to (15-f13-anc-ph.jpg's 0.31: its ridges' light along
# it 0.015 at most; 0-f1-su-ph.jpg's and 0-f15-hao-ph.jpg's none; 45-m7-di-ph.jpg's 0.047). It is
# decided texel by texel: a count over the map gated it before (nothing yielded under GLOW_MIN,
# 1.3% of the layout's texels glowing, 1.6x the nearest other face's count, Image_with_alpha's
# 0.83%), and a short glow kept its trust where a long one yielded. What changed with that:
# t1.jpg's largest face yields 98% of what it did (his -25 as it was but 8 pixels by a level, +25
# by up to 5 levels); his neighbour against the same wall (t1.jpg's face 3) yields along his far
# jaw (up to 28 levels on ~100-150 pixels at +-25); the astronaut's faint ridges (a yield of 0.06
# at most: the borders of her photo hold colours) change 2 levels at most; t1.jpg's faces 0 and 1
# (yields under 0.09) and the other faces are as they were, bit for bit.
GLOW_RIDGE = (3.0, 5.0)
GLOW_NEAR = 0.05
GLOW_DETAIL = (0.005, 0.007)
GLOW_GROW = 0.5
GLOW_LIGHT = (0.06, 0.09)
GLOW_BACKDROP = (0.15, 0.25)
# Beside a hand held over the outline (poce_rt.occluder), the photo saw the backdrop in the hand's
# shadow (colour_classes.in_shadow) between the hand and the cheek, and texels between that gap and the
# skin took a mix of both: Image_with_alpha.png's, Lab 42-58 / a 0-9 / b -1-6 below the heel of
# his palm, neither the shadow's hue nor the skin's, 0.6-0.9 trusted. Turned +25 his far cheek
# there is stretched ~1.7x: kept, and read by the completion of the shadow's texels beside them,
# they drew a grey wedge below the heel (241 grey pixels there; 72 with them yielding). A rim
# texel whose colour lies on the segment between the local average of the shadow's texels and of
# the trusted skin beside it (a Gaussian of MIX_SIGMA) yields as the shadow's do (shadow_mix). Only
# beside a held hand: a wall's shadow beside a face (t1.jpg's face 1) is drawn as before, bit for bit.
# The segment is drawn between their hues (lab_colour.hue: a and b at a common lightness), not their Lab
# colours: further down, the gap's edge is shaded darker than the gap and the skin beside it (Lab
# 36-42 / a 7-10 / b 4-5 between a neutral grey of L 47-60 and skin of 31-43 / 15-18 / 10-11), off
# their Lab segment by 4-8 but on their hues' (t 0.3-0.6, under 2 off). Kept, those texels drew a
# grey-blue streak down the revealed temple turned +25 (331 pixels below the heel with b* under 7;
# 59 with them yielding, the gap told as beside a held hand, colour_classes.SHADOW_TELL_HELD, and the heel's
# mixes with the gap not held, poce_rt.occluder's GAP_BLUR)
MIX_SIGMA = 3.0       # photo pixels: the Gaussian of the local shadow and skin colours
MIX_NEAR = 0.05       # those texels' weight in it from which they are read
MIX_T = (0.2, 0.35)   # share of the way from the skin's hue to the shadow's: skin .. a mix
MIX_D = (2.0, 5.0)    # hue distance (lab_colour.hue) from that segment: a mix .. not
MIX_HELD = 2.0        # D: how far from a hand held over the outline (whose shadow it is) a mix is read


def backdrop_rim(uv: np.ndarray, mask: np.ndarray, confidence: np.ndarray, coverage: np.ndarray,
                 cosine: np.ndarray, distance: np.ndarray, face_width: float, backdrop: np.ndarray, skin,
                 hair=None, pixel: float = 1.0, beside: np.ndarray | None = None) -> np.ndarray:
    """[S,S] float32 in [0,1]: the share of its trust a seen texel yields to its mirror texel
    (column S-1-j, trusted) because it read the backdrop across the silhouette (module comment
    at RIM_BACKDROP): its colour is the backdrop's (Lab distance to the nearest of backdrop
    [K,3], or the backdrop's in a shadow: colour_classes.in_shadow), not the skin's
    (poce_rt.lab_colour.skin_distance of skin, (median, spread) texel_skin's) nor the hair's (hair:
    (median, spread) of poce_rt.colour_classes.photo_hair, or None), and its mirror texel's is the skin's;
    closed and spread over photo pixels of `pixel` texels
    (disocclusion.pixel_texels); within RIM_REACH silhouette distances D (SILHOUETTE_FRAC of face_width, in
    pixels) of the silhouette, on the foreshortened side. uv [S,S,3] in [0,1]; mask [S,S] the
    sampled visibility; confidence [S,S] (disocclusion.visibility_confidence and unlike_backdrop); coverage
    [S,S] bool; cosine [S,S] each texel's facing cosine; distance [S,S]
    disocclusion.texel_silhouette_distance. 0 elsewhere, and everywhere without a skin colour (skin None).
    beside: None, or [S,S] bool the texels beside a hand held over the outline (held_reach):
    there a texel that mixed the backdrop's shadow with the skin yields too (shadow_mix)."""
    out = np.zeros(mask.shape, np.float32)
    seen = (mask >= 0.5) & coverage
    d_max = max(1.0, SILHOUETTE_FRAC * float(face_width))
    rim = seen & (confidence > 0) & (seen & (confidence >= C_KEEP))[:, ::-1] & \
        (distance < RIM_REACH[1] * d_max) & (cosine < RIM_FACING[1])
    if skin is None or not rim.any():
        return out
    both = rim | rim[:, ::-1]
    colours = lab(uv[both])
    backdrop_d, skin_d = np.zeros(mask.shape, np.float32), np.zeros(mask.shape, np.float32)
    backdrop_d[both], skin_d[both] = backdrop_distance(colours, backdrop), skin_distance(colours, skin)
    # the backdrop's colour, or its colour in a shadow (colour_classes.in_shadow)
    shadow = in_shadow(colours[rim[both]], backdrop, skin[0])
    held = None if beside is None else beside[rim]
    if held is not None and held.any():   # told from more backdrop colours beside a held hand
        shadow[held] = in_shadow(colours[rim[both]][held], backdrop, skin[0], SHADOW_TELL_HELD)
    like = np.maximum(1.0 - smoothstep(backdrop_d[rim], *RIM_BACKDROP), shadow)
    out[rim] = like * smoothstep(skin_d[rim], *SKIN_D)
    if held is not None and held.any():
        out[rim] = np.maximum(out[rim], shadow_mix(uv, rim & beside, shadow[held],
                                                   seen & (confidence >= C_KEEP), skin, pixel)[rim])
    out[rim] *= 1.0 - smoothstep(skin_d[:, ::-1][rim], *SKIN_D)
    if hair is not None:
        out[rim] *= smoothstep(skin_distance(colours[rim[both]], hair), *RIM_HAIR)
    r = max(1, int(np.ceil(pixel)))
    out = cv2.morphologyEx(out, cv2.MORPH_CLOSE, disc(RIM_CLOSE * r))
    out = cv2.dilate(out, disc(r))
    out *= rim * (1.0 - smoothstep(distance, RIM_REACH[0] * d_max, RIM_REACH[1] * d_max)) * \
        (1.0 - smoothstep(cosine, *RIM_FACING))
    return out.astype(np.float32)


def rim_glow(uv: np.ndarray, mask: np.ndarray, confidence: np.ndarray, coverage: np.ndarray,
             cosine: np.ndarray, distance: np.ndarray, face_width: float, backdrop: np.ndarray,
             pixel: float = 1.0, hair=None) -> np.ndarray:
    """[S,S] float32 in [0,1]: the share of its trust a seen texel yields to its mirror texel
    because its colour is the backdrop's light along the far outline, not the skin's (module
    comment at GLOW_RIDGE): within RIM_REACH silhouette distances D (SILHOUETTE_FRAC of
    face_width, in pixels) on the foreshortened side, its chroma GLOW_RIDGE above both the
    untrusted outline's beyond it and the kept skin's inside, smooth (GLOW_DETAIL), not the hair's
    colour (hair: (median, spread) of poce_rt.colour_classes.photo_hair, or None) and lit by a colour of
    the backdrop (backdrop [K,3] Lab, colour_classes.backdrop_colours': backdrop_light), spread over
    GLOW_GROW D. uv [S,S,3] in [0,1], mask [S,S] the sampled visibility, confidence [S,S]
    (disocclusion.visibility_confidence and unlike_backdrop), coverage [S,S] bool, cosine [S,S] each texel's
    facing cosine, distance [S,S] disocclusion.texel_silhouette_distance; pixel: a photo pixel's side in
    texels (disocclusion.pixel_texels)."""
    out = np.zeros(mask.shape, np.float32)
    seen = (mask >= 0.5) & coverage
    d_max = max(1.0, SILHOUETTE_FRAC * float(face_width))
    reach = 1.0 - smoothstep(distance, RIM_REACH[0] * d_max, RIM_REACH[1] * d_max)
    rim = seen & (confidence >= C_DROP) & (reach > 0) & (cosine < RIM_FACING[1])
    beyond, inside = seen & (confidence < C_DROP), seen & (confidence >= C_KEEP) & (reach == 0)
    if not (rim.any() and beyond.any() and inside.any()):
        return out
    colours = lab(uv).astype(np.float32)
    chroma = np.hypot(colours[..., 1], colours[..., 2])[..., None]
    sigma = d_max * max(1.0, float(pixel))
    outer, w_out = low_pass(chroma, beyond, sigma)
    inner, w_in = low_pass(chroma, inside, 2.0 * sigma)
    ridge = (chroma - np.maximum(outer, inner))[..., 0]
    near = rim & (w_out >= GLOW_NEAR) & (w_in >= GLOW_NEAR)
    lum = (np.asarray(uv, np.float32) @ LUMA)[..., None]
    smooth, _ = low_pass(lum, seen, max(1.0, float(pixel)))
    detail, _ = low_pass(np.abs(lum - smooth), seen, max(1.0, 2.0 * float(pixel)))
    # (the hair's texels keep their trust beside a glow too: the spread below reaches them)
    own = np.ones(mask.shape, np.float32) if hair is None else smoothstep(skin_distance(colours, hair), *RIM_HAIR)
    out[near] = smoothstep(ridge[near], *GLOW_RIDGE) * (1.0 - smoothstep(detail[near, 0], *GLOW_DETAIL)) * own[near]
    glow = out > 0
    if not glow.any():
        return out
    out[glow] *= backdrop_light(uv, glow, inside, 2.0 * sigma, backdrop)
    out = cv2.dilate(out, disc(GLOW_GROW * sigma)) * rim
    out = cv2.GaussianBlur(out, (0, 0), 1.0) * rim * reach * (1.0 - smoothstep(cosine, *RIM_FACING)) * own
    return out.astype(np.float32)


def backdrop_light(uv: np.ndarray, texels: np.ndarray, inside: np.ndarray, sigma: float,
                   backdrop: np.ndarray) -> np.ndarray:
    """[N] float32 in [0,1]: how surely each of the texels `texels` [S,S] bool holds the light of a
    backdrop colour (module comment at GLOW_RIDGE): the chromaticity of its colour over the skin's
    (uv [S,S,3] in [0,1], linear RGB; the skin: a Gaussian of sigma texels over the texels
    `inside` [S,S] bool) past white's along that of a colour of backdrop [K,3] Lab (GLOW_LIGHT),
    times how far that colour's own chromaticity lies from white's (GLOW_BACKDROP); the most
    over the K colours."""
    rgb = linear(uv)
    skin, _ = low_pass(rgb, inside, sigma)
    ratio = rgb[texels] / np.maximum(skin[texels], np.float32(1e-4))
    light = chromaticity(ratio) - np.float32(1.0 / 3.0)                       # [N,3]
    lit = chromaticity(linear(lab_rgb(backdrop))) - np.float32(1.0 / 3.0)    # [K,3]
    colour = np.linalg.norm(lit, axis=-1)
    along = light @ (lit / np.maximum(colour, np.float32(1e-6))[:, None]).T   # [N,K]
    return (smoothstep(along, *GLOW_LIGHT) * smoothstep(colour, *GLOW_BACKDROP)[None]).max(1).astype(np.float32)


def linear(rgb: np.ndarray) -> np.ndarray:
    """[...,3] sRGB in [0,1] -> [...,3] float32 linear RGB (light adds and multiplies there)."""
    c = np.clip(np.asarray(rgb, np.float32), 0.0, 1.0)
    return np.where(c <= 0.04045, c / np.float32(12.92), ((c + np.float32(0.055)) / np.float32(1.055)) ** 2.4) \
        .astype(np.float32)


def lab_rgb(colours: np.ndarray) -> np.ndarray:
    """[K,3] Lab -> [K,3] float32 sRGB in [0,1] (lab_colour.lab's inverse, clipped to the gamut)."""
    a = np.ascontiguousarray(np.asarray(colours, np.float32).reshape(-1, 1, 3))
    return np.clip(cv2.cvtColor(a, cv2.COLOR_Lab2RGB).reshape(-1, 3), 0.0, 1.0)


def shadow_mix(uv: np.ndarray, rim: np.ndarray, shadow: np.ndarray, trusted: np.ndarray, skin,
               pixel: float = 1.0) -> np.ndarray:
    """[S,S] float32 in [0,1]: how surely each rim texel (rim [S,S] bool) read a mix of the
    backdrop in a shadow (shadow [rim.sum()]: colour_classes.in_shadow of the rim's colours) and the skin
    beside it across the outline (module comment at MIX_SIGMA): its hue (lab_colour.hue) lies on the
    segment between the local averages of the two's (MIX_D: on .. off it), MIX_T or more of the
    way to the shadow's. trusted [S,S] bool: the texels whose skin-like ones (robust distance from skin,
    (median, spread), within SKIN_D) give the skin's local colour. 0 where no shadow is near."""
    out = np.zeros(rim.shape, np.float32)
    if skin is None or not (shadow > 0.5).any():
        return out
    colour = np.zeros(uv.shape, np.float32)
    colour[rim | trusted] = lab(uv[rim | trusted])
    w_shadow = np.zeros(rim.shape, np.float32)
    w_shadow[rim] = np.where(shadow > 0.5, shadow, 0.0)
    w_skin = trusted * (1.0 - smoothstep(skin_distance(colour, skin), *SKIN_D)) * (w_shadow == 0)
    sigma = MIX_SIGMA * max(1.0, pixel)
    tint = hue(colour)   # (what a shade leaves of a colour: the gap's edge is darker than either)
    s_mean, s_w = low_pass(tint, w_shadow, sigma)
    k_mean, k_w = low_pass(tint, w_skin.astype(np.float32), sigma)
    near = rim & (w_shadow == 0) & (s_w > MIX_NEAR) & (k_w > MIX_NEAR)   # (the shadow's own: backdrop_rim's)
    if not near.any():
        return out
    c, a, d = tint[near], k_mean[near], s_mean[near] - k_mean[near]
    t = np.clip(((c - a) * d).sum(-1) / np.maximum((d * d).sum(-1), 1e-6), 0.0, 1.0)
    off = np.linalg.norm(c - a - t[:, None] * d, axis=-1)
    out[near] = smoothstep(t, *MIX_T) * (1.0 - smoothstep(off, *MIX_D))
    return out


def held_reach(held: np.ndarray | None, positions: np.ndarray, face_width: float) -> np.ndarray | None:
    """[S,S] bool: the texels whose photo position (positions [S,S,2], disocclusion.texel_positions') lies
    within MIX_HELD silhouette distances D (SILHOUETTE_FRAC of face_width) of a pixel of the photo
    held over the outline (held [H,W], poce_rt.occluder's occluder_map, over 0.5); None where
    nothing is held."""
    if held is None or not (held > 0.5).any():
        return None
    far = cv2.distanceTransform(np.where(held > 0.5, 0, 255).astype(np.uint8), cv2.DIST_L2, 5)
    h, w = far.shape
    # (photo array positions: sample_uv reads pixel centres at i + 0.5)
    x = np.clip(np.rint(positions[..., 0] - 0.5).astype(np.int64), 0, w - 1)
    y = np.clip(np.rint(positions[..., 1] - 0.5).astype(np.int64), 0, h - 1)
    return far[y, x] < MIX_HELD * max(1.0, SILHOUETTE_FRAC * float(face_width))
