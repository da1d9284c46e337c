"""Move the head's surroundings with the face boundary when the face is re-posed.

The face mesh ends at the face oval (hairline, jaw, cheeks). Rendering only the mesh at a new pose
leaves the photo's old face contour, ears and jaw line where they were: on the side the face turns
away from, the old cheek edge stays next to the new, narrower face, and the tracker (and a viewer)
reads the head as barely turned (a 25 degree yaw read back as 17-18; with this warp 19-22).

The warp is a band of triangles between two rings: the inner ring follows the face oval from its
source to its target position; the outer ring (the oval scaled about its centre, where the side of
the head, hair and neck are) stays put, so the band blends into the untouched photo with no seam.
The band is drawn with the same `render` op as the face, textured with the photo itself.

Head proxy (issue 15, items 1 and 4; DESIGN.md "Head, not face"): given the poses, the band gets
rings of a per-photo head proxy between the oval and the fixed outer ring. They continue the
subject's own face oval outwards and backwards in the canonical frame (the hair cap above the
forehead, the ears and the sides of the head, the neck under the chin), are posed with the face's
pose like the mesh (the neck less, fading to not at all under the chin, where the collar is), and
so turn with the face as one 3D surface: the silhouette (cheek contour,
ears, hair) moves the way a rotating head's does, and only the outermost ring, in the
background, stays put. Each proxy vertex reads the photo where it lies at the source pose.

The silhouette is sized per photo (silhouette_scales): voluminous hair reaches past PROXY_SCALES[-1]
of the oval (astronaut: to ~1.75 beside the temples), and the hair beyond the silhouette lay in the
band to the fixed outer ring, where a turn stretched it between the moved and the unmoved: a faded
second copy of the hair beside the turned head. Along each ray from the oval's centre past the
default silhouette, the photo's colour classes (poce_rt.hair: not skin, not the backdrop read on
the photo's side borders) say how far the hair goes; the silhouette is moved out to it (never in,
at most SILHOUETTE_GROW times as far, only above the jaw: HAIR_ROWS_CM), and the fixed outer ring
with it, so the hair turns with the head and the outer band holds background. Above the forehead
the hair may be as red as the skin (multi_face.jpg's face 0), which the colour classes cannot
tell; there the head reaches as far as the photo is unlike its backdrop (hair.backdrop_reach),
or, on a group photo where the person segmenter was read (hair.PhotoColours.person), as far as
it sees a person (hair.person_reach): t1.jpg's face 0's darker strands are the colour of the
orange wall behind her neighbour, and backdrop_reach ended her head at the first of them, inside
the default silhouette, at her forehead's upper corner. There the proxy's top stayed a cliff
(1.4x the oval, 3 cm above it and 8.8 cm behind it) beside the grown top (1.8x at the parting),
and a turn to +25 drew her hair there as a stack of chevrons. Beside her cheek too her long hair
ran past the default silhouette, and a turn away drew it as waves with a pale, jagged edge: on a
group photo the silhouette grows there to the segmenter's outline as well (side_reach, SIDE_TAPER).

Stretched strips (issue 15, held-out Tom_Hanks_54745.png at -25): a side of the head the photo
sees at a grazing angle lies in a strip a few pixels wide between the tracked oval and the
silhouette, and a turn towards the camera draws it several times wider. The photo has no texture
for that much surface: a band triangle drawn over more than STRETCH_FILL[0] times its area in
the photo (the hair beside that face's far temple, drawn as streaks; a band merely sheared, as
under a chin that slides over the still neck, keeps its area and is warped) is filled instead,
fully from STRETCH_FILL[1]: its texels are unknown to photo_texture, push-pulled from the photo
around them, and reported as filled like texels beyond the photo. Inside the proxy's silhouette
the fill is the head's, pulled from the photo's texels unlike its backdrop (skin, hair), beside it
(the outer band) the backdrop's (head_or_backdrop): the strip beyond Tom's far cheek lies on the
grey backdrop, and pulled from all of it, it drew a pale smear over the side of the head, bright
against the cheek's outline. So is a band triangle drawn more than
FEATURE_STRETCH[0] times larger that reads one of the face's features (FEATURES): the oval of a
far side can run through the outer corner of an eye or the end of a brow, which the face mesh
draws where they move to, and the ring drew them a second time beside the face.

Folds (issue 15, Tom_Hanks_54745.png at +25): a head turned away folds the proxy's rings beyond
its forehead behind the rings in front, and the depth test cuts the surface along the fold, a
hard 1-pixel edge that render (shading each pixel from its centre) does not antialias. The ring's
texture carries each texel's photo position in two extra channels (with_positions), so the render
that draws the ring gives the photo position each pixel reads too, and pixels beside a jump in it
are blended with a small blur (soften_folds), on both paths (draw_ring).

Skin strip (issue 15, 15-f13-anc-ph.jpg at +25): where hair covers the cheek, the photo shows a
strip of skin a few pixels wide between the tracked oval and the hair, and on the side a turn
reveals the proxy's first band drew it outwards from the moved oval, a pale crescent beside the
face. skin_strip measures it per oval vertex once per source, and proxy_mesh has the oval ring read
the photo past it there (STRIP_MAX, REVEAL_MOVE).
"""
from __future__ import annotations

import collections
import functools
import threading

import cv2
import numpy as np

from . import masks, ops
from .camera import CAMERA_DISTANCE_CM, perspective_shape
from .layers import copy_channels
from .motion import KEEP_SCALE, MOVING_PX, STILL_PX, keep_still, moved_weight, pixel_centres, read_motion
from .ops._arrays import native

# MediaPipe's FACE_LANDMARKS_FACE_OVAL connections, as one closed loop (clockwise on screen).
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
             152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)

REACH = 1.4    # outer ring radius / oval radius: out to the ears and hair
INSET = 1.04   # the band's inner edge samples just outside the old oval, skipping its contour line
MIN_MOVE_PX = 0.5
# head proxy rings: scale about the oval's centre (canonical x, y); the last one is the head's
# silhouette (hair cap, ears), where the surface has turned edge-on to the camera
PROXY_SCALES = (1.1, 1.22, 1.28, 1.34, 1.4)
# Where the head turns away, the proxy is the head as the photo saw it: head_proxy(view=) at the
# source's rotation, every ring at least as far out as the photo sees the frontal one and its
# profile edge-on to the photo's line of sight. The frontal proxy of a turned photo (Tom_Hanks_54745.png,
# yaw +18, pitch +23) put the far temple's hair on a band within a few degrees of edge-on, and
# its outer facet (one flat facet from 1.22 to 1.4) turned past edge-on all at once: from +15 on,
# all of that hair went behind the forehead, which ran flat and bright to the outline. The bend
# rings (the scales between CHORD_SCALES) let the outer part hide first and the rest narrow, as
# a curved surface does. Where the head turns towards the camera (the outer facet's facing cosine
# drops by less than BEND_AWAY[0] from the source's; the seen proxy fully from a drop of [1]) the
# rings are the frontal ones, the bend rings on the chord of their neighbours: the bend's steep
# outer facet would spread the photo's outline (hair mixed with backdrop) over what the turn
# reveals, a filled wing beside single_face.jpg's hair at +25, where the chord spreads the hair;
# and a still head is drawn as before.
CHORD_SCALES = (1.1, 1.22, 1.4)
BEND_AWAY = (0.03, 0.1)
# the silhouette lies in the head's mid-depth plane: this far behind the face oval's rearmost
# point (its sides, in front of the ears; the ear canal is ~1.5 cm further back)
HEAD_MID_CM = 1.5
# the depth profile from the oval to the silhouette: 1 - (1 - t)^p, p from the face's own slope
# at the oval, kept in [P_MIN, P_MAX] (p < 1: edge-on at the silhouette)
P_MIN, P_MAX = 0.15, 0.9
PROXY_REACH = 1.75   # the fixed outer ring around a head proxy
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
# none; there the silhouette also grows to where the photo stops being backdrop (hair.backdrop_reach),
# on oval vertices above canonical y = BACKDROP_ROWS_CM[0] (fully) to [1] (not at all; the brows
# lie at about -4.5); on a group photo also to where the person segmenter stops seeing a person
# (hair.person_reach: hair of the colour of something behind it). Beside the temples and ears
# what is not backdrop is also ears, a hand, a
# raised arm, loose strands: grown to the wisps beside Image_with_alpha.png's temple, a turn away
# shredded them into streaks.
BACKDROP_ROWS_CM = (-5.0, -4.0)
# Beside the temples and cheeks of a group photo (the person segmenter read) the silhouette also
# grows to where the segmenter stops seeing a person (hair.person_reach), on the rows below
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
# the neck and the collar under the chin do not turn with the head: the proxy's rings follow the
# pose fully above canonical y = NECK_CM[0] (the cheeks) and not at all below NECK_CM[1] (chin)
NECK_CM = (3.0, 8.0)
# each oval vertex's neighbours inside the face (MediaPipe's topology): the face's slope there
OVAL_INNER = ((108, 151, 337), (299, 337), (299, 333), (298, 333), (298, 301), (301, 368), (264, 368),
              (264, 447), (366, 447), (366, 401), (401,), (401, 435), (367, 435), (364, 367), (364, 394),
              (369, 394, 395), (369, 396), (396,), (171, 175, 396), (171,), (140, 171), (140, 169, 170),
              (135, 169), (135, 138), (138, 215), (177, 215), (177,), (137, 177), (137, 227), (34, 227),
              (34, 139), (71, 139), (68, 71), (68, 104), (69, 104), (69, 108))
