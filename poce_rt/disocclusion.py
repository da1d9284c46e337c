"""Disoccluded texture (issue 15, item 1): which sampled texels to trust, how the rest is filled,
and where the fill shows in the output.

The UV map is read from the photo where the tracked mesh lies (stages.sample_face). On a turned
face the mesh's outline on the far side is off by a few pixels and seen edge-on there, so the
texels along the silhouette read the background beside the head, and a strip of a few pixels is
spread over a large part of the map (the far cheek of a three-quarter view). A pose change
towards the camera then draws the background's colour across the revealed cheek. So each sampled
texel gets a confidence from how it was seen:

    c = visible * smoothstep(cos; COS_LO, COS_HI) * max(smoothstep(d; D_LO*D, D), smoothstep(cos; FACING))

cos: the texel's triangle's facing cosine in the photo (1 facing the camera); d: its distance in
photo pixels to the mesh's silhouette, D = SILHOUETTE_FRAC of the face's width (the tracker's
outline error). Texels that face the camera keep their border (the forehead under the hair line
is good photo), and so do those whose colour is unlike the photo's backdrop (a sideburn, a beard:
the outline ran inside the head there; unlike_backdrop, from a facing cosine of UNLIKE_FACING,
the mean of each vertex's triangles', interpolated: unlike_facing):

    c = max(c, visible * unlike_facing * unlike_backdrop)   (stages.complete_face)

A texel the photo saw foreshortened, at fewer photo pixels than the map has texels, whose mirror
texel was seen at a finer resolution, in no less light, and carries detail at the photo's pixel
scale (a three-quarter view's far eye against the near one) yields its trust to the mirror
(resolution_trust: t drops, and its fill is the completion without it; the rest of the
completion reads it as that fill: fill_unreliable's yielded). So does one beside the far
silhouette that has the backdrop's colour where its mirror has the skin's (backdrop_rim: the
tracker's outline ran outside the head there, and the texel read the backdrop). Beside a far half
that yielded, the kept texels yield by their distance to it, so that the fill meets the photo over
a few pixels (yield_join).

Then

    F      = complete_uv_fallback(uv, c >= C_KEEP)   (mirror where the mirror texel is trusted,
                                                      inpainting elsewhere: poce_rt.complete; the
                                                      lenses of glasses at the temples read as
                                                      the skin: poce_rt.accessories)
    t      = smoothstep(c; C_DROP, C_KEEP)
    photo  = uv where the photo saw the texel, F elsewhere
    fill   = t * uv + (1 - t) * F,    filled = 1 - t   (push-pulled beyond the layout)

At the photo's own pose the photo texture is right: every texel is drawn where it was read, so
the far eye of a three-quarter view blinks as the photo showed it. A pose change reveals texels
that turn towards the camera: per vertex, r = smoothstep of the facing cosine it gains (the
source's rigid shape at the target pose against the photo's; an expression alone gains nothing),
spread over the texels like poce_rt.motion's motion, and the texture drawn is

    photo + r * (fill - photo)

with r * filled (all of it on texels the photo did not see) its share of fill. The fill is shaded
at the target pose (poce_rt.shading: it falls off towards the new outline as the turned skin's
normal does; revealed_texture's `shaded`). Drawn at the target
pose and weighted by the render's coverage and `moved`, that share is the [H,W] map of output
pixels whose colour came from filled texels (EditResult.filled).

The fill's light (its level at the trusted border, the photo's light on a far half that yielded)
is poce_rt.fill_light's.
"""
from __future__ import annotations

import cv2
import numpy as np

from . import ops
from .complete import LUMA, complete_uv_fallback, low_pass, push_pull, smoothstep
from .facemodel import facing_cosine, signed_area_px
from .fill_light import YIELD_MIN, joined, unseen_structure, yielded_light
from .hair import (SHADOW_TELL_HELD, SKIN_D, backdrop_colours, backdrop_distance, chromaticity, hue, in_shadow,
                   lab, segment_distance, skin_distance)
from .fit import Pose, pose_vertices
from .layers import widen
from .masks import eye_regions
from .motion import TexelMotion

