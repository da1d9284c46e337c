"""A face's edge where the face is its own profile, drawn without the composite's feather (issue 15).

The composite feathers the face's coverage over feather_px (0.03 of the face's width) inside its
edge, so that the face's border blends with what lies under it: at the face oval that is the head
proxy's ring, which continues the same surface there (its inner ring lies under the feathered
border: proxy_pose.INNER_MIN, under_border). Turned towards profile, the face's edge is no longer
its oval: the brow, the nose and the lips stand out as its silhouette, beyond the far oval, which
the turn hides behind them (t1.jpg's face 1, yaw -33 turned -25: the nose up to 0.7 of the oval's
mean radius from it). What the ring draws under that edge is its band about the far oval, which
reads the photo's far eye and cheek, and the feather blended them into the profile (the far
eye's lashes along the nose bridge, the old cheek beside the nose tip): from the profile's edge
to the feather's width inside it the output lay 28.9 levels off the face's render on average
(9.5 now, the rasterizer's antialiased pixel included). dlib's identity distance of that turn
from the source was 0.558 (median of scripts/ied_spread.py's 20 crops 0.554, all over 0.5); with
the profile's edge composited over 1 px, 0.482 (median 0.496).

There the face is composited with the rasterizer's own antialiased edge and a feather of 1 px
(the least the Editor uses), by a weight that ramps in with each pixel's distance from the
projected oval (PROFILE_GAP of its mean radius). A far cheek seen edge-on on a turn of 10 or 25
degrees bulges past its oval by less (at most 0.27 of the radius on the other nine faces here;
proxy_pose's face_past_oval: 0.11-0.16 at the source's pose) and keeps its feather: a face whose
outline stays within PROFILE_GAP[0] of its oval is composited exactly as before (profile_weight
is None). Those that reach past it: t1.jpg's face 1 at -20 and -25, the three-quarter
45-m7-di-ph.jpg (-43) at -10 and +10, Tom_Hanks_54745.png (+18) at +20 and +25 - each a nose,
lips or chin drawn as the silhouette against the backdrop. A profile the photo already shows and
an edit leaves where it is (45-m7's smile, t1.jpg's near-profile face opening its jaw) keeps its
feather (TURN_DEG): under its edge lies the photo's own surroundings of it.
"""
from __future__ import annotations

import cv2
import numpy as np

from . import ops
from .layers import mix_into, widen

# x the face oval's mean radius: an edge pixel this far from the projected oval is the face's own
# profile, fully from the second value (module docstring)
PROFILE_GAP = (0.3, 0.4)
# the profile's soft edge (px): the least feather the Editor uses (Editor.feather_px)
PROFILE_FEATHER_PX = 1
# degrees the head turns (its largest angle's change): none of the profile's own edge below the
# first, all of it from the second. A head left where the photo has it (an expression edit) draws
# under its profile's edge the photo's own surroundings of that same edge, and the feather blends
# like with like, as everywhere else on the face's border (t1.jpg's near-profile face opening its
# jaw: its judge read 0.215 feathered, 0.203 unfeathered); a ramp, not a step, so that a driver's
# pose jitter about the source's does not switch the edge on and off from frame to frame.
TURN_DEG = (0.5, 2.0)


def _segment_distances(points: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """[P] each point's distance (px) from the closed polyline poly [K,2]."""
    a, b = poly, np.roll(poly, -1, axis=0)
    ab = b - a
    t = np.clip(np.einsum("pkc,kc->pk", points[:, None] - a[None], ab) / np.maximum((ab * ab).sum(1), 1e-12), 0, 1)
    near = a[None] + t[..., None] * ab[None]
    return np.sqrt(((points[:, None] - near) ** 2).sum(-1)).min(1)


def profile_weight(oval: np.ndarray, vertices: np.ndarray, height: int, width: int) -> np.ndarray | None:
    """[height,width] float32 in [0,1]: how far each pixel of a box is the face's own profile
    (PROFILE_GAP) rather than its oval's border, or None where the face's outline stays within
    PROFILE_GAP[0] of its oval (then nothing changes). oval [K,2] the face oval's projected
    positions and vertices [N,2] the face's, both in the box's pixels. The outline is the convex
    hull of the vertices (a nose or lips in profile lie on it)."""
    oval = np.asarray(oval, np.float64)[:, :2]
    radius = float(np.linalg.norm(oval - oval.mean(0), axis=1).mean())
    if radius <= 0.0 or height <= 0 or width <= 0:
        return None
    hull = cv2.convexHull(np.ascontiguousarray(np.asarray(vertices, np.float32)[:, :2])).reshape(-1, 2).astype(np.float64)
    if _segment_distances(hull, oval).max(initial=0.0) <= PROFILE_GAP[0] * radius:
        return None
    line = np.full((height, width), 255, np.uint8)
    cv2.polylines(line, [np.round(oval).astype(np.int32)], True, 0, 1)
    far = cv2.distanceTransform(line, cv2.DIST_L2, 3) / radius
    return np.clip((far - PROFILE_GAP[0]) / (PROFILE_GAP[1] - PROFILE_GAP[0]), 0.0, 1.0).astype(np.float32)


def turn_share(src_pose, dst_pose) -> float:
    """How far a pose change from src_pose to dst_pose (poce_rt.fit.Pose) turns the head for its
    profile's own edge (TURN_DEG), 0..1."""
    turn = max(abs(dst_pose.pitch - src_pose.pitch), abs(dst_pose.yaw - src_pose.yaw),
               abs(dst_pose.roll - src_pose.roll))
    return float(np.clip((turn - TURN_DEG[0]) / (TURN_DEG[1] - TURN_DEG[0]), 0.0, 1.0))


def turned_profile(src_pose, dst_pose, oval: np.ndarray, vertices: np.ndarray, height: int,
                   width: int) -> np.ndarray | None:
    """profile_weight's, times turn_share's for the pose change (None where either is none)."""
    share = turn_share(src_pose, dst_pose)
    weight = None if share <= 0.0 else profile_weight(oval, vertices, height, width)
    if weight is not None and share < 1.0:
        weight *= np.float32(share)
    return weight


def sharpen_profile(out, sharp, weight, work, wide=None):
    """out [h,w,3] uint8 (the feathered composite) moved to sharp [h,w,3] uint8 (the composite
    over PROFILE_FEATHER_PX) by weight [h,w,1] float32, in place; work [h,w,3] float32; wide: on
    the host, a [h,w,3] float32 buffer the weight is widened into (layers.widen: NumPy's multiply
    by a broadcast [h,w,1] is ~2x slower; None: allocated). NumPy or CuPy, nothing allocated on
    the device; out is unchanged where weight is 0. Returns out."""
    ops.array_module(out).copyto(work, sharp)
    return mix_into(out, work, widen(weight, 3, out=wide))
