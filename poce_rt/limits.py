"""The valid range of every user-facing knob, in one place (the configs, the stage functions and
the CLI's --help all read them from here).

Why these bounds:
- subdivisions 0-3: each Loop level quadruples the triangles (898 -> 57k at 3); 10 levels need
  ~10 GB and never finish.
- UV size 16-4096 (networks: their own trained size).
- cascade steps 1-16: each step is one more pass of the texture edit; more steps only split the
  same change finer.
- pose: the mesh can be shown where its texture was seen or can be completed. Beyond ~60 deg of
  yaw, 45 of pitch, the far half of the face is a smear and the silhouette tears; roll is an
  in-plane turn, but past 90 deg the face is upside down in an upright photo. The same limits
  hold for offsets and for the pose they lead to (source pose + offset).
- expression: blendshape scores are in [0,1] (absolute targets); a relative change moves a score
  by at most the whole range, [-1,1]. `intensity` may extrapolate beyond (POCE Fig. 11) up to
  EditorConfig.max_intensity (default 3, at most 10).
- feather: a fraction 0-0.5 of the face's width (0.5: the ramp just reaches the face's middle).
  The composite kernel's box blur costs O(feather_px) per pixel; a soft edge wider than a quarter
  of the frame's shorter side is never fully opaque on any face that fits in it, so ops.composite
  refuses feather_px above min(4096, max(1, min(H, W) // 4)).
- depth_tol: finite and >= 0 (pixels).
"""
from __future__ import annotations

import math

import numpy as np

from .errors import InputError

SUBDIVISIONS = (0, 3)
UV_SIZE = (16, 4096)
STEPS = (1, 16)
POSE_DEG = {"pitch": 45.0, "yaw": 60.0, "roll": 90.0}
EXPR_ABSOLUTE = (0.0, 1.0)
EXPR_RELATIVE = (-1.0, 1.0)
MAX_INTENSITY = 10.0
FEATHER = (0.0, 0.5)
NECK_PIVOT_CM = (0.0, 15.0)   # EditorConfig.neck_pivot_cm: from the canonical origin to the back of a head
MAX_FACES = (1, 64)


def check_int(name: str, value, lo: int, hi: int | None = None) -> int:
    """`value` as an int in lo..hi (hi None: no upper bound), else InputError."""
    ok = (not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))
          and math.isfinite(value) and value == int(value))
    if not ok:
        raise InputError(f"{name} must be an integer, got {value!r}")
    v = int(value)
    if v < lo or (hi is not None and v > hi):
        rng = f"in {lo}..{hi}" if hi is not None else f">= {lo}"
        raise InputError(f"{name} must be {rng}, got {v}")
    return v


def check_float(name: str, value, lo: float | None = None, hi: float | None = None) -> float:
    """`value` as a finite float in [lo, hi] (None: unbounded on that side), else InputError."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v):
        raise InputError(f"{name} must be finite, got {value!r}")
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        rng = (f"in [{lo:g}, {hi:g}]" if lo is not None and hi is not None
               else f">= {lo:g}" if lo is not None else f"<= {hi:g}")
        raise InputError(f"{name} must be {rng}, got {v:g}")
    return v


def check_angles(pitch: float, yaw: float, roll: float, what: str = "pose") -> None:
    """(pitch, yaw, roll) degrees within POSE_DEG (offsets or absolute angles), else InputError."""
    for ax, v in zip(("pitch", "yaw", "roll"), (pitch, yaw, roll)):
        lim = POSE_DEG[ax]
        check_float(f"{what} {ax}", v, -lim, lim)


def clamp_angles(pitch: float, yaw: float, roll: float) -> tuple[float, float, float]:
    """(pitch, yaw, roll) clamped into POSE_DEG: for streams (reenactment), where one frame's
    outlier must not stop the stream."""
    return tuple(float(min(max(v, -POSE_DEG[ax]), POSE_DEG[ax]))
                 for ax, v in zip(("pitch", "yaw", "roll"), (pitch, yaw, roll)))


def pose_help(ax: str) -> str:
    lim = POSE_DEG[ax]
    return f"+/-{lim:g}"