PROXY_RINGS = len(PROXY_SCALES) + 4   # proxy_mesh's rings: inside the oval, oval, proxy, fringe, outer
SILHOUETTE_RING = len(PROXY_SCALES) + 1   # the index of the proxy's last ring, its silhouette, among them
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
# OVAL_INNER as index columns (a group's first vertex repeated past its end) and group sizes
_INNER_IDX = np.array([g + (g[0],) * (max(map(len, OVAL_INNER)) - len(g)) for g in OVAL_INNER])
_INNER_N = np.array([len(g) for g in OVAL_INNER])
FILL_SHRINK = 4   # photo_texture's fill beyond the photo is push-pulled at 1/4 of the resolution
FILL_MARGIN = 32   # photo pixels around a stretched strip that its fill is pulled from
# a band triangle drawn over this many times the area the photo shows it in (area_stretch) starts
# to be filled, and is filled fully at the second: on the repository's and the held-out photos at
# +-25 the proxy's bands beyond the oval grow by 1.5-2.5 (90th percentile), their worst triangles by
# up to ~5 near the silhouette (Image_with_alpha +25: 8.8); Tom_Hanks' (-25) by up to 18. Area, not
# the largest singular value (stretch): a strip revealed across the band grows as much in area as
# in length, but where the chin slides over the neck, which does not turn (NECK_CM), the band under
# it is sheared, which draws no surface the photo lacks. On multi_face.jpg's face 0 (small, pitched
# up: the neck's ring 3-4 px under the oval) at -25 that band's triangles reach 3.4-4.4 by the
# singular value and 2.2-3.1 in area; filled, the fill pulled sky, shirt and skin into a grey smudge
# with a hard edge under the chin, where the photo's own strip, warped, continues the chin's shadow.
STRETCH_FILL = (3.0, 4.5)
STRETCH_BLUR = 1.0   # texels: the fill's weight is softened this much at a triangle's edge
# The face's features are drawn by the face mesh where they move to; a band triangle that reads
# one (the oval of a far side can run through an eye's outer corner or the end of a brow, as on
# Tom_Hanks_54745.png) and is drawn larger than the photo shows it (a revealed side) draws it a
# second time beside the face. Such triangles are filled from FEATURE_STRETCH[0], fully from [1].
FEATURES = (masks.LEFT_EYE, masks.RIGHT_EYE, masks.LEFT_EYEBROW, masks.RIGHT_EYEBROW, masks.LIPS)
FEATURE_STRETCH = (1.25, 1.75)
FEATURE_MARGIN = 0.05   # x the oval's mean radius: lashes and brow hairs reach past the landmarks
# A turned head hides the far side of its head proxy behind the face: the photo shows the face
# where those rings lie at the source pose (45-m7-di-ph.jpg, -43 degrees: 9-13 of each ring's 36
# vertices; a frontal face: none), and a turn towards the camera drew that face texture beside the
# turned face, a second nose and cheek outline. A band triangle that reads the face (the hull of
# its vertices, HIDDEN_MARGIN of the oval's radius inside its edge, where the oval's own triangles
# begin) is filled from HIDDEN_FILL[0] of its area, fully from [1], like a stretched one.
HIDDEN_MARGIN = 0.04
HIDDEN_KEPT = 2   # FeatureMask.hidden's results kept
HIDDEN_FILL = (0.2, 0.5)
# ... but only as far as the turn brings the triangle out from behind the face: by how much the
# distance of its vertices inside the face oval's hull drops from the photo to the target (the
# largest over its vertices, in oval radii), none from REVEAL_FILL[0], all from [1]. The photo's
# own face texture drawn where it barely moved is right: at small turns the fill smeared the far
# cheek's outline (Tom_Hanks_54745.png at +1: 89 levels off the photo; 45-m7-di-ph.jpg: 59), and a
# turn away from the far side hides it deeper (nothing to fill). It is 0 at no turn and continuous
# in the pose (no pop in the frame loop). 45-m7 at +25: every triangle more than half behind the
# face comes out by >= 0.057 radii, at +1 by <= 0.020; Tom_Hanks at +1 by <= 0.007.
REVEAL_FILL = (0.015, 0.05)
# A head turned away folds its proxy's rings past the silhouette behind the rings in front, and the
# depth test cuts the surface there: two neighbouring pixels read the photo far apart
# (Tom_Hanks_54745.png at +25, beside the forehead: 20 photo pixels; elsewhere a ring's neighbours
# read ~0.7 apart). render shades a pixel from its centre alone, so that cut was a hard 1-pixel
# step (216 212 150) where the photo's own edge was ~3 px wide (204 196 193 170 150). Pixels
# beside a jump of FOLD_PX[0] photo pixels (the photo minified twice there: its detail aliases),
# fully from [1], are blended with a 3x3 binomial blur of the ring: the occlusion edge antialiased
# (soften_folds; 216 201 164 150).
FOLD_PX = (2.0, 4.0)
# The photo's skin strip beside the oval (issue 15, 15-f13-anc-ph.jpg at +25: a bob of dark hair
# over both cheeks): the tracked oval runs a few pixels inside the face's visible edge, and where
# hair covers the cheek beyond it a strip of skin 4-6 px wide lies between the oval and the hair.
# On the side a turn reveals, the proxy's first band drew that strip from the moved oval outwards,
# a pale crescent 6-8 px wide beside the re-rendered face (row 330: L 44-54 where the photo has
# hair and backdrop at 27-37), which reads as a flat disc pasted on the head. skin_strip measures
# the strip along each oval vertex's ray (hair found within STRIP_MAX of the oval's mean radius,
# skin before it); proxy_mesh moves the oval ring's photo position out across it, by how much the
# turn reveals there (REVEAL_MOVE: the oval vertex's outward move by the turn, past the oval's
# mean move, in oval radii; an expression's move of the oval reveals nothing beside it), so the
# first band reads the hair from the face's new outline and the strip is pressed into the ring
# under the face's feathered border.
STRIP_MAX = 0.1
REVEAL_MOVE = (0.05, 0.1)
# The oval past the head's edge (issue 15, held-out multi_face.jpg's face 0, sunglasses, against
# the sky, turned -25): the tracked oval can run a few pixels outside the head, there along his far
# jaw by ~2 px onto the sky (the pixels at the oval vertex L* 88, the sky's; the jaw's edge 2-3 px
# in). On the side a turn reveals, the face's new outline moves out past the photo's edge, and the
# oval ring read the photo from the oval vertex: its band under the face's feathered border was
# the sky, and the feather drew the jaw's edge as a pale rim on it (L* 74 within 2 px of the
# outline, the photo's own jaw edge 61). edge_overshoot measures per oval vertex how far in from
# it the photo still shows what lies beyond the head (within OVERSHOOT_LIKE Lab of the median
# colour BESIDE_SKIP_PX .. BESIDE_REACH out along its ray), where OVERSHOOT_MAX of the oval's mean
# radius in the photo shows something else (OVERSHOOT_STEP Lab from it: the head); proxy_mesh
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
# the larger, that are not the face's skin (hair.skin_distance past the middle of hair.SKIN_D);
# from a share of BESIDE_SHARE[0] (fully from [1]), where the turn draws the band from the oval
# to the silhouette wider than the photo shows it (BESIDE_GROWTH, the ratio of the two, along the
# oval's normal), HeadProxy.mesh draws the proxy's rings only as far out from the moved oval as
# the photo shows them: the photo's own cheek edge is the head's outline at the face's new
# outline, and beyond it the backdrop, warped by the outer band, stays backdrop. An ear, a neck,
# or the cheek running on past an oval tracked inside the face's outline (45-m7-di-ph.jpg's far
# side) are skin beside the oval: there the proxy turns as before. Not the backdrop's colours
# alone (t1.jpg's face 1, yaw -33, turned +25: her far side lies against a wooden wall that the
# photo's side borders do not show, which the colour classes took for hair; and the head's hair
# read beside the face, hair.photo_hair, was that wall): on a side the photo sees edge-on
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
# the head proxy's innermost ring lies at least this far (x the oval's mean radius) inside the
# oval: under the face's feathered border (about 0.06 of the radius), under_border
INNER_MIN = 0.08
FOLD_FULL = 0.999   # only jumps between pixels the ring covers fully (not its own outline)
# The face itself past its oval (issue 15, held-out Tom_Hanks_54745.png, yaw +18, turned -25): a
# face seen edge-on bulges past the oval tracked on it, its far cheek drawn over the oval, which
# lies behind it (face_past_oval: 0.11-0.15 of the oval's mean radius beside Tom's far cheek, up
# to 0.16 on t1.jpg's face 1 at -33). The proxy's rings past the oval read that strip of cheek,
# and where backdrop_beside has them drawn at the photo's offsets from the moved oval, drew it a
# second time past the face's render, which draws the same surface turned: a pale cheek-shaped
# ghost past the revealed cheek (the photo's lit cheek rim, 200-213 levels, half filled with the
# head's colours and blurred into the backdrop over 5-8 px; pale pixels past the face's edge on
# the cheek's rows 3.6 px wide on average, now 0.6). There the rings are drawn that much nearer
# the moved oval (by the ramp of BEHIND_FACE on that share: the meshes of faces within 12 degrees
# of frontal reach past their oval by at most 0.042 of its radius, a tracker's fit, not a cheek
# seen edge-on: left as they were; 45-m7-di-ph.jpg's far oval lies 0.45-0.75 radii behind its
# face, where the silhouette ring does too: no more than the photo shows past the oval).
BEHIND_FACE = (0.05, 0.1)


def oval_radius(vertices: np.ndarray) -> float:
    """The face oval's mean radius (px) of a face's [468,>=2] vertices."""
    oval = np.asarray(vertices, np.float64)[list(FACE_OVAL), :2]
    return float(np.linalg.norm(oval - oval.mean(0), axis=1).mean())


def surround_mesh(src_oval: np.ndarray, dst_oval: np.ndarray, reach: float = REACH,
                  inset: float = INSET):
    """The band between the moving oval and the fixed outer ring.

    src_oval, dst_oval: [K,2] oval positions in the photo and at the target pose (pixels).
    Returns verts [2K,3] float32 (target positions; inner ring first), tris [2K,3] int32 and
    src [2K,2] float64 (where each vertex reads the photo).
    """
    p = np.asarray(src_oval, np.float64)
    q = np.asarray(dst_oval, np.float64)
    k = len(p)
    c = p.mean(0)
    r_src = np.linalg.norm(p - c, axis=1) + 1e-6
    # keep the outer ring outside the moved oval, or the band would fold over itself
    r_dst = np.linalg.norm(q - c, axis=1)
    scale = np.maximum(reach, 1.15 * r_dst / r_src)[:, None]
    outer = c + scale * (p - c)
    verts = np.zeros((2 * k, 3), np.float32)
    verts[:k, :2], verts[k:, :2] = q, outer
    src = np.concatenate([c + inset * (p - c), outer])
    return verts, band_tris(k), src


@functools.lru_cache(maxsize=8)
def band_tris(k: int) -> np.ndarray:
    """[2K,3] int32 triangles of the band between two K-vertex rings (inner ring first); cached,
    read-only (every frame asks for the same)."""
    i = np.arange(k)
    j = (i + 1) % k
    return _read_only(np.concatenate([np.stack([i, k + i, k + j], 1), np.stack([i, k + j, j], 1)]).astype(np.int32))


@functools.lru_cache(maxsize=8)
def rings_tris(k: int, rings: int) -> np.ndarray:
    """[2K(R-1),3] int32 triangles of bands between R consecutive K-vertex rings (ring r's
    vertices at r*K..r*K+K-1); cached, read-only."""
    return _read_only(np.concatenate([band_tris(k) + r * k for r in range(rings - 1)]).astype(np.int32))


