"""The colour classes of a source photo (issue 15), worked out once per source (photo_colours;
pipeline.Source.colours, face_colours.face_colours): the backdrop's colours, read on the photo's
side borders off the head, where a portrait shows what lies behind it (backdrop_colours), or about the
head where the person segmenter sees no one (backdrop_around, a group photo); the face's skin in
the photo (photo_skin, sunglasses left out: photo_lenses) and in its UV map (texel_skin); and the
head's hair beside the face (photo_hair). What tells a colour's class: hair_like (darker than the
skin, unlike it, and not the backdrop), own_hair (the hair itself, not its mix with the skin) and
in_shadow (the backdrop in a shadow). poce_rt.hair lays the photo's hair over the face's outline
by them, poce_rt.head_reach and poce_rt.silhouette measure the head with them, and the trust of
texels along the outline (poce_rt.disocclusion, poce_rt.backdrop_rim, poce_rt.occluder) weighs them.
"""
from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from .complete import smoothstep
from .head_proxy import PROXY_SCALES
from .lab_colour import backdrop_distance, hue, lab, robust_colour, segment_distance, skin_distance
from .person import PersonMap, person_map
from .photo_rays import ray_samples

SKIN_D = (2.5, 4.5)              # robust distance from the skin colour (in spreads): skin .. not skin
SKIN_SPREAD_MIN = (4.0, 2.0, 2.0)   # floor of the skin's spread in L, a, b (a flat-lit face)
BACKDROP_D = (8.0, 14.0)         # Lab distance to the nearest backdrop colour: backdrop .. not
BORDER = 0.03                    # the photo's border strips, a fraction of its short side
BORDER_SIDES = 0.6               # the upper share of the side borders (below: shoulders, clothes)
SEGMENTS = 4                     # stretches of each side border, one backdrop colour each
# A side border that cuts the head shows the head, not what lies behind it (issue 15,
# Tom_Hanks_54745.png: the left border runs through his black hair and shadowed cheek, 4 of its 8
# colours L* 4.7-6.4). Read as backdrop, that black left his hair told from nothing (band_hair 0)
# and the band beside the side a turn to -25 takes away read as backdrop (band_head 0.13 over it):
# that side was not drawn out to the head's outline (proxy_pose.far_outline), its silhouette ring
# turned in past the ring before it, and the outer band stretched the fill beyond the photo's
# top-left corner over the corner of his hair (a grey wedge). A stretch of the border any of whose
# pixels lies on the head (the face oval scaled about its centre by the head proxy's default
# silhouette, head_proxy.PROXY_SCALES) is left out, unless all are; none is on the other test and
# held-out photos.
HEAD_SCALE = PROXY_SCALES[-1]
DARK = (1.0, 2.5)                # how much darker than the skin (in spreads of its L): skin .. hair
SKIN_SHRINK = 0.8                # the photo's skin: inside the face oval shrunk this much about its centre
SKIN_SAMPLES = 4096              # ... read on about this many of its pixels (a median: no need for all)
# Sunglasses over the skin (photo_lenses): the skin about each eye, from its lids out to EYE_RING of
# its width, is LENS_OVER (median L) darker than the face's other skin where a lens covers it
# (multi_face.jpg's young man: 31; no bare eye over 15 on the test photos: shadowed sockets, dark
# lids, small faces); then the lens's pixels are those within LENS_D robust spreads of its colour
# (read on the eyes and those rings) or darker (its frame), grown by the photo's blur of its edge
EYE_RING = 0.4
LENS_OVER = 22.0
LENS_D = 3.0
HAIR_REF_MIN = 12                # hair_reach: at least this many samples of the head's hair, else none is measured
HAIR_SPREAD_MIN = (8.0, 3.0, 3.0)   # floor of the hair's spread in L, a, b (highlights, a flat colour)
HAIR_RAYS = 0.4                  # photo_hair: rays from each oval vertex out to this share of its radius beyond it
HAIR_DOWN = 0.7                  # ... but not those pointing down steeper than this (sine): the neck, the collar
HAIR_CLEAN = 2.0                 # robust distance from the photo's hair colour (in spreads): hair, not a mix
# backdrop_around: the ring about the head (in the oval's mean radius: from, to, and the face's
# own disc the segmenter must call a person), its sectors, the segmenter's "no person" and the
# pixels a sector needs. From 1.3 radii: past a bun or a curly top; to 3: the wall behind the
# head, not the room's far side
AROUND = (1.3, 3.0, 0.8)
AROUND_SECTORS = 8
AROUND_PERSON = 0.1
AROUND_FACE = 0.8
AROUND_MIN = 30
# A shadow of the backdrop (in_shadow): the grey gap between Image_with_alpha.png's palm and his
# far cheek (L 55-62 against the backdrop's 88, hue 3-5 from its light blue's) is the backdrop in
# the hand's shadow. Unlike the backdrop by its Lab distance (28-37) it was trusted as the head's
# own (disocclusion.unlike_backdrop) and not yielded (backdrop_rim), and turned +25 it was drawn
# as a grey streak between the palm and the face. Its hue (a and b at a common lightness, as
# accessories.skin_features scales them) is the backdrop colour's:
SHADOW_HUE = (4.0, 8.0)          # hue distance to a backdrop colour's: its shadow .. not
SHADOW_L = 0.5                   # down to this share of that colour's lightness (darker: hair, a beard)
# ... of the backdrop colours whose hue is this far from the skin's (in a greyscale photo, or
# before a wall the colour of skin, a shadow's hue tells nothing: none)
SHADOW_TELL = 16.0
# Beside a hand held over the outline (poce_rt.occluder) the photo shows the hand's shadow, and
# there a backdrop colour tells it from the hue SHADOW_HUE[1] on (where the skin's own hue reads as
# no shadow of it): Image_with_alpha.png's gap below the heel of his palm runs from his light blue
# wall's hue (under the palm) into a neutral grey (L 47-64, a -4..3, b -1..4) further down, the hue
# of the photo's grey borders, 11.7 from his skin's: not told at SHADOW_TELL, it was kept and
# drawn as a grey-blue streak down his revealed temple turned +25 (backdrop_rim.backdrop_rim)
SHADOW_TELL_HELD = SHADOW_HUE[1]


