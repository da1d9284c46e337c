"""The light of a strip the photo saw edge-on on both sides of the face (issue 15).

On a frontal photo the face's sides between the cheek and the ear are seen edge-on on both
halves: neither the texel nor its mirror texel is trusted (poce_rt.disocclusion), so the
completion inpaints the strip from its border (poce_rt.complete: Telea, with the cheek's detail),
and Telea's border there is mostly the pale temple under the hair line. Turned +25, t1.jpg's
largest face drew the strip between his near cheek and his ear as a smooth pale smear (luma 170
over his sideburn's rows) where the photo shows his dark sideburn running down into the cheek,
squeezed into 1-3 pixels (the photo's read at those texels: 121).

The photo's read at those texels (each texel's photo position) is a smear along the outline, but
its light is the strip's own. Low-passed along the map's rows (across the smear's streaks, which
lie along them), it is set against the luma the photo's light gives the skin at each texel's
normal (stages.skin_shade): darker than that light explains is the strip's own colour (a
sideburn's mix with the skin), and the fill takes it, its luma (the fill's detail kept) scaled by
that gain and, as far as it darkens, the read's chromaticity:

    gain  = clip(luma(low(read)) / low(shade), GAIN_MIN, 1)        (never brighter: a pale
                                                                    backdrop read brightens nothing)
    drawn = gain * luma(fill) * chromaticity(fill -> low(read), by (1 - gain) / HUE_GAIN)
    fill += w * (drawn - fill)
    w = (1 - t) * (1 - t_mirror) * near the layout's border * side(normal) * warm(read) * not hair(read)

Where the light explains the read (the lit skin below his sideburn), the fill is as it was. Beyond
the layout, each texel changes as the layout's texel nearest it (the outline's bilinear reads).
"""
from __future__ import annotations

import cv2
import numpy as np

from .complete import LUMA, nearest_known, smoothstep
from .lab_colour import lab

# the strip is the layout's border band: none .. all of the gain from this distance to the border
# (a fraction of S; hair.OUTLINE's band, where the face's outline is seen edge-on)
REACH = (0.14, 0.08)
# the read's chroma along the skin's hue against the skin's (warmth): the head's own (skin,
# sideburn, their mixes: t1.jpg's 0.9-1.2) from here; a grey collar (~0.15), the sky or
# foliage beside the outline is not
WARM = (0.45, 0.7)
# the face's sides, which a turn reveals (the texel's normal at the photo's pose, |n_x| / |n|):
# none .. all of the gain; the jaw's underside, both halves' edge-on too, reads the neck's shade
SIDE = (0.6, 0.85)
# the read's place on the segment from the skin's colour to the hair's (Lab, 0 skin .. 1 hair):
# all .. none of the gain. The hair itself over the outline is hair_over_face's and the ring's;
# darkened skin drawn for it was a grey smudge along the temples' hair line (0-f15-hao-ph.jpg
# at -25). A sideburn's mix with the skin (t1.jpg: ~0.4-0.6) is the strip's. (A beard's is not
# darkened at all: Image_with_alpha.png's far sideburn, darkened, cost the MediaPipe judge 2
# points of -25 and lost him at -30 and in the crops)
HAIR_SHARE = (0.6, 0.8)
# the darkest gain the read may give (a sideburn over the pale fill: ~0.65 on t1.jpg)
GAIN_MIN = 0.5
# the darkening (1 - gain) from which the strip takes all of the read's chromaticity (none at 0)
HUE_GAIN = 0.2
# the low-pass of the read and the fill: along the map's rows (across the streaks of the smear,
# which lie along them) and across them, in texels
SIGMA_ROWS, SIGMA_COLS = 3.0, 2.0


