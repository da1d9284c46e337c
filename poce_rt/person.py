"""Who is a person about a head: MediaPipe's selfie segmenter, read once per source.

poce_rt.hair tells hair, skin and backdrop apart by colour, and needs the backdrop's colours. On
a portrait the photo's side borders show them; in a group photo they show other people (t1.jpg:
a bare arm, an orange wall), and a face as pale as a neighbour's skin read as backdrop (53% of
t1.jpg face 1's pixels within 8 Lab of a border colour), the wall beside it as hair, a blonde
head of hair as backdrop (the head proxy then stopped at the forehead). Colour cannot settle
it; a segmenter can (poce_rt.colour_classes.photo_colours: only where the borders hold the face's skin).

person_map reads a square about the head (CROP oval radii from its centre, the photo's edge
replicated beyond it) at the model's 256 x 256 and returns the chance of a person there, in the
photo's pixels. The model ships in MediaPipe's 0.10 wheels (poce_rt.assets.segmenter_path) and
runs on MediaPipe's Tasks ImageSegmenter, the same runtime as the face landmarker: no torch.
Where it cannot run (no model can be had, an old MediaPipe), person_map returns None, says why
once, and the callers fall back to the borders' colours. POCE_RT_PERSON=0 turns it off.
"""
from __future__ import annotations

import os
import threading
import warnings
from typing import NamedTuple

import cv2
import numpy as np

CROP = 3.2          # the square read about the head: its half side, in the oval's mean radius
SIZE = 256          # the model's input side
_lock = threading.Lock()
_failed: list = []   # why no segmenter can run here, once known (said once)


class PersonMap(NamedTuple):
    """prob [n,n] float32 in [0,1]: the chance of a person at each photo pixel of the square whose
    top-left pixel is origin (x0, y0); it may reach beyond the photo (the photo's edge, replicated)."""

    prob: np.ndarray
    origin: tuple

    def at(self, xy: np.ndarray) -> np.ndarray:
        """[...,2] photo pixel positions -> [...] float32: prob there (0 outside the square)."""
        n = self.prob.shape[0]
        ij = np.round(np.asarray(xy, np.float64) - self.origin).astype(np.int64)
        ok = (ij >= 0).all(-1) & (ij < n).all(-1)
        out = np.zeros(ij.shape[:-1], np.float32)
        out[ok] = self.prob[ij[ok][:, 1], ij[ok][:, 0]]
        return out


def _open():
    """A new ImageSegmenter (~6 ms; closed by the caller: one kept open for the process is torn
    down after MediaPipe's own threads at exit, and its __del__ then fails), or None where none
    can run here (why: said once)."""
    if _failed:
        return None
    try:
        from ._mediapipe import task_api
        from .assets import segmenter_path

        task, base, mode, _, _ = task_api("image_segmenter")
        opts = task.ImageSegmenterOptions(base_options=base(model_asset_path=str(segmenter_path())),
                                          running_mode=mode.IMAGE, output_confidence_masks=True,
                                          output_category_mask=False)
        return task.ImageSegmenter.create_from_options(opts)
    except Exception as e:   # no model, no network, an old MediaPipe: the colours alone, said once
        with _lock:
            if not _failed:
                _failed.append(f"{type(e).__name__}: {e}")
                warnings.warn(f"poce_rt.person: no person segmenter ({_failed[0]}); the backdrop is read "
                              "on the photo's borders", RuntimeWarning, stacklevel=3)
        return None


def available() -> bool:
    """Whether person_map can run here (False with POCE_RT_PERSON=0)."""
    if os.environ.get("POCE_RT_PERSON", "1") == "0":
        return False
    seg = _open()
    if seg is not None:
        seg.close()
    return seg is not None


def person_map(image: np.ndarray, oval: np.ndarray) -> PersonMap | None:
    """image [H,W,3] uint8 RGB, oval [K,2] the face oval (pixels) -> PersonMap of the square
    about it, or None where no segmenter runs (module docstring)."""
    if os.environ.get("POCE_RT_PERSON", "1") == "0":
        return None
    oval = np.asarray(oval, np.float64)
    if oval.ndim != 2 or oval.shape[1] != 2 or not np.isfinite(oval).all():
        raise ValueError(f"oval must be finite [K,2] pixels, got shape {oval.shape}")
    seg = _open()
    if seg is None:
        return None
    c = oval.mean(0)
    r = max(float(np.linalg.norm(oval - c, axis=1).mean()), 1.0)
    n = max(int(np.ceil(2 * CROP * r)), 8)
    x0, y0 = int(np.floor(c[0] - n / 2)), int(np.floor(c[1] - n / 2))
    # the square in the photo's pixels, the photo's edge replicated beyond it (a face at its border)
    h, w = image.shape[:2]
    xs = np.clip(np.arange(x0, x0 + n), 0, w - 1)
    ys = np.clip(np.arange(y0, y0 + n), 0, h - 1)
    crop = np.ascontiguousarray(np.asarray(image)[ys][:, xs, :3])
    small = cv2.resize(crop, (SIZE, SIZE), interpolation=cv2.INTER_AREA if n > SIZE else cv2.INTER_LINEAR)
    from ._mediapipe import task_api

    _, _, _, mp_image, fmt = task_api("image_segmenter")
    with seg:
        masks = seg.segment(mp_image(image_format=fmt.SRGB, data=np.ascontiguousarray(small))).confidence_masks
        prob = np.array(masks[-1].numpy_view(), np.float32).reshape(SIZE, SIZE)   # a copy: the graph's buffer
    prob = cv2.resize(prob, (n, n), interpolation=cv2.INTER_LINEAR)
    return PersonMap(np.clip(prob, 0.0, 1.0), (x0, y0))