COS_LO, COS_HI = 0.15, 0.5      # facing cosine: no trust at ~81 degrees, full trust from 60
SILHOUETTE_FRAC = 0.05          # D: 5% of the face's width from the silhouette (~13 px at 250 px)
D_LO = 0.5                      # no trust closer than D_LO * D to the silhouette
FACING = (0.5, 0.7)             # facing cosine from which a texel keeps its trust at the border
C_DROP, C_KEEP = 0.3, 0.8       # confidence below C_DROP: all fill; from C_KEEP: all photo
REVEAL_LO, REVEAL_HI = 0.02, 0.15   # facing cosine gained by a pose change: none .. fully revealed
SHADE_RATIO = (0.45, 1.6)       # the fill's shading ratio at a pose (poce_rt.shading), clipped to this
SHADE_EPS = 1e-3                # the anchor's shade, floored (a ratio follows)
# Lab distance from the backdrop (and skin-backdrop mixes): read across the silhouette .. the
# head's own (unlike_backdrop). Wider than poce_rt.hair's BACKDROP_D: beside the head the backdrop
# is shaded unlike the photo's borders, where it is read (45-m7-di: its texels up to ~26 away)
UNLIKE_BACKDROP = (20.0, 32.0)
# facing cosine from which such a texel is trusted: none .. all (stricter than COS_LO, COS_HI: a
# texel seen more edge-on is a smear, and a hand's grey shadow beside a temple is unlike the
# backdrop too: turned +25, Image_with_alpha's revealed temple took grey streaks from it)
UNLIKE_FACING = (0.3, 0.6)
# A texel the photo saw foreshortened is magnified by a turn towards the camera (by up to
# 1 / its facing cosine), and where the photo's pixels are coarser than the map's texels there it
# holds too little of it: t1.jpg's face 1 (yaw -33, ~100 px: 1.9 texels a photo pixel) turned +25
# drew its far eye (facing cosine ~0.55, its mirror's ~0.9) as a smear stretched ~1.9x with the
# old eye's highlight. A texel's resolution is max(1, pixel / cos) texels a photo pixel (the map's
# own texel where the photo is finer: Image_with_alpha.png's 0.54 texels a pixel resolve its
# foreshortened beard). Where its mirror texel's is this much finer (the ratio of the two: none ..
# all of its trust kept) and the mirror carries detail at the photo's pixel scale
# (RESOLUTION_DETAIL), the texel yields to the mirror (resolution_trust). Smooth skin magnified
# loses nothing the photo had, and there its own texels are kept: Tom_Hanks_54745.png's far
# temple and cheek, all mirrored at -25, took his near side's light as a bright patch.
RESOLUTION = (0.5, 0.8)
# the facing cosines and the detail are compared over this fraction of S (a Gaussian over the
# layout): a surface's foreshortening is the head's, the mesh's facets inside an eye (its
# eyeball faces the camera on a turned head) are not; compared facet by facet, the far eye kept
# its smeared pupil in the mirrored eye
RESOLUTION_SIGMA = 0.03
# the mirror's detail: the mean absolute difference of its luminance from its low-pass at a photo
# pixel (pixel_texels), averaged as above: none .. all of the yielding (an eye's ~0.03-0.05, the
# cheeks' 0.001-0.008 on t1.jpg and Tom_Hanks_54745.png; from 0.004 Tom's temple was mirrored
# with the bright patch, to 0.025 t1's far eye kept a ring of its smear around the mirrored one)
RESOLUTION_DETAIL = (0.006, 0.015)
# the light the photo saw on the texel's side over the mirror's (the luminance averaged as above):
# all .. none of the yielding. A mirror in the face's shadow was not seen better: its detail there
# is its shadow's shading, which the relit mirror (poce_rt.complete) keeps below a few texels.
# Tom_Hanks_54745.png (lit from his far side: 1.4-2.3x his near side's light on the ~2200 texels
# that yielded) drew his near nose flank's and smile fold's shadows over his lit far flank and
# cheek at -25, a Laplacian of 29 over the filled pixels there; t1.jpg's face 1 (lit from her
# near side: 0.5-0.75) yields its far eye as before
RESOLUTION_LIGHT = (1.1, 1.4)
# An eye yields as one region: its eyeball's facets face the camera on a turned head, and where
# the eye around it yielded, its pupil's own facing cosine (still high over RESOLUTION_SIGMA)
# kept t1.jpg's face 1 (turned +25) the photo's smeared pupil as an island with an edge inside the
# mirrored far eye (22 texels at t 0.05 .. 0.7). Where the median yield over an eye's hull
# (eye_regions) is at least RESOLUTION_EYE, its texels yield at least that median; eyes that
# yield less are left as they are, bit for bit
RESOLUTION_EYE = 0.5
# The tracker's outline on a three-quarter view's far side can run outside the head by more than D:
# t1.jpg's face 1 (yaw -33, 102 px wide, D 5.1 px) has its mesh ~10 px beyond her far cheek and
# temple, and those texels, 1-3 D inside the silhouette and trusted, held the orange wall beside
# her (Lab 4-15 from the backdrop, 3-9 skin spreads from her skin; their mirror texels on her near
# cheek 20-30 and under 2). Turned +25 they were drawn magnified as her far cheek, and the
# mirror relit to them took their colour: a see-through film of the wall's colour with the
# photo's outline as a ghost line down her far cheek (over the revealed cheek, 0.36 of the pixels
# within 6 Lab of the backdrop). A seen texel within RIM_REACH D of the silhouette (all .. none)
# on the foreshortened side (facing cosine RIM_FACING: all .. none) whose colour is the
# backdrop's (Lab distance RIM_BACKDROP: all .. none) and not the skin's (hair.SKIN_D spreads:
# none .. all) while its trusted mirror texel's is the skin's (SKIN_D: all .. none) read across
# the silhouette: it yields its trust to its mirror (backdrop_rim; the yield of resolution_trust,
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
# yield of resolution_trust), over its shoulders too (GLOW_GROW D), so that the revealed cheek is
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
# hair.backdrop_colours') GLOW_LIGHT (none .. all), times that backdrop colour's own distance from
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
# shadow (hair.in_shadow) between the hand and the cheek, and texels between that gap and the
# skin took a mix of both: Image_with_alpha.png's, Lab 42-58 / a 0-9 / b -1-6 below the heel of
# his palm, neither the shadow's hue nor the skin's, 0.6-0.9 trusted. Turned +25 his far cheek
# there is stretched ~1.7x: kept, and read by the completion of the shadow's texels beside them,
# they drew a grey wedge below the heel (241 grey pixels there; 72 with them yielding). A rim
# texel whose colour lies on the segment between the local average of the shadow's texels and of
# the trusted skin beside it (a Gaussian of MIX_SIGMA) yields as the shadow's do (shadow_mix). Only
# beside a held hand: a wall's shadow beside a face (t1.jpg's face 1) is drawn as before, bit for bit.
# The segment is drawn between their hues (hair.hue: a and b at a common lightness), not their Lab
# colours: further down, the gap's edge is shaded darker than the gap and the skin beside it (Lab
# 36-42 / a 7-10 / b 4-5 between a neutral grey of L 47-60 and skin of 31-43 / 15-18 / 10-11), off
# their Lab segment by 4-8 but on their hues' (t 0.3-0.6, under 2 off). Kept, those texels drew a
# grey-blue streak down the revealed temple turned +25 (331 pixels below the heel with b* under 7;
# 59 with them yielding, the gap told as beside a held hand, hair.SHADOW_TELL_HELD, and the heel's
# mixes with the gap not held, poce_rt.occluder's GAP_BLUR)
MIX_SIGMA = 3.0       # photo pixels: the Gaussian of the local shadow and skin colours
MIX_NEAR = 0.05       # those texels' weight in it from which they are read
MIX_T = (0.2, 0.35)   # share of the way from the skin's hue to the shadow's: skin .. a mix
MIX_D = (2.0, 5.0)    # hue distance (hair.hue) from that segment: a mix .. not
MIX_HELD = 2.0        # D: how far from a hand held over the outline (whose shadow it is) a mix is read
# A region of fill that holds yielded texels (a three-quarter view's far eye and cheek, with the
# nose's hidden far flank beside them) meets the kept photo along lines the photo drew as edges:
# t1.jpg's face 1's nose ridge was her nose's outline, its kept border texels 10-40 levels darker
# than the bridge 2-3 texels in (the shaded far flank behind it). Turned +25, the mirrored far
# half met them at once (t from 0 to 1 in a texel) and drew the old outline as a hard line down
# the nose bridge. The kept texels beside such a region yield too, by their distance to it in
# photo pixels (YIELD_JOIN: all .. none of the trust kept), so that the fill takes the old edge
# and meets the photo over a few pixels. Only beside a yield: a face whose texels yield nothing
# is drawn as before, bit for bit.
YIELD_JOIN = (1.0, 6.0)
# Beside a hand held over the outline (poce_rt.occluder), the far temple under its heel yields
# in runs with kept specks and slivers between them (Image_with_alpha.png: the light band between
# his sideburn and skin, 0.8-1 trusted, 1-4 texels across). Turned +25 each is stretched ~1.7x
# and drawn moved where the fill around it is held in the photo: grey streaks below the heel (70
# grey pixels; 22 closed). There the yield is closed over HELD_CLOSE photo pixels (held_holes).
# Only beside a held hand: nothing else changes. A speck the closing takes is taken whole where
# any of it lies beside the hand: cut at the reach's edge (MIX_HELD, 35 px there), 13 texels of a
# sliver below the heel that read the neutral grey stroke there mixed with his skin (0.5-0.84
# trusted, 35-42 px from the heel) stayed kept and drew a grey-blue speck at +25
HELD_CLOSE = 6.0
# ... a texel the closing lowers by more than this (of confidence) is taken: partial trust beside
# the yield is lowered a little everywhere along it, and chained through that, the speck's piece
# ran on 868 texels to 69 px from the heel (4 D); the specks it takes are 23 and 65 texels there
HELD_TAKEN = 0.1
# photo pixels from a yielded texel within which the region's texels count: on t1.jpg's face 1
# the nose's outline is 0-6 px from her yielded far eye and cheek; a near-frontal face whose few
# texels yield (single_face.jpg: 53) is drawn as before beyond that
YIELD_REACH = 8.0
# An eye the completion takes from its mirror texels is the photo's own near eye, read once from
# the photo into the map and no finer than its pixels: band_limit is for the fill's texel-scale
# detail (add_detail's ratios, the unsharp mask), the noise a render aliases into dots, and on a
# mirrored eye it only blurred it once more. t1.jpg's face 1 turned +25 drew her far eye (the
# mirror of her near one) with a soft lash line: Laplacian rms over it 21.9 against the near
# eye's 24.9 (drawn from the photo); without the band limit (the completion's unsharp mask for
# the render's second read kept) 34.5 / 24.9 (31.7 with her far half in the photo's light,
# YIELD_LIGHT_RIM_READ), the lash line and the lid's crease drawn as the near eye's. Its edge is
# blended over a Gaussian of this many texels (the hull's dilation is skin).
SHARP_EYE_EDGE = 1.0


