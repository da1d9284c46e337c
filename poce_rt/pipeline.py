"""The pipeline object: one frame in, the edited frame out (DESIGN.md, "One frame, end to end").

    editor = poce_rt.Editor()                      # weight-free: fallback completion + expression rig
    editor = poce_rt.Editor("models/me")           # with trained networks (ONNX Runtime by default)
    res = editor.edit(image, expression={"jawOpen": 0.7}, pose=(0, 20, 0))
    res.image, res.uv_sampled, res.mask, res.uv_completed, res.uv_edited, res.rendered, res.alpha

Geometry (rig + pose) always moves the mesh; texture editing is the networks' job when there are
any (POCE Sec. III-C), otherwise the completed texture is rendered as it is.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from . import limits, ops, stages
from .camera import CAMERA_DISTANCE_CM, MIN_DISTANCE_CM, perspective_shape
from .codes import BLENDSHAPE_NAMES, N_CODES
from .complete import complete_uv_fallback
from .errors import InputError
from .far_side import far_side_offset, revealed_far_side
from .fit import Pose
from .frame_loop import FrameLoop
from .mouth.gap import mouth_amount, mouth_cavity, mouth_gap_texels
from .occluder import UNREAD
from .profiling import stage
from .locality import default_rig
from .rig import ExpressionRig
from .tracker import Face, FaceTracker, validate_image


@dataclass
class EditorConfig:
    """Settings of an Editor (LivePortrait-style: plain data, defaults for the common case).

    uv_size: S of the UV maps, 16-4096; a model directory's networks use their own trained size
        (the Editor's geometry follows it; this config is not changed).
    subdivisions: Loop subdivision levels of the render mesh, 0-3 (smoother silhouettes, slower).
    feather: soft edge of the composite, as a fraction 0-0.5 of the face's width.
    max_faces: faces the tracker looks for, 1-64 (the largest is edited).
    max_intensity: |intensity| above this is refused, in (0, 10] (extrapolation far out only
        breaks the mesh).
    blend: 'feather' (the composite kernel, on the frame loop's device) or 'poisson' (Poisson
        editing with OpenCV on the host after it, POCE Sec. IV-C; slower, no CUDA graph benefit).
    bundle: landmarker bundle path (None: the default resolution; see poce_rt.assets).
    head_proxy: on a pose change the ring around the face carries a head proxy that turns with
        it (poce_rt.surround); False: the plain band of the face oval (the surround before).
    camera_distance_cm: a pose change is drawn as a pinhole camera this far from the head would
        see it (poce_rt.camera; >= 20), math.inf: weak perspective (the drawing before).
    neck_pivot_cm: a pose change turns the head about the axis this far (cm, 0-15) behind
        MediaPipe's canonical origin, which lies inside the face 8 cm behind the nose tip: 0 (the
        default, the drawing before) turns the face in place; fit.NECK_PIVOT_CM (4.5) on its neck,
        so the face swings round as a head turning on its neck does (multi_face.jpg's young man,
        +10, turned +25: the nose tip 11 px further along, and the MediaPipe judge reads 86% of
        it in the whole photo where it read 71%). Not the default yet: the farther swing widens
        what the ring draws under a jaw that slides off its neck (README "Known gaps").
    Ranges are in poce_rt.limits; a value outside them raises InputError (a ValueError).
    """

    uv_size: int = 256
    subdivisions: int = 0
    feather: float = 0.03
    max_faces: int = 4
    max_intensity: float = 3.0
    blend: str = "feather"
    bundle: str | None = None
    head_proxy: bool = True
    camera_distance_cm: float = CAMERA_DISTANCE_CM
    neck_pivot_cm: float = 0.0

    def __post_init__(self):
        self.uv_size = limits.check_int("uv_size", self.uv_size, *limits.UV_SIZE)
        self.subdivisions = limits.check_int("subdivisions", self.subdivisions, *limits.SUBDIVISIONS)
        self.feather = limits.check_float("feather", self.feather, *limits.FEATHER)
        self.max_faces = limits.check_int("max_faces", self.max_faces, *limits.MAX_FACES)
        self.max_intensity = limits.check_float("max_intensity", self.max_intensity, 0.0, limits.MAX_INTENSITY)
        if self.max_intensity <= 0:
            raise InputError(f"max_intensity must be > 0, got {self.max_intensity:g}")
        d = float(self.camera_distance_cm)
        if not (d >= MIN_DISTANCE_CM):
            raise InputError(f"camera_distance_cm must be >= {MIN_DISTANCE_CM:g} or inf, got {self.camera_distance_cm!r}")
        self.camera_distance_cm = d
        self.neck_pivot_cm = limits.check_float("neck_pivot_cm", self.neck_pivot_cm, *limits.NECK_PIVOT_CM)
        if self.blend not in ("feather", "poisson"):
            raise InputError(f"blend must be 'feather' or 'poisson', got {self.blend!r}")


@dataclass
class Source:
    """A prepared source portrait: tracking, sampling and completion done once (steps 1-4).
    device_image: the photo on the GPU (Editor(device='cuda')): the caller's own CUDA array when
    it was one, used without a copy (do not write to it while the source is in use).
    uv_fill: [S,S,3] the texture drawn where a pose change reveals texels that the photo did not
    show, or showed edge-on or across the face's silhouette (poce_rt.disocclusion; uv_completed
    is the one drawn at the photo's own pose), and filled: [S,S] float32 in [0,1], each texel's
    share of fill in it; None: uv_completed is drawn at every pose."""

    image: np.ndarray
    face: Face
    uv_sampled: np.ndarray
    mask: np.ndarray
    uv_completed: np.ndarray
    device_image: object = None
    uv_fill: np.ndarray | None = None
    filled: np.ndarray | None = None
    shading: object = None   # poce_rt.shading.FillShading: uv_fill shaded at a target pose, or None
    colours: object = None   # colour_classes.PhotoColours of the photo and face (face_colours.face_colours), or None
    lens_card: np.ndarray | None = None   # [468,3] sunglasses in front of the eyes (accessories.lens_card), or None
    held: np.ndarray | None = None   # [H,W] a hand over the face's outline (occluder.occluder_map), or None
    rim_light: object = None   # poce_rt.rim_light.RimLight: the ring relit beside a relit far half, or None
    # occluder.arm_beside's result (stages.SourceMaps.arm): the frame loop's head proxy reads it
    # again where it is UNREAD (a Source built by hand)
    arm: object = UNREAD


@dataclass
class Plan:
    """What an edit applies, worked out on the host (Editor.plan): the relative code, the rig's
    shape, the target pose, the mask region, a prepared reference and the mouth darkening."""

    rel: np.ndarray            # [52], after intensity
    shape: np.ndarray          # [468,3] canonical frame: the rig's, with the camera's perspective
                               # at target_pose folded in (poce_rt.camera)
    target_pose: Pose
    region: np.ndarray | None  # [S,S]
    reference: Source | None
    mouth: float               # weight-free: how far the mouth gap turns to cavity, 0..1


@dataclass
class EditResult:
    """The edited frame and every intermediate map (for grids like the paper's figures).

    mask is the sampled visibility (Eq. 15). Texture the photo did not show, or showed edge-on or
    across the face's silhouette (where it reads the background), is filled (mirror where the
    mirror texel was seen well, relit to its neighbourhood, inpainting elsewhere;
    poce_rt.disocclusion) and marked: the fill is drawn where a pose change reveals texels (the
    texels that turn towards the camera; an edit with no pose change draws the photo's own texels). uv_filled [S,S] is each texel's
    share of fill at the target pose, filled [H,W] each output pixel's share of colour from filled
    texels (uv_filled drawn at the target pose, times the render's coverage and `moved`: 0
    wherever the photo was kept), plus the head proxy's ring where it draws texels filled beyond
    the photo's border (poce_rt.ring_photo.photo_texture).
    """

    image: np.ndarray          # [H,W,3] uint8 (a CuPy array when the input was a CUDA array)
    uv_sampled: np.ndarray     # [S,S,3] float32 in [0,1]
    mask: np.ndarray           # [S,S] float32
    uv_completed: np.ndarray   # [S,S,3]
    uv_edited: np.ndarray      # [S,S,3]
    rendered: np.ndarray       # [H,W,3] float32 in [0,1]
    alpha: np.ndarray          # [H,W] float32
    source_pose: Pose
    target_pose: Pose
    source_code: np.ndarray    # [52]
    relative_code: np.ndarray  # [52], as applied (after intensity)
    moved: np.ndarray | None = None  # [H,W] float32: 0 where the photo was kept, 1 where re-rendered
    uv_filled: np.ndarray | None = None  # [S,S] float32 in [0,1]: each texel's share of fill
    filled: np.ndarray | None = None     # [H,W] float32 in [0,1]: each pixel's share from filled texels
    per_face: list | None = None     # edit(faces=...): each face's EditResult, left to right (its
                                     # image: the frame after that face); the maps above are the first's


def code_vector(expression, base: np.ndarray | None = None) -> np.ndarray:
    """A dict of named blendshape scores or a [52] array -> [52] float32.

    With a dict, names not given take `base`'s values (zeros if None)."""
    if isinstance(expression, Mapping):
        out = np.zeros(N_CODES, np.float32) if base is None else np.array(base, np.float32)
        for name, value in expression.items():
            if name not in BLENDSHAPE_NAMES:
                raise KeyError(f"unknown blendshape {name!r}; see poce_rt.tracker.BLENDSHAPE_NAMES")
            out[BLENDSHAPE_NAMES.index(name)] = limits.check_float(f"expression {name}", value)
    else:
        out = np.asarray(expression, np.float32).reshape(-1)
        if out.shape != (N_CODES,):
            raise InputError(f"expression must be a dict of names or a [{N_CODES}] array, got shape {out.shape}")
    if not np.isfinite(out).all():
        raise InputError("expression contains NaN or inf")
    return out


def check_expression(expression, relative: bool) -> None:
    """The caller's values (a dict of names, or a [52] array): targets (relative=False) are
    blendshape scores, in [0,1]; changes (relative=True) move a score by at most its whole range,
    [-1,1] (poce_rt.limits). Beyond, the rig folds the mesh. InputError otherwise."""
    if isinstance(expression, Mapping):
        names, values = list(expression), code_vector(expression)[[BLENDSHAPE_NAMES.index(n) for n in expression]]
    else:
        names, values = BLENDSHAPE_NAMES, code_vector(expression)
    lo, hi = limits.EXPR_RELATIVE if relative else limits.EXPR_ABSOLUTE
    bad = np.flatnonzero((values < lo - 1e-6) | (values > hi + 1e-6))
    if bad.size:
        k = int(bad[0])
        kind = "a change" if relative else "a target score"
        raise InputError(f"expression {names[k]}={float(values[k]):g} is out of range: {kind} "
                         f"must be in [{lo:g}, {hi:g}]")


def _per_face(value, what: str, n: int | None = None):
    """A per-face list of expressions or poses -> that list (checked against n faces), or None
    when `value` is one expression / pose for every face. A per-face list holds dicts, [52] or
    (pitch, yaw, roll) sequences, Poses or None, where a single value holds numbers."""
    if not isinstance(value, (list, tuple)) or not value:
        return None
    if all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in value):
        return None
    if n is not None and len(value) != n:
        raise InputError(f"{len(value)} {what}s given for {n} face(s): give one per chosen face")
    return list(value)


