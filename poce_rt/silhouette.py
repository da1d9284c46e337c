"""What the head proxy reads from the photo about a face, once per source: how far its silhouette
reaches (silhouette_scales), the hair's fringe beyond it (fringe_widths) and hanging below it
(hanging_hair), the skin strip past the oval (skin_strip), the oval past the head's edge
(edge_overshoot) and the backdrop beside it (backdrop_beside); proxy_measures reads them all, in
the order poce_rt.proxy_pose's HeadProxy takes them, with how much of the photo beside the oval is
hair (band_hair). The geometry is poce_rt.head_proxy's, the photo's colour classes poce_rt.hair's.

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

Skin strip (issue 15, 15-f13-anc-ph.jpg at +25): where hair covers the cheek, the photo shows a
strip of skin a few pixels wide between the tracked oval and the hair, and on the side a turn
reveals the proxy's first band drew it outwards from the moved oval, a pale crescent beside the
face. skin_strip measures it per oval vertex once per source, and HeadProxy has the oval ring read
the photo past it there (STRIP_MAX, REVEAL_MOVE).
"""
from __future__ import annotations

import numpy as np

from . import masks
from .colour_classes import BACKDROP_D, HAIR_SPREAD_MIN, SKIN_D, hair_like, own_hair, photo_colours
from .head_proxy import FACE_OVAL, PROXY_REACH, PROXY_SCALES, face_past_oval, head_proxy, oval_radius, ramp
from .head_reach import (HAIR_D, PERSON_ON, backdrop_reach, fringe_reach, hair_at, hair_reach, hair_share, person_reach,
                         run_end, strand_reach)
from .lab_colour import backdrop_distance, lab, robust_colour, skin_distance
from .photo_rays import ray_points, ray_samples

