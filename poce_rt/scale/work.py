"""One batch worker: a prepared Editor (models loaded once), items in, outputs and records out.

The same class runs as a Ray actor (poce_rt.scale.batch) and as a plain object in one process (the
benchmark's baseline loop): Ray adds only the scheduling. Nothing here imports Ray.

Every output goes to a temporary name beside its final path and is renamed into place only when it
is complete, so OUT never holds a half-written file under a final name. A bad item (unreadable
file, no face, a video that cannot be decoded) comes back as a 'failed' record with its error; it
never raises out of `run`.
"""
from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import InputError, one_line
from .items import Item

COMMANDS = ("edit", "pose", "reenact")


@dataclass(frozen=True)
class WorkSpec:
    """What every item of a job gets done to it (picklable: sent once to each worker).

    command: 'edit' | 'pose' | 'reenact'. params: the EditParams JSON (edit, pose).
    reference: a photo whose expression is transplanted (edit; under params.mask).
    model / backend / device / blend / uv_size / subdivisions / bundle: the Editor's.
    max_frames: at most this many frames of each video (None: all).
    relative: reenactment applies the driver's motion (True) or copies its absolute state.
    threads: kernel threads of each worker (poce_rt.ops.set_num_threads).
    """

    command: str
    params: str = ""
    reference: str | None = None
    model: str | None = None
    backend: str = "auto"
    device: str = "cpu"
    blend: str = "feather"
    uv_size: int = 256
    subdivisions: int = 0
    bundle: str | None = None
    max_frames: int | None = None
    relative: bool = True
    threads: int = 1

    def __post_init__(self):
        if self.command not in COMMANDS:
            raise InputError(f"command must be one of {', '.join(COMMANDS)}, got {self.command!r}")
        from ..edit_params import EditParams

        EditParams.parse(self.params)   # refused here, in the driver, not once per item

    def to_json(self) -> str:
        """The parameters that decide an output (for the manifest's fingerprint)."""
        d = asdict(self)
        d.pop("threads")
        return json.dumps(d, sort_keys=True)


class Worker:
    """Holds one Editor for its lifetime; `run(item, out_dir)` -> a manifest record (a dict)."""

    def __init__(self, spec: WorkSpec):
        from ..edit_params import EditParams
        from ..ops import set_num_threads
        from ..pipeline import Editor, EditorConfig

        self.spec = spec
        set_num_threads(max(1, int(spec.threads)))
        self.params = EditParams.parse(spec.params)
        config = EditorConfig(uv_size=spec.uv_size, subdivisions=spec.subdivisions, blend=spec.blend,
                              bundle=spec.bundle)
        self.editor = Editor(spec.model, backend=spec.backend, device=spec.device, config=config)
        self.reference = None
        if spec.reference:
            from ..assets import load_image

            self.reference = load_image(spec.reference)
        self.name = f"{socket.gethostname()}:{os.getpid()}"

    def close(self) -> None:
        self.editor.close()

    def run(self, item: Item, out_dir: str) -> dict:
        final = Path(out_dir) / item.output
        t0 = time.perf_counter()
        rec = {"item": item.key, "kind": item.kind, "inputs": list(item.inputs), "output": item.output,
               "worker": self.name}
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            if item.kind == "image":
                rec.update(self._image(item.inputs[0], final))
            else:
                rec.update(self._video(item, final))
            rec.update(status="done", error=None)
        except Exception as e:  # noqa: BLE001 - a bad item is recorded, never stops the job
            rec.update(status="failed", error=f"{type(e).__name__}: {one_line(e)}")
        rec["seconds"] = round(time.perf_counter() - t0, 3)
        return rec

    # -- the three kinds of item
    def _image(self, path: str, final: Path) -> dict:
        import cv2

        from ..assets import load_image
        from ..cli import write_atomic

        res = self.params.apply(self.editor, load_image(path), reference=self.reference)
        ok, buf = cv2.imencode(".png", cv2.cvtColor(res.image, cv2.COLOR_RGB2BGR))
        if not ok:
            raise InputError(f"could not encode {final}")
        write_atomic(final, buf.tobytes())
        return {"frames": 1}

    def _video(self, item: Item, final: Path) -> dict:
        """Frames go to a temporary video (VideoSink: itself written under a hidden name), renamed to
        `final` only when every frame is in; a failure deletes it."""
        from ..video import DriverError, open_driver

        driver_path = item.inputs[-1]
        tmp = final.with_name(f".{final.stem}.{os.getpid()}.partial{final.suffix}")
        try:
            driver = open_driver(driver_path)
        except DriverError as e:
            raise InputError(str(e)) from None
        try:
            with driver, _sink(tmp, driver.fps, driver_path) as sink:
                frames = self._frames(item, driver)
                stats = {"frames": 0, "frames_without_face": 0}
                for image, face_found in frames:
                    sink.write(image)
                    stats["frames"] += 1
                    stats["frames_without_face"] += not face_found
                    if self.spec.max_frames is not None and stats["frames"] >= self.spec.max_frames:
                        break
                frames.close()
            if driver.ended_early:
                stats["note"] = f"driver {driver.ended_early}"
            if getattr(sink, "audio_note", None):
                stats["audio"] = sink.audio_note   # why the output is silent
            if item.kind == "video" and stats["frames"] and stats["frames_without_face"] == stats["frames"]:
                raise InputError(f"no face found in any of the {stats['frames']} frames of {driver_path}")
            os.replace(tmp, final)
            return stats
        finally:
            tmp.unlink(missing_ok=True)

    def _frames(self, item: Item, driver):
        """(output frame, face found) per driver frame: the edit of each frame of a video, or the
        source reenacted by a driver (a pair)."""
        from ..tracker import NoFaceError

        if item.kind == "video":
            for frame in driver:
                try:
                    yield self.params.apply(self.editor, frame, reference=self.reference).image, True
                except NoFaceError:
                    yield frame, False   # kept as it is: a cut without a face is still part of the shot
            return
        from ..assets import load_image
        from ..reenact import ReenactConfig, Reenactor

        config = ReenactConfig(relative=self.spec.relative, fps=driver.fps, bundle=self.spec.bundle)
        with Reenactor(load_image(item.inputs[0]), editor=self.editor, config=config) as reen:
            for out in reen.run(driver.timed()):
                yield out.image, out.face_found


def _sink(path, fps: float, audio_from: str):
    """A VideoSink that keeps `audio_from`'s sound where the shared video module can remux it
    (VideoSink's `audio_from`); otherwise the video is silent."""
    import inspect

    from ..video import VideoSink

    if "audio_from" in inspect.signature(VideoSink).parameters:
        return VideoSink(path, fps, audio_from=audio_from)
    return VideoSink(path, fps)


def plain_loop(spec: WorkSpec, items, out_dir) -> list[dict]:
    """All items in this process, one after another (the baseline Ray is measured against)."""
    w = Worker(spec)
    try:
        return [w.run(it, out_dir) for it in items]
    finally:
        w.close()

