"""The light of the fill of a disoccluded texture (issue 15, item 1): the completion of the
texels the photo's own gave way to (poce_rt.disocclusion.fill_unreliable) joined to the level of
the trusted texels beside the hole (joined); where a far half yielded its trust to the mirror
(relights), brought to the photo's light by the ratio of the photo to the completion, low-passed
over the kept texels (yielded_light), a texel the photo did not see taking the light of those
that face alike (unseen_light, facing_low_pass); and the completion's dark structure taken out
where the photo saw the surface go on (unseen_structure). poce_rt.disocclusion decides which
texels are trusted and what fills the rest; this module sets only the fill's light.
"""
from __future__ import annotations

import cv2
import numpy as np

from . import ops
from .complete import LUMA, grow_back, low_pass, nearest_known, push_pull, shrink_factor, smoothstep
from .lab_colour import backdrop_distance, lab
from .masks import eye_regions

JOIN_REACH = 0.008               # the join fades over this fraction of S (2 texels at 256: wider, it darkened
#                                 15-f13-anc-ph.jpg's revealed cheek against her skin's mean, tests/test_disocclusion.py)
JOIN_SMOOTH = 1.5               # texels: the smoothing of that join along the border
# The join carries a level (the lighting the fill missed: 8-12 grey levels on t1.jpg's temple), not
# an edge: a border texel whose step to the fill beside it is this large (in its largest channel:
# all .. none of it carried) lies on an edge the fill does not continue. Image_with_alpha.png's
# palm beside its far temple, whose mirror is the dark gap between two fingers (steps of 100-216
# levels), carried its brightness into the fill past white (to 1.17) and drew a bluish-white
# speck beside the palm at +25; the other held-out photos' largest steps are 41-115 levels
JOIN_EDGE = (0.35, 0.5)
# a region whose yielded texels are fewer than this share of the layout is drawn as before (relights;
# yield_edges.yield_join): a speck that yields (single_face.jpg's 53 texels, Tom_Hanks_54745.png's
# 37 beside his far brow, 0.1% of the layout) is no far half meeting the photo along a line, and
# joined as disocclusion's YIELD_JOIN has it, Tom's far brow at -25 was taken by the fill with the
# kept texels around it
YIELD_MIN = 0.02
# The completion of a far half that yielded is the mirror of the near half relit to the trusted
# skin around the hole (poce_rt.complete.relight_mirror): on a three-quarter view, the lit near side
# and the bridge of the nose. t1.jpg's face 1 (lit from her near side, warm light off the wall on
# her far cheek) turned +25 drew her far eye and cheek, and the hole past them, brighter than the
# photo showed them (its own light there 0.75 of the fill's drawn, median, the eyes left out), pale
# and grey-pink: a mask. The texels that yielded were seen: their detail is too coarse to draw
# magnified, not their light. So the completion takes the photo's light at the scale of the
# lighting, per channel (its hue too: scaled by the luma alone, the pale fill turned a grey patch):
# the ratio of the photo to the completion, averaged over the texels kept before the yield (1 on
# the trusted ones, whose completion is their own colour: it fades out across the trusted border,
# no new edge), carried into the holes beyond them (push_pull), so that the mirrored far half and
# the hole past it are lit alike (yielded_light). Her far half's drawn luma at +25: 0.735 -> 0.67
# (the photo's 0.55; the pale streak at the far eye's outer corner 0.15-0.2 above the temple beside
# it -> ~0.08); t1.jpg's faces 3 and 5 change by at most 9 and 2 levels, no other face changes
YIELD_LIGHT_SIGMA = 0.05        # the lighting's scale, a fraction of S (a Gaussian; ~13 texels at 256)
# a texel whose log ratio (mean over the channels) is this far from the estimate about it is not
# the light but a structure the photo and its mirror do not share (a brow, the old eye's smear
# around the mirrored eye: read, they drew a grey shadow under it); the eyes are left out
YIELD_LIGHT_TRIM = 0.1
YIELD_LIGHT_ROUNDS = 2          # rounds of that trimming
YIELD_LIGHT_NEAR = 0.05         # the texels' weight in the window from which the estimate is used
YIELD_LIGHT_GAIN = (0.5, 1.5)   # the gain's level (the channels' geometric mean), clipped to this
# ... and each channel's gain within this factor of that level. Each channel clipped to
# YIELD_LIGHT_GAIN on its own, the light lost its hue where it is dim and warm: t1.jpg's face 1
# (her far cheek lit by the orange wall, RGB ratios to its pale mirror ~0.75 / 0.56 / 0.42) kept
# the mirror's blue at 0.5 and drew her revealed cheek at +25 as a magenta-pink blotch between
# her pale face and the orange wall and neck (b* 29 against a* 26; the photo's far side b* 32
# against a* 21)
YIELD_LIGHT_TINT = 1.5
# backdrop_rim's share of a texel's trust: its light read .. not read. A texel that yielded all
# of its trust to the backdrop read the wall's light; one that yielded part of it (a colour
# between the wall's and the skin's) is her far cheek's light as often as the wall's: t1.jpg's
# far cheek below her eye, lit by the wall, is 3-6 Lab from it. Read, the texels that yielded it
# all drew the hole to the far outline in the wall's colour (0.27 of the revealed cheek within 6
# Lab of the backdrop, as with the wall's texels trusted: test_a_far_cheek_that_read_the_wall_...)
YIELD_LIGHT_RIM = (0.9, 1.0)
# ... unless its own colour is not the backdrop's: Lab distance to the nearest backdrop colour,
# not read .. read. backdrop_rim's closing and spread (out to RIM_REACH) take the far cheek's own
# texels beside those that read the wall: t1.jpg's face 1's far texels within 1 D of the
# silhouette are 5.4-7.5 Lab from the wall (median; 37-58% within 6 Lab), those from 1 D on
# 12-14 Lab (6-20%): her far cheek in the wall's warm light. Left out, the far half took the light
# of the lit texels by the nose (push_pull) and was drawn pale to its outline, a mask's edge
# against her shaded temple and the wall beside it (the step across the far outline at +25, 3-5
# px inside against 2-4 px out: 12.0 Lab on average; read, 9.5). Read from 8-12 Lab, the wall's
# own texels came with them (0.27 of the revealed cheek within 6 Lab of the backdrop, against the
# photo's own far cheek's 0.19)
YIELD_LIGHT_UNLIKE = (10.0, 15.0)
# ... and those that did yield it all are read at this share of a kept texel's weight: as often
# her shaded cheek as the wall (her far cheek 3-6 Lab from it). Left out, t1.jpg's face 1 at +25
# read 1801 of its 5316 yielded texels (1442 left out as the wall's, 1565 trimmed as unlike the
# estimate about them), and her far half took the light of a patch of ~600
# texels of shaded cheek beside the nose (Lab 52 / 26 / 34), Gaussian-spread and push-pulled
# round it: a red-brown blotch under the far eye, the rest of the far half the pale mirror (the
# revealed cheek's a*, 95th percentile over the median, 13.0 against the photo's far cheek's
# 9.3; its median a* 16 against the photo's 21). Read at half weight they spread that light over
# the far half as the photo shows it: 8.5 (median a* 21.2), the step across the far outline 9.6 ->
# 7.4 Lab, the revealed cheek's pixels within 6 Lab of the wall 0.236 -> 0.232 (the photo's
# own far cheek 0.195; 0.232-0.234 from 0.4 to 0.7 of the weight, 0.285 at 0.3, 0.251 in full)
YIELD_LIGHT_RIM_READ = 0.5
# ... and a texel the photo did not see takes the light of the texels about it that face alike in
# the photo (their unit normals' x and y at the source pose, a Gaussian of this spread on each: a
# bilateral grid of that spacing, facing_low_pass). Light follows the normal: where a
# three-quarter view hides the nose's far flank, the fill of that hole is the mirror of the lit
# near flank, and the texels about it are the bridge (trusted, its light the completion's own:
# ratio 1) and the far cheek (the photo's shade there, ~0.7). Averaged over space alone, the flank
# took mostly the bridge's light: t1.jpg's face 1 at +25 drew it as a pale strip down the nose
# from between the brows to the tip (L* 67.8 over its pixels, median; the bridge beside it 82.4,
# the far cheek 60.0: 0.35 of the way from the cheek to the bridge; 2.4 px a row brighter than
# halfway). It faces sideways like the far cheek, ~45 degrees from the bridge: read from the texels
# facing like it, 61.2 (0.05 of the way; 0.9 px a row), the bridge and the cheek as they were
YIELD_LIGHT_FACING = 0.2
# where the texels facing alike hold less than this share of the plain window's weight (times
# the grid's sum over its bins, ~3 at its spacing), the estimate is the plain one (no texel faces
# like this one nearby)
YIELD_LIGHT_FACING_MIN = 0.02
# texels: the edge of the unseen texels that read it so (a Gaussian; a texel the photo saw keeps the
# light it showed there: read by facing too, her far cheek's outer texels took the light of the
# ones beside the outline that read the wall, and the revealed cheek within 6 Lab of it went
# 0.23 -> 0.26, the photo's own far cheek 0.19)
YIELD_LIGHT_UNSEEN_EDGE = 1.0
_LIGHT_EPS = 0.02               # (a dark texel's ratio stays finite)
# A fill texel the photo saw (untrusted: near the silhouette, seen edge-on) whose sample has the
# colour of the trusted texels about it saw that surface go on over it; a structure of the
# completion far darker than both is none of the photo's there. Image_with_alpha.png's far
# temple under the heel of his palm (the photo's palm there, L 90-94) took its mirror from his
# fingers on the near temple, and the dark gap between two of them (luma 0.25-0.45 against the
# palm's 0.9) drew a dark brown speck at the palm's edge at +25. Such a texel's completion is
# taken back towards the trusted texels' average (unseen_structure). Its mirror's other
# structures, and the fill of texels the photo saw unlike what lies about them (the backdrop read
# across the silhouette, a far eye's smear), are the completion's as before
UNSEEN_SIGMA = 0.02             # the trusted texels about a texel: a Gaussian of this share of S
UNSEEN_LIKE = (0.06, 0.1)       # the sample's largest channel difference from their average: like .. not
UNSEEN_DARK = (0.2, 0.3)        # the completion's luma below both: none .. all of it taken back
UNSEEN_NEAR = (0.005, 0.02)     # the trusted texels' weight in that Gaussian: none .. enough to tell


