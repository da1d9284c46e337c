"""A linear expression rig for the canonical mesh: per-blendshape vertex offsets.

    shape(code) = shape_source + sum_k (code_k - source_code_k) * offsets[k]

It lets the pipeline change expression through geometry before (and beside) the networks: the
networks edit the texture, the rig moves the mesh. The offsets were fitted by ridge regression of
tracked canonical-frame shapes on MediaPipe's 52 blendshape scores, over real tracked video
(``scripts/fit_expression_rig.py``; the packaged file records its sources and settings).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .tracker import BLENDSHAPE_NAMES

RIG_PATH = Path(__file__).with_name("data") / "expression_rig.npz"


@dataclass(frozen=True)
class ExpressionRig:
    """offsets [52,468,3] float32 (canonical units per unit score); `support` [52] float32: the
    standard deviation of each score in the fitting data (near 0 = that blendshape was never seen
    moving, so its offset is ~0 and editing it does little)."""

    offsets: np.ndarray
    support: np.ndarray
    meta: dict

    def delta(self, relative_code) -> np.ndarray:
        """[52] relative code (target - source) -> [468,3] float32 offsets in the canonical frame."""
        code = np.asarray(relative_code, np.float32).reshape(-1)
        if code.shape != (len(BLENDSHAPE_NAMES),):
            raise ValueError(f"expected a [{len(BLENDSHAPE_NAMES)}] expression code, got {code.shape}")
        if not np.isfinite(code).all():
            raise ValueError("expression code contains NaN or inf")
        return np.tensordot(code, self.offsets, axes=1).astype(np.float32)

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
    except (OSError, KeyError, ValueError) as e:
        raise RuntimeError(f"cannot read the expression rig {p}: {e}") from e
    if offsets.shape != (len(BLENDSHAPE_NAMES), 468, 3) or not np.isfinite(offsets).all():
        raise RuntimeError(f"expression rig {p} is malformed: offsets {offsets.shape}")
    return ExpressionRig(offsets, support, meta)
