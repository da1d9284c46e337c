"""Face animation with a crop-space model (``poce-rt reenact --model DIR`` where the directory holds
an image-space system such as F3A-GAN): each output frame is generated from the source photo
directly, never from the previous output (F3A-GAN's one-to-one, non-recursive generation, so errors
do not accumulate), with the source mesh moved by the driver's change of expression code and head
pose since its first face (relative; or the driver's own code and angles with relative=False).

The same outward shape as poce_rt.reenact.Reenactor (a context manager whose ``run(timed_frames)``
yields ReenactFrame), so the CLI's loop, sinks and signals serve both.
"""
from __future__ import annotations

from typing import Iterable, Iterator

import numpy as np

from ..errors import InputError
from ..reenact import STATUS_LOST, STATUS_OK, STATUS_WAITING, ReenactFrame


class CropReenactor:
    """source_image: [H,W,3] uint8 RGB with a face (NoFaceError otherwise)."""

    def __init__(self, model_dir, source_image: np.ndarray, *, backend: str = "auto", device: str = "cpu",
                 relative: bool = True, bundle=None):
        from .edit_cli import open_crop_editor

        self.source = np.ascontiguousarray(source_image)
        self.relative = relative
        self.editor = open_crop_editor(model_dir, backend, device, bundle)
        try:
            self.face = self.editor.editor.track(self.source)
        except Exception:
            self.editor.close()
            raise

    def close(self) -> None:
        self.editor.close()

    def __enter__(self) -> "CropReenactor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run(self, timed_frames: Iterable[tuple[np.ndarray, float]]) -> Iterator[ReenactFrame]:
        """(driver frame [h,w,3] uint8 RGB, timestamp s) -> one ReenactFrame each, source-sized."""
        from ..tracker import NoFaceError

        first = None
        last = self.source
        for i, (frame, t) in enumerate(timed_frames):
            try:
                d = self.editor.editor.track(frame)
            except NoFaceError:
                yield ReenactFrame(i, last.copy(), STATUS_LOST if first is not None else STATUS_WAITING, t)
                continue
            first = first or d
            pose = (d.pose.pitch, d.pose.yaw, d.pose.roll)
            if self.relative:
                code = d.blendshapes - first.blendshapes
                pose = tuple(a - b for a, b in zip(pose, (first.pose.pitch, first.pose.yaw, first.pose.roll)))
            else:
                code = d.blendshapes
            try:
                res = self.editor.edit(self.source, expression=code, relative=self.relative, pose=pose,
                                       pose_relative=self.relative, face=self.face)
            except InputError:   # a pose past poce_rt.limits: keep the expression, drop the turn
                res = self.editor.edit(self.source, expression=code, relative=self.relative, face=self.face)
            last = res.image
            yield ReenactFrame(i, last, STATUS_OK, t, driver_pose=(d.pose.pitch, d.pose.yaw, d.pose.roll),
                               driver_code=d.blendshapes.copy(), pose=pose, code=np.asarray(code).copy())
