"""The head proxy's rings under the jaw (issue 15, HeadProxy.mesh draws them through JawRings): the
chin's underside drawn with the chin over a still neck (under_chin), the jaw's shadow on the neck
going with the jaw (shadow_rings, shadow_kept), and under a jaw that a turn reveals over the
backdrop, the rings drawn as the neck down to the collar (neck_rings, neck_border, neck_read; the
neck itself is read from the photo by poce_rt.neck).
"""
from __future__ import annotations

import numpy as np

from .head_proxy import outward, oval_normals, ramp
from .neck import NECK_READ, NECK_SHARES

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
# ... and where the photo shows the jaw's shadow on the neck and the turn moves the chin towards the
# still ring (the band drawn narrower than the photo shows it, UNDER_CHIN's ratios mirrored), the
# ring is drawn as far out as the photo shows it (JawRings.shadow_kept; poce_rt.neck.SHADOW_DL's
# note): the shadow moves with the jaw. Never within SHADOW_ROOM_PX of the ring beyond it, which
# stays with the neck: the band between keeps its order.
SHADOW_ROOM_PX = 1.0
# That first ring alone (t1.jpg's face 1 at +25) kept the shadow's width, 4.6 px against the photo's
# 5.2 under vertices 13-15, but the lit neck just beyond it (5.3-12 px out in the photo) was drawn
# 2.8 px wide, and along the jaw the rings stayed where the photo has them while her jaw moved
# 6-12 px along itself: under vertices 16-17 the neck drawn was the photo's lit neck under
# vertices 14-15 (L* 76-80), where the photo shows her chin's shadow (52-58). The shadow and the
# neck's shading beside it go with the jaw: the first SHADOW_RINGS rings are drawn at their photo
# offset from the oval, out along its normal (as the first ring, each inside the next) and along
# it, and the next SHADOW_EASE rings take that shift along the jaw in falling shares (2/3, 1/3),
# so the still neck beyond is reached without a step (all of it on the first ring beyond the
# kept ones drew a kink in the shadow's edge). L* 0-12 px out under vertices 12-17 against the
# photo's, rms 8.1 -> 1.8 (per vertex 3,4,1,11,15,5 -> 3,1,1,1,1,3), at -25 8.5 -> 2.8; under
# 0-f15-hao-ph.jpg's, 15-f13-anc-ph.jpg's and 45-m7-di-ph.jpg's jaws at +25 2.3 -> 0.8, 2.1 -> 0.3
# and 2.5 -> 2.0 (45's shirt collar, within the eased rings, slides a few px with his jaw).
SHADOW_RINGS = 3
SHADOW_EASE = 2
# ... once the jaw has slid along itself SHADOW_ALONG_PX[0] px from where the photo shows a ring
# beside it (fully from [1]; in between a ring catches up): as UNDER_CHIN's ratios leave the first
# degrees of a turn alone, a still neck (and the photo's border it may reach) is kept bit for bit
# there (45-m7-di-ph.jpg, the ring at its bottom border: 2.4 px at 2 degrees, 25 at 25).
SHADOW_ALONG_PX = (3.0, 6.0)


