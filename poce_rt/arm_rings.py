"""The head proxy's rings beside its far side where an arm lies there (issue 15, held-out
Image_with_alpha.png, the hand pressed on the far brow; HeadProxy.mesh draws them through ArmRings,
built where band_content.band_arm's share is given): past the innermost ring, the rings drawn at the
photo's own steps between them, narrowed as the band next to the oval is (flat_beside), the fixed
outer ring reaching on out along the forearm (reach); beside the heel of the hand, out past the
turned face's far side (past_face); below it, where no arm lies, the photo's far cheek drawn past
the face's mesh to its own rounded outline, turned away (past_cheek, read_cheek). Where the arm is,
poce_rt.occluder (arm_beside), poce_rt.band_content (band_arm) and poce_rt.past_oval (cheek_outline) read.
"""
from __future__ import annotations

import numpy as np

from .head_proxy import FACE_OVAL, face_outline_at, face_outline_reach, ramp

# Where an arm lies beside the far side (band_content.band_arm's share of the photo between the
# oval and the silhouette, over the vertices turned away as proxy_pose.BAND_HAIR's: BAND_ARM[0]
# none .. [1] fully), what the photo shows past the oval there is the hand and arm, not the head's round
# side: past the proxy's innermost ring (posed as the turn draws it) its rings are drawn at the
# photo's own steps between them, narrowed as the band next to the oval is (flat_beside): the arm
# moved with the face it lies on, not turned on the head proxy's profile. Posed on it
# (Image_with_alpha.png at -25, the hand pressed on the far brow), the silhouette ring, in the
# head's mid-depth plane, swung in 58 px where the ring inside it (1.34), near the face's depth,
# moved 12: the band between them folded behind, and the ring's photo read jumped across the
# turned silhouette by up to 67 px between neighbouring pixels (59 px over an 8 px step): the back
# of the hand cut by an 86 px straight edge, the thumb stretched into a tube, the far ear and
# a tuft of hair a striped zig-zag. Image_with_alpha.png: 0.44 at -25 (0.43-0.48 from -30 to
# -15), 0.12-0.13 at +15..+30 (his far ear and hair: posed as before); multi_face.jpg's faces 1
# and 3 0.02 / 0.15 at most (beside face 3 light hair that reads as skin: posed as before).
BAND_ARM = (0.2, 0.35)
# ... and the forearm beyond those rings, which the photo shows running off beside the head, is
# no part of it: the fixed outer ring stays at the photo's forearm, and the band between it and the
# silhouette, moved with the face, took the whole move. Image_with_alpha.png at -25: the wrist's
# 54 px of photo drawn 111 px wide, the arm's hair swept into streaks along it and its top edge
# kinked. Where the rings are drawn at the photo's steps (ArmRings.weight), the outer ring
# reaches on out along the arm until the band's stretch is ARM_STRETCH at most, and the move is
# spread down the forearm as an arm's is that pivots at the elbow; out to ARM_REACH_MAX x the
# oval's radius from its centre at most.
ARM_STRETCH = 1.25
ARM_REACH_MAX = 3.0
# The face over the arm's band: ... and the face's far side, turned away, is drawn out past the moved oval over
# those rings (head_proxy.face_outline_reach: Image_with_alpha.png at -25, 34-51 px beside the
# heel of the hand by the far eye, oval vertices 27-30), while the photo's face reaches 0-6 px
# past its oval there: the band from the drawn face's edge out to the silhouette, narrowed to
# 0.55-0.65 (flat_beside), was drawn 3.1-9.8x narrower than the photo's beyond its face's edge
# (out to the fringe ring, vertices 28-30; the silhouette itself under the face at vertex 29): the heel a smear of
# streaks against the face's straight edge. Where the photo shows the arm there (band_arm's share
# per vertex, BAND_ARM's ramp), the rings are moved out along the oval vertex's ray until what
# lay past the face's edge in the photo is drawn past its drawn edge (the narrowed photo's reach:
# past_face): 1.3-2.6x narrower than the photo, as the band next to the oval. Not where the
# photo shows the face's own shadowed rim and the backdrop beside the far cheek (band_arm 0):
# drawn past the turned cheek, that rim drew a second cheek edge, and MediaPipe found his face
# in none of the 8 read-back crops at -25 (4 before). The hull of the face's vertices (face_reach)
# bridges the hollow by the far eye from the brow to the nose tip: 5-17 px further out there.
# The far cheek past the face's mesh: where no arm lies there (band_arm 0: below the heel of the
# hand, Image_with_alpha.png's oval vertices 25-27 at -25), the turned face ended at its mesh's own
# outline, straight from the heel of the hand to the nose (bulging 0.9 px past its chord on
# average between the rays of vertices 26 and 29; the photo's outline 4.1), while the photo's face
# runs on past where its mesh ends (6 px past the oval) to its own rounded outline (20-24 px:
# past_oval.cheek_outline), a strip of the cheek's shadowed side (L* 16-26, 15 px wide) that the
# band drew under the turned face. There (past_cheek) the band's first ring is drawn at the face's
# drawn outline reading the photo as that outline does (below), the next that strip further out,
# narrowed as the band next to the oval is (flat_beside) and again as the proxy's outer facet turns
# away from the camera (its facing cosine at the target over the photo's: 0.3-0.5 there), reading
# as much of the strip as that cosine still shows (read_cheek: its outer part, the outline's rim
# seen edge-on, turned away behind the rest), the rest beyond the photo's outline: the turned face
# ends in a rounded outline (2.6-2.8 px past its chord) and its shadowed side.
# The whole strip drawn there, the rim out to the outline, made the second cheek edge that
# MediaPipe found in none of the 8 read-back crops at -25 (3 now, 4 before); read from the
# cheek's skin inside the oval instead, the band between the cheek's rings and those of the heel
# beside them (vertex 28) read across the photo's rim, a dark wedge at the heel's corner.
# That first ring read the photo where the face's mesh ends, on the shadowed rim (L* 21-37), while
# the face's outline drawn beside it reads the photo 13-27 px inside the oval (L* 62-75: a cheek
# turned away shows at its outline what lay further in, the shade by the oval behind it): the strip
# began with a step from the face's edge to the rim, and the feather blended the rim under the
# face's edge into it, a shadowed band ~7 px wide (L* 34) along the cheek's edge. It reads where the
# face's outline reads the photo (outline_read): the strip continues the face's edge out to the rim
# (rows 458-488 at -25: the 7 px from the cheek's edge L* 37 on average, 43 now; darker than L* 45
# 6.1 px of them, 4.0 now; the face's edge beside the rim L* 37-56 -> 50-66).
CHEEK_STEP_PX = 0.5   # the rings beyond the photo's cheek outline, this far apart past it at least


