"""The parameters of one edit as plain JSON, for front ends that are not Python (the studio's
HTTP API, Triton's `params` input, Ray batch items):

    {"expression": {"jawOpen": 0.7},     # blendshape name -> value (change, or target if absolute)
     "absolute": false,                  # expression values are targets, not changes
     "pose": [pitch, yaw, roll],         # degrees, offsets unless "absolute_pose"
     "absolute_pose": false,
     "intensity": 1.0,                   # scales the change (0 none, >1 extrapolates)
     "mask": "mouth",                    # region name(s), comma-joined; only with a reference/expression
     "steps": 1}                         # cascade steps of the texture edit

Every key is optional. A reference face travels beside the JSON (a second image), never as a path:
no value from a client reaches the file system, so `mask` takes region names only.
Validation raises InputError with the key named, so a server answers 4xx with that message.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from . import limits
from .codes import BLENDSHAPE_NAMES
from .errors import InputError

KEYS = ("expression", "absolute", "pose", "absolute_pose", "intensity", "mask", "steps")
MAX_JSON_BYTES = 64 * 1024   # a full 52-score expression is ~2 kB


@dataclass(frozen=True)
class EditParams:
    expression: dict = field(default_factory=dict)
    absolute: bool = False
    pose: tuple | None = None
    absolute_pose: bool = False
    intensity: float = 1.0
    mask: str | None = None
    steps: int = 1

    @classmethod
    def parse(cls, params) -> "EditParams":
        """`params`: a JSON text (str/bytes), a dict or None (no edit). InputError when invalid."""
        if params is None or (isinstance(params, (str, bytes)) and not params.strip()):
            return cls()
        if isinstance(params, (str, bytes, bytearray)):
            if len(params) > MAX_JSON_BYTES:
                raise InputError(f"params: {len(params)} bytes of JSON; at most {MAX_JSON_BYTES}")
            try:
                params = json.loads(params)
            except (ValueError, UnicodeDecodeError) as e:
                raise InputError(f"params: not valid JSON ({e})") from None
        if not isinstance(params, dict):
            raise InputError(f"params: a JSON object is expected, not {type(params).__name__}")
        unknown = sorted(set(params) - set(KEYS))
        if unknown:
            raise InputError(f"params: unknown key(s) {', '.join(map(repr, unknown))}; known: {', '.join(KEYS)}")

        expr = params.get("expression") or {}
        if not isinstance(expr, dict):
            raise InputError("params.expression: an object of blendshape name -> number is expected")
        for name, v in expr.items():
            if name not in BLENDSHAPE_NAMES:
                raise InputError(f"params.expression: unknown blendshape {name!r}")
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise InputError(f"params.expression.{name}: a number is expected, got {v!r}")
        absolute = _flag(params, "absolute")
        lo, hi = limits.EXPR_ABSOLUTE if absolute else limits.EXPR_RELATIVE
        expr = {k: limits.check_float(f"params.expression.{k}", v, lo, hi) for k, v in expr.items()}

        pose = params.get("pose")
        absolute_pose = _flag(params, "absolute_pose")
        if pose is not None:
            if not isinstance(pose, (list, tuple)) or len(pose) != 3:
                raise InputError("params.pose: [pitch, yaw, roll] in degrees is expected")
            pose = tuple(limits.check_float(f"params.pose[{i}]", v) for i, v in enumerate(pose))
            limits.check_angles(*pose, what="pose" if absolute_pose else "pose offset")

        intensity = limits.check_float("params.intensity", params.get("intensity", 1.0),
                                       -limits.MAX_INTENSITY, limits.MAX_INTENSITY)
        mask = params.get("mask")
        if mask is not None:
            from .masks import MASK_NAMES

            if not isinstance(mask, str) or not all(p.strip() in MASK_NAMES for p in mask.split(",")):
                raise InputError(f"params.mask: region names ({', '.join(MASK_NAMES)}), comma-joined")
        steps = limits.check_int("params.steps", params.get("steps", 1), *limits.STEPS)
        return cls(expr, absolute, pose, absolute_pose, intensity, mask, steps)

    def to_json(self) -> str:
        d = {"expression": self.expression, "absolute": self.absolute, "intensity": self.intensity,
             "steps": self.steps, "absolute_pose": self.absolute_pose}
        if self.pose is not None:
            d["pose"] = list(self.pose)
        if self.mask is not None:
            d["mask"] = self.mask
        return json.dumps(d)

    def apply(self, editor, image: np.ndarray, reference: np.ndarray | None = None, source=None):
        """Run the edit on `editor` (a poce_rt.Editor); returns its EditResult.
        reference: an RGB image whose expression is transferred (under `mask`), or its Source
        already prepared by `editor` (a server's cache)."""
        if self.mask is not None and reference is None and not self.expression:
            raise InputError("params.mask limits an edit: give a reference or an expression too")
        if reference is not None and self.expression:
            raise InputError("give either params.expression or a reference, not both")
        src = source or editor.prepare(image)
        from .pipeline import Source

        ref = reference if reference is None or isinstance(reference, Source) else editor.prepare(reference)
        return editor.edit(image, expression=self.expression or None, relative=not self.absolute,
                           reference=ref, mask=self.mask, pose=self.pose, pose_relative=not self.absolute_pose,
                           intensity=self.intensity, steps=self.steps, source=src)


def _flag(params: dict, key: str) -> bool:
    v = params.get(key, False)
    if not isinstance(v, bool):
        raise InputError(f"params.{key}: true or false is expected, got {v!r}")
    return v
