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
  - the layer's colour is the photo's own where it saw the hair itself (within HAIR_CLEAN spreads
    of the colour of the photo's hair beside the face, photo_hair), else the hair the photo shows
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

The same colour classes say how far the hair reaches beyond the face (hair_reach): poce_rt.silhouette
sizes the head proxy's silhouette to it, so that all of the hair turns with the head; and how far
past that silhouette the band holds nothing of the background's own (fringe_reach), where the
proxy's fringe ring carries the hair's loose strands with the head.
"""
from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from .complete import LUMA, push_pull, smoothstep
from .ops.uv_layout import UVLayout
from .person import PersonMap, person_map

SKIN_D = (2.5, 4.5)              # robust distance from the skin colour (in spreads): skin .. not skin
SKIN_SPREAD_MIN = (4.0, 2.0, 2.0)   # floor of the skin's spread in L, a, b (a flat-lit face)
BACKDROP_D = (8.0, 14.0)         # Lab distance to the nearest backdrop colour: backdrop .. not
BORDER = 0.03                    # the photo's border strips, a fraction of its short side
BORDER_SIDES = 0.6               # the upper share of the side borders (below: shoulders, clothes)
SEGMENTS = 4                     # stretches of each side border, one backdrop colour each
OUTLINE = (0.08, 0.14)           # distance from the layout's border, a fraction of S: outline .. inside
# ... for the face's own beard (face_beard; its colour, beard_texels): it grows over the cheeks
# from the jaw, further inside the outline than hair over the temples reaches. Image_with_alpha.png's
# soft inner edge of the beard lies 11-13% of S inside the border (facing cosine 0.33-0.36, trust
# 0-0.4), where OUTLINE's fade left it 0.02-0.05 of the hair layer: turned -25 the mirror's lit
# cheek (luma 200-220) was drawn there as a pale strip over the photo's beard (120-160)
BEARD_OUTLINE = (0.11, 0.17)
DARK = (1.0, 2.5)                # how much darker than the skin (in spreads of its L): skin .. hair
SMOOTH = 0.01                    # the hair weight's blur, a fraction of S (no speckles)
OUTWARD_SPREAD = 0.01            # outward's average across rays, a fraction of a turn
HAIR_GAP_PX = 4                  # this many pixels in a row that are not hair end the hair along a ray
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
HAIR_D = 3.5                     # robust distance from the hair's colour (in spreads): still hair
HAIR_RAYS = 0.4                  # photo_hair: rays from each oval vertex out to this share of its radius beyond it
HAIR_DOWN = 0.7                  # ... but not those pointing down steeper than this (sine): the neck, the collar
HAIR_CLEAN = 2.0                 # robust distance from the photo's hair colour (in spreads): hair, not a mix
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
REMAP_ROW = 4096                 # ray_samples: samples per row of its read
TIP_STEP_PX = 1.0                # strand_reach: rays across each vertex's band about this far apart (a strand is a pixel or two wide)
# backdrop_around: the ring about the head (in the oval's mean radius: from, to, and the face's
# own disc the segmenter must call a person), its sectors, the segmenter's "no person" and the
# pixels a sector needs. From 1.3 radii: past a bun or a curly top; to 3: the wall behind the
# head, not the room's far side
AROUND = (1.3, 3.0, 0.8)
AROUND_SECTORS = 8
AROUND_PERSON = 0.1
AROUND_FACE = 0.8
AROUND_MIN = 30
PERSON_ON = 0.5                  # person_reach: the segmenter's chance of a person that is the head
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


def lab(rgb: np.ndarray) -> np.ndarray:
    """[...,3] RGB in [0,1] -> [...,3] float32 CIE Lab (L 0-100)."""
    a = np.ascontiguousarray(np.asarray(rgb, np.float32).reshape(-1, 1, 3))
    return cv2.cvtColor(a, cv2.COLOR_RGB2Lab).reshape(np.shape(rgb))


def robust_colour(colours: np.ndarray, spread_min) -> tuple[np.ndarray, np.ndarray]:
    """[N,3] Lab colours -> (median [3], spread [3]): their median and robust spread (1.4826 x the
    median absolute deviation), floored at spread_min ([3]): the robust Lab statistics of skin
    (photo_skin, texel_skin) and hair (hair_reach)."""
    med = np.median(colours, 0)
    return med, np.maximum(1.4826 * np.median(np.abs(colours - med), 0), spread_min)


def texel_skin(uv: np.ndarray, trusted: np.ndarray):
    """The face's skin colour in its UV map: robust_colour of the trusted texels (uv [S,S,3] in
    [0,1], trusted [S,S] bool), spread floored at SKIN_SPREAD_MIN; None under 16 trusted texels.
    hair_over_face and poce_rt.shading read it, worked out once per source (stages.complete_face)."""
    if trusted.sum() < 16:
        return None
    return robust_colour(lab(uv[trusted]), SKIN_SPREAD_MIN)


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
    read on the photo's borders (backdrop_colours), where a portrait shows what lies behind the
    head. Where the borders hold the face's own skin (within BACKDROP_D[1] of its median: a group
    photo's borders show other people, t1.jpg's a bare arm), the face itself would read as
    backdrop; there it is read about the head where the person segmenter sees no one
    (backdrop_around), if that is less like the skin. Portraits keep the borders' read (and
    run no segmenter). The segmenter's map is kept (PhotoColours.person) where it calls the face
    a person (backdrop_around reads it)."""
    image = np.asarray(image)[..., :3]
    backdrop, skin = backdrop_colours(image), photo_skin(image, oval, eyes)
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


