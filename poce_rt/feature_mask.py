"""Where in the photo a band triangle of the ring must not read what it draws (issue 15;
FeatureMask, worked out once per source): the face's features (eyes, brows, lips), which the face
mesh draws where they move to; the face itself, which hides the head proxy's far side on a turned
head (FeatureMask.hidden, and how far a turn brings that side out: revealed); the face's own skin
past its oval, drawn again beside a turned face (own_skin, own_band); and the sunglasses' frame,
which the ring draws with the glasses (frame, frame_side). Each is a PhotoRegion, a rasterised
region of the photo a triangle's share of is read on. poce_rt.band_stretch fills the triangles
that read them, poce_rt.stretched_patch chooses what they are filled with.
"""
from __future__ import annotations

import cv2
import numpy as np

from . import masks
from .accessories import frame_region
from .band_maps import area_stretch, barycentric_grid, outer_band
from .head_proxy import FACE_OVAL, PROXY_RINGS, band_triangles, face_past_oval, oval_radius, ramp

# the face's features (band_stretch.FEATURE_STRETCH), each landmark group's convex hull grown
# by FEATURE_MARGIN
FEATURES = (masks.LEFT_EYE, masks.RIGHT_EYE, masks.LEFT_EYEBROW, masks.RIGHT_EYEBROW, masks.LIPS)
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
# The face's own skin past its oval (issue 15, Tom_Hanks_54745.png, yaw +18, turned -25 on its
# neck, EditorConfig.neck_pivot_cm): a face seen edge-on reaches past the oval tracked on it (the
# convex hull of its vertices less the oval: FeatureMask.past; head_proxy.face_past_oval, 5.5-6.8
# px of a 44 px radius by Tom's far jaw), and a turn that swings the face off that strip has the
# band triangles reading it drawn beside the turned face: the lit far jaw's skin drawn again past
# the face's render, which draws that surface turned, as a pale rim with sheared streaks (1.63 px
# wide over the jaw's rows, none of it marked fill; about the canonical origin the rings are
# pulled in by the moved oval, proxy_pose.BEHIND_FACE, and the rim is 0.79 px). A band triangle past
# the oval that reads the strip (its share, HIDDEN_FILL's bounds), on a side seen edge-on
# (OWN_FACE_EDGE_ON, BEHIND_FACE's bounds: a frontal face's mesh reaches past its oval by a
# tracker's fit, not a cheek), drawn (area_stretch from OWN_FACE_DRAWN[0], fully from [1]: the
# strip the oval pulls in is drawn collapsed) past the moved oval (its outermost vertex,
# OWN_FACE_OUT) is filled, from what lies around the face in the photo (its texels outside the
# hull: backdrop, collar, hair; head_or_backdrop's `own`), not from the head (the lit cheek: the
# pale rim again) nor from the backdrop alone (beside an ear or a sideburn, a pale slab): 0.58 px,
# 0.88 of the pixels 2-4 px past the face on those rows marked fill (0.02 before).
OWN_FACE_DRAWN = (0.2, 0.5)
OWN_FACE_EDGE_ON = (0.05, 0.1)   # x the oval's mean radius: the face's reach past the oval there
OWN_FACE_OUT = (0.0, 0.02)   # x the oval's mean radius: the triangle's outermost vertex past the moved oval
# FRAME_SIDE (FeatureMask.frame_side): beside the sunglasses' end piece (held-out multi_face.jpg's
# face 0, turned +25), the head proxy's first ring of the last oval vertex the frame reaches is
# drawn at the end piece (glasses_rings.GlassesRings.rigid_glasses) and reads a pixel past the frame (the
# ear's rim there), while its neighbour's turns in with the head: the triangle between the two
# first rings and the oval spread a 3x9 px strip of ear rim over 17x8 px (4.9x), a red sliver
# under the end piece (27 px with red - green > 40). Its share of the frame is no exemption from
# the fill there, and the fill is the backdrop's (what lies beyond the turned-away ear, beside the
# hinge), not the head's (skin-coloured: no better): 5 px. The triangle from the frame's first
# ring to the neighbour's oval alone (the end piece's top edge) keeps the frame's exemption.


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
        pts = barycentric_grid(n) @ np.asarray(src, np.float64)[tris] - self.lo   # [T,P,2]; matmul: per frame
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
    source face's [468,3] (or [468,2]) vertices in photo pixels; glasses: None, or the head proxy's
    sunglasses (accessories.ring_glasses), whose frame at the oval (frame) is no fill's."""

    def __init__(self, src_vertices: np.ndarray, glasses=None):
        v = np.asarray(src_vertices, np.float64)[:, :2]
        # the sunglasses' frame at the oval, which the ring draws with the glasses (glasses: None, or
        # poce_rt.accessories.ring_glasses'): stretched, it is not filled (stretch_weights)
        region = None if glasses is None else frame_region(v, glasses[0])
        self.frame = None if region is None else PhotoRegion(*region)
        self.frame_at = None if region is None else np.isfinite(np.asarray(glasses[0], np.float64))
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
        # the face's own reach past its oval (OWN_FACE_DRAWN): its hull less the oval's polygon;
        # what lies around the face: outside the hull
        past = mask.copy()
        cv2.fillPoly(past, [np.round(oval[:, :2] - lo).astype(np.int32)], 0)
        self.past = PhotoRegion(lo, past)
        self.hull = PhotoRegion(lo, mask)
        # [K] how far the face is seen edge-on past each oval vertex (OWN_FACE_EDGE_ON)
        reach = face_past_oval(v)
        self.edge_on = ramp(reach / radius, OWN_FACE_EDGE_ON)
        self._hidden = {}   # the last HIDDEN_KEPT results of hidden, by key
        self._own = (None, None)   # own_band's last (key, result)

    def frame_side(self, n_verts: int, tris: np.ndarray) -> np.ndarray:
        """[T] bool for the band triangles tris [T,3] of a ring of n_verts: the head proxy's
        triangles between the oval and its first proxy ring from a vertex the sunglasses' frame
        reaches (glasses_rings.GlassesRings.rigid_glasses: its first ring drawn at the frame's end piece) to
        a neighbour it does not reach (FRAME_SIDE)."""
        k = len(FACE_OVAL)
        if self.frame_at is None or n_verts != PROXY_RINGS * k:
            return np.zeros(len(tris), bool)
        ring, at = tris // k, self.frame_at[tris % k]
        return (ring <= 2).all(1) & ((ring == 2) & at).any(1) & ((ring == 2) & ~at).any(1)

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

    def own_band(self, verts: np.ndarray, src: np.ndarray) -> np.ndarray:
        """[T] float64 over band_triangles(len(verts)) (read-only): own_skin of the head proxy's
        triangles past the oval up to its silhouette (the band inside the oval lies under the
        face's feathered border), 0 elsewhere. The last result is kept: stretch_weights and
        stretched_patch ask for it in the same step (~0.6 ms)."""
        v, p = np.ascontiguousarray(verts, np.float32), np.ascontiguousarray(src, np.float64)
        key = (v.tobytes(), p.tobytes())
        if self._own[0] == key:
            return self._own[1]
        tris = band_triangles(len(v))
        out = np.zeros(len(tris))
        if len(v) == PROXY_RINGS * len(FACE_OVAL):
            inner = ~outer_band(len(v)) & (tris.min(1) >= len(FACE_OVAL))
            out[inner] = self.own_skin(verts, src, tris[inner])
        out.flags.writeable = False
        self._own = (key, out)
        return out

    def own_skin(self, verts: np.ndarray, src: np.ndarray, tris: np.ndarray) -> np.ndarray:
        """[T] float64 in [0,1]: how far each triangle (tris [T,3], verts [N,>=2] target, src [N,2]
        photo positions) is the face's own skin past its oval drawn beside the turned face
        (OWN_FACE_DRAWN)."""
        drawn = ramp(area_stretch(verts, tris, src), OWN_FACE_DRAWN) * self.edge_on[tris % len(FACE_OVAL)].max(1)
        if drawn.any():   # drawn beside the turned face (a vertex past the moved oval), not under it
            v = np.asarray(verts, np.float64)
            k = len(FACE_OVAL)
            past = -_inside(v[k:2 * k, :2], v[tris.ravel(), :2]).reshape(tris.shape).min(1) / self.radius
            drawn *= ramp(past, OWN_FACE_OUT)
        out = np.zeros(len(tris))
        hot = np.flatnonzero(drawn > 0)
        if hot.size:
            out[hot] = ramp(self.past.share(src, tris[hot]), HIDDEN_FILL) * drawn[hot]
        return out

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
