"""The frame around image-space systems: align a square face crop, run the system on it, paste
the result back (DESIGN.md, "Growing the engine").

    with CropEditor("models/cascade") as ed:          # any model dir whose system has space "crop"
        res = ed.edit(image, expression={"jawOpen": 0.6}, intensity=1.0)
        res.image                                     # [H,W,3] uint8, the input's size

Alignment: a similarity transform (least squares over five points: the two eye centres, the nose
tip and the mouth corners) takes the tracked face onto where the canonical face mesh puts those
points in an S x S crop (`template`); the `crop` kernel resamples the frame (ROI-align, averaging
when it shrinks). Paste-back: the same kernel with the inverse map resamples the edited crop and a
feathered face mask (the convex hull of the mesh in the crop) into the face's box of the frame, and
the `composite` kernel blends it in. Tracking, the expression code and the rig geometry come from
the Editor (weight-free), so an image-space system gets exactly the inputs POCE gets.
"""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import numpy as np

from .. import ops
from ..errors import InputError
from ..fit import pose_vertices

# MediaPipe mesh vertices of the alignment points (eye corners averaged to a centre).
EYE_R, EYE_L, NOSE, MOUTH_R, MOUTH_L = (33, 133), (362, 263), (1,), (61,), (291,)
ALIGN_POINTS = (EYE_R, EYE_L, NOSE, MOUTH_R, MOUTH_L)
FACE_FILL = 0.8   # the canonical mesh's height as a fraction of the crop side


@dataclass
class CropJob:
    """What an image-space system is given for one face (all float32).

    crop         [S,S,3]  the aligned source face in [0,1]
    source_code  [52]     the tracker's blendshape scores of the source
    target_code  [52]     the scores asked for (source + relative code, intensity applied)
    intensity    float    the intensity asked for (LEED's alpha; already in target_code)
    reference / reference_code: [S,S,3] aligned reference face and its [52] scores, or None
    source_vertices [468,3]  the tracked mesh in crop pixels (x, y, depth scaled like x, y)
    target_vertices [468,3]  the mesh after the expression rig and the target pose, in crop pixels
    triangles    [898,3] int32  the mesh's triangles (for flow rasterization, F3A-GAN / GaFET)
    theta        [2,3]    crop pixel -> frame pixel map of this crop
    """

    crop: np.ndarray
    source_code: np.ndarray
    target_code: np.ndarray
    intensity: float
    source_vertices: np.ndarray
    target_vertices: np.ndarray
    triangles: np.ndarray
    theta: np.ndarray
    reference: np.ndarray | None = None
    reference_code: np.ndarray | None = None


@dataclass
class CropResult:
    """The edited frame and the crops it went through."""

    image: np.ndarray          # [H,W,3] uint8, the input's size
    crop: np.ndarray           # [S,S,3] float32 aligned source
    edited: np.ndarray         # [S,S,3] float32 the system's output
    mask: np.ndarray           # [S,S] float32 face mask in the crop
    source_code: np.ndarray    # [52]
    target_code: np.ndarray    # [52]
    relative_code: np.ndarray  # [52] as applied
    source_pose: object
    target_pose: object
    seconds: float


@functools.lru_cache(maxsize=8)
def template(size: int) -> np.ndarray:
    """[5,2] where the alignment points of the canonical face mesh land in a size x size crop:
    the mesh's bounding box centred, its height FACE_FILL of the side."""
    from ..facemodel import load_face_model

    v = load_face_model().vertices[:, :2].astype(np.float64)
    lo, hi = v.min(0), v.max(0)
    k = FACE_FILL * size / (hi[1] - lo[1])
    pts = np.stack([v[list(ix)].mean(0) for ix in ALIGN_POINTS])
    return ((pts - (lo + hi) / 2) * k + size / 2).astype(np.float32)


def region_boxes(size: int, sizes_at_128=((40, 92), (40, 48), (40, 60))) -> list[list[int]]:
    """Cascade EF-GAN's local patches (eyes, nose, mouth) in an aligned size x size crop:
    [[y0, x0, h, w], ...], h x w the paper's 40x92, 40x48, 40x60 at 128 scaled to `size` (rounded
    to a multiple of 4 for the branches' two stride-2 levels), centred where the template puts
    the eyes' midpoint, the nose tip and the mouth corners' midpoint (the paper centres each on the
    mean position of its keypoints over the data, which alignment makes the template's)."""
    t = template(size)
    centres = [(t[0] + t[1]) / 2, t[2], (t[3] + t[4]) / 2]
    out = []
    for (h, w), (cx, cy) in zip(sizes_at_128, centres):
        h, w = (max(4, int(round(d * size / 128 / 4)) * 4) for d in (h, w))
        y0 = int(np.clip(round(cy - h / 2), 0, size - h))
        x0 = int(np.clip(round(cx - w / 2), 0, size - w))
        out.append([y0, x0, h, w])
    return out


