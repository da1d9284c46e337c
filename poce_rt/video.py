"""Video I/O: driver streams (a video file or a camera) in; mp4 files, network streams and
virtual cameras out.

    with open_driver("talk.mp4") as drv, open_sink("out.mp4", drv.fps, audio_from=drv) as sink:
        for frame, ts in drv.timed():      # HxWx3 uint8 RGB, seconds
            sink.write(frame)

A VideoSink writes to a hidden temporary file beside its path and renames it into place when it is
closed, so the path never holds a half-written video: closed after an error or a stop, it keeps the
frames written so far as a finalised, playable file; killed outright, it leaves the old path alone.
Given `audio_from` (the driver's file), closing it also remuxes the driver's sound into the video
(PyAV, no re-encode when the container takes the codec), cut to the frames written.

StreamSink sends the frames as a live stream (PyAV: H.264 in MPEG-TS over udp://, tcp://, and srt://
where FFmpeg has libsrt; RTSP to a server's rtsp:// URL); open_virtual_camera opens a system virtual
camera (pyvirtualcam).
Pacer holds a file-driven stream to the driver's frame rate. PyAV and pyvirtualcam are imported
only when used (the `live` extra).
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from .tracker import validate_image

__all__ = ["DriverError", "DriverStream", "open_driver", "VideoSink", "StreamSink", "open_sink",
           "is_stream_url", "Pacer", "open_virtual_camera", "write_video"]


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

    def __init__(self, path, fps: float = 30.0, fourcc: str = "mp4v", audio_from=None):
        self.path = Path(os.fspath(path)).expanduser()
        # a file whose audio is remuxed in on close (None: a silent video)
        self.audio_from = None if audio_from is None else Path(os.fspath(audio_from))
        self.audio_note: str | None = None   # why the sound could not be kept, if it was not
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
            if self.audio_from is not None and self.frames_written:
                self._add_audio()
        finally:
            self._move_into_place()

    def _add_audio(self) -> None:
        """Remux the driver's audio beside the finished video (a third temporary file, swapped in
        only when complete: a failure or a stop meanwhile leaves the silent video to be moved)."""
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=self.path.suffix, dir=self.path.parent)
        os.close(fd)
        try:
            kept = mux_audio(self.partial_path, self.audio_from, tmp, self.frames_written / self.fps)
            if kept:
                os.replace(tmp, self.partial_path)
            else:
                self.audio_note = f"{self.audio_from.name} has no audio track"
        except ImportError:
            self.audio_note = "the driver's sound needs PyAV: pip install 'poce-rt[live]'"
        except Exception as e:  # noqa: BLE001 - the video itself is fine; say why it is silent
            self.audio_note = f"the driver's sound could not be kept ({type(e).__name__}: {e})"
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

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


def mux_audio(video_path, audio_path, out_path, duration_s: float) -> bool:
    """Write `out_path`: the video stream of `video_path` and the first audio stream of `audio_path`
    (both copied, not re-encoded, when the container takes the codec; else the audio becomes AAC),
    the audio cut at `duration_s`. Both start at 0, as the driver's frames and its sound did.
    False (nothing written) when `audio_path` has no audio."""
    import av

    with av.open(str(audio_path)) as a_in:
        if not a_in.streams.audio:
            return False
        with av.open(str(video_path)) as v_in, av.open(str(out_path), "w") as out:
            v_src, a_src = v_in.streams.video[0], a_in.streams.audio[0]
            v_dst = out.add_stream_from_template(v_src)
            copy = a_src.codec_context.name in ("aac", "mp3", "mp3float", "alac", "opus", "ac3")
            a_dst = out.add_stream_from_template(a_src) if copy else out.add_stream("aac", rate=a_src.rate or 44100)
            for pkt in v_in.demux(v_src):
                if pkt.dts is None:
                    continue
                pkt.stream = v_dst
                out.mux(pkt)
            end = duration_s / float(a_src.time_base) if a_src.time_base else None
            if copy:
                for pkt in a_in.demux(a_src):
                    if pkt.dts is None:
                        continue
                    if end is not None and pkt.pts is not None and pkt.pts >= end:
                        break
                    pkt.stream = a_dst
                    out.mux(pkt)
            else:
                for frame in a_in.decode(a_src):
                    if frame.time is not None and frame.time >= duration_s:
                        break
                    frame.pts = None
                    out.mux(a_dst.encode(frame))
                out.mux(a_dst.encode(None))
    return True


def is_stream_url(spec) -> bool:
    """True for a network output such as udp://host:port (not a file path)."""
    return isinstance(spec, str) and "://" in spec and not spec.startswith("file://")


