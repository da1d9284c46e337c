"""The far half of a three-quarter face as a turn towards the camera reveals it (issue 15).

The tracker fits the far half of a turned face from a photo that sees it edge-on, and there its
outline can run onto what lies beside the head: t1.jpg's face 1 (yaw -33, against a wooden wall)
has its far half 11% wider than its near half in the canonical frame (median over the face
oval's mirror pairs; landmark 234 against 454: 19%), where every other face here is 0.79-1.05
(a far side seen edge-on is more often fitted short: 45-m7-di-ph.jpg 0.79, Tom_Hanks_54745.png
0.84). Her tracked far oval lies on the wall: the photo's pixels 2-6 px inside it are the wall's
and the hair's (L 27-56), where inside the near oval they are skin (75-81). Drawn at its own
pose the extra width is invisible (the far half is edge-on), but turned +25 towards the camera
the whole far half is revealed at that width: a round, wide far cheek and temple bulging past
where the near half's mirror ends, which read as a mask laid on the head (along the brow line
the drawn far half reached 0.875 of the near half's width, across the nose bridge 0.90; now
0.80 and 0.82; MediaPipe read the turn as 115% of 25, now 113%).

A face is close to symmetric, and its near half, seen well, is the better measure of its width:
where the far half is wider than the near half (FAR_EXCESS) on a face the photo sees turned
(FAR_YAW_DEG), each far vertex's lateral distance from the midline is brought back to its mirror
vertex's where it exceeds it, by as much as the turn reveals the far side (REVEAL_DEG): nothing
at the source's pose (the photo is drawn as it is) nor on a turn away, all of it from a turn of
REVEAL_DEG[1] towards the camera. Depth and height are kept; so is a far vertex no wider than its
mirror. Applied to the target's canonical shape before the camera's perspective (stages.repose,
Editor.plan): the face, the motion and the ring's moved oval follow it. The head proxy's rings
beyond the oval stay as the tracked shape places them: the band from the narrowed oval to them
carries the far temple's hair in to the face's new outline, where the photo's pale strip of
forehead beside the wide oval had lain between them (moved in with the oval, the rings left the
band beyond the silhouette stretched and filled, a pinkish film over the hair beside the temple:
tests/test_surround.py's film 32-34 px out from the face's edge).
"""
from __future__ import annotations

import functools

import numpy as np

from .fit import Pose

# the far half's width over the near half's (median over the face oval's far vertices, each
# against its mirror): none .. all of its excess removed. From past the spread of the faces here
# that the photos see from the front (0.95-1.05: a face's own asymmetry and the tracker's)
FAR_EXCESS = (1.05, 1.1)
# the source's |yaw|: the far half seen edge-on (the tracker's outline error there) none .. fully.
# Below, the photo sees the far cheek well and measures its width (multi_face.jpg's face 0 at
# +10 is 1.05 wide)
FAR_YAW_DEG = (15.0, 25.0)
# the turn towards the camera (degrees of yaw towards the far side): none .. all of the correction
REVEAL_DEG = (0.0, 10.0)


def _ramp(x, lo_hi) -> float:
    """smoothstep of x from lo to hi; 0 for a NaN."""
    lo, hi = lo_hi
    if not np.isfinite(x):
        return 0.0
    t = min(max((float(x) - lo) / (hi - lo), 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)


@functools.lru_cache(maxsize=1)
def _mirror() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mirror [468] int64 each vertex's mirror, midline [M] int64 the self-mirrored vertices,
    oval [K] int64 the face oval's vertices)."""
    from .facemodel import load_face_model
    from .head_proxy import FACE_OVAL

    mirror = np.asarray(load_face_model().mirror_vertices, np.int64)
    return mirror, np.flatnonzero(mirror == np.arange(len(mirror))), np.asarray(FACE_OVAL, np.int64)


def far_excess(shape: np.ndarray, pose: Pose) -> float:
    """How much wider than the near half the far half of a tracked canonical shape [468,3] at
    `pose` is: the median over the face oval's far vertices of their lateral distance from the
    midline over their mirror vertex's (1: as wide; nan for a face with no far side)."""
    mirror, midline, oval = _mirror()
    s = np.asarray(shape, np.float64)
    off = s[:, 0] - s[midline, 0].mean()
    far = oval[off[oval] * np.sign(pose.yaw) > 0]
    if not len(far):
        return float("nan")
    return float(np.median(np.abs(off[far]) / np.maximum(np.abs(off[mirror[far]]), 1e-6)))


def far_side_offset(shape: np.ndarray, pose: Pose) -> np.ndarray | None:
    """[468,3] float32: the move that brings the far half of a tracked canonical shape [468,3] at
    `pose` back to its near half's width (module docstring; weighted by FAR_EXCESS and
    FAR_YAW_DEG), or None where nothing moves (the usual case). 468 vertices: cheap per edit."""
    weight = _ramp(abs(pose.yaw), FAR_YAW_DEG)
    if weight <= 0.0:
        return None
    weight *= _ramp(far_excess(shape, pose), FAR_EXCESS)
    if weight <= 0.0:
        return None
    mirror, midline, _ = _mirror()
    s = np.asarray(shape, np.float64)
    off = s[:, 0] - s[midline, 0].mean()
    side = np.sign(pose.yaw)
    excess = np.maximum(np.abs(off) - np.abs(off[mirror]), 0.0) * (off * side > 0)
    out = np.zeros(s.shape, np.float32)
    out[:, 0] = -side * weight * excess
    return out


def revealed_far_side(shape: np.ndarray, offset: np.ndarray | None, source: Pose, target: Pose) -> np.ndarray:
    """The target's canonical shape [N,3] (shape: the tracked one, or it moved by an expression)
    with far_side_offset's `offset` applied by as much as the turn from `source` to `target`
    reveals the far side (REVEAL_DEG) -> [N,3]; `shape` itself where nothing moves."""
    if offset is None:
        return shape
    share = reveal(source, target)
    if share <= 0.0:
        return shape
    return (np.asarray(shape, np.float32) + np.float32(share) * offset).astype(np.float32)


def reveal(source: Pose, target: Pose) -> float:
    """How much of far_side_offset a turn from `source` to `target` applies, in [0,1]: its yaw
    towards the far side (REVEAL_DEG); 0 at the source's pose and on a turn away."""
    return _ramp(-np.sign(source.yaw) * (target.yaw - source.yaw), REVEAL_DEG)
