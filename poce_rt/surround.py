"""Move the head's surroundings with the face boundary when the face is re-posed.

The face mesh ends at the face oval (hairline, jaw, cheeks). Rendering only the mesh at a new pose
leaves the photo's old face contour, ears and jaw line where they were: on the side the face turns
away from, the old cheek edge stays next to the new, narrower face, and the tracker (and a viewer)
reads the head as barely turned (a 25 degree yaw read back as 17-18; with this warp 19-22).

The warp is a band of triangles between two rings: the inner ring follows the face oval from its
source to its target position; the outer ring (the oval scaled about its centre, where the side of
the head, hair and neck are) stays put, so the band blends into the untouched photo with no seam.
The band is drawn with the same `render` op as the face, textured with the photo itself.

Given the poses, the band gets the rings of the head proxy (poce_rt.head_proxy: its geometry;
poce_rt.silhouette: what it reads from the photo), posed here with the face (HeadProxy) and
drawn with the photo around the face as its texture (poce_rt.ring_photo).

Folds (issue 15, Tom_Hanks_54745.png at +25): a head turned away folds the proxy's rings beyond
its forehead behind the rings in front, and the depth test cuts the surface along the fold, a
hard 1-pixel edge that render (shading each pixel from its centre) does not antialias. The ring's
texture carries each texel's photo position in two extra channels (with_positions), so the render
that draws the ring gives the photo position each pixel reads too, and pixels beside a jump in it
are blended with a small blur (soften_folds), on both paths (draw_ring).
"""
from __future__ import annotations

import cv2
import numpy as np

from . import ops
from .accessories import FRAME_READ_PX
from .camera import CAMERA_DISTANCE_CM, perspective_shape
from .head_proxy import (BEND_AWAY, FACE_OVAL, NECK_CM, PROXY_REACH, PROXY_RINGS, PROXY_SCALES, REACH,
                         chord_rings, face_past_oval, face_reach, facing, head_centre, head_proxy,
                         outer_normals, outward, oval_inner, oval_radius, ramp, rings_tris, shortened,
                         surround_mesh)
from .layers import copy_channels
from .motion import KEEP_SCALE, MOVING_PX, STILL_PX, keep_still, moved_weight, pixel_centres, read_motion
from .neck import NECK_READ, NECK_SHARES
from .ops._arrays import native
from .ring_photo import RING_CHANNELS, FeatureMask, photo_texture, ring_filled, stretch_weights, with_positions
from .silhouette import (BESIDE_EDGE_ON, BESIDE_GROWTH, BESIDE_NECK, BESIDE_SHARE, BESIDE_TOWARD, FRINGE, HANG_REACH,
                         REVEAL_MOVE)

