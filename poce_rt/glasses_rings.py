"""The head proxy's rings at sunglasses whose frame reaches the face oval (issue 15, held-out
multi_face.jpg's face 0; HeadProxy.mesh draws them through GlassesRings): the first ring drawn at
the frame's end piece where the glasses' rigid move takes it, the rings beyond it outside it, and
the hair over the frame's arm beside its end with it (rigid_glasses, beside_frame); on a side
turned away, the end piece drawn from the frame alone and the ear past it hidden (FRAME_END_PX).
Where the frame is, poce_rt.accessories reads (frame_reach, lens_card).
"""
from __future__ import annotations

import numpy as np

from .accessories import FRAME_DEEP_PX, FRAME_READ_PX
from .head_proxy import outward, oval_normals, ramp

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
# reads: it is the glasses, not a surface the photo lacks, and is left unfilled (band_stretch's
# stretch_weights, accessories.frame_region).
GLASSES_NEAR = 0.2
GLASSES_PAST = (0.0, 1.0)
# Beyond the frame's end: the rings beyond it (the temple's hair, the ear) lay inside that
# point at +25 (the proxy's rings there follow the head's side in, the frame stays out in front)
# and were all drawn on it: the bands between them 0 px wide, the hair beside the far lens gone
# and the sky drawn up to the lens's end (multi_face.jpg's face 0: his rings 1.22 .. silhouette,
# 9-18 px beyond the frame's end in the photo, all on the one point). They are drawn as far
# beyond the moved frame's end as the photo shows them beyond its own, times the share of its
# width the turn draws the band from the oval to the silhouette with there (none past the photo's).
# ... and beside the frame's end, above it: the hair over the frame's arm, which runs back from
# the end piece's top along the side of the head, keeps its place beside the end piece.
# multi_face.jpg's face 0 at +25: the curls hanging down his far temple to the lens's end lie over
# the oval vertices above it (4 and 5, 15 and 8 px from the end piece), 3-5 px past the oval,
# where the proxy's rings follow the head's side in and swing up by 2-7 px with the turn while
# the frame moves out a pixel: the band from the oval to the first proxy ring was drawn 2-3 px
# wide across the image, half under the face's edge, the band past it read the sky beyond the
# curls, and his temple's skin met the sky from the curls down to the lens (0-1 px of anything
# but the sky past the face's edge on those rows; 7-8 px of curls past the skin in the photo).
# There the rings are drawn at least as far out as the frame's rigid move takes their photo
# positions: fully within GLASSES_BESIDE[0] of the oval's mean radius from the frame's end (as
# the photo shows it: rigid_glasses' edge), none from [1] (his vertex 3, above the temple, 22 px
# from it, follows the head as before), and only as far as the frame's own ring is moved
# (GLASSES_PAST's weight). Below the end piece lie the cheek and the ear, which follow the head.
GLASSES_BESIDE = (0.3, 0.45)
# ... and those curls reach in over the face's rim (his: 3-4 px inside the oval, from the temple's
# skin at L* 71-77 to 45-60), which the turn folds away behind the face's new outline with the
# skin under them: there the oval ring reads from where the curls start (SkinRun.edge: the
# sharpest colour step within RIM_IN of the oval's mean radius inside the oval, at least RIM_STEP
# in Lab; his 18-26, the curls' own 6-8 from pixel to pixel), by the rings' weight. His rows from
# those vertices down to the lens: 4-14 px of curls past the face's edge, 0-1 before.
RIM_IN = 0.12
RIM_STEP = 15.0
# The far end piece as the head turns away (multi_face.jpg's face 0 at +25, ~35 degrees): the band
# from the moved oval to the first proxy ring, drawn out to the end piece 14-17 px wide, read the
# photo from the frame's last pixel across the edge's mix to a pixel past it, 4 px in all: the
# hinge's highlight, the sky and the far ear's rim, stretched into a pale grey box (L* 45-78 on 52
# pixels past the face's render about the end piece) with a red dot, where the photo's end piece
# is dark (L* 0-20). Where the far side turns away (the proxy's outer facet, BEND_AWAY's ramp, as
# far_outline's) that band reads the frame alone: FRAME_END_PX of its run, from
# accessories.FRAME_DEEP_PX inside its last pixel (the lens behind it is dark too: LENS_DARK).
# Not at its last pixel: the glasses barely move at that turn, and a ring pixel that reads within
# motion.MOVING_PX of itself counts as still, where the face's move draws the uncover plate
# (pulled from the ear beside it): a pale line with a red dot down the end piece's inner side.
# The band beyond it, which reads from there across what lies past the frame's end (his ear's
# rim, red, 4-5 px between the frame and the sky), is drawn 0 px wide: the far side of the head
# hides the ear at that turn, and the next band draws what lies beyond it in the photo (his: the
# sky). Pale pixels 52 -> 28 there, dark ones (L* < 30) 13 -> 20, red ones 7 -> 0 (+10: 41 -> 1).
# Turned towards the camera (-25) that side comes round in front of the glasses, the face's
# render covers it, and the rings are drawn as before.
FRAME_END_PX = 0.5


