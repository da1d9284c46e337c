"""Hair over the face's outline (issue 15: a turned face drawn like a pale disc pasted on the head).

The tracked mesh's oval often runs under the hair (a fringe over a temple, a bob over a cheek):
its texels there are hair in the photo. They lie near the silhouette, so poce_rt.disocclusion does
not trust them and fills them with skin, and a turn that reveals them drew skin where the head had
hair: a smooth oval of skin out to the mesh's outline, the face wider than the head, the hair's
edge left as a dark line inside the face. This finds the hair among the untrusted texels near
the layout's border, as a layer laid over their fill:
  - hair: darker than the face's own skin and unlike it (the trusted texels' Lab median and
    spread), and neither the photo's backdrop nor a mix of skin and backdrop (the colours a texel
    read across the silhouette takes: a three-quarter view's far cheek stays filled); the backdrop
    is read on the photo's side borders, where a portrait shows what lies behind the head. Where
    hair and backdrop look alike, the hair is filled as before.
  - hair over the face comes from beyond its outline: the texels between a hair texel and the
    border are under the hair too (outward), the ones the photo saw edge-on included.
  - the layer's colour is the photo's own where it saw the hair itself (own_hair: within HAIR_CLEAN
    spreads of the colour of the photo's hair beside the face, photo_hair), else the hair the photo shows
    beside the texel (hair_beside). The outline runs along the hair's edge, so most of the texels
    there are a mix of hair and skin: carried outwards and stretched by a turn, they drew a grey
    band over the revealed cheek (15-f13-anc-ph.jpg at +25).
  - the layer is sharp where the hair starts (EDGE): the fade-out of a texel's chance of being
    hair with its distance from the border (OUTLINE, for eyes and nostrils) drew a ramp of hair
    over skin 0.06 of S wide (OUTLINE[0] to [1]) where the photo has an edge.
  - a cheek that turns away under the light darkens into the hair beside it: texels as dark as
    the photo's light makes the skin at their facing (poce_rt.shading's fit), of the skin's own
    chromaticity, are the skin in shade, not hair, unless the hair itself lies beside them
    (SHADED, SHADE_CHROMA).

The colour classes it tells hair by (the skin's, the backdrop's, the photo's hair beside the face;
hair_like, own_hair) are poce_rt.colour_classes'; poce_rt.stages.complete_face lays the layer over
the face's fill.
"""
from __future__ import annotations

import cv2
import numpy as np

from .accessories import skin_core, skin_features
from .colour_classes import (BACKDROP_D, DARK, HAIR_REF_MIN, HAIR_SPREAD_MIN, backdrop_colours,
                            hair_like, own_hair, texel_skin)
from .complete import LUMA, push_pull, smoothstep
from .lab_colour import chromaticity, lab, robust_colour, segment_distance
from .ops.uv_layout import UVLayout
from .photo_rays import ray_samples, read_pixels
from .shading import skin_texels