# SkinRun: the photo read at most this many pixels apart along a way
SKIN_RUN_STEP = 0.5
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
# Hanging hair (hanging_hair): below a silhouette grown beside the jaw, hair that hangs past it
# turns with the head at the top and less and less down its length (its lower part lies on the
# shoulders). The outer ring, fixed, lay just beyond the silhouette there, so all of the shift
# between the turned hair above and the still hair below fell into the few band triangles at jaw
# height: t1.jpg's face 0 turned -25 showed a notch in her hair's outer edge and zigzag strands
# under it (silhouette vertices 27 .. 24 moving 23, 20, 9.5, 2 px with the outer ring 12-20 px
# beyond them). There the outer ring reaches on down the photo (gravity), along the hair, so the
# shift fades over its length (strand bends under her jaw, 90th percentile, -25: 51 -> 23
# degrees, +25: 29 -> 10): by HANG_REACH x the oval's mean radius at most, as far as the photo
# shows the hair (the colour of the hair in the inner part, HANG_REF, of the grown band beside
# the cheek, within HAIR_D, where the person segmenter sees a person: a shoulder, a collar, the
# wall end it), and across to below the silhouette by the same share (straight down from where
# it lay, its band took in the wall's grey band beside her hair, whose top edge the head's rise
# at -25 lifted by 1-4 px from 12 px short of the hair; across, the band follows the hair down
# and that edge moves by 0-3 px, in the strip beside the hair the turn reveals), on oval vertices whose
# silhouette grew by HANG_GROWTH of SILHOUETTE_GROW's growth (fully at [1]) and HANG_SPAN further
# down the ring (tapered), below canonical y = HANG_ROWS_CM[0] (fully from [1]: above, the hair
# beside the temple hangs on, past the jaw, with the next vertices'). Only on a group photo (the
# segmenter read): where the head's hair is measured by colour alone, the silhouette's growth
# beside the jaw is an ear or a neighbour as often as hair.
HANG_GROWTH = (0.1, 0.3)
HANG_SPAN = 4
HANG_ROWS_CM = (-3.5, 0.5)
HANG_REACH = 1.6
HANG_REF = (0.2, 0.6)   # shares of the rays from the oval to the grown silhouette: its outer part may be a neighbour
# The hair's fringe beyond the silhouette (issue 15, 0-f1-su-ph.jpg and multi_face.jpg's face 0 at
# -25): the silhouette lies where the hair's solid edge ends, and loose strands and curl tips
# reach past it into the band to the fixed outer ring. On the side a turn takes away from the
# camera the silhouette moves in, by the turn's foreshortening and, as it lies ~4 cm behind the
# pose's pivot (the tracker's canonical origin), sideways against the face's move (0-f1: 58 px
# while the oval moves 36), and that band was drawn 2-3x wider than the photo shows it: the strands
# in it were smeared into long streaks flying off the head. A fringe ring FRINGE[1] of the way to
# the outer ring goes with the silhouette as far as the band would be stretched outwards (never
# wider than the photo shows it; narrowed with the band where a turn compresses it): the strands
# keep their length, and the band beyond, on the background, takes the stretch. A strand a pixel
# wide reads as backdrop seen through it, so the fringe is not where strands are found but the
# band short of the background's own things (fringe_widths: a wall's edge, a ceiling, a
# neighbour, which run on to the outer ring; FRINGE_GAP x the oval's mean radius short of them):
# carried with the head they bent the wall's edge above 0-f1's head. Only where the head reaches
# the silhouette (FRINGE_HAIR): beyond a silhouette on the backdrop there are no strands, and
# carried there the backdrop beside Tom_Hanks_54745.png's far cheek read 4 degrees less turn by
# dlib's judge. FRINGE[0]: at least this share (a band of no width reads no photo).
FRINGE = (0.05, 0.5)
FRINGE_GAP = 0.1
FRINGE_HAIR = 0.25   # ... only where at least this share of the proxy's last band is unlike the backdrop
FRINGE_SPAN = 2   # oval vertices either side whose reach bounds a vertex's fringe
# ... and out past the curl tips the hair reaches beyond FRINGE[1] (head_reach.strand_reach, read out to
# TIP_REACH of the band; TIP_PX past a tip's last pixel: the photo's blur of it), to FRINGE_TIPS at
# most (the band beyond keeps some of the photo to stretch), still short of the background's own
# things; only where silhouette_scales grew the silhouette to the head's measured reach: there it
# lies on the hair's solid edge, while at the default the hair's body runs on past it (carried as
# a fringe, Image_with_alpha.png's was smeared at +25). multi_face.jpg's young man: curls reach
# 0.62-0.65 of the band at his top-left, between two oval vertices, past the fringe (0.34-0.5);
# turned -25 (the silhouette 15-19 px in, the outer ring still) the band beyond drew them ~3x
# their length, streaks swept into the sky.
FRINGE_TIPS = 0.8
TIP_PX = 1.5
TIP_REACH = 1.5   # ... read out to this share of the band: a tip that touches the outer ring is not the background's
# The photo's skin strip beside the oval (issue 15, 15-f13-anc-ph.jpg at +25: a bob of dark hair
# over both cheeks): the tracked oval runs a few pixels inside the face's visible edge, and where
# hair covers the cheek beyond it a strip of skin 4-6 px wide lies between the oval and the hair.
# On the side a turn reveals, the proxy's first band drew that strip from the moved oval outwards,
# a pale crescent 6-8 px wide beside the re-rendered face (row 330: L 44-54 where the photo has
# hair and backdrop at 27-37), which reads as a flat disc pasted on the head. skin_strip measures
# the strip along each oval vertex's ray (hair found within STRIP_MAX of the oval's mean radius,
# skin before it); HeadProxy moves the oval ring's photo position out across it, by how much the
# turn reveals there (REVEAL_MOVE: the oval vertex's outward move by the turn, past the oval's
# mean move, in oval radii; an expression's move of the oval reveals nothing beside it), so the
# first band reads the hair from the face's new outline and the strip is pressed into the ring
# under the face's feathered border.
STRIP_MAX = 0.1
REVEAL_MOVE = (0.05, 0.1)
# The face's edge past the oval against the backdrop (issue 15, single_face.jpg, yaw -8, turned
# +25): below the eyes the tracked oval can run inside the face's visible edge with the backdrop
# beyond it, his near cheek's from the ear down to the jaw's corner by 8-10 px (his face mesh
# reaches 3.6 px of it: head_proxy.face_past_oval, under proxy_pose.BEHIND_FACE's 5% of the radius),
# a strip ending in the photo's lit rim (L* 79-83 on a cheek of 64-70). On the side the turn
# reveals, the proxy's first band drew strip and rim from the moved oval outwards, past the face's
# outline: a pale bulge over the backdrop (skin-like pixels past the outline 7.4 px wide on average
# over those rows, 12 at most; 166 of them paler than the cheek beside them). edge_strip measures
# it along each oval vertex's ray, out to the backdrop's own colour (backdrop_like >= 0.5: past the
# rim) within STRIP_MAX of the oval's mean radius, no nearer than STRIP_BACKDROP_MIN px (nearer, the
# oval lies on the head's edge or past it: edge_overshoot's case), where skin_strip finds no hair;
# HeadProxy.mesh draws the rings that much nearer the moved oval there (poce_rt.proxy_pose's
# module comment: the edge strip). Read past by the oval ring alone, as the hair's strip is, the
# read went past the first proxy ring's (8 px out at his cheek) and the band between, folded, was
# filled with the head's colours: a paler, wider film.
STRIP_BACKDROP_MIN = 3
# ... only where the face mesh too reaches past the oval (face_past_oval, x the oval's mean radius:
# none at EDGE_PAST[0], fully from [1]): there the tracker's fit wraps the cheek past its oval and
# what the photo shows out to the backdrop is that cheek (single_face.jpg from the ear down: 0.032-
# 0.037). Where the oval lies on the face's outline (0-0.018) what lies beyond it short of the
# backdrop is an ear's lobe, an earring (multi_face.jpg's face 0, Image_with_alpha.png and t1.jpg
# at -25: 3-8 px of it), which turns with the head.
EDGE_PAST = (0.02, 0.03)
# The oval past the head's edge (issue 15, held-out multi_face.jpg's face 0, sunglasses, against
# the sky, turned -25): the tracked oval can run a few pixels outside the head, there along his far
# jaw by ~2 px onto the sky (the pixels at the oval vertex L* 88, the sky's; the jaw's edge 2-3 px
# in). On the side a turn reveals, the face's new outline moves out past the photo's edge, and the
# oval ring read the photo from the oval vertex: its band under the face's feathered border was
# the sky, and the feather drew the jaw's edge as a pale rim on it (L* 74 within 2 px of the
# outline, the photo's own jaw edge 61). edge_overshoot measures per oval vertex how far in from
# it the photo still shows what lies beyond the head (within OVERSHOOT_LIKE Lab of the median
# colour BESIDE_SKIP_PX .. BESIDE_REACH out along its ray), where OVERSHOOT_MAX of the oval's mean
# radius in the photo shows something else (OVERSHOOT_STEP Lab from it: the head); HeadProxy
# has the oval ring read the photo that far in, past the mix at the edge (a pixel more), and
# the ring inside the oval lies under the border there (under_border), so that the feather blends
# the face with the photo's own edge, moved with the oval (his jaw's edge at -25: L* 69, and 33% of
# it within 20 Lab of the sky where 56% was). Only below the eyes (above them what lies past the
# oval is mostly hair: below_eyes); a head whose oval lies on its skin, on hair or on a textured
# backdrop is drawn as before.
OVERSHOOT_MAX = 0.1
OVERSHOOT_LIKE = 10.0
OVERSHOOT_STEP = 20.0
# The backdrop beside the oval (issue 15, held-out Tom_Hanks_54745.png, yaw +18, turned -25
# towards frontal): where the photo sees a side of the face edge-on against its backdrop, the head
# as the photo saw it ends at the face's outline, a few pixels past the oval, and the proxy's
# rings beyond read the backdrop, squeezed into a strip 4-10 px wide. Where the turn widens that
# side, they were drawn turned with the head, out to 1.4x the oval: the strip stretched to ~20 px,
# which the stretched-strip fill painted with the head's colours, a flat pale crescent with an
# oval edge bulging into the backdrop beside the cheek, the photo's own cheek contour gone.
# backdrop_beside measures per oval vertex the share of the photo's pixels from BESIDE_SKIP_PX to
# BESIDE_REACH of the oval's mean radius out along its ray that are backdrop (backdrop_like) or,
# the larger, that are not the face's skin (lab_colour.skin_distance past the middle of colour_classes.SKIN_D);
# from a share of BESIDE_SHARE[0] (fully from [1]), where the turn draws the band from the oval
# to the silhouette wider than the photo shows it (BESIDE_GROWTH, the ratio of the two, along the
# oval's normal), HeadProxy.mesh draws the proxy's rings only as far out from the moved oval as
# the photo shows them: the photo's own cheek edge is the head's outline at the face's new
# outline, and beyond it the backdrop, warped by the outer band, stays backdrop. An ear, a neck,
# or the cheek running on past an oval tracked inside the face's outline (45-m7-di-ph.jpg's far
# side) are skin beside the oval: there the proxy turns as before. Not the backdrop's colours
# alone (t1.jpg's face 1, yaw -33, turned +25: her far side lies against a wooden wall that the
# photo's side borders do not show, which the colour classes took for hair; and the head's hair
# read beside the face, colour_classes.photo_hair, was that wall): on a side the photo sees edge-on
# (BESIDE_EDGE_ON) what lies beyond the outline is never the side of the head, which the outline
# hides, but the backdrop or hair behind the head, and turned with the head the proxy stretched
# a strip a few pixels wide out to 1.4x the oval, which the stretched-strip fill painted with the
# face's outline and the wall pulled together: a pale translucent film bulging into the wall,
# 35 px (0.73 oval radii) past the face's edge. Also where the photo shows the silhouette's ring
# behind the face (there the band of her far temple was drawn turned, and filled: HIDDEN_FILL):
# drawn at the photo's offsets (none) from the moved oval, the band collapses onto the face's
# new outline. The fringe ring goes with the silhouette so drawn (fringe_ring), and the outer
# band, on the backdrop, takes the stretch: left where the turned silhouette was, the fringe's
# band was drawn from the followed silhouette out to it and filled, a pale wedge beside her jaw.
# A still head widens nothing.
BESIDE_REACH = 0.15
BESIDE_SKIP_PX = 2
BESIDE_SHARE = (0.3, 0.6)
BESIDE_GROWTH = (1.0, 1.5)   # ... by how much wider than the photo shows it the turn draws that band
# ... and the photo sees that side edge-on: it shows the band from the oval to the silhouette at
# most BESIDE_EDGE_ON[0] (fully; from [1] not at all) of its width seen from the front (the
# silhouette's scale - 1, times the oval's mean radius). Seen from the front (a frontal face's
# sides: the band ~1x that), the photo shows the head's side and what lies beside it, and a turn
# widens the band by a little: turned with the head there, the side of a frontal head (curls
# against the sky, multi_face.jpg's face 0 at +25: MediaPipe 81% of the turn, 72% when it followed
# the oval) reads as turned.
BESIDE_EDGE_ON = (0.6, 0.9)
# ... where the proxy's outer facet turns towards the camera (its facing cosine gains this much:
# none .. fully). A side turning away can widen that band too (the oval moving in faster than the
# silhouette: Tom_Hanks at +25, beside his jaw), which uncovers what lay beside the head: the
# outer band draws that, as before.
BESIDE_TOWARD = (0.0, 0.05)
# ... and where the silhouette turns with the pose (NECK_CM), fully where it turns at least
# BESIDE_NECK of it: under the chin the neck does not turn, and there a band the turn widens is
# the chin sliding over the still neck, which shows no side of the head. Followed, the rings under
# t1.jpg's face 1 (yaw -33, turned +20) at three oval vertices moved 15-19 px with the chin while
# their neighbours stayed, and the outer band between them was drawn 3.65x its area and filled
# (STRETCH_FILL): a flat pale patch over the neck with a straight edge. (By the turn itself, the
# lower cheek of Tom_Hanks_54745.png at -25, whose silhouette turns 0.76 of the pose, followed
# less, and its outline past the face's edge was no longer the photo's own.)
BESIDE_NECK = 0.5


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