def backdrop_colours(image: np.ndarray) -> np.ndarray:
    """[H,W,3] uint8 photo -> [K,3] Lab: the median colour of each of SEGMENTS stretches of its left
    and right borders (BORDER of the short side wide) over their upper BORDER_SIDES (K = 2 *
    SEGMENTS; fewer on a photo of fewer rows). A portrait shows what lies behind the head there;
    the top border is left out (a fringe or a dark ceiling), and medians ignore a stray strand."""
    h, w = image.shape[:2]
    b, side = max(1, int(BORDER * min(h, w))), max(SEGMENTS, int(BORDER_SIDES * h))
    strips = [image[:side, :b], image[:side, w - b:]]
    px = [lab(seg.reshape(-1, 3).astype(np.float32) / 255.0) for st in strips
          for seg in np.array_split(st, SEGMENTS, axis=0) if seg.size]   # (a tiny photo: fewer)
    return np.array([np.median(p, 0) for p in px], np.float32)


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


def backdrop_distance(colours: np.ndarray, backdrop: np.ndarray) -> np.ndarray:
    """[...,3] float32 Lab colours -> [...] float32 Lab distance of each to the nearest of backdrop
    [K,3] Lab (backdrop_colours'): what hair_like, backdrop_reach and silhouette.backdrop_like
    weigh against BACKDROP_D. Channel by channel (a broadcast over [...,K,3] cost ~20x on a
    frame loop's strip)."""
    c = np.asarray(colours, np.float32)
    flat = c.reshape(-1, 3)
    x, y, z = (np.ascontiguousarray(flat[:, i]) for i in range(3))
    d2 = np.full(len(flat), np.inf, np.float32)
    for b in np.asarray(backdrop, np.float32):
        np.minimum(d2, (x - b[0]) ** 2 + (y - b[1]) ** 2 + (z - b[2]) ** 2, out=d2)
    return np.sqrt(d2).reshape(c.shape[:-1])


def hue(colours: np.ndarray) -> np.ndarray:
    """[...,3] Lab colours -> [...,2] float32: a and b scaled to a common lightness
    (accessories.skin_features' CHROMA_AT, from CHROMA_FLOOR): what a shadow leaves of a colour."""
    from .accessories import CHROMA_AT, CHROMA_FLOOR   # (accessories imports this module)

    c = np.asarray(colours, np.float32)
    return c[..., 1:] * (np.float32(CHROMA_AT) / np.maximum(c[..., :1], np.float32(CHROMA_FLOOR)))


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


