"""Video I/O: driver streams (a video file or a camera) in, mp4 files out.

    with open_driver("talk.mp4") as drv, VideoSink("out.mp4", drv.fps) as sink:
        for frame, ts in drv.timed():      # HxWx3 uint8 RGB, seconds
            sink.write(frame)

A VideoSink writes to a hidden temporary file beside its path and renames it into place when it is
closed, so the path never holds a half-written video: closed after an error or a stop, it keeps the
frames written so far as a finalised, playable file; killed outright, it leaves the old path alone.
"""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from .tracker import validate_image

__all__ = ["DriverError", "DriverStream", "open_driver", "VideoSink", "write_video"]


class DriverError(RuntimeError):
    """The driver (video file or camera) cannot be opened or read, or the output cannot be written."""


def _is_camera(spec) -> bool:
    return isinstance(spec, (int, np.integer)) or (isinstance(spec, str) and spec.strip().isdigit())


class DriverStream:
    """An open driver: iterate for HxWx3 uint8 RGB frames, or `timed()` for (frame, timestamp_s).

    fps, width, height, frame_count (None for cameras or when unknown), is_camera, name.
    A decode failure mid-stream ends the iteration (`ended_early` is then set to the reason).
    """

    def __init__(self, cap, name: str, is_camera: bool, first_frame: np.ndarray):
        import cv2

        self._cap = cap
        self.name = name
        self.is_camera = is_camera
        self._first = first_frame
        fps = cap.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and np.isfinite(fps) and 1.0 <= fps <= 1000.0 else 30.0
        self.height, self.width = first_frame.shape[:2]
        n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0) if not is_camera else 0
        self.frame_count = n if n > 0 else None
        self.ended_early: str | None = None
        self.frames_read = 0

    def close(self) -> None:
        cap, self._cap = self._cap, None
        if cap is not None:
            cap.release()

    def __enter__(self) -> "DriverStream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __iter__(self) -> Iterator[np.ndarray]:
        for frame, _ in self.timed():
            yield frame

    def timed(self) -> Iterator[tuple[np.ndarray, float]]:
        """(frame, timestamp_s): file frames at index / fps; camera frames at wall-clock time."""
        import cv2

        t0 = time.monotonic()
        try:
            if self._first is not None:
                frame, self._first = self._first, None
                self.frames_read += 1
                yield frame, 0.0
            while self._cap is not None:
                try:
                    ok, bgr = self._cap.read()
                except cv2.error as e:
                    self.ended_early = f"decode error after {self.frames_read} frames: {e}"
                    return
                if not ok or bgr is None:
                    if self.frame_count and self.frames_read < self.frame_count - 1:
                        self.ended_early = (f"stream ended after {self.frames_read} of "
                                            f"{self.frame_count} frames (decode failure)")
                    return
                rgb = _bgr_to_rgb(bgr)
                if rgb is None:
                    self.ended_early = f"undecodable frame after {self.frames_read} frames"
                    return
                ts = (time.monotonic() - t0) if self.is_camera else self.frames_read / self.fps
                self.frames_read += 1
                yield rgb, ts
        finally:
            self.close()


def _bgr_to_rgb(bgr) -> np.ndarray | None:
    import cv2

    if bgr is None or bgr.ndim not in (2, 3) or bgr.size == 0:
        return None
    if bgr.ndim == 2:
        return np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_GRAY2RGB))
    if bgr.shape[2] == 4:
        return np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGRA2RGB))
    return np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))