MIN_MOVE_PX = 0.5   # ring_band: an oval that moves less than this (px) leaves the photo as it is
# A head turned away folds its proxy's rings past the silhouette behind the rings in front, and the
# depth test cuts the surface there: two neighbouring pixels read the photo far apart
# (Tom_Hanks_54745.png at +25, beside the forehead: 20 photo pixels; elsewhere a ring's neighbours
# read ~0.7 apart). render shades a pixel from its centre alone, so that cut was a hard 1-pixel
# step (216 212 150) where the photo's own edge was ~3 px wide (204 196 193 170 150). Pixels
# beside a jump of FOLD_PX[0] photo pixels (the photo minified twice there: its detail aliases),
# fully from [1], are blended with a 3x3 binomial blur of the ring: the occlusion edge antialiased
# (soften_folds; 216 201 164 150).
FOLD_PX = (2.0, 4.0)
# ... and the pixels past the face's outline are blended with the ring past it alone: where a turn
# reveals a side, the rings past the moved oval are pulled onto it (BEHIND_FACE, the edge strip)
# and read past the strip of face beyond the photo's oval, so the read jumps at the oval between
# the proxy's first band, under the face's render, and the bands past it (Tom_Hanks_54745.png at
# -25, the far cheek: 6-8 photo px between the lit skin under the border and the backdrop). The
# 3x3 blur spread that skin onto the first pixel past the face, a pale column beside the revealed
# cheek and jaw (+10..+30 levels over the backdrop and the collar: a light streak along the
# outline), which the face's render, antialiased by its own coverage, does not cover. A pixel past
# the face takes the blur of the ring's pixels past the face only (under_face: the moved oval's
# inside, not the first band, which folds out past the oval on a side seen edge-on; soften_folds'
# `under`); one under the face is blended as before (the face's feather shows it).
UNDER_COVERAGE = (0.25, 0.5)   # under_face: a pixel's coverage by the moved oval -> under it (none .. fully)
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
# ... and where that pull draws the band from the oval to the silhouette collapsed onto the moved
# oval (as wide as COLLAPSED[0] of the photo's distance from oval to silhouette or less: fully;
# none of this from COLLAPSED[1]), the band
# beyond the silhouette is drawn right against the face's outline, and reads the photo from where
# the silhouette ring lies in it: on a three-quarter face's far temple (t1.jpg's face 1 at +25,
# oval vertices 31-33, 14-24 px past the oval in the photo, drawn 1 px from it) that is the
# forehead's skin at the hairline, 3 px of it at vertex 33, drawn as a pale fleck (L* 65-68)
# between her turned temple (55-60) and her dark lock of hair (30). The band reads past the skin
# there: the silhouette ring's photo position moves out towards the fringe ring's to the first
# pixel that is not skin (silhouette.SkinRun; past_skin), where one is on the way.
COLLAPSED = (0.1, 0.2)
# Under the chin (issue 15, Tom_Hanks_54745.png, yaw +18, turned +25): the proxy's rings there stay
# with the neck (NECK_CM) while the chin moves 4-8 px in, away from the collar, and the band from
# the moved oval to the first still ring read the photo's strip past the oval, 3.7-4.7 px of the
# chin's own lit underside and stubble (160-194 levels), drawn 1.3-2.8x wider: pale streaks
# between the new chin and the collar (72-88). Not a case for poce_rt.uncover: there the ring
# moves (it reads 1-7 px off), and the strip lies beyond the face mesh's grown outline, where the
# plate is pulled from that same lit skin. Where that band is drawn wider than the photo shows it
# (from UNDER_CHIN[0], fully from [1]) and its ring stays with the neck, the ring is drawn at its
# photo offset from the moved oval: the chin's underside goes with the chin, and the next band, the
# collar or the neck, takes the stretch (beside the face below the lips: pixels over 120 levels
# 45 of 101 -> 16, the 90th percentile 176 -> 132). The rings beyond it stay, unlike backdrop_beside's
# (BESIDE_NECK): the chin slides over the still neck there. Below UNDER_CHIN[0] the band's width
# is left to the turn: an expression that moves the chin turns the oval's normals beside it, and
# measured along them a still ring lies a few hundredths further out (single_face.jpg, chin down 6 px).
UNDER_CHIN = (1.1, 1.6)
# That strip is pulled in whole (HeadProxy.mesh), not by the share of backdrop_beside's ray that is
# backdrop (BESIDE_SHARE): the ray starts BESIDE_SKIP_PX past the oval, inside the very strip of
# cheek the face bulges past it, so the wider the bulge the lower the share (Tom_Hanks_54745.png's
# jaw, 6.7 px past its oval: 0.5 of the ray backdrop, pulled 0.67 of the strip) and the ring drew
# the rest of the lit jaw again past the turned face (-25: a pale rim, 10+ levels over the backdrop
# 1.7 px past the face on average over the jaw's rows, 4 at most, up to 10 levels paler than the
# skin beside it; now 0.8 / 2 px, 1 level; 45-m7-di-ph.jpg at +25: what is not backdrop past its
# far cheek 5.2 -> 4.1 px on average, a thinner ghost).
# The edge strip: the face past its oval on a side the turn reveals, where the photo shows the
# backdrop beyond it (issue 15, single_face.jpg, yaw -8, turned +25; silhouette.edge_strip): his
# oval runs 8-10 px inside his near cheek's edge from the ear down to the jaw's corner, and the band
# from the moved oval to the first proxy ring drew that strip and its lit rim past the face's
# outline, a pale bulge over the backdrop. There the rings are drawn nearer the moved oval by the
# strip (times reveal()'s weight, and BESIDE_NECK's follow: the chin slides over the still neck),
# as BEHIND_FACE's strip is on a side seen edge-on, and a ring that read inside the strip reads
# past it (read_past): the band that read the strip collapses onto the face's new outline, and the
# next reads the backdrop from its edge. Skin-like pixels past his outline over those rows 7.4 ->
# 2.1 px wide on average (12 -> 4 at most), pixels paler than the cheek beside them 166 -> 57;
# MediaPipe +25 102 -> 101% (tests/test_surround.py).
# The far side's outline (issue 15, held-out t1.jpg's largest face, yaw -3, turned +25): the proxy
# ends at its silhouette ring, in the head's mid-depth plane, ~4 cm behind the origin the pose turns
# about; turned away, that ring swings in (22 px of a 70 px half-head beside t1's far temple)
# while the face oval barely moves, and the band from the oval out to the silhouette, 38 px in the
# photo, was drawn 9 px wide: the temple's hair squeezed into a hard straight edge against the
# wall, the sideburn and ear gone, the far cheek meeting the wall (the wall drawn over what had
# been head: revealed_background). A head is round behind that ring: turned, its outline is made by
# the back of the head, which the proxy lacks; a sphere about the head's centre keeps it where the
# photo saw it, moved with the centre. There (far_outline) the far side's rings are drawn out to
# that outline (t1 +25: the far temple's band 19 px wide). FAR_MIN_PX: a silhouette drawn within
# this of the moved oval's distance from the centre is left as drawn (the face covers it).
FAR_MIN_PX = 1.0
# ... only where the photo shows hair beside the far side: band_hair's share of the photo between
# the oval and the silhouette, over the vertices turned away (weighted as far_outline's `away`),
# BAND_HAIR[0] none .. [1] fully. Where it shows skin or the backdrop, what lies there is a hand,
# a cheek, a wall, not a round head's outline: drawn out, the turned-away side read fuller and
# the judge read less turn (Image_with_alpha.png at -25, the hand over the far brow, hair 0.015:
# drawn 27 px out, MediaPipe's read-back over 9 shifts 82% -> 78%, in the 8 crops 78% -> 73%;
# multi_face.jpg's face 0 at +25, red curls that poce_rt.hair.hair_like cannot tell from his
# skin, hair 0: 71% -> 62% in the whole photo). One share per side: gated vertex by vertex, t1.jpg's
# face 0's long hair (0-1 along her far side) was drawn out in steps. t1.jpg's largest face: 0.22
# at -25, 0.42 at +25; faces 0 and 1 at -25 0.18 and 0.20, Image_with_alpha.png 0.015 / 0.03.
BAND_HAIR = (0.05, 0.15)
# Sunglasses at the oval (issue 15, held-out multi_face.jpg's face 0, yaw +10, turned +25): the
# tracked oval runs along the far lens's outer end, and its frame's end piece, 1-2 px past it, is
# the ring's. The lens card (poce_rt.accessories.lens_card) draws the lens in front of the face,
# ~8 px further out than the moved oval at +25, while the ring's rings there follow the head's side
# in; the end piece went under the lens's render, and past its feathered edge the ring drew the
# sky: the lens ended in a soft edge (10 dark pixels of frame past the face's outline in the
# photo, 0 in the output). Where the frame reaches an oval vertex (accessories.frame_reach) the
# ring is the glasses' there: the oval ring reads the frame accessories.FRAME_READ_PX inside its
# edge, the first proxy ring a pixel past the edge's mix, drawn where the glasses' rigid move (the
# mean move of the card's vertices within GLASSES_NEAR of the oval's mean radius of the vertex,
# inverse-distance weighted) takes that point, and the rings beyond stay outside it; only as far
# as that point lies past the moved oval (GLASSES_PAST px: none .. fully): inside it the face's
# render, the lens in front, covers it, and the ring is drawn as before. That band, drawn from the
# moved oval under the lens out to the frame's end, is far wider than the frame's pixel or two it
# reads: it is the glasses, not a surface the photo lacks, and is left unfilled (ring_photo's
# stretch_weights, accessories.frame_region).
GLASSES_NEAR = 0.2
GLASSES_PAST = (0.0, 1.0)
# under_hair: the band under the face's feathered border reads the hair this far past the oval
# ring's read (mirrored about it). Not as far out as it read in (3-11 px): on t1.jpg's face 1 at
# +25 that reached a dark lock and drew a 3x4 px speck on the cheek under the eye.
UNDER_HAIR_PX = 2.0