def glasses_rings(sv: np.ndarray, reach: np.ndarray, on: np.ndarray, p: np.ndarray, u: np.ndarray,
                  r_src: np.ndarray, p_normals: np.ndarray, oval_shape: np.ndarray, skin=None):
    """The sunglasses' rings of a face with [468,>=2] vertices sv in the photo (reach [K]
    accessories.frame_reach's, on [468] bool the lens card's vertices; p, u, r_src, p_normals,
    oval_shape: HeadProxy's, the oval's; skin: its SkinRun, or None) -> GlassesRings, or None where
    the frame reaches no oval vertex (GLASSES_PAST): the oval vertices the frame reaches, each
    with the card's vertices within GLASSES_NEAR of the oval's mean radius, inverse-distance
    weighted."""
    reach = np.asarray(reach, np.float64)
    at = np.isfinite(reach)
    idx = np.flatnonzero(np.asarray(on, bool))
    if not at.any() or not len(idx):
        return None
    d = np.linalg.norm(p[:, None, :2] - sv[idx][None, :, :2], axis=-1)     # [K,M]
    weights = np.where(d <= GLASSES_NEAR * r_src.mean(), 1.0 / (d + 1.0), 0.0)
    at &= weights.sum(1) > 0
    if not at.any():
        return None
    return GlassesRings(at, np.where(at, reach, 0.0), idx, weights, sv[idx, :2], p, u, r_src, p_normals, oval_shape,
                        skin)


