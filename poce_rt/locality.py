"""Keep each blendshape's offsets where that blendshape acts (issue 15, item 2).

The expression rig's offsets are a ridge regression of tracked shapes on blendshape scores; the
tracked face oval wobbles with every expression (and people move their heads while they blink),
so the fitted offsets move the whole face a little: a blink of 0.8 moved the face oval by 0.48 cm
(median, ~8 px on single_face.jpg), a smile by 0.24 cm. Drawn, that re-renders the forehead and
cheeks for an edit of the eyes, and the softer re-render shows as an arc along the face's border.

Here each blendshape's offsets are kept within a reach of the feature it names (its core: the
brows for brow*, the eyes for eye*, the lips for mouth*/jaw*, the nose for nose*, lips and eyes
for cheek*; MediaPipe's landmark groups, as poce_rt.masks uses them) and faded out beyond, by
distance in the canonical frame. The core comes from the name, not the offsets: the oval's wobble
is often the largest offset a blendshape has. The jaw's blendshapes also keep their offsets
wherever the jaw joint (rig.JawJoint) moves the lower face; the joint itself is left as it is.
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np

from .codes import BLENDSHAPE_NAMES
from .masks import LEFT_EYE, LEFT_EYEBROW, LIPS, NOSE, RIGHT_EYE, RIGHT_EYEBROW
from .rig import ExpressionRig, load_rig

REACH_CM = (1.0, 2.0)   # offsets are kept fully within the first distance of the core, none past the second
_EYES, _BROWS = LEFT_EYE + RIGHT_EYE, LEFT_EYEBROW + RIGHT_EYEBROW
CORES = (("brow", _BROWS), ("eye", _EYES), ("mouth", LIPS), ("jaw", LIPS), ("nose", NOSE),
         ("cheek", LIPS + _EYES))


def core_vertices(name: str) -> tuple[int, ...]:
    """The landmark group a blendshape name acts on (empty for '_neutral')."""
    return next((group for prefix, group in CORES if name.startswith(prefix)), ())


def locality_weights(canonical: np.ndarray, reach=REACH_CM) -> np.ndarray:
    """canonical [468,3] (cm) -> weights [52,468] float32 in [0,1], in BLENDSHAPE_NAMES order."""
    c = np.asarray(canonical, np.float64)
    out = np.zeros((len(BLENDSHAPE_NAMES), len(c)), np.float32)
    r0, r1 = reach
    for k, name in enumerate(BLENDSHAPE_NAMES):
        core = list(core_vertices(name))
        if not core:
            continue
        d = np.linalg.norm(c[:, None] - c[None, core], axis=2).min(axis=1)
        t = np.clip((r1 - d) / (r1 - r0), 0.0, 1.0)
        out[k] = t * t * (3 - 2 * t)
    return out


def localized(rig: ExpressionRig) -> ExpressionRig:
    """The rig with each blendshape's offsets faded out away from where it acts."""
    from .facemodel import load_face_model

    w = locality_weights(load_face_model().vertices)
    if rig.jaw is not None:
        # the jaw's blendshapes move the whole mandible: keep them wherever the jaw joint acts
        jaw = np.array([n.startswith("jaw") for n in BLENDSHAPE_NAMES])
        w[jaw] = np.maximum(w[jaw], rig.jaw.weights[None].astype(np.float32))
    return dataclasses.replace(rig, offsets=(rig.offsets * w[..., None]).astype(np.float32),
                               meta={**rig.meta, "localized": f"reach {REACH_CM} cm of each feature"})


@functools.lru_cache(maxsize=1)
def default_rig() -> ExpressionRig:
    """The packaged rig, localized (what an Editor uses unless given a rig)."""
    return localized(load_rig())
