"""Face tracking with MediaPipe Tasks FaceLandmarker -> :class:`Face` (vertices, blendshapes, pose, shape).

One landmarker object is created per :class:`FaceTracker` (creation costs ~0.1 s) and reused; close it
(context manager or :meth:`FaceTracker.close`). Inputs are validated in Python BEFORE they reach
MediaPipe's C code, so bad arrays raise ``TypeError``/``ValueError`` instead of crashing the process.

Coordinates (docs/ARCHITECTURE.md): MediaPipe's normalized landmarks are mapped to pixels as
``(x * W, y * H, z * W)``: x right, y down, depth smaller = nearer (MediaPipe's z is relative to the
head centre and uses roughly the same scale as x).
"""
from __future__ import annotations

import dataclasses
import os

import numpy as np

from .facemodel import N_VERTICES, FaceModel, load_face_model
from .codes import BLENDSHAPE_NAMES
from .errors import InputError
from .fit import Pose, fit_similarity

__all__ = ["BLENDSHAPE_NAMES", "Face", "FaceTracker", "TrackerError", "NoFaceError", "MultipleFacesError",
           "validate_image", "MIN_SIDE", "MAX_SIDE"]

_BLENDSHAPE_INDEX = {n: i for i, n in enumerate(BLENDSHAPE_NAMES)}

MIN_SIDE = 16     # smaller images carry no usable face and are rejected up front
MAX_SIDE = 8192   # larger ones are almost surely a mistake (and cost seconds of resizing in MediaPipe)


class TrackerError(RuntimeError):
    """Base class of tracking errors."""


class NoFaceError(TrackerError):
    """No face was found where exactly one was required."""


class MultipleFacesError(TrackerError):
    """Several faces were found where exactly one was required (``track_one(..., allow_multiple=False)``)."""


@dataclasses.dataclass(eq=False)
class Face:
    """One tracked face, in image pixels (x right, y down, depth smaller = nearer).

    vertices    [468,3] float32  mesh vertices (the first 468 landmarks)
    landmarks   [478,3] float32  all landmarks (468 mesh + 10 iris)
    blendshapes [52]    float32  scores in [0,1], order :data:`BLENDSHAPE_NAMES`
    pose        Pose             similarity fit of ``vertices`` to the canonical mesh
    shape       [468,3] float32  ``vertices`` brought back to the canonical frame (pose_vertices(shape, pose) == vertices)
    bbox        (x0, y0, x1, y1) float, tight box around the landmarks
    transform   [4,4] float32    MediaPipe's facial transformation matrix (its metric canonical -> camera space;
                                 OpenGL-like axes, not ours: kept for reference)
    """
    vertices: np.ndarray
    landmarks: np.ndarray
    blendshapes: np.ndarray
    pose: Pose
    shape: np.ndarray
    bbox: tuple[float, float, float, float]
    transform: np.ndarray

    def blendshape(self, name: str) -> float:
        """Score of one blendshape by MediaPipe name (e.g. 'jawOpen'); KeyError for unknown names."""
        try:
            return float(self.blendshapes[_BLENDSHAPE_INDEX[name]])
        except KeyError:
            raise KeyError(f"unknown blendshape {name!r}; see poce_rt.tracker.BLENDSHAPE_NAMES") from None

    @property
    def blendshape_dict(self) -> dict[str, float]:
        return {n: float(v) for n, v in zip(BLENDSHAPE_NAMES, self.blendshapes)}

    @property
    def area(self) -> float:
        x0, y0, x1, y1 = self.bbox
        return max(0.0, x1 - x0) * max(0.0, y1 - y0)


def validate_image(image) -> np.ndarray:
    """Check an HxWx3 uint8 RGB image; returns it C-contiguous (a copy only if it was not).

    Raises TypeError (not an ndarray, wrong dtype) or ValueError (shape, size) with a message saying
    what to do, so nothing malformed ever reaches MediaPipe's C code.
    """
    if not isinstance(image, np.ndarray):
        raise TypeError(f"image must be a numpy.ndarray (HxWx3 uint8 RGB), got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise TypeError(f"image must be uint8 RGB, got dtype {image.dtype} "
                        "(convert floats in [0,1] with (img * 255).round().clip(0, 255).astype(np.uint8))")
    if image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 1):
        raise InputError(f"image is grayscale {image.shape}; expected HxWx3 RGB "
                         "(use np.repeat(img.reshape(H, W, 1), 3, axis=2))")
    if image.ndim == 3 and image.shape[2] == 4:
        raise InputError(f"image is RGBA {image.shape}; expected HxWx3 RGB (drop alpha: img[..., :3])")
    if image.ndim != 3 or image.shape[2] != 3:
        raise InputError(f"image must be HxWx3 RGB, got shape {image.shape}")
    h, w = image.shape[:2]
    if min(h, w) < MIN_SIDE:
        raise InputError(f"image is too small ({w}x{h}); each side must be at least {MIN_SIDE} px")
    if max(h, w) > MAX_SIDE:
        raise InputError(f"image is too large ({w}x{h}); each side must be at most {MAX_SIDE} px (downscale it)")
    # MediaPipe copies from a dense buffer; a strided view (e.g. img[:, ::-1]) would be read wrongly
    return np.ascontiguousarray(image)


