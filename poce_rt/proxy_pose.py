"""The head proxy posed with the face: its rings between the face oval and the fixed outer ring,
frontal and as the photo saw them, turned with the face's pose (the neck less, fading to not at
all under the chin) and drawn where the photo shows what lies beside the head (what is past the
oval on a side seen edge-on, under the chin, the far side's outline, sunglasses at the oval), each
vertex with where it reads the photo (HeadProxy; issue 15, DESIGN.md "Head, not
face"). poce_rt.head_proxy is the proxy's geometry in the canonical frame, poce_rt.silhouette
what it reads from the photo; poce_rt.jaw_rings draws the rings under the jaw (the neck, the chin's
underside, the jaw's shadow), poce_rt.glasses_rings those at the sunglasses' frame, poce_rt.arm_rings
those beside the far side where an arm lies there; poce_rt.surround draws the posed band with the
photo (ring_band).
"""
from __future__ import annotations

import numpy as np

from .arm_rings import ArmRings
from .camera import CAMERA_DISTANCE_CM, perspective_shape
from .glasses_rings import glasses_rings
from .hair_beyond import FRINGE, HANG_REACH
from .head_proxy import (BEND_AWAY, FACE_OVAL, NECK_CM, PROXY_REACH, PROXY_RINGS, PROXY_SCALES, chord_rings,
                         face_past_oval, face_reach, face_read_at, facing, head_centre, head_proxy,
                         outer_normals, outward, oval_inner, oval_normals, oval_radius, ramp, rings_tris, shortened)
from .jaw_rings import JawRings
from .past_oval import BESIDE_EDGE_ON, BESIDE_GROWTH, BESIDE_NECK, BESIDE_SHARE, BESIDE_TOWARD, REVEAL_MOVE