# ffmpeg muxer per URL scheme: MPEG-TS where the transport carries a byte stream
_STREAM_FORMATS = {"udp": "mpegts", "tcp": "mpegts", "srt": "mpegts", "rtp": "rtp_mpegts", "rtsp": "rtsp",
                   "rtmp": "flv"}


def _stream_error(url: str, scheme: str, e: Exception) -> str:
    if "Protocol not found" in str(e):   # PyAV's wheels bundle an FFmpeg without libsrt
        return (f"cannot open the stream {url}: the FFmpeg inside PyAV has no {scheme}:// support; "
                "use udp:// or tcp:// (MPEG-TS), or rtsp:// to an RTSP server")
    return f"cannot open the stream {url}: {e}"


class StreamSink:
    """Sends RGB frames as a live H.264 stream to a URL (udp://127.0.0.1:5000, tcp://..., rtsp://...;
    srt://... where FFmpeg has libsrt, which the FFmpeg in PyAV wheels lacks).

    Encoded with x264's zero-latency tuning, one keyframe a second (a player that joins late shows
    a picture within a second). The size is fixed by the first frame (odd sides are trimmed by a
    pixel: 4:2:0 needs even ones). DriverError when the scheme is unknown, PyAV is missing, or the
    URL cannot be opened (an RTSP server that does not answer, a protocol this FFmpeg lacks).
    """

    def __init__(self, url: str, fps: float = 30.0, size: tuple[int, int] | None = None):
        scheme = url.split("://", 1)[0].lower()
        if scheme not in _STREAM_FORMATS:
            raise DriverError(f"cannot stream to {url}: schemes are {', '.join(sorted(_STREAM_FORMATS))}")
        try:
            import av
        except ImportError:
            raise DriverError("streaming needs PyAV: pip install 'poce-rt[live]' (or pip install av)") from None
        self.url = url
        self.fps = float(fps) if fps and np.isfinite(fps) and fps > 0 else 30.0
        self._format = _STREAM_FORMATS[scheme]
        try:
            self._out = av.open(url, "w", format=self._format, timeout=5.0)
        except (av.FFmpegError, OSError) as e:
            raise DriverError(_stream_error(url, scheme, e)) from None
        self._stream = None
        self.frames_written = 0
        if size is not None:   # connect now (the header goes out), not at the first frame
            try:
                self._open_stream((int(size[0]) // 2) * 2, (int(size[1]) // 2) * 2)
                self._out.start_encoding()
            except (av.FFmpegError, OSError) as e:
                self._out.close()
                raise DriverError(_stream_error(url, scheme, e)) from None

    def _open_stream(self, w: int, h: int) -> None:
        from fractions import Fraction

        s = self._out.add_stream("libx264", rate=Fraction(self.fps).limit_denominator(1001))
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.codec_context.options = {"preset": "ultrafast", "tune": "zerolatency",
                                   "g": str(max(1, round(self.fps))), "bf": "0"}
        self._stream = s

    def write(self, rgb: np.ndarray) -> None:
        import av

        rgb = validate_image(rgb)
        if self._out is None:
            raise DriverError(f"stream {self.url} is closed")
        h, w = (rgb.shape[0] // 2) * 2, (rgb.shape[1] // 2) * 2
        if self._stream is None:
            self._open_stream(w, h)
        if (w, h) != (self._stream.width, self._stream.height):
            import cv2

            rgb = cv2.resize(rgb, (self._stream.width, self._stream.height), interpolation=cv2.INTER_AREA)
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb[:self._stream.height, :self._stream.width]),
                                           format="rgb24")
        frame.pts = self.frames_written
        try:
            self._out.mux(self._stream.encode(frame))
        except (av.FFmpegError, OSError) as e:
            raise DriverError(f"stream {self.url}: {e}") from None
        self.frames_written += 1

    def close(self) -> None:
        out, self._out = self._out, None
        if out is None:
            return
        try:
            if self._stream is not None:
                out.mux(self._stream.encode(None))   # flush the encoder
        except Exception:  # noqa: BLE001 - a receiver gone at the end loses only the tail
            pass
        finally:
            out.close()

    def __enter__(self) -> "StreamSink":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_sink(target, fps: float = 30.0, audio_from=None, size=None):
    """A StreamSink for a URL (connected now when `size` (w, h) is given), else a VideoSink (which
    keeps `audio_from`'s sound: a DriverStream of a file or a path; a camera has none)."""
    if is_stream_url(target):
        return StreamSink(target, fps, size=size)
    if isinstance(audio_from, DriverStream):
        audio_from = None if audio_from.is_camera else audio_from.name
    return VideoSink(target, fps, audio_from=audio_from)


class Pacer:
    """Holds a loop to `fps` ticks a second (a file read faster than real time, sent to a live
    output). A tick that comes late restarts the schedule rather than bursting to catch up."""

    def __init__(self, fps: float):
        self.period = 1.0 / fps if fps and fps > 0 else 0.0
        self._next: float | None = None

    def wait(self) -> None:
        now = time.monotonic()
        if self._next is None or now > self._next + self.period:
            self._next = now
        elif now < self._next:
            time.sleep(self._next - now)
        self._next += self.period


class _VirtualCamera:
    def __init__(self, cam):
        self._cam = cam
        self.device = cam.device

    def send(self, rgb: np.ndarray) -> None:
        import cv2

        if rgb.shape[1] != self._cam.width or rgb.shape[0] != self._cam.height:
            rgb = cv2.resize(rgb, (self._cam.width, self._cam.height), interpolation=cv2.INTER_AREA)
        self._cam.send(np.ascontiguousarray(rgb))

    def close(self) -> None:
        self._cam.close()


def open_virtual_camera(width: int, height: int, fps: float):
    """A system virtual camera taking width x height RGB frames (`send(rgb)`, `close()`, `device`).
    DriverError at once, naming what to install, when pyvirtualcam or its backend is missing."""
    try:
        import pyvirtualcam
    except ImportError:
        raise DriverError("the virtual camera needs pyvirtualcam: pip install pyvirtualcam, and a backend: "
                          "v4l2loopback on Linux (apt install v4l2loopback-dkms; modprobe v4l2loopback), "
                          "OBS Virtual Camera on Windows and macOS") from None
    try:
        cam = pyvirtualcam.Camera(width=int(width), height=int(height), fps=float(fps))
    except Exception as e:  # noqa: BLE001 - pyvirtualcam raises RuntimeError without a backend
        hint = (" (install v4l2loopback: apt install v4l2loopback-dkms; modprobe v4l2loopback)"
                if sys.platform.startswith("linux") else " (install OBS and start its Virtual Camera once)")
        raise DriverError(f"cannot open a virtual camera: {e}{hint}") from None
    return _VirtualCamera(cam)


def write_video(path, frames: Iterable[np.ndarray], fps: float = 30.0) -> int:
    """Write RGB frames to `path` as they come; returns the number written. The writer is released
    (and the frames so far kept) whatever happens."""
    with VideoSink(path, fps) as sink:
        for f in frames:
            sink.write(f)
        return sink.frames_written