class JawRings:
    """The proxy's rings under the jaw of one source face, its side worked out once. p [K,>=2]: the
    face oval in the photo, p_normals [K,2] its oval_normals, c [2] its centre (the mean of its
    vertices); still [R,K]: how far each of the proxy's R rings stays with the neck at each oval
    vertex (1 - HeadProxy.turn); neck: None, or poce_rt.neck.NeckLayer (neck_layer's): where the
    turn reveals a side whose jaw has the backdrop beside it, the rings under the jaw drawn as the
    neck (neck_rings); shadow: None, or [K] poce_rt.neck.jaw_shadow's: where the photo shows the
    jaw's shadow on the neck, the first ring under the jaw drawn no nearer the moved oval than the
    photo shows it (under_chin), and the rings there going with the jaw (shadow_rings)."""

    def __init__(self, p: np.ndarray, p_normals: np.ndarray, c: np.ndarray, still: np.ndarray, neck=None,
                 shadow: np.ndarray | None = None):
        self.p, self.p_normals, self.c = p, p_normals, c
        self.still = still
        # [K] how far the proxy's first ring stays put by the neck (UNDER_CHIN)
        self.neck_still = still[0]
        self.neck = neck   # poce_rt.neck.NeckLayer, or None
        # [K] how surely the photo shows the jaw's shadow on the neck there (neck.jaw_shadow)
        self.shadow = None if shadow is None or not np.any(shadow) else np.asarray(shadow, np.float64)

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

    def under_chin(self, first_src: np.ndarray, first_dst: np.ndarray, q: np.ndarray,
                   q_normals: np.ndarray | None = None, next_dst: np.ndarray | None = None) -> np.ndarray:
        """The proxy's first ring at the target ([K,3], first_dst) drawn no further out from the
        moved oval q [K,>=2] (q_normals: its oval_normals, or None) than the photo shows it
        (first_src [K,>=2] from the oval) where the ring stays with the still neck and the oval
        moves away from it (UNDER_CHIN); and, where the photo shows the jaw's shadow on the neck
        (self.shadow) and the oval moves towards the ring, no nearer (shadow_kept; next_dst
        [K,>=2]: the ring beyond, which it stays inside)."""
        seen = outward(first_src, self.p, self.p_normals)
        drawn = outward(first_dst, q, q_normals)
        wide = drawn / np.maximum(seen, 1.0)
        follow = ramp(wide, UNDER_CHIN) * self.neck_still
        if follow.any():
            keep = (1.0 - follow + follow / np.maximum(wide, 1.0))[:, None]
            first_dst = np.column_stack([q[:, :2] + (first_dst[:, :2] - q[:, :2]) * keep, first_dst[:, 2]])
        if self.shadow is not None and next_dst is not None:
            first_dst = self.shadow_kept(first_dst, first_src, seen, drawn, q, q_normals, next_dst, self.neck_still)
        return first_dst

    def shadow_rings(self, src_r: list, dst_r: list, q: np.ndarray, q_normals: np.ndarray | None) -> list:
        """dst_r (the proxy's rings at the target, [K,3] each; src_r as the photo shows them) with
        the rings after the first, up to SHADOW_RINGS, kept at their photo offset from the moved
        oval q where the photo shows the jaw's shadow (shadow_kept; outermost first, each inside the
        next; under_chin keeps the first), and the next SHADOW_EASE rings shifted along the jaw by
        falling shares of the last kept ring's shift (SHADOW_RINGS' note)."""
        n = oval_normals(q) if q_normals is None else q_normals
        still = self.still
        last = SHADOW_RINGS - 1
        before = dst_r[last][:, :2]
        dst_r = list(dst_r)
        for j in range(last, 0, -1):
            dst_r[j] = self.shadow_kept(dst_r[j], src_r[j], outward(src_r[j], self.p, self.p_normals),
                                        outward(dst_r[j], q, n), q, n, dst_r[j + 1], still[j])
        tangent = np.column_stack([-n[:, 1], n[:, 0]])
        shift = ((dst_r[last][:, :2] - before) * tangent).sum(1)[:, None] * tangent
        for i in range(1, min(SHADOW_EASE, len(dst_r) - 1 - last) + 1):
            x = dst_r[last + i]
            dst_r[last + i] = np.column_stack([x[:, :2] + (1.0 - i / (SHADOW_EASE + 1)) * shift, x[:, 2]])
        return dst_r

    def shadow_kept(self, ring_dst: np.ndarray, ring_src: np.ndarray, seen: np.ndarray, drawn: np.ndarray,
                    q: np.ndarray, q_normals: np.ndarray | None, next_dst: np.ndarray,
                    still: np.ndarray) -> np.ndarray:
        """A ring ring_dst [K,3] (ring_src [K,>=2]: as the photo shows it; seen, drawn [K]: px out
        from the photo's oval and from the moved oval q) moved out along the moved oval's normals to
        as far from it as the photo shows it, where the band between them is drawn narrower than
        that (UNDER_CHIN's ratios, mirrored), the ring stays with the neck (still [K]: its share
        that does) and the photo shows the jaw's shadow there (neck.SHADOW_DL's note: the shadow
        moves with the jaw, its width kept); never out past the ring beyond it (next_dst [K,>=2]),
        less SHADOW_ROOM_PX: the neck's band beyond takes the squeeze. Along the moved oval it is
        drawn where the photo shows it beside its oval vertex (SHADOW_RINGS' note), by the share
        that stays with the neck where the photo shows the shadow, narrowed or not, once the jaw
        has slid along itself far enough (SHADOW_ALONG_PX)."""
        narrow = np.where(seen > 0, drawn / np.maximum(seen, 1e-9), 1.0)
        held = still * self.shadow
        follow = (1.0 - ramp(narrow, (1.0 / UNDER_CHIN[1], 1.0 / UNDER_CHIN[0]))) * held
        if not held.any():
            return ring_dst
        n = oval_normals(q) if q_normals is None else q_normals
        room = outward(next_dst, q, n) - SHADOW_ROOM_PX
        out = follow * np.maximum(np.minimum(seen, room) - drawn, 0.0)
        xy = ring_dst[:, :2] + out[:, None] * n
        # along the oval: the photo's offset from its vertex, in the moved oval's frame
        t_q, t_p = (np.column_stack([-m[:, 1], m[:, 0]]) for m in (n, self.p_normals))
        seen_along = ((np.asarray(ring_src, np.float64)[:, :2] - self.p[:, :2]) * t_p).sum(1)
        slid = seen_along - ((xy - q[:, :2]) * t_q).sum(1)
        along = held * ramp(np.abs(slid), SHADOW_ALONG_PX) * slid
        return np.column_stack([xy + along[:, None] * t_q, ring_dst[:, 2]])