# the head proxy's innermost ring lies at least this far (x the oval's mean radius) inside the
# oval: under the face's feathered border (about 0.06 of the radius), under_border
INNER_MIN = 0.08
# The face over its own oval (issue 15, held-out Image_with_alpha.png turned +25, away from his
# far ear): turned towards edge-on, the far cheek is drawn out past the moved oval, which lies
# behind it, and the innermost ring (the means of the oval's inner neighbours) with it (oval
# vertices 8-11, up to 11.5 px past the oval), under the face's feathered edge. That ring read the
# photo as at the source, about the oval: there his sideburn's dark strip between the cheek and
# the ear (L* 42-56), which the turned cheek hides, and the feather blended it into the cheek's
# edge (L* 85-90): a dark line 3-7 px inside the face's edge from the ear down to the beard (L* 70
# at its darkest; on the rows between vertices 8 and 11 the output lay below the straight line
# across the face's edge by 16.4 L* on average, 6.3 now). Where the ring lies past the oval (by
# the ramp of OVER_OVAL, x the oval's mean radius) it reads the photo the face itself draws at its
# place (under_own_face), so that the feather blends the face's edge with its own surface, as the
# ring's inner band is meant to (under_border). Every turned face's far side folds so (1.6-22 px
# past the oval at +-25 on the six held-out faces); where the photo about the oval is like the
# face drawn over it little changes (t1.jpg's three faces and multi_face.jpg's 0: at most 28
# levels on 14-152 px about the far edge; Tom_Hanks_54745.png, his feather 2 px: none).
OVER_OVAL = (0.0, 0.01)
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
# pixel that is not skin (skin_run.SkinRun; past_skin), where one is on the way.
COLLAPSED = (0.1, 0.2)
# That strip is pulled in whole (HeadProxy.mesh), not by the share of backdrop_beside's ray that is
# backdrop (BESIDE_SHARE): the ray starts BESIDE_SKIP_PX past the oval, inside the very strip of
# cheek the face bulges past it, so the wider the bulge the lower the share (Tom_Hanks_54745.png's
# jaw, 6.7 px past its oval: 0.5 of the ray backdrop, pulled 0.67 of the strip) and the ring drew
# the rest of the lit jaw again past the turned face (-25: a pale rim, 10+ levels over the backdrop
# 1.7 px past the face on average over the jaw's rows, 4 at most, up to 10 levels paler than the
# skin beside it; now 0.8 / 2 px, 1 level; 45-m7-di-ph.jpg at +25: what is not backdrop past its
# far cheek 5.2 -> 4.1 px on average, a thinner ghost).
# The edge strip: the face past its oval on a side the turn reveals, where the photo shows the
# backdrop beyond it (issue 15, single_face.jpg, yaw -8, turned +25; past_oval.edge_strip): his
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
# ... and a head is not round: it is longer front to back than it is wide (a cephalic index of
# 0.75-0.85; the hair adds about as much all round), so turned away from the camera its outline
# is made by its longer back and lies further out across the image than the photo's (head_width;
# where the turn brings it nearer, the outline is kept a round head's). As a sphere,
# multi_face.jpg's face 0 (curls, yaw +10) turned +25 kept his far temple's outline 79 px from
# the head's centre while his temple moved out from 56 to 62 px (that centre, 3 cm behind the
# point the pose turns about, swings 10 px towards the near side): the band beside the temple
# (oval vertex 4) drawn 16.7 px wide of the photo's 22.7, and the curls above his far lens 1-4 px
# past its end (0-1 before, 13-17 in the photo); as this head 20.9 px, and 2-7.
HEAD_LENGTH = 1.25
# ... only where the photo shows hair beside the far side: band_hair's share of the photo between
# the oval and the silhouette, over the vertices turned away (weighted as far_outline's `away`),
# BAND_HAIR[0] none .. [1] fully. Where it shows skin or the backdrop, what lies there is a hand,
# a cheek, a wall, not a round head's outline: drawn out, the turned-away side read fuller and
# the judge read less turn (Image_with_alpha.png at -25, the hand over the far brow, hair 0.015:
# drawn 27 px out, MediaPipe's read-back over 9 shifts 82% -> 78%, in the 8 crops 78% -> 73%;
# multi_face.jpg's face 0 at +25, red curls that poce_rt.colour_classes.hair_like cannot tell from his
# skin, hair 0: 71% -> 62% in the whole photo). One share per side: gated vertex by vertex, t1.jpg's
# face 0's long hair (0-1 along her far side) was drawn out in steps. t1.jpg's largest face: 0.22
# at -25, 0.42 at +25; faces 0 and 1 at -25 0.18 and 0.20, Image_with_alpha.png 0.015 / 0.03.
BAND_HAIR = (0.05, 0.15)
# ... or where the photo shows the head there, told from a hand by other means than the hair's
# colour: red curls that read as skin (multi_face.jpg's face 0: hair 0.026 at +25) are
# skin-coloured like a hand over the brow (Image_with_alpha.png 0.015), but no arm runs beside
# his head (poce_rt.occluder.arm_beside: the head proxy is given `head` only then) and his band
# is the head, not the backdrop (band_content.band_head's share, over the vertices turned away as
# BAND_HAIR's): BAND_HEAD[0] none .. [1] fully. multi_face.jpg's face 0: 0.73 at +25 (0.65 at -25,
# where his hair's share draws it out already); Tom_Hanks_54745.png's wall 0.42 / 0.13 and t1.jpg's
# face 5 0.22 are left as they were; an arm lies beside Image_with_alpha.png (0.69 / 0.77) and
# multi_face.jpg's faces 1 and 3. t1.jpg's face 0 at +25 (her long light-brown hair, 0.044 hair
# as its colours read it) is drawn out too: 0.82.
BAND_HEAD = (0.5, 0.6)
# ... and where an arm lies beside the far side, its rings are drawn at the photo's steps between
# them instead (poce_rt.arm_rings: BAND_ARM, ArmRings.flat_beside)
# under_hair: the band under the face's feathered border reads the hair this far past the oval
# ring's read (mirrored about it). Not as far out as it read in (3-11 px): on t1.jpg's face 1 at
# +25 that reached a dark lock and drew a 3x4 px speck on the cheek under the eye.
UNDER_HAIR_PX = 2.0