def skin_distance(colours: np.ndarray, skin) -> np.ndarray:
    """[...,3] Lab colours -> [...] float32: the robust distance of each from the skin's colour
    (skin: (median, spread), photo_skin's or texel_skin's), in spreads: SKIN_D weighs it."""
    med, spread = skin
    return np.sqrt((((np.asarray(colours, np.float32) - med) / spread) ** 2).sum(-1))


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


def ray_points(start: np.ndarray, end: np.ndarray, shape):
    """Rays from start [K,2] to end [K,2] (photo pixels), about a sample per pixel, on a photo of
    shape (H, W, ...) -> (t [n] float64, each sample's share of the way; pts [K,n,2] float32;
    inside [K,n] bool, the samples on the photo; length [K] float64, each ray's in pixels)."""
    a, b = np.asarray(start, np.float64), np.asarray(end, np.float64)
    length = np.linalg.norm(b - a, axis=1)
    n = int(np.ceil(length.max())) + 2
    t = np.linspace(0.0, 1.0, n)
    pts = (a[:, None] + t[None, :, None] * (b - a)[:, None]).astype(np.float32)     # [K,n,2]
    h, w = shape[:2]
    inside = (pts[..., 0] >= 0) & (pts[..., 1] >= 0) & (pts[..., 0] <= w - 1) & (pts[..., 1] <= h - 1)
    return t, pts, inside, length


def ray_samples(image: np.ndarray, start: np.ndarray, end: np.ndarray):
    """The photo read along rays from start [K,2] to end [K,2] (photo pixels), about a sample per
    pixel: image [H,W,3] uint8 -> (t [n] float64, each sample's share of the way; colours [K,n,3]
    Lab; inside [K,n] bool, the samples on the photo; length [K] float64, each ray's in pixels).
    hair_reach's and backdrop_reach's reads."""
    t, pts, inside, length = ray_points(start, end, image.shape)
    px, _ = read_pixels(image, pts.reshape(-1, 2))
    return t, lab(px.reshape(pts.shape[:2] + (-1,))), inside, length


def run_end(on: np.ndarray, t: np.ndarray, inside: np.ndarray, length: np.ndarray, begin, ends_on_ray: bool,
            gap_px=HAIR_GAP_PX) -> np.ndarray:
    """Where a run of `on` samples that starts before share `begin` [K] of each ray ends -> [K]
    float64, the share of the last `on` sample before the first gap_px (a scalar or [K]; default
    HAIR_GAP_PX) pixels in a row that are not (a stray gap of fewer is bridged), or the photo's
    edge; 0 where no run starts before
    `begin` and where the run runs to the photo's edge (where it ends is unknown). on, inside
    [K,n] bool and t [n], length [K] (ray_samples'). ends_on_ray: the gap must lie on the ray
    (False: the run may end at the ray's end, beyond which nothing is `on`)."""
    k, n = on.shape
    rows = np.arange(k)
    early = t[None, :] < np.asarray(begin, np.float64)[:, None]
    start_at = on.argmax(1)                      # each ray's first `on` sample
    starts = on[rows, start_at] & early[rows, start_at]
    g = np.clip(np.ceil(gap_px * (n - 1) / np.maximum(length, 1e-6)), 1, n).astype(int)    # samples
    count = np.zeros((k, 2 * n + 1))
    count[:, 1:n + 1] = np.cumsum(~on, axis=1)
    # beyond the ray: not `on` (the run ends at the ray's end), or unknown (no gap found there)
    count[:, n + 1:] = count[:, n:n + 1] + (0 if ends_on_ray else np.arange(1, n + 1))
    i = np.arange(n)[None, :]
    runs = (count[rows[:, None], i + g[:, None]] - count[rows[:, None], i] >= g[:, None]) | ~inside
    runs &= i > start_at[:, None]
    ended = runs.any(1)
    first = np.where(ended, runs.argmax(1), n)       # the first sample of the ending run
    at_edge = ~inside[rows, np.minimum(first, n - 1)]
    return np.where(starts & ~at_edge & (ended | (not ends_on_ray)), t[np.maximum(first - 1, 0)], 0.0)