def hanging_hair(image: np.ndarray, src_vertices: np.ndarray, shape: np.ndarray, pose, silhouette: np.ndarray,
                 colours=None) -> np.ndarray:
    """How far the head proxy's outer ring reaches on down the photo below each oval vertex, along
    the hair that hangs past a silhouette grown beside the jaw (HANG_GROWTH .. HANG_REACH) -> [K]
    float64 photo pixels (0: the outer ring where it was). image [H,W,3] uint8, the face's
    [468,3] vertices in it, its canonical shape and Pose, silhouette [K] silhouette_scales';
    colours as silhouette_scales' (zeros unless it holds the person segmenter's map). ~1 ms."""
    from .fit import pose_vertices

    sv = np.asarray(src_vertices, np.float64)
    if not np.isfinite(sv).all():
        raise ValueError("vertices contain NaN or inf")
    k = len(FACE_OVAL)
    colours = face_colours(image, sv) if colours is None else colours
    sil = np.asarray(silhouette, np.float64)
    grown = ramp((sil / PROXY_SCALES[-1] - 1.0) / (SILHOUETTE_GROW - 1.0), HANG_GROWTH)
    if colours.person is None or not grown.any():
        return np.zeros(k)
    y = np.asarray(shape, np.float64)[list(FACE_OVAL), 1]
    if not hang_share(grown, y).any():
        return np.zeros(k)
    image = np.asarray(image)[..., :3]
    oval = sv[list(FACE_OVAL), :2]
    rim = pose_vertices(head_proxy(shape, silhouette=sil)[-1], pose)[:, :2].astype(np.float64)
    # the hair's colour: across the grown band beside the cheek and temple, where it hangs from
    ref = (grown >= 0.5) & (y > BACKDROP_ROWS_CM[1]) & (y < HAIR_ROWS_CM[1])
    if not ref.any():
        return np.zeros(k)
    t, lab, inside, _ = ray_samples(image, oval[ref], rim[ref])
    med, spread = robust_colour(lab[inside & (t[None, :] > HANG_REF[0]) & (t[None, :] < HANG_REF[1])], HAIR_SPREAD_MIN)
    length = HANG_REACH * oval_radius(sv)
    down = rim + np.array([0.0, length])
    t, lab, inside, ray = ray_samples(image, rim, down)
    pts = ray_points(rim, down, image.shape)[1]
    hair = (np.sqrt((((lab - med) / spread) ** 2).sum(-1)) <= HAIR_D) & (colours.person.at(pts) >= PERSON_ON)
    reach = run_end(hair & inside, t, inside, ray, np.full(k, 0.1), ends_on_ray=False)
    # read below the grown vertices, where the hair hangs from, and carried down the ring with them
    return hang_share(grown * reach, y) * length