class PhotoColours(NamedTuple):
    """The colour classes of a source photo that hair_like tells hair by, worked out once per
    source (photo_colours; pipeline.Source.colours): backdrop [K,3] Lab (backdrop_colours), skin
    (median [3], spread [3]) Lab of the face in the photo (photo_skin), hair: the same of the
    head's hair beside the face (photo_hair), or None where none is seen; person: the person
    segmenter's poce_rt.person.PersonMap about the head where photo_colours read one (a group
    photo) and it calls the face a person, else None (person_reach)."""

    backdrop: np.ndarray
    skin: tuple
    hair: tuple | None = None
    person: PersonMap | None = None


def photo_colours(image: np.ndarray, oval: np.ndarray, eyes=None) -> PhotoColours:
    """image [H,W,3] uint8, oval [K,2] the face oval (pixels), eyes photo_skin's -> PhotoColours. The backdrop is
    read on the photo's borders off the head (backdrop_colours), where a portrait shows what lies
    behind it. Where the borders hold the face's own skin (within BACKDROP_D[1] of its median: a group
    photo's borders show other people, t1.jpg's a bare arm), the face itself would read as
    backdrop; there it is read about the head where the person segmenter sees no one
    (backdrop_around), if that is less like the skin. Portraits keep the borders' read (and
    run no segmenter). The segmenter's map is kept (PhotoColours.person) where it calls the face
    a person (backdrop_around reads it)."""
    image = np.asarray(image)[..., :3]
    backdrop, skin = backdrop_colours(image, oval), photo_skin(image, oval, eyes)
    near = float(backdrop_distance(skin[0][None], backdrop)[0])
    person = None
    if near < BACKDROP_D[1]:
        person = person_map(image, oval)
        around = backdrop_around(image, oval, person)
        if around is None:
            person = None
        elif float(backdrop_distance(skin[0][None], around)[0]) > near:
            backdrop = around
    return PhotoColours(backdrop, skin, photo_hair(image, oval, skin, backdrop), person)