class ArmRings:
    """The proxy's rings beside the arm of one source face, its side worked out once (HeadProxy
    builds it where an arm is read, as proxy.arm). share [K]: band_content.band_arm's, the share of the
    photo between each oval vertex and the silhouette that is an arm (BAND_ARM); sv [468,>=2] the
    face's vertices in the photo; p [K,>=2] its oval, c [2] the oval's centre, u [K,2] each oval
    vertex's unit ray out from c, r_src [K] its distance from c, facing [K] each outer facet's
    cosine with the camera at the photo's pose, fringe None or [K] the fringe widths (HeadProxy's).
    cheek: None, or [K] px past_oval.cheek_outline's (stages.head_proxy_of sets it): how far the
    photo's face runs past each oval vertex to its own outline (past_cheek)."""

    def __init__(self, share, sv, p, c, u, r_src, facing, fringe=None):
        from .facemodel import edges_of, load_face_model

        self.share = np.asarray(share, np.float64)
        self.p, self.c, self.u, self.r_src, self.facing, self.fringe = p, c, u, r_src, facing, fringe
        # [K] px: the photo's face past each oval vertex along its ray, and the mesh's edges that the
        # drawn face's is measured on each step (flat_beside)
        self.edges = edges_of(load_face_model().tris)[0]
        self.sv = np.asarray(sv, np.float64)
        self.past_src = face_outline_reach(self.sv, self.edges, c, u) - ((p[:, :2] - c) * u).sum(1)
        self.cheek = None

    def reach(self, outer: np.ndarray, sil_src: np.ndarray, sil_dst: np.ndarray, away: np.ndarray) -> np.ndarray:
        """The fixed outer ring outer [K,2] reaching on out along the arm beside the far side
        (ARM_STRETCH), where its rings are drawn at the photo's steps (flat_beside, by weight of
        away [K], HeadProxy.far_side's): the silhouette, drawn at sil_dst [K,>=2] (sil_src [K,>=2]
        in the photo), moved with the face, and the band beyond it, the forearm, takes that move
        over no less than the photo's length that keeps it within ARM_STRETCH of its own
        (ARM_REACH_MAX of the oval's radius at most). -> [K,2] (outer itself where no arm lies
        there)."""
        weight = self.weight(away)
        if not weight.any():
            return outer
        c, u = self.c, self.u
        reach = ((outer - c) * u).sum(1)
        seen, drawn = ((sil_src[:, :2] - c) * u).sum(1), ((sil_dst[:, :2] - c) * u).sum(1)
        fringe = 0.0 if self.fringe is None else self.fringe   # the strands beyond it keep their length
        need = (ARM_STRETCH * (seen + fringe) - drawn - fringe) / (ARM_STRETCH - 1.0)
        need = np.maximum(np.minimum(need, ARM_REACH_MAX * self.r_src), reach)   # never nearer than it was
        return np.where((weight > 0)[:, None], c + (reach + weight * (need - reach))[:, None] * u, outer)

    def weight(self, away: np.ndarray) -> np.ndarray:
        """[K]: how far each oval vertex's rings are drawn at the photo's steps (flat_beside), by
        away [K] (HeadProxy.far_side's: how far its outer facet turns away) and the share of that
        side's band that is an arm (BAND_ARM: one share per side, as proxy_pose.BAND_HAIR's); zeros
        where none is."""
        if not away.any():
            return np.zeros_like(away)
        return away * ramp(np.array((away * self.share).sum() / away.sum()), BAND_ARM)

    def flat_beside(self, src_r: list, dst_r: list, dv, weight: np.ndarray, turned: np.ndarray | None = None) -> list:
        """dst_r (the proxy's rings posed, [K,3] each; src_r as the photo shows them) with the rings
        past the innermost drawn by weight [K] at the photo's own steps between them, narrowed as
        the innermost ring's step from the moved oval q [K,>=2] (of the face's [468,3] vertices dv)
        is (BAND_ARM): what lies beside the head moved with the face next to the oval, its order
        across the rings the photo's (no fold); out past the drawn face's far side where an arm lies
        there (module comment: the face over the arm's band; past_face), and the photo's cheek past
        the face's drawn outline where none does (past_cheek; turned: [K] facing(normal, dst_pose),
        None: not drawn). -> copies."""
        if not weight.any():
            return dst_r
        dv = np.asarray(dv, np.float64)
        p, q = self.p[:, :2], dv[list(FACE_OVAL), :2]
        # the turn narrows the band as it does next to the oval, near the face's depth, not as the
        # silhouette's, edge-on in the head's mid-depth plane (the whole band drawn at the photo's
        # own width, the hand beside the far brow read less turn: MediaPipe 89% -> 80% of -25)
        seen = np.maximum(np.linalg.norm(src_r[0][:, :2] - p, axis=1), 1e-6)
        narrow = np.clip(np.linalg.norm(dst_r[0][:, :2] - q, axis=1) / seen, 0.0, 1.0)
        w, out = weight[:, None], [dst_r[0]]
        for s0, s1, d in zip(src_r, src_r[1:], dst_r[1:]):
            on = out[-1][:, :2] + narrow[:, None] * (s1[:, :2] - s0[:, :2])
            out.append(np.column_stack([d[:, :2] + w * (on - d[:, :2]), d[:, 2]]))
        out = self.past_face(out, q, dv, narrow, weight)
        return out if turned is None else self.past_cheek(out, q, dv, narrow, weight, turned)

    def past_face(self, dst_r: list, q: np.ndarray, dv: np.ndarray, narrow: np.ndarray, weight: np.ndarray) -> list:
        """flat_beside's rings dst_r ([K,3] each, narrowed by narrow [K]) moved out along each oval
        vertex's ray by weight [K] of how far the face's far side, drawn over them (dv [468,3]),
        reaches past the moved oval q [K,2] beyond the narrowed photo's reach past its oval, where
        the photo shows an arm there (module comment: the face over the arm's band). -> copies."""
        hot = weight > 0
        u = self.u[hot]
        drawn = face_outline_reach(dv, self.edges, q.mean(0), u) - ((q[hot] - q.mean(0)) * u).sum(1)
        by = np.zeros(len(q))
        by[hot] = weight[hot] * ramp(self.share[hot], BAND_ARM) * \
            np.maximum(drawn - narrow[hot] * np.maximum(self.past_src[hot], 0.0), 0.0)
        if not by.any():
            return dst_r
        move = by[:, None] * self.u
        return [np.column_stack([x[:, :2] + move, x[:, 2]]) for x in dst_r]

    def cheek_side(self, weight: np.ndarray) -> np.ndarray:
        """[K]: how far each oval vertex's band draws the photo's cheek past the face's drawn outline
        (past_cheek), by weight [K] (weight's) where no arm lies there (BAND_ARM) and the photo's
        face runs on past where its mesh ends (cheek_outline); zeros where none does."""
        if self.cheek is None:
            return np.zeros_like(weight)
        return weight * (1.0 - ramp(self.share, BAND_ARM)) * (self.cheek > np.maximum(self.past_src, 0.0))

    def past_cheek(self, dst_r: list, q: np.ndarray, dv: np.ndarray, narrow: np.ndarray, weight: np.ndarray,
                   turned: np.ndarray) -> list:
        """flat_beside's rings dst_r ([K,3] each, narrowed by narrow [K]) drawn out along each oval
        vertex's ray past the face's far side, drawn over them (dv [468,3], moved oval q [K,2]), by
        cheek_side(weight) (module comment: the far cheek past the face's mesh): the first at the
        drawn outline, the rest at least the photo's cheek past its mesh further out, narrowed by
        narrow and the outer facet's facing cosine turned [K] over the photo's. -> copies."""
        on = self.cheek_side(weight)
        hot = on > 0
        if not hot.any():
            return dst_r
        u = self.u[hot]
        drawn = face_outline_reach(dv, self.edges, q.mean(0), u) - ((q[hot] - q.mean(0)) * u).sum(1)
        facing_share = self.cheek_turned(turned)[hot]
        strip = narrow[hot] * facing_share * (self.cheek[hot] - np.maximum(self.past_src[hot], 0.0))
        out = []
        for j, x in enumerate(dst_r):
            x = x.copy()
            at = ((x[hot, :2] - q[hot]) * u).sum(1)
            # each ring beyond the first a hair further out than the one inside it: their order kept
            want = drawn + (0.0 if j == 0 else strip + CHEEK_STEP_PX * (j - 1))
            x[hot, :2] += (on[hot] * np.maximum(want - at, 0.0))[:, None] * u
            out.append(x)
        return out

    def cheek_turned(self, turned: np.ndarray) -> np.ndarray:
        """[K] in [0,1]: how much of the photo's cheek past its mesh each oval vertex still shows
        turned away (past_cheek): the outer facet's facing cosine turned [K] at the target over
        the photo's."""
        return np.clip(turned / np.maximum(self.facing, 1e-6), 0.0, 1.0)

    def read_cheek(self, src_r: list, away: np.ndarray, turned: np.ndarray, dv: np.ndarray) -> list:
        """The proxy's rings' photo reads (src_r, [K,3] each) where past_cheek draws the photo's
        cheek past the face (cheek_side of the far side turned away, away [K] HeadProxy.far_side's;
        turned [K] facing(normal, dst_pose)): the first from where the face's outline drawn at dv
        [468,>=2] reads the photo (outline_read: the strip continues the face's edge), the next
        from as much of the strip past the mesh's end as the turn still shows (cheek_turned: the rim
        at its outline turned away), the rest from the photo's cheek outline or beyond it.
        -> copies."""
        on = self.cheek_side(self.weight(away))
        if not on.any():
            return src_r
        p, u = self.p[:, :2], self.u
        past = np.maximum(self.past_src, 0.0)
        first = self.outline_read(dv)
        # the strip's outer part, its outline's shadowed rim seen edge-on, turns away behind the rest
        seen = past + self.cheek_turned(turned) * (self.cheek - past)
        out = []
        for j, x in enumerate(src_r):
            t = ((x[:, :2] - p) * u).sum(1)   # px out from the oval
            want = first if j == 0 else (seen if j == 1 else np.maximum(t, self.cheek + CHEEK_STEP_PX * (j - 1)))
            out.append(np.column_stack([x[:, :2] + (on * (want - t))[:, None] * u, x[:, 2:]]))
        return out

    def outline_read(self, dv: np.ndarray) -> np.ndarray:
        """[K] px along each oval vertex's ray in the photo, out from the oval (negative: inside
        it): where the face's outline drawn at dv [468,>=2] (past_cheek's, on the same rays) reads
        the photo."""
        q = np.asarray(dv, np.float64)[list(FACE_OVAL), :2]
        _, at = face_outline_at(dv, self.edges, q.mean(0), self.u, self.sv)
        return ((at - self.p[:, :2]) * self.u).sum(1)