class HeadProxy:
    """The band with the head proxy of one source face, ring by ring (mesh: for a target), the
    source's side (the proxy's rings, frontal and as the photo saw them) worked out once: a frame
    loop draws it every step (rings_at blends them per step, by how the turn faces each oval
    vertex). src_vertices [468,3] the face's vertices in the photo, shape its canonical shape,
    src_pose its Pose. The rings: the face's own vertices next to its oval (OVAL_INNER), the
    oval, both moving with the face; the proxy rings (posed through the camera of
    poce_rt.camera, distance_cm from the head, like the face; silhouette: head_proxy's, None for
    PROXY_SCALES); the outer ring (fixed), PROXY_REACH - PROXY_SCALES[-1] beyond the silhouette.
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
    has the backdrop beside it, the rings under the jaw drawn as the neck (jaw_rings.JawRings).
    glasses: None, or (reach [K] accessories.frame_reach's, on [468] bool the lens card's
    vertices): the ring moved with the sunglasses where their frame reaches the oval, and the hair
    over the frame's arm beside its end with it (poce_rt.glasses_rings; skin: its SkinRun tells
    where that hair starts over the face's rim).
    The ring inside the oval lies under the face's feathered border: there the face is blended
    with what lies under it, which must be the face's own surface warped the same way, not the
    photo's unmoved forehead (that drew a bright arc along the border of a turned face).
    skin: None, or a poce_rt.skin_run.SkinRun of the photo, which past_skin reads (None: the
    silhouette ring is not moved past the photo's skin). stages.head_proxy_of builds it as the
    stages and the frame loop draw it, with all of these read from the photo. head: None, or [K]
    band_content.band_head's where no arm lies beside the head (band_content.band_head_armless): the
    far side drawn out where that shows the head (BAND_HEAD). shadow: None, or [K]
    poce_rt.neck.jaw_shadow's: where the photo shows the jaw's shadow on the neck, the rings under
    the jaw going with the jaw (jaw_rings.JawRings). arm: None, or [K] band_content.band_arm's:
    the far side drawn at the photo's steps between its rings (narrowed) where an arm lies there,
    the fixed outer ring reaching on out along the forearm, the far cheek below the hand past the
    face's mesh (poce_rt.arm_rings.ArmRings, held as proxy.arm)."""

    def __init__(self, src_vertices, shape, src_pose, distance_cm: float = CAMERA_DISTANCE_CM,
                 silhouette: np.ndarray | None = None, strip: np.ndarray | None = None,
                 beside: np.ndarray | None = None, fringe: np.ndarray | None = None,
                 hang: np.ndarray | None = None, hair: np.ndarray | None = None,
                 edge: np.ndarray | None = None, neck=None, glasses=None, skin=None, head=None,
                 shadow: np.ndarray | None = None, arm: np.ndarray | None = None):
        from .facemodel import load_face_model
        from .fit import pose_vertices

        sv = np.asarray(src_vertices, np.float64)
        self.src_pose, self.distance_cm = src_pose, distance_cm
        self.sv, self.tris = sv, load_face_model().tris   # what the face draws over the inner ring (under_own_face)
        self.p = p = sv[list(FACE_OVAL)]
        self.p_in = oval_inner(sv)
        self.rings = rings = head_proxy(shape, silhouette=silhouette)
        self.chord, self.normal = chord_rings(rings), outer_normals(rings)
        self.seen = head_proxy(shape, silhouette=silhouette, view=src_pose.rotation)
        self.facing = facing(self.normal, src_pose)
        self.centre = head_centre(shape)[None]
        # what the per-step mesh measures against the photo's oval and head centre, worked out once
        # (~0.15 ms a step): the oval's outward normals (outward), the centre where the photo shows
        # it and each oval vertex's distance from it (far_outline)
        self.p_normals = oval_normals(p)
        self.c_src = pose_vertices(self.centre, src_pose)[0, :2].astype(np.float64)
        self.p_reach = np.linalg.norm(p[:, :2] - self.c_src, axis=1)
        # [R*K,1]: how far each ring vertex turns with the pose (the rings stacked as mesh() poses them)
        self.turn = np.clip((NECK_CM[1] - rings[..., 1:2]) / (NECK_CM[1] - NECK_CM[0]), 0.0, 1.0).reshape(-1, 1)
        # [K] how far the rings may follow the oval by how far the silhouette turns (BESIDE_NECK)
        self.neck_follow = ramp(self.turn.reshape(len(rings), -1)[-1], (0.0, BESIDE_NECK))
        self.c = c = p[:, :2].mean(0)
        self.r_src = np.linalg.norm(p[:, :2] - c, axis=1) + 1e-6
        self.u = (p[:, :2] - c) / self.r_src[:, None]   # [K,2] each oval vertex's unit ray out from c
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
        # [K] the share of it that is the head, not the backdrop, where no arm lies beside it (BAND_HEAD)
        self.head = None if head is None else np.asarray(head, np.float64)
        # the rings beside the far side where an arm lies there (its share of the band: arm_rings.BAND_ARM)
        self.arm = None if arm is None else ArmRings(arm, sv, p, c, self.u, self.r_src, self.facing, self.fringe)
        # the oval vertices whose inner ring folds out past them in the photo, with no hair
        # beyond them (skin_strip's 0): a face's edge seen edge-on against what lies beside the head;
        # and those past the head's edge (a negative strip: edge_overshoot's)
        folded = ((p[:, :2] - self.p_in[:, :2]) * (p[:, :2] - p[:, :2].mean(0))).sum(1) < 0
        self.bare = None if strip is None else ((folded & (self.strip <= 0)) | (self.strip < 0)).astype(float)
        # [K] how far the photo beside each oval vertex is the backdrop the face's edge is seen against
        # (poce_rt.profile_edge.own_edge_of: stages.head_proxy_of sets it), or None
        self.own_edge = None
        self.oval_shape = np.asarray(shape, np.float64)[list(FACE_OVAL)]
        self.oval_seen = pose_vertices(self.oval_shape, src_pose)[:, :2].astype(np.float64)
        # [K] px: the strip past the oval that is the face itself, on a side seen edge-on (BEHIND_FACE)
        past = face_past_oval(sv)
        self.behind = past * ramp(past / oval_radius(sv), BEHIND_FACE)
        # [K] px: the photo's face past the oval out to the backdrop (module comment: the edge strip)
        self.edge = None if edge is None or not np.any(edge) else np.asarray(edge, np.float64)
        self.neck = neck   # poce_rt.neck.NeckLayer, or None
        self.skin = skin   # poce_rt.skin_run.SkinRun of the photo, or None (past_skin: none)
        # the rings under the jaw (the neck, the chin's underside, the jaw's shadow), each ring by how
        # far it stays with the neck
        self.jaw = JawRings(p, self.p_normals, c, 1.0 - self.turn.reshape(len(rings), -1), neck, shadow)
        self.shadow = self.jaw.shadow   # [K] or None: how surely the photo shows the jaw's shadow (neck.jaw_shadow)
        self.ring_glasses = glasses   # as given (warp_surround's FeatureMask reads it)
        # the rings at the sunglasses' frame where it reaches the oval, or None
        self.glasses = None if glasses is None or glasses[0] is None else \
            glasses_rings(sv, *glasses, p, self.u, self.r_src, self.p_normals, self.oval_shape, skin)

    def mesh(self, dst_vertices, dst_pose):
        """The band for the face's [468,3] vertices dst_vertices at dst_pose -> (verts [PROXY_RINGS*K,3]
        float32 target positions, depth for the depth test; tris; src [PROXY_RINGS*K,2] where each
        vertex reads the photo)."""
        from .fit import pose_vertices

        dv = np.asarray(dst_vertices, np.float64)
        p, c, r_src, k = self.p, self.c, self.r_src, len(self.p)
        q = dv[list(FACE_OVAL)]
        q_in = oval_inner(dv)
        # the rings posed all at once (a row's values do not depend on the rows beside it): 3
        # calls a step where a ring at a time took 15
        turned = facing(self.normal, dst_pose)   # [K] each outer facet's cosine with the camera at the target
        q_normals = oval_normals(q)   # the moved oval's, which outward measures against twice a step
        rings = np.concatenate(self.rings_at(dst_pose, turned))
        src_all = pose_vertices(rings, self.src_pose).astype(np.float64)
        dst_all = src_all + self.turn * (pose_vertices(
            perspective_shape(rings, self.src_pose, dst_pose, self.distance_cm), dst_pose) - src_all)
        src_r, dst_r = np.split(src_all, len(self.rings)), np.split(dst_all, len(self.rings))
        dst_r = self.far_outline(src_r, dst_r, dv, turned, dst_pose)
        away = self.far_side(turned)
        if self.arm is not None:   # the far cheek below the arm, read past the face's mesh (ArmRings.read_cheek)
            src_r = self.arm.read_cheek(src_r, away, turned, dv)
        # the outer ring stays outside everything that moves, or the band would fold over itself
        r_dst = np.max([np.linalg.norm(x[:, :2] - c, axis=1) for x in dst_r + src_r + [q]] + [self.r_face], axis=0)
        beyond = PROXY_REACH - PROXY_SCALES[-1]
        scale = np.maximum(self.sil + beyond, 1.12 * r_dst / r_src)[:, None]
        outer = c + scale * (p[:, :2] - c)
        if self.arm is not None:   # ... reaching on out along the forearm (ArmRings.reach)
            outer = self.arm.reach(outer, src_r[-1], dst_r[-1], away)
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
            seen = outward(src_r[-1], p, self.p_normals)
            wide = outward(dst_r[-1], q, q_normals) / np.maximum(seen, 1.0)
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
        if self.shadow is not None:
            dst_r = self.jaw.shadow_rings(src_r, dst_r, q, q_normals)
        dst_r[0] = self.jaw.under_chin(src_r[0], dst_r[0], q, q_normals, dst_r[1])
        read = None
        if self.glasses is not None:
            # the far end piece, where the side turns away (glasses_rings.FRAME_END_PX)
            src_r, dst_r, read = self.glasses.rigid_glasses(src_r, dst_r, q, dv, ramp(self.facing - turned, BEND_AWAY))
        fringe_src, fringe_dst, share = fringe_ring(src_r[-1][:, :2], dst_r[-1][:, :2], outer, c, self.fringe)
        src_r[-1] = self.past_skin(src_r[-1], dst_r[-1], q, fringe_src)
        neck = None
        if self.neck is not None:
            src_r, dst_r, fringe_src, fringe_dst, neck = self.jaw.neck_rings(src_r, dst_r, fringe_src, fringe_dst, q,
                                                                             reveal)
        depth = dst_r[-1][:, 2] + share * (far - dst_r[-1][:, 2])
        verts = np.concatenate([q_in, q] + dst_r + [np.column_stack([fringe_dst, depth]),
                                                    np.column_stack([outer, np.full(k, far)])]).astype(np.float32)
        p_read, p_in = p[:, :2], self.p_in
        if self.strip is not None:
            u = self.u
            p_read = p_read + (reveal * self.strip)[:, None] * u
            src_r = past_strip(src_r, p, u, np.maximum(reveal * self.strip, 0.0))
            p_in, q_in = under_border(p, p_in, q, q_in, reveal * self.bare)
            p_in = under_hair(p_in, p_read, u, reveal * (self.strip > 0))
        p_in = self.under_own_face(p_in, q_in, q, dv)
        if neck is not None:
            # under the jaw's feathered border, the neck: the border reads the neck's top, not the
            # backdrop past the oval (a pale line between the jaw and the neck)
            border, top = self.jaw.neck_border(neck)
            p_in = p_in[:, :2] + border[:, None] * (top - p_in[:, :2])
            p_read = p_read + border[:, None] * (top - p_read)
        if read is not None and read.any():   # onto the sunglasses' frame (GlassesRings.rigid_glasses)
            p_read = p_read + read[:, None] * (p[:, :2] - c) / r_src[:, None]
        verts[:k, :2] = q_in[:, :2]
        src = np.concatenate([p_in[:, :2], p_read] + [x[:, :2] for x in src_r] + [fringe_src, outer])
        return verts, rings_tris(k, PROXY_RINGS), src

    def under_own_face(self, p_in: np.ndarray, q_in: np.ndarray, q: np.ndarray, dv: np.ndarray) -> np.ndarray:
        """The innermost ring's photo reads p_in [K,>=2] where the face drawn at dv [468,3] covers
        it past the moved oval q [K,>=2] (q_in [K,>=2]: that ring drawn; OVER_OVAL's ramp of how far
        past): the photo the face itself draws there (face_read_at), so that the feather blends the
        face's edge with its own surface (module comment: the face over its own oval). -> [K,2]."""
        q, q_in = np.asarray(q, np.float64)[:, :2], np.asarray(q_in, np.float64)[:, :2]
        c = q.mean(0)
        r = np.linalg.norm(q - c, axis=1)
        past = ((q_in - q) * (q - c)).sum(1) / np.maximum(r, 1e-9)
        w = ramp(past / max(r.mean(), 1e-9), OVER_OVAL)
        if not w.any():
            return p_in
        hot = np.flatnonzero(w > 0)
        at, covered = face_read_at(q_in[hot], dv, self.sv, self.tris)
        p_in = np.array(np.asarray(p_in, np.float64)[:, :2])
        p_in[hot] += (w[hot] * covered)[:, None] * (at - p_in[hot])
        return p_in

    def read_past(self, src_r: list, by: np.ndarray) -> list:
        """The proxy's rings' photo reads (src_r, [K,3] each) at least by [K] px out from the oval
        along each oval vertex's ray from its centre (edge_strip's ray): a ring read inside the
        face's strip past the oval, drawn on the moved oval (module comment: the edge strip),
        reads from the backdrop beyond the strip, not the rim of lit skin at its end. -> copies."""
        u = self.u
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

        u = self.u
        turned = pose_vertices(perspective_shape(self.oval_shape, self.src_pose, dst_pose, self.distance_cm),
                               dst_pose)[:, :2] - self.oval_seen
        return ramp(((turned - turned.mean(0)) * u).sum(1) / self.r_src.mean(), REVEAL_MOVE)

    def far_outline(self, src_r, dst_r, dv, turned, dst_pose) -> list:
        """dst_r (the proxy's rings posed at dst_pose, [K,3] each, src_r as the photo shows them)
        with the far side's silhouette drawn out to the head's outline (FAR_MIN_PX's note): where the
        outer facet turns away (BEND_AWAY) and the turned silhouette lies nearer the head's centre
        (head_centre) than the photo's did, it is drawn where the head's outline lies at the
        target, the photo's moved with the centre and grown as a head longer than it is wide
        (HEAD_LENGTH), no further out from the moved oval q [K,>=2] than the photo shows it beyond
        the oval, and the rings between by their share of the way out (PROXY_SCALES: their order
        kept); only where the photo shows hair there (BAND_HAIR), or the head with no arm beside
        it (BAND_HEAD); where an arm lies there, at the photo's steps between the rings, narrowed,
        instead (arm_rings: BAND_ARM, ArmRings.flat_beside). dv: the face's [468,3] vertices at the
        target; turned: [K] facing(normal, dst_pose)."""
        from .fit import pose_vertices

        q = dv[list(FACE_OVAL)]
        away = self.far_side(turned)
        if not away.any():
            return dst_r
        if self.arm is not None:
            flat = self.arm.weight(away)
            dst_r = self.arm.flat_beside(src_r, dst_r, dv, flat, turned)
            away = away - flat   # the rest of the far side: away * (1 - the arm's side share)
            if not away.any():
                return dst_r
        if self.hair is not None:
            # one share for the whole far side: gated vertex by vertex, its outline was drawn in steps
            shown = ramp(np.array((away * self.hair).sum() / away.sum()), BAND_HAIR)
            if self.head is not None:
                shown = np.maximum(shown, ramp(np.array((away * self.head).sum() / away.sum()), BAND_HEAD))
            away = away * shown
            if not away.any():
                return dst_r
        c_src = self.c_src
        c_dst = pose_vertices(perspective_shape(self.centre, self.src_pose, dst_pose, self.distance_cm),
                              dst_pose)[0, :2].astype(np.float64)
        drawn = dst_r[-1][:, :2]
        radius = np.linalg.norm(drawn - c_dst, axis=1)
        oval = np.linalg.norm(np.asarray(q, np.float64)[:, :2] - c_dst, axis=1)
        # the outline's distance from the centre, as in the photo, grown across the image as a
        # long head's turned away (HEAD_LENGTH; never drawn nearer than a round head's); a side
        # turned away shows no more beyond its oval than the photo does (a head's band narrows as
        # it turns away)
        seen = src_r[-1][:, :2] - c_src
        band = np.linalg.norm(seen, axis=1) - self.p_reach
        grown = max(head_width(dst_pose) / head_width(self.src_pose), 1.0)
        outline = np.linalg.norm(seen * np.array([grown, 1.0]), axis=1)
        # out along the drawn silhouette's own ray from the centre, never in past the moved oval
        gain = np.minimum(outline, oval + np.maximum(band, 0.0)) - radius
        gain = away * np.where(radius - oval > FAR_MIN_PX, np.maximum(gain, 0.0), 0.0)
        if not (gain > 0).any():
            return dst_r
        move = ((drawn - c_dst) / np.maximum(radius, 1e-9)[:, None]) * gain[:, None]
        share = [(sc - 1.0) / (PROXY_SCALES[-1] - 1.0) for sc in PROXY_SCALES]
        return [np.column_stack([x[:, :2] + t * move, x[:, 2]]) for x, t in zip(dst_r, share)]

    def far_side(self, turned: np.ndarray) -> np.ndarray:
        """[K]: how far each oval vertex's outer facet turns away from the camera (BEND_AWAY; turned:
        [K] facing(normal, dst_pose)), as far as its silhouette turns with the head (NECK_CM)."""
        return ramp(self.facing - turned, BEND_AWAY) * self.turn.reshape(len(self.rings), -1)[-1]

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


def head_width(pose) -> float:
    """How far a head HEAD_LENGTH times as long front to back as it is wide reaches across the
    image (along its x) at pose (a Pose), in its width: an ellipsoid's extent along the camera's
    x axis, its long axis the canonical z (1 seen from the front, HEAD_LENGTH in profile)."""
    return float(np.sqrt(1.0 + (HEAD_LENGTH ** 2 - 1.0) * np.asarray(pose.rotation, np.float64)[0, 2] ** 2))


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
    past the skin strip beside the oval (past_oval.skin_strip, module comment at STRIP_MAX), out
    to the hair's own colour past its mix with the skin: by 0-f1's image-left cheek 16 px out,
    past the proxy's first ring (14 px out, scale 1.1). The band between them read a sliver of
    0-2 px (folded) and was drawn 18 px wide (area 7-16x), all filled by the stretched-strip fill
    (band_stretch.STRETCH_FILL): a smooth brownish column of the head's colours between the cheek
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
