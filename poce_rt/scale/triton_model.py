"""The `poce_edit` model that Triton serves: batches of (image, params) -> edited images.

    inputs   image  UINT8 [-1, -1, 3]  RGB            (per request; Triton adds the batch axis)
             params BYTES [1]          the JSON of EditParams (the studio's /api/edit body)
    output   image  UINT8 [-1, -1, 3]

`EditModel.infer(requests)` takes PyTriton's list of requests (dicts of arrays with the batch axis)
and returns one dict per request, so requests of different image sizes never share a tensor. A bad
item (invalid JSON, no face) raises InputError with the reason, which PyTriton sends back as the
error of that call. Nothing here imports PyTriton.
"""
from __future__ import annotations

import threading

import numpy as np

from ..errors import InputError

MODEL_NAME = "poce_edit"


class EditModel:
    """One Editor shared by Triton's model instances (its calls are serialised: MediaPipe's
    tracker and the frame loop keep state)."""

    def __init__(self, model_dir=None, device: str = "cpu", backend: str = "auto", bundle=None):
        from ..pipeline import Editor, EditorConfig

        self.editor = Editor(model_dir, backend=backend, device=device, config=EditorConfig(bundle=bundle))
        self._lock = threading.Lock()

    def close(self) -> None:
        self.editor.close()

    def edit_one(self, image: np.ndarray, params) -> np.ndarray:
        """image [H,W,3] uint8, params: JSON (bytes/str) -> [H,W,3] uint8. InputError when bad."""
        from ..edit_params import EditParams
        from ..tracker import NoFaceError

        p = EditParams.parse(params)
        with self._lock:
            try:
                return np.ascontiguousarray(p.apply(self.editor, np.ascontiguousarray(image)).image)
            except NoFaceError as e:
                raise InputError(str(e)) from None

    def infer(self, requests: list) -> list:
        """PyTriton's batch of requests -> one {"image": [B,H,W,3]} per request."""
        out = []
        for r in requests:
            images, params = r["image"], r["params"]
            if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
                raise InputError(f"image: UINT8 [batch, H, W, 3] expected, got {images.dtype} {list(images.shape)}")
            edited = [self.edit_one(images[b], _param(params, b)) for b in range(images.shape[0])]
            out.append({"image": np.stack(edited)})
        return out


def _param(params: np.ndarray, b: int):
    """The b-th item's JSON from a BYTES tensor [B, 1] (object array of bytes)."""
    v = params.reshape(params.shape[0], -1)[b, 0] if params.size else b""
    return v if isinstance(v, (bytes, str)) else bytes(v)
