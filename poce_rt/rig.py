"""A linear expression rig for the canonical mesh: per-blendshape vertex offsets.

    shape(code) = shape_source + sum_k (code_k - source_code_k) * offsets[k]

It lets the pipeline change expression through geometry before (and beside) the networks: the
networks edit the texture, the rig moves the mesh. The offsets were fitted by ridge regression of
tracked canonical-frame shapes on MediaPipe's 52 blendshape scores, over real tracked video
(``scripts/fit_expression_rig.py``; the packaged file records its sources and settings).

jawOpen also turns the lower face about a jaw joint (as FLAME's jaw does): the real data hardly
opens the jaw (jawOpen <= 0.13 in the videos), so its fitted offset moves the lower lip 2.3 cm per
unit and the chin less, which MediaPipe reads as a lowered lip rather than an open jaw. With the
joint, one unit of jawOpen parts the inner lips by 4.5 cm, an adult's widest opening (40-50 mm
between the incisors); the joint's angle per unit is solved for that at load time.

MediaPipe's jawOpen is not proportional to the lip gap: on our renders it hardly registers the
first few millimetres and levels off near +0.5-0.7 (wider, the tracker stops following the lower
lip). So the rig carries a calibration (``scripts/calibrate_jaw.py``): a monotone curve from a
jawOpen command to the rig's units above, measured by rendering closed-mouth photos and
re-tracking them, so that a command of x up to 0.1 reads back as a rise of about x, and from
there the jaw opens linearly in the command up to where the read-back levels off (0.95 units
at a command of 1), so that 0.4 and 0.8 open visibly differently and read back in order.
"""
from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .codes import BLENDSHAPE_NAMES

RIG_PATH = Path(__file__).with_name("data") / "expression_rig.npz"
JAW_OPEN = BLENDSHAPE_NAMES.index("jawOpen")
UPPER_LIP, LOWER_LIP = 13, 14     # inner lip midpoints of the MediaPipe mesh
# the inner lip contours, corner to corner (left to right)
INNER_UPPER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
INNER_LOWER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
MAX_OPENING_CM = 4.5


@dataclass(frozen=True)
class JawJoint:
    """A rotation of the lower face about the temporomandibular axis (canonical frame, cm).

    pivot [3]: a point on the axis, which runs along x (ear to ear), in front of the ears at the
    height of the nose base. weights [468]: 0 on and above the upper lip, 1 on the lower lip and
    below, blended over the cheeks. degrees_per_unit: jaw rotation per unit of jawOpen.
    The offsets are those of the canonical mesh, like the fitted ones: a subject's own shape is
    within ~1 cm of it around the jaw, which changes the offsets by a few percent.
    """

    canonical: np.ndarray
    weights: np.ndarray
    degrees_per_unit: float
    pivot: tuple = (0.0, 1.0, 4.5)

    @staticmethod
    def from_canonical(canonical: np.ndarray, fitted_gap: float = 0.0) -> "JawJoint":
        """The joint for a canonical mesh; ``fitted_gap`` is how far (cm) the rig's fitted jawOpen
        offset alone parts the inner lips per unit, the rotation supplies the rest of MAX_OPENING_CM."""
        c = np.asarray(canonical, np.float64)
        x, y = c[:, 0], c[:, 1]
        # The whole lower lip rides on the jaw (a horizontal cut left its sides behind and opened
        # a V the tracker reads as a lowered lip): the band runs along the lip line, from the
        # upper inner lip (0) to the lower one (1), half way at the corners, and beyond them
        # widens over the cheeks, where the skin stretches over the jaw.
        upper = np.interp(x, c[list(INNER_UPPER), 0], c[list(INNER_UPPER), 1])
        lower = np.interp(x, c[list(INNER_LOWER), 0], c[list(INNER_LOWER), 1])
        corner = 0.5 * (c[INNER_UPPER[-1], 0] - c[INNER_UPPER[0], 0])
        band = np.maximum(lower - upper, 0.1 + 0.5 * np.maximum(np.abs(x) - corner, 0.0))
        t = np.clip(0.5 + (y - 0.5 * (upper + lower)) / band, 0.0, 1.0)
        joint = JawJoint(c, t * t * (3 - 2 * t), 0.0)
        want = MAX_OPENING_CM - fitted_gap
        lo, hi = 0.0, 45.0                             # bisection: the gap grows with the angle
        for _ in range(40):
            mid = 0.5 * (lo + hi)
            d = dataclasses.replace(joint, degrees_per_unit=mid).delta(1.0)
            lo, hi = (mid, hi) if d[LOWER_LIP, 1] - d[UPPER_LIP, 1] < want else (lo, mid)
        return dataclasses.replace(joint, degrees_per_unit=0.5 * (lo + hi))

    def delta(self, jaw_open: float) -> np.ndarray:
        """[468,3] offsets opening the jaw by ``jaw_open`` units (negative closes it)."""
        a = np.radians(self.degrees_per_unit * float(jaw_open))
        # about +x, opening = the chin moves down (+y) and back (+depth)
        rot = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
        p = np.asarray(self.pivot)
        moved = (self.canonical - p) @ rot.T + p
        return self.weights[:, None] * (moved - self.canonical)