def relights(yielded: np.ndarray, coverage: np.ndarray) -> bool:
    """Whether a far half yielded (yielded, coverage [S,S] bool): yielded_light brings its fill
    to the photo's light (YIELD_MIN of the layout's texels or more)."""
    return bool((yielded & coverage).sum() >= YIELD_MIN * coverage.sum())


def yielded_light(completion: np.ndarray, uv: np.ndarray, keep: np.ndarray, yielded: np.ndarray,
                  layout: ops.UVLayout, rim: np.ndarray | None = None, backdrop: np.ndarray | None = None,
                  normals: np.ndarray | None = None, seen: np.ndarray | None = None) -> np.ndarray:
    """completion [S,S,3] brought to the photo's light where a far half yielded to its mirror (module
    comment at YIELD_LIGHT_SIGMA) -> [S,S,3] float32: times exp(low(log(uv / completion))) per
    channel, the log ratio low-passed (YIELD_LIGHT_SIGMA) over the kept texels (keep [S,S] bool:
    the trusted ones and those that yielded, yielded [S,S] bool) off the eyes (eye_regions), those
    that read the backdrop at YIELD_LIGHT_RIM_READ of the weight (rim [S,S]: backdrop_rim's share,
    over YIELD_LIGHT_RIM; None: none did) but for those whose colour is unlike it (backdrop [K,3]
    Lab backdrop_colours', over YIELD_LIGHT_UNLIKE; None: none is told so), trimmed of those
    unlike the estimate about them (YIELD_LIGHT_TRIM, YIELD_LIGHT_ROUNDS), push-pulled where
    fewer of them lie in the window (YIELD_LIGHT_NEAR) and clipped to YIELD_LIGHT_GAIN. normals
    [S,S,3] (each texel's normal at the source pose) and seen [S,S] bool (the texels the photo saw):
    given both, an unseen texel's light is read from the texels about it that face alike
    (unseen_light, YIELD_LIGHT_FACING). The same array where fewer than YIELD_MIN of the layout's
    texels yielded."""
    coverage = layout.coverage
    if not relights(yielded, coverage):
        return completion
    light = (keep & coverage).astype(np.float32)
    for eye in eye_regions(layout):
        light[eye] = 0.0
    if rim is not None:
        read = 1.0 - (1.0 - YIELD_LIGHT_RIM_READ) * smoothstep(rim, *YIELD_LIGHT_RIM)
        if backdrop is not None:
            read = np.maximum(read, smoothstep(backdrop_distance(lab(uv), backdrop), *YIELD_LIGHT_UNLIKE))
        light *= read
    sigma = max(1.0, YIELD_LIGHT_SIGMA * keep.shape[0])
    # a completion that overshoots below black (Telea's detail beside a dark texel) is read as black:
    # its log ratio was NaN, which the low pass spread over the whole far half (a black face)
    ratio = np.log((np.asarray(uv, np.float32) + _LIGHT_EPS) / (np.maximum(completion, 0.0) + _LIGHT_EPS))
    read = light
    estimate, weight = low_pass(ratio, read, sigma)
    for _ in range(YIELD_LIGHT_ROUNDS):
        read = light * (np.abs(ratio - estimate).mean(-1) < YIELD_LIGHT_TRIM)
        estimate, weight = low_pass(ratio, read, sigma)
    if normals is not None and seen is not None:
        estimate = unseen_light(estimate, ratio, read, sigma, normals, seen)
    gain = light_gain(push_pull(estimate, weight >= YIELD_LIGHT_NEAR))
    return np.ascontiguousarray(completion * gain, np.float32)