def hang_share(grown: np.ndarray, y: np.ndarray) -> np.ndarray:
    """hanging_hair's share of the full reach per oval vertex: grown [K] in [0,1] (HANG_GROWTH's
    ramp of each silhouette vertex's growth, or that times the share of the reach the hair hangs
    below it), y [K] the oval's canonical rows -> [K] in [0,1]: the vertex's own or that of one
    up to HANG_SPAN above it along the ring (tapered by how far), from HANG_ROWS_CM's rows on."""
    share = grown.copy()
    for d in range(1, HANG_SPAN + 1):
        for step in (d, -d):
            above = np.roll(grown, step) * (np.roll(y, step) < y)
            share = np.maximum(share, above * (HANG_SPAN + 1 - d) / HANG_SPAN)
    return share * ramp(y, HANG_ROWS_CM)


def fringe_widths(image: np.ndarray, src_vertices: np.ndarray, shape: np.ndarray, pose, silhouette: np.ndarray,
                  colours=None) -> np.ndarray:
    """The hair's fringe beyond the head proxy's silhouette -> [K] float64 photo pixels
    (HeadProxy's fringe): FRINGE[1] of the way from each silhouette vertex (head_proxy with
    silhouette [K], silhouette_scales', posed) to the outer ring, but short of the background's
    own things (poce_rt.head_reach.fringe_reach, FRINGE_GAP x the oval's mean radius short, no further
    than its FRINGE_SPAN neighbours); only where the head reaches the silhouette (FRINGE_HAIR of
    the proxy's last band unlike the backdrop, poce_rt.head_reach.hair_at) and above the jaw
    (HAIR_ROWS_CM, as the silhouette's growth: beside the jaw and the neck lie a collar,
    shoulders, a neighbour's arm, which do not turn with the head). image
    [H,W,3] uint8, the face's [468,3] vertices in it, its canonical shape and Pose; colours as
    silhouette_scales'. Once per source: ~1 ms."""
    from .fit import pose_vertices

    sv = np.asarray(src_vertices, np.float64)
    if not np.isfinite(sv).all():
        raise ValueError("vertices contain NaN or inf")
    oval = sv[list(FACE_OVAL), :2]
    c = oval.mean(0)
    sil = np.asarray(silhouette, np.float64)
    rings = head_proxy(shape, silhouette=sil)
    rim, last = (pose_vertices(rings[i], pose)[:, :2].astype(np.float64) for i in (-1, -2))
    outer = c + (sil + PROXY_REACH - PROXY_SCALES[-1])[:, None] * (oval - c)
    colours = face_colours(image, sv) if colours is None else colours
    image = np.asarray(image)[..., :3]
    reach = fringe_reach(image, rim, outer, colours.backdrop, FRINGE_GAP * oval_radius(sv))
    # each vertex no further than its neighbours' (FRINGE_SPAN): a triangle between a ray that
    # meets the background's things and one that does not would still stretch them
    reach = np.min(np.stack([np.roll(reach, i) for i in range(-FRINGE_SPAN, FRINGE_SPAN + 1)]), 0)
    reach *= hair_at(image, last, rim, colours.backdrop) >= FRINGE_HAIR
    rows = ramp(-np.asarray(shape, np.float64)[list(FACE_OVAL), 1], (-HAIR_ROWS_CM[1], -HAIR_ROWS_CM[0]))
    band = np.linalg.norm(outer - rim, axis=1)
    grown = (sil > PROXY_SCALES[-1]) & (rows > 0) & (reach > FRINGE[1])
    tips = TIP_REACH * strand_reach(image, rim, rim + TIP_REACH * (outer - rim), colours.backdrop, grown)
    tips = np.where(tips > 0, np.minimum(tips + TIP_PX / np.maximum(band, 1e-6), FRINGE_TIPS), 0.0)
    return rows * np.maximum(np.minimum(reach, FRINGE[1]), np.minimum(tips, reach)) * band