OUTLINE = (0.08, 0.14)           # distance from the layout's border, a fraction of S: outline .. inside
# ... for the face's own beard (face_beard; its colour, beard_texels): it grows over the cheeks
# from the jaw, further inside the outline than hair over the temples reaches. Image_with_alpha.png's
# soft inner edge of the beard lies 11-13% of S inside the border (facing cosine 0.33-0.36, trust
# 0-0.4), where OUTLINE's fade left it 0.02-0.05 of the hair layer: turned -25 the mirror's lit
# cheek (luma 200-220) was drawn there as a pale strip over the photo's beard (120-160)
BEARD_OUTLINE = (0.11, 0.17)
SMOOTH = 0.01                    # the hair weight's blur, a fraction of S (no speckles)
OUTWARD_SPREAD = 0.01            # outward's average across rays, a fraction of a turn
EDGE = (0.3, 0.7)                # hair_over_face's weight carried outwards: skin .. under the hair
BESIDE = 0.15                    # hair_beside: rays out to this share of the face's radius
# ... whose pixels are this share or more of the hair's own colour: a ray that grazes the hair
# (Image_with_alpha.png's sideburn, lit brown, beside his dark hair behind the ear: 1-5 of ~20
# pixels) took the mean of those few, near-black texels amid the sideburn's brown
# (push-pulled from the texels about them), dark specks on his temple turned -25
BESIDE_SHARE = 0.25
# The hair's strands over the outline (issue 15, 0-f15-hao-ph.jpg and 0-f1-su-ph.jpg at +25): the
# texels the photo saw edge-on along a cheek under the hair crowd onto a pixel or two of the photo
# (0-f15's image-left cheek: 26 texels of a UV row on 1.3 px), and the layer's colour there, the
# mean of the hair beside each texel, is one colour along each ray: a turn towards the camera
# drew those texels ~20 px wide as a smooth dark-grey band between the cheek and the hair, no
# strand in it. Each texel takes instead the photo's hair as far out past the hair's own edge on
# its ray as the texel lies inside the layout's border (its depth, in photo pixels at the face's
# scale, pixel_texels): the hair beside the face laid back over the outline at the photo's scale,
# mirrored about the hair's edge, strands and all (times STRANDS: the photo's scale); the mean
# where that pixel is not the hair's own colour.
STRANDS = 1.0
# The skin in shade (issue 15, 0-f15-hao-ph.jpg at +25): her image-left cheek turns away into the
# hair beside it under a light from the front, the skin darkening over 8-9 px (L* 49 -> 29, the
# skin's own hue: blue share 0.30-0.31, the hair's 0.33-0.36) before a 2-3 px step into the hair.
# Darker than the face's skin by DARK, the texels the photo saw there (26 texels of a UV row on
# 1.3-8 px) were taken for hair, and the turn drew a dark crescent over the revealed cheek, a pale
# line between it and the hair, its inner edge blurred, fading out halfway down. The photo's light
# on the skin (poce_rt.shading's fit, luma = a + b . n at the source pose) says how dark the skin
# is at each texel's facing: those texels read 0.71-0.90 of it (quartiles; the lower cheek's
# 0.85-0.97), the hair over 0-f1-su-ph.jpg's cheek 0.31-0.47 and the core of 15-f13-anc-ph.jpg's
# bob over hers 0.15-0.35. Share of that luma: hair .. the skin in shade
SHADED = (0.6, 0.8)
# ... but the hair's edge blurs it with the skin beside it: 15-f13's outline texels there read
# 0.6-0.8 within a few texels of her hair. A texel within SEED_REACH of S of the hair itself (its
# share under SEED) stays hair. The hair that keeps 15-f13's and 0-f1's outline texels reads
# 0.10-0.33 (0.36 at most), 0-f15's darkest texels on her cheek, at the step, 0.415 and up
SEED = (0.32, 0.38)
SEED_REACH = 0.06
# ... and the skin in shade is still the skin: the light scales its three channels alike, so its
# chromaticity (each channel's share of their sum) stays the skin's, where the hair mixed with
# what lies behind it need not. 15-f13's bob hangs over her jaw in strands over the blue backdrop:
# the outline's texels there read 0.72-0.88 of the light, as dark as 0-f15's cheek in shade, and
# leaving the layer they ended the hair over her jaw turned +25 higher than the photo's, in a
# blurred smudge. Their chromaticity lies 8.8-24 of the skin's robust spreads from the skin's
# (5-95%; 7.9 and up), 0-f15's cheek in shade 1.8-4.7 (5.0 at most). In those spreads: the skin
# in shade .. not
SHADE_CHROMA = (5.5, 8.0)
CHROMA_SPREAD_MIN = 0.004        # floor of the skin's chromaticity spread (15-f13's flat-lit skin: 0.0042-0.006)
# A beard (face_beard): Image_with_alpha.png's sideburn (L 40-50 against a lit cheek of 80) was
# seen edge-on and filled from the lit cheek, a pale blur beside the ear turned -25. hair_like
# missed it: the trusted texels' skin took in his palm (L 88) and his beard (L 45), an L spread
# of 26, so the sideburn was 1 spread darker than the skin. Where the beard covers most of the
# face below the nose, it is the face's own hair: the untrusted texels along the outline of its
# colour (and darker than the skin's core, accessories.skin_core) are hair too, drawn as the
# photo saw them. Shadowed skin keeps the skin's hue and lips are a small share: a clean-shaven
# face reads at most 0.36 of its lower face so (single_face.jpg: lips, an open mouth, shade),
# the bearded man 0.53.
BEARD_SHARE = 0.45               # share of the trusted texels below the nose tip that are beard
BEARD_HUE = 2.5                  # ... unlike the skin core's hue by this many of its spreads
BEARD_SURE = 0.99                # ... and beard_like this surely (darker by DARK[1]: not its edge)
NOSE_TIP = 1                     # MediaPipe's nose tip: the lower face starts at its row