def light_gain(log_ratio: np.ndarray) -> np.ndarray:
    """yielded_light's [S,S,3] log gain -> [S,S,3] float32 gain: its level (the channels' mean)
    clipped to YIELD_LIGHT_GAIN, its tint (each channel's difference from it) to YIELD_LIGHT_TINT."""
    level = log_ratio.mean(-1, keepdims=True)
    tint = np.clip(log_ratio - level, -np.log(YIELD_LIGHT_TINT), np.log(YIELD_LIGHT_TINT))
    return np.exp(np.clip(level, *np.log(YIELD_LIGHT_GAIN)) + tint).astype(np.float32)


def unseen_light(estimate: np.ndarray, ratio: np.ndarray, read: np.ndarray, sigma: float, normals: np.ndarray,
                 seen: np.ndarray) -> np.ndarray:
    """yielded_light's estimate [S,S,C] of the light about each texel, where the photo did not see
    the texel (seen [S,S] bool; the edge softened over YIELD_LIGHT_UNSEEN_EDGE texels) read instead
    from the texels about it that face alike (facing_low_pass of ratio [S,S,C] over the read
    weights [S,S], sigma texels; normals [S,S,3] at the source pose) -> [S,S,C] float32. A texel
    the photo saw keeps the light it showed."""
    facing = np.asarray(normals, np.float32)
    facing = facing[..., :2] / np.maximum(np.linalg.norm(facing, axis=-1, keepdims=True), np.float32(1e-6))
    unseen = cv2.GaussianBlur((~np.asarray(seen, bool)).astype(np.float32), (0, 0), YIELD_LIGHT_UNSEEN_EDGE)
    if not unseen.any():
        return estimate
    alike, _ = facing_low_pass(ratio, read, sigma, facing)
    return (estimate + unseen[..., None] * (alike - estimate)).astype(np.float32)


