"""Similarity (Procrustes) fit of tracked vertices to the canonical mesh, Euler angles, weak-perspective posing.

Frame: our image frame (x right, y down, depth into the screen; smaller depth = nearer). It is
right-handed, and the canonical mesh (:mod:`poce_rt.facemodel`) is expressed in it, so a frontal,
upright face has R = I.

Euler convention: ``R = Rz(roll) @ Ry(yaw) @ Rx(pitch)`` (pitch applied first, in the face's frame),
with these signs (angles in degrees):

* ``pitch > 0``: the face tilts DOWN (nose points towards image-bottom; chin towards the chest).
  ``Rx`` is the standard right-handed rotation about +x (which points image-right).
* ``yaw > 0``: the face turns so that the nose points to IMAGE-RIGHT (the subject turns to their own left).
  ``Ry(yaw)`` is the rotation by +yaw about the image UP axis (-y), i.e. the standard ``Ry(-yaw)``.
* ``roll > 0``: the face rotates CLOCKWISE as seen in the image (the top of the head moves to image-right).
  ``Rz`` is the standard rotation about +z (into the screen).

Weak perspective (POCE Eq. 14): ``x, y = scale * (R @ S)[:2] + (tx, ty)``, ``depth = scale * (R @ S)[2] + tz``;
``scale`` is in pixels per canonical unit (centimetre).
"""
from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["Pose", "fit_similarity", "pose_vertices", "matrix_from_euler", "euler_from_matrix", "NECK_PIVOT_CM"]

#: how far behind MediaPipe's canonical origin (cm, canonical +z) the neck's axis runs: the head
#: turns on the dens (C1-C2) under the ear canals, ~12 cm behind the nose tip (canonical nose tip
#: z = -7.5, the face's outline beside the ears +2.4), at the depth of the jaw's hinge just in front
#: of them (poce_rt.rig.JawJoint.pivot). The canonical origin lies inside the face, 8 cm behind the
#: nose tip: a head turned about it pivots in place, its face swinging round by this much times
#: (sin of the new yaw - sin of the old) less than on a neck (EditorConfig.neck_pivot_cm)
NECK_PIVOT_CM = 4.5


def matrix_from_euler(pitch: float, yaw: float, roll: float) -> np.ndarray:
    """[3,3] float64 R = Rz(roll) @ Ry(yaw) @ Rx(pitch), degrees, signs as in the module docstring."""
    p, y, r = np.radians([pitch, yaw, roll])
    cp, sp, cy, sy, cr, sr = np.cos(p), np.sin(p), np.cos(y), np.sin(y), np.cos(r), np.sin(r)
    rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    ry = np.array([[cy, 0, -sy], [0, 1, 0], [sy, 0, cy]])  # = standard Ry(-yaw): yaw > 0 turns nose right
    rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    return rz @ ry @ rx


def euler_from_matrix(R: np.ndarray) -> tuple[float, float, float]:
    """[3,3] rotation -> (pitch, yaw, roll) in degrees, yaw in [-90, 90]; inverse of :func:`matrix_from_euler`.

    At gimbal lock (|yaw| = 90) roll is set to 0 and the whole in-plane angle goes to pitch.
    """
    R = np.asarray(R, np.float64)
    # R[2,0] = sin(yaw), R[2,1] = cos(yaw) sin(pitch), R[2,2] = cos(yaw) cos(pitch),
    # R[1,0] = sin(roll) cos(yaw), R[0,0] = cos(roll) cos(yaw)
    yaw = np.arcsin(np.clip(R[2, 0], -1.0, 1.0))
    if np.hypot(R[0, 0], R[1, 0]) > 1e-9:
        pitch = np.arctan2(R[2, 1], R[2, 2])
        roll = np.arctan2(R[1, 0], R[0, 0])
    else:  # cos(yaw) ~ 0: only pitch -/+ roll is defined
        pitch, roll = np.arctan2(-R[1, 2], R[1, 1]), 0.0
    return float(np.degrees(pitch)), float(np.degrees(yaw)), float(np.degrees(roll))