def hair_beside(image: np.ndarray, positions: np.ndarray, texels: np.ndarray, centre_texels: np.ndarray, hair,
                depth: np.ndarray | None = None):
    """The photo's hair beside each of `texels` [S,S] bool -> (colours [n,3] float32 in [0,1],
    found [n] bool): read on the ray from the face's centre (the mean photo position of
    centre_texels [S,S] bool) through each texel's photo pixel (positions [S,S,2], array
    coordinates, rounded), from there out to BESIDE of the face's radius (the largest distance of those
    positions), the mean of its pixels of the hair's own colour (own_hair of `hair`, photo_hair's):
    past the hair's mix with the skin along the face's edge; found where they are BESIDE_SHARE of
    its pixels or more. image [H,W,3] uint8. depth: None, or [n] photo pixels: each texel takes
    the photo's pixel that far out past the ray's first pixel of the hair's own colour where that
    pixel is of it too (the hair's strands, module comment at STRANDS), the mean elsewhere."""
    if not texels.any():
        return np.zeros((0, 3), np.float32), np.zeros(0, bool)
    # one ray per pixel: the texels along the outline crowd onto a few pixels of the photo
    pos, back = np.unique(np.round(positions[texels].astype(np.float64)), axis=0, return_inverse=True)
    c = positions[centre_texels].astype(np.float64).mean(0)
    radial = pos - c
    radius = float(np.linalg.norm(positions[centre_texels] - c, axis=1).max())
    u = radial / np.maximum(np.linalg.norm(radial, axis=1, keepdims=True), 1e-6)
    t, colours, inside, length = ray_samples(image, pos, pos + BESIDE * radius * u)
    own = own_hair(colours, hair) & inside
    n = own.sum(1)
    mean = (colours * own[..., None]).sum(1) / np.maximum(n, 1)[:, None]
    rgb = cv2.cvtColor(np.ascontiguousarray(mean.reshape(-1, 1, 3), np.float32), cv2.COLOR_Lab2RGB)
    back = back.reshape(-1)
    found = (n > 0) & (n >= BESIDE_SHARE * inside.sum(1))
    out = np.clip(rgb.reshape(-1, 3), 0, 1)[back]
    if depth is not None and found.any():
        first = t[own.argmax(1)] * length   # [K] px: the ray's first pixel of the hair's own colour
        at = pos[back] + (first[back] + np.asarray(depth, np.float64))[:, None] * u[back]
        strand, on = read_pixels(image, at)
        keep = on & found[back] & own_hair(lab(strand), hair)
        out[keep] = strand[keep]
    return out, found[back]


def beard_texels(colours: np.ndarray, beard, skin, backdrop: np.ndarray) -> np.ndarray:
    """[N,3] RGB in [0,1] -> [N] bool: the beard's (beard: face_beard's (core, beard colour)):
    beard_like the skin's core, within HAIR_CLEAN spreads of the beard's colour (own_hair), and
    not a mix of the skin (skin: texel_skin's) and the backdrop ([K,3] Lab) by BACKDROP_D[1]."""
    core, colour = beard
    c = lab(colours)
    return ((beard_like(skin_features(colours), core) >= 0.5) & own_hair(c, colour)
            & (segment_distance(c, skin[0], backdrop) >= BACKDROP_D[1]))


