"""The ring's texture: the photo around the face as a square float texture for the ring warp
(poce_rt.surround; the frame loop's poce_rt.frame_loop.ring_texture keeps one per source), its
texels beyond the photo and those that stretched band triangles read filled, and each drawn
pixel's share of fill (ring_filled).

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
"""
from __future__ import annotations

import collections
import functools
import threading

import cv2
import numpy as np

from . import masks, ops
from .head_proxy import FACE_OVAL, PROXY_RINGS, SILHOUETTE_RING, band_tris, band_triangles, oval_radius, ramp, read_only
from .rim_light import relit
from .silhouette import backdrop_like

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
# ... and a band triangle inside the silhouette that the turn draws no larger than the photo shows
# it (area_stretch under BACKDROP_GROWN[0], a head fill from [1] up as before), filled for the
# features it reads, is filled from the backdrop where the photo shows backdrop on it (its share of
# backdrop pixels from BACKDROP_READ[0], fully from [1]: BESIDE_SHARE's bounds). A face seen
# edge-on whose outline lies on the oval (Tom_Hanks_54745.png's far temple, yaw +18: the backdrop
# 1 px past the oval) has its proxy's first bands squeezed against the face's outline by a turn
# towards the camera (area 0.4-0.8) and filled for the far eye's corner and brow end they read;
# filled with the head's colour, pulled from the lit temple, they drew a pale rim beside the
# revealed temple and eye (at -25 and -20: 32-37 levels over the backdrop on average over those
# rows, up to 46; now 3, up to 17; backdrop_read). A band the turn widens is the side of the head
# it reveals, the head's fill (the jaw at +25: area 2.4-3.6).
BACKDROP_READ = (0.3, 0.6)
BACKDROP_GROWN = (1.0, 2.0)
# ... unless the photo shows nothing but the backdrop on it (its share of backdrop pixels from
# BACKDROP_ONLY[0], fully from [1]): the proxy's silhouette runs past the head's outline there,
# and widening the band reveals no head the photo saw. Tom_Hanks_54745.png at -25: the bands
# beside the tuft of hair at his far temple read the backdrop alone (share 1.0, drawn 4.1-4.4x
# larger), and the head's fill pulled there, his black hair mixed with his lit forehead, drew a
# grey ghost 110-136 levels from the tuft down to the brow's end, on the backdrop's 150 (the
# jaw's widened bands at +25 read 0.47-0.66 of it)
BACKDROP_ONLY = (0.9, 0.98)
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


@functools.lru_cache(maxsize=4)
def _barycentric_grid(n: int) -> np.ndarray:
    """[P,3] float64 barycentric weights of a triangle's grid of n steps per edge."""
    i, j = np.meshgrid(np.arange(n + 1), np.arange(n + 1))
    keep = i + j <= n
    return read_only(np.stack([i[keep], j[keep], n - i[keep] - j[keep]], 1) / n)


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
    source face's [468,3] (or [468,2]) vertices in photo pixels; glasses: None, or the head proxy's
    sunglasses (accessories.ring_glasses), whose frame at the oval (frame) is no fill's."""

    def __init__(self, src_vertices: np.ndarray, glasses=None):
        v = np.asarray(src_vertices, np.float64)[:, :2]
        # the sunglasses' frame at the oval, which the ring draws with the glasses (glasses: None, or
        # poce_rt.accessories.ring_glasses'): stretched, it is not filled (stretch_weights)
        from .accessories import frame_region

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
        from .head_proxy import face_past_oval

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
    return read_only(out.astype(np.int32))


def stretch_weights(verts: np.ndarray, src: np.ndarray, features: FeatureMask | None = None) -> np.ndarray:
    """[T] float64 in [0,1] for band_triangles(len(verts)): how much each is to be filled for being
    drawn over more than STRETCH_FILL[0] times the area the photo shows it in (area_stretch), or
    more than FEATURE_STRETCH[0] times larger (stretch) where it reads one of the face's
    features, or for lying behind the face in the photo as far as the turn brings it out
    (HIDDEN_FILL x REVEAL_FILL: the head proxy's band only) (features: the source's FeatureMask;
    None: neither tested), but for its share that reads the sunglasses' frame (FeatureMask.frame).
    The head proxy's two bands beyond its silhouette, by the fringe to the outer ring, are
    measured as one (weighed_triangles). verts [N,3] target, src [N,2] photo positions, as
    ring_band gives them."""
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
            # past the oval up to the silhouette (the same triangles as band_triangles' there)
            w = np.maximum(w, features.own_band(verts, src))
    if features is not None and features.frame is not None and w.any():
        # the sunglasses' frame, drawn where the glasses move (glasses_rings.GlassesRings.rigid_glasses),
        # but for the wedge beside it (FRAME_SIDE)
        w *= 1.0 - features.frame.share(src, tris) * ~features.frame_side(len(verts), tris)
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