def hair_reach(image: np.ndarray, start: np.ndarray, end: np.ndarray, begin: np.ndarray, skin,
               backdrop: np.ndarray) -> np.ndarray:
    """How far the head's hair reaches along rays from start [K,2] to end [K,2] (photo pixels) ->
    [K] float64 in [0,1], the share of each ray where it ends. Hair: hair_like >= 0.5 and within
    HAIR_D spreads of the hair's own colours, read on the rays' hair before share `begin` [K] of
    the way (the head's hair: a teal curtain or a dark frame behind it is neither skin nor the side
    borders' backdrop either). On each ray the hair must start before `begin` (skin, a forehead,
    an ear may come first) and ends at the last hair pixel before HAIR_GAP_PX in a row that are
    not (backdrop, skin: a neighbour's face or arm, something of another colour; run_end). 0 where
    no hair starts before `begin`, where the hair runs to the photo's edge (a dark ceiling or frame
    beyond the hair, which the side borders do not show, reads as hair too: where it ends is
    unknown), and on all rays where the rays see less than HAIR_REF_MIN hair samples before
    `begin`. image [H,W,3] uint8; skin and backdrop as hair_like's."""
    t, colours, inside, length = ray_samples(image, start, end)
    hair = (hair_like(colours, skin, backdrop) >= 0.5) & inside
    early = t[None, :] < np.asarray(begin, np.float64)[:, None]
    if (hair & early).sum() < HAIR_REF_MIN:
        return np.zeros(len(length))
    med, spread = robust_colour(colours[hair & early], HAIR_SPREAD_MIN)
    hair &= np.sqrt((((colours - med) / spread) ** 2).sum(-1)) <= HAIR_D
    return run_end(hair, t, inside, length, begin, ends_on_ray=False)


def backdrop_reach(image: np.ndarray, start: np.ndarray, end: np.ndarray, begin: np.ndarray,
                   backdrop: np.ndarray) -> np.ndarray:
    """How far the head reaches along rays from start [K,2] to end [K,2] (photo pixels) against
    the backdrop -> [K] float64 in [0,1], the share of each ray where it ends: the head is what is
    not the backdrop (Lab distance to the nearest of `backdrop` [K',3], backdrop_colours', past
    BACKDROP_D: hair of any colour, hair as red as the skin that hair_like cannot tell from it
    included), from before share `begin` [K] (run_end) to the last such pixel before HAIR_GAP_PX
    in a row of backdrop. 0 where the head does not start before `begin`, runs to the photo's
    edge, or runs on to the ray's end: there something unlike the side borders lies beyond the
    head (a ceiling, a lamp, a backdrop of another colour above it), and where the head ends is
    unknown. A backdrop of the hair's colour ends the head where its hair starts (within the
    default silhouette: nothing is measured). image [H,W,3] uint8."""
    t, colours, inside, length = ray_samples(image, start, end)
    head = (smoothstep(backdrop_distance(colours, backdrop), *BACKDROP_D) >= 0.5) & inside
    return run_end(head, t, inside, length, begin, ends_on_ray=True)


def person_reach(start: np.ndarray, end: np.ndarray, begin: np.ndarray, person, shape) -> np.ndarray:
    """How far the head reaches along rays from start [K,2] to end [K,2] (photo pixels) by the
    person segmenter -> [K] float64 in [0,1], backdrop_reach's read with the segmenter's person
    (person: poce_rt.person.PersonMap, prob >= PERSON_ON) for the head: where the hair has the
    colour of something behind it (t1.jpg's face 0: her darker strands are the orange wall's),
    its colour ends the head at the first such strand, the segmenter does not. shape: the
    photo's (H, W, ...)."""
    t, pts, inside, length = ray_points(start, end, shape)
    on = (person.at(pts) >= PERSON_ON) & inside
    return run_end(on, t, inside, length, begin, ends_on_ray=True)


