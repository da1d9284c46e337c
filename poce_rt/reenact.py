"""Face reenactment: a driver video (file or camera) moves a source portrait's head and expression.

    with Reenactor(source_rgb) as r:                       # source tracked/sampled/completed once
        for out in r.run(open_driver("driver.mp4").timed()):
            out.image, out.status, out.driver_pose, out.driver_code

Relative mode (default, POCE Eq. 6 applied over time): the driver's motion since its first good frame
is applied to the source: target pose = source pose offset by (driver pose - driver first pose), and
the relative code = driver code - driver first code. Absolute mode copies the driver's angles and
blendshape scores. Pose and code are smoothed with a One Euro filter (poce_rt.filters).

Several faces (config.faces 'all' or indices): each chosen source face is drawn by its own
FrameLoop with its own reference and filters; per frame the driver's faces and the source's are
paired left to right (box centre x); a single driver face, or the largest when the source has
more faces than the driver, drives the rest.

A frame whose driver face is lost holds the last good output ('lost: holding last good state'); until
the driver's first face the untouched source is output ('waiting for first face').

`run()` is a software pipeline (poce_rt.staged): reading/decoding frame t+2, tracking frame t+1 and
rendering frame t run on three threads at once (OpenCV, MediaPipe and our kernels release the GIL),
while the caller consumes frame t-1 (e.g. encodes it), so the stream goes at the pace of its slowest
stage, MediaPipe's tracking, rather than of their sum. Video I/O (open_driver, VideoSink) lives in
poce_rt.video and is re-exported here.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Iterable, Iterator

import numpy as np

from .filters import OneEuroFilter
from .staged import staged
from .tracker import Face, FaceTracker, validate_image
from .video import DriverError, DriverStream, VideoSink, open_driver, write_video

__all__ = ["ReenactConfig", "ReenactFrame", "FaceDrive", "pair_faces", "Reenactor", "DriverError",
           "DriverStream", "open_driver", "VideoSink", "write_video", "STATUS_OK", "STATUS_LOST", "STATUS_WAITING"]

STATUS_OK = "ok"
STATUS_LOST = "lost: holding last good state"
STATUS_WAITING = "waiting for first face"


@dataclass
class ReenactConfig:
    """Settings of a Reenactor.

    relative: True = the driver's motion relative to its first good frame is applied to the source
        (pose offsets, Eq. 6 relative code); False = the driver's absolute angles and scores.
    pose_min_cutoff / pose_beta: One Euro parameters of the (pitch, yaw, roll) signal (Hz, 1/deg).
    code_min_cutoff / code_beta: One Euro parameters of the 52 blendshape scores (Hz, 1/score).
    d_cutoff: cutoff of the speed estimate (Hz). smooth=False disables filtering.
    track_ahead: frames each stage of run() may run ahead of the next (>= 1): decoding of tracking,
        tracking of rendering, rendering of the caller.
    fps: assumed frame rate when no timestamps are given.
    intensity: scales the relative code (as Editor.edit).
    max_faces: faces the driver tracker looks for (the largest drives; with several source faces
        the tracker looks for at least as many, and at least 4).
    faces: the source faces driven: 'largest' (the one-face path), 'all', an index or a list of
        indices numbered left to right (as Editor.faces takes them).
    bundle: landmarker bundle path (None: the default resolution).
    output: 'host' = frames as NumPy arrays; 'device' = frames stay where the editor draws them
        (CuPy arrays on an Editor(device='cuda'), for a GPU consumer; NumPy on the CPU).
    """

    relative: bool = True
    smooth: bool = True
    pose_min_cutoff: float = 1.0
    pose_beta: float = 0.05
    code_min_cutoff: float = 2.0
    code_beta: float = 1.0
    d_cutoff: float = 1.0
    track_ahead: int = 2
    fps: float = 30.0
    intensity: float = 1.0
    max_faces: int = 1
    bundle: str | None = None
    output: str = "host"
    faces: object = "largest"

    def __post_init__(self):
        # the ranges (poce_rt.limits): refused here, not frames into a stream
        from .errors import InputError
        from .limits import MAX_FACES, MAX_INTENSITY, check_float, check_int

        for name in ("pose_min_cutoff", "code_min_cutoff", "d_cutoff", "pose_beta", "code_beta"):
            if check_float(name, getattr(self, name), 0.0) <= 0 and "cutoff" in name:
                raise InputError(f"{name} must be > 0 (Hz), got {getattr(self, name)}")
        self.track_ahead = check_int("track_ahead", self.track_ahead, 1, 64)
        self.fps = check_float("fps", self.fps, 0.0, 1000.0)
        if self.fps <= 0:
            raise InputError(f"fps must be positive, got {self.fps:g}")
        self.intensity = check_float("intensity", self.intensity, -MAX_INTENSITY, MAX_INTENSITY)
        self.max_faces = check_int("max_faces", self.max_faces, *MAX_FACES)
        if self.output not in ("host", "device"):
            raise InputError(f"output must be 'host' or 'device', got {self.output!r}")
        from .fit_check import is_index

        f = self.faces
        if not (f in ("all", "largest") or is_index(f) or
                (isinstance(f, (list, tuple)) and f and all(is_index(i) for i in f))):
            raise InputError(f"faces must be 'all', 'largest', an index or a list of indices, got {f!r}")


@dataclass
class ReenactFrame:
    """One output frame. driver_pose/driver_code are the raw tracked values of this driver frame
    (None when no face was found); pose/code are what was applied (smoothed; relative or absolute as
    configured), i.e. the held state on a lost frame."""

    index: int
    image: np.ndarray                      # [H,W,3] uint8 RGB (source-sized)
    status: str
    timestamp_s: float
    driver_pose: tuple | None = None       # (pitch, yaw, roll) deg
    driver_code: np.ndarray | None = None  # [52]
    pose: tuple | None = None
    code: np.ndarray | None = None
    per_face: list | None = None           # several source faces: a FaceDrive each, left to right

    @property
    def face_found(self) -> bool:
        return self.status == STATUS_OK


@dataclass
class FaceDrive:
    """What drove one source face in a frame (config.faces other than 'largest'): the index of its
    driver face among the driver's faces left to right, that face's raw pose/code and what was
    applied (as ReenactFrame's fields)."""

    driver_index: int
    driver_pose: tuple
    driver_code: np.ndarray
    pose: tuple
    code: np.ndarray


class _FaceState:
    """One source face's smoothing state: the driver's reference frame and the One Euro filters."""

    def __init__(self, c: "ReenactConfig"):
        self.pose_f = OneEuroFilter(c.pose_min_cutoff, c.pose_beta, c.d_cutoff, rate=c.fps)
        self.code_f = OneEuroFilter(c.code_min_cutoff, c.code_beta, c.d_cutoff, rate=c.fps)
        self.reset()

    def reset(self) -> None:
        self.pose_f.reset()
        self.code_f.reset()
        self.ref_pose = None
        self.ref_code = None
        self.driven_by = None   # (driver faces, index) of the last frame: a change resets the reference


def pair_faces(driver: list, n_source: int) -> list[int]:
    """Indices into `driver` (largest first, as the tracker gives them) of the face driving each of
    `n_source` source faces numbered left to right: the driver's faces left to right by box centre,
    pairwise; source faces beyond them follow the largest (driver[0]); driver faces beyond the
    source's are unused."""
    order = sorted(range(len(driver)), key=lambda k: driver[k].bbox[0] + driver[k].bbox[2])
    if len(driver) == 1:
        return [0] * n_source
    return [order[i] if i < len(order) else 0 for i in range(n_source)]


def _wrap_deg(a: np.ndarray) -> np.ndarray:
    return (np.asarray(a, np.float64) + 180.0) % 360.0 - 180.0


class Reenactor:
    """Drives `source_image` (HxWx3 uint8 RGB) with the faces of a driver stream.

    editor: an Editor to use (not closed here); None creates and owns a weight-free one.
    config: ReenactConfig.
    """

    def __init__(self, source_image, editor=None, config: ReenactConfig | None = None):
        from .pipeline import Editor, EditorConfig

        self.config = config or ReenactConfig()   # its __post_init__ checked the ranges
        self._own_editor = editor is None
        self._runs = weakref.WeakSet()   # run() generators not finished yet
        self.editor = None
        self.tracker = None
        try:
            if editor is None:
                from .limits import MAX_FACES

                # several faces: the source tracker looks for as many as it may (edit --faces does too)
                more = {} if self.config.faces == "largest" else {"max_faces": MAX_FACES[1]}
                editor = Editor(config=EditorConfig(bundle=self.config.bundle, **more))
            self.editor = editor
            self.sources = self._prepare_sources(source_image)   # NoFaceError if the source has no face
            self.source = self.sources[0]
            # several faces: MediaPipe's num_faces caps its candidates before the tracker drops the
            # ones it cannot fit, so a cap of exactly n can miss one (multi_face.jpg: 2 finds 1, 4 both)
            max_faces = self.config.max_faces if self._loops is None else \
                max(self.config.max_faces, len(self.sources), 4)
            self.tracker = FaceTracker(self.config.bundle, max_faces=max_faces, mode="video")
        except BaseException:
            self.close()
            raise
        self._states = [_FaceState(self.config) for _ in self.sources]
        self.reset()

    def _prepare_sources(self, image) -> list:
        """The prepared source faces, left to right; with config.faces other than 'largest', a
        FrameLoop of each kept in self._loops (the Editor caches only its last one)."""
        self._loops = None
        if self.config.faces == "largest":
            return [self.editor.prepare(image)]
        sources = [self.editor.prepare(image, face) for face in self.editor.faces(image, self.config.faces)]
        self._loops = [self.editor.frame_loop(s) for s in sources]
        return sources

    # -- lifecycle
    def reset(self) -> None:
        """Forget the driver's reference frame, the filters and the held state (not the tracker's
        timestamps: video-mode timestamps keep increasing)."""
        for state in self._states:
            state.reset()
        self._last = None            # (image, pose, code) of the last good frame
        self._index = 0
        self._t_auto = None
        self.frames_lost = 0
        self.frames_waiting = 0

    def close(self) -> None:
        """Stop the runs still going (their threads use the tracker and the editor), then release
        the tracker and the editor if this Reenactor created it."""
        for gen in list(getattr(self, "_runs", ())):
            gen.close()
        if self.tracker is not None:
            self.tracker.close()
            self.tracker = None
        if self._own_editor and self.editor is not None:
            self.editor.close()
            self.editor = None

    def __enter__(self) -> "Reenactor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the two halves of a step
    def _timestamp(self, timestamp_s: float | None) -> float:
        if timestamp_s is None:
            self._t_auto = 0.0 if self._t_auto is None else self._t_auto + 1.0 / self.config.fps
            return self._t_auto
        self._t_auto = float(timestamp_s)
        return float(timestamp_s)

    def track(self, frame, timestamp_s: float) -> Face | None:
        """Track the driver face of one frame (video mode); None when there is none."""
        if self.tracker is None:
            raise RuntimeError("Reenactor is closed")
        ts_ms = int(round(timestamp_s * 1000.0))
        ts_ms = max(ts_ms, self.tracker.last_timestamp_ms + 1)   # video mode needs strictly increasing ms
        faces = self.tracker.track(frame, ts_ms)
        if self._loops is not None:
            return faces or None
        return faces[0] if faces else None

    def render(self, face, timestamp_s: float) -> ReenactFrame:
        """Update the smoothed state with a tracked driver face (or hold it) and render the source.
        With several source faces `face` is track()'s list of driver faces (largest first)."""
        i = self._index
        self._index += 1
        if face is None:
            if self._last is None:
                self.frames_waiting += 1
                loop = self._loops[0] if self._loops is not None else None
                src = (loop or self.editor.frame_loop(self.source)).photo if self.config.output == "device" \
                    else self.source.image
                return ReenactFrame(i, src.copy(), STATUS_WAITING, timestamp_s)
            self.frames_lost += 1
            img, pose, code = self._last
            return ReenactFrame(i, img.copy(), STATUS_LOST, timestamp_s, pose=pose, code=code.copy())

        if self._loops is not None:
            return self._render_faces(i, face, timestamp_s)
        p = face.pose
        applied_pose, applied_code = self._drive(self._states[0], face, timestamp_s)
        loop = self.editor.frame_loop(self.source)
        self._draw(loop, self.source, applied_pose, applied_code)
        image = self.editor.blended(loop, on_device=self.config.output == "device")
        self._last = (image, applied_pose, applied_code)
        return ReenactFrame(i, image, STATUS_OK, timestamp_s,
                            driver_pose=(float(p.pitch), float(p.yaw), float(p.roll)),
                            driver_code=face.blendshapes.copy(), pose=applied_pose, code=applied_code.copy())

    def _drive(self, state: _FaceState, face: Face, timestamp_s: float) -> tuple:
        """One driver face -> the (pose, code) applied to a source face, through its state."""
        p = face.pose
        raw_pose = np.array([p.pitch, p.yaw, p.roll], np.float64)
        raw_code = face.blendshapes.astype(np.float64)
        if state.ref_pose is None:
            state.ref_pose, state.ref_code = raw_pose.copy(), raw_code.copy()
        # filter the angles unwrapped around the reference, so a +-180 crossing does not jump
        pose_in = state.ref_pose + _wrap_deg(raw_pose - state.ref_pose)
        if self.config.smooth:
            pose_s = state.pose_f(pose_in, timestamp_s)
            code_s = state.code_f(raw_code, timestamp_s)
        else:
            pose_s, code_s = pose_in, raw_code

        if self.config.relative:
            d = pose_s - state.ref_pose
            return (float(d[0]), float(d[1]), float(d[2])), (code_s - state.ref_code).astype(np.float32)
        return (float(pose_s[0]), float(pose_s[1]), float(pose_s[2])), \
            np.clip(code_s, 0.0, 1.0).astype(np.float32)

    def _draw(self, loop, source, pose: tuple, code: np.ndarray) -> None:
        c = self.config
        plan = self.editor.plan(source, expression=code, relative=c.relative, pose=pose,
                                pose_relative=c.relative, intensity=c.intensity, clamp_pose=True)
        loop.step(plan.rel, plan.shape, plan.target_pose, mouth=plan.mouth)

    def _render_faces(self, i: int, driver: list, timestamp_s: float) -> ReenactFrame:
        """Several source faces: each drawn by its own loop over the untouched photo; the pixels a
        loop changed (within its last box) go into one frame, later faces over earlier ones."""
        pairs = pair_faces(driver, len(self.sources))
        on_device = self.config.output == "device"
        out, drives = None, []
        for state, source, loop, k in zip(self._states, self.sources, self._loops, pairs):
            key = (len(driver), k)
            if state.driven_by is not None and state.driven_by != key:
                state.reset()   # another driver face: its motion is measured from its own first frame
            state.driven_by = key
            face = driver[k]
            pose, code = self._drive(state, face, timestamp_s)
            self._draw(loop, source, pose, code)
            image = self.editor.blended(loop, on_device=on_device)
            if out is None:
                out = image
            else:
                xp = loop.xp if on_device else np
                photo = loop.photo if on_device else source.image
                ys, xs = loop.last_box.slices()
                changed = xp.any(image[ys, xs] != photo[ys, xs], axis=-1, keepdims=True)
                out[ys, xs] = xp.where(changed, image[ys, xs], out[ys, xs])
            fp = face.pose
            drives.append(FaceDrive(k, (float(fp.pitch), float(fp.yaw), float(fp.roll)),
                                    face.blendshapes.copy(), pose, code.copy()))
        first = drives[0]
        self._last = (out, first.pose, first.code)
        return ReenactFrame(i, out, STATUS_OK, timestamp_s, driver_pose=first.driver_pose,
                            driver_code=first.driver_code.copy(), pose=first.pose, code=first.code.copy(),
                            per_face=drives)

    def step(self, frame, timestamp_s: float | None = None) -> ReenactFrame:
        """Track one driver frame and render the source with it (no overlap)."""
        t = self._timestamp(timestamp_s)
        return self.render(self.track(frame, t), t)

    # -- streaming
    def run(self, frames: Iterable, overlap: bool = True) -> Iterator[ReenactFrame]:
        """Reenact a stream of driver frames; yields ReenactFrame in input order.

        Items are HxWx3 uint8 RGB frames or (frame, timestamp_s) pairs (e.g. DriverStream.timed()).
        overlap=True runs iterating `frames`, tracking and rendering on three threads (up to
        `config.track_ahead` frames between each two); overlap=False runs step() frame by frame
        (for comparison). Either way, if `frames` raises (or a frame is invalid), every frame before
        it is delivered first, then the exception is raised. Closing the generator (or this
        Reenactor) stops the threads.
        """
        gen = self._run(frames, overlap)
        self._runs.add(gen)
        return gen

    def _run(self, frames: Iterable, overlap: bool) -> Iterator[ReenactFrame]:
        def items():
            for item in frames:
                if isinstance(item, tuple):
                    frame, ts = item
                else:
                    frame, ts = item, None
                yield validate_image(frame), self._timestamp(ts)

        if not overlap:
            for frame, ts in items():
                yield self.render(self.track(frame, ts), ts)
            return

        def track(item):
            frame, ts = item
            return self.track(frame, ts), ts

        def render(item):
            return self.render(*item)

        yield from staged(items(), [track, render], depth=int(self.config.track_ahead), name="poce_rt-reenact")
