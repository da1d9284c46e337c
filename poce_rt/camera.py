"""A pinhole camera for a re-posed head (issue 15, item 4): the near side grows, the far side shrinks.

`fit.pose_vertices` is weak perspective (POCE Eq. 14): every point of the head is magnified alike.
A photo is a pinhole projection: a point dz cm further from the camera than the head's origin is
magnified by Z / (Z + dz) relative to it (Z: the camera's distance from the origin). When a head
turns, its near side comes closer and grows and its far side recedes and shrinks; a turn drawn in
weak perspective has the right landmark positions to first order but none of that, and MediaPipe
run on the output (the issue's judge) reads it as a smaller turn: +-25 degrees read back as 72-91%
of 25 (the landmarks' xy follow the turn; the depth the tracker infers from the picture lags).

The tracked shape was fitted by a similarity to landmarks of a perspective photo, so it carries
the source's perspective. `perspective_shape` undoes it at the source's rotation, turns the head,
and applies it at the target's, and folds the result into a canonical shape such that
`pose_vertices(shape', target_pose)` is the pinhole projection: the pose is exactly the one asked
for, and everything drawn from (shape, pose) downstream (face, mouth, motion, ring) follows.
The head is taken to lie on the optical axis (magnified about its own origin's projection).

CAMERA_DISTANCE_CM is the assumed distance from the camera to the head's origin (MediaPipe's
canonical origin, inside the head behind the nose). A photo carries no trustworthy focal length
(the repository's have none; a crop changes the field of view), so this is a typical value, not
a fitted one: 80 cm, between an arm's-length selfie or webcam (40-60 cm) and a portrait taken
across a room (1-2 m). Farther cameras flatten the effect towards weak perspective (`math.inf`,
the drawing before this module). README "Seamless faces" has the read-back at 45-120 cm and inf.
"""
from __future__ import annotations

import math

import numpy as np

from .fit import Pose

CAMERA_DISTANCE_CM = 80.0
MIN_DISTANCE_CM = 20.0   # nearer than this a head no longer fits in front of the camera
_NEAREST = 0.1   # a point never counts as nearer than 10% of the distance (no division by ~0)


def perspective_shape(shape: np.ndarray, source_pose: Pose, target_pose: Pose,
                      distance_cm: float = CAMERA_DISTANCE_CM) -> np.ndarray:
    """[N,3] canonical shape as tracked at source_pose -> [N,3] float32 canonical shape whose weak
    projection at target_pose (fit.pose_vertices) is the pinhole projection of the head turned
    from source_pose to target_pose, seen from distance_cm (cm from the head's origin).

    At the source's own rotation, or with distance_cm = inf, the shape comes back unchanged (the
    same array), so a still head is drawn exactly as before."""
    s = np.asarray(shape, np.float32)
    if s.ndim != 2 or s.shape[1] != 3:
        raise ValueError(f"shape must be [N,3], got {s.shape}")
    d = float(distance_cm)
    if not d >= MIN_DISTANCE_CM:   # (NaN fails too)
        raise ValueError(f"distance_cm must be >= {MIN_DISTANCE_CM:g} or inf, got {distance_cm!r}")
    r_src, r_dst = source_pose.rotation, target_pose.rotation
    if math.isinf(d) or np.abs(r_src - r_dst).max() < 1e-9:   # (a zero offset, through Euler angles)
        return s
    a = s.astype(np.float64) @ r_src.T                  # camera-frame offsets from the origin (cm)
    a[:, :2] *= (1.0 + a[:, 2:] / d)                    # undo the photo's magnification Z/(Z+z)
    b = a @ r_src @ r_dst.T                             # the true head, turned
    b[:, :2] *= d / np.maximum(d + b[:, 2:], _NEAREST * d)
    return (b @ r_dst).astype(np.float32)