class FaceTracker:
    """MediaPipe FaceLandmarker wrapper.

    bundle: path of ``face_landmarker.task`` (None: resolved by :func:`poce_rt.assets.bundle_path`).
    mode: 'image' (independent photos) or 'video' (frames of one stream; uses tracking between frames,
    timestamps must increase; when ``timestamp_ms`` is omitted, 33 ms steps are used).
    """

    def __init__(self, bundle: str | os.PathLike | None = None, max_faces: int = 4, mode: str = "image",
                 min_confidence: float = 0.5, model: FaceModel | None = None):
        self._landmarker = None  # set first, so close()/__del__ are safe whatever fails below
        if mode not in ("image", "video"):
            raise ValueError(f"mode must be 'image' or 'video', got {mode!r}")
        if not 1 <= int(max_faces) <= 64:
            raise ValueError(f"max_faces must be in [1, 64], got {max_faces}")
        if not 0.0 <= float(min_confidence) <= 1.0:
            raise ValueError(f"min_confidence must be in [0, 1], got {min_confidence}")
        from .assets import bundle_path

        # verifies the sha256: a corrupt bundle gives an AssetError here, never a crash inside MediaPipe
        self.bundle = bundle_path(bundle)
        self.model = model if model is not None else load_face_model(self.bundle)
        self.mode = mode
        self._last_ts = -1

        from ._mediapipe import face_landmarker_api

        fl, BaseOptions, RM, self._mp_image, self._mp_format = face_landmarker_api()

        opts = fl.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.bundle)),
            running_mode=RM.IMAGE if mode == "image" else RM.VIDEO,
            num_faces=int(max_faces),
            min_face_detection_confidence=float(min_confidence),
            min_face_presence_confidence=float(min_confidence),
            min_tracking_confidence=float(min_confidence),
            output_face_blendshapes=True,
            output_facial_transformation_matrixes=True,
        )
        self._landmarker = fl.FaceLandmarker.create_from_options(opts)

    # -- lifetime
    def close(self) -> None:
        """Release the landmarker (idempotent)."""
        lm, self._landmarker = getattr(self, "_landmarker", None), None
        if lm is not None:
            lm.close()

    @property
    def last_timestamp_ms(self) -> int:
        """Timestamp of the last video-mode frame tracked (-1 before the first): the next one must
        be larger."""
        return self._last_ts

    @property
    def closed(self) -> bool:
        return self._landmarker is None

    def __enter__(self) -> "FaceTracker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: modules may already be gone
            pass

    # -- tracking
    def track(self, image: np.ndarray, timestamp_ms: int | None = None) -> list[Face]:
        """HxWx3 uint8 RGB -> the faces found, largest (bbox area) first; [] if none."""
        if self._landmarker is None:
            raise RuntimeError("FaceTracker is closed")
        image = validate_image(image)
        mp_image = self._mp_image(image_format=self._mp_format.SRGB, data=image)
        if self.mode == "image":
            res = self._landmarker.detect(mp_image)
        else:
            ts = self._last_ts + 33 if timestamp_ms is None else int(timestamp_ms)
            if ts <= self._last_ts:
                raise ValueError(f"video timestamps must increase: got {ts} ms after {self._last_ts} ms")
            res = self._landmarker.detect_for_video(mp_image, ts)
            self._last_ts = ts
        h, w = image.shape[:2]
        faces = [self._make_face(res, i, w, h) for i in range(len(res.face_landmarks))]
        faces = [f for f in faces if f is not None]
        faces.sort(key=lambda f: -f.area)
        return faces

    def track_one(self, image: np.ndarray, timestamp_ms: int | None = None, allow_multiple: bool = True) -> Face:
        """The single face in ``image``: NoFaceError if none; with several, the largest is returned
        (or MultipleFacesError when ``allow_multiple=False``)."""
        faces = self.track(image, timestamp_ms)
        if not faces:
            raise NoFaceError(f"no face found in the {image.shape[1]}x{image.shape[0]} image")
        if len(faces) > 1 and not allow_multiple:
            raise MultipleFacesError(f"{len(faces)} faces found, exactly one required")
        return faces[0]

    def _make_face(self, res, i: int, w: int, h: int) -> Face | None:
        lms = np.array([(p.x, p.y, p.z) for p in res.face_landmarks[i]], np.float64)
        if lms.shape[0] < N_VERTICES or not np.isfinite(lms).all():
            return None  # never hand out NaNs or a partial mesh
        lms = (lms * np.array([w, h, w], np.float64)).astype(np.float32)
        verts = lms[:N_VERTICES]
        bs = np.zeros(len(BLENDSHAPE_NAMES), np.float32)
        if i < len(res.face_blendshapes):
            for j, c in enumerate(res.face_blendshapes[i]):
                k = _BLENDSHAPE_INDEX.get(c.category_name, j if j < len(bs) else None)
                if k is not None:
                    bs[k] = c.score
        tf = (np.asarray(res.facial_transformation_matrixes[i], np.float32).reshape(4, 4)
              if i < len(res.facial_transformation_matrixes) else np.eye(4, dtype=np.float32))
        pose, shape = fit_similarity(verts, self.model.vertices, self.model.procrustes_weights)
        bbox = (float(lms[:, 0].min()), float(lms[:, 1].min()), float(lms[:, 0].max()), float(lms[:, 1].max()))
        return Face(verts.copy(), lms, bs, pose, shape, bbox, tf)