def backdrop_around(image: np.ndarray, oval: np.ndarray, person) -> np.ndarray | None:
    """[K,3] Lab: the median colour of the photo in each of AROUND_SECTORS sectors about the
    face's centre, from AROUND[0] to AROUND[1] oval radii out, over the pixels the person
    segmenter calls no person (person: poce_rt.person.PersonMap of this head, prob under
    AROUND_PERSON; sectors of fewer than AROUND_MIN such pixels left out). None where there is
    no map, where the segmenter does not call the face itself a person (mean prob under
    AROUND_FACE inside AROUND[2] of the oval: a tiny or greyscale crop it cannot read), or
    where fewer than two sectors remain: the caller reads the photo's borders instead."""
    if person is None:
        return None
    oval = np.asarray(oval, np.float64)
    c = oval.mean(0)
    r = max(float(np.linalg.norm(oval - c, axis=1).mean()), 1.0)
    n = person.prob.shape[0]
    x0, y0 = person.origin
    h, w = image.shape[:2]
    yy, xx = np.mgrid[y0:y0 + n, x0:x0 + n]
    d = np.hypot(xx - c[0], yy - c[1]) / r
    inside = (xx >= 0) & (xx < w) & (yy >= 0) & (yy < h)
    face = inside & (d < AROUND[2])
    if face.sum() < 16 or float(person.prob[face].mean()) < AROUND_FACE:
        return None
    ring = inside & (d >= AROUND[0]) & (d <= AROUND[1]) & (person.prob < AROUND_PERSON)
    sector = np.floor((np.arctan2(yy - c[1], xx - c[0]) + np.pi) / (2 * np.pi) * AROUND_SECTORS)
    sector = sector.astype(np.int64) % AROUND_SECTORS
    out = []
    for k in range(AROUND_SECTORS):
        take = ring & (sector == k)
        if take.sum() >= AROUND_MIN:
            out.append(np.median(lab(image[yy[take], xx[take]].astype(np.float32) / 255.0), 0))
    return np.array(out, np.float32) if len(out) >= 2 else None


def backdrop_colours(image: np.ndarray, oval: np.ndarray | None = None) -> np.ndarray:
    """[H,W,3] uint8 photo -> [K,3] Lab: the median colour of each of SEGMENTS stretches of its left
    and right borders (BORDER of the short side wide) over their upper BORDER_SIDES (K = 2 *
    SEGMENTS; fewer on a photo of fewer rows). A portrait shows what lies behind the head there;
    the top border is left out (a fringe or a dark ceiling), and medians ignore a stray strand.
    oval: None, or the face oval [K,2] (pixels): the stretches on its head left out (HEAD_SCALE),
    unless all are."""
    h, w = image.shape[:2]
    b, side = max(1, int(BORDER * min(h, w))), max(SEGMENTS, int(BORDER_SIDES * h))
    strips = [(image[:side, :b], 0), (image[:side, w - b:], w - b)]
    head = None if oval is None else _head_mask(oval, side, w)
    px, on_head = [], []
    for st, x0 in strips:
        for rows in np.array_split(np.arange(len(st)), SEGMENTS):   # (a tiny photo: fewer)
            if not len(rows):
                continue
            px.append(lab(st[rows].reshape(-1, 3).astype(np.float32) / 255.0))
            on_head.append(head is not None and bool(head[rows[0]:rows[-1] + 1, x0:x0 + b].any()))
    if all(on_head):   # no stretch off the head: the borders are all there is to read
        on_head = [False] * len(px)
    return np.array([np.median(p, 0) for p, on in zip(px, on_head) if not on], np.float32)


def _head_mask(oval: np.ndarray, height: int, width: int) -> np.ndarray:
    """[height,width] bool: the head about the face oval [K,2] (pixels), the oval scaled by
    HEAD_SCALE about its centre (backdrop_colours)."""
    oval = np.asarray(oval, np.float64)
    c = oval.mean(0)
    mask = np.zeros((height, width), np.uint8)
    cv2.fillPoly(mask, [np.round(c + HEAD_SCALE * (oval - c)).astype(np.int32)], 1)
    return mask > 0


