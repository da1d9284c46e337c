"""Disoccluded texture (issue 15, item 1): which sampled texels to trust, and how the rest is
filled (poce_rt.revealed draws the two at a pose).

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
silhouette that has the backdrop's colour where its mirror has the skin's (poce_rt.backdrop_rim:
the tracker's outline ran outside the head there, and the texel read the backdrop). Beside a far
half that yielded, the kept texels yield by their distance to it, so that the fill meets the photo
over a few pixels (poce_rt.yield_edges).

Then

    F      = complete_uv_fallback(uv, c >= C_KEEP)   (mirror where the mirror texel is trusted,
                                                      inpainting elsewhere: poce_rt.complete; the
                                                      lenses of glasses at the temples read as
                                                      the skin: poce_rt.accessories)
    t      = smoothstep(c; C_DROP, C_KEEP)
    photo  = uv where the photo saw the texel, F elsewhere
    fill   = t * uv + (1 - t) * F,    filled = 1 - t   (push-pulled beyond the layout)

How far a pose change reveals each texel, the texture drawn at a pose (photo + r * (fill - photo))
and its share of fill in the output are poce_rt.revealed's.

The fill's light (its level at the trusted border, the photo's light on a far half that yielded)
is poce_rt.fill_light's.
"""
from __future__ import annotations

import cv2
import numpy as np

from . import ops
from .colour_classes import backdrop_colours, in_shadow
from .complete import LUMA, complete_uv_fallback, low_pass, push_pull, smoothstep
from .facemodel import facing_cosine, signed_area_px
from .fill_light import joined, unseen_structure, yielded_light
from .lab_colour import lab, segment_distance
from .masks import eye_regions
from .motion import TexelMotion

COS_LO, COS_HI = 0.15, 0.5      # facing cosine: no trust at ~81 degrees, full trust from 60
SILHOUETTE_FRAC = 0.05          # D: 5% of the face's width from the silhouette (~13 px at 250 px)
D_LO = 0.5                      # no trust closer than D_LO * D to the silhouette
FACING = (0.5, 0.7)             # facing cosine from which a texel keeps its trust at the border
C_DROP, C_KEEP = 0.3, 0.8       # confidence below C_DROP: all fill; from C_KEEP: all photo
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
    (colour_classes.in_shadow, the gap between a hand and the cheek): 1 for a texel that cannot have read
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
    # nor the backdrop in a shadow (colour_classes.in_shadow: the gap between a hand and the cheek)
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
    the fill is (revealed.reveal). hair: None, or poce_rt.hair.hair_over_face's (weight, colour, photo):
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
    photo's light there (yielded_light; rim: None, or [S,S] backdrop_rim.backdrop_rim's share of each texel's
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


def disc(radius: float) -> np.ndarray:
    """A disc of `radius` texels or pixels (rounded, at least 1), cv2's structuring element (the
    yields' closings: poce_rt.backdrop_rim, poce_rt.yield_edges; poce_rt.occluder)."""
    r = max(1, int(round(radius)))
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