def outward(weight: np.ndarray, layout: UVLayout) -> np.ndarray:
    """[S,S] -> [S,S] float32: each texel takes the largest weight between it and the layout's
    centre along the ray from the centre (a running maximum outwards, in polar coordinates about
    the coverage's centroid), averaged over OUTWARD_SPREAD of a turn (a lone dark texel draws no
    spoke): hair over the face comes from beyond its outline, so the texels between a hair
    texel and the outline are under the hair too."""
    s = layout.size
    ys, xs = np.nonzero(layout.coverage)
    cx, cy = float(xs.mean()), float(ys.mean())
    r_max = float(np.hypot(xs - cx, ys - cy).max()) + 2.0
    # explicit maps both ways (cv2.warpPolar's inverse leaves pixels unwritten beyond its radius)
    n_a, n_r = 4 * s, s
    ang = np.arange(n_a, dtype=np.float32)[:, None] * np.float32(2 * np.pi / n_a)
    rad = np.arange(n_r, dtype=np.float32)[None, :] * np.float32(r_max / (n_r - 1))
    polar = cv2.remap(np.ascontiguousarray(weight, np.float32), cx + rad * np.cos(ang), cy + rad * np.sin(ang),
                      cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)   # [angle, radius]
    polar = np.maximum.accumulate(polar, axis=1)
    sigma = OUTWARD_SPREAD * n_a
    pad = int(np.ceil(3 * sigma))   # the angles wrap around
    polar = cv2.GaussianBlur(np.pad(polar, ((pad, pad), (0, 0)), mode="wrap"), (1, 0), sigmaX=0.1,
                             sigmaY=sigma)[pad:-pad]
    gy, gx = np.mgrid[0:s, 0:s].astype(np.float32)
    a = (np.arctan2(gy - cy, gx - cx) % np.float32(2 * np.pi)) * np.float32(n_a / (2 * np.pi))
    rr = np.hypot(gx - cx, gy - cy) * np.float32((n_r - 1) / r_max)
    wrapped = np.concatenate([polar, polar[:1]], axis=0)   # angle n_a is angle 0
    back = cv2.remap(wrapped, rr.astype(np.float32), a.astype(np.float32), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return np.clip(back, 0.0, 1.0).astype(np.float32)


def face_beard(uv: np.ndarray, trusted: np.ndarray):
    """The face's own beard in its UV map (module comment at BEARD_SHARE) -> None where there is
    none, or (core, beard): core the skin_core of the trusted texels (uv [S,S,3] in [0,1],
    trusted [S,S] bool), beard (median [3], spread [3]) Lab of those of them below the nose tip
    that are beard_like (BEARD_SURE: DARK[1] of the core's L spreads darker than it, BEARD_HUE
    of its spreads unlike its hue), robust_colour floored at HAIR_SPREAD_MIN; found where they
    are BEARD_SHARE or more of the trusted texels there."""
    from .facemodel import load_face_model   # lazy: it reads the landmarker bundle

    core = skin_core(uv, trusted)
    if core is None:
        return None
    s = uv.shape[0]
    tip = float(load_face_model().uvs[NOSE_TIP][1])
    low = trusted & ((np.arange(s) + 0.5) / s >= tip)[:, None]
    f = skin_features(uv[low])
    beard = beard_like(f, core) >= BEARD_SURE
    if beard.sum() < HAIR_REF_MIN or beard.mean() < BEARD_SHARE:
        return None
    return core, robust_colour(lab(uv[low][beard]), HAIR_SPREAD_MIN)


def beard_like(features: np.ndarray, core) -> np.ndarray:
    """[N,3] accessories.skin_features colours -> [N] float32 in [0,1]: darker than the skin's
    core (core: skin_core's (median, spread)) by DARK of its L spreads, and its hue (a and b)
    BEARD_HUE of its spreads from the core's."""
    med, spread = core
    dark = smoothstep((med[0] - features[:, 0]) / spread[0], *DARK)
    apart = np.sqrt((((features[:, 1:] - med[1:]) / spread[1:]) ** 2).sum(-1))
    return (dark * (apart >= BEARD_HUE)).astype(np.float32)


def skin_chroma(uv: np.ndarray, skin: np.ndarray):
    """The chromaticity of the face's skin (median [3], robust spread [3] floored at
    CHROMA_SPREAD_MIN) on its texels `skin` [S,S] bool (shading.skin_texels) of uv [S,S,3] in
    [0,1]; None under 16 of them."""
    if skin.sum() < 16:
        return None
    return robust_colour(chromaticity(uv[skin]), CHROMA_SPREAD_MIN)


def not_in_shade(read: np.ndarray, shade: np.ndarray, weight: np.ndarray, cand: np.ndarray, chroma=None) -> np.ndarray:
    """[S,S] float32 in [0,1]: how surely each of the texels `cand` [S,S] bool is not the skin
    in shade (module comment at SHADED): its colour (read [S,S,3] RGB in [0,1]) darker than
    SHADED of the skin's luma at its facing (shade [S,S]), or within SEED_REACH of S of a texel
    of the hair itself (darker than SEED of it, weighed by `weight` [S,S], hair_over_face's
    hair_like): the hair's mix with the skin beside it; or unlike the skin's chromaticity by
    SHADE_CHROMA of its spreads (chroma: skin_chroma's, None: not weighed). 1 elsewhere."""
    share = (read[cand] @ LUMA) / np.maximum(shade[cand], np.float32(1e-3))
    hair = np.zeros(weight.shape, np.float32)
    hair[cand] = weight[cand] * (1.0 - smoothstep(share, *SEED))
    k = 2 * int(round(SEED_REACH * weight.shape[0])) + 1
    beside = cv2.dilate(hair, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    shaded = smoothstep(share, *SHADED)
    if chroma is not None:
        med, spread = chroma
        apart = np.sqrt((((chromaticity(read[cand]) - med) / spread) ** 2).sum(-1))
        shaded = shaded * (1.0 - smoothstep(apart, *SHADE_CHROMA))
    out = np.ones(weight.shape, np.float32)
    out[cand] = np.maximum(1.0 - shaded, beside[cand])
    return out


def hair_over_face(uv: np.ndarray, seen: np.ndarray, trusted: np.ndarray, layout: UVLayout,
                   image: np.ndarray, positions: np.ndarray | None = None, backdrop: np.ndarray | None = None,
                   skin=None, hair_colour=None, pixel: float | None = None, shade: np.ndarray | None = None):
    """The photo's hair over the face's outline, as a layer of the texture -> (weight [S,S]
    float32 in [0,1], colour [S,S,3] float32, photo [S,S] bool).

    Hair texels: untrusted ones near the layout's border that are darker than the skin (the
    trusted texels' Lab median, by DARK spreads of its L) and not skin (robust distance in their
    spreads past SKIN_D) and not backdrop, nor a mix of skin and backdrop (Lab distance to the
    segments from the skin's median to backdrop_colours past BACKDROP_D), fading out from
    OUTLINE[0] to OUTLINE[1] of S inside the border (the beard's own colour: BEARD_OUTLINE;
    nostrils and eyes, seen edge-on, are not hair). weight: that, smoothed, made sharp (EDGE),
    carried outwards to the border (outward), on
    the untrusted texels. colour: the photo's texel where it is hair (`photo`; with hair_colour,
    of the hair's own colour: own_hair), else (with hair_colour and positions) the hair beside the
    texel in the photo (hair_beside), else those colours push-pulled. uv [S,S,3] in [0,1], seen /
    trusted [S,S] bool, image [H,W,3] uint8 the photo.
    positions: None, or [S,S,2] each texel's photo array position (column, row; the vertex
    coordinates of disocclusion.texel_positions less 0.5, as photo_warp.lookup_positions): the
    texels the photo saw edge-on (not sampled: a smear of a pixel or two, mostly where the mesh's
    outline runs under the hair) are classified by the photo's colour there too. backdrop: the
    photo's backdrop_colours, skin: texel_skin(uv, trusted), when the caller has them (None:
    worked out here). hair_colour: None, or the photo's photo_hair. pixel: None (the mean of the
    hair beside each texel), or a photo pixel's side in texels (disocclusion.pixel_texels): each
    texel takes the hair's strands beside it (hair_beside's depth, module comment at STRANDS).
    shade: None, or [S,S] the luma the photo's light gives the skin at each texel's facing
    (stages.skin_shade): a texel that dark or nearly (SHADED), of the skin's chromaticity
    (SHADE_CHROMA), is the skin in shade, not hair."""
    s = layout.size
    weight = np.zeros(seen.shape, np.float32)
    cov = layout.coverage
    none = (weight, uv, np.zeros(seen.shape, bool))
    if trusted.sum() < 16:
        return none
    inside = cv2.distanceTransform(np.pad(cov.astype(np.uint8), 1), cv2.DIST_L2, 5)[1:-1, 1:-1]
    near = 1.0 - smoothstep(inside, OUTLINE[0] * s, OUTLINE[1] * s)
    read, sampled = uv, seen
    if positions is not None:
        read = np.where(seen[..., None], uv, cv2.remap(image, positions[..., 0], positions[..., 1], cv2.INTER_LINEAR,
                                                       borderMode=cv2.BORDER_REPLICATE).astype(np.float32) / 255.0)
        seen = seen | (cov & (positions[..., 0] >= 0) & (positions[..., 1] >= 0)
                       & (positions[..., 0] <= image.shape[1] - 1) & (positions[..., 1] <= image.shape[0] - 1))
    near_beard = 1.0 - smoothstep(inside, BEARD_OUTLINE[0] * s, BEARD_OUTLINE[1] * s)
    cand = seen & ~trusted & cov & (np.maximum(near, near_beard) > 0)
    if not cand.any():
        return none
    skin = texel_skin(uv, trusted & cov) if skin is None else skin
    backdrop = backdrop_colours(image) if backdrop is None else backdrop
    weight[cand] = hair_like(lab(read[cand]), skin, backdrop, mixes=True) * near[cand]
    # the layer's extent leaves out the skin in shade; its colours are read as before
    layer = weight if shade is None else \
        weight * not_in_shade(read, shade, weight, cand, skin_chroma(uv, skin_texels(uv, trusted & cov, skin)))
    beard = np.zeros(seen.shape, bool)
    bearded = face_beard(uv, trusted & cov)
    if bearded is not None:   # the outline's texels of the beard's own colour are hair, as seen
        beard[cand] = beard_texels(read[cand], bearded, skin, backdrop)
        weight = np.maximum(weight, beard * near_beard)
        layer = np.maximum(layer, beard * near_beard)
    hair = (weight >= 0.5) & sampled
    if hair.sum() < 16:
        return none
    smooth = smoothstep(cv2.GaussianBlur(layer, (0, 0), SMOOTH * s), *EDGE)
    weight = outward(smooth, layout) * (cov & ~trusted)
    seeds, known = uv, hair
    if hair_colour is not None and positions is not None:
        # the photo's hair, not its mix with the skin along the face's edge: there the layer's
        # colour is the hair the photo shows beside it (too little of either: as without)
        own = hair.copy()
        own[hair] = own_hair(lab(uv[hair]), hair_colour) | beard[hair]
        beside, found = uv.copy(), own.copy()
        rest = (weight > 0) & ~own
        # at the texel's depth inside the outline, in photo pixels: the hair's strands (STRANDS)
        depth = None if pixel is None else STRANDS * inside[rest] / float(pixel)
        beside[rest], found[rest] = hair_beside(image, positions, rest, trusted & cov, hair_colour, depth)
        if found.sum() >= 16:
            seeds, known, hair = beside, found, own
    colour = np.where(known[..., None], seeds, push_pull(seeds, known)).astype(np.float32)
    return weight, colour, hair