@dataclasses.dataclass
class Pose:
    """Weak-perspective head pose. Angles in degrees (see module docstring for signs), tx/ty/tz in pixels,
    scale in pixels per canonical unit. (tx, ty, tz) is where the canonical origin lands."""
    pitch: float = 0.0
    yaw: float = 0.0
    roll: float = 0.0
    tx: float = 0.0
    ty: float = 0.0
    scale: float = 1.0
    tz: float = 0.0

    @property
    def rotation(self) -> np.ndarray:
        """[3,3] float64 rotation matrix, read-only: worked out once per (pitch, yaw, roll) and kept
        on the pose (a frame loop step asks for it ~30 times; matrix_from_euler costs ~10 us)."""
        angles = (self.pitch, self.yaw, self.roll)
        kept = self.__dict__.get("_rotation")
        if kept is None or kept[0] != angles:
            r = matrix_from_euler(*angles)
            r.flags.writeable = False
            kept = self.__dict__["_rotation"] = (angles, r)
        return kept[1]

    @property
    def translation(self) -> np.ndarray:
        return np.array([self.tx, self.ty, self.tz], np.float64)

    def as_array(self) -> np.ndarray:
        """[7] float32 (pitch, yaw, roll, tx, ty, scale, tz)."""
        return np.array([self.pitch, self.yaw, self.roll, self.tx, self.ty, self.scale, self.tz], np.float32)

    @staticmethod
    def from_rt(R: np.ndarray, t, scale: float) -> "Pose":
        pitch, yaw, roll = euler_from_matrix(R)
        return Pose(pitch, yaw, roll, float(t[0]), float(t[1]), float(scale), float(t[2]))

    def offset(self, pitch: float = 0.0, yaw: float = 0.0, roll: float = 0.0,
               center=(0.0, 0.0, 0.0)) -> "Pose":
        """A new pose turned further by (pitch, yaw, roll) about the head's own axes, through a pivot.

        The angles add: ``R' = Rz(roll + d_roll) @ Ry(yaw + d_yaw) @ Rx(pitch + d_pitch)``. The Euler
        order is the neck's (a tilt outermost, then the turn, the nod innermost), so a yaw offset turns
        the head about its own up axis as tilted by the roll, like a head shaking "no" on a tilted neck,
        and leaves pitch and roll as they were. Turning about the image's vertical axis instead
        (``R_offset @ R``, before issue 15) mixed a nod into every turn of a rolled head: on
        Image_with_alpha (roll -24) yaw +25 drew a turn of 22.9 and a nod of +10.1 degrees, and the
        tracker read +20.6 and +11.6. For an upright face (roll 0) a yaw offset is the same turn as
        before; a pitch offset of a turned face now nods about the face's own ear-to-ear axis.
        ``center`` [3] is the pivot in the canonical frame (default: the canonical origin, which MediaPipe
        places inside the head behind the nose); it stays where it was in the image (turned_from).
        """
        R2 = matrix_from_euler(self.pitch + pitch, self.yaw + yaw, self.roll + roll)
        return Pose.from_rt(R2, self.translation, self.scale).turned_from(self, center)

    def turned_from(self, before: "Pose", center) -> "Pose":
        """This pose's rotation and scale, placed so that the point ``center`` [3] (canonical frame)
        lies where ``before`` draws it: the head turned from ``before`` about that point, e.g. on its
        neck (NECK_PIVOT_CM) rather than about the canonical origin. A centre at the origin gives
        ``before``'s translation."""
        c = np.asarray(center, np.float64)
        t = before.translation + before.scale * (before.rotation @ c) - self.scale * (self.rotation @ c)
        return dataclasses.replace(self, tx=float(t[0]), ty=float(t[1]), tz=float(t[2]))


def pose_vertices(shape: np.ndarray, pose: Pose) -> np.ndarray:
    """[N,3] canonical-frame shape -> [N,3] float32 image-space vertices (x, y, depth) under ``pose``."""
    shape = np.asarray(shape, np.float64)
    if shape.ndim != 2 or shape.shape[1] != 3:
        raise ValueError(f"shape must be [N,3], got {shape.shape}")
    return (pose.scale * shape @ pose.rotation.T + pose.translation).astype(np.float32)


def fit_similarity(verts_px: np.ndarray, canonical: np.ndarray, weights: np.ndarray | None = None
                   ) -> tuple[Pose, np.ndarray]:
    """Weighted Umeyama fit of ``verts_px ~ scale * R @ canonical + t``.

    verts_px  [N,3] tracked vertices in image space (x, y, depth in pixels)
    canonical [N,3] the canonical mesh (:attr:`FaceModel.vertices`)
    weights   [N] >= 0 or None (uniform); e.g. ``FaceModel.procrustes_weights`` for MediaPipe's rigid subset
    Returns (pose, shape [N,3] float32): the tracked vertices brought back into the canonical frame by the
    inverse similarity, so ``pose_vertices(shape, pose)`` reproduces ``verts_px`` (to float32 rounding).
    """
    X = np.asarray(canonical, np.float64)
    Y = np.asarray(verts_px, np.float64)
    if X.shape != Y.shape or X.ndim != 2 or X.shape[1] != 3 or len(X) < 3:
        raise ValueError(f"need matching [N,3] arrays with N >= 3, got {Y.shape} and {X.shape}")
    if not (np.isfinite(X).all() and np.isfinite(Y).all()):
        raise ValueError("vertices contain NaN or inf")
    w = np.ones(len(X)) if weights is None else np.asarray(weights, np.float64).reshape(-1)
    if w.shape != (len(X),) or (w < 0).any() or w.sum() <= 0:
        raise ValueError("weights must be [N], non-negative, with a positive sum")
    w = w / w.sum()
    mx, my = w @ X, w @ Y
    Xc, Yc = X - mx, Y - my
    cov = (Yc * w[:, None]).T @ Xc                     # [3,3] sum_i w_i y_i x_i^T
    U, D, Vt = np.linalg.svd(cov)
    S = np.eye(3)
    if np.linalg.det(U) * np.linalg.det(Vt) < 0:       # best rotation, never a reflection
        S[2, 2] = -1.0
    R = U @ S @ Vt
    var_x = (w * (Xc ** 2).sum(1)).sum()
    if var_x <= 0:
        raise ValueError("canonical points are degenerate (all equal)")
    scale = float(np.trace(np.diag(D) @ S) / var_x)
    if scale <= 0:
        raise ValueError("degenerate fit (non-positive scale)")
    t = my - scale * R @ mx
    pose = Pose.from_rt(R, t, scale)
    # invert with the matrix rebuilt from the Euler angles, so pose_vertices(shape, pose) round-trips
    shape = ((Y - pose.translation) @ pose.rotation) / pose.scale
    return pose, shape.astype(np.float32)