def open_driver(spec) -> DriverStream:
    """Open a driver: a video file path, or a camera index (int or a string of digits).

    Raises DriverError with a message when the camera does not exist or cannot be opened, when the
    file does not exist, or when it cannot be decoded (not a video, corrupt). The first frame is read
    here, so a DriverError is raised before any work starts.
    """
    import cv2

    if _is_camera(spec):
        index = int(spec)
        cap = cv2.VideoCapture(index)
        if not cap.isOpened():
            cap.release()
            hint = f" (no /dev/video{index})" if os.name == "posix" and not os.path.exists(f"/dev/video{index}") else ""
            raise DriverError(f"cannot open camera {index}{hint}: check the index "
                              "(0 is usually the built-in camera) and that no other program holds it")
        ok, bgr = cap.read()
        rgb = _bgr_to_rgb(bgr) if ok else None
        if rgb is None:
            cap.release()
            raise DriverError(f"camera {index} opened but delivers no frames")
        return DriverStream(cap, f"camera {index}", True, rgb)

    p = Path(os.fspath(spec)).expanduser()
    if not p.is_file():
        raise DriverError(f"driver video not found: {p}")
    cap = cv2.VideoCapture(str(p))
    if not cap.isOpened():
        cap.release()
        raise DriverError(f"cannot read driver video {p}: not a video OpenCV can decode, or a corrupt file")
    try:
        ok, bgr = cap.read()
    except cv2.error:
        ok, bgr = False, None
    rgb = _bgr_to_rgb(bgr) if ok else None
    if rgb is None:
        cap.release()
        raise DriverError(f"cannot decode any frame of driver video {p} (corrupt or unsupported codec)")
    return DriverStream(cap, str(p), False, rgb)


class VideoSink:
    """Writes RGB frames to an mp4 (cv2.VideoWriter, 'mp4v') as they come.

    The frames go to a hidden temporary file in the same folder (`partial_path`, created with the
    first frame, whose size fixes the video's; frames of another size are resized); `close()`
    finalises it and renames it to `path`, also after an error or a stop, so every frame written
    stays written and `path` only ever holds a playable video. No frame written: no file. Context
    manager: closed on error too.
    """

    def __init__(self, path, fps: float = 30.0, fourcc: str = "mp4v"):
        self.path = Path(os.fspath(path)).expanduser()
        if self.path.is_dir():
            raise DriverError(f"cannot write video {self.path}: it is a folder (give a file name, e.g. out.mp4)")
        self.fps = float(fps) if fps and np.isfinite(fps) and fps > 0 else 30.0
        self.fourcc = fourcc
        self._writer = None
        self._size = None
        self.partial_path: Path | None = None
        self.frames_written = 0

    def _open(self, w: int, h: int) -> None:
        import cv2

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # the same extension: VideoWriter picks the container by it
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=self.path.suffix,
                                       dir=self.path.parent)
            os.close(fd)
        except OSError as e:
            raise DriverError(f"cannot write video {self.path}: {e.strerror or e}") from None
        wr = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*self.fourcc), self.fps, (w, h))
        if not wr.isOpened():
            wr.release()
            os.unlink(tmp)
            raise DriverError(f"cannot write video {self.path} (unwritable folder, or no '{self.fourcc}' "
                              "encoder for this extension: use .mp4)")
        self._writer, self._size, self.partial_path = wr, (w, h), Path(tmp)

    def write(self, rgb: np.ndarray) -> None:
        import cv2

        rgb = validate_image(rgb)
        h, w = rgb.shape[:2]
        if self._writer is None:
            if self.partial_path is not None:
                raise DriverError(f"video {self.path} is closed")
            self._open(w, h)
        if (w, h) != self._size:
            rgb = cv2.resize(rgb, self._size, interpolation=cv2.INTER_AREA)
        self._writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        self.frames_written += 1

    def close(self) -> None:
        """Finalise the video and move it to `path` (idempotent)."""
        wr, self._writer = self._writer, None
        if wr is None:
            return
        try:
            wr.release()   # writes the index (a stop signal meanwhile is raised after it: still moved)
        finally:
            self._move_into_place()

    def _move_into_place(self) -> None:
        tmp = self.partial_path
        try:
            if self.frames_written > 0:
                os.replace(tmp, self.path)
            else:
                os.unlink(tmp)
        except OSError as e:
            raise DriverError(f"cannot write video {self.path}: {e.strerror or e} "
                              f"(the frames are in {tmp})") from None

    def __enter__(self) -> "VideoSink":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_video(path, frames: Iterable[np.ndarray], fps: float = 30.0) -> int:
    """Write RGB frames to `path` as they come; returns the number written. The writer is released
    (and the frames so far kept) whatever happens."""
    with VideoSink(path, fps) as sink:
        for f in frames:
            sink.write(f)
        return sink.frames_written