def strip_weight(t: np.ndarray, coverage: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """[S,S] float32: how far each texel is the edge-on strip (module docstring), from the share of
    the photo t [S,S] (disocclusion.trust after the yields), the layout's coverage [S,S] bool and
    each texel's normal at the photo's pose, normals [S,S,3]."""
    s = t.shape[0]
    t = np.clip(np.asarray(t, np.float32), 0.0, 1.0)
    inside = cv2.distanceTransform(np.pad(coverage.astype(np.uint8), 1), cv2.DIST_L2, 5)[1:-1, 1:-1]
    near = smoothstep(-inside, -REACH[0] * s, -REACH[1] * s)
    n = np.asarray(normals, np.float32)
    side = smoothstep(np.abs(n[..., 0]) / np.maximum(np.linalg.norm(n, axis=-1), 1e-6), *SIDE)
    return ((1.0 - t) * (1.0 - t[:, ::-1]) * near * side * coverage).astype(np.float32)


def along(img: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """[S,S,C] img averaged over the `weight` [S,S] texels, SIGMA_ROWS x SIGMA_COLS (normalised)."""
    num = cv2.GaussianBlur(np.ascontiguousarray(img * weight[..., None], np.float32), (0, 0), SIGMA_COLS,
                           sigmaY=SIGMA_ROWS)
    den = cv2.GaussianBlur(np.ascontiguousarray(weight, np.float32), (0, 0), SIGMA_COLS, sigmaY=SIGMA_ROWS)
    return num.reshape(img.shape) / np.maximum(den, 1e-6)[..., None]


def warmth(colour: np.ndarray, skin: np.ndarray) -> np.ndarray:
    """[...,3] Lab -> [...] float32: each colour's chroma along the skin's hue (its (a*, b*)
    projected on the skin's median, skin [3] Lab), over the skin's chroma: ~1 for skin and a
    sideburn's brown, ~0 for grey, below 0 for a green or blue backdrop."""
    ab = np.asarray(skin, np.float32)[1:]
    norm = max(float(np.hypot(*ab)), 1.0)
    return ((np.asarray(colour, np.float32)[..., 1:] @ ab) / (norm * norm)).astype(np.float32)


def hair_share(colour: np.ndarray, skin: np.ndarray, hair: np.ndarray) -> np.ndarray:
    """[...,3] Lab -> [...] float32: each colour's place on the segment from skin [3] to hair [3]
    (Lab medians; 0 at the skin, 1 at the hair, projected)."""
    d = np.asarray(hair, np.float32) - np.asarray(skin, np.float32)
    return ((np.asarray(colour, np.float32) - skin) @ d / max(float(d @ d), 1e-6)).astype(np.float32)


def edge_on_light(fill: np.ndarray, t: np.ndarray, coverage: np.ndarray, normals: np.ndarray,
                  image: np.ndarray, positions: np.ndarray, skin, shade: np.ndarray | None,
                  hairs=()) -> np.ndarray:
    """fill [S,S,3] in [0,1] with the strip both halves saw edge-on given the photo's light there
    (module docstring) -> [S,S,3] float32 (fill itself where there is no such strip). t [S,S] the
    photo's share; coverage [S,S] bool; normals [S,S,3] each texel's normal at the photo's pose;
    image [H,W,3] uint8 the photo; positions [S,S,2] each texel's photo array position (column,
    row); skin: colour_classes.texel_skin's (median Lab, spread); shade: [S,S] the luma the photo's
    light gives the skin at each texel (stages.skin_shade); hairs: the Lab medians of the photo's
    hair (photo_hair's), where found. Without skin or shade, fill is returned. (Not called on a
    bearded face, stages.complete_face: the strip there is the beard's.)"""
    w = strip_weight(t, coverage, normals)
    h, wd = image.shape[:2]
    on_photo = (positions[..., 0] >= 0) & (positions[..., 1] >= 0) & \
        (positions[..., 0] <= wd - 1) & (positions[..., 1] <= h - 1)
    w = w * on_photo
    if skin is None or shade is None or not (w > 0).any():
        return fill
    read = cv2.remap(np.asarray(image)[..., :3], positions[..., 0], positions[..., 1], cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE).astype(np.float32) / np.float32(255)
    region = (w > 0).astype(np.float32)
    # the smear's streaks low-passed before the read is classed: class by class, texel by
    # texel, the gain flickered with a beard's strands (specks on Image_with_alpha.png's temple)
    read = along(read, region)
    colour = lab(read)
    w = w * smoothstep(warmth(colour, skin[0]), *WARM)
    for hair in hairs:
        w = w * (1.0 - smoothstep(hair_share(colour, skin[0], hair), *HAIR_SHARE))
    if not (w > 0).any():
        return fill
    light = along(np.asarray(shade, np.float32)[..., None], region)[..., 0]
    luma = read @ LUMA
    gain = np.clip((luma + 1e-3) / (light + 1e-3), GAIN_MIN, 1.0)
    # the fill's luma (its detail) scaled by the gain, at the read's chromaticity where the read is
    # darker (a sideburn's brown, not the pale fill darkened to grey; by HUE_GAIN of darkening);
    # where the photo's light explains the read, the fill's colour is kept
    own = fill @ LUMA
    hue = np.clip((1.0 - gain) / HUE_GAIN, 0.0, 1.0)[..., None]
    chroma = fill / np.maximum(own, 1e-3)[..., None]
    chroma = chroma + hue * (read / np.maximum(luma, 1e-3)[..., None] - chroma)
    drawn = (gain * own)[..., None] * chroma
    out = np.clip(fill + w[..., None] * (drawn - fill), 0.0, 1.0)
    # and beyond the layout, where the outline's bilinear reads reach, each texel changes as the
    # layout's texel nearest it (left as it was, the outline drew a pale rim about the darkened edge)
    ratio = np.where(coverage[..., None], out / np.maximum(fill, 1e-4), 1.0).astype(np.float32)
    ratio = np.where(coverage[..., None], ratio, nearest_known(ratio, coverage))
    return np.clip(np.where(coverage[..., None], out, fill * ratio), 0.0, 1.0).astype(np.float32)