class GlassesRings:
    """The proxy's rings moved with the sunglasses (glasses_rings builds it). at [K] bool: the oval
    vertices the frame reaches, reach [K] frame_reach's there (0 elsewhere), idx [M] the lens
    card's vertices, weights [K,M] their inverse-distance weights (0 beyond GLASSES_NEAR), card
    [M,2] where the photo shows them; p [K,>=2] the face oval in the photo, u [K,2] each oval
    vertex's unit ray out from its centre, r_src [K] its radius, p_normals [K,2] its
    oval_normals, oval_shape [K,3] its canonical shape; skin: the photo's SkinRun (where the hair
    over the face's rim starts, RIM_IN), or None. frame_beside: _frame_beside's."""

    def __init__(self, at, reach, idx, weights, card, p, u, r_src, p_normals, oval_shape, skin=None):
        self.at, self.reach, self.idx, self.weights, self.card = at, reach, idx, weights, card
        self.p, self.u, self.r_src, self.p_normals, self.oval_shape, self.skin = p, u, r_src, p_normals, oval_shape, skin
        self.frame_beside = self._frame_beside()

    def _frame_beside(self):
        """(weight [K] float64 in [0,1]: how far each oval vertex the frame does not reach keeps
        its rings beside the frame's end (GLASSES_BESIDE), nearest [K] int: the frame's oval vertex
        whose end lies nearest it in the photo, rim [K] float64 px: how far inside the oval the hair
        over its rim starts there (RIM_IN)), or None where none does."""
        at, reach = self.at, self.reach
        g = np.flatnonzero(at)
        ends = self.p[g, :2] + (reach[g] + 1.0)[:, None] * self.u[g]   # rigid_glasses' edge
        d = np.linalg.norm(self.p[:, None, :2] - ends[None], axis=-1)   # [K,G]
        near = np.argmin(d, axis=1)
        # above it only (GLASSES_BESIDE): the oval's canonical y runs down the head, whatever the photo's roll
        above = self.oval_shape[:, 1] < self.oval_shape[g[near], 1]
        weight = np.where(at | ~above, 0.0, 1.0 - ramp(d[np.arange(len(d)), near] / self.r_src.mean(), GLASSES_BESIDE))
        if not weight.any():
            return None
        rim = np.zeros(len(weight))   # [K] px inside the oval where the hair over its rim starts (RIM_IN)
        on = weight > 0
        if self.skin is not None:
            inner = self.p[on, :2] - RIM_IN * self.r_src.mean() * self.u[on]
            rim[on] = self.skin.edge(self.p[on, :2], inner, RIM_STEP)
        return weight, g[near], rim

    def beside_frame(self, src_r: list, dst_r: list, q: np.ndarray, n: np.ndarray, move: np.ndarray,
                     w: np.ndarray) -> list:
        """The proxy's rings dst_r ([K,3] each, drawn; src_r [K,>=2] as the photo shows them) beside
        the frame's end drawn at least as far out from the moved oval q (normals n) as the frame's
        rigid move ([K,2] move, at each oval vertex the frame reaches, by its weight w [K]) takes
        their photo positions (module comment at GLASSES_BESIDE) -> the rings drawn."""
        weight, near = self.frame_beside[:2]
        b = weight * w[near]
        if not b.any():
            return dst_r
        out = []
        for seen, drawn in zip(src_r, dst_r):
            moved = seen[:, :2] + move[near]
            further = (b > 0) & (outward(moved, q, n) > outward(drawn, q, n))
            xy = drawn[:, :2] + b[:, None] * (moved - drawn[:, :2])
            out.append(np.column_stack([np.where(further[:, None], xy, drawn[:, :2]), drawn[:, 2]]))
        return out

    def rigid_glasses(self, src_r: list, dst_r: list, q: np.ndarray, dv: np.ndarray, away=None):
        """The proxy's rings with the sunglasses' frame moved with the glasses (GLASSES_PAST), the
        hair beside the frame's end with it (GLASSES_BESIDE):
        src_r, dst_r the rings ([K,>=2] photo, [K,3] target), q [K,>=2] the moved oval, dv the
        face's [468,>=2] target vertices, away: None, or [K] in [0,1] how far each oval vertex's
        side turns away from the camera (the far end piece reads the frame alone and the band past
        it is hidden: FRAME_END_PX) -> (src_r, dst_r, read [K] float64: pixels the oval ring's
        photo read moves out along its ray, <= 0)."""
        at, reach, idx, weights = self.at, self.reach, self.idx, self.weights
        move = (weights @ (np.asarray(dv, np.float64)[idx, :2] - self.card)) / \
            np.maximum(weights.sum(1, keepdims=True), 1e-12)
        u = self.u
        edge = self.p[:, :2] + (reach + 1.0)[:, None] * u
        w = at * ramp(outward(edge + move, q), GLASSES_PAST)
        if not w.any():
            return src_r, dst_r, np.zeros(len(w))
        first = dst_r[0][:, :2] + w[:, None] * (edge + move - dst_r[0][:, :2])
        src_r = [src_r[0].copy()] + list(src_r[1:])
        src_r[0][:, :2] += w[:, None] * (edge - src_r[0][:, :2])
        # the oval ring reads the frame (px out from the oval along u; FRAME_READ_PX inside its
        # edge), and where the far side turns away FRAME_DEEP_PX further in, the first proxy ring
        # FRAME_END_PX out from there (FRAME_END_PX's comment), not past the frame
        frame = np.minimum(reach - 1.0 - FRAME_READ_PX, 0.0)
        hide = w * (0.0 if away is None else np.asarray(away, np.float64))
        end = self.p[:, :2] + (frame - FRAME_DEEP_PX + FRAME_END_PX)[:, None] * u
        src_r[0][:, :2] += hide[:, None] * (end - src_r[0][:, :2])
        # the rings beyond lie outside the frame's end by what the photo shows beyond it, narrowed
        # as the turn narrows the band from the oval to the silhouette there (module comment at
        # GLASSES_PAST: beyond the frame's end)
        n = oval_normals(q)
        narrowed = np.clip(outward(dst_r[-1], q, n) / np.maximum(outward(src_r[-1], self.p, self.p_normals), 1.0),
                           0.0, 1.0)
        rings = [np.column_stack([first, dst_r[0][:, 2]])]
        for seen, drawn in zip(src_r[1:], dst_r[1:]):
            beyond = first + (narrowed * np.maximum(((seen[:, :2] - edge) * u).sum(1), 0.0))[:, None] * n
            inside = (outward(drawn, q, n) < outward(beyond, q, n)) & (w > 0)
            xy = np.where(inside[:, None], beyond, drawn[:, :2])
            if len(rings) == 1:   # the band past the frame's end, hidden as the side turns away (FRAME_END_PX)
                xy = xy + hide[:, None] * (first - xy)
            rings.append(np.column_stack([xy, drawn[:, 2]]))
        read = w * frame - hide * FRAME_DEEP_PX
        if self.frame_beside is not None:   # the hair over the frame's arm beside its end, and over the rim
            rings = self.beside_frame(src_r, rings, q, n, move, w)
            weight, near, rim = self.frame_beside
            read = read - weight * w[near] * rim
        return src_r, rings, read