def band_hair(image: np.ndarray, src_vertices: np.ndarray, shape: np.ndarray, pose, silhouette: np.ndarray,
              colours=None) -> np.ndarray:
    """[K] float64 in [0,1]: the share of the photo between each face oval vertex and the head
    proxy's silhouette beyond it (head_proxy with silhouette [K], silhouette_scales', posed) that
    is hair (poce_rt.head_reach.hair_share: darker than the skin and unlike it and the backdrop): how
    far the head's outline there is its hair (poce_rt.proxy_pose's BAND_HAIR). image [H,W,3] uint8,
    the face's [468,3] vertices in it, its canonical shape and Pose; colours as silhouette_scales'.
    Once per source: ~1 ms."""
    sv, rim = _band_ends(src_vertices, shape, pose, silhouette)
    colours = face_colours(image, sv) if colours is None else colours
    return hair_share(np.asarray(image)[..., :3], sv[list(FACE_OVAL), :2], rim, colours.skin, colours.backdrop)


def band_head(image: np.ndarray, src_vertices: np.ndarray, shape: np.ndarray, pose, silhouette: np.ndarray,
              colours=None) -> np.ndarray:
    """[K] float64 in [0,1]: the share of the photo between each face oval vertex and the head
    proxy's silhouette beyond it (as band_hair's) that is not the backdrop (backdrop_like under
    0.5): the head, whatever its colour (poce_rt.proxy_pose's BAND_HEAD: red curls that
    poce_rt.hair reads as skin). Arguments as band_hair's; once per source, < 1 ms."""
    sv, rim = _band_ends(src_vertices, shape, pose, silhouette)
    colours = face_colours(image, sv) if colours is None else colours
    _, px, inside, _ = ray_samples(np.asarray(image)[..., :3], sv[list(FACE_OVAL), :2], rim)
    backdrop = backdrop_distance(px.reshape(-1, 3), colours.backdrop).reshape(inside.shape) < np.mean(BACKDROP_D)
    return (inside & ~backdrop).sum(1) / np.maximum(inside.sum(1), 1)


def band_head_armless(image: np.ndarray, face, silhouette: np.ndarray, colours, arm) -> np.ndarray | None:
    """band_head's of a tracker Face (its silhouette [K] silhouette_scales', colours
    face_colours') where the photo shows no arm beside the head (arm: poce_rt.occluder.arm_beside's
    result, None where it finds none), else None: what HeadProxy's `head` takes."""
    if arm is not None:
        return None
    return band_head(image, face.vertices, face.shape, face.pose, silhouette, colours)


def band_arm(image: np.ndarray, face, silhouette: np.ndarray, arm) -> np.ndarray | None:
    """[K] float64 in [0,1]: the share of the photo between each face oval vertex and the head
    proxy's silhouette beyond it (as band_hair's rays) that is the arm beside the head (arm:
    poce_rt.occluder.arm_beside's result, its runs of skin; poce_rt.arm_rings' BAND_ARM), or
    None where it finds none."""
    if arm is None:
        return None
    skin, (x0, y0, x1, y1) = arm[0], arm[-1]
    sv, rim = _band_ends(face.vertices, face.shape, face.pose, silhouette)
    _, pts, inside, _ = ray_points(sv[list(FACE_OVAL), :2], rim, np.shape(image))
    x, y = np.round(pts[..., 0]).astype(int) - x0, np.round(pts[..., 1]).astype(int) - y0
    in_box = inside & (x >= 0) & (y >= 0) & (x < x1 - x0) & (y < y1 - y0)
    on = np.zeros(inside.shape, bool)
    on[in_box] = skin[y[in_box], x[in_box]]
    return on.sum(1) / np.maximum(inside.sum(1), 1)


def _band_ends(src_vertices: np.ndarray, shape: np.ndarray, pose, silhouette: np.ndarray):
    """band_hair's and band_head's rays: (the face's [468,3] vertices as float64, [K,2] float64
    the head proxy's silhouette ring posed at pose)."""
    from .fit import pose_vertices

    sv = np.asarray(src_vertices, np.float64)
    if not np.isfinite(sv).all():
        raise ValueError("vertices contain NaN or inf")
    rim = pose_vertices(head_proxy(shape, silhouette=np.asarray(silhouette, np.float64))[-1], pose)[:, :2]
    return sv, rim.astype(np.float64)