def photo_texture(image: np.ndarray, lo, side: int, stretched=None, backdrop: np.ndarray | None = None,
                  features: FeatureMask | None = None, rim=None):
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
    and the source's FeatureMask `features`). rim: None, or (poce_rt.rim_light.RimLight, reveal
    [K]): the texels about the oval relit at the pose, over the fill (rim_light.relit)."""
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
    relit(texture, (x0, y0), side, rim)
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
                     silhouette: np.ndarray | None = None, own: np.ndarray | None = None,
                     face: np.ndarray | None = None) -> np.ndarray:
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
    the backdrop there, 15-30 levels below it. own: None, or [h,w] stretch_fill of the band
    triangles that read the face's own skin past its oval (OWN_FACE_DRAWN), filled from what lies
    around the face in the photo: its texels outside face [h,w] (the hull of the face's vertices)."""
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
    pairs = [(inside * (1.0 - beside), head), (beside * (1.0 - inside), behind)]
    if own is not None and own.max() > 0:
        pairs.append((own * (1.0 - inside) * (1.0 - beside), known * (1.0 - face)))
    for share, weight in pairs:
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


def backdrop_read(back: np.ndarray, on_photo: np.ndarray, verts: np.ndarray, src: np.ndarray, a,
                  weights: np.ndarray, n: int = 8) -> np.ndarray:
    """[T] float64 in [0,1] for band_triangles(len(verts)): how far each triangle of weights [T] > 0
    is filled from the backdrop rather than the head (module comment at BACKDROP_READ): the ramp
    of the share of its photo pixels that are the backdrop (back [h',w'], head_or_backdrop's, at
    every other photo pixel from a (x, y); of those on the photo, on_photo [h',w'] bool at the same
    pixels; none: 0), on a triangle drawn no larger than the photo shows it (BACKDROP_GROWN of
    area_stretch) or that the photo shows on the backdrop alone (BACKDROP_ONLY). verts [N,3] target,
    src [N,2] photo positions, as ring_band gives them."""
    out = np.zeros(len(weights))
    hot = np.flatnonzero(weights > 0)
    if hot.size == 0:
        return out
    tris = band_triangles(len(verts))[hot]
    xy = np.round((_barycentric_grid(n) @ np.asarray(src, np.float64)[tris] - np.asarray(a, np.float64)) / 2.0)
    xy = xy.astype(int)
    h, w = back.shape
    x, y = np.clip(xy[..., 0], 0, w - 1), np.clip(xy[..., 1], 0, h - 1)
    on = on_photo[y, x] & (xy[..., 0] == x) & (xy[..., 1] == y)
    share = (back[y, x] * on).sum(1) / np.maximum(on.sum(1), 1)
    grown = ramp(area_stretch(verts, tris, src), BACKDROP_GROWN) * (1.0 - ramp(share, BACKDROP_ONLY))
    out[hot] = ramp(share, BACKDROP_READ) * (1.0 - grown)
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
    features, the source's FeatureMask), from the backdrop beside it (head_or_backdrop), and
    inside it too for a triangle the turn squeezes that the photo shows on the backdrop (BACKDROP_READ);
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
        back = backdrop_like(box[::2, ::2], backdrop) if backdrop_map is None else backdrop_map.over(a, fill.shape)
        # the triangles inside the silhouette that the photo shows on the backdrop, squeezed by the
        # turn, take the backdrop's fill as the outer band does (BACKDROP_READ)
        inner = np.where(~outer, weights, 0.0)
        seen = backdrop_read(back, known[::2, ::2] > 0, verts, src, a, inner)
        if features is not None:   # the wedge beside the sunglasses' end piece (FRAME_SIDE)
            seen = np.where(features.frame_side(len(verts), band_triangles(len(verts))) & (inner > 0), 1.0, seen)
        # the face's own skin past its oval takes what lies around the face (OWN_FACE_DRAWN)
        own = np.zeros_like(inner) if features is None else np.minimum(features.own_band(verts, src), inner)
        parts = ((inner - own) * (1.0 - seen), np.where(outer, weights, 0.0) + (inner - own) * seen, own)
        inside, beside, skin = (stretch_fill(verts, src, a, fill.shape, part) if part.any() else np.zeros_like(fill)
                                for part in parts)
        avoid = None if features is None else features.features.over(a, fill.shape)
        face = None if not own.any() else features.hull.over(a, fill.shape).astype(np.float32)
        box = head_or_backdrop(box, keep, inside, beside, backdrop, avoid, back,
                               source_silhouette(src, a, fill.shape), skin if own.any() else None, face)
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