def proxy_mesh(src_vertices, dst_vertices, shape, src_pose, dst_pose, distance_cm: float = CAMERA_DISTANCE_CM,
               silhouette: np.ndarray | None = None, strip: np.ndarray | None = None,
               beside: np.ndarray | None = None, fringe: np.ndarray | None = None,
               hang: np.ndarray | None = None, hair: np.ndarray | None = None,
               edge: np.ndarray | None = None, neck=None, glasses=None):
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
    outer ring that many pixels further down the photo, along hanging hair. hair: None, or [K]
    band_hair's: the far side of a turn drawn out to the head's outline only where the photo shows
    hair beside the oval (far_outline, BAND_HAIR; None: everywhere). edge: None, or [K]
    edge_strip's: on the side the turn reveals, the proxy's rings drawn that much nearer the moved
    oval, where the photo shows the face past the oval against the backdrop (module comment: the
    edge strip). proxy_measures reads all seven.
    neck: None, or poce_rt.neck.NeckLayer (neck_layer's): where the turn reveals a side whose jaw
    has the backdrop beside it, the rings under the jaw drawn as the neck (HeadProxy.neck_rings).
    glasses: None, or (reach [K] accessories.frame_reach's, on [468] bool the lens card's
    vertices): the ring moved with the sunglasses where their frame reaches the oval (GLASSES_PAST).
    The ring inside the oval lies under the face's feathered border: there the face is blended
    with what lies under it, which must be the face's own surface warped the same way, not the
    photo's unmoved forehead (that drew a bright arc along the border of a turned face).
    Returns verts [PROXY_RINGS*K,3] float32 (target positions, depth for the depth test), tris,
    src [PROXY_RINGS*K,2] (where each vertex reads the photo). HeadProxy works out the source's
    side once for many targets."""
    return HeadProxy(src_vertices, shape, src_pose, distance_cm, silhouette, strip, beside,
                     fringe, hang, hair, edge, neck, glasses).mesh(dst_vertices, dst_pose)


class HeadProxy:
    """proxy_mesh of one source face (its arguments but the target's), the source's side (the
    proxy's rings, frontal and as the photo saw them) worked out once: a frame loop draws it
    every step (rings_at blends them per step, by how the turn faces each oval vertex)."""

    def __init__(self, src_vertices, shape, src_pose, distance_cm: float = CAMERA_DISTANCE_CM,
                 silhouette: np.ndarray | None = None, strip: np.ndarray | None = None,
                 beside: np.ndarray | None = None, fringe: np.ndarray | None = None,
                 hang: np.ndarray | None = None, hair: np.ndarray | None = None,
                 edge: np.ndarray | None = None, neck=None, glasses=None, skin=None):
        from .fit import pose_vertices

        sv = np.asarray(src_vertices, np.float64)
        self.src_pose, self.distance_cm = src_pose, distance_cm
        self.p = p = sv[list(FACE_OVAL)]
        self.p_in = oval_inner(sv)
        self.rings = rings = head_proxy(shape, silhouette=silhouette)
        self.chord, self.normal = chord_rings(rings), outer_normals(rings)
        self.seen = head_proxy(shape, silhouette=silhouette, view=src_pose.rotation)
        self.facing = facing(self.normal, src_pose)
        self.centre = head_centre(shape)[None]
        # [R*K,1]: how far each ring vertex turns with the pose (the rings stacked as mesh() poses them)
        self.turn = np.clip((NECK_CM[1] - rings[..., 1:2]) / (NECK_CM[1] - NECK_CM[0]), 0.0, 1.0).reshape(-1, 1)
        # [K] how far the rings may follow the oval by how far the silhouette turns (BESIDE_NECK)
        self.neck_follow = ramp(self.turn.reshape(len(rings), -1)[-1], (0.0, BESIDE_NECK))
        # [K] how far the proxy's first ring stays put by the neck (UNDER_CHIN)
        self.neck_still = 1.0 - self.turn.reshape(len(rings), -1)[0]
        self.c = c = p[:, :2].mean(0)
        self.r_src = np.linalg.norm(p[:, :2] - c, axis=1) + 1e-6
        # [K] px: the face's own reach in the photo, which the fixed outer ring must enclose: where a
        # turn moves the face off its nose's and lips' place past the far silhouette (a three-quarter
        # face turned towards the camera), only the band can draw over them (stretch_weights fills
        # what reads the face); outside the band the photo's nose stayed beside the turned face
        self.r_face = face_reach(sv, c)
        self.sil = PROXY_SCALES[-1] if silhouette is None else np.asarray(silhouette, np.float64)
        self.strip = None if strip is None else np.asarray(strip, np.float64)
        # [K] how far each oval vertex's proxy follows the oval where the turn reveals its side
        self.beside = None if beside is None else ramp(np.asarray(beside, np.float64), BESIDE_SHARE)
        self.fringe = None if fringe is None else np.asarray(fringe, np.float64)
        # [K,2] px: the fixed outer ring's reach on down the photo along hanging hair (hanging_hair)
        self.hang = None if hang is None or not np.any(hang) else np.asarray(hang, np.float64)
        # [K] the share of the photo beside each oval vertex that is hair (far_outline: BAND_HAIR)
        self.hair = None if hair is None else np.asarray(hair, np.float64)
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
        # [K] px: the photo's face past the oval out to the backdrop (module comment: the edge strip)
        self.edge = None if edge is None or not np.any(edge) else np.asarray(edge, np.float64)
        self.neck = neck   # poce_rt.neck.NeckLayer, or None
        self.skin = skin   # poce_rt.silhouette.SkinRun of the photo, or None (past_skin: none)
        self.ring_glasses = glasses   # as given (warp_surround's FeatureMask reads it)
        self.sv_card = None if glasses is None else sv[np.asarray(glasses[1], bool), :2]
        self.glasses = None if glasses is None or glasses[0] is None else self._glasses(sv, *glasses)

    def _glasses(self, sv: np.ndarray, reach: np.ndarray, on: np.ndarray):
        """(at [K] bool: the oval vertices the frame reaches, reach [K] frame_reach's (0 elsewhere),
        near [K,M] indices of the M card vertices, weights [K,M] their inverse-distance weights, 0
        beyond GLASSES_NEAR), or None where the frame reaches no oval vertex (GLASSES_PAST)."""
        reach = np.asarray(reach, np.float64)
        at = np.isfinite(reach)
        idx = np.flatnonzero(np.asarray(on, bool))
        if not at.any() or not len(idx):
            return None
        d = np.linalg.norm(self.p[:, None, :2] - sv[idx][None, :, :2], axis=-1)     # [K,M]
        weights = np.where(d <= GLASSES_NEAR * self.r_src.mean(), 1.0 / (d + 1.0), 0.0)
        at &= weights.sum(1) > 0
        return (at, np.where(at, reach, 0.0), idx, weights) if at.any() else None

    def rigid_glasses(self, src_r: list, dst_r: list, q: np.ndarray, dv: np.ndarray):
        """The proxy's rings with the sunglasses' frame moved with the glasses (GLASSES_PAST):
        src_r, dst_r the rings ([K,>=2] photo, [K,3] target), q [K,>=2] the moved oval, dv the
        face's [468,>=2] target vertices -> (src_r, dst_r, read [K] float64: pixels the oval ring's
        photo read moves out along its ray, <= 0)."""
        at, reach, idx, weights = self.glasses
        move = (weights @ (np.asarray(dv, np.float64)[idx, :2] - self.sv_card)) / \
            np.maximum(weights.sum(1, keepdims=True), 1e-12)
        u = (self.p[:, :2] - self.c) / self.r_src[:, None]
        edge = self.p[:, :2] + (reach + 1.0)[:, None] * u
        w = at * ramp(outward(edge + move, q), GLASSES_PAST)
        if not w.any():
            return src_r, dst_r, np.zeros(len(w))
        first = dst_r[0][:, :2] + w[:, None] * (edge + move - dst_r[0][:, :2])
        src_r = [src_r[0].copy()] + list(src_r[1:])
        src_r[0][:, :2] += w[:, None] * (edge - src_r[0][:, :2])
        out = outward(first, q)
        dst_r = [np.column_stack([first, dst_r[0][:, 2]])] + [
            np.column_stack([np.where(((outward(x, q) < out) & (w > 0))[:, None], first, x[:, :2]), x[:, 2]])
            for x in dst_r[1:]]
        return src_r, dst_r, w * np.minimum(reach - 1.0 - FRAME_READ_PX, 0.0)

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
        dst_r = self.far_outline(src_r, dst_r, q, turned, dst_pose)
        # the outer ring stays outside everything that moves, or the band would fold over itself
        r_dst = np.max([np.linalg.norm(x[:, :2] - c, axis=1) for x in dst_r + src_r + [q]] + [self.r_face], axis=0)
        beyond = PROXY_REACH - PROXY_SCALES[-1]
        scale = np.maximum(self.sil + beyond, 1.12 * r_dst / r_src)[:, None]
        outer = c + scale * (p[:, :2] - c)
        if self.hang is not None:
            # down the photo, and across to below the silhouette by the share of the full reach:
            # the band's outer edge follows the hair down, not the backdrop beside it
            share = np.minimum(self.hang / (HANG_REACH * r_src.mean()), 1.0)
            outer = outer + np.column_stack([share * (src_r[-1][:, 0] - outer[:, 0]), self.hang])
        far = max(float(x[:, 2].max()) for x in dst_r + [q]) + 1.0
        pull = np.zeros(k)   # [K] px: the rings drawn this much nearer the moved oval (BEHIND_FACE, edge strip)
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
            # oval (where the silhouette lies behind the face there, HIDDEN_FILL's case). All of
            # that strip, whatever lies beyond it (not by the backdrop's share, BESIDE_SHARE):
            # the strip itself is skin on the ray backdrop_beside reads, so the more the face
            # bulges past its oval the less of it was pulled (module comment at BEHIND_FACE)
            pull = edge_on * toward * self.neck_follow * np.minimum(self.behind, np.maximum(seen, 0.0))
        # how far the turn reveals each oval vertex's side (reveal())
        reveal = None if self.strip is None and self.neck is None and self.edge is None else self.reveal(dst_pose)
        if self.edge is not None:   # ... the photo's face past the oval on the side revealed (the edge strip)
            edge = reveal * self.neck_follow * self.edge
            pull = np.maximum(pull, edge)
            if edge.any():
                src_r = self.read_past(src_r, edge)
        if pull.any():
            hot = (pull > 0)[:, None]
            dst_r = [np.column_stack([np.where(hot, q[:, :2] + shortened(x[:, :2] - q[:, :2], pull), x[:, :2]),
                                      x[:, 2]]) for x in dst_r]
        dst_r[0] = self.under_chin(src_r[0], dst_r[0], q)
        read = None
        if self.glasses is not None:
            src_r, dst_r, read = self.rigid_glasses(src_r, dst_r, q, dv)
        fringe_src, fringe_dst, share = fringe_ring(src_r[-1][:, :2], dst_r[-1][:, :2], outer, c, self.fringe)
        src_r[-1] = self.past_skin(src_r[-1], dst_r[-1], q, fringe_src)
        neck = None
        if self.neck is not None:
            src_r, dst_r, fringe_src, fringe_dst, neck = self.neck_rings(src_r, dst_r, fringe_src, fringe_dst, q,
                                                                         reveal)
        depth = dst_r[-1][:, 2] + share * (far - dst_r[-1][:, 2])
        verts = np.concatenate([q_in, q] + dst_r + [np.column_stack([fringe_dst, depth]),
                                                    np.column_stack([outer, np.full(k, far)])]).astype(np.float32)
        p_read, p_in = p[:, :2], self.p_in
        if self.strip is not None:
            u = (p[:, :2] - c) / r_src[:, None]
            p_read = p_read + (reveal * self.strip)[:, None] * u
            src_r = past_strip(src_r, p, u, np.maximum(reveal * self.strip, 0.0))
            p_in, q_in = under_border(p, p_in, q, q_in, reveal * self.bare)
            p_in = under_hair(p_in, p_read, u, reveal * (self.strip > 0))
        if neck is not None:
            # under the jaw's feathered border, the neck: the border reads the neck's top, not the
            # backdrop past the oval (a pale line between the jaw and the neck)
            border, top = self.neck_border(neck)
            p_in = p_in[:, :2] + border[:, None] * (top - p_in[:, :2])
            p_read = p_read + border[:, None] * (top - p_read)
        if read is not None and read.any():   # onto the sunglasses' frame (rigid_glasses)
            p_read = p_read + read[:, None] * (p[:, :2] - c) / r_src[:, None]
        verts[:k, :2] = q_in[:, :2]
        src = np.concatenate([p_in[:, :2], p_read] + [x[:, :2] for x in src_r] + [fringe_src, outer])
        return verts, rings_tris(k, PROXY_RINGS), src

    def read_past(self, src_r: list, by: np.ndarray) -> list:
        """The proxy's rings' photo reads (src_r, [K,3] each) at least by [K] px out from the oval
        along each oval vertex's ray from its centre (edge_strip's ray): a ring read inside the
        face's strip past the oval, drawn on the moved oval (module comment: the edge strip),
        reads from the backdrop beyond the strip, not the rim of lit skin at its end. -> copies."""
        u = (self.p[:, :2] - self.c) / self.r_src[:, None]
        out = []
        for x in src_r:
            t = ((x[:, :2] - self.p[:, :2]) * u).sum(1)   # px out from the oval
            # a ring read behind the oval (a far side's silhouette hidden by the face) is left as it is
            short = np.where((by > 0) & (t >= 0), np.maximum(by - t, 0.0), 0.0)
            out.append(np.column_stack([x[:, :2] + short[:, None] * u, x[:, 2:]]))
        return out

    def past_skin(self, sil_src: np.ndarray, sil_dst: np.ndarray, q: np.ndarray, fringe_src: np.ndarray):
        """The silhouette ring's photo positions (sil_src [K,>=2]; drawn at sil_dst [K,>=2]) moved out
        towards the fringe ring's (fringe_src [K,2]) past the photo's skin where the band from the
        moved oval q [K,>=2] to the silhouette is drawn collapsed (COLLAPSED) -> [K,...] (sil_src
        itself where none is, or no skin reader was given)."""
        if self.skin is None:
            return sil_src
        seen = np.linalg.norm(sil_src[:, :2] - self.p[:, :2], axis=1)
        drawn = np.linalg.norm(sil_dst[:, :2] - np.asarray(q, np.float64)[:, :2], axis=1)
        collapsed = np.where(seen > 0, 1.0 - ramp(drawn / np.maximum(seen, 1e-9), COLLAPSED), 0.0)
        hot = np.flatnonzero(collapsed > 0)
        if not hot.size:
            return sil_src
        way = fringe_src[hot] - sil_src[hot, :2]
        out = sil_src.copy()
        out[hot, :2] += (collapsed[hot] * self.skin.run(sil_src[hot, :2], fringe_src[hot]))[:, None] * way
        return out

    def reveal(self, dst_pose) -> np.ndarray:
        """[K] in [0,1]: how far the turn to dst_pose moves each oval vertex out past the oval's mean
        move (REVEAL_MOVE), the side it reveals. The source's oval turned, not the target's: an
        expression moves the oval too (an opening jaw drops the chin, which shifts the mean, so the
        far temple of t1.jpg's profile face at x~906 read past its 'strip' into the far eye's lashes
        and drew them again beside the eye), but uncovers nothing beside it."""
        from .fit import pose_vertices

        u = (self.p[:, :2] - self.c) / self.r_src[:, None]
        turned = pose_vertices(perspective_shape(self.oval_shape, self.src_pose, dst_pose, self.distance_cm),
                               dst_pose)[:, :2] - self.oval_seen
        return ramp(((turned - turned.mean(0)) * u).sum(1) / self.r_src.mean(), REVEAL_MOVE)

    def neck_rings(self, src_r, dst_r, fringe_src, fringe_dst, q, reveal):
        """The proxy's rings (src_r, dst_r: [K,3] each) and fringe ring ([K,2] src, dst) with the
        vertices under a jaw that the turn to dst_pose reveals over the backdrop (poce_rt.neck:
        NeckLayer.weight of reveal, [K] reveal()'s at the target) drawn as the neck: from the moved
        jaw q [K,>=2] straight down the photo to the collar (NeckLayer.foot), reading the jaw's own
        skin (neck_read); the fringe ring at the collar reads the photo there, so the band beyond
        it to the still outer ring draws the photo in place. -> (src_r, dst_r, fringe src, fringe
        dst: copies, untouched where none is drawn; [K] how far each vertex is drawn as neck, or
        None where none is)."""

        neck = self.neck
        w = neck.weight(reveal)
        if not w.any():
            return src_r, dst_r, fringe_src, fringe_dst, None
        q2 = np.asarray(q, np.float64)[:, :2]
        length = neck.foot(q2) * (w > 0)
        on = length > 0
        if not on.any():
            return src_r, dst_r, fringe_src, fringe_dst, None
        # the neck always reaches the collar; a turn that reveals the side in part draws its rings
        # and reads part of the way from where they were to the neck's (no pop, and no neck ending
        # in mid-air above the collar: its length by the weight did)
        a = np.where(on, w, 0.0)[:, None]
        down = np.column_stack([np.zeros(len(q2)), length])
        # the neck's side, the drawn vertex nearest the ear on each side of the chin, reads the photo
        # where it is drawn (the backdrop: foot() runs down behind the head to the collar): the band
        # from it inwards reads across the jaw's edge, and draws it as the neck's; read inside the
        # jaw, the band beside it from the ear's vertex did, a skin-coloured wedge jutting out under
        # the ear. Read where it was, beside the jaw, the backdrop there (paler by the head:
        # multi_face.jpg's sky, 6-11 levels) was drawn down the neck's side into the band towards
        # the ear, which met the still backdrop under it along a pale diagonal line
        skin = on.copy()
        chin = np.flatnonzero(neck.side == 0)[0]
        for s in (-1, 1):
            drawn = np.flatnonzero(on & (neck.side == s))
            if drawn.size:
                skin[drawn[np.argmax(np.abs(drawn - chin))]] = False
        read = np.where(skin, 1.0, 0.0)[:, None] * a
        side = np.where(on & ~skin, 1.0, 0.0)[:, None] * a
        src_r, dst_r = list(src_r), list(dst_r)
        for j, t in enumerate(NECK_SHARES):
            dst_r[j] = np.column_stack([dst_r[j][:, :2] + a * (q2 + t * down - dst_r[j][:, :2]), dst_r[j][:, 2]])
            at = src_r[j][:, :2] + side * (dst_r[j][:, :2] - src_r[j][:, :2])
            src_r[j] = np.column_stack([at + read * (self.neck_read(t) - at), src_r[j][:, 2]])
        foot = q2 + down
        return (src_r, dst_r, fringe_src + a * (foot - fringe_src), fringe_dst + a * (foot - fringe_dst),
                a[:, 0])

    def neck_border(self, neck: np.ndarray):
        """[K] how far each oval vertex is drawn as neck (neck_rings') -> ([K] how far the face's
        feathered border at each vertex reads the neck's top, [K,2] where: neck_read(0)'s). Beside
        the drawn vertex nearest the chin on each side, its neighbour towards the chin (not drawn:
        its column has the photo's own chin or collar under it) reads that vertex's top as much: read
        in place, its border is where the tracked oval runs past the chin over the backdrop between
        the chin and the collar (multi_face.jpg's face 0 at -25: sky, 187/174/153 beside his skin's
        196/152/115), and the border between the two spread it over the neck's top by the collar."""

        border, top = neck.copy(), self.neck_read(0.0)
        side = self.neck.side
        chin = np.flatnonzero(side == 0)[0]
        for s in (-1, 1):
            drawn = np.flatnonzero((neck > 0) & (side == s))
            if not drawn.size:
                continue
            k = drawn[np.argmin(np.abs(drawn - chin))]
            n = k - s
            if 0 <= n < len(neck) and neck[n] == 0:
                border[n], top[n] = neck[k], top[k]
        return border, top

    def neck_read(self, t: float) -> np.ndarray:
        """[K,2] where the neck's ring t of the way down from the jaw reads the photo: the face's
        own skin inside the oval (poce_rt.neck.NECK_READ)."""

        d = NECK_READ[0] + t * (NECK_READ[1] - NECK_READ[0])
        return self.p[:, :2] + d * (self.c - self.p[:, :2])

    def under_chin(self, first_src: np.ndarray, first_dst: np.ndarray, q: np.ndarray) -> np.ndarray:
        """The proxy's first ring at the target ([K,3], first_dst) drawn no further out from the
        moved oval q [K,>=2] than the photo shows it (first_src [K,>=2] from the oval) where the
        ring stays with the still neck and the oval moves away from it (UNDER_CHIN)."""
        seen = outward(first_src, self.p)
        wide = outward(first_dst, q) / np.maximum(seen, 1.0)
        follow = ramp(wide, UNDER_CHIN) * self.neck_still
        if not follow.any():
            return first_dst
        keep = (1.0 - follow + follow / np.maximum(wide, 1.0))[:, None]
        return np.column_stack([q[:, :2] + (first_dst[:, :2] - q[:, :2]) * keep, first_dst[:, 2]])

    def far_outline(self, src_r, dst_r, q, turned, dst_pose) -> list:
        """dst_r (the proxy's rings posed at dst_pose, [K,3] each, src_r as the photo shows them)
        with the far side's silhouette drawn out to the head's outline (FAR_MIN_PX's note): where the
        outer facet turns away (BEND_AWAY) and the turned silhouette lies nearer the head's centre
        (head_centre) than the photo's did, it is drawn where a round head's outline lies at the
        target, the photo's moved with the centre, no further out from the moved oval q [K,>=2]
        than the photo shows it beyond the oval, and the rings between by their share of the way
        out (PROXY_SCALES: their order kept); only where the photo shows hair there (BAND_HAIR).
        turned: [K] facing(normal, dst_pose)."""
        from .fit import pose_vertices

        away = ramp(self.facing - turned, BEND_AWAY) * self.turn.reshape(len(self.rings), -1)[-1]
        if not away.any():
            return dst_r
        if self.hair is not None:
            # one share for the whole far side: gated vertex by vertex, its outline was drawn in steps
            away = away * ramp(np.array((away * self.hair).sum() / away.sum()), BAND_HAIR)
            if not away.any():
                return dst_r
        c_src = pose_vertices(self.centre, self.src_pose)[0, :2].astype(np.float64)
        c_dst = pose_vertices(perspective_shape(self.centre, self.src_pose, dst_pose, self.distance_cm),
                              dst_pose)[0, :2].astype(np.float64)
        drawn = dst_r[-1][:, :2]
        radius = np.linalg.norm(drawn - c_dst, axis=1)
        oval = np.linalg.norm(np.asarray(q, np.float64)[:, :2] - c_dst, axis=1)
        # the outline's distance from the centre, as in the photo; a side turned away shows no
        # more beyond its oval than the photo does (a round head's band narrows as it turns away)
        outline = np.linalg.norm(src_r[-1][:, :2] - c_src, axis=1)
        band = outline - np.linalg.norm(self.p[:, :2] - c_src, axis=1)
        # out along the drawn silhouette's own ray from the centre, never in past the moved oval
        gain = np.minimum(outline, oval + np.maximum(band, 0.0)) - radius
        gain = away * np.where(radius - oval > FAR_MIN_PX, np.maximum(gain, 0.0), 0.0)
        if not (gain > 0).any():
            return dst_r
        move = ((drawn - c_dst) / np.maximum(radius, 1e-9)[:, None]) * gain[:, None]
        share = [(sc - 1.0) / (PROXY_SCALES[-1] - 1.0) for sc in PROXY_SCALES]
        return [np.column_stack([x[:, :2] + t * move, x[:, 2]]) for x, t in zip(dst_r, share)]

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


def under_hair(p_in: np.ndarray, p_read: np.ndarray, u: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """[K,2] where the ring inside the oval reads the photo (p_in [K,>=2]) under the face's
    feathered border beside the hair, by weight [K] (how far the turn reveals a side whose oval
    ring reads past the skin strip, at p_read [K,2]): there it reads the hair past the strip, from
    p_read out to UNDER_HAIR_PX along u [K,2] (none at the photo's pose).

    Issue 15, 0-f15-hao-ph.jpg at +25: that band, from the ring inside the oval to the oval, read
    the photo from inside the oval out to the hair, the cheek's edge and its mix with the hair:
    3-4 px of the photo drawn ~20 px wide under the revealed outline, which the feather (0.03 of
    the face's width) blended in, a pale greyish-pink strip (L 45-53 over 6 px, the hair's
    30-40) between the hair drawn past the outline and the hair the face's layer draws over it
    (poce_rt.hair). Read so, the feather blends the face's edge into the hair (L 42-50 over those
    pixels; the band's reads along the oval vertices' rays that are hair: 44% -> 80%)."""
    w = np.asarray(weight, np.float64)[:, None]
    return p_in[:, :2] + w * (p_read + UNDER_HAIR_PX * u - p_in[:, :2])


def past_strip(src_r: list, p: np.ndarray, u: np.ndarray, moved: np.ndarray) -> list:
    """The proxy's rings inside its silhouette (src_r [R] of [K,>=2] photo positions, the
    silhouette last) read from the oval ring's read moved `moved` [K] px out along u [K,2] from the
    oval p [K,>=2] (past the skin strip, HeadProxy.mesh) out to the silhouette, in the proportions
    they read from the oval; the silhouette's read stays.

    Issue 15, 0-f1-su-ph.jpg at +25: where the turn reveals a side, the oval ring reads the photo
    past the skin strip beside the oval (silhouette.skin_strip, module comment at STRIP_MAX), out
    to the hair's own colour past its mix with the skin: by 0-f1's image-left cheek 16 px out,
    past the proxy's first ring (14 px out, scale 1.1). The band between them read a sliver of
    0-2 px (folded) and was drawn 18 px wide (area 7-16x), all filled by the stretched-strip fill
    (ring_photo.STRETCH_FILL): a smooth brownish column of the head's colours between the cheek
    and the hair from the temple down past the cheek. Read so, the first band reads the hair's
    strands and is warped (area 1.3-1.7x; 15-f13-anc-ph.jpg's, beside a skin strip 5-8 px wide
    under her bob, 3.4 at most -> 1.8)."""
    if not moved.any():
        return src_r
    span = ((src_r[-1][:, :2] - p[:, :2]) * u).sum(1)   # [K] px from the oval out to the silhouette
    moved = np.minimum(moved, np.maximum(span, 0.0))   # (skin_strip reads within STRIP_MAX: never past it)
    out = []
    for x in src_r[:-1]:
        share = np.clip(((x[:, :2] - p[:, :2]) * u).sum(1) / np.maximum(span, 1e-6), 0.0, 1.0)
        x = x.copy()
        x[:, :2] += ((1.0 - share) * moved)[:, None] * u
        out.append(x)
    return out + [src_r[-1]]


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


def ring_band(src_vertices: np.ndarray, dst_vertices: np.ndarray, height: int, width: int,
              reach: float = REACH, proxy=None):
    """The band of the ring warp for a move of the face, or None when the oval does not move (or
    the band misses the frame). src_vertices / dst_vertices: the face's [468,3] vertices in the
    photo and at the target. proxy: None (the band between the oval and a fixed ring), or
    (source shape [468,3] canonical, source Pose, target Pose[, camera distance cm[, silhouette
    [K] (silhouette_scales')[, strip [K] (skin_strip's)[, beside [K] (backdrop_beside's)[, fringe [K]
    (fringe_widths')[, hang [K] (hanging_hair's)[, hair [K] (band_hair's)[, edge [K]
    (edge_strip's)[, neck (poce_rt.neck.neck_layer's)[, glasses (accessories.ring_glasses')]]]]]]]]]])
    for the head proxy's rings, or (HeadProxy, target Pose): the same with the source's side worked out once
    (what stages and the frame loop pass).
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
    soften_folds(rgb, alpha, pos, take, under_face(verts, tris, height, width, take, stream, workspace))
    return rgb, alpha, pos


def under_face(verts, tris, height: int, width: int, take, stream=None, workspace=None):
    """[h,w] float32 buffer of take's: each pixel's share under the face's render, from the coverage
    of the moved oval (the head proxy's second ring, the face's outline; render's 4 sub-samples):
    1 from half covered (UNDER_COVERAGE); None for a mesh without the face's own ring inside the
    oval (the plain band of surround_mesh starts at the oval). The proxy's first band (its first
    2K triangles) drawn with its inner ring on the oval's centre: the oval's fan. draw_ring's
    arguments; soften_folds' `under`."""
    k = len(FACE_OVAL)
    if len(verts) != PROXY_RINGS * k:
        return None
    xp = ops.array_module(verts)
    fan = take("ring.under_verts", (2 * k, 3))
    fan[...] = verts[:2 * k]
    centre = take("ring.under_centre", (1, 3))
    xp.mean(verts[k:2 * k], axis=0, keepdims=True, out=centre)
    fan[:k] = centre
    ones = take("ring.under_texture", (1, 1, 1))
    ones[...] = 1.0
    uvs = take("ring.under_uvs", (2 * k, 2))
    uvs[...] = 0.0
    under = take("ring.under", (height, width))
    ops.render(ones, fan, tris[:2 * k], uvs, height, width, stream=stream,
               out=(take("ring.under_colour", (height, width, 1)), under), workspace=workspace)
    # the ring draws a pixel from the band its centre falls in: under the face from half covered
    # (a straight outline through the pixel's centre; coverage comes in quarters): ramp(coverage,
    # UNDER_COVERAGE)
    xp.subtract(under, np.float32(UNDER_COVERAGE[0]), out=under)
    xp.multiply(under, np.float32(1.0 / (UNDER_COVERAGE[1] - UNDER_COVERAGE[0])), out=under)
    xp.clip(under, 0.0, 1.0, out=under)
    return under


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


def soften_folds(rgb, alpha, pos, take, under=None):
    """Antialias the ring's fold edges (FOLD_PX) in place. rgb [h,w,3] float32 and alpha [h,w]
    float32: the ring's render; pos [h,w,2] float32: the photo position each pixel reads (drawn
    by the same render, draw_ring, so the same triangle wins each pixel; a view will do).
    take(name, shape) -> a float32 buffer (the loop's workspace, or fresh arrays); host or device
    arrays, no allocation but take's. under: None, or [h,w] float32 under_face's (1 under the
    face's render, 0 past it): a pixel past the face is blended with the blur of the pixels past
    it alone, each weighed by 1 - under (module comment at FOLD_PX). Returns rgb."""
    h, w = alpha.shape
    if h < 3 or w < 3:
        return rgb
    if ops.array_module(rgb) is np:
        return _soften_folds_host(rgb, alpha, pos, take, under)
    return soften_folds_arrays(rgb, alpha, pos, take, under)


def soften_folds_arrays(rgb, alpha, pos, take, under=None):
    """soften_folds (same arguments) over the whole box in array code: CuPy's path, and on NumPy
    the reference the host path is tested against."""
    xp = ops.array_module(rgb)
    h, w = alpha.shape
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
    blur = _binomial(rgb, take("ring.fold_blur", (h, w, 3)), take("ring.fold_work", (h, w, 3)))
    if under is not None:   # past the face: the blur of the pixels past it, (blur of rgb past) / (blur of past)
        past = take("ring.fold_past", (h, w, 1))
        xp.subtract(np.float32(1.0), under[..., None], out=past)
        masked = take("ring.fold_masked", (h, w, 3))
        xp.multiply(rgb, past, out=masked)
        masked = _binomial(masked, masked, take("ring.fold_work", (h, w, 3)))
        share = _binomial(past, take("ring.fold_share", (h, w, 1)), take("ring.fold_share_work", (h, w, 1)))
        xp.maximum(share, np.float32(1e-6), out=share)   # 0 only under the face, where past is 0
        xp.divide(masked, share, out=masked)
        xp.subtract(masked, blur, out=masked)
        xp.multiply(masked, past, out=masked)
        xp.add(blur, masked, out=blur)
    xp.subtract(blur, rgb, out=blur)
    xp.multiply(blur, jump, out=blur)
    xp.add(rgb, blur, out=rgb)
    return rgb


def _binomial(src, dst, work):
    """dst [h,w,C]: src [h,w,C] blurred by the separable [1 2 1]/4, its border rows and columns kept
    (soften_folds' dense path; dst may be src). Returns dst."""
    xp = ops.array_module(src)
    for a, b, axis in ((src, work, 1), (work, dst, 0)):
        if b is not a:
            b[...] = a
        lo, mid, hi = ((slice(None, -2), slice(1, -1), slice(2, None)) if axis == 0 else
                       ((slice(None), slice(None, -2)), (slice(None), slice(1, -1)), (slice(None), slice(2, None))))
        xp.add(a[lo], a[hi], out=b[mid])
        xp.add(b[mid], a[mid], out=b[mid])
        xp.add(b[mid], a[mid], out=b[mid])
        xp.multiply(b[mid], np.float32(0.25), out=b[mid])
    return dst


def _soften_folds_host(rgb, alpha, pos, take, under=None):
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

    up, down = (y > 0).astype(np.intp) * w, (y < h - 1).astype(np.intp) * w
    inner_y = ((up > 0) & (down > 0))[:, None]

    def binomial(values, sel=slice(None)):      # the 3x3 blur at ends[sel] of values(flat indices) [n,C]
        at, lf, rt, ix = ends[sel], left[sel], right[sel], inner_x[sel]

        def row_blur(i):                        # the horizontal pass at flat indices i (columns x)
            m = values(i)
            return np.where(ix, (values(i - lf) + values(i + rt) + m + m) * np.float32(0.25), m)

        mid = row_blur(at)
        return np.where(inner_y[sel], (row_blur(at - up[sel]) + row_blur(at + down[sel]) + mid + mid) *
                        np.float32(0.25), mid)

    blur = binomial(lambda at: flat.take(at, 0))
    if under is not None:   # past the face: the blur of the pixels past it (soften_folds')
        u = np.ascontiguousarray(under).reshape(-1, 1)

        def past(at):
            return np.float32(1.0) - u.take(at, 0)

        # only a pixel past the face with a neighbour under it blurs otherwise (elsewhere the two are equal)
        near = np.zeros(len(ends), bool)
        for dy in (-up, 0, down):
            for dx in (-left, 0, right):
                near |= u.take(ends + dy + dx, 0)[:, 0] > 0
        sel = np.flatnonzero(near & (past(ends)[:, 0] > 0))
        if len(sel):
            with np.errstate(invalid="ignore"):
                masked = binomial(lambda at: flat.take(at, 0) * past(at), sel) / binomial(past, sel)
            blur[sel] = blur[sel] + np.nan_to_num(masked - blur[sel]) * past(ends[sel])   # (0/0: past 0)
    here = flat.take(ends, 0)
    flat[ends] = here + (blur - here) * weight
    if not np.shares_memory(flat, rgb):
        rgb[...] = flat.reshape(rgb.shape)
    return rgb


def warp_surround(image: np.ndarray, src_vertices: np.ndarray, dst_vertices: np.ndarray,
                  reach: float = REACH, proxy=None, filled_out: np.ndarray | None = None,
                  moving_out: np.ndarray | None = None, backdrop: np.ndarray | None = None, rim=None) -> np.ndarray:
    """image [H,W,3] uint8, the face's [468,3] vertices in the photo and at the target -> [H,W,3] uint8
    with the ring around the face warped to follow the face oval (a copy; the input is not changed);
    proxy: as ring_band's. filled_out: an optional [H,W] float32 array that receives each pixel's
    share of ring texels filled beyond the photo or for a stretched strip, or of background the
    turn uncovered (ring_filled; untouched where the ring is not drawn). moving_out: an optional [H,W]
    float32 array that receives the ring's coverage times its moved weight (where it draws something
    other than the photo's own pixel; untouched where the ring is not drawn). backdrop: the
    photo's poce_rt.hair.backdrop_colours when the caller has them (None: read here for a head
    proxy's stretched strips, stretched_patch). rim: None, or (poce_rt.rim_light.RimLight, reveal
    [K] at the oval's vertices): the ring's texture relit about the oval (photo_texture's). Returns
    the image unchanged (same object) when
    the oval does not move."""
    h, w = image.shape[:2]
    band = ring_band(src_vertices, dst_vertices, h, w, reach, proxy)
    if band is None:
        return image
    verts, tris, src, (x0, y0, x1, y1) = band
    lo = np.floor(src.min(0)).astype(int) - 2
    side = int(np.ceil((src.max(0) - lo).max())) + 2
    glasses = None if proxy is None else (proxy[0].ring_glasses if isinstance(proxy[0], HeadProxy) else
                                          (proxy[12] if len(proxy) > 12 else None))
    features = FeatureMask(src_vertices, glasses)
    weights = stretch_weights(verts, src, features)
    if weights.any() and backdrop is None and proxy is not None:
        from .hair import backdrop_colours

        backdrop = backdrop_colours(image[..., :3])
    texture, known = photo_texture(image, lo, side, (verts, src, weights) if weights.any() else None,
                                   backdrop if proxy is not None else None, features, rim)
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