def align_points(vertices: np.ndarray) -> np.ndarray:
    """[468,>=2] mesh vertices -> [5,2] alignment points (eye centres, nose tip, mouth corners)."""
    v = np.asarray(vertices, np.float64)[:, :2]
    return np.stack([v[list(ix)].mean(0) for ix in ALIGN_POINTS])


def similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares similarity (rotation, uniform scale, translation; no reflection) taking the
    [K,2] points `src` onto `dst` -> [2,3] float64 matrix A with dst ~ A @ (x, y, 1)."""
    src, dst = np.asarray(src, np.float64), np.asarray(dst, np.float64)
    ms, md = src.mean(0), dst.mean(0)
    s, d = src - ms, dst - md
    var = (s ** 2).sum()
    if var <= 1e-12:
        raise InputError("cannot align a face whose landmarks coincide")
    a = (s * d).sum() / var                                     # scale * cos
    b = (s[:, 0] * d[:, 1] - s[:, 1] * d[:, 0]).sum() / var     # scale * sin
    m = np.array([[a, -b], [b, a]])
    return np.hstack([m, (md - m @ ms)[:, None]])


def invert(a: np.ndarray) -> np.ndarray:
    """Inverse of a [2,3] affine map."""
    m = np.linalg.inv(np.asarray(a, np.float64)[:, :2])
    return np.hstack([m, -m @ np.asarray(a, np.float64)[:, 2:]])


def crop_theta(vertices: np.ndarray, size: int) -> np.ndarray:
    """[2,3] crop pixel -> frame pixel map of the aligned size x size crop of a face."""
    return invert(similarity(align_points(vertices), template(size)))


def to_crop(points: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """[N,3] frame-space vertices (x, y, depth) -> crop pixels under the crop of `theta` (depth
    scaled like x and y)."""
    inv = invert(theta)
    p = np.asarray(points, np.float64)
    xy = p[:, :2] @ inv[:, :2].T + inv[:, 2]
    scale = np.sqrt(abs(np.linalg.det(inv[:, :2])))
    return np.hstack([xy, p[:, 2:3] * scale]).astype(np.float32)


def align_crop(image, vertices: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """image [H,W,3] uint8 + the face's [468,3] vertices -> (crop [S,S,3] float32 in [0,1], theta)."""
    theta = crop_theta(vertices, size)
    crop = ops.crop(image, theta[None].astype(np.float32), (size, size))[0]
    return crop, theta


def face_mask(crop_vertices: np.ndarray, size: int) -> np.ndarray:
    """[S,S] float32: 1 inside the convex hull of the mesh (in crop pixels), 0 outside."""
    import cv2

    hull = cv2.convexHull(np.round(crop_vertices[:, :2] * 4).astype(np.int32))
    m = np.zeros((size, size), np.uint8)
    cv2.fillConvexPoly(m, hull, 255, lineType=cv2.LINE_AA, shift=2)
    return m.astype(np.float32) / 255.0


def paste_back(image: np.ndarray, edited: np.ndarray, mask: np.ndarray, theta: np.ndarray,
               feather_px: int) -> np.ndarray:
    """The edited crop back into the frame: the crop kernel with the inverse map resamples
    [rgb | mask] into the crop's box in the frame, the composite kernel feathers and blends it."""
    h, w = image.shape[:2]
    s = edited.shape[0]
    corners = np.array([[0, 0, 1], [s, 0, 1], [0, s, 1], [s, s, 1]], np.float64) @ np.asarray(theta).T
    x0, y0 = np.clip(np.floor(corners.min(0)).astype(int) - 1, 0, (w, h))
    x1, y1 = np.clip(np.ceil(corners.max(0)).astype(int) + 1, 0, (w, h))
    if x1 <= x0 or y1 <= y0:
        return image.copy()
    inv = invert(theta)
    # box pixel -> frame pixel (+x0, +y0) -> crop pixel
    box_to_crop = np.hstack([inv[:, :2], (inv[:, :2] @ np.array([x0, y0]) + inv[:, 2])[:, None]])
    rgba = np.ascontiguousarray(np.dstack([edited * mask[..., None], mask]), np.float32)  # premultiplied
    warped = ops.crop(rgba, box_to_crop[None].astype(np.float32), (int(y1 - y0), int(x1 - x0)), samples=1)[0]
    alpha = np.ascontiguousarray(warped[..., 3])
    rgb = np.ascontiguousarray(warped[..., :3] / np.maximum(alpha, 1e-6)[..., None] * (alpha > 0)[..., None])
    out = image.copy()
    out[y0:y1, x0:x1] = ops.composite(np.ascontiguousarray(image[y0:y1, x0:x1]), rgb, alpha, feather_px)
    return out


