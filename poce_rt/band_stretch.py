"""How much of each band triangle of the ring is to be filled rather than warped from the photo
(issue 15; stretch_weights), drawn over the photo's pixels the triangles read (stretch_fill).

Stretched strips (held-out Tom_Hanks_54745.png at -25): a side of the head the photo sees at a
grazing angle lies in a strip a few pixels wide between the tracked oval and the silhouette, and
a turn towards the camera draws it several times wider. The photo has no texture for that much
surface: a band triangle drawn over more than STRETCH_FILL[0] times its area in the photo (the
hair beside that face's far temple, drawn as streaks; a band merely sheared, as under a chin that
slides over the still neck, keeps its area and is warped) is filled instead, fully from
STRETCH_FILL[1]. So is a band triangle drawn more than FEATURE_STRETCH[0] times larger that reads
one of the face's features (poce_rt.feature_mask): the oval of a far side can run through the
outer corner of an eye or the end of a brow, which the face mesh draws where they move to, and
the ring drew them a second time beside the face; and one behind the face in the photo as far as
the turn brings it out (REVEAL_FILL). poce_rt.stretched_patch fills them, poce_rt.ring_photo and
the frame loop's ring texture (poce_rt.frame_loop.ring_texture) draw the fill into the ring's
texture.
"""
from __future__ import annotations

import functools

import cv2
import numpy as np

from .band_maps import affine_maps, area_scale, largest_singular, outer_band
from .feature_mask import HIDDEN_FILL, FeatureMask
from .head_proxy import FACE_OVAL, PROXY_RINGS, SILHOUETTE_RING, band_tris, band_triangles, ramp, read_only

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
FEATURE_STRETCH = (1.25, 1.75)
# A band triangle behind the face (feature_mask.HIDDEN_FILL) is filled only as far as the turn
# brings it out from behind the face: by how much the distance of its vertices inside the face
# oval's hull drops from the photo to the target (the largest over its vertices, in oval radii),
# none from REVEAL_FILL[0], all from [1]. The photo's
# own face texture drawn where it barely moved is right: at small turns the fill smeared the far
# cheek's outline (Tom_Hanks_54745.png at +1: 89 levels off the photo; 45-m7-di-ph.jpg: 59), and a
# turn away from the far side hides it deeper (nothing to fill). It is 0 at no turn and continuous
# in the pose (no pop in the frame loop). 45-m7 at +25: every triangle more than half behind the
# face comes out by >= 0.057 radii, at +1 by <= 0.020; Tom_Hanks at +1 by <= 0.007.
REVEAL_FILL = (0.015, 0.05)


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
    maps = affine_maps(verts, tris, src)   # per frame: both measures from one set of maps
    s = largest_singular(*maps)
    w = ramp(area_scale(*maps), STRETCH_FILL)
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
        # (read only for the triangles filled at all: a ring's share of the frame costs a
        # barycentric grid per triangle, 0.3-0.4 ms a frame-loop step over the head proxy's 576)
        hot = np.flatnonzero(w > 0)
        w[hot] *= 1.0 - features.frame.share(src, tris[hot]) * ~features.frame_side(len(verts), tris[hot])
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