def texel_values(values: np.ndarray, layout: ops.UVLayout, spread: TexelMotion | None = None) -> np.ndarray:
    """[N,C] per-vertex values -> [S,S,C] float32 at every texel (0 off the layout), interpolated
    like the texture (barycentrics of each texel's triangle)."""
    spread = spread or TexelMotion(layout)
    s, c = layout.size, values.shape[1]
    out = np.empty((s, s, c), np.float32)
    work = np.empty((s, s, 3), np.float32)
    for k in range(c):
        spread(np.ascontiguousarray(values[:, k], np.float32), out[..., k:k + 1], work)
    return out


def unlike_facing(cosine: np.ndarray, layout: ops.UVLayout, vertices: int,
                  spread: TexelMotion | None = None) -> np.ndarray:
    """[S,S] float32 in [0,1]: smoothstep(cos; UNLIKE_FACING) of each texel, from the triangles'
    facing cosines cosine [F] (facing_cosine) of a mesh of `vertices` vertices: each vertex takes
    the mean of its triangles', and the texels interpolate their triangle's vertices. Per
    triangle, the trust stepped at the triangles' edges, and a less facing triangle beside a
    trusted one was drawn as a block of fill: a stair-step of skin against the photo's hair along
    the mesh's top edge (Image_with_alpha.png's near temple, turned -25). The mean keeps the
    trust a band of triangles has (the most facing triangle's trusted the smear of the edge-on
    ones beside a sideburn; the least facing's, or the normals interpolated, drew the skin's fill
    over it)."""
    tris = np.asarray(layout.tris, np.int64)
    per_triangle = smoothstep(np.asarray(cosine, np.float32), *UNLIKE_FACING).astype(np.float32)
    total = np.bincount(tris.ravel(), np.repeat(per_triangle, 3), minlength=vertices)
    count = np.bincount(tris.ravel(), minlength=vertices)
    per_vertex = (total / np.maximum(count, 1)).astype(np.float32)
    return texel_values(per_vertex[:, None], layout, spread)[..., 0]


def texel_positions(verts: np.ndarray, layout: ops.UVLayout, spread: TexelMotion | None = None) -> np.ndarray:
    """[N,3] image-space vertices -> [S,S,2] float32 photo position of every texel (0 off the
    layout), interpolated like the texture (barycentrics of each texel's triangle)."""
    return texel_values(np.asarray(verts)[:, :2], layout, spread)


def silhouette_distance(verts: np.ndarray, tris: np.ndarray, uvs: np.ndarray, height: int, width: int):
    """Distance in pixels from each photo pixel inside the mesh's coverage to the nearest pixel
    outside it -> ([h,w] float32 over the mesh's box, (x0, y0) of the box). The coverage is the
    rasterizer's own (ops.render), over the vertices' box plus a margin."""
    x0, y0 = np.maximum(np.floor(verts[:, :2].min(0)).astype(int) - 2, 0)
    x1, y1 = np.minimum(np.ceil(verts[:, :2].max(0)).astype(int) + 3, (width, height))
    if x1 <= x0 or y1 <= y0:
        return np.zeros((1, 1), np.float32), (0, 0)
    local = np.ascontiguousarray(verts, np.float32).copy()
    local[:, 0] -= x0
    local[:, 1] -= y0
    _, alpha = ops.render(np.ones((1, 1, 1), np.float32), local, tris, uvs, int(y1 - y0), int(x1 - x0))
    inside = np.pad((alpha >= 0.5).astype(np.uint8), 1)   # the box's edge counts as outside
    return cv2.distanceTransform(inside, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)[1:-1, 1:-1], (int(x0), int(y0))


def texel_silhouette_distance(verts: np.ndarray, layout: ops.UVLayout, height: int, width: int,
                              positions: np.ndarray) -> np.ndarray:
    """[S,S] float32: each texel's distance in photo pixels to the mesh's silhouette
    (silhouette_distance read at its photo position, positions [S,S,2] texel_positions of the
    [N,3] image-space verts in the height x width photo)."""
    dist, (x0, y0) = silhouette_distance(verts, layout.tris, layout.uvs, height, width)
    xi = np.clip(np.round(positions[..., 0]).astype(np.int64) - x0, 0, dist.shape[1] - 1)
    yi = np.clip(np.round(positions[..., 1]).astype(np.int64) - y0, 0, dist.shape[0] - 1)
    return dist[yi, xi]


def visibility_confidence(mask: np.ndarray, verts: np.ndarray, layout: ops.UVLayout, height: int,
                          width: int, face_width: float, spread: TexelMotion | None = None,
                          facing: np.ndarray | None = None, positions: np.ndarray | None = None,
                          distance: np.ndarray | None = None) -> np.ndarray:
    """How far each sampled texel can be trusted (module docstring) -> [S,S] float32 in [0,1].

    mask: [S,S] the sampled visibility (stages.sample_face); verts: [N,3] the mesh's image-space
    vertices in the photo (height x width) it was sampled from; face_width: in pixels. facing
    ([F] facing_cosine of verts), positions (texel_positions of verts) and distance
    (texel_silhouette_distance): given when the caller has them (None: worked out here)."""
    tri = np.maximum(layout.tri_id, 0)
    cos = (facing_cosine(verts, layout.tris) if facing is None else facing).astype(np.float32)[tri]
    pos = texel_positions(verts, layout, spread) if positions is None else positions
    dist = texel_silhouette_distance(verts, layout, height, width, pos) if distance is None else distance
    d_max = max(1.0, SILHOUETTE_FRAC * float(face_width))
    near = np.maximum(smoothstep(dist, D_LO * d_max, d_max), smoothstep(cos, *FACING))
    c = (mask >= 0.5) * smoothstep(cos, COS_LO, COS_HI) * near * layout.coverage
    return c.astype(np.float32)