def face_colours(image: np.ndarray, src_vertices: np.ndarray):
    """poce_rt.colour_classes.photo_colours of the face with these [468,3] vertices in image [H,W,3] uint8
    (its skin read inside its FACE_OVAL): silhouette_scales' and skin_strip's, once per source."""
    sv = np.asarray(src_vertices, np.float64)
    eyes = [sv[list(eye), :2] for eye in (masks.LEFT_EYE, masks.RIGHT_EYE)]   # sunglasses: photo_skin
    return photo_colours(image, sv[list(FACE_OVAL), :2], eyes)


def _past_oval(image: np.ndarray, src_vertices: np.ndarray, first: int, reach: float):
    """The photo along the ray from the face oval's centre through each oval vertex, from `first`
    pixels past the vertex out to `reach` x the oval's mean radius (at least to `first`):
    (oval [K,2] float64, steps [S] int (pixels past the vertex), colours [K,S,3] float32 in [0,1],
    inside [K,S] bool (the pixel lies in the photo; clamped to its border where not))."""
    oval = np.asarray(src_vertices, np.float64)[list(FACE_OVAL), :2]
    if not np.isfinite(oval).all():
        raise ValueError("vertices contain NaN or inf")
    radial = oval - oval.mean(0)
    u = radial / (np.linalg.norm(radial, axis=1, keepdims=True) + 1e-9)
    steps = np.arange(first, max(int(np.ceil(reach * np.linalg.norm(radial, axis=1).mean())), first) + 1)
    h, w = image.shape[:2]
    pts = np.round(oval[:, None] + steps[None, :, None] * u[:, None]).astype(int)      # [K,S,2]
    inside = (pts[..., 0] >= 0) & (pts[..., 0] < w) & (pts[..., 1] >= 0) & (pts[..., 1] < h)
    px = image[np.clip(pts[..., 1], 0, h - 1), np.clip(pts[..., 0], 0, w - 1), :3].astype(np.float32) / 255.0
    return oval, steps, px, inside


def skin_strip(image: np.ndarray, src_vertices: np.ndarray, colours=None) -> np.ndarray:
    """[K] float64 photo pixels: the width of the photo's skin strip beyond each face oval vertex
    where hair covers the head beyond it (image [H,W,3] uint8, the face's [468,3] vertices in it):
    the distance along the ray from the oval's centre through the vertex to the first pixel within
    STRIP_MAX of the oval's mean radius that is hair (poce_rt.colour_classes.hair_like >= 0.5, read on the
    photo's own skin and backdrop), of the hair's own colour where some is (poce_rt.colour_classes.own_hair:
    past the hair/skin mix at its edge, which the oval ring drew as a pale rim under the face's
    feathered border, 15-f13-anc-ph.jpg at +25; else the read starts on the mix); 0 where
    no hair is found (a neck, an ear, a backdrop). colours: as silhouette_scales'. Once per
    source: ~1 ms."""
    image = np.asarray(image)
    oval, steps, px, inside = _past_oval(image, src_vertices, 1, STRIP_MAX)
    colours = face_colours(image, src_vertices) if colours is None else colours
    px = lab(px)
    hair = (hair_like(px, colours.skin, colours.backdrop) >= 0.5) & inside
    if colours.hair is not None:   # past the hair's mix with the skin where the hair itself follows
        own = hair & own_hair(px, colours.hair)
        hair = np.where(own.any(1, keepdims=True), own, hair)
    first = np.argmax(hair, axis=1)
    return np.where(hair.any(1), steps[first].astype(np.float64), 0.0)


def edge_strip(image: np.ndarray, src_vertices: np.ndarray, colours=None, strip=None) -> np.ndarray:
    """[K] float64 photo pixels: below the eyes, how far the face's strip beyond each face oval
    vertex runs out to the backdrop (STRIP_BACKDROP_MIN's note): the distance along the ray from the
    oval's centre through the vertex to its first pixel of the backdrop's own colour within
    STRIP_MAX of the oval's mean radius, if that is at least STRIP_BACKDROP_MIN, as far as the face
    mesh reaches past the oval there (EDGE_PAST); 0 where skin_strip finds hair first, above the
    eyes, or where no backdrop is found (a neck, an ear, a collar).
    image [H,W,3] uint8, the face's [468,3] vertices in it; colours: as silhouette_scales'; strip:
    skin_strip's when the caller has it (proxy_measures passes its own, negative where the oval lies
    past the head's edge: 0 there too, where the backdrop lies nearer than STRIP_BACKDROP_MIN
    anyway). Once per source: ~1 ms."""
    image = np.asarray(image)
    _, steps, px, inside = _past_oval(image, src_vertices, 1, STRIP_MAX)
    colours = face_colours(image, src_vertices) if colours is None else colours
    back = (backdrop_like(px, colours.backdrop) >= 0.5) & inside
    at = steps[np.argmax(back, axis=1)].astype(np.float64)
    hair = skin_strip(image, src_vertices, colours) if strip is None else np.asarray(strip)
    on = back.any(1) & (at >= STRIP_BACKDROP_MIN) & below_eyes(src_vertices) & (hair == 0)
    wraps = ramp(face_past_oval(src_vertices) / oval_radius(src_vertices), EDGE_PAST)
    return np.where(on, at * wraps, 0.0)


