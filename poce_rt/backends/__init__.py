"""Inference backends behind one interface (see ``base.Backend``).

* ``torch``: the PyTorch modules themselves (reference; torch imported lazily).
* ``onnxruntime``: the exported ONNX graphs on the CPU (the embedded default).
* ``tensorrt``: engines built from the same graphs with TensorRT or TensorRT-RTX, run on CuPy
  device buffers bound by tensor name.

This package imports without torch, onnxruntime, TensorRT or CuPy; each backend imports its
library when it is created. ``doctor_report()`` says which backends can run here and why not.
"""
from __future__ import annotations

import os
from typing import Any

from .base import Backend, BackendUnavailable, TensorSpec, check_onnx_file, validate_inputs

__all__ = ["Backend", "BackendUnavailable", "TensorSpec", "validate_inputs", "check_onnx_file",
           "doctor_report", "load_backend", "BACKENDS"]

BACKENDS = ("torch", "onnxruntime", "tensorrt")


def load_backend(name: str, path: str | os.PathLike, **kw: Any) -> Backend:
    """Create a backend for one graph: ``'onnxruntime'`` takes an ``.onnx`` file, ``'tensorrt'``
    an ``.onnx`` (built through the engine cache; ``precision``/``engine_dir`` keywords) or an
    ``.engine`` file. ``'torch'`` runs the module the weights file ``path`` was loaded into
    (``module``, ``input_specs``, ``output_specs``, ``device`` keywords: see ``TorchBackend``)."""
    if name in ("onnxruntime", "ort"):
        from .ort import OrtBackend  # noqa: PLC0415
        return OrtBackend(path, **kw)
    if name in ("tensorrt", "trt"):
        from .trt import TrtBackend, check_gpu_supported, import_tensorrt  # noqa: PLC0415
        # fail before spending a build on a machine that cannot run it: no GPU, or one the
        # flavour has no target for (TensorRT-RTX on an H100/H200)
        check_gpu_supported(import_tensorrt()[1])
        if str(path).endswith(".onnx"):
            from .engines import EngineCache  # noqa: PLC0415
            cache = EngineCache(kw.pop("engine_dir", None))
            path = cache.get(path, kw.pop("precision", None))
        return TrtBackend(path, **kw)
    if name == "torch":
        from .torch_backend import TorchBackend  # noqa: PLC0415
        backend = TorchBackend(**kw)
        backend.metadata["source"] = os.fspath(path)
        return backend
    raise ValueError(f"unknown backend {name!r}; one of {list(BACKENDS)}")


def doctor_report() -> dict:
    """Which backends can run on this machine, and why not.

    ``{'torch': {'available': bool, 'detail': str}, 'onnxruntime': {...},
    'tensorrt': {'available': bool (can run), 'can_build': bool, 'flavour', 'version',
    'targets': [...], 'default_target': str, 'detail': str}, 'gpu': {...}, 'default': name}``
    """
    from .ort import ort_available  # noqa: PLC0415
    from .torch_backend import torch_available  # noqa: PLC0415
    from .trt import (default_target_label, gpu_info, import_tensorrt, supported_targets,  # noqa: PLC0415
                      trt_available)

    rep: dict[str, Any] = {}
    ok, why = torch_available()
    rep["torch"] = {"available": ok, "detail": why}
    ok, why = ort_available()
    rep["onnxruntime"] = {"available": ok, "detail": why}
    can_build, can_run, why = trt_available()
    trt_rep: dict[str, Any] = {"available": can_run, "can_build": can_build, "detail": why}
    try:
        trt, flavour = import_tensorrt()
        trt_rep.update(flavour=flavour, version=str(trt.__version__),
                       targets=supported_targets(), default_target=default_target_label())
    except BackendUnavailable:
        pass
    rep["tensorrt"] = trt_rep
    rep["gpu"] = gpu_info()
    rep["default"] = ("tensorrt" if can_run else "onnxruntime" if rep["onnxruntime"]["available"]
                      else "torch" if rep["torch"]["available"] else None)
    return rep