def photo_skin(image: np.ndarray, oval: np.ndarray, eyes=None):
    """The face's skin colour in the photo: image [H,W,3] uint8, oval [K,2] the face oval (pixels)
    -> (median [3], spread [3]) Lab of the pixels inside the oval shrunk SKIN_SHRINK about its
    centre (robust: eyes, brows and lips are a minority), the spread floored at SKIN_SPREAD_MIN.
    eyes: each eye's contour [M,2] (pixels), or None: where sunglasses cover them (photo_lenses)
    their pixels are left out. A quarter of the oval of multi_face.jpg's young man is lens: it
    read L 41.7 +- 31.7 with them, so that his curls, his shirt and the sky were "skin"."""
    oval = np.asarray(oval, np.float64)
    c = oval.mean(0)
    h, w = image.shape[:2]
    pts = np.round(c + SKIN_SHRINK * (oval - c)).astype(np.int32)
    lo = np.clip(pts.min(0), 0, (w - 1, h - 1))
    hi = np.clip(pts.max(0) + 1, lo + 1, (w, h))
    mask = np.zeros((hi[1] - lo[1], hi[0] - lo[0]), np.uint8)
    cv2.fillPoly(mask, [pts - lo], 1)
    crop = image[lo[1]:hi[1], lo[0]:hi[0]]
    if eyes is not None and mask.sum() >= 16:
        lenses = photo_lenses(crop, mask > 0, [np.asarray(e, np.float64) - lo for e in eyes])
        if lenses is not None:
            mask[lenses] = 0
    px = crop[mask > 0]
    if len(px) < 16:   # a face (nearly) beyond the photo: no skin to read
        px = crop.reshape(-1, 3)
    px = px[::max(1, len(px) // SKIN_SAMPLES)]
    return robust_colour(lab(px.astype(np.float32) / 255.0), SKIN_SPREAD_MIN)


def texel_skin(uv: np.ndarray, trusted: np.ndarray):
    """The face's skin colour in its UV map: robust_colour of the trusted texels (uv [S,S,3] in
    [0,1], trusted [S,S] bool), spread floored at SKIN_SPREAD_MIN; None under 16 trusted texels.
    hair_over_face and poce_rt.shading read it, worked out once per source (stages.complete_face)."""
    if trusted.sum() < 16:
        return None
    return robust_colour(lab(uv[trusted]), SKIN_SPREAD_MIN)


def photo_lenses(image: np.ndarray, face: np.ndarray, eyes) -> np.ndarray | None:
    """Sunglasses in the photo: image [h,w,3] uint8 (a crop), face [h,w] bool the pixels photo_skin
    reads, eyes each eye's contour [M,2] in the crop -> [h,w] bool the lenses and frame, or None
    where the skin about the eyes is not LENS_OVER darker than the face's other skin (bare eyes,
    clear glasses). See EYE_RING."""
    from .accessories import GLASSES_EDGE_PX

    colours = lab(image.astype(np.float32) / 255.0)
    near = np.zeros(face.shape, bool)
    rings = []
    for eye in eyes:
        hull = np.zeros(face.shape, np.uint8)
        cv2.fillConvexPoly(hull, cv2.convexHull(np.round(eye).astype(np.int32)), 1)
        k = 2 * int(round(EYE_RING * np.ptp(eye[:, 0]))) + 1
        zone = cv2.dilate(hull, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))) > 0
        rings.append(zone & (hull == 0))
        near |= zone
    rest = face & ~near
    if rest.sum() < 16 or any(r.sum() < 16 for r in rings):
        return None
    darkest = max(float(np.median(colours[r][:, 0])) for r in rings)
    if float(np.median(colours[rest][:, 0])) - darkest < LENS_OVER:
        return None
    med, spread = robust_colour(colours[near], SKIN_SPREAD_MIN)
    d = np.sqrt((((colours - med) / spread) ** 2).sum(-1))
    lens = ((d < LENS_D) | (colours[..., 0] < med[0])).astype(np.uint8)
    k = 2 * int(np.ceil(GLASSES_EDGE_PX)) + 1
    return cv2.dilate(lens, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))) > 0