# The face's own far cheek past its mesh (issue 15, Image_with_alpha.png, yaw -10, turned -25):
# below the eyes the photo's face runs on past where the tracker's mesh ends beside the oval, out
# to its own rounded outline against the backdrop (his far cheek beside the heel of his hand, oval
# vertices 26-28: the mesh 6 px past the oval, the photo's face 20-24, a dark shadowed rim between).
# cheek_outline measures it along each oval vertex's ray out to the backdrop's own colour within
# CHEEK_REACH of the oval's mean radius (the beard under his far cheek: 31 px); arm_rings
# (ArmRings.past_cheek) draws that strip, turned away, past the turned face's outline.
CHEEK_REACH = 0.2


def cheek_outline(image: np.ndarray, src_vertices: np.ndarray, colours=None) -> np.ndarray:
    """[K] float64 photo pixels: below the eyes, how far the photo's face runs past each face
    oval vertex to its own outline (CHEEK_REACH's note): the distance along the ray from the
    oval's centre through the vertex to its first pixel of the backdrop's own colour
    (backdrop_like >= 0.5) within CHEEK_REACH of the oval's mean radius, at least
    STRIP_BACKDROP_MIN; 0 above the eyes or where no backdrop is found. image [H,W,3] uint8, the
    face's [468,3] vertices in it; colours: as silhouette_scales'. Once per source: ~1 ms."""
    image = np.asarray(image)
    _, steps, px, inside = _past_oval(image, src_vertices, 1, CHEEK_REACH)
    colours = face_colours(image, src_vertices) if colours is None else colours
    back = (backdrop_like(px, colours.backdrop) >= 0.5) & inside
    at = steps[np.argmax(back, axis=1)].astype(np.float64)
    on = back.any(1) & (at >= STRIP_BACKDROP_MIN) & below_eyes(src_vertices)
    return np.where(on, at, 0.0)