def _read_only(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False   # shared by every caller (lru_cache)
    return a


def oval_inner(vertices: np.ndarray) -> np.ndarray:
    """[N,3] face vertices -> [K,3] float64: the mean of each oval vertex's OVAL_INNER neighbours,
    the same values as a per-group mean(0) (added in order, divided by the count) without its
    Python loop of K means (~0.3 ms a frame for the head proxy's inner ring)."""
    v = np.asarray(vertices, np.float64)
    s = v[_INNER_IDX[:, 0]]
    for j in range(1, _INNER_IDX.shape[1]):
        s = np.where(_INNER_N[:, None] > j, s + v[_INNER_IDX[:, j]], s)
    return s / _INNER_N[:, None]


def _affine(verts: np.ndarray, tris: np.ndarray, src: np.ndarray):
    """([T,2,2] float64 affine map of each triangle from src [N,2] (photo) to verts [N,>=2]
    (target), [T] bool: its source triangle is not degenerate (the map is defined))."""
    b = np.asarray(verts, np.float64)[tris][..., :2]
    B = np.stack([b[:, 1] - b[:, 0], b[:, 2] - b[:, 0]], 2)
    inverse, ok = _source_inverse(np.asarray(src, np.float64)[tris])
    return B @ inverse, ok


#: the last few (source triangles' bytes -> (inverse, ok)), most recent last: one per face of a
#: frame loop with several faces (a single entry was replaced at every face, every step)
_SOURCE_INVERSE: collections.OrderedDict = collections.OrderedDict()
_SOURCE_INVERSE_KEEP = 8
_SOURCE_INVERSE_LOCK = threading.Lock()


def _source_inverse(a: np.ndarray):
    """a [T,3,2] float64 source triangles -> ([T,2,2] inverse of each one's edge matrix (the
    identity's where degenerate), [T] bool not degenerate), read-only. Recent results are kept:
    a frame loop's ring reads the photo at the same positions step after step (only its target
    moves), and the determinants and inverses were half of stretch_weights' maps."""
    key = a.tobytes()
    with _SOURCE_INVERSE_LOCK:
        kept = _SOURCE_INVERSE.get(key)
        if kept is not None:
            _SOURCE_INVERSE.move_to_end(key)
            return kept
    A = np.stack([a[:, 1] - a[:, 0], a[:, 2] - a[:, 0]], 2)       # [T,2,2], edges as columns
    ok = np.abs(np.linalg.det(A)) > 1e-9
    inverse = np.linalg.inv(np.where(ok[:, None, None], A, np.eye(2)))
    inverse.flags.writeable = ok.flags.writeable = False
    with _SOURCE_INVERSE_LOCK:
        _SOURCE_INVERSE[key] = (inverse, ok)
        while len(_SOURCE_INVERSE) > _SOURCE_INVERSE_KEEP:
            _SOURCE_INVERSE.popitem(last=False)
    return inverse, ok


def stretch(verts: np.ndarray, tris: np.ndarray, src: np.ndarray) -> np.ndarray:
    """[T] float64 how many times larger each triangle is drawn than the photo shows it: the largest
    singular value of its affine map from src [N,2] (photo) to verts [N,>=2] (target); inf where
    the source triangle is degenerate (a line or a point read out over an area)."""
    return _largest_singular(*_affine(verts, tris, src))


def _largest_singular(m: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """stretch of _affine's maps m [T,2,2] (inf where not ok)."""
    # a 2x2 map's largest singular value: sqrt((F + sqrt(F^2 - 4 det^2)) / 2), F its squared norm
    fro = (m * m).sum((1, 2))
    det_m = np.linalg.det(m)
    top = np.sqrt(0.5 * (fro + np.sqrt(np.maximum(fro * fro - 4.0 * det_m * det_m, 0.0))))
    return np.where(ok, top, np.inf)


def area_stretch(verts: np.ndarray, tris: np.ndarray, src: np.ndarray) -> np.ndarray:
    """[T] float64 how many times more area each triangle covers drawn (verts [N,>=2], target) than
    in the photo (src [N,2]): |det| of its affine map, the photo pixels each drawn pixel has
    fewer of; inf where the source triangle is degenerate. A shear (one ring sliding along the
    next) keeps it at 1 however far the largest singular value (stretch) goes."""
    return _area(*_affine(verts, tris, src))


def _area(m: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """area_stretch of _affine's maps m [T,2,2] (inf where not ok)."""
    return np.where(ok, np.abs(np.linalg.det(m)), np.inf)


def band_triangles(n_verts: int) -> np.ndarray:
    """The triangles of a ring band with n_verts vertices (ring_band's: the head proxy's rings or
    the plain band) that draw photo texture around the face: the proxy's first band, between the
    face's own vertices inside the oval and the oval, lies under the face and is left out."""
    k = len(FACE_OVAL)
    if n_verts == PROXY_RINGS * k:
        return rings_tris(k, PROXY_RINGS)[2 * k:]
    return band_tris(k)


@functools.lru_cache(maxsize=4)
def _barycentric_grid(n: int) -> np.ndarray:
    """[P,3] float64 barycentric weights of a triangle's grid of n steps per edge."""
    i, j = np.meshgrid(np.arange(n + 1), np.arange(n + 1))
    keep = i + j <= n
    return _read_only(np.stack([i[keep], j[keep], n - i[keep] - j[keep]], 1) / n)


class PhotoRegion:
    """A region of the photo, rasterised ([h,w] uint8 mask from pixel lo (x, y)), that band
    triangles are tested against."""

    def __init__(self, lo: np.ndarray, mask: np.ndarray):
        self.lo, self.mask = lo, mask

    def over(self, lo, shape) -> np.ndarray:
        """[h,w] bool: the region over the h x w (shape) box of photo pixels from lo (x, y)."""
        out = np.zeros(tuple(int(n) for n in shape), bool)
        a = np.maximum(np.asarray(lo, int), self.lo)
        b = np.minimum(np.asarray(lo, int) + (int(shape[1]), int(shape[0])), self.lo + self.mask.shape[::-1])
        if (b > a).all():
            out[a[1] - lo[1]:b[1] - lo[1], a[0] - lo[0]:b[0] - lo[0]] = \
                self.mask[a[1] - self.lo[1]:b[1] - self.lo[1], a[0] - self.lo[0]:b[0] - self.lo[0]] > 0
        return out

    def share(self, src: np.ndarray, tris: np.ndarray, n: int = 8) -> np.ndarray:
        """[T] float64: the share of each triangle (src [N,2] photo positions, tris [T,3]) that
        reads the region, on a barycentric grid of n steps per edge (thin triangles included)."""
        pts = _barycentric_grid(n) @ np.asarray(src, np.float64)[tris] - self.lo   # [T,P,2]; matmul: per frame
        xy = np.round(pts).astype(int)
        h, w = self.mask.shape
        inside = (xy[..., 0] >= 0) & (xy[..., 0] < w) & (xy[..., 1] >= 0) & (xy[..., 1] < h)
        hit = np.zeros(inside.shape, bool)
        hit[inside] = self.mask[xy[..., 1][inside], xy[..., 0][inside]] > 0
        return hit.mean(1)


class FeatureMask:
    """Where in the photo a band triangle must not read what it draws: the face's features
    (FEATURES: eyes, brows, lips), each landmark group's convex hull grown by FEATURE_MARGIN of
    the oval's radius (touches), and the face itself, which hides the head proxy's far side on a
    turned head (hidden), and how far a turn brings that side out (revealed). src_vertices: the
    source face's [468,3] (or [468,2]) vertices in photo pixels."""

    def __init__(self, src_vertices: np.ndarray):
        v = np.asarray(src_vertices, np.float64)[:, :2]
        oval = v[list(FACE_OVAL)]
        radius = oval_radius(v)
        grow = FEATURE_MARGIN * radius
        pts = np.concatenate([v[list(g)] for g in FEATURES])
        lo = np.floor(pts.min(0) - grow).astype(int) - 1
        size = np.ceil(pts.max(0) + grow).astype(int) + 2 - lo
        mask = np.zeros((int(size[1]), int(size[0])), np.uint8)
        for g in FEATURES:
            hull = cv2.convexHull(np.round(v[list(g)] - lo).astype(np.int32))
            cv2.fillConvexPoly(mask, hull, 1)
        r = max(int(np.ceil(grow)), 1)
        self.features = PhotoRegion(lo, cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))))
        lo = np.floor(v.min(0)).astype(int) - 1
        size = np.ceil(v.max(0)).astype(int) + 2 - lo
        mask = np.zeros((int(size[1]), int(size[0])), np.uint8)
        cv2.fillConvexPoly(mask, cv2.convexHull(np.round(v - lo).astype(np.int32)), 1)
        r = max(int(np.ceil(HIDDEN_MARGIN * radius)), 1)
        self.oval, self.radius = oval, float(radius)
        self.face = PhotoRegion(lo, cv2.erode(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))))
        self._hidden = {}   # the last HIDDEN_KEPT results of hidden, by key

    def touches(self, src: np.ndarray, tris: np.ndarray, n: int = 8) -> np.ndarray:
        """[T] bool: does each triangle (src [N,2] photo positions, tris [T,3]) read a feature?"""
        return self.features.share(src, tris, n) > 0

    def hidden(self, src: np.ndarray, tris: np.ndarray, n: int = 8) -> np.ndarray:
        """[T] float64 (read-only): the share of each triangle that reads the face (the convex
        hull of its vertices, HIDDEN_MARGIN inside it): a band triangle beyond the oval that lies
        there in the photo is behind the face, which the photo shows in its place. The last result
        is kept: a frame loop's ring reads the photo at the same positions step after step
        (~0.4 ms a step)."""
        key = (np.asarray(src, np.float64).tobytes(), np.asarray(tris).tobytes(), n)
        share = self._hidden.get(key)
        if share is None:
            share = self.face.share(src, tris, n)
            share.flags.writeable = False
            if len(self._hidden) >= HIDDEN_KEPT:   # (stretch_weights asks for two sets a step)
                del self._hidden[next(iter(self._hidden))]
            self._hidden[key] = share
        return share

    def revealed(self, verts: np.ndarray, src: np.ndarray, tris: np.ndarray) -> np.ndarray:
        """[T] float64: how far (oval radii) a turn brings each triangle (tris [T,3]) of the head
        proxy's band out from behind the face: the largest drop, over its vertices, of the distance
        inside the oval's convex hull, from the photo (src [N,2] in the photo's oval) to the target
        (verts [N,>=2] in the target's oval, the band's second ring); < 0: hidden deeper."""
        k = len(FACE_OVAL)
        used, inv = np.unique(tris, return_inverse=True)
        depth = [_inside(self.oval, np.asarray(src, np.float64)[used]),
                 _inside(np.asarray(verts, np.float64)[k:2 * k, :2], np.asarray(verts, np.float64)[used, :2])]
        return ((depth[0] - depth[1])[inv.reshape(tris.shape)]).max(1) / self.radius