def facing_low_pass(img: np.ndarray, weight: np.ndarray, sigma: float, facing: np.ndarray,
                    spread: float = YIELD_LIGHT_FACING):
    """low_pass whose window also weighs each texel by how alike it faces: img [S,S,C], weight
    [S,S], facing [S,S,2] (the unit normal's x, y) -> (average [S,S,C], the plain window's weight
    [S,S]). A bilateral grid: the weighted texels are split over Gaussian bins of `spread` on a grid
    of that spacing over their facing, each bin low-passed, and each texel reads the bins about its
    own facing; where the texels facing alike hold too little of the window
    (YIELD_LIGHT_FACING_MIN), the plain average. Taken on the copy shrunk as low_pass's (its
    cells' facing, the average over their weighted texels')."""
    h, w = weight.shape
    f = shrink_factor(sigma)
    wt = weight.astype(np.float32)
    stack = np.concatenate([img * wt[..., None], facing * wt[..., None], wt[..., None]], -1).astype(np.float32)
    own = np.ascontiguousarray(facing, np.float32)
    if f > 1:
        size = (max(1, w // f), max(1, h // f))
        stack = cv2.resize(stack, size, interpolation=cv2.INTER_AREA).reshape(size[1], size[0], -1)
        own = cv2.resize(own, size, interpolation=cv2.INTER_AREA).reshape(size[1], size[0], 2)
    c = img.shape[-1]
    sums, wt = np.ascontiguousarray(np.concatenate([stack[..., :c], stack[..., -1:]], -1)), stack[..., -1]
    cell = stack[..., c:c + 2] / np.maximum(wt, 1e-6)[..., None]   # the weighted texels' facing per cell
    s = sigma / f
    acc = np.zeros(sums.shape, np.float32)
    inv = np.float32(-0.5 / (spread * spread))
    axes = [np.arange(np.floor(cell[..., k][wt > 0].min() / spread), np.ceil(cell[..., k][wt > 0].max() / spread) + 1)
            * np.float32(spread) for k in range(2)] if (wt > 0).any() else [[], []]
    # (the kernel separates: a bin's weight is the product of one factor per component)
    bins = [[np.exp((v[..., k] - x) ** 2 * inv) for x in axes[k]] for v in (cell, own) for k in range(2)]
    for bx, ox in zip(bins[0], bins[2]):
        for by, oy in zip(bins[1], bins[3]):
            k = bx * by
            if float((wt * k).sum()) < 0.5:   # (no weighted texel faces so)
                continue
            acc += (ox * oy)[..., None] * cv2.GaussianBlur(sums * k[..., None], (0, 0), s).reshape(sums.shape)
    plain = cv2.GaussianBlur(sums, (0, 0), s).reshape(sums.shape)
    floor = YIELD_LIGHT_FACING_MIN * plain[..., -1:]
    avg = (acc[..., :c] + floor * plain[..., :c] / np.maximum(plain[..., -1:], 1e-6)) / np.maximum(acc[..., -1:] + floor, 1e-6)
    avg, den = grow_back(avg, plain[..., -1], f, img.shape)
    return avg.astype(np.float32), den.astype(np.float32)


def unseen_structure(completion: np.ndarray, uv: np.ndarray, seen: np.ndarray, keep: np.ndarray,
                     coverage: np.ndarray) -> np.ndarray:
    """completion [S,S,3] with the dark structure the photo did not see taken out (module comment at
    UNSEEN_SIGMA) -> [S,S,3] float32: on each untrusted texel the photo saw (seen [S,S] bool, not
    keep [S,S] bool, on coverage [S,S] bool) whose sample uv [S,S,3] is like the average of the
    trusted texels about it (UNSEEN_LIKE; with UNSEEN_NEAR of them in the window), the completion
    moves towards that average by how far its luma lies below both (UNSEEN_DARK). The completion
    as it is elsewhere (the same array where no texel is such)."""
    trusted = keep & coverage
    if not trusted.any():
        return completion
    near, weight = low_pass(uv, trusted, max(1.0, UNSEEN_SIGMA * uv.shape[0]))
    share = smoothstep(weight, *UNSEEN_NEAR) * (seen & ~keep & coverage)
    share *= 1.0 - smoothstep(np.abs(uv - near).max(-1), *UNSEEN_LIKE)
    share *= smoothstep(np.minimum(near @ LUMA, uv @ LUMA) - completion @ LUMA, *UNSEEN_DARK)
    if not share.any():
        return completion
    return np.ascontiguousarray(completion + share[..., None] * (near - completion), np.float32)


def joined(completion: np.ndarray, uv: np.ndarray, keep: np.ndarray, coverage: np.ndarray,
           reach: float = JOIN_REACH) -> np.ndarray:
    """completion [S,S,3] of the untrusted texels, shifted to meet the trusted photo texels beside
    them -> [S,S,3] float32 (the kept texels unchanged). The fill's texels at the hole's border
    take their colour from the border (Telea, band-limited, detail added), but not its exact
    level: t1.jpg's far temple, untrusted in a band 20 texels wide, was filled 8-12 grey levels
    darker than the trusted skin beside it, and a turn that reveals it (--yaw +25, all fill
    there) drew the trust boundary as a vertical seam down the forehead and cheek. The step
    between each border texel and its trusted neighbours' average is carried into the hole and
    fades over reach * S texels (a one-sided Poisson-like join: the hole's own detail stays).
    A step as large as an edge's (JOIN_EDGE) is carried in part or not at all."""
    hole = coverage & ~keep
    ring = hole & cv2.dilate(keep.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    if not ring.any():
        return completion
    s = float(keep.shape[0]) * reach
    beside, _ = low_pass(uv, keep, 1.0)   # the trusted neighbours' colour at each border texel
    step = np.where(ring[..., None], beside - completion, 0.0).astype(np.float32)
    step *= 1.0 - smoothstep(np.abs(step).max(-1, keepdims=True), *JOIN_EDGE)
    # each hole texel takes its nearest border texel's step, lightly smoothed (no Voronoi edges;
    # a wide average along the border left the step where it changes fast)
    spread = cv2.GaussianBlur(nearest_known(step, ring), (0, 0), JOIN_SMOOTH)
    far = cv2.distanceTransform((~ring).astype(np.uint8), cv2.DIST_L2, 3)
    fade = (np.exp(-far / s) * hole)[..., None]
    return np.ascontiguousarray(completion + fade * spread, np.float32)