class SkinRun:
    """How far the photo's skin runs from given photo positions towards others (run): the head
    proxy's silhouette ring where a turn draws it on the face's outline reads the band beyond it
    past the skin there (HeadProxy.past_skin). image [H,W,3] uint8, skin: the face's (median,
    spread) Lab (colour_classes.PhotoColours.skin)."""

    def __init__(self, image: np.ndarray, skin):
        self.image, self.skin = np.asarray(image), skin

    def run(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """[N] float64 in [0,1): the share of the way from start [N,2] to end [N,2] (photo
        positions, pixel centres at i + 0.5) over which the photo is skin (colour_classes.SKIN_D's far bound,
        read at most SKIN_RUN_STEP px apart), up to the first pixel that is not; 0 where none is on
        the way (nothing tells where the skin ends: hair as red as the skin) or the first is not."""
        start, end = np.asarray(start, np.float64), np.asarray(end, np.float64)
        length = np.linalg.norm(end - start, axis=1)
        n = max(int(np.ceil(length.max(initial=0.0) / SKIN_RUN_STEP)), 1)
        t = np.arange(n) / n                                     # [S] shares of each way
        pts = start[:, None] + t[None, :, None] * (end - start)[:, None]
        h, w = self.image.shape[:2]
        x = np.clip(np.floor(pts[..., 0]).astype(int), 0, w - 1)
        y = np.clip(np.floor(pts[..., 1]).astype(int), 0, h - 1)
        other = skin_distance(lab(self.image[y, x].astype(np.float32) / 255), self.skin) >= SKIN_D[1]
        return np.where(other.any(1), t[np.argmax(other, axis=1)], 0.0)   # at the first that is not skin

    def edge(self, start: np.ndarray, end: np.ndarray, least: float) -> np.ndarray:
        """[N] float64 px: how far from start [N,2] towards end [N,2] (photo positions, pixel
        centres at i + 0.5) the photo's sharpest colour step lies, to its sample on start's side
        (the Lab distance between samples a pixel apart, at least `least`; 0 where none is): where
        what lies at start (hair over the face's rim, glasses_rings.GLASSES_BESIDE) meets the skin."""
        start, end = np.asarray(start, np.float64), np.asarray(end, np.float64)
        n = max(int(np.ceil(np.linalg.norm(end - start, axis=1).max(initial=0.0))), 1)
        way = (end - start) / np.maximum(np.linalg.norm(end - start, axis=1, keepdims=True), 1e-9)
        pts = start[:, None] + np.arange(n + 1)[None, :, None] * way[:, None]   # a pixel apart
        h, w = self.image.shape[:2]
        x = np.clip(np.floor(pts[..., 0]).astype(int), 0, w - 1)
        y = np.clip(np.floor(pts[..., 1]).astype(int), 0, h - 1)
        c = lab(self.image[y, x, :3].astype(np.float32) / 255)
        step = np.linalg.norm(np.diff(c, axis=1), axis=-1)   # [N,n]
        # within each way's own length
        step = np.where(np.arange(n)[None] < np.linalg.norm(end - start, axis=1)[:, None], step, 0.0)
        at = np.argmax(step, axis=1)
        return np.where(step[np.arange(len(step)), at] >= least, at.astype(np.float64), 0.0)


def edge_overshoot(image: np.ndarray, src_vertices: np.ndarray) -> np.ndarray:
    """[K] float64 photo pixels: how far each face oval vertex lies outside the head's edge in
    image [H,W,3] uint8 (the face's [468,3] vertices in it), module comment at OVERSHOOT_MAX: the
    pixels from the vertex inwards along the ray from the oval's centre that are like what lies
    beyond it, plus the one of the edge's mix; 0 where the vertex is not like what lies beyond,
    where the photo inside is like it too (no edge), or where the ray leaves the photo. Once per
    source: < 1 ms."""
    image = np.asarray(image)
    oval, _, beyond, beyond_on = _past_oval(image, src_vertices, BESIDE_SKIP_PX, BESIDE_REACH)
    far = np.median(lab(beyond), axis=1)   # [K,3]
    radial = oval - oval.mean(0)
    u = radial / (np.linalg.norm(radial, axis=1, keepdims=True) + 1e-9)
    n = max(1, int(np.ceil(OVERSHOOT_MAX * np.linalg.norm(radial, axis=1).mean())))
    h, w = image.shape[:2]
    pts = np.round(oval[:, None] - np.arange(n + 1)[None, :, None] * u[:, None]).astype(int)   # [K,n+1,2]
    on = (pts[..., 0] >= 0) & (pts[..., 0] < w) & (pts[..., 1] >= 0) & (pts[..., 1] < h)
    px = lab(image[np.clip(pts[..., 1], 0, h - 1), np.clip(pts[..., 0], 0, w - 1), :3].astype(np.float32) / 255.0)
    d = np.linalg.norm(px - far[:, None], axis=-1)
    like = d < OVERSHOOT_LIKE
    lead = np.where(like.all(1), 0, np.argmin(like, axis=1))   # the vertex's own pixel first
    edge = (d[:, -1] > OVERSHOOT_STEP) & beyond_on.all(1) & on.all(1)
    return np.where(edge & (lead > 0) & below_eyes(src_vertices), lead + 1.0, 0.0)


def below_eyes(src_vertices: np.ndarray) -> np.ndarray:
    """[K] bool: the face oval vertices below the line through the eyes' centres (the cheeks and
    the jaw: above it, what lies past the oval is mostly hair) of the face's [468,3] vertices."""
    v = np.asarray(src_vertices, np.float64)[:, :2]
    eyes = np.stack([v[list(masks.LEFT_EYE)].mean(0), v[list(masks.RIGHT_EYE)].mean(0)])
    across = eyes[1] - eyes[0]
    down = np.array([-across[1], across[0]])
    down *= np.sign(np.dot(down, v[152] - eyes.mean(0))) / (np.linalg.norm(down) + 1e-9)   # towards the chin
    return (v[list(FACE_OVAL)] - eyes.mean(0)) @ down > 0


def backdrop_beside(image: np.ndarray, src_vertices: np.ndarray, colours=None) -> np.ndarray:
    """[K] float64 in [0,1]: per face oval vertex, the share of the photo's pixels along the ray
    from the oval's centre through it, from BESIDE_SKIP_PX past it (its own edge, a mix) out to
    BESIDE_REACH of the oval's mean radius, that are the photo's backdrop (backdrop_like >= 0.5)
    or, the larger of the two, that are not the face's skin (lab_colour.skin_distance from the middle
    of SKIN_D: a greyscale photo's grey backdrop can be as near the skin as its skin's spread);
    pixels beyond the photo are neither: ~1 where the photo sees the face's outline against what
    lies behind the head, 0 beside an ear, a neck, more of the cheek. image [H,W,3] uint8, the
    face's [468,3] vertices in it; colours: as silhouette_scales'. Once per source: < 1 ms."""
    image = np.asarray(image)
    oval, _, px, inside = _past_oval(image, src_vertices, BESIDE_SKIP_PX, BESIDE_REACH)
    colours = face_colours(image, src_vertices) if colours is None else colours
    backdrop = (backdrop_like(px, colours.backdrop) >= 0.5) & inside
    not_skin = (skin_distance(lab(px), colours.skin) >= np.mean(SKIN_D)) & inside
    return np.maximum(backdrop.mean(1), not_skin.mean(1)).astype(np.float64)


def proxy_measures(image: np.ndarray, face, colours=None) -> tuple:
    """What the head proxy reads from the photo about a face (its [468,3] vertices, canonical shape
    and Pose: a tracker Face), once per source, in HeadProxy's argument order:
    (silhouette [K] silhouette_scales', strip [K] skin_strip's, or less edge_overshoot's where
    that is 0 (the oval past the head's edge: negative), beside [K] backdrop_beside's, fringe [K]
    fringe_widths', hang [K] hanging_hair's, hair [K] band_hair's, edge [K] edge_strip's). image
    [H,W,3] uint8; colours: face_colours' (None: read here)."""
    colours = face_colours(image, face.vertices) if colours is None else colours
    sil = silhouette_scales(image, face.vertices, face.shape, face.pose, colours)
    strip = skin_strip(image, face.vertices, colours)
    strip = np.where(strip > 0, strip, -edge_overshoot(image, face.vertices))
    return (sil, strip, backdrop_beside(image, face.vertices, colours),
            fringe_widths(image, face.vertices, face.shape, face.pose, sil, colours),
            hanging_hair(image, face.vertices, face.shape, face.pose, sil, colours),
            band_hair(image, face.vertices, face.shape, face.pose, sil, colours),
            edge_strip(image, face.vertices, colours, strip))


def backdrop_like(colours: np.ndarray, backdrop: np.ndarray) -> np.ndarray:
    """[...,3] float32 colours in [0,1], backdrop [K,3] Lab (poce_rt.colour_classes.backdrop_colours) ->
    [...] float32 in [0,1]: 1 for the backdrop's colours, 0 past colour_classes.BACKDROP_D from all of them."""
    from .complete import smoothstep

    d = backdrop_distance(lab(np.asarray(colours, np.float32).reshape(-1, 3)), backdrop)
    return (1.0 - smoothstep(d, *BACKDROP_D)).reshape(np.shape(colours)[:-1]).astype(np.float32)