@dataclass(frozen=True)
class ExpressionRig:
    """offsets [52,468,3] float32 (canonical units per unit score); `support` [52] float32: the
    standard deviation of each score in the fitting data (near 0 = that blendshape was never seen
    moving, so its offset is ~0 and editing it does little)."""

    offsets: np.ndarray
    support: np.ndarray
    meta: dict
    jaw: JawJoint | None = None
    jaw_curve: np.ndarray | None = None   # [2,K]: jawOpen command -> rig units, from (0,0) up

    def jaw_units(self, command: float) -> float:
        """The rig's jawOpen units for a jawOpen command (the change the tracker should read).
        Closing mirrors opening (a relative -x undoes +x); past the table the jaw keeps its last
        opening. Without a curve, units = command."""
        if self.jaw_curve is None:
            return float(command)
        x, u = self.jaw_curve
        return float(np.copysign(np.interp(abs(command), x, u), command))

    def delta(self, relative_code) -> np.ndarray:
        """[52] relative code (target - source) -> [468,3] float32 offsets in the canonical frame."""
        code = np.asarray(relative_code, np.float32).reshape(-1)
        if code.shape != (len(BLENDSHAPE_NAMES),):
            raise ValueError(f"expected a [{len(BLENDSHAPE_NAMES)}] expression code, got {code.shape}")
        if not np.isfinite(code).all():
            raise ValueError("expression code contains NaN or inf")
        if code[JAW_OPEN] != 0:
            code = code.copy()
            code[JAW_OPEN] = self.jaw_units(code[JAW_OPEN])
        out = np.tensordot(code, self.offsets, axes=1)
        if self.jaw is not None and code[JAW_OPEN] != 0:
            out = out + self.jaw.delta(code[JAW_OPEN])
        return out.astype(np.float32)

    def apply(self, shape: np.ndarray, relative_code) -> np.ndarray:
        """[468,3] canonical-frame shape moved by a relative code."""
        return (np.asarray(shape, np.float32) + self.delta(relative_code)).astype(np.float32)


@functools.lru_cache(maxsize=2)
def load_rig(path: str | None = None) -> ExpressionRig:
    p = Path(path) if path else RIG_PATH
    try:
        with np.load(p, allow_pickle=False) as z:
            offsets = z["offsets"].astype(np.float32)
            support = z["support"].astype(np.float32)
            meta = {k[5:]: str(z[k]) for k in z.files if k.startswith("meta_")}
            curve = z["jaw_calibration"].astype(np.float64) if "jaw_calibration" in z.files else None
    except (OSError, KeyError, ValueError) as e:
        raise RuntimeError(f"cannot read the expression rig {p}: {e}") from e
    if offsets.shape != (len(BLENDSHAPE_NAMES), 468, 3) or not np.isfinite(offsets).all():
        raise RuntimeError(f"expression rig {p} is malformed: offsets {offsets.shape}")
    if curve is not None and not (
            curve.ndim == 2 and curve.shape[0] == 2 and curve.shape[1] >= 2 and np.isfinite(curve).all()
            and (curve[:, 0] == 0).all() and (np.diff(curve[0]) > 0).all() and (np.diff(curve[1]) >= 0).all()):
        raise RuntimeError(f"expression rig {p} is malformed: jaw_calibration must be [2,K], monotone from (0,0)")
    from .facemodel import load_face_model

    fitted_gap = float(offsets[JAW_OPEN, LOWER_LIP, 1] - offsets[JAW_OPEN, UPPER_LIP, 1])
    jaw = JawJoint.from_canonical(load_face_model().vertices, max(fitted_gap, 0.0))
    return ExpressionRig(offsets, support, meta, jaw, curve)