def fringe_reach(image: np.ndarray, start: np.ndarray, end: np.ndarray, backdrop: np.ndarray, gap_px) -> np.ndarray:
    """How far the band beyond the head's silhouette holds nothing of the background's own along
    rays from start [K,2] (the silhouette in the photo) to end [K,2] (pixels) -> [K] float64 in
    [0,1], a share of each ray: up to gap_px (scalar or [K]) before the last run of samples
    unlike the backdrop (BACKDROP_D from each of `backdrop` [K',3] Lab, as backdrop_reach's) that
    goes on to the ray's end or past the photo's edge after some backdrop (a wall's edge, a
    ceiling, a neighbour), 1 where there is none (the band is backdrop and loose strands, which a
    pixel or two wide read as backdrop seen through, or the head's own hair all the way), 0 on a
    ray that leaves the photo with no backdrop on it. image [H,W,3] uint8."""
    t, colours, inside, length = ray_samples(image, start, end)
    on = (smoothstep(backdrop_distance(colours, backdrop), *BACKDROP_D) >= 0.5) | ~inside
    n = on.shape[1]
    off = ~on
    tail = n - np.argmax(off[:, ::-1], axis=1)          # the first sample of the last run of `on`
    tail = np.where(on[:, -1] & off.any(1), tail, n)
    short = t[np.minimum(tail, n - 1)] - np.asarray(gap_px, np.float64) / np.maximum(length, 1e-6)
    # no backdrop at all on a ray that leaves the photo: what lies there is unknown
    return np.where(tail < n, np.clip(short, 0.0, 1.0), np.where(inside.all(1), 1.0, 0.0))


def strand_reach(image: np.ndarray, start: np.ndarray, end: np.ndarray, backdrop: np.ndarray, only=None) -> np.ndarray:
    """How far the head's hair reaches on past a ring start [K,2] (the silhouette in the photo)
    towards end [K,2] (pixels) -> [K] float64 in [0,1], a share of each vertex's ray: its last
    sample unlike the backdrop (backdrop_reach's classes) short of the background's own things
    (a last run of such samples that goes on to the ray's end, as fringe_reach's), over rays
    across the ring's band TIP_STEP_PX apart, from half the way to the vertex before to half the
    way to the one after (a curl's tip between two vertices, a few pixels of sky between it and the
    rest, is missed by their own rays); 0 where there is none. only: None, or [K] bool, the
    vertices to read (0 elsewhere: a large face's bands take ~0.1 s all round). image [H,W,3] uint8."""
    a, b = np.asarray(start, np.float64), np.asarray(end, np.float64)
    out = np.zeros(len(a))
    only = np.ones(len(a), bool) if only is None else np.asarray(only, bool)
    if not only.any():
        return out
    prev, after = (np.roll(np.stack([a, b]), s, 1)[:, only] for s in (1, -1))
    a, b = a[only], b[only]
    span = max(np.linalg.norm(x - y, axis=1).max() for x, y in ((a, prev[0]), (a, after[0]), (b, prev[1]), (b, after[1])))
    rays = 2 * int(np.ceil(0.5 * span / TIP_STEP_PX)) + 1
    f = np.linspace(-0.5, 0.5, rays)[None, :, None]

    def across(x, before, next_):   # [k,2] -> [k,rays,2]: towards each neighbour by |f| of the way
        return x[:, None] + np.where(f < 0, -f * (before - x)[:, None], f * (next_ - x)[:, None])

    t, colours, inside, _ = ray_samples(image, across(a, prev[0], after[0]).reshape(-1, 2),
                                        across(b, prev[1], after[1]).reshape(-1, 2))
    on = (smoothstep(backdrop_distance(colours, backdrop), *BACKDROP_D) >= 0.5) & inside
    n = on.shape[1]
    tail = n - np.argmax(~on[:, ::-1], axis=1)          # the first sample of the last run of `on`
    tail = np.where(on[:, -1] & (~on).any(1), tail, np.where(on[:, -1], 0, n))
    strands = on & (np.arange(n)[None, :] < tail[:, None])
    last = n - 1 - np.argmax(strands[:, ::-1], axis=1)
    out[only] = np.where(strands.any(1), t[last], 0.0).reshape(len(a), rays).max(1)
    return out


