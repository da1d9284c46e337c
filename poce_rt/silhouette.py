"""How far the head proxy's silhouette reaches, read from the photo once per source
(silhouette_scales, with side_reach beside the face on a group photo and forehead_skin over a
three-quarter face's forehead): [K] scales per oval vertex for poce_rt.head_proxy's last ring.
poce_rt.hair_beyond reads the hair past it, poce_rt.band_content the band inside it,
poce_rt.proxy_measures all of them. The geometry is poce_rt.head_proxy's, the photo's colour
classes poce_rt.colour_classes' (poce_rt.face_colours), the reach along each ray
poce_rt.head_reach's.

The silhouette is sized per photo (silhouette_scales): voluminous hair reaches past PROXY_SCALES[-1]
of the oval (astronaut: to ~1.75 beside the temples), and the hair beyond the silhouette lay in the
band to the fixed outer ring, where a turn stretched it between the moved and the unmoved: a faded
second copy of the hair beside the turned head. Along each ray from the oval's centre past the
default silhouette, the photo's colour classes (poce_rt.hair: not skin, not the backdrop read on
the photo's side borders) say how far the hair goes; the silhouette is moved out to it (never in,
at most SILHOUETTE_GROW times as far, only above the jaw: HAIR_ROWS_CM), and the fixed outer ring
with it, so the hair turns with the head and the outer band holds background. Above the forehead
the hair may be as red as the skin (multi_face.jpg's face 0), which the colour classes cannot
tell; there the head reaches as far as the photo is unlike its backdrop (head_reach.backdrop_reach),
or, on a group photo where the person segmenter was read (colour_classes.PhotoColours.person), as far as
it sees a person (head_reach.person_reach): t1.jpg's face 0's darker strands are the colour of the
orange wall behind her neighbour, and backdrop_reach ended her head at the first of them, inside
the default silhouette, at her forehead's upper corner. There the proxy's top stayed a cliff
(1.4x the oval, 3 cm above it and 8.8 cm behind it) beside the grown top (1.8x at the parting),
and a turn to +25 drew her hair there as a stack of chevrons. Beside her cheek too her long hair
ran past the default silhouette, and a turn away drew it as waves with a pale, jagged edge: on a
group photo the silhouette grows there to the segmenter's outline as well (side_reach, SIDE_TAPER).
"""
from __future__ import annotations

import numpy as np

from .colour_classes import SKIN_D
from .face_colours import face_colours
from .head_proxy import FACE_OVAL, PROXY_SCALES, head_proxy, ramp
from .head_reach import backdrop_reach, hair_reach, person_reach
from .lab_colour import skin_distance
from .past_oval import BESIDE_SKIP_PX
from .photo_rays import ray_samples

