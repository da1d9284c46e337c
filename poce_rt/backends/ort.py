"""ONNX Runtime backend (CPU by default): the embedded default of poce-rt."""
from __future__ import annotations

import os
from typing import Mapping, Sequence

import numpy as np

from ..errors import InputError
from .base import Backend, BackendUnavailable, check_onnx_file, specs_from_onnx

__all__ = ["OrtBackend", "ort_available"]


def ort_available() -> tuple[bool, str]:
    try:
        import onnxruntime as ort  # noqa: PLC0415
    except Exception as exc:  # pragma: no cover - onnxruntime is a runtime dependency
        return False, f"onnxruntime does not import: {exc}"
    return True, f"onnxruntime {ort.__version__}, providers {ort.get_available_providers()}"


class OrtBackend(Backend):
    """Run an exported ONNX graph with ONNX Runtime.

    ``path``: the ``.onnx`` file. ``expected_inputs``: names the graph must have (a graph without
    them is refused with a ``ValueError``). ``threads``: intra-op threads (default: ORT's choice).
    """

    name = "onnxruntime"

    def __init__(self, path: str | os.PathLike, *, providers: Sequence[str] | None = None,
                 threads: int | None = None, expected_inputs: Sequence[str] | None = None,
                 expected_outputs: Sequence[str] | None = None):
        super().__init__()
        try:
            import onnxruntime as ort  # noqa: PLC0415
        except Exception as exc:  # pragma: no cover
            raise BackendUnavailable(f"onnxruntime does not import: {exc}") from exc
        self.path = os.fspath(path)
        model = check_onnx_file(self.path, expected_inputs, expected_outputs)
        self.metadata = {p.key: p.value for p in model.metadata_props}
        self._inputs, self._outputs = specs_from_onnx(model)
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        if threads:
            opts.intra_op_num_threads = int(threads)
        providers = list(providers) if providers else ["CPUExecutionProvider"]
        try:
            self.session = ort.InferenceSession(model.SerializeToString(), opts, providers=providers)
        except Exception as exc:
            raise InputError(f"onnxruntime cannot load {self.path}: {exc}") from exc
        del model

    def _run(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        outs = self.session.run(self.output_names, dict(inputs))
        return dict(zip(self.output_names, outs))