def _to_host_image(image) -> np.ndarray:
    """NumPy, CuPy or torch (CPU/CUDA) HxWx3 uint8 -> NumPy. Tracking runs on the host, so the
    frame has to come here once; everything after tracking could stay on the device."""
    if ops.is_device_array(image):
        image = ops.to_host(image)
    elif type(image).__module__.startswith("torch"):
        image = image.detach().cpu().numpy()
    return validate_image(image)


class Editor:
    """Pose-controllable expression editing of photos (and, through Reenactor, of video).

    Args:
        model_dir: a trained model directory (networks), or None for the weight-free pipeline.
        backend: 'auto', 'onnxruntime', 'tensorrt' or 'torch' (networks only).
        device: 'cpu' or 'cuda' (networks and kernels).
        config: EditorConfig.
        tracker: an open FaceTracker to share (else one is created and owned).
    """

    def __init__(self, model_dir=None, backend: str = "auto", device: str = "cpu",
                 config: EditorConfig | None = None, tracker: FaceTracker | None = None,
                 rig: ExpressionRig | None = None):
        # a copy: the networks' UV size is set below, and the caller's config is theirs
        self.config = dataclasses.replace(config) if config is not None else EditorConfig()
        if device not in ("cpu", "cuda"):
            raise InputError(f"device must be 'cpu' or 'cuda', got {device!r}")
        self.device = device
        self.stream = None   # the one CUDA stream of everything after tracking (device='cuda')
        if device == "cuda":
            from . import cuda_available

            try:
                import cupy as cp
            except ImportError as e:
                raise RuntimeError("device='cuda' needs CuPy: pip install -e '.[gpu]'") from e
            if not cuda_available():
                raise RuntimeError("device='cuda': no CUDA GPU, or poce_rt._C was built without CUDA")
            self.stream = cp.cuda.Stream(non_blocking=True)
        self.networks = None
        if model_dir is not None:
            from .networks import Networks

            self.networks = Networks.load(model_dir, backend=backend, device=device)
            self.config.uv_size = self.networks.uv_size
        self.geometry = stages.geometry(self.config.uv_size, self.config.subdivisions)
        # The UV layout is the same at every subdivision level: take the gap from the base mesh.
        self._mouth_gap = mouth_gap_texels(stages.geometry(self.config.uv_size).layout)
        self._mouth_colour = mouth_cavity(self._mouth_gap)
        # the packaged rig kept to where each blendshape acts (poce_rt.locality): an eye edit
        # leaves the forehead and the face's border still, so the photo is kept there
        self.rig = rig or default_rig()
        self._masks: dict = {}  # named masks, built once per Editor
        self._loop: FrameLoop | None = None  # the frame loop of the last source drawn
        self._own_tracker = tracker is None
        self.tracker = tracker or FaceTracker(self.config.bundle, max_faces=self.config.max_faces, mode="image")

    # -- lifecycle
    def close(self) -> None:
        if self._own_tracker and self.tracker is not None:
            self.tracker.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- steps 1-4, cached by callers that keep the Source
    def track(self, image) -> Face:
        """The largest face (small faces are searched on tiles too); a misplaced fit is refitted
        on its crop or skipped (FitWarning), never drawn. NoFaceError when none is left."""
        return self.faces(image, "largest")[0]

    def prepare(self, image, face: Face | None = None) -> Source:
        """Track, sample (Eq. 15) and complete the source once."""
        device_image = image if ops.is_device_array(image) else None
        image = _to_host_image(image)
        face = face or self.track(image)
        with stage("sample_uv"):
            if self.device == "cuda":   # on the Editor's stream; the maps come back for completion
                import cupy as cp

                with self.stream:
                    device_image = cp.asarray(image) if device_image is None else device_image
                    uv, mask = stages.sample_face(device_image, face, self.geometry, self.stream)
                    uv, mask = ops.to_host(uv, self.stream), ops.to_host(mask, self.stream)
            else:
                uv, mask = stages.sample_face(image, face, self.geometry)
        with stage("complete_uv"):
            # untrusted texels (edge-on, across the silhouette) are completed too (disocclusion)
            complete = complete_uv_fallback if self.networks is None else \
                (lambda uv_known, known, layout: self.networks.complete(uv_known, known))
            colours, (completed, fill, filled, shading, rim_light), card, held, arm = \
                stages.complete_source(image, face, uv, mask, self.geometry, complete)
        return Source(image, face, uv, mask, completed, device_image, fill, filled, shading, colours, card, held,
                      rim_light, arm)

    # -- steps 5-7
    def plan(self, source: Source, expression=None, relative: bool = True, reference=None, mask=None,
             pose=None, pose_relative: bool = True, intensity: float = 1.0, clamp_pose: bool = False) -> Plan:
        """The host half of an edit (arguments as `edit`): codes, rig geometry and target pose.
        clamp_pose: clamp the pose into poce_rt.limits.POSE_DEG instead of refusing it (streams)."""
        self._check_intensity(intensity)
        face = source.face
        region = None if mask is None else self._mask(mask)
        ref = None
        if reference is not None:
            ref = reference if isinstance(reference, Source) else self.prepare(reference)
            rel = ref.face.blendshapes - face.blendshapes
        elif expression is not None:
            check_expression(expression, relative)
            target = code_vector(expression, None if relative else face.blendshapes)
            rel = target if relative else target - face.blendshapes
        else:
            rel = np.zeros(N_CODES, np.float32)
        rel = (rel * np.float32(intensity)).astype(np.float32)
        # Geometry (rig): the relative code moves the mesh; a mask limits it to its region.
        delta = self.rig.delta(rel)
        if region is not None:
            delta *= self._vertex_weights(region)[:, None]
        shape = face.shape + delta
        mouth = 0.0 if self.networks is not None else mouth_amount(face.shape, shape)
        if source.lens_card is not None:   # sunglasses as a card in front of the eyes (poce_rt.accessories)
            shape = shape + source.lens_card
        target_pose = self._target_pose(face.pose, pose, pose_relative, clamp_pose, self.config.neck_pivot_cm)
        # a far half the tracker fitted wider than the near half, brought in as the turn reveals it
        shape = revealed_far_side(shape, far_side_offset(face.shape, face.pose), face.pose, target_pose)
        shape = perspective_shape(shape, face.pose, target_pose, self.config.camera_distance_cm)
        return Plan(rel, shape, target_pose, region, ref, mouth)

    def frame_loop(self, source: Source) -> FrameLoop:
        """The FrameLoop drawing `source` on this Editor's device (kept for the last source)."""
        loop = self._loop
        if loop is None or loop.source is not source:
            loop = FrameLoop(source, self.geometry, self.feather_px(source.face), self.networks,
                             self._mouth_gap, self.device, stream=self.stream,
                             mouth_colour=self._mouth_colour, head_proxy=self.config.head_proxy,
                             camera_distance_cm=self.config.camera_distance_cm)
            self._loop = loop
        return loop

    def feather_px(self, face: Face) -> int:
        """The composite's soft edge for a face: config.feather of its width, at least 1 px."""
        return max(1, int(round(self.config.feather * (face.bbox[2] - face.bbox[0]))))

    def faces(self, image, which="all") -> list[Face]:
        """The tracked faces of `image` that `which` selects, left to right: 'all', 'largest', an
        index or a list of indices (poce_rt.fit_check.select_faces: unconfirmed fits are skipped
        with a FitWarning). NoFaceError when none is left; InputError for a bad selection."""
        from .fit_check import select_faces

        with stage("track"):
            return select_faces(self.tracker, _to_host_image(image), which)

    def edit(self, image, expression=None, relative: bool = True, reference=None, mask=None,
             pose=None, pose_relative: bool = True, intensity: float = 1.0, steps: int = 1,
             source: Source | None = None, faces=None) -> EditResult:
        """Edit expression and head pose of the largest face in `image` (or of the `faces` chosen).

        expression: dict of named blendshape scores or a [52] array. relative=True: it is the
            change (target - source, POCE Eq. 6); relative=False: target scores (names not given
            keep the source's).
        reference: another face image (or a prepared Source) whose expression is transplanted
            under `mask` (feature transfer, Eq. 8). mask: a name ('eyes', 'nose', 'mouth',
            'eyes_nose_mouth', or several joined by ','), a mask image path, or an [S,S] array.
        pose: (pitch, yaw, roll) degrees, relative to the source (default) or absolute.
        intensity: scales the relative code (0 = none, 1 = as asked, >1 extrapolates; Fig. 11).
        steps: >1 splits the texture edit into a cascade of smaller ones (Cascade EF-GAN).
        source: a Source from prepare(image) to skip steps 1-4.
        faces: None (the largest face), or which faces to edit, as `Editor.faces` takes them
            ('all', 'largest', an index or a list of indices, numbered left to right), or a list
            of Faces it returned (tracked once already). With
            several, `expression` and `pose` may be lists with one entry per chosen face (None:
            no change for that face); the faces are drawn one after the other into one frame,
            and the result's per_face holds each face's EditResult.

        image may be NumPy, CuPy or a torch tensor; a CUDA array gives a CuPy result image (the
        maps stay NumPy), drawn from the caller's array without copying it.
        """
        if faces is not None and not (isinstance(faces, str) and faces == "largest"):
            if source is not None:
                raise InputError("source= is one prepared face: give faces=None with it")
            return self._edit_faces(image, faces, expression, pose, relative=relative, reference=reference,
                                    mask=mask, pose_relative=pose_relative, intensity=intensity, steps=steps)
        if (_per_face(expression, "expression") or _per_face(pose, "pose")) is not None:
            raise InputError("a list of expressions or poses needs faces= (one entry per chosen face)")
        self._check_intensity(intensity)
        steps = limits.check_int("steps", steps, *limits.STEPS)
        src = source or self.prepare(image)
        plan = self.plan(src, expression, relative, reference, mask, pose, pose_relative, intensity)

        # Texture: feature transfer with a reference is a one-off on the host; the relative-code
        # edit runs inside the frame loop, on its device.
        texture = None
        if self.networks is not None and plan.reference is not None:
            with stage("edit_uv"):
                m = plan.region if plan.region is not None else self._mask("eyes_nose_mouth")
                texture = self.networks.transfer(src.uv_completed, plan.reference.uv_completed, m)

        loop = self.frame_loop(src)
        loop.step(plan.rel, plan.shape, plan.target_pose, mouth=plan.mouth, texture=texture,
                  steps=int(steps))
        rgb, alpha = loop.maps()
        uv_edit = loop.host(loop.texture)
        out = self.blended(loop, on_device=ops.is_device_array(image), maps=(rgb, alpha))
        face = src.face
        return EditResult(out, src.uv_sampled, src.mask, src.uv_completed, uv_edit, rgb, alpha,
                          face.pose, plan.target_pose, face.blendshapes.copy(), plan.rel, loop.moved(),
                          *loop.filled())

    def _edit_faces(self, image, which, expression, pose, **kw) -> EditResult:
        """edit() over several faces: each drawn into the frame the previous one left."""
        self._check_intensity(kw["intensity"])
        given = isinstance(which, list) and which and all(isinstance(f, Face) for f in which)
        chosen = which if given else self.faces(image, which)
        exprs = _per_face(expression, "expression", len(chosen))
        poses = _per_face(pose, "pose", len(chosen))
        if isinstance(kw.get("reference"), np.ndarray) or (kw.get("reference") is not None
                                                         and not isinstance(kw["reference"], Source)):
            kw["reference"] = self.prepare(kw["reference"])   # once for every face
        frame = _to_host_image(image)
        results = []
        for face, expr, p in zip(chosen, exprs or [expression] * len(chosen), poses or [pose] * len(chosen)):
            res = self.edit(frame, expression=expr, pose=p, source=self.prepare(frame, face), **kw)
            results.append(res)
            frame = res.image
        out = frame
        if ops.is_device_array(image) and self.device == "cuda":
            import cupy as cp

            out = cp.asarray(frame)
        return dataclasses.replace(results[0], image=out, per_face=results)

    def blended(self, loop: FrameLoop, on_device: bool = False, maps=None):
        """The last frame of `loop` as a new array: feathered by the loop itself, or Poisson-blended
        on the host (config.blend; `maps` = loop.maps() if the caller has them already); a CuPy
        array when `on_device` and the loop is on the GPU."""
        if self.config.blend == "poisson":
            out = stages.poisson_blend(loop.under_face(), *(maps or loop.maps()))
            if on_device and loop.gpu:
                import cupy as cp

                out = cp.asarray(out)
            return out
        return loop.frame.copy() if on_device and loop.gpu else loop.frame_to_host()

    # -- helpers
    def _check_intensity(self, intensity) -> None:
        m = self.config.max_intensity
        limits.check_float("intensity", intensity, -m, m)

    def _mask(self, spec) -> np.ndarray:
        from .masks import get_mask

        s = self.geometry.size
        if isinstance(spec, np.ndarray):
            m = spec.astype(np.float32)
            if m.shape != (s, s):
                raise InputError(f"mask array must be [{s},{s}] (the UV size), got {list(m.shape)}")
            if not np.isfinite(m).all():
                raise InputError("mask contains NaN or inf")
            return np.clip(m, 0, 1)
        if isinstance(spec, str) and "," in spec:
            return np.max([self._mask(p.strip()) for p in spec.split(",") if p.strip()], axis=0)
        if isinstance(spec, str) and spec in self._masks:
            return self._masks[spec]
        m = get_mask(spec, s)
        from .masks import MASK_NAMES

        if isinstance(spec, str) and spec in MASK_NAMES:
            self._masks[spec] = m
        return m

    def _vertex_weights(self, region: np.ndarray) -> np.ndarray:
        """[468] mask value at each base vertex's UV (nearest texel)."""
        uvs = stages.geometry(self.config.uv_size).model.uvs  # the base mesh's 468 UVs (cached)
        s = region.shape[0]
        ij = np.clip((uvs * s).astype(int), 0, s - 1)
        return region[ij[:, 1], ij[:, 0]].astype(np.float32)

    @staticmethod
    def _target_pose(src: Pose, pose, pose_relative: bool, clamp: bool = False, pivot_cm: float = 0.0) -> Pose:
        """The pose to draw: offsets and absolute angles within poce_rt.limits.POSE_DEG, and so
        must be the pose they lead to (clamp: clamped into them instead of refused). Angles are
        turned to about the axis pivot_cm behind the canonical origin (EditorConfig.neck_pivot_cm);
        a Pose given whole is drawn where it says."""
        if pose is None:
            return src
        if isinstance(pose, Pose):
            target = pose
        else:
            try:
                p = np.asarray(pose, np.float64).reshape(-1)
            except (TypeError, ValueError):
                p = np.zeros(0)
            if p.shape != (3,) or not np.isfinite(p).all():
                raise InputError(f"pose must be (pitch, yaw, roll) in degrees, got {pose!r}")
            if clamp:
                p = np.array(limits.clamp_angles(*p))
            limits.check_angles(*p, what="pose offset" if pose_relative else "pose")
            target = (src.offset(pitch=p[0], yaw=p[1], roll=p[2]) if pose_relative else
                      dataclasses.replace(src, pitch=float(p[0]), yaw=float(p[1]), roll=float(p[2])))
        if clamp:
            target = dataclasses.replace(target, **dict(zip(
                ("pitch", "yaw", "roll"), limits.clamp_angles(target.pitch, target.yaw, target.roll))))
        if pivot_cm and not isinstance(pose, Pose):
            target = target.turned_from(src, (0.0, 0.0, pivot_cm))
        limits.check_angles(target.pitch, target.yaw, target.roll, "target pose")
        return target