def _inside(polygon: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """[P] float64 how far (px) pts [P,2] lie inside the convex hull of polygon [M,2]: the least,
    over the hull's edges, signed distance to the edge's line (inside: the distance to the
    border; < 0 outside); continuous in both."""
    h = cv2.convexHull(np.asarray(polygon, np.float32))[:, 0].astype(np.float64)
    e = np.roll(h, -1, 0) - h
    length = np.linalg.norm(e, axis=1)
    keep = length > 1e-9
    h, e, length = h[keep], e[keep], length[keep]
    n = np.stack([-e[:, 1], e[:, 0]], 1) / length[:, None]
    n *= np.sign(((h.mean(0) - h) * n).sum(1))[:, None]   # inwards: the hull's centroid lies inside
    return ((np.asarray(pts, np.float64)[:, None] - h) * n).sum(2).min(1)


def ramp(x: np.ndarray, lo_hi) -> np.ndarray:
    """0 below lo_hi[0], 1 above lo_hi[1], linear between."""
    return np.clip((x - lo_hi[0]) / (lo_hi[1] - lo_hi[0]), 0.0, 1.0)


@functools.lru_cache(maxsize=4)
def weighed_triangles(n_verts: int) -> np.ndarray:
    """band_triangles(n_verts) as stretch_weights measures them: each of the head proxy's two
    bands beyond its silhouette (to the fringe, FRINGE, and on to the outer ring) as the triangle
    of the band from the silhouette straight to the outer ring it lies in; cached, read-only. The
    fringe keeps the strands beside the hair from stretching and so crowds the stretch into the
    background beyond them: measured alone, that band was filled where the band as a whole was
    not (Image_with_alpha.png at +25: the tuft of hair beside his temple cut off by a grey fill in
    ragged triangles)."""
    tris = band_triangles(n_verts)
    if n_verts != PROXY_RINGS * len(FACE_OVAL):
        return tris
    k = len(FACE_OVAL)
    whole = band_tris(k)
    whole = np.where(whole < k, whole + SILHOUETTE_RING * k, whole + (PROXY_RINGS - 2) * k)
    out = np.array(tris)
    out[outer_band(n_verts)] = np.tile(whole, (PROXY_RINGS - 1 - SILHOUETTE_RING, 1))
    return _read_only(out.astype(np.int32))


def stretch_weights(verts: np.ndarray, src: np.ndarray, features: FeatureMask | None = None) -> np.ndarray:
    """[T] float64 in [0,1] for band_triangles(len(verts)): how much each is to be filled for being
    drawn over more than STRETCH_FILL[0] times the area the photo shows it in (area_stretch), or
    more than FEATURE_STRETCH[0] times larger (stretch) where it reads one of the face's
    features, or for lying behind the face in the photo as far as the turn brings it out
    (HIDDEN_FILL x REVEAL_FILL: the head proxy's band only) (features: the source's FeatureMask;
    None: neither tested). The head proxy's two bands beyond its silhouette, by the fringe to the
    outer ring, are measured as one (weighed_triangles). verts [N,3] target, src [N,2] photo
    positions, as ring_band gives them."""
    tris = weighed_triangles(len(verts))
    maps = _affine(verts, tris, src)   # per frame: both measures from one set of maps
    s = _largest_singular(*maps)
    w = ramp(_area(*maps), STRETCH_FILL)
    if features is not None:
        near = ramp(s, FEATURE_STRETCH)
        check = (near > w)
        if check.any():
            w[check] = np.maximum(w[check], near[check] * features.touches(src, tris[check]))
        if len(verts) == PROXY_RINGS * len(FACE_OVAL):   # the head proxy's far side, behind the face
            # what lies behind the face: the bands beyond the silhouette as drawn too (a sliver of
            # the fringe's along the silhouette can, where the band as a whole does not); how far
            # the turn brings it out: the band's as a whole
            for t in (tris, band_triangles(len(verts))):
                behind = ramp(features.hidden(src, t), HIDDEN_FILL)
                hot = np.flatnonzero(behind > w)
                if hot.size:
                    out = ramp(features.revealed(verts, src, tris[hot]), REVEAL_FILL)
                    w[hot] = np.maximum(w[hot], behind[hot] * out)
    return w


def stretch_fill(verts: np.ndarray, src: np.ndarray, lo, shape, weights: np.ndarray | None = None,
                 features: FeatureMask | None = None) -> np.ndarray | None:
    """[h,w] float32 in [0,1] (shape (h, w)): how much of each texel of a box of photo pixels from
    lo (x, y) is to be filled, each band triangle's stretch_weights (given, or worked out from
    verts, src and features) drawn where it reads the photo; None where no triangle is."""
    w = stretch_weights(verts, src, features) if weights is None else weights
    hot = np.flatnonzero(w > 0)
    if hot.size == 0:
        return None
    tris = band_triangles(len(verts))
    out = np.zeros(tuple(int(n) for n in shape), np.float32)
    shift = 4   # cv2's fixed point: sub-texel vertices
    pts = np.round((np.asarray(src, np.float64) - np.asarray(lo, np.float64)) * (1 << shift)).astype(np.int32)
    for t in hot[np.argsort(w[hot])]:   # the most stretched last: a texel shared by two keeps the larger
        cv2.fillPoly(out, [pts[tris[t]]], float(w[t]), lineType=cv2.LINE_AA, shift=shift)
    # bilinear reads reach a texel beyond the triangle; the blur keeps the fill's edge soft
    out = cv2.dilate(out, np.ones((3, 3), np.uint8))
    return np.clip(cv2.GaussianBlur(out, (0, 0), STRETCH_BLUR), 0.0, 1.0)


def head_proxy(shape: np.ndarray, scales=PROXY_SCALES, silhouette: np.ndarray | None = None,
               view: np.ndarray | None = None) -> np.ndarray:
    """[468,3] canonical-frame shape (cm) -> [R,K,3] canonical rings of the head proxy beyond its
    face oval: ring r is the oval scaled about its centre in x, y by scales[r] (silhouette: None,
    or [K] the last ring's scale per oval vertex, silhouette_scales'; the rings between keep their
    share of the way to it); its depth follows
    the face's own surface out of the oval (same slope there: no crease where face and proxy
    meet, which drew an arc over the forehead) and curves back to edge-on at the last ring, the
    silhouette, which lies in the head's mid-depth plane (HEAD_MID_CM behind the oval's sides).
    The profile, t = 0 at the oval and 1 at the silhouette: depth = mid * (1 - (1 - t)^p).
    view: None (the head seen from the front), or the [3,3] rotation a photo sees the head at
    (the source's Pose.rotation): the same construction as that view sees the face, turned back
    into the canonical frame: each ring out along the view's own radial direction (as far as the
    frontal ring reaches that way), the profile along its line of sight, edge-on to it at the
    silhouette in the mid-depth plane through the head's centre as that view sees it. All that
    the photo shows from the oval out to the outline then lies on the proxy's front side."""
    s = np.asarray(shape, np.float64)
    o = s[list(FACE_OVAL)]
    inner = oval_inner(s)
    c = o[:, :2].mean(0)
    radial = o[:, :2] - c
    r_o = np.linalg.norm(radial, axis=1) + 1e-9
    last = np.full(len(o), float(scales[-1])) if silhouette is None else np.asarray(silhouette, np.float64)
    t = [(sc - 1.0) / (scales[-1] - 1.0) for sc in scales]
    out = np.empty((len(scales), len(o), 3))
    for r, tr in enumerate(t):
        out[r, :, :2] = c + (1.0 + tr * (last - 1.0))[:, None] * radial
    centre = np.array([*c, o[:, 2].max() + HEAD_MID_CM])    # on the head's mid-depth plane
    out[..., 2] = profile(out, o, inner, t, centre[2])
    if view is None:
        return out
    rot = np.asarray(view, np.float64)
    out, o, inner, centre = out @ rot.T, o @ rot.T, inner @ rot.T, centre @ rot.T
    c = o[:, :2].mean(0)
    radial = o[:, :2] - c
    r_o = np.linalg.norm(radial, axis=1) + 1e-9
    u = radial / r_o[:, None]
    for r, tr in enumerate(t):
        far = np.maximum(((out[r, :, :2] - c) * u).sum(1), (1.0 + tr * (last - 1.0)) * r_o)
        out[r, :, :2] = c + far[:, None] * u
    out[..., 2] = profile(out, o, inner, t, centre[2])
    return out @ rot


def profile(rings: np.ndarray, o: np.ndarray, inner: np.ndarray, t, mid_depth: float) -> np.ndarray:
    """head_proxy's depths of its rings [R,K,3] (x, y across a view; z, its depth, not read) over
    the oval o [K,3] and the face's vertices next to it inner [K,3] (OVAL_INNER), at shares t [R]
    of the way to the last ring, the silhouette, at depth mid_depth -> [R,K]: the face's own
    slope at the oval, outwards, continued (d/dt of mid * (1 - (1 - t)^p) at t = 0 is p * mid,
    which must be slope * reach) up to edge-on at the silhouette."""
    toward = rings[-1, :, :2] - o[:, :2]
    reach = np.linalg.norm(toward, axis=1) + 1e-9
    dr = np.maximum(((o[:, :2] - inner[:, :2]) * toward / reach[:, None]).sum(1), 1e-3)
    slope = np.maximum(o[:, 2] - inner[:, 2], 0.0) / dr      # depth gained per cm, outwards
    mid = np.maximum(mid_depth - o[:, 2], 0.1)                # depth to the silhouette
    p = np.clip(slope * reach / mid, P_MIN, P_MAX)
    return np.stack([o[:, 2] + mid * (1.0 - (1.0 - tr) ** p) for tr in t])


def silhouette_scales(image: np.ndarray, src_vertices: np.ndarray, shape: np.ndarray, pose, colours=None) -> np.ndarray:
    """The head proxy's silhouette sized to the photo's hair: image [H,W,3] uint8, the face's
    [468,3] vertices in it, its canonical shape [468,3] and Pose -> [K] float64, the last ring's
    scale per oval vertex for head_proxy. Rays from each oval vertex out to SILHOUETTE_GROW times
    the default silhouette's (PROXY_SCALES[-1], posed) distance from the oval's centre: where the
    head's hair (poce_rt.hair.hair_reach) starts inside the default silhouette and runs on past
    it, the silhouette moves out to its end, by the photo's distances; never inwards. Above the
    forehead (BACKDROP_ROWS_CM) also to where the head stops being unlike the backdrop
    (poce_rt.hair.backdrop_reach) or, where colours hold the person segmenter's map (a group
    photo), to where it stops seeing a person (poce_rt.hair.person_reach), the furthest of them;
    on a group photo, below the forehead too to the segmenter's reach (side_reach). Only above the jaw
    (HAIR_ROWS_CM), on a head near frontal (SILHOUETTE_YAW_DEG) or over a forehead whose skin the
    photo shows running on well past the oval (FOREHEAD_SKIN), smoothed along the ring
    (SILHOUETTE_SMOOTH). colours: the photo's poce_rt.hair.photo_colours when the caller has them
    (None: read here). Once per source: a few ms."""
    from .fit import pose_vertices
    from .hair import backdrop_reach, hair_reach, person_reach, photo_colours

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
    colours = photo_colours(image, oval) if colours is None else colours
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
    -> [K] float64: where the first sample that is not skin (hair.skin_distance past the middle
    of SKIN_D: the hairline's mix counts as hair) lies; the ray's full length where all are skin.
    image [H,W,3] uint8, skin as hair_like's. silhouette_scales' FOREHEAD_SKIN."""
    from .hair import SKIN_D, ray_samples, skin_distance

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
    from .hair import HAIR_D, HAIR_SPREAD_MIN, PERSON_ON, ray_points, ray_samples, robust_colour, run_end

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
    own things (poce_rt.hair.fringe_reach, FRINGE_GAP x the oval's mean radius short, no further
    than its FRINGE_SPAN neighbours); only where the head reaches the silhouette (FRINGE_HAIR of
    the proxy's last band unlike the backdrop, poce_rt.hair.hair_at) and above the jaw
    (HAIR_ROWS_CM, as the silhouette's growth: beside the jaw and the neck lie a collar,
    shoulders, a neighbour's arm, which do not turn with the head). image
    [H,W,3] uint8, the face's [468,3] vertices in it, its canonical shape and Pose; colours as
    silhouette_scales'. Once per source: ~1 ms."""
    from .fit import pose_vertices
    from .hair import fringe_reach, hair_at

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
    return rows * np.minimum(reach, FRINGE[1]) * np.linalg.norm(outer - rim, axis=1)


def face_colours(image: np.ndarray, src_vertices: np.ndarray):
    """poce_rt.hair.photo_colours of the face with these [468,3] vertices in image [H,W,3] uint8
    (its skin read inside its FACE_OVAL): silhouette_scales' and skin_strip's, once per source."""
    from .hair import photo_colours

    return photo_colours(image, np.asarray(src_vertices, np.float64)[list(FACE_OVAL), :2])


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
    STRIP_MAX of the oval's mean radius that is hair (poce_rt.hair.hair_like >= 0.5, read on the
    photo's own skin and backdrop), of the hair's own colour where some is (poce_rt.hair.own_hair:
    past the hair/skin mix at its edge, which the oval ring drew as a pale rim under the face's
    feathered border, 15-f13-anc-ph.jpg at +25; else the read starts on the mix); 0 where
    no hair is found (a neck, an ear, a backdrop). colours: as silhouette_scales'. Once per
    source: ~1 ms."""
    from .hair import hair_like, lab, own_hair, photo_colours

    image = np.asarray(image)
    oval, steps, px, inside = _past_oval(image, src_vertices, 1, STRIP_MAX)
    colours = photo_colours(image, oval) if colours is None else colours
    px = lab(px)
    hair = (hair_like(px, colours.skin, colours.backdrop) >= 0.5) & inside
    if colours.hair is not None:   # past the hair's mix with the skin where the hair itself follows
        own = hair & own_hair(px, colours.hair)
        hair = np.where(own.any(1, keepdims=True), own, hair)
    first = np.argmax(hair, axis=1)
    return np.where(hair.any(1), steps[first].astype(np.float64), 0.0)


def edge_overshoot(image: np.ndarray, src_vertices: np.ndarray) -> np.ndarray:
    """[K] float64 photo pixels: how far each face oval vertex lies outside the head's edge in
    image [H,W,3] uint8 (the face's [468,3] vertices in it), module comment at OVERSHOOT_MAX: the
    pixels from the vertex inwards along the ray from the oval's centre that are like what lies
    beyond it, plus the one of the edge's mix; 0 where the vertex is not like what lies beyond,
    where the photo inside is like it too (no edge), or where the ray leaves the photo. Once per
    source: < 1 ms."""
    from .hair import lab

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
    or, the larger of the two, that are not the face's skin (hair.skin_distance from the middle
    of SKIN_D: a greyscale photo's grey backdrop can be as near the skin as its skin's spread);
    pixels beyond the photo are neither: ~1 where the photo sees the face's outline against what
    lies behind the head, 0 beside an ear, a neck, more of the cheek. image [H,W,3] uint8, the
    face's [468,3] vertices in it; colours: as silhouette_scales'. Once per source: < 1 ms."""
    from .hair import SKIN_D, lab, photo_colours, skin_distance

    image = np.asarray(image)
    oval, _, px, inside = _past_oval(image, src_vertices, BESIDE_SKIP_PX, BESIDE_REACH)
    colours = photo_colours(image, oval) if colours is None else colours
    backdrop = (backdrop_like(px, colours.backdrop) >= 0.5) & inside
    not_skin = (skin_distance(lab(px), colours.skin) >= np.mean(SKIN_D)) & inside
    return np.maximum(backdrop.mean(1), not_skin.mean(1)).astype(np.float64)


def proxy_measures(image: np.ndarray, face, colours=None) -> tuple:
    """What the head proxy reads from the photo about a face (its [468,3] vertices, canonical shape
    and Pose: a tracker Face), once per source, in HeadProxy's (and proxy_mesh's) argument order:
    (silhouette [K] silhouette_scales', strip [K] skin_strip's, or less edge_overshoot's where
    that is 0 (the oval past the head's edge: negative), beside [K] backdrop_beside's, fringe [K]
    fringe_widths', hang [K] hanging_hair's). image [H,W,3] uint8; colours: face_colours' (None:
    read here)."""
    colours = face_colours(image, face.vertices) if colours is None else colours
    sil = silhouette_scales(image, face.vertices, face.shape, face.pose, colours)
    strip = skin_strip(image, face.vertices, colours)
    strip = np.where(strip > 0, strip, -edge_overshoot(image, face.vertices))
    return (sil, strip, backdrop_beside(image, face.vertices, colours),
            fringe_widths(image, face.vertices, face.shape, face.pose, sil, colours),
            hanging_hair(image, face.vertices, face.shape, face.pose, sil, colours))


def proxy_mesh(src_vertices, dst_vertices, shape, src_pose, dst_pose, distance_cm: float = CAMERA_DISTANCE_CM,
               silhouette: np.ndarray | None = None, strip: np.ndarray | None = None,
               beside: np.ndarray | None = None, fringe: np.ndarray | None = None,
               hang: np.ndarray | None = None):
    """The band with the head proxy, ring by ring: the face's own vertices next to its oval
    (OVAL_INNER), the oval, both moving with the face; the proxy rings (posed through the camera
    of poce_rt.camera, distance_cm from the head, like the face; silhouette: head_proxy's, None
    for PROXY_SCALES); the outer ring (fixed), PROXY_REACH - PROXY_SCALES[-1] beyond the silhouette.
    strip: None, or [K] skin_strip's: on the side the turn reveals, the oval ring reads the photo
    that far out, past the skin strip beside the oval (REVEAL_MOVE); negative (proxy_measures:
    edge_overshoot's), that far in, past the backdrop between the oval and the head's edge, with
    the ring inside the oval under the face's border (under_border). beside: None, or [K]
    backdrop_beside's: on a side seen edge-on that the turn widens, where the photo shows what lies
    behind the head beside the oval, the proxy's rings are drawn at the photo's own offsets from
    the moved oval (BESIDE_SHARE), less the strip past the oval that is the face itself on a side
    seen edge-on (BEHIND_FACE). fringe: None, or [K] fringe_widths': the hair's fringe ring
    between the silhouette and the outer ring (FRINGE). hang: None, or [K] hanging_hair's: the
    outer ring that many pixels further down the photo, along hanging hair. proxy_measures reads
    all five.
    The ring inside the oval lies under the face's feathered border: there the face is blended
    with what lies under it, which must be the face's own surface warped the same way, not the
    photo's unmoved forehead (that drew a bright arc along the border of a turned face).
    Returns verts [PROXY_RINGS*K,3] float32 (target positions, depth for the depth test), tris,
    src [PROXY_RINGS*K,2] (where each vertex reads the photo). HeadProxy works out the source's
    side once for many targets."""
    return HeadProxy(src_vertices, shape, src_pose, distance_cm, silhouette, strip, beside,
                     fringe, hang).mesh(dst_vertices, dst_pose)


class HeadProxy:
    """proxy_mesh of one source face (its arguments but the target's), the source's side (the
    proxy's rings, frontal and as the photo saw them) worked out once: a frame loop draws it
    every step (rings_at blends them per step, by how the turn faces each oval vertex)."""

    def __init__(self, src_vertices, shape, src_pose, distance_cm: float = CAMERA_DISTANCE_CM,
                 silhouette: np.ndarray | None = None, strip: np.ndarray | None = None,
                 beside: np.ndarray | None = None, fringe: np.ndarray | None = None,
                 hang: np.ndarray | None = None):
        from .fit import pose_vertices

        sv = np.asarray(src_vertices, np.float64)
        self.src_pose, self.distance_cm = src_pose, distance_cm
        self.p = p = sv[list(FACE_OVAL)]
        self.p_in = oval_inner(sv)
        self.rings = rings = head_proxy(shape, silhouette=silhouette)
        self.chord, self.normal = chord_rings(rings), outer_normals(rings)
        self.seen = head_proxy(shape, silhouette=silhouette, view=src_pose.rotation)
        self.facing = facing(self.normal, src_pose)
        # [R*K,1]: how far each ring vertex turns with the pose (the rings stacked as mesh() poses them)
        self.turn = np.clip((NECK_CM[1] - rings[..., 1:2]) / (NECK_CM[1] - NECK_CM[0]), 0.0, 1.0).reshape(-1, 1)
        # [K] how far the rings may follow the oval by how far the silhouette turns (BESIDE_NECK)
        self.neck_follow = ramp(self.turn.reshape(len(rings), -1)[-1], (0.0, BESIDE_NECK))
        self.c = c = p[:, :2].mean(0)
        self.r_src = np.linalg.norm(p[:, :2] - c, axis=1) + 1e-6
        self.sil = PROXY_SCALES[-1] if silhouette is None else np.asarray(silhouette, np.float64)
        self.strip = None if strip is None else np.asarray(strip, np.float64)
        # [K] how far each oval vertex's proxy follows the oval where the turn reveals its side
        self.beside = None if beside is None else ramp(np.asarray(beside, np.float64), BESIDE_SHARE)
        self.fringe = None if fringe is None else np.asarray(fringe, np.float64)
        # [K,2] px: the fixed outer ring's reach on down the photo along hanging hair (hanging_hair)
        self.hang = None if hang is None or not np.any(hang) else np.asarray(hang, np.float64)
        # the oval vertices whose inner ring folds out past them in the photo, with no hair
        # beyond them (skin_strip's 0): a face's edge seen edge-on against what lies beside the head;
        # and those past the head's edge (a negative strip: edge_overshoot's)
        folded = ((p[:, :2] - self.p_in[:, :2]) * (p[:, :2] - p[:, :2].mean(0))).sum(1) < 0
        self.bare = None if strip is None else ((folded & (self.strip <= 0)) | (self.strip < 0)).astype(float)
        self.oval_shape = np.asarray(shape, np.float64)[list(FACE_OVAL)]
        self.oval_seen = pose_vertices(self.oval_shape, src_pose)[:, :2].astype(np.float64)
        # [K] px: the strip past the oval that is the face itself, on a side seen edge-on (BEHIND_FACE)
        past = face_past_oval(sv)
        self.behind = past * ramp(past / oval_radius(sv), BEHIND_FACE)

    def mesh(self, dst_vertices, dst_pose):
        """-> proxy_mesh's (verts, tris, src) for the face's [468,3] vertices dst_vertices at dst_pose."""
        from .fit import pose_vertices

        dv = np.asarray(dst_vertices, np.float64)
        p, c, r_src, k = self.p, self.c, self.r_src, len(self.p)
        q = dv[list(FACE_OVAL)]
        q_in = oval_inner(dv)
        # the rings posed all at once (a row's values do not depend on the rows beside it): 3
        # calls a step where a ring at a time took 15
        turned = facing(self.normal, dst_pose)   # [K] each outer facet's cosine with the camera at the target
        rings = np.concatenate(self.rings_at(dst_pose, turned))
        src_all = pose_vertices(rings, self.src_pose).astype(np.float64)
        dst_all = src_all + self.turn * (pose_vertices(
            perspective_shape(rings, self.src_pose, dst_pose, self.distance_cm), dst_pose) - src_all)
        src_r, dst_r = np.split(src_all, len(self.rings)), np.split(dst_all, len(self.rings))
        # the outer ring stays outside everything that moves, or the band would fold over itself
        r_dst = np.max([np.linalg.norm(x[:, :2] - c, axis=1) for x in dst_r + src_r + [q]], axis=0)
        beyond = PROXY_REACH - PROXY_SCALES[-1]
        scale = np.maximum(self.sil + beyond, 1.12 * r_dst / r_src)[:, None]
        outer = c + scale * (p[:, :2] - c)
        if self.hang is not None:
            # down the photo, and across to below the silhouette by the share of the full reach:
            # the band's outer edge follows the hair down, not the backdrop beside it
            share = np.minimum(self.hang / (HANG_REACH * r_src.mean()), 1.0)
            outer = outer + np.column_stack([share * (src_r[-1][:, 0] - outer[:, 0]), self.hang])
        far = max(float(x[:, 2].max()) for x in dst_r + [q]) + 1.0
        if self.beside is not None and self.beside.any():
            # where the turn draws the band from the oval to the silhouette wider than the photo
            # shows it beside what lies behind the head, the proxy's rings (2 .. SILHOUETTE_RING)
            # are drawn only as far out from the moved oval as the photo shows them (all by one
            # factor per oval vertex: their order kept), on a side the photo sees edge-on
            # (BESIDE_EDGE_ON) that turns towards the camera (BESIDE_TOWARD); the fringe ring
            # follows the silhouette so drawn (fringe_ring: no further beyond it than in the
            # photo), and the outer band takes the stretch
            seen = outward(src_r[-1], p)
            wide = outward(dst_r[-1], q) / np.maximum(seen, 1.0)
            edge_on = 1.0 - ramp(seen / ((self.sil - 1.0) * r_src.mean()), BESIDE_EDGE_ON)
            toward = ramp(turned - self.facing, BESIDE_TOWARD)
            beside = edge_on * toward * self.beside * self.neck_follow
            follow = ramp(wide, BESIDE_GROWTH) * beside
            if follow.any():
                keep = (1.0 - follow + follow / np.maximum(wide, 1.0))[:, None]
                dst_r = [np.column_stack([q[:, :2] + (x[:, :2] - q[:, :2]) * keep, x[:, 2]]) for x in dst_r]
            # ... less the strip of it that is the face itself, which the face's render draws
            # (BEHIND_FACE), widened or not by the turn; no more than the photo shows past the
            # oval (where the silhouette lies behind the face there, HIDDEN_FILL's case)
            pull = beside * np.minimum(self.behind, np.maximum(seen, 0.0))
            if pull.any():
                hot = (pull > 0)[:, None]
                dst_r = [np.column_stack([np.where(hot, q[:, :2] + shortened(x[:, :2] - q[:, :2], pull), x[:, :2]),
                                          x[:, 2]]) for x in dst_r]
        fringe_src, fringe_dst, share = fringe_ring(src_r[-1][:, :2], dst_r[-1][:, :2], outer, c, self.fringe)
        depth = dst_r[-1][:, 2] + share * (far - dst_r[-1][:, 2])
        verts = np.concatenate([q_in, q] + dst_r + [np.column_stack([fringe_dst, depth]),
                                                    np.column_stack([outer, np.full(k, far)])]).astype(np.float32)
        p_read, p_in = p[:, :2], self.p_in
        if self.strip is not None:
            # how far the turn moves each oval vertex out past the oval's mean move: the side it
            # reveals. The source's oval turned, not the target's: an expression moves the oval
            # too (an opening jaw drops the chin, which shifts the mean, so the far temple of
            # t1.jpg's profile face at x~906 read past its 'strip' into the far eye's lashes and
            # drew them again beside the eye), but uncovers nothing beside it.
            u = (p[:, :2] - c) / r_src[:, None]
            turned = pose_vertices(perspective_shape(self.oval_shape, self.src_pose, dst_pose, self.distance_cm),
                                   dst_pose)[:, :2] - self.oval_seen
            reveal = ramp(((turned - turned.mean(0)) * u).sum(1) / r_src.mean(), REVEAL_MOVE)
            p_read = p_read + (reveal * self.strip)[:, None] * u
            p_in, q_in = under_border(p, p_in, q, q_in, reveal * self.bare)
        verts[:k, :2] = q_in[:, :2]
        src = np.concatenate([p_in[:, :2], p_read] + [x[:, :2] for x in src_r] + [fringe_src, outer])
        return verts, rings_tris(k, PROXY_RINGS), src

    def rings_at(self, dst_pose, turned: np.ndarray | None = None) -> list:
        """The proxy's canonical rings ([K,3] each, head_proxy's order) drawn for a turn to
        dst_pose, per oval vertex: as the photo saw the head (head_proxy(view=)) where the outer
        facet turns away from the camera (BEND_AWAY), the frontal rings elsewhere with the bend
        rings (between CHORD_SCALES) on the chord of their neighbours. turned: [K] facing(normal,
        dst_pose) when the caller has it (None: worked out here)."""
        turned = facing(self.normal, dst_pose) if turned is None else turned
        w = ramp(self.facing - turned, BEND_AWAY)[:, None]
        return [(r if ch is None else ch) + w * (v - (r if ch is None else ch))
                for r, ch, v in zip(self.rings, self.chord, self.seen)]


def shortened(offset: np.ndarray, by: np.ndarray) -> np.ndarray:
    """[K,2] offsets each made `by` [K] shorter (pixels), none shorter than 0."""
    length = np.linalg.norm(offset, axis=1)
    return offset * (np.maximum(length - by, 0.0) / np.maximum(length, 1e-9))[:, None]


def outward(ring: np.ndarray, oval: np.ndarray) -> np.ndarray:
    """[K] float64: how far each vertex of a ring [K,>=2] lies out from the oval [K,>=2] (pixels),
    along the oval's outward normal at the vertex's oval vertex (its neighbours' chord turned
    away from the oval's centre); < 0 inside it."""
    o = np.asarray(oval, np.float64)[:, :2]
    return ((np.asarray(ring, np.float64)[:, :2] - o) * oval_normals(o)).sum(1)


def oval_normals(oval: np.ndarray) -> np.ndarray:
    """[K,2] float64 unit outward normals of an oval [K,>=2]: at each vertex its neighbours'
    chord turned away from the oval's centre."""
    o = np.asarray(oval, np.float64)[:, :2]
    chord = np.roll(o, -1, 0) - np.roll(o, 1, 0)
    n = np.stack([chord[:, 1], -chord[:, 0]], 1)
    n *= np.sign(((o - o.mean(0)) * n).sum(1) + 1e-12)[:, None]
    n /= np.linalg.norm(n, axis=1, keepdims=True) + 1e-12
    return n


def face_past_oval(vertices: np.ndarray) -> np.ndarray:
    """[K] float64: how far (pixels) the face itself reaches past each oval vertex in the photo,
    along the oval's outward normal (oval_normals) to the convex hull of its [468,>=2] vertices.
    A face seen frontally ends at its oval (0); seen edge-on, its far cheek bulges past the oval
    tracked on it, which then lies behind that cheek (Tom_Hanks_54745.png, yaw +18: 5.5-6.8 px
    of a 44 px oval radius beside the far cheek)."""
    v = np.asarray(vertices, np.float64)[:, :2]
    o = v[list(FACE_OVAL)]
    n = oval_normals(o)
    hull = cv2.convexHull(v.astype(np.float32)).reshape(-1, 2).astype(np.float64)
    a, b = hull, np.roll(hull, -1, 0)
    m = np.stack([(b - a)[:, 1], -(b - a)[:, 0]], 1)
    m *= np.sign(((a - hull.mean(0)) * m).sum(1) + 1e-12)[:, None]   # each edge's outward normal
    towards = n @ m.T                                      # [K,E]: the ray's approach to each edge
    room = ((a[None] - o[:, None]) * m[None]).sum(-1)      # [K,E]: >= 0, the oval lies inside the hull
    exit_at = np.where(towards > 1e-9, room / np.where(towards > 1e-9, towards, 1.0), np.inf)
    return np.clip(exit_at.min(1), 0.0, None)


def fringe_ring(sil_src: np.ndarray, sil_dst: np.ndarray, outer: np.ndarray, centre: np.ndarray, width=None):
    """The hair's fringe ring between the silhouette, at sil_src [K,2] in the photo and sil_dst
    [K,2] at the target, and the fixed outer ring outer [K,2] -> (src [K,2], dst [K,2], share [K]):
    width [K] (fringe_widths', photo pixels; None: none) out in the photo, as a share of the way
    to the outer ring, at least FRINGE[0]; at the target the same share of the way out, but no further
    beyond the silhouette than in the photo, measured outwards from centre [2] (the oval's, in
    the photo): where a turn moves the silhouette in, the strands go with it. (Outwards only: the
    top of the head slides along the outer ring, and carried along, the band's background bent
    the lines of a wall behind the head.)"""
    w_src, w_dst = outer - sil_src, outer - sil_dst
    l_src = np.linalg.norm(w_src, axis=1)
    share = np.clip((0.0 if width is None else np.asarray(width, np.float64)) / np.maximum(l_src, 1e-9), FRINGE[0], 1.0)
    u = outer - centre
    u /= np.maximum(np.linalg.norm(u, axis=1, keepdims=True), 1e-9)
    grow = (w_dst * u).sum(1) / np.maximum((w_src * u).sum(1), 1e-9)
    return sil_src + share[:, None] * w_src, sil_dst + (share / np.maximum(grow, 1.0))[:, None] * w_dst, share


def under_border(p: np.ndarray, p_in: np.ndarray, q: np.ndarray, q_in: np.ndarray, weight: np.ndarray):
    """The head proxy's innermost ring (OVAL_INNER's means) moved in towards INNER_MIN of the oval's
    mean radius inside the face oval, in the photo and at the target alike, by weight [K] in
    [0,1] per oval vertex (HeadProxy.mesh: where the turn reveals a side whose ring folds out
    past the oval in the photo with no hair beyond it). p, p_in [K,>=2]: the oval and that ring
    in the photo; q, q_in the same at the target -> (p_in, q_in) copies. The band between that
    ring and the oval lies under the face's feathered border, which must blend the face with
    its own surface. A face seen near edge-on folds there (Tom_Hanks_54745.png's far cheek, yaw
    +18: the ring lay 5 px outside the oval in the photo, and on the oval at -25): the band was
    empty, and the feather blended the face's edge with the photo's backdrop under it, a dark
    line between the face and the side of the head drawn beyond it. Where hair lies beyond the
    oval (a bob over the cheeks), it is what the feather blends with, as before."""
    p_in, q_in = np.array(p_in, np.float64), np.array(q_in, np.float64)
    w = np.asarray(weight, np.float64)
    if not w.any():
        return p_in, q_in
    for o, i in ((np.asarray(p, np.float64), p_in), (np.asarray(q, np.float64), q_in)):
        c = o[:, :2].mean(0)
        r = np.linalg.norm(o[:, :2] - c, axis=1) + 1e-9
        u = (o[:, :2] - c) / r[:, None]
        want = o[:, :2] - INNER_MIN * r.mean() * u
        short = ((o[:, :2] - i[:, :2]) * u).sum(1) < INNER_MIN * r.mean()
        i[short, :2] += w[short, None] * (want[short] - i[short, :2])
    return p_in, q_in


def chord_rings(rings: np.ndarray) -> list:
    """head_proxy's rings [R,K,3] (at PROXY_SCALES) -> [R] list: None for a ring at one of
    CHORD_SCALES, else [K,3] the ring on the straight line between its neighbours there (by its
    share of the way in scale)."""
    out = []
    for sc in PROXY_SCALES:
        if sc in CHORD_SCALES:
            out.append(None)
            continue
        lo = max(x for x in CHORD_SCALES if x < sc)
        hi = min(x for x in CHORD_SCALES if x > sc)
        a, b = rings[PROXY_SCALES.index(lo)], rings[PROXY_SCALES.index(hi)]
        out.append(a + (sc - lo) / (hi - lo) * (b - a))
    return out


def outer_normals(rings: np.ndarray) -> np.ndarray:
    """[R,K,3] canonical rings -> [K,3] unit normals of the proxy's outer facet (from the last
    ring of CHORD_SCALES before the silhouette to the silhouette) at each oval vertex, outwards
    (away from the head: their x, y along the way out)."""
    a, b = rings[PROXY_SCALES.index(CHORD_SCALES[-2])], rings[-1]
    along = np.roll(a, -1, axis=0) - np.roll(a, 1, axis=0) + np.roll(b, -1, axis=0) - np.roll(b, 1, axis=0)
    n = np.cross(b - a, along)
    n *= np.sign(((n[:, :2] * (b - a)[:, :2]).sum(1) + 1e-12))[:, None]
    return n / (np.linalg.norm(n, axis=1, keepdims=True) + 1e-12)


def facing(normals: np.ndarray, pose) -> np.ndarray:
    """[K,3] canonical unit normals -> [K] their cosine with the direction towards the camera at
    `pose` (depth grows away from it: the camera lies along -z of the camera frame)."""
    return -(normals @ pose.rotation.T)[:, 2]


def ring_band(src_vertices: np.ndarray, dst_vertices: np.ndarray, height: int, width: int,
              reach: float = REACH, proxy=None):
    """The band of the ring warp for a move of the face, or None when the oval does not move (or
    the band misses the frame). src_vertices / dst_vertices: the face's [468,3] vertices in the
    photo and at the target. proxy: None (the band between the oval and a fixed ring), or
    (source shape [468,3] canonical, source Pose, target Pose[, camera distance cm[, silhouette
    [K] (silhouette_scales')[, strip [K] (skin_strip's)[, beside [K] (backdrop_beside's)[, fringe [K]
    (fringe_widths')[, hang [K] (hanging_hair's)]]]]]]) for the head proxy's rings, or
    (HeadProxy, target Pose): the same with the source's side worked out once.
    Returns (verts [NK,3] float32 target positions, tris [M,3] int32, src [NK,2] float64 where
    each vertex reads the photo, (x0, y0, x1, y1) the frame pixels it covers)."""
    src_oval = np.asarray(src_vertices, np.float64)[list(FACE_OVAL), :2]
    dst_oval = np.asarray(dst_vertices, np.float64)[list(FACE_OVAL), :2]
    if not (np.isfinite(src_oval).all() and np.isfinite(dst_oval).all()):
        raise ValueError("vertices contain NaN or inf")
    if np.abs(dst_oval - src_oval).max() < MIN_MOVE_PX:
        return None
    if proxy is not None and isinstance(proxy[0], HeadProxy):
        verts, tris, src = proxy[0].mesh(dst_vertices, proxy[1])
    elif proxy is not None:
        verts, tris, src = proxy_mesh(src_vertices, dst_vertices, *proxy)
    else:
        verts, tris, src = surround_mesh(src_oval, dst_oval, reach)
    if np.ceil((src.max(0) - src.min(0)).max()) + 6 > 4 * max(height, width):
        raise ValueError("face oval is far larger than the image")
    # Only the band's bounding box is drawn: the band is a small part of the frame, and render and
    # composite cost per output pixel.
    x0, y0 = np.maximum(np.floor(verts[:, :2].min(0)).astype(int) - 1, 0)
    x1, y1 = np.minimum(np.ceil(verts[:, :2].max(0)).astype(int) + 1, (width, height))
    if x1 <= x0 or y1 <= y0:
        return None
    return verts, tris, src, (int(x0), int(y0), int(x1), int(y1))


def photo_texture(image: np.ndarray, lo, side: int, stretched=None, backdrop: np.ndarray | None = None,
                  features: FeatureMask | None = None):
    """The ring's texture: photo pixels lo..lo+side (x, y) of image [H,W,3] uint8 as a square
    [side,side,3] float32 texture in [0,1] (render needs a square one), and known [side,side]
    float32 (1 on the photo's pixels but its outermost row and column on each side). Where the
    square leaves the photo (a face cut by the border: the head proxy's rings read beyond it) and
    on that outermost pixel, whose bilinear reads would be clamped to the edge, its texels are
    unknown and filled by push-pull from the photo around them: a smooth continuation, never the
    edge pixels stretched into streaks (edge replication drew an arc of them where a turn
    brought that part into view). Only pixels the ring moves show the fill: keep_ring_still keeps
    the photo's own where it does not. stretched: None, or (verts, src, weights) of a ring whose band
    triangles are stretched (stretch_weights > 0): texels they read are known only by 1 - their
    weight, and filled by the rest (stretched_patch, with the photo's backdrop colours `backdrop`
    and the source's FeatureMask `features`)."""
    h, w = image.shape[:2]
    (x0, y0), side = np.asarray(lo, int), int(side)
    texture = np.zeros((side, side, 3), np.float32)
    known = np.zeros((side, side), np.float32)
    cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x0 + side, w), min(y0 + side, h)
    if cx1 > cx0 and cy1 > cy0:
        texture[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0] = image[cy0:cy1, cx0:cx1] * np.float32(1 / 255)
    kx0, ky0, kx1, ky1 = max(x0, 1), max(y0, 1), min(x0 + side, w - 1), min(y0 + side, h - 1)
    if kx1 > kx0 and ky1 > ky0:
        known[ky0 - y0:ky1 - y0, kx0 - x0:kx1 - x0] = 1.0
    if known.min() < 1.0 and known.max() > 0.0:
        texture = smooth_fill(texture, known)
    if stretched is not None:
        patch = stretched_patch(image, (0, 0), (h, w), (x0, y0), side, *stretched, backdrop=backdrop,
                                features=features)
        if patch is not None:
            sq, texels, fill = patch
            texture[sq] = texels
            known[sq] *= 1.0 - fill
    return texture, known


def smooth_fill(texture: np.ndarray, known: np.ndarray) -> np.ndarray:
    """[S,S',3] texture, known [S,S'] in [0,1] -> the texture with each texel's unknown part
    (1 - known) push-pulled from the known texels around it (pulled)."""
    return texture * known[..., None] + pulled(texture, known) * (1.0 - known[..., None])


def pulled(texture: np.ndarray, known: np.ndarray) -> np.ndarray:
    """[S,S',3] texture, known [S,S'] in [0,1] (not all 0) -> [S,S',3] float32 its known texels'
    colours push-pulled over the whole square: a smooth fill, worked out on a copy shrunk
    FILL_SHRINK times (the known texels' average over each block, each texel weighted by how
    well it is known), at a fraction of the cost."""
    from .complete import push_pull

    h, w = known.shape
    f = FILL_SHRINK if min(h, w) >= 8 * FILL_SHRINK else 1
    small = (max(w // f, 1), max(h // f, 1))
    k = cv2.resize(known, small, interpolation=cv2.INTER_AREA)
    c = cv2.resize(texture * known[..., None], small, interpolation=cv2.INTER_AREA)
    smooth = push_pull(c.reshape(k.shape + (-1,)) / np.maximum(k, 1e-6)[..., None], k > 0)
    return cv2.resize(smooth, (w, h), interpolation=cv2.INTER_LINEAR).reshape(texture.shape)


def backdrop_like(colours: np.ndarray, backdrop: np.ndarray) -> np.ndarray:
    """[...,3] float32 colours in [0,1], backdrop [K,3] Lab (poce_rt.hair.backdrop_colours) ->
    [...] float32 in [0,1]: 1 for the backdrop's colours, 0 past hair.BACKDROP_D from all of them."""
    from .complete import smoothstep
    from .hair import BACKDROP_D, backdrop_distance, lab

    d = backdrop_distance(lab(np.asarray(colours, np.float32).reshape(-1, 3)), backdrop)
    return (1.0 - smoothstep(d, *BACKDROP_D)).reshape(np.shape(colours)[:-1]).astype(np.float32)


class BackdropMap:
    """backdrop_like of a photo's pixels at even (x, y) (head_or_backdrop's `back`, read on every
    other texel), worked out tile by tile as stretched strips reach them and kept: the photo and its
    backdrop colours are the source's, and Lab on a strip's box each turning step cost ~1.5 ms of a
    45-m7-di-ph.jpg patch. image: [H,W,3] uint8 host photo; backdrop: its [K,3] Lab backdrop colours."""

    TILE = 64   # half-resolution pixels a side

    def __init__(self, image: np.ndarray, backdrop: np.ndarray):
        self.image, self.backdrop = image, backdrop
        h2, w2 = (image.shape[0] + 1) // 2, (image.shape[1] + 1) // 2
        self.map = np.empty((h2, w2), np.float32)
        t = self.TILE
        self.done = np.zeros((-(-h2 // t), -(-w2 // t)), bool)
        self.outside = backdrop_like(np.zeros((1, 3), np.float32), backdrop)[0]   # beyond the photo: black

    def over(self, a, shape) -> np.ndarray:
        """[ceil(h/2), ceil(w/2)] float32: backdrop_like(box[::2, ::2]) of the box of shape (h, w)
        from even photo pixel a (x, y), the photo's pixels as float32 / 255 and 0 beyond it."""
        h, w = (int(d) for d in shape)
        r0, c0 = int(a[1]) // 2, int(a[0]) // 2
        out = np.full(((h + 1) // 2, (w + 1) // 2), self.outside, np.float32)
        h2, w2 = self.map.shape
        i0, j0, i1, j1 = max(r0, 0), max(c0, 0), min(r0 + out.shape[0], h2), min(c0 + out.shape[1], w2)
        if i1 <= i0 or j1 <= j0:
            return out
        t = self.TILE
        for ti in range(i0 // t, (i1 - 1) // t + 1):
            for tj in range(j0 // t, (j1 - 1) // t + 1):
                if not self.done[ti, tj]:
                    y, x = 2 * ti * t, 2 * tj * t
                    px = self.image[y:y + 2 * t:2, x:x + 2 * t:2] * np.float32(1 / 255)
                    self.map[ti * t:ti * t + px.shape[0], tj * t:tj * t + px.shape[1]] = backdrop_like(px, self.backdrop)
                    self.done[ti, tj] = True
        out[i0 - r0:i1 - r0, j0 - c0:j1 - c0] = self.map[i0:i1, j0:j1]
        return out


def outer_band(n_verts: int) -> np.ndarray:
    """[T] bool over band_triangles(n_verts): the head proxy's outer bands, from its silhouette
    (SILHOUETTE_RING) by the fringe to the fixed outer ring (beside the head: background); none
    for the plain band."""
    tris = band_triangles(n_verts)
    out = np.zeros(len(tris), bool)
    if n_verts == PROXY_RINGS * len(FACE_OVAL):
        out[-2 * (PROXY_RINGS - 1 - SILHOUETTE_RING) * len(FACE_OVAL):] = True
    return out


def head_or_backdrop(box: np.ndarray, known: np.ndarray, inside: np.ndarray, beside: np.ndarray,
                     backdrop: np.ndarray, avoid: np.ndarray | None = None, back: np.ndarray | None = None,
                     silhouette: np.ndarray | None = None) -> np.ndarray:
    """stretched_patch's texels with a head proxy: box [h,w,3] the photo (0 beyond it), known
    [h,w] how far each texel keeps its photo colour, inside and beside [h,w] stretch_fill of the
    ring's stretched triangles inside its silhouette and of those in its outer band beyond it
    -> [h,w,3] float32. The stretched strip beyond a turned head's far oval lies mostly on the background beside the
    head: the photo saw that side of the head edge-on, or not at all (Tom_Hanks_54745.png, yaw
    +18, turned -25). A fill push-pulled from all the photo around it mixed the lit cheek with
    the backdrop: a pale smear over the revealed side of the head, bright along the face's
    outline. Inside the proxy's silhouette the fill is the head's (pulled from the texels unlike
    the backdrop: skin, hair; not the face's features, avoid [h,w] bool or None: the far eye's
    corner and brow end drew a dark band across the side of the head), beside it in the outer
    band the backdrop's. A texel both read (the far side of a three-quarter view, all of it
    behind the face in the photo), or where either has no texel to pull from, is filled from
    all of them as before, and so are texels beyond the photo that no stretched triangle reads.
    back: None, or backdrop_like(box[::2, ::2], backdrop) worked out already (BackdropMap.over).
    silhouette: None, or [h,w] the head proxy's silhouette in the photo (source_silhouette): the
    backdrop's fill is pulled from beyond it alone. A photo whose side border is dark hair or
    clothes (Tom_Hanks_54745.png) counts black among its backdrop colours, and the strip above his
    far temple, beyond the photo's top, took in the black hair at the border: a dark wedge over
    the backdrop there, 15-30 levels below it."""
    # (read on every other texel: pulled weighs blocks of FILL_SHRINK^2 of them, and Lab on each
    # texel cost more than the rest of a frame loop's patch)
    h, w = known.shape
    if back is None:
        back = backdrop_like(box[::2, ::2], backdrop)
    back = cv2.resize(back, (w, h), interpolation=cv2.INTER_NEAREST)
    plain = pulled(box, known)
    # of each texel's unknown part, the shares that are the head's strip and the outer band's
    # alone (the rest: beyond the photo, or read by both)
    unread = 1.0 - known
    unknown = np.maximum(unread, 1e-6)
    colour = plain.copy()
    head = known * (1.0 - back) * (1.0 if avoid is None else ~avoid)
    behind = known * back if silhouette is None else known * back * (1.0 - silhouette)
    for share, weight in ((inside * (1.0 - beside), head), (beside * (1.0 - inside), behind)):
        if weight.max() > 0 and share.max() > 0:
            # colour += clip(share / unknown, 0, 1) * (pulled(box, weight) - plain), in place
            pull = pulled(box, weight)
            pull -= plain
            np.divide(share, unknown, out=share)
            np.clip(share, 0.0, 1.0, out=share)
            pull *= share[..., None]
            colour += pull
    colour *= unread[..., None]
    out = box * known[..., None]
    out += colour
    return out


def stretched_box(src: np.ndarray, verts_count: int, weights: np.ndarray):
    """(a, b): the photo pixels [a, b) (x, y) whose texture stretched_patch fills for the band
    triangles with weights > 0 (src [N,2] photo positions of a ring of verts_count vertices): their
    source and FILL_MARGIN around, its corners on multiples of FILL_SHRINK; None where there are none."""
    hot = band_triangles(verts_count)[np.asarray(weights) > 0]
    if hot.size == 0:
        return None
    pts = np.asarray(src, np.float64)[hot.reshape(-1)]
    f = FILL_SHRINK
    a = (np.floor(pts.min(0)).astype(int) - FILL_MARGIN) // f * f
    b = -((-(np.ceil(pts.max(0)).astype(int) + 1 + FILL_MARGIN)) // f) * f
    return a, b


def stretched_patch(image: np.ndarray, origin, photo_shape, lo, side: int, verts, src, weights,
                    backdrop: np.ndarray | None = None, features: FeatureMask | None = None,
                    backdrop_map: BackdropMap | None = None):
    """The fill of the texels that stretched band triangles read (stretch_fill of verts, src,
    weights), worked out over stretched_box alone, from the photo: image [h,w,3] uint8 holds the
    photo's pixels from origin (x, y) and covers the box's part in the photo (photo_shape (H, W));
    pixels beyond the photo and its outermost ones are unknown there too. The box is in photo
    pixels, so the fill depends neither on where the texture's square lies nor on its size (the
    frame loop's square is larger than warp_surround's), and costs the box's size.
    Returns None, or (sq, texels, fill): the box's part in the square (lo, side) as a pair of
    slices, its [h',w',3] float32 texels and [h',w'] float32 fill weights. backdrop: None (the fill
    pulled from all the photo around), or the photo's [K,3] Lab backdrop_colours (poce_rt.hair):
    the head proxy's fill pulled from the head inside its silhouette (not from the face's features:
    features, the source's FeatureMask), from the backdrop beside it (head_or_backdrop);
    backdrop_map: None, or the photo's BackdropMap for backdrop (kept by the caller per source)."""
    box_ab = stretched_box(src, len(verts), weights)
    if box_ab is None:
        return None
    a, b = box_ab
    lo = np.asarray(lo, int)
    s0, s1 = np.maximum(a, lo), np.minimum(b, lo + int(side))     # the box's part in the square
    if not (s1 > s0).all():
        return None
    fill = stretch_fill(verts, src, a, (b[1] - a[1], b[0] - a[0]), weights)
    h, w = photo_shape
    box = np.zeros(fill.shape + (3,), np.float32)
    known = np.zeros(fill.shape, np.float32)
    p0, p1 = np.maximum(a, 0), np.minimum(b, (w, h))        # the box's part in the photo
    if (p1 > p0).all():
        o = np.asarray(origin, int)
        box[p0[1] - a[1]:p1[1] - a[1], p0[0] - a[0]:p1[0] - a[0]] = \
            image[p0[1] - o[1]:p1[1] - o[1], p0[0] - o[0]:p1[0] - o[0]] * np.float32(1 / 255)
    k0, k1 = np.maximum(a, 1), np.minimum(b, (w - 1, h - 1))  # off the photo's outermost pixels
    if (k1 > k0).all():
        known[k0[1] - a[1]:k1[1] - a[1], k0[0] - a[0]:k1[0] - a[0]] = 1.0
    keep = known * (1.0 - fill)
    if backdrop is None:
        box = smooth_fill(box, keep)
    else:
        outer = outer_band(len(verts))
        inside, beside = (stretch_fill(verts, src, a, fill.shape, part) if part.any() else np.zeros_like(fill)
                          for part in (np.where(m, weights, 0.0) for m in (~outer, outer)))
        avoid = None if features is None else features.features.over(a, fill.shape)
        back = None if backdrop_map is None else backdrop_map.over(a, fill.shape)
        box = head_or_backdrop(box, keep, inside, beside, backdrop, avoid, back,
                               source_silhouette(src, a, fill.shape))
    sq = (slice(s0[1] - lo[1], s1[1] - lo[1]), slice(s0[0] - lo[0], s1[0] - lo[0]))
    bx = (slice(s0[1] - a[1], s1[1] - a[1]), slice(s0[0] - a[0], s1[0] - a[0]))
    return sq, box[bx], fill[bx]


def source_silhouette(src: np.ndarray, a, shape) -> np.ndarray | None:
    """[h,w] float32 in [0,1] over the photo pixels of shape (h, w) from a (x, y): the head proxy's
    silhouette where the ring reads the photo (src [N,2], photo pixels; antialiased), None for a
    ring without the head proxy."""
    k = len(FACE_OVAL)
    if len(src) != PROXY_RINGS * k:
        return None
    sil = SILHOUETTE_RING * k
    return _filled(np.asarray(src[sil:sil + k], np.float32) - np.asarray(a, np.float32), *shape)


def _filled(points: np.ndarray, height: int, width: int) -> np.ndarray:
    """[h,w] float32: the polygon points [K,2] (pixels, sub-pixel) drawn antialiased, 1 inside."""
    shift = 4   # cv2's fixed point: sub-pixel vertices, antialiased edges
    out = np.zeros((int(height), int(width)), np.float32)
    pts = np.round(np.asarray(points, np.float32)[:, :2].astype(np.float64) * (1 << shift)).astype(np.int32)
    cv2.fillPoly(out, [pts], 1.0, lineType=cv2.LINE_AA, shift=shift)
    return out


def revealed_background(verts: np.ndarray, src: np.ndarray, origin, height: int, width: int) -> np.ndarray | None:
    """[h,w] float32 in [0,1] over a box of h x w frame pixels from origin (x, y): the background
    a turn uncovers, which the head covered in the photo: inside the head proxy's silhouette where
    it reads the photo (src [N,2], photo pixels) and outside both the silhouette and the face oval
    as drawn (verts [N,3], box-local). The outer band draws it from the background beyond the
    silhouette (stretched; the silhouette lies at the hair's end, silhouette_scales): filled, and
    marked so. None for a ring without the head proxy (N != PROXY_RINGS * K)."""
    k = len(FACE_OVAL)
    if len(verts) != PROXY_RINGS * k:
        return None
    sil = SILHOUETTE_RING * k

    def fill(points):
        return _filled(points, height, width)

    # the photo's positions as float32, like the drawn ones: a still head's silhouette cancels exactly
    was = fill(np.asarray(src[sil:sil + k], np.float32) - np.asarray(origin, np.float32))
    now = np.maximum(fill(verts[sil:sil + k]), fill(verts[k:2 * k]))
    return np.clip(was - now, 0.0, 1.0)


def ring_filled(known: np.ndarray | None, verts, tris, uvs, src, origin, height: int, width: int) -> np.ndarray:
    """[h,w] float32: each pixel's share of the ring drawn over an h x w box from origin (x, y)
    that is fill: texels unknown to photo_texture (known [side,side], None: all known;
    unknown_share) or background the turn uncovered (revealed_background). verts [N,3] box-local,
    tris, uvs [N,2] on the texture's square, src [N,2] photo positions."""
    out = np.zeros((int(height), int(width)), np.float32)
    if known is not None and known.min() < 1.0:
        out = unknown_share(known, verts, tris, uvs, height, width)
    revealed = revealed_background(verts, src, origin, height, width)
    if revealed is not None:
        out = 1.0 - (1.0 - out) * (1.0 - revealed)
    return out


def unknown_share(known: np.ndarray, verts, tris, uvs, height: int, width: int) -> np.ndarray:
    """[h,w] float32 share of each pixel of a ring drawn over an h x w box (verts [NK,3] box-local,
    tris, uvs [NK,2] on photo_texture's square) that came from filled texels (beyond the photo, or
    read by a stretched band triangle): known [side,side] (photo_texture's) drawn by the same `render` op, times the ring's coverage."""
    unknown = np.ascontiguousarray(1.0 - np.asarray(known, np.float32))[..., None]
    rgb, alpha = ops.render(unknown, np.asarray(verts, np.float32), np.asarray(tris, np.int32),
                            np.asarray(uvs, np.float32), int(height), int(width))
    return np.clip(rgb[..., 0], 0.0, 1.0) * alpha


RING_CHANNELS = 5   # a ring texture's texels: (r, g, b) and the photo position (x, y) they hold


def with_positions(texture, out=None):
    """[side,side,3] ring texture (photo_texture's) -> [side,side,RING_CHANNELS] float32: its
    colour and, in channels 3 and 4, each texel's photo position (x, y) relative to the square's
    corner, at its centre (j + 0.5, i + 0.5). The render that draws the ring reads the position
    of each of its pixels with its colour (soften_folds' pos): a bilinear read of a linear map is
    exact between the texel centres (render's (x - 0.5) + 0.5: uv * side). NumPy or CuPy (the
    array module of `texture`); out: the buffer to write (None: allocated)."""
    xp = ops.array_module(texture)
    side = int(texture.shape[0])
    out = xp.empty((side, side, RING_CHANNELS), xp.float32) if out is None else out
    out[..., :3] = texture
    centres = xp.arange(side, dtype=xp.float32) + xp.float32(0.5)
    out[..., 3] = centres[None, :]
    out[..., 4] = centres[:, None]
    return out


def draw_ring(texture, verts, tris, uvs, height: int, width: int, take, stream=None, workspace=None):
    """The ring drawn over an h x w box, its folds antialiased: texture [side,side,RING_CHANNELS]
    (with_positions'), verts [NK,3] box-local, tris, uvs [NK,2] on the texture's square ->
    (rgb [h,w,3], alpha [h,w], pos [h,w,2]) float32 buffers of take(name, shape) (the frame
    loop's workspace, or fresh arrays); pos: the photo position each pixel reads, relative to
    the texture square's corner. One render draws the colour and the position, so the same
    triangle wins each pixel for both (soften_folds, keep_ring_still). Host or device arrays
    (stream, workspace: the render's on the GPU)."""
    both = take("ring.rgb_pos", (height, width, RING_CHANNELS))
    alpha = take("ring.alpha", (height, width))
    ops.render(texture, verts, tris, uvs, height, width, stream=stream, out=(both, alpha), workspace=workspace)
    rgb = copy_channels(both, 0, take("ring.rgb", (height, width, 3)))
    pos = copy_channels(both, 3, take("ring.pos", (height, width, 2)))
    soften_folds(rgb, alpha, pos, take)
    return rgb, alpha, pos


def keep_ring_still(photo, rgb, pos, lo, centres, take):
    """The ring kept only where it moves the photo (issue 15, item 2; poce_rt.motion): photo
    [h,w,3] uint8 under the ring's box, draw_ring's rgb [h,w,3] and pos [h,w,2], lo [w,2] float32
    (the texture square's corner in the photo on each row, motion.read_motion's offset: an array
    on rgb's device), centres [h,w,2] float32
    (the box's pixel centres in the photo, motion.pixel_centres) -> (kept [h,w,3] float32 in
    [0,1], moved [h,w,1] float32), buffers of take(name, shape). A pixel the ring reads less than
    motion.STILL_PX from itself is the photo's own, bit for bit: the texture is not, on its
    outermost pixels (photo_texture fills them), which a still ring drew over the photo's border
    (45-m7-di-ph.jpg: 138 levels on its bottom row at +0.3 degrees of yaw)."""
    if ops.is_device_array(rgb) or rgb.size == 0:
        return keep_ring_still_arrays(photo, rgb, pos, lo, centres, take)
    # on the host, one pass of the extension's: the same values bit for bit as the array code's
    # ~15 passes through box-sized temporaries (1.0 -> 0.55 ms a step on single_face's 414x320 box)
    h, w = rgb.shape[:2]
    kept, moved = take("ring.kept", (h, w, 3)), take("ring.moved", (h, w, 1))
    c = np.ascontiguousarray
    native().ring_keep_still(c(photo), c(rgb), c(pos), c(lo), c(centres), float(np.float32(STILL_PX)),
                             float(np.float32(1.0 / (MOVING_PX - STILL_PX))), float(KEEP_SCALE), kept, moved)
    return kept, moved


def keep_ring_still_arrays(photo, rgb, pos, lo, centres, take):
    """keep_ring_still (same arguments) in array code (poce_rt.motion's functions): CuPy's path,
    one kernel per line, and on NumPy the reference the host path is tested against."""
    h, w = rgb.shape[:2]
    moved = read_motion(pos, lo, centres, take("ring.moved", (h, w, 1)), take("ring.motion_work", (h, w, 2)))
    moved_weight(moved, moved, take("ring.moved_work", (h, w, 1)))
    kept = keep_still(photo, rgb, moved, take("ring.kept", (h, w, 3)), take("ring.kept_work", (h, w, 3)),
                      None if ops.is_device_array(rgb) else take("ring.moved_wide", (h, w, 3)))
    return kept, moved


def soften_folds(rgb, alpha, pos, take):
    """Antialias the ring's fold edges (FOLD_PX) in place. rgb [h,w,3] float32 and alpha [h,w]
    float32: the ring's render; pos [h,w,2] float32: the photo position each pixel reads (drawn
    by the same render, draw_ring, so the same triangle wins each pixel; a view will do).
    take(name, shape) -> a float32 buffer (the loop's workspace, or fresh arrays); host or device
    arrays, no allocation but take's. Returns rgb."""
    xp = ops.array_module(rgb)
    h, w = alpha.shape
    if h < 3 or w < 3:
        return rgb
    if xp is np:
        return _soften_folds_host(rgb, alpha, pos, take)
    full = take("ring.fold_full", (h, w))      # 1 where the ring covers the pixel fully
    xp.subtract(alpha, np.float32(FOLD_FULL), out=full)
    xp.multiply(full, np.float32(1e6), out=full)
    xp.clip(full, 0.0, 1.0, out=full)
    jump = take("ring.fold_jump", (h, w, 1))   # the largest photo-space step to a 4-neighbour
    jump[...] = 0.0
    d = take("ring.fold_d", (h, w, 2))
    e = take("ring.fold_e", (h, w))
    j = jump[..., 0]
    for axis in (0, 1):
        a, b = (slice(1, None), slice(None, -1))
        ia = (a, slice(None)) if axis == 0 else (slice(None), a)
        ib = (b, slice(None)) if axis == 0 else (slice(None), b)
        xp.subtract(pos[ia], pos[ib], out=d[ib])
        xp.abs(d[ib], out=d[ib])
        xp.maximum(d[ib][..., 0], d[ib][..., 1], out=e[ib])
        xp.multiply(e[ib], full[ia], out=e[ib])
        xp.multiply(e[ib], full[ib], out=e[ib])
        xp.maximum(j[ib], e[ib], out=j[ib])
        xp.maximum(j[ia], e[ib], out=j[ia])
    xp.subtract(jump, np.float32(FOLD_PX[0]), out=jump)        # the blend weight: ramp(jump, FOLD_PX)
    xp.multiply(jump, np.float32(1.0 / (FOLD_PX[1] - FOLD_PX[0])), out=jump)
    xp.clip(jump, 0.0, 1.0, out=jump)
    blur = take("ring.fold_blur", (h, w, 3))  # separable [1 2 1]/4, the border rows and columns kept
    work = take("ring.fold_work", (h, w, 3))
    for src, dst, axis in ((rgb, work, 1), (work, blur, 0)):
        dst[...] = src
        lo, mid, hi = ((slice(None, -2), slice(1, -1), slice(2, None)) if axis == 0 else
                       ((slice(None), slice(None, -2)), (slice(None), slice(1, -1)), (slice(None), slice(2, None))))
        xp.add(src[lo], src[hi], out=dst[mid])
        xp.add(dst[mid], src[mid], out=dst[mid])
        xp.add(dst[mid], src[mid], out=dst[mid])
        xp.multiply(dst[mid], np.float32(0.25), out=dst[mid])
    xp.subtract(blur, rgb, out=blur)
    xp.multiply(blur, jump, out=blur)
    xp.add(rgb, blur, out=rgb)
    return rgb


def _soften_folds_host(rgb, alpha, pos, take):
    """soften_folds on host arrays, the same float32 operations in the same order (the same result
    bit for bit) at only the pixels it changes: a ring's folds touch ~1% of its box, and the dense
    version's full-box passes cost ~3 ms a frame (417x320). A pixel's jump exceeds FOLD_PX[0] only
    through a neighbour pair whose positions differ by more than that (full <= 1 only lowers it), so
    those pairs alone are weighed, and the blur is gathered at the pixels they weigh. Each pixel's
    largest step is a scatter-max into a box-sized buffer of take's (a sort of the pairs by pixel
    cost 0.8 of 3 ms at 1280x720 and yaw 15)."""
    h, w = alpha.shape
    lo = np.float32(FOLD_PX[0])
    pos = np.ascontiguousarray(pos)            # cv2 reads whole rows
    pairs = []                                  # (flat index a, flat index b, step) per candidate pair
    for d, step in ((cv2.absdiff(pos[1:], pos[:-1]), w), (cv2.absdiff(pos[:, 1:], pos[:, :-1]), 1)):
        over = cv2.findNonZero(cv2.compare(d.reshape(len(d), -1), float(lo), cv2.CMP_GT))  # (x, y) in raster order
        if over is None:
            continue
        over = over.reshape(-1, 2)
        k = over[:, 1] * d.shape[1] + (over[:, 0] >> 1)   # the pair; both channels over: twice in a row
        k = k[np.r_[True, k[1:] != k[:-1]]]
        dk = d.reshape(-1, 2).take(k, 0)
        at = k if step == w else k + k // (w - 1)  # the pair's first pixel, flat
        pairs.append((at, np.maximum(dk[:, 0], dk[:, 1]), step))
    if not pairs:
        return rgb
    b = np.concatenate([p[0] for p in pairs])   # soften_folds' ib (the pair's first pixel) and ia
    a = np.concatenate([p[0] + p[2] for p in pairs])
    e = np.concatenate([p[1] for p in pairs])
    cover = alpha.ravel()
    full_a, full_b = (np.clip((cover.take(i) - np.float32(FOLD_FULL)) * np.float32(1e6), 0.0, 1.0) for i in (a, b))
    e = e * full_a * full_b
    largest = take("ring.fold_largest", (h * w,))   # each pixel's largest step (e >= 0; 0: none)
    largest[...] = 0.0
    np.maximum.at(largest, a, e)
    np.maximum.at(largest, b, e)
    ends = np.flatnonzero(largest > lo)
    jump = largest[ends]
    if not len(ends):
        return rgb
    weight = np.clip((jump - lo) * np.float32(1.0 / (FOLD_PX[1] - FOLD_PX[0])), 0.0, 1.0)[:, None]
    flat = rgb.reshape(-1, 3) if rgb.flags.c_contiguous else np.ascontiguousarray(rgb).reshape(-1, 3)
    y, x = np.divmod(ends, w)
    left, right = (x > 0).astype(np.intp), (x < w - 1).astype(np.intp)
    inner_x = (left & right).astype(bool)[:, None]

    def row_blur(at):                           # the horizontal pass at flat indices at (columns x)
        m = flat.take(at, 0)
        return np.where(inner_x, (flat.take(at - left, 0) + flat.take(at + right, 0) + m + m) * np.float32(0.25), m)

    mid = row_blur(ends)
    up, down = (y > 0).astype(np.intp) * w, (y < h - 1).astype(np.intp) * w
    blur = np.where(((up > 0) & (down > 0))[:, None],
                    (row_blur(ends - up) + row_blur(ends + down) + mid + mid) * np.float32(0.25), mid)
    here = flat.take(ends, 0)
    flat[ends] = here + (blur - here) * weight
    if not np.shares_memory(flat, rgb):
        rgb[...] = flat.reshape(rgb.shape)
    return rgb


def warp_surround(image: np.ndarray, src_vertices: np.ndarray, dst_vertices: np.ndarray,
                  reach: float = REACH, proxy=None, filled_out: np.ndarray | None = None,
                  moving_out: np.ndarray | None = None, backdrop: np.ndarray | None = None) -> np.ndarray:
    """image [H,W,3] uint8, the face's [468,3] vertices in the photo and at the target -> [H,W,3] uint8
    with the ring around the face warped to follow the face oval (a copy; the input is not changed);
    proxy: as ring_band's. filled_out: an optional [H,W] float32 array that receives each pixel's
    share of ring texels filled beyond the photo or for a stretched strip, or of background the
    turn uncovered (ring_filled; untouched where the ring is not drawn). moving_out: an optional [H,W]
    float32 array that receives the ring's coverage times its moved weight (where it draws something
    other than the photo's own pixel; untouched where the ring is not drawn). backdrop: the
    photo's poce_rt.hair.backdrop_colours when the caller has them (None: read here for a head
    proxy's stretched strips, stretched_patch). Returns the image unchanged (same object) when
    the oval does not move."""
    h, w = image.shape[:2]
    band = ring_band(src_vertices, dst_vertices, h, w, reach, proxy)
    if band is None:
        return image
    verts, tris, src, (x0, y0, x1, y1) = band
    lo = np.floor(src.min(0)).astype(int) - 2
    side = int(np.ceil((src.max(0) - lo).max())) + 2
    features = FeatureMask(src_vertices)
    weights = stretch_weights(verts, src, features)
    if weights.any() and backdrop is None and proxy is not None:
        from .hair import backdrop_colours

        backdrop = backdrop_colours(image[..., :3])
    texture, known = photo_texture(image, lo, side, (verts, src, weights) if weights.any() else None,
                                   backdrop if proxy is not None else None, features)
    uvs = ((src - lo) / side).astype(np.float32)
    local = verts.copy()
    local[:, 0] -= x0
    local[:, 1] -= y0
    bh, bw = int(y1 - y0), int(x1 - x0)

    def take(name, shape):
        return np.empty(shape, np.float32)

    rgb, alpha, pos = draw_ring(with_positions(texture), local, tris, uvs, bh, bw, take)
    photo = np.ascontiguousarray(image[y0:y1, x0:x1])
    kept, moved = keep_ring_still(photo, rgb, pos, np.tile(lo.astype(np.float32), (bw, 1)),
                                  pixel_centres(bh, bw, x0, y0), take)
    if filled_out is not None:
        filled_out[y0:y1, x0:x1] = ring_filled(known, local, tris, uvs, src, (x0, y0), bh, bw) * moved[..., 0]
    if moving_out is not None:
        moving_out[y0:y1, x0:x1] = alpha * moved[..., 0]
    out = image.copy()
    # The outer ring does not move, so the band's edge already matches the photo: 1 px of feather.
    out[y0:y1, x0:x1] = ops.composite(photo, kept, alpha, 1)
    return out