# silhouette_scales: the silhouette moves out to where the photo's hair ends, at most this many
# times its default distance from the oval's centre (a neighbour's hair, a dark backdrop the side
# borders do not show), and only on oval vertices above canonical y = HAIR_ROWS_CM[0] (fully) to
# [1] (not at all): below, the ray runs into the neck and the collar, which do not turn
SILHOUETTE_GROW = 1.5
HAIR_ROWS_CM = (1.5, 4.5)
# ... and on a head the photo sees within SILHOUETTE_YAW_DEG[0] of frontal (fully) to [1] (not at
# all): beside a three-quarter view the ray runs along the side and front of the head, which the
# proxy's shell does not model; grown there, a turn towards the camera (45-m7 at +25) stretched the
# front hair over the background into a smooth dark blob
SILHOUETTE_YAW_DEG = (25.0, 35.0)
# ... except above the forehead (oval vertices above canonical y = FOREHEAD_ROWS_CM[0], fully, to
# [1], not at all: above the brows, which lie at about -4.5; lower, the ray from the temple runs
# on over the side of the head, 45-m7's far temple), where the photo's forehead skin runs on past
# the oval for at least FOREHEAD_SKIN[0] (none) .. [1] (fully) of the way to the default
# silhouette (forehead_skin): the ray from there runs up the forehead and over the hair cap, the
# top of the head, which the shell does model. Issue 15, t1.jpg's face 1 (yaw -33, hair pulled
# back): the tracked oval lies 15-23 px under her hairline, 0.41-0.74 of the way to the default
# silhouette; kept near the default (1.46-1.47) the silhouette cut through her hair cap, and the
# rest of it was drawn between the turned silhouette and the unmoved outer ring: turned +25 the
# forehead strip from the oval to her hairline was squeezed to 0.68-0.84 of its width while the
# face's own forehead beside the oval widened by 2-6%, her hairline a straight cut with the wall
# drawn into the hair above it. Grown (1.6-1.82) the forehead turns as forehead (0.97-1.0 of its
# width) and the hairline with the hair cap.
FOREHEAD_SKIN = (0.3, 0.5)
FOREHEAD_ROWS_CM = (-5.5, -4.5)
SILHOUETTE_SMOOTH = 5   # oval vertices: the reach's running median along the ring (a stray strand)
# Above the forehead the head's outline is its hair cap, and where the hair is as red as the skin
# (multi_face.jpg's face 0: curls that hair_like cannot tell from his skin) the colour classes find
# none; there the silhouette also grows to where the photo stops being backdrop (head_reach.backdrop_reach),
# on oval vertices above canonical y = BACKDROP_ROWS_CM[0] (fully) to [1] (not at all; the brows
# lie at about -4.5); on a group photo also to where the person segmenter stops seeing a person
# (head_reach.person_reach: hair of the colour of something behind it). Beside the temples and ears
# what is not backdrop is also ears, a hand, a
# raised arm, loose strands: grown to the wisps beside Image_with_alpha.png's temple, a turn away
# shredded them into streaks.
BACKDROP_ROWS_CM = (-5.0, -4.0)
# Beside the temples and cheeks of a group photo (the person segmenter read) the silhouette also
# grows to where the segmenter stops seeing a person (head_reach.person_reach), on the rows below
# BACKDROP_ROWS_CM (where the top's read is not), still only above the jaw (HAIR_ROWS_CM): an
# ear, a hand, a neighbour touching the head run on to the ray's end and leave it unmeasured.
# t1.jpg's face 0 (long hair as light as her skin, which hair_reach cannot tell, and whose
# darker strands are the colour of a wall the backdrop holds) kept the default 1.4x beside her
# cheek, 9-17 px short of her hair's outer edge (the segmenter reads 1.19-1.42x the default out
# along oval vertices 27-30). Turned -25 that side turns away: the silhouette moved in ~20 px
# while the fixed outer ring stayed, and the band between, her hair's outer part, was drawn 2.8x
# its width (11.5 -> 32 px at vertex 29): its strands, crossing the slanted band obliquely,
# bent into waves, and its stretched triangles were filled from the backdrop, a pale, blurred,
# jagged edge bulging 20 px into the wall. Grown there, the hair turns with the head and the
# outer band holds the wall. Below her cheek her rays run on into her shoulder (unmeasured: the
# default), and the step from the grown silhouette to the default there holds all of the shift
# between the turned hair and the still hair under the jaw: the growth also reaches SIDE_TAPER
# oval vertices further as a running mean (never below what was measured), so the step spreads
# over two of them (strand bends under her jaw at -25, 90th percentile: 58 degrees with the step,
# 51 spread; the photo's own strands: 6; before, with her hair's outer part in the outer band: 36).
SIDE_TAPER = 2