def photo_hair(image: np.ndarray, oval: np.ndarray, skin, backdrop: np.ndarray):
    """The colour of the head's hair beside the face: image [H,W,3] uint8, oval [K,2] the face
    oval (pixels), skin and backdrop as hair_like's -> (median [3], spread [3]) Lab, robust_colour
    (spread floored at HAIR_SPREAD_MIN) of the photo's hair (hair_like >= 0.5) on rays from each
    oval vertex out to HAIR_RAYS of its distance from the oval's centre beyond it, the rays that
    point down under the chin (HAIR_DOWN: the neck, a collar) left out; None under HAIR_REF_MIN
    such pixels. The hair the mesh's outline runs along is mostly a mix with the skin (the
    outline lies on the hair's edge): hair_over_face tells the hair's own colour by this."""
    oval = np.asarray(oval, np.float64)
    radial = oval - oval.mean(0)
    up = radial[:, 1] <= HAIR_DOWN * np.linalg.norm(radial, axis=1)
    if not up.any():
        return None
    _, colours, inside, _ = ray_samples(image, oval[up], oval[up] + HAIR_RAYS * radial[up])
    hair = (hair_like(colours, skin, backdrop) >= 0.5) & inside
    return robust_colour(colours[hair], HAIR_SPREAD_MIN) if hair.sum() >= HAIR_REF_MIN else None


def own_hair(colours: np.ndarray, hair) -> np.ndarray:
    """[...,3] Lab colours -> [...] bool: within HAIR_CLEAN robust spreads of the hair's colour
    (hair: photo_hair's (median, spread)): the hair itself, not a mix of it and the skin."""
    med, spread = hair
    return np.sqrt((((np.asarray(colours, np.float32) - med) / spread) ** 2).sum(-1)) <= HAIR_CLEAN


def hair_like(colours: np.ndarray, skin, backdrop: np.ndarray, mixes: bool = False) -> np.ndarray:
    """[...,3] Lab colours -> [...] float32 in [0,1]: how surely each is hair: darker than the
    skin (skin: (median, spread), photo_skin's or texel_skin's; by DARK spreads of its L) and
    unlike it (robust distance past SKIN_D), and not the backdrop ([K,3] Lab, backdrop_colours';
    distance to the nearest past BACKDROP_D; mixes: to the nearest mix of the skin's median and
    a backdrop colour, segment_distance, as a texel read across the silhouette takes: hair_over_face).
    White or grey hair is not found (a cloud or a lit wall beside the head would be taken for it)."""
    med, spread = skin
    c = np.asarray(colours, np.float32)
    dark = smoothstep((med[0] - c[..., 0]) / spread[0], *DARK)
    not_skin = smoothstep(skin_distance(c, skin), *SKIN_D)
    if mixes:
        d = segment_distance(c.reshape(-1, 3), med, backdrop).reshape(c.shape[:-1])
    else:
        d = backdrop_distance(c, backdrop)
    return dark * not_skin * smoothstep(d, *BACKDROP_D)


def in_shadow(colours: np.ndarray, backdrop: np.ndarray, skin_median: np.ndarray,
              tell: float = SHADOW_TELL) -> np.ndarray:
    """[N,3] Lab colours -> [N] float32 in [0,1]: how surely each is a backdrop colour in a shadow
    (module comment at SHADOW_HUE): its hue within SHADOW_HUE of one of backdrop [K,3] Lab
    (backdrop_colours') at SHADOW_L to 1 of its lightness, that colour's hue `tell` or more
    from the skin's (skin_median [3] Lab; SHADOW_TELL, or SHADOW_TELL_HELD beside a held hand).
    0 for all where no backdrop colour is told so."""
    backdrop = np.asarray(backdrop, np.float32)
    apart = np.linalg.norm(hue(backdrop) - hue(np.asarray(skin_median, np.float32)), axis=-1)
    told = backdrop[apart >= tell]
    out = np.zeros(len(colours), np.float32)
    if not len(told) or not len(colours):
        return out
    c = np.asarray(colours, np.float32)
    d = np.linalg.norm(hue(c)[:, None, :] - hue(told)[None], axis=-1)           # [N,K]
    share = c[:, None, 0] / np.maximum(told[None, :, 0], np.float32(1e-3))
    d = np.where((share >= SHADOW_L) & (share <= 1.0), d, np.inf).min(1)
    return (1.0 - smoothstep(d, *SHADOW_HUE)).astype(np.float32)