def hair_at(image: np.ndarray, start: np.ndarray, end: np.ndarray, backdrop: np.ndarray) -> np.ndarray:
    """[K] float64: the share of each ray from start [K,2] to end [K,2] (pixels) on the photo that
    is unlike the backdrop (backdrop_reach's classes; `backdrop` [K',3] Lab): whether the head
    (its hair) reaches there. image [H,W,3] uint8."""
    _, colours, inside, _ = ray_samples(image, start, end)
    head = (smoothstep(backdrop_distance(colours, backdrop), *BACKDROP_D) >= 0.5) & inside
    return head.sum(1) / np.maximum(inside.sum(1), 1)


def hair_share(image: np.ndarray, start: np.ndarray, end: np.ndarray, skin, backdrop: np.ndarray) -> np.ndarray:
    """[K] float64: the share of each ray from start [K,2] to end [K,2] (pixels) on the photo that
    is hair (hair_like >= 0.5; skin: photo_skin's, backdrop [K',3] Lab). image [H,W,3] uint8."""
    _, colours, inside, _ = ray_samples(image, start, end)
    hair = (hair_like(colours, skin, backdrop) >= 0.5) & inside
    return hair.sum(1) / np.maximum(inside.sum(1), 1)


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


def read_pixels(image: np.ndarray, at: np.ndarray):
    """image [H,W,3] uint8 read (bilinear, the border replicated) at at [n,2] photo array positions
    (x, y) -> ([n,3] float32 RGB in [0,1], [n] bool: on the photo)."""
    h, w = image.shape[:2]
    on = (at[:, 0] >= 0) & (at[:, 1] >= 0) & (at[:, 0] <= w - 1) & (at[:, 1] <= h - 1)
    # read as rows of REMAP_ROW samples: remap takes maps of fewer than 32767 rows and columns
    # (hair_beside casts a ray from each of up to S*S texels)
    rows = -(-len(at) // REMAP_ROW)
    grid = np.zeros((rows * REMAP_ROW, 2), np.float32)
    grid[:len(at)] = at
    grid = grid.reshape(rows, REMAP_ROW, 2)
    px = cv2.remap(image, grid[..., 0], grid[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    px = px.reshape(-1, px.shape[-1])[:len(at), :3]
    return px.astype(np.float32) / 255.0, on


def beard_texels(colours: np.ndarray, beard, skin, backdrop: np.ndarray) -> np.ndarray:
    """[N,3] RGB in [0,1] -> [N] bool: the beard's (beard: face_beard's (core, beard colour)):
    beard_like the skin's core, within HAIR_CLEAN spreads of the beard's colour (own_hair), and
    not a mix of the skin (skin: texel_skin's) and the backdrop ([K,3] Lab) by BACKDROP_D[1]."""
    from .accessories import skin_features   # (accessories imports this module)

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
    from .accessories import skin_core, skin_features   # (accessories imports this module)
    from .facemodel import load_face_model              # lazy: it reads the landmarker bundle

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


def segment_distance(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """[N,3] points, one point a [3], [K,3] points b -> [N] distance from each x to the nearest of
    the K segments a-b (the colours a texel mixing a and b across the silhouette can take)."""
    d = b - a                                                     # [K,3]
    t = np.clip(((x[:, None, :] - a) * d).sum(-1) / np.maximum((d * d).sum(-1), 1e-6), 0.0, 1.0)
    return np.sqrt(((x[:, None, :] - a - t[..., None] * d) ** 2).sum(-1)).min(1)


def chromaticity(rgb: np.ndarray) -> np.ndarray:
    """[...,3] RGB -> [...,3] float32: each channel's share of their sum (what shading leaves)."""
    c = np.asarray(rgb, np.float32)
    return c / np.maximum(c.sum(-1, keepdims=True), np.float32(1e-3))


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
    from .shading import skin_texels   # (shading imports this module)

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