def unlike_backdrop(uv: np.ndarray, mask: np.ndarray, confidence: np.ndarray, coverage: np.ndarray,
                    image: np.ndarray, backdrop: np.ndarray | None = None) -> np.ndarray:
    """[S,S] float32 in [0,1]: how far each seen texel's colour is from the photo's backdrop and
    from every mix of the face's skin and the backdrop (poce_rt.hair's backdrop_colours and
    segment_distance, smoothstep over UNLIKE_BACKDROP), and from the backdrop in a shadow
    (hair.in_shadow, the gap between a hand and the cheek): 1 for a texel that cannot have read
    across the silhouette. The silhouette's band is untrusted because the tracker's outline may be off by
    a few pixels and read the background beside the head (a three-quarter view's far cheek); where
    the outline runs inside the head (a sideburn, a beard), its texels are the head's own, and
    their fill drew a skin-coloured band to the outline (Image_with_alpha.png turned -25: the
    MediaPipe judge lost the face; presence 0.9 with the photo's texels there). uv [S,S,3] in
    [0,1], mask / confidence [S,S] (sample_face, visibility_confidence), coverage [S,S] bool,
    image [H,W,3] uint8 the photo; backdrop: its backdrop_colours when the caller has them (None:
    worked out here). 0 on the trusted texels (confidence >= C_KEEP)."""
    out = np.zeros(mask.shape, np.float32)
    skin = confidence >= C_KEEP
    seen = (mask >= 0.5) & coverage & ~skin   # (the trusted ones are kept anyway: 0 there)
    if skin.sum() < 16 or not seen.any():
        return out
    med = np.median(lab(uv[skin & coverage]), 0)
    backdrop = backdrop_colours(np.asarray(image)[..., :3]) if backdrop is None else backdrop
    colours = lab(uv[seen])
    # nor the backdrop in a shadow (hair.in_shadow: the gap between a hand and the cheek)
    out[seen] = smoothstep(segment_distance(colours, med, backdrop), *UNLIKE_BACKDROP) * \
        (1.0 - in_shadow(colours, backdrop, med))
    return out