def silhouette_scales(image: np.ndarray, src_vertices: np.ndarray, shape: np.ndarray, pose, colours=None) -> np.ndarray:
    """The head proxy's silhouette sized to the photo's hair: image [H,W,3] uint8, the face's
    [468,3] vertices in it, its canonical shape [468,3] and Pose -> [K] float64, the last ring's
    scale per oval vertex for head_proxy. Rays from each oval vertex out to SILHOUETTE_GROW times
    the default silhouette's (PROXY_SCALES[-1], posed) distance from the oval's centre: where the
    head's hair (poce_rt.head_reach.hair_reach) starts inside the default silhouette and runs on past
    it, the silhouette moves out to its end, by the photo's distances; never inwards. Above the
    forehead (BACKDROP_ROWS_CM) also to where the head stops being unlike the backdrop
    (poce_rt.head_reach.backdrop_reach) or, where colours hold the person segmenter's map (a group
    photo), to where it stops seeing a person (poce_rt.head_reach.person_reach), the furthest of them;
    on a group photo, below the forehead too to the segmenter's reach (side_reach). Only above the jaw
    (HAIR_ROWS_CM), on a head near frontal (SILHOUETTE_YAW_DEG) or over a forehead whose skin the
    photo shows running on well past the oval (FOREHEAD_SKIN), smoothed along the ring
    (SILHOUETTE_SMOOTH). colours: the photo's poce_rt.colour_classes.photo_colours when the caller has them
    (None: read here). Once per source: a few ms."""
    from .fit import pose_vertices

    image = np.asarray(image)
    sv = np.asarray(src_vertices, np.float64)
    if not np.isfinite(sv).all():
        raise ValueError("vertices contain NaN or inf")
    base = float(PROXY_SCALES[-1])
    oval = sv[list(FACE_OVAL), :2]
    sil = pose_vertices(head_proxy(shape)[-1], pose)[:, :2].astype(np.float64)
    c = oval.mean(0)
    end = c + SILHOUETTE_GROW * (sil - c)
    # rays from the oval: the head's hair starts inside the default silhouette and runs on past it
    ray = np.linalg.norm(end - oval, axis=1) + 1e-9
    begin = np.linalg.norm(sil - oval, axis=1) / ray
    colours = face_colours(image, sv) if colours is None else colours
    y = np.asarray(shape, np.float64)[list(FACE_OVAL), 1]

    def far(reach):   # each ray's reach -> its distance from the oval's centre, in the default's
        return np.maximum(np.linalg.norm(oval + reach[:, None] * (end - oval) - c, axis=1)
                          / (np.linalg.norm(sil - c, axis=1) + 1e-9), 1.0)

    top = ramp(-y, (-BACKDROP_ROWS_CM[1], -BACKDROP_ROWS_CM[0]))
    head = 1.0
    person = None if colours.person is None else person_reach(oval, end, begin, colours.person, image.shape)
    if top.any():
        reach = backdrop_reach(image, oval, end, begin, colours.backdrop)
        if person is not None:   # a group photo: the segmenter's head too
            reach = np.maximum(reach, person)
        head = far(reach)
    reach = np.maximum(far(hair_reach(image, oval, end, begin, colours.skin, colours.backdrop)),
                       1.0 + top * (head - 1.0))
    if person is not None:
        reach = np.maximum(reach, side_reach(far(person), top))
    w = SILHOUETTE_SMOOTH // 2
    grow = np.median(np.stack([np.roll(reach, i) for i in range(-w, w + 1)]), 0)
    rows = ramp(-y, (-HAIR_ROWS_CM[1], -HAIR_ROWS_CM[0]))
    frontal = 1.0 - ramp(abs(float(pose.yaw)), SILHOUETTE_YAW_DEG)
    forehead = ramp(-y, (-FOREHEAD_ROWS_CM[1], -FOREHEAD_ROWS_CM[0]))
    if frontal < 1.0 and forehead.any():
        skin = forehead * ramp(forehead_skin(image, oval, end, begin, colours.skin), FOREHEAD_SKIN)
        # spread along the ring (SILHOUETTE_SMOOTH): a step between a grown vertex and its ungrown
        # neighbour stretched the outer band between them (the wall drawn into her bun at -25)
        frontal = np.maximum(frontal, np.mean(np.stack([np.roll(skin, i) for i in range(-w, w + 1)]), 0))
    return base * (1.0 + (np.minimum(grow, SILHOUETTE_GROW) - 1.0) * rows * frontal)


def side_reach(person: np.ndarray, top: np.ndarray) -> np.ndarray:
    """silhouette_scales' growth beside the face on a group photo: person [K] the segmenter's
    reach (person_reach, as a distance from the oval's centre in the default silhouette's, >= 1),
    top [K] in [0,1] the share of each oval vertex's ray read as the top of the head
    (BACKDROP_ROWS_CM) -> [K] float64 >= 1: the reach on the rest, its stray rays left out
    (SILHOUETTE_SMOOTH's running median) and tapered out along the ring (SIDE_TAPER's running
    mean where it is larger)."""
    g = 1.0 + (1.0 - top) * (np.asarray(person, np.float64) - 1.0)
    w = SILHOUETTE_SMOOTH // 2
    g = np.median(np.stack([np.roll(g, i) for i in range(-w, w + 1)]), 0)
    return np.maximum(g, np.mean(np.stack([np.roll(g, i) for i in range(-SIDE_TAPER, SIDE_TAPER + 1)]), 0))


def forehead_skin(image: np.ndarray, oval: np.ndarray, end: np.ndarray, begin: np.ndarray, skin) -> np.ndarray:
    """How far the photo's skin runs on past each oval vertex [K,2] along its ray to end [K,2]
    (photo pixels), in shares of the way to the default silhouette, at share begin [K] of the ray
    -> [K] float64: where the first sample that is not skin (lab_colour.skin_distance past the middle
    of SKIN_D: the hairline's mix counts as hair) lies; the ray's full length where all are skin.
    image [H,W,3] uint8, skin as hair_like's. silhouette_scales' FOREHEAD_SKIN."""
    t, colours, inside, length = ray_samples(np.asarray(image)[..., :3], oval, end)
    off = (skin_distance(colours, skin) >= np.mean(SKIN_D)) | ~inside
    off &= t[None, :] * length[:, None] >= BESIDE_SKIP_PX   # past the oval's own edge, a mix
    first = np.where(off.any(1), t[np.argmax(off, axis=1)], 1.0)
    return first / np.maximum(np.asarray(begin, np.float64), 1e-6)