def load_runner(model_dir, backend: str = "auto", device: str = "cpu", precision: str = "fp32"):
    """The runner of a crop-space model directory (its system's `runner`)."""
    from . import resolve, system_of

    system = system_of(model_dir)
    if system.space != "crop":
        raise InputError(f"{model_dir} holds a {system.name} model ({system.space} space), not a crop-space one")
    return resolve(system.runner)(model_dir, backend=backend, device=device, precision=precision)


class CropEditor:
    """Tracking, code and rig geometry of the Editor (weight-free), around an image-space system.

    Args:
        model_dir: a model directory whose system has space "crop" (or give `runner`).
        backend, device, precision: passed to the runner ('auto', 'onnxruntime', 'tensorrt', 'torch').
        feather: soft edge of the paste-back, as a fraction of the face's width.
        runner: an object with `crop_size` and `run(CropJob) -> [S,S,3]` (instead of model_dir).
    """

    def __init__(self, model_dir=None, backend: str = "auto", device: str = "cpu", precision: str = "fp32",
                 feather: float = 0.03, runner=None, editor=None, bundle: str | None = None):
        from ..pipeline import Editor, EditorConfig

        if runner is None:
            if model_dir is None:
                raise InputError("CropEditor needs a model directory or a runner")
            runner = load_runner(model_dir, backend, device, precision)
        self.runner = runner
        self.size = int(runner.crop_size)
        self._own_editor = editor is None
        self.editor = editor or Editor(config=EditorConfig(feather=feather, bundle=bundle))
        self.feather = feather

    def close(self) -> None:
        if self._own_editor:
            self.editor.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def job(self, image: np.ndarray, face, plan, reference_image=None, intensity: float = 1.0) -> CropJob:
        """The CropJob of one face under an Editor plan (see Editor.plan)."""
        from ..stages import geometry

        crop, theta = align_crop(image, face.vertices, self.size)
        target = pose_vertices(plan.shape, plan.target_pose)
        ref = ref_code = None
        if plan.reference is not None:
            ref_src = plan.reference
            ref, _ = align_crop(ref_src.image if reference_image is None else reference_image,
                                ref_src.face.vertices, self.size)
            ref_code = ref_src.face.blendshapes.astype(np.float32)
        src_code = face.blendshapes.astype(np.float32)
        return CropJob(crop=crop, source_code=src_code,
                       target_code=np.clip(src_code + plan.rel, 0.0, 1.0).astype(np.float32),
                       intensity=float(intensity), source_vertices=to_crop(face.vertices, theta),
                       target_vertices=to_crop(target, theta),
                       triangles=np.ascontiguousarray(geometry().model.tris, np.int32), theta=theta,
                       reference=ref, reference_code=ref_code)

    def edit(self, image, expression=None, relative: bool = True, reference=None, pose=None,
             pose_relative: bool = True, intensity: float = 1.0, face=None) -> CropResult:
        """As Editor.edit (expression / reference / pose / intensity) for an image-space system."""
        from ..pipeline import Source, _to_host_image

        t0 = time.perf_counter()
        image = _to_host_image(image)
        face = face or self.editor.track(image)
        src = Source(image, face, None, None, None)
        ref = None
        if reference is not None:
            ref = reference if isinstance(reference, Source) else \
                Source(_to_host_image(reference), self.editor.track(_to_host_image(reference)), None, None, None)
        plan = self.editor.plan(src, expression, relative, ref, None, pose, pose_relative, intensity)
        job = self.job(image, face, plan, intensity=intensity)
        edited = np.clip(np.asarray(self.runner.run(job), np.float32), 0.0, 1.0)
        if edited.shape != (self.size, self.size, 3):
            raise RuntimeError(f"runner returned {edited.shape}, expected {(self.size, self.size, 3)}")
        mask = face_mask(job.source_vertices, self.size)
        feather_px = max(1, int(round(self.feather * (face.bbox[2] - face.bbox[0]))))
        out = paste_back(image, edited, mask, job.theta, feather_px)
        return CropResult(out, job.crop, edited, mask, job.source_code, job.target_code, plan.rel,
                          face.pose, plan.target_pose, time.perf_counter() - t0)