def on_skin(skin: np.ndarray, positions: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """[S,S] float32, 1 on the seen texels (mask [S,S] >= 0.5) whose photo position (positions
    [S,S,2], texel_positions') lies on `skin` [H,W] bool: the person's skin a hand held over the
    outline is one run with (poce_rt.occluder's occluder_maps: the person segmenter's, in the
    skin's colour), which no texel reads across the silhouette. unlike_backdrop tells a texel by
    its colour alone, and a hand's highlights lie in the backdrop's and their mixes with the
    skin: Image_with_alpha.png's fingertips over his near temple, 8-12 Lab from the
    skin-backdrop segment (a white-grey of the photo's borders), were untrusted within D of the
    mesh's outline and, turned -25, drawn as the fill's skin up to a stair-stepped line across
    the last finger (the triangles' facing cosines)."""
    h, w = skin.shape[:2]
    # photo array positions: sample_uv reads pixel centres at vertex coordinates i + 0.5
    xi = np.clip(np.floor(positions[..., 0]).astype(np.int64), 0, w - 1)
    yi = np.clip(np.floor(positions[..., 1]).astype(np.int64), 0, h - 1)
    return (skin[yi, xi] & (np.asarray(mask) >= 0.5)).astype(np.float32)


def backdrop_rim(uv: np.ndarray, mask: np.ndarray, confidence: np.ndarray, coverage: np.ndarray,
                 cosine: np.ndarray, distance: np.ndarray, face_width: float, backdrop: np.ndarray, skin,
                 hair=None, pixel: float = 1.0, beside: np.ndarray | None = None) -> np.ndarray:
    """[S,S] float32 in [0,1]: the share of its trust a seen texel yields to its mirror texel
    (column S-1-j, trusted) because it read the backdrop across the silhouette (module comment
    at RIM_BACKDROP): its colour is the backdrop's (Lab distance to the nearest of backdrop
    [K,3], or the backdrop's in a shadow: hair.in_shadow), not the skin's
    (poce_rt.hair.skin_distance of skin, (median, spread) texel_skin's) nor the hair's (hair:
    (median, spread) of poce_rt.hair.photo_hair, or None), and its mirror texel's is the skin's;
    closed and spread over photo pixels of `pixel` texels
    (pixel_texels); within RIM_REACH silhouette distances D (SILHOUETTE_FRAC of face_width, in
    pixels) of the silhouette, on the foreshortened side. uv [S,S,3] in [0,1]; mask [S,S] the
    sampled visibility; confidence [S,S] (visibility_confidence and unlike_backdrop); coverage
    [S,S] bool; cosine [S,S] each texel's facing cosine; distance [S,S]
    texel_silhouette_distance. 0 elsewhere, and everywhere without a skin colour (skin None).
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
    # the backdrop's colour, or its colour in a shadow (hair.in_shadow)
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
    colour (hair: (median, spread) of poce_rt.hair.photo_hair, or None) and lit by a colour of
    the backdrop (backdrop [K,3] Lab, hair.backdrop_colours': backdrop_light), spread over
    GLOW_GROW D. uv [S,S,3] in [0,1], mask [S,S] the sampled visibility, confidence [S,S]
    (visibility_confidence and unlike_backdrop), coverage [S,S] bool, cosine [S,S] each texel's
    facing cosine, distance [S,S] texel_silhouette_distance; pixel: a photo pixel's side in
    texels (pixel_texels)."""
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
    """[K,3] Lab -> [K,3] float32 sRGB in [0,1] (hair.lab's inverse, clipped to the gamut)."""
    a = np.ascontiguousarray(np.asarray(colours, np.float32).reshape(-1, 1, 3))
    return np.clip(cv2.cvtColor(a, cv2.COLOR_Lab2RGB).reshape(-1, 3), 0.0, 1.0)


def shadow_mix(uv: np.ndarray, rim: np.ndarray, shadow: np.ndarray, trusted: np.ndarray, skin,
               pixel: float = 1.0) -> np.ndarray:
    """[S,S] float32 in [0,1]: how surely each rim texel (rim [S,S] bool) read a mix of the
    backdrop in a shadow (shadow [rim.sum()]: hair.in_shadow of the rim's colours) and the skin
    beside it across the outline (module comment at MIX_SIGMA): its hue (hair.hue) lies on the
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
    """[S,S] bool: the texels whose photo position (positions [S,S,2], texel_positions') lies
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


def held_holes(yielding: np.ndarray, coverage: np.ndarray, beside: np.ndarray | None,
               pixel: float = 1.0) -> np.ndarray:
    """yielding [S,S] (the confidence after the yields) with what its yield encloses beside a hand
    held over the outline yielding too (beside [S,S] bool, held_reach's; module comment at
    HELD_CLOSE) -> [S,S] float32: there at most 1 - the yield (1 - yielding, clipped, on the
    coverage [S,S] bool) closed over HELD_CLOSE photo pixels (of `pixel` texels, pixel_texels),
    each speck the closing takes (lowers by over HELD_TAKEN) whole where any of it lies beside
    (whole_specks); the same values elsewhere; yielding itself where nothing is held (beside
    None)."""
    if beside is None:
        return yielding
    out = np.array(yielding, np.float32)
    fill = np.where(coverage, 1.0 - np.clip(out, 0.0, 1.0), 0.0).astype(np.float32)
    closed = cv2.morphologyEx(fill, cv2.MORPH_CLOSE, disc(HELD_CLOSE * pixel))
    beside = whole_specks(beside, out - (1.0 - closed) > HELD_TAKEN)
    out[beside] = np.minimum(out[beside], 1.0 - closed[beside])
    return out


def whole_specks(beside: np.ndarray, taken: np.ndarray) -> np.ndarray:
    """beside [S,S] bool grown by every speck of `taken` [S,S] bool (8-connected) any of whose
    texels lies in it: held_holes takes a speck whole, not cut at the reach's edge."""
    n, labels = cv2.connectedComponents(taken.astype(np.uint8), connectivity=8)
    hit = np.zeros(n, bool)
    hit[labels[beside & taken]] = True
    hit[0] = False
    return beside | hit[labels]


def yield_join(yielding: np.ndarray, keep: np.ndarray, coverage: np.ndarray, pixel: float = 1.0) -> np.ndarray:
    """[S,S] float32 in [0,1]: the share of its trust a kept texel keeps beside a region of fill
    that holds yielded texels (at least YIELD_MIN of the layout's texels; module comment at
    YIELD_JOIN): smoothstep of its distance in
    photo pixels (of `pixel` texels, pixel_texels) to that region's texels that are all fill
    (yielding below C_DROP) within YIELD_REACH of a yielded texel, over YIELD_JOIN; 1 elsewhere,
    and everywhere on a face whose texels yield nothing. yielding [S,S] the confidence after
    the yields (resolution_trust, backdrop_rim); keep [S,S] bool the texels kept before them
    (confidence >= C_KEEP); coverage [S,S] bool."""
    out = np.ones(keep.shape, np.float32)
    fill = coverage & (yielding < C_KEEP)
    yielded = fill & keep
    if not yielded.any():
        return out
    n, labels = cv2.connectedComponents(fill.astype(np.uint8), connectivity=8)
    held = np.bincount(labels[yielded], minlength=n) >= YIELD_MIN * coverage.sum()
    held[0] = False
    if not held.any():
        return out
    px = max(1.0, float(pixel))
    # measured from its texels that are all fill (a sliver of its own kept at a yielded texel's
    # partial trust, the nose's outline, is joined like the rest) within YIELD_REACH of a
    # yielded texel (the silhouette's untrusted band runs around the whole face: a few texels
    # that yield on a frontal face join it)
    beside = cv2.distanceTransform((~yielded).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    region = held[labels] & (yielding < C_DROP) & (beside <= YIELD_REACH * px)
    far = cv2.distanceTransform((~region).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    share = smoothstep(far, YIELD_JOIN[0] * px, YIELD_JOIN[1] * px)
    return np.where(coverage, share, out).astype(np.float32)


def disc(radius: float) -> np.ndarray:
    """A disc of `radius` texels or pixels (rounded, at least 1), cv2's structuring element."""
    r = max(1, int(round(radius)))
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def resolution_trust(facing: np.ndarray, confidence: np.ndarray, uv: np.ndarray, seen: np.ndarray,
                     coverage: np.ndarray, pixel: float = 1.0, regions=()) -> np.ndarray:
    """[S,S] float32 in [0,1]: the share of its confidence a texel keeps against its mirror texel
    (column S-1-j), where that one is trusted (confidence >= C_KEEP) and on the layout:

        1 - (1 - smoothstep(res_mirror / res; RESOLUTION)) * smoothstep(detail_mirror; RESOLUTION_DETAIL)
            * (1 - smoothstep(light / light_mirror; RESOLUTION_LIGHT))

    res = max(1, pixel / cos): texels a photo pixel where the photo saw the texel (module
    comment at RESOLUTION); 1 elsewhere. facing [S,S]: each texel's facing cosine in the photo;
    confidence [S,S] visibility_confidence (and unlike_backdrop); uv [S,S,3] the sampled texture, seen [S,S] bool
    its texels the photo saw; coverage [S,S] bool; pixel: a photo pixel's side in texels
    (pixel_texels). The cosines, the detail and the light (the luminance of the seen texels) are
    low-passed over RESOLUTION_SIGMA of S. regions: [S,S] bool masks (eye_regions) that yield as
    one where most of them yields (RESOLUTION_EYE)."""
    s = facing.shape[0]
    sigma = max(1.0, RESOLUTION_SIGMA * s)
    cos, _ = low_pass(np.maximum(np.asarray(facing, np.float32), 0.0)[..., None], coverage, sigma)
    cos = cos[..., 0]
    seen = seen & coverage
    lum = (np.asarray(uv, np.float32) @ LUMA)[..., None]
    smooth, _ = low_pass(lum, seen, max(1.0, float(pixel)))
    detail, _ = low_pass(np.abs(lum - smooth), seen, sigma)
    light, _ = low_pass(lum, seen, sigma)
    lit = light[..., 0] / np.maximum(light[:, ::-1, 0], np.float32(1e-3))
    better = (confidence[:, ::-1] >= C_KEEP) & coverage[:, ::-1] & coverage
    res = np.maximum(np.float32(pixel) / np.maximum(cos, np.float32(1e-3)), np.float32(1.0))
    ratio = res[:, ::-1] / res
    lose = (1.0 - smoothstep(ratio, *RESOLUTION)) * smoothstep(detail[:, ::-1, 0], *RESOLUTION_DETAIL) * \
        (1.0 - smoothstep(lit, *RESOLUTION_LIGHT))
    lose = np.where(better, lose, np.float32(0.0))
    for region in regions:
        inside = region & coverage
        median = float(np.median(lose[inside])) if inside.any() else 0.0
        if median >= RESOLUTION_EYE:
            lose = np.where(inside & better, np.maximum(lose, np.float32(median)), lose)
    return np.where(better, 1.0 - lose, np.float32(1.0)).astype(np.float32)


def trusted_texels(mask: np.ndarray, confidence: np.ndarray) -> np.ndarray:
    """[S,S] bool: the texels the completion keeps and fills from (confidence >= C_KEEP; the
    sampled mask where none is)."""
    keep = confidence >= C_KEEP
    return keep if keep.any() else mask >= 0.5


def trust(mask: np.ndarray, confidence: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """[S,S] float32 t in [0,1]: each texel's share of the photo in the fill (module docstring);
    1 on the texels the completion keeps (keep = trusted_texels), 0 where the photo did not see it."""
    t = np.where(mask >= 0.5, smoothstep(confidence, C_DROP, C_KEEP), 0.0).astype(np.float32)
    return np.maximum(t, keep)


def trusted_maps(mask: np.ndarray, confidence: np.ndarray):
    """(keep [S,S] bool trusted_texels, t [S,S] float32 trust): what the completion keeps, and
    each texel's share of the photo in the fill."""
    keep = trusted_texels(mask, confidence)
    return keep, trust(mask, confidence, keep)


def pixel_texels(verts: np.ndarray, layout: ops.UVLayout, facing: np.ndarray | None = None) -> float:
    """The side of one photo pixel in texels over the face: sqrt(UV area / image area) of the
    triangles that face the camera (facing cosine from COS_HI). verts [N,3] image-space vertices
    in the photo; 1.0 where no triangle faces it. facing: [F] facing_cosine of verts when the
    caller has it (None: worked out here)."""
    v, t = np.asarray(verts, np.float32), layout.tris
    uvs = np.asarray(layout.uvs, np.float32) * layout.size
    front = (facing_cosine(v, t) if facing is None else facing) >= COS_HI
    image_area = float(np.abs(signed_area_px(v, t))[front].sum())
    return float(np.sqrt(np.abs(signed_area_px(uvs, t))[front].sum() / image_area)) if image_area > 0 else 1.0


def band_limit(tex: np.ndarray, pixel: float) -> np.ndarray:
    """tex [S,S,C] float32 with no detail finer than a photo pixel of `pixel` texels -> [S,S,C].

    The photo's own texels hold the photo read at sub-pixel steps where a small face is sampled
    into a larger map (a 112 px crop: 2.5 texels a pixel): nothing in them is finer than a
    pixel. The fill's detail (poce_rt.complete.add_detail: the skin's detail ratio carried across
    a hole, and the unsharp mask on the fill) is taken at the texel scale, and there it is noise
    (JPEG's, the bilinear read's kinks) that the render, a pixel reading every few texels,
    aliased into salt-and-pepper dots over a revealed cheek (Tom_Hanks_54745.png at -25: Laplacian
    rms 21.9 in the fill against 13.4 on the skin beside it). A Gaussian of sigma
    sqrt(pixel^2 - 1) / 2 texels widens a texel's footprint to the pixel's; from one texel a pixel
    and larger faces the texture is returned as it is."""
    if pixel <= 1.0:
        return tex
    sigma = float(np.sqrt(pixel * pixel - 1.0)) / 2
    return cv2.GaussianBlur(np.asarray(tex, np.float32), (0, 0), sigma).reshape(tex.shape)


def fill_unreliable(uv: np.ndarray, mask: np.ndarray, confidence: np.ndarray, layout: ops.UVLayout,
                    complete=complete_uv_fallback, hair=None, pixel: float = 1.0, trusted=None,
                    sources=None, yielded=None, rim=None, backdrop=None, normals=None):
    """The two textures of a source and the share of fill between them.

    uv [S,S,3] float32, mask [S,S] (sampled visibility), confidence [S,S] (visibility_confidence).
    complete(uv, known_mask, layout) -> [S,S,3]: the completion of the untrusted texels (default:
    mirror where the mirror texel is trusted, inpainting elsewhere).
    Returns (photo [S,S,3]: the sampled texels wherever the photo saw them, the fill elsewhere;
    fill [S,S,3]: t * uv + (1 - t) * completion; filled [S,S] float32 = 1 - t in [0,1], each
    texel's share of fill, 1 where the photo did not see it, push-pulled beyond the layout so that
    bilinear reads at its border see the values inside). At the source's pose the photo texture is
    the right one (every texel is drawn where it was read); where a pose change reveals texels,
    the fill is (reveal). hair: None, or poce_rt.hair.hair_over_face's (weight, colour, photo):
    the photo's hair over the face's outline, laid over the fill by its weight (not skin painted
    over it); where it is the photo's own texel (`photo`), it is not marked filled. pixel: a photo
    pixel's side in texels (pixel_texels): the completion carries no detail finer (band_limit).
    trusted: (keep, t) = (trusted_texels, trust) of mask and confidence when the caller has them
    (None: worked out here). sources: None, or (colours [S,S,3], known [S,S] bool) what the
    completion reads instead of the trusted texels' own colours (poce_rt.accessories: the glasses
    beside the hole take the skin's colour there); the photo and the trusted texels' fill are the
    sampled texels all the same. yielded: None, or (where [S,S] bool, sources): kept texels whose
    trust yields to their mirror texels (resolution_trust; t is theirs after it) and what the
    completion reads without them (as `sources`). Their own fill is the completion without them
    (a second one), and the rest of the fill is a third that reads them as that fill: the same
    holes as the first, so that only what the hole took from their smear changes (the second's
    fill of the hole beside them, its border joined to the band along Tom_Hanks_54745.png's far
    cheek, was up to 0.25 brighter there and drew a bright band with a line beside it at -25).
    The photo texture keeps the first. Where a far half yielded, the fill is brought to the
    photo's light there (yielded_light; rim: None, or [S,S] backdrop_rim's share of each texel's
    trust, whose texels that yielded it all are not read unless unlike the backdrop: backdrop,
    None or [K,3] Lab backdrop_colours'; normals: None, or [S,S,3] each texel's normal at the source
    pose, which that light is read by)."""
    keep, t = trusted_maps(mask, confidence) if trusted is None else trusted
    colours, known = (uv * keep[..., None], keep) if sources is None else sources

    def completed(colours, known):   # joined to what the completion read: beside a lens that is
        done = complete(colours, known.astype(np.float32), layout)
        limited = band_limit(done, pixel)
        eyes = sharp_eyes(known, layout)   # a mirrored eye is the photo's own, not the fill's noise
        if eyes.any():
            limited = limited + eyes[..., None] * (done - limited)
        return joined(limited, colours, known, layout.coverage)   # the skin, not the lens again

    completion = at_source = completed(colours, known)
    if yielded is not None and yielded[0].any():
        # and the hole beside them reads them so: from their smear, a nose's hidden flank took
        # the old eye's highlight beside t1.jpg's mirrored far eye. Only the fill: at the source's
        # pose the texture is what it was (its unseen texels, bilinear at the border)
        where = yielded[0][..., None]
        own = completed(*yielded[1])
        completion = np.where(where, own, completed(np.where(where, own, colours), known))
        completion = yielded_light(completion, uv, keep, yielded[0], layout, rim, backdrop, normals, mask >= 0.5)
    completion = unseen_structure(completion, uv, mask >= 0.5, keep, layout.coverage)
    seen = (mask >= 0.5)[..., None]
    fill = t[..., None] * uv + (1.0 - t[..., None]) * completion
    photo = np.where(seen, uv, at_source)
    share = 1.0 - t
    if hair is not None:
        weight, colour, own = hair
        w = (weight * share)[..., None]
        fill = fill + w * (colour - fill)
        share = share - w[..., 0] * own
    filled = push_pull(share[..., None], layout.coverage)[..., 0]
    return (np.ascontiguousarray(photo, np.float32), np.ascontiguousarray(fill, np.float32),
            np.ascontiguousarray(np.clip(filled, 0, 1), np.float32))


def sharp_eyes(known: np.ndarray, layout: ops.UVLayout) -> np.ndarray:
    """[S,S] float32 in [0,1]: the texels of an eye (eye_regions) the completion takes from their
    mirror texel (not known, known [S,S] bool, and their mirror known), their edge softened over
    SHARP_EYE_EDGE texels: fill_unreliable does not band-limit them (module comment at SHARP_EYE_EDGE)."""
    known = np.asarray(known, bool)
    eyes = np.logical_or.reduce(eye_regions(layout)) & ~known & known[:, ::-1] & layout.coverage
    return cv2.GaussianBlur(eyes.astype(np.float32), (0, 0), SHARP_EYE_EDGE)


def vertex_normals(verts: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """[N,3] image-space vertices -> [N,3] float32 unit normals (the area-weighted sum of each
    vertex's triangles' normals; (0, 0, -1) faces the camera)."""
    v = np.asarray(verts, np.float64)
    t = np.asarray(tris, np.int64)
    n = np.cross(v[t[:, 1]] - v[t[:, 0]], v[t[:, 2]] - v[t[:, 0]])
    acc = np.zeros_like(v)
    for k in range(3):
        np.add.at(acc, t[:, k], n)
    return (acc / np.maximum(np.linalg.norm(acc, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def vertex_facing(verts: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """[N,3] image-space vertices -> [N] float32 facing cosine of each vertex's normal (the
    area-weighted sum of its triangles' normals; 1 = facing the camera, as facing_cosine)."""
    return -vertex_normals(verts, tris)[:, 2]


def reveal(source_facing: np.ndarray, target_verts: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """[N] how far a pose change reveals each vertex: smoothstep of how much more it faces the
    camera at the target than in the photo (REVEAL_LO..REVEAL_HI of facing cosine). source_facing:
    vertex_facing of the source's rigid shape at its own pose; target_verts [N,3]: the same shape
    at the target pose (so an expression alone reveals nothing). -> [N] float32 in [0,1]."""
    gain = vertex_facing(target_verts, tris) - np.asarray(source_facing, np.float32)
    return smoothstep(gain, REVEAL_LO, REVEAL_HI).astype(np.float32)


class PoseReveal:
    """reveal() of a source's rigid shape at any target pose, the source's side computed once.
    posed: [468,3] image-space vertices -> [N,3] of the drawn mesh (stages.Geometry.posed); tris
    [F,3] its triangles; shape [468,3] canonical; source_pose: the photo's."""

    def __init__(self, posed, tris: np.ndarray, shape: np.ndarray, source_pose: Pose):
        self.posed, self.tris, self.shape = posed, tris, shape
        self.source_facing = vertex_facing(posed(pose_vertices(shape, source_pose)), tris)

    def __call__(self, target_pose: Pose) -> np.ndarray:
        """-> [N] float32 in [0,1]."""
        return reveal(self.source_facing, self.posed(pose_vertices(self.shape, target_pose)), self.tris)


def revealed_texture(photo, fill_minus_photo, revealed, out, shaded=None, light=None, work=None):
    """out [S,S,3] = photo + revealed * (fill - photo): the texture drawn at one pose. photo,
    fill_minus_photo [S,S,3], revealed [S,S,1] (reveal spread over the texels); NumPy or CuPy.
    shaded: None, or (normal [S,S,4], anchor [S,S,4], gain [S,S,3]) of a poce_rt.shading
    FillShading, with light [4] (FillShading.light at the pose): the fill is shaded at the pose,

        fill' = fill + gain * (clip((normal . light) / (anchor . light), RATIO) - 1)

    work: (w [S,S], shade [S,S,1], anchor_shade [S,S,1], wide [S,S,3]) scratch buffers (None:
    allocated). Any leading shape works in place of [S,S] (the frame loop passes [K] texels).
    On the host the [S,S,1] factors are widened to three channels first (layers.widen: a
    broadcast multiply is 10x slower there), the same products bit for bit."""
    xp = ops.array_module(out)
    lead = out.shape[:-1]
    if work is None:
        work = (xp.empty(lead, xp.float32), xp.empty(lead + (1,), xp.float32),
                xp.empty(lead + (1,), xp.float32), xp.empty(lead + (3,), xp.float32))
    w, shade, at_anchor, wide = work
    if shaded is None:
        xp.multiply(fill_minus_photo, widen(revealed, 3, wide), out=out)
        xp.add(out, photo, out=out)
        return out
    normal, anchor, gain = shaded
    ops.channel_dot(normal, light, shade, w)
    ops.channel_dot(anchor, light, at_anchor, w)
    xp.maximum(at_anchor, SHADE_EPS, out=at_anchor)
    xp.divide(shade, at_anchor, out=shade)
    xp.clip(shade, SHADE_RATIO[0], SHADE_RATIO[1], out=shade)
    xp.subtract(shade, 1.0, out=shade)
    xp.multiply(gain, widen(shade, 3, wide), out=out)
    xp.add(out, fill_minus_photo, out=out)
    xp.multiply(out, widen(revealed, 3, wide), out=out)
    xp.add(out, photo, out=out)
    return out


class RevealedTexture:
    """revealed_texture for a frame loop: the texture at each step's pose in one buffer of its own,
    rewritten only on the texels where the fill differs from the photo's texture (the untrusted
    and hidden ones, a fraction of the map), with fixed shapes (CUDA graphs replay them).

    photo, fill: [S,S,3] host textures (fill_unreliable); layout: the host UV layout; xp: NumPy
    or CuPy (arrays are put there once); shading: None or a poce_rt.shading.FillShading (the
    fill shaded at each step's pose: its light is passed to each call); seen_filled: None, or
    (mask [S,S] the sampled visibility, filled [S,S] fill_unreliable's share of fill): then `own`
    [S,S,1] holds each texel's share of the photo's own sample in the texture at each call's pose
    (poce_rt.photo_warp; photo_warp.own_share of fill_share), and `fill` [S,S,1] the share of
    fill the pose revealed (revealed_fill's, which poce_rt.motion counts as motion)."""

    def __init__(self, photo: np.ndarray, fill: np.ndarray, layout: ops.UVLayout, xp=np, shading=None,
                 seen_filled=None):
        s = layout.size
        diff = (np.asarray(fill, np.float32) - np.asarray(photo, np.float32)).reshape(-1, 3)
        changes = np.any(diff != 0, axis=1)
        if shading is not None:   # a texel the photo did not see is its fill: shading changes it
            changes |= np.any(shading.gain.reshape(-1, 3) != 0, axis=1)
        if seen_filled is not None:   # a texel with a share of fill: its revealed fill (and own share) changes
            seen = (np.asarray(seen_filled[0]) >= 0.5).reshape(-1)
            filled = np.asarray(seen_filled[1], np.float32).reshape(-1)
            changes |= filled > 0
        idx = np.flatnonzero(changes & (layout.tri_id.reshape(-1) >= 0))
        self.xp = xp
        self.idx = xp.asarray(idx.astype(np.int64))
        # the texels' channels in the flat texture: a 1-D scatter (NumPy's scatter of [K,3] rows
        # into [S*S,3] cost 4x more)
        self.idx3 = xp.asarray((idx.astype(np.int64)[:, None] * 3 + np.arange(3)).reshape(-1))
        tri = layout.tri_id.reshape(-1)[idx]
        self.vidx = xp.asarray(np.ascontiguousarray(layout.tris[tri], np.int32))        # [K,3]
        self.bary = xp.asarray(np.ascontiguousarray(layout.bary.reshape(-1, 3)[idx], np.float32))
        self.photo = xp.asarray(np.ascontiguousarray(photo, np.float32).reshape(-1, 3)[idx])
        self.diff = xp.asarray(np.ascontiguousarray(diff[idx]))
        # a copy of its own: the scatter below writes into it (asarray would alias a NumPy photo)
        self.texture = xp.array(np.asarray(photo, np.float32).reshape(s, s, 3), copy=True)
        k = len(idx)
        self._w, self._r, self._vals = (xp.empty((k, 3), xp.float32), xp.empty((k, 1), xp.float32),
                                        xp.empty((k, 3), xp.float32))
        self.shaded = None if shading is None else tuple(
            xp.asarray(np.ascontiguousarray(m.reshape(-1, m.shape[-1])[idx], np.float32))
            for m in (shading.normal, shading.anchor, shading.gain))
        self._work = (xp.empty(k, xp.float32), xp.empty((k, 1), xp.float32), xp.empty((k, 1), xp.float32),
                      xp.empty((k, 3), xp.float32))
        self.own = self.fill = None
        if seen_filled is not None:
            self.own = xp.asarray(np.ascontiguousarray(seen.reshape(s, s, 1), np.float32))
            self.fill = xp.zeros((s, s, 1), xp.float32)
            self._own_seen = xp.asarray(np.ascontiguousarray(seen[idx].reshape(-1, 1), np.float32))
            self._own_filled = xp.asarray(np.ascontiguousarray(filled[idx].reshape(-1, 1), np.float32))
            self._own_vals = xp.empty((k, 1), xp.float32)

    def __call__(self, reveal_values, light=None):
        """reveal_values [N] float32 (reveal(), on xp), light [4] (FillShading.light, on xp; with
        a shading) -> the [S,S,3] texture buffer at that pose."""
        xp = self.xp
        if len(self._w):
            xp.take(reveal_values, self.vidx, out=self._w)
            xp.multiply(self._w, self.bary, out=self._w)
            ops.channel_sum(self._w, self._r)
            revealed_texture(self.photo, self.diff, self._r, self._vals, self.shaded, light, self._work)
            self.texture.reshape(-1)[self.idx3] = self._vals.reshape(-1)
            if self.own is not None:   # filled * r (fill), seen * (1 - filled * r) (own)
                xp.multiply(self._own_filled, self._r, out=self._own_vals)
                self.fill.reshape(-1)[self.idx] = self._own_vals.reshape(-1)
                xp.subtract(np.float32(1.0), self._own_vals, out=self._own_vals)
                xp.multiply(self._own_vals, self._own_seen, out=self._own_vals)
                self.own.reshape(-1)[self.idx] = self._own_vals.reshape(-1)
        return self.texture


def fill_share(filled: np.ndarray, mask: np.ndarray, revealed: np.ndarray) -> np.ndarray:
    """[S,S] share of fill in the texture drawn at one pose: filled where a pose change revealed
    the texel (revealed [S,S] or [S,S,1]), all of it where the photo did not see the texel."""
    r = np.asarray(revealed, np.float32).reshape(filled.shape)
    return np.where(mask >= 0.5, filled * r, filled).astype(np.float32)


def revealed_fill(filled: np.ndarray, revealed: np.ndarray, coverage: np.ndarray) -> np.ndarray:
    """[S,S,1] float32 share of fill that a pose change revealed in the texture drawn at one pose:
    filled [S,S] (fill_unreliable's) times revealed [S,S,1] (reveal spread over the texels), on
    the layout's coverage [S,S] bool. Unlike fill_share, none at the photo's own pose: what the
    photo did not see is then drawn only where the photo shows something else (RevealedTexture.fill
    is the same, bit for bit)."""
    f = np.where(coverage, np.asarray(filled, np.float32), np.float32(0.0))[..., None]
    return (f * np.asarray(revealed, np.float32).reshape(f.shape)).astype(np.float32)


def filled_pixels(uv_filled: np.ndarray, verts: np.ndarray, layout: ops.UVLayout, weight: np.ndarray) -> np.ndarray:
    """The [h,w] float32 map of how much of each output pixel's colour came from filled texels:
    uv_filled [S,S] (fill_unreliable) drawn with the face's [N,3] vertices (in the h x w frame of
    `weight`) by the same `render` op as the face, times `weight` [h,w] (the render's share of the
    output there: coverage times poce_rt.motion's `moved`). Rendered over the vertices' box only."""
    h, w = weight.shape
    out = np.zeros((h, w), np.float32)
    x0, y0 = np.maximum(np.floor(verts[:, :2].min(0)).astype(int) - 1, 0)
    x1, y1 = np.minimum(np.ceil(verts[:, :2].max(0)).astype(int) + 2, (w, h))
    if x1 <= x0 or y1 <= y0:
        return out
    local = np.ascontiguousarray(verts, np.float32).copy()
    local[:, 0] -= x0
    local[:, 1] -= y0
    tex = np.ascontiguousarray(uv_filled, np.float32)[..., None]
    rgb, _ = ops.render(tex, local, layout.tris, layout.uvs, int(y1 - y0), int(x1 - x0))
    out[y0:y1, x0:x1] = np.clip(rgb[..., 0], 0.0, 1.0) * weight[y0:y1, x0:x1]
    return out
