"""The backend interface shared by the torch, ONNX Runtime and TensorRT backends.

A backend runs one graph (completion, editing mapping, editing generator or fused editing).
Tensors are addressed by name, never by position:

    backend.input_specs   -> [TensorSpec(name, dtype, shape)]   (-1 = dynamic dimension)
    backend.output_specs  -> [TensorSpec(...)]
    backend.run({"uv": x, "code": c}) -> {"uv_edit": y}         (host NumPy arrays)
    backend.run_device(inputs, outputs, stream)                  (device arrays, GPU backends only)

Inputs are validated before anything runs: missing or extra names, wrong dtype, wrong rank or
shape and non-finite values raise a ``ValueError``/``TypeError`` that names the tensor.
This module imports NumPy only (no torch, no onnxruntime, no TensorRT).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from ..errors import InputError

__all__ = [
    "TensorSpec",
    "Backend",
    "BackendUnavailable",
    "validate_inputs",
    "check_onnx_file",
    "specs_from_onnx",
]


class BackendUnavailable(RuntimeError):
    """The backend cannot run on this machine (library missing, no GPU, ...)."""


@dataclass(frozen=True)
class TensorSpec:
    """Name, NumPy dtype name and shape of one graph input or output (-1 = dynamic)."""

    name: str
    dtype: str
    shape: tuple[int, ...]

    def __post_init__(self):
        object.__setattr__(self, "dtype", np.dtype(self.dtype).name)
        object.__setattr__(self, "shape", tuple(int(d) if d is not None and int(d) >= 0 else -1
                                                for d in self.shape))

    @property
    def rank(self) -> int:
        return len(self.shape)

    def describe(self) -> str:
        dims = ",".join("N" if d < 0 else str(d) for d in self.shape)
        return f"{self.name}: {self.dtype}[{dims}]"


def _shape_ok(spec_shape: Sequence[int], shape: Sequence[int]) -> bool:
    return len(spec_shape) == len(shape) and all(s < 0 or s == d for s, d in zip(spec_shape, shape))


def validate_inputs(specs: Sequence[TensorSpec], inputs: Mapping[str, Any], *,
                    check_finite: bool = True, same_batch: bool = True,
                    max_batch: int | None = None, where: str = "backend") -> None:
    """Check ``inputs`` (name -> array-like with .dtype/.shape) against ``specs``.

    Raises ``TypeError`` for a non-mapping, a non-array value or a wrong dtype, and ``ValueError``
    for missing/extra names, a wrong rank or shape, mismatched batch sizes, a batch over
    ``max_batch`` and NaN/Inf values (NumPy and CuPy arrays are checked for finiteness).
    """
    if not isinstance(inputs, Mapping):
        raise TypeError(f"{where}: inputs must be a dict name -> array, got {type(inputs).__name__}")
    names = [s.name for s in specs]
    missing = [n for n in names if n not in inputs]
    extra = [n for n in inputs if n not in names]
    if missing or extra:
        msg = []
        if missing:
            msg.append(f"missing input(s) {missing}")
        if extra:
            msg.append(f"unexpected input(s) {extra}")
        raise ValueError(f"{where}: {'; '.join(msg)}; expected {[s.describe() for s in specs]}")
    batch = None
    for spec in specs:
        arr = inputs[spec.name]
        if not (hasattr(arr, "dtype") and hasattr(arr, "shape")):
            raise TypeError(f"{where}: input '{spec.name}' must be an array, got {type(arr).__name__}")
        if np.dtype(arr.dtype) != np.dtype(spec.dtype):
            raise TypeError(f"{where}: input '{spec.name}' has dtype {np.dtype(arr.dtype).name}, "
                            f"expected {spec.dtype}")
        shape = tuple(int(d) for d in arr.shape)
        if not _shape_ok(spec.shape, shape):
            kind = "rank" if len(shape) != spec.rank else "shape"
            raise ValueError(f"{where}: input '{spec.name}' has wrong {kind} {shape}, expected "
                             f"{spec.describe()}")
        if spec.rank and spec.shape[0] < 0:
            if shape[0] < 1:
                raise ValueError(f"{where}: input '{spec.name}' has an empty batch")
            if max_batch is not None and shape[0] > max_batch:
                raise ValueError(f"{where}: input '{spec.name}' has batch {shape[0]}, over the "
                                 f"maximum {max_batch} of this backend's shape profile")
            if same_batch:
                if batch is None:
                    batch = (spec.name, shape[0])
                elif shape[0] != batch[1]:
                    raise ValueError(f"{where}: input '{spec.name}' has batch {shape[0]} but "
                                     f"'{batch[0]}' has batch {batch[1]}")
        if check_finite and np.dtype(arr.dtype).kind == "f":
            if isinstance(arr, np.ndarray):
                finite = bool(np.isfinite(arr).all())
            else:  # CuPy and friends: use the array's own module
                xp = _array_module(arr)
                finite = bool(xp.isfinite(arr).all())
            if not finite:
                raise ValueError(f"{where}: input '{spec.name}' contains NaN or Inf values")


def _array_module(arr):
    mod = type(arr).__module__.split(".")[0]
    if mod == "cupy":
        import cupy  # noqa: PLC0415
        return cupy
    return np


class Backend:
    """Base class: subclasses set ``_inputs``/``_outputs`` and implement ``_run``."""

    name = "base"
    max_batch: int | None = None
    device_path = False   # True where run_device takes and fills device arrays

    def __init__(self):
        self._inputs: list[TensorSpec] = []
        self._outputs: list[TensorSpec] = []
        self.metadata: dict[str, str] = {}

    @property
    def input_specs(self) -> list[TensorSpec]:
        return list(self._inputs)

    @property
    def output_specs(self) -> list[TensorSpec]:
        return list(self._outputs)

    @property
    def input_names(self) -> list[str]:
        return [s.name for s in self._inputs]

    @property
    def output_names(self) -> list[str]:
        return [s.name for s in self._outputs]

    def validate(self, inputs: Mapping[str, Any], check_finite: bool = True) -> None:
        validate_inputs(self._inputs, inputs, check_finite=check_finite,
                        max_batch=self.max_batch, where=f"{self.name}")

    def run(self, inputs: Mapping[str, np.ndarray], check_finite: bool = True) -> dict[str, np.ndarray]:
        """Host arrays in, host arrays out, by name."""
        self.validate(inputs, check_finite=check_finite)
        return self._run({k: np.ascontiguousarray(v) for k, v in inputs.items()})

    def _run(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:  # pragma: no cover
        raise NotImplementedError

    def run_device(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any] | None = None,
                   stream: Any = None, check_finite: bool = False) -> dict[str, Any]:
        """Device arrays in and out (GPU backends). ``outputs`` may be preallocated."""
        raise NotImplementedError(f"backend '{self.name}' has no device-buffer path; use run()")

    def __call__(self, **inputs):
        return self.run(inputs)

    def __repr__(self):
        ins = ", ".join(s.describe() for s in self._inputs)
        outs = ", ".join(s.describe() for s in self._outputs)
        return f"<{type(self).__name__} ({ins}) -> ({outs})>"


_ONNX_DTYPES = {1: "float32", 10: "float16", 11: "float64", 7: "int64", 6: "int32", 9: "bool",
                2: "uint8", 3: "int8", 16: "bfloat16"}


def onnx_dtype_name(elem_type: int) -> str:
    try:
        return _ONNX_DTYPES[elem_type]
    except KeyError:
        raise TypeError(f"unsupported ONNX element type {elem_type}") from None


def check_onnx_file(path: str | os.PathLike, expected_inputs: Sequence[str] | None = None,
                    expected_outputs: Sequence[str] | None = None):
    """Load and check an ONNX file; return the ``onnx.ModelProto``.

    Raises ``FileNotFoundError`` if it does not exist and ``InputError`` (a ValueError) if it is not an ONNX model,
    fails ``onnx.checker`` (e.g. a node reads a tensor nothing produces), or lacks inputs/outputs
    named in ``expected_inputs``/``expected_outputs``.
    """
    import onnx  # noqa: PLC0415

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"ONNX file not found: {path}")
    try:
        model = onnx.load(path)
    except Exception as exc:  # protobuf DecodeError and friends
        raise InputError(f"{path} is not a valid ONNX model ({type(exc).__name__}: {exc})") from exc
    if not model.graph.node and not model.graph.input:
        raise InputError(f"{path} is not a valid ONNX model (empty graph)")
    try:
        onnx.checker.check_model(model, full_check=False)
    except Exception as exc:
        raise InputError(f"{path} failed the ONNX checker: {exc}") from exc
    init_names = {i.name for i in model.graph.initializer}
    names = [i.name for i in model.graph.input if i.name not in init_names]
    if expected_inputs is not None:
        missing = [n for n in expected_inputs if n not in names]
        if missing:
            raise InputError(f"{path}: graph is missing input(s) {missing}; it has {names}")
    if expected_outputs is not None:
        outs = [o.name for o in model.graph.output]
        missing = [n for n in expected_outputs if n not in outs]
        if missing:
            raise InputError(f"{path}: graph is missing output(s) {missing}; it has {outs}")
    return model


def specs_from_onnx(model) -> tuple[list[TensorSpec], list[TensorSpec]]:
    """Input/output specs of an ``onnx.ModelProto`` (symbolic dims -> -1)."""
    init_names = {i.name for i in model.graph.initializer}

    def spec(vi):
        t = vi.type.tensor_type
        shape = [d.dim_value if d.HasField("dim_value") else -1 for d in t.shape.dim]
        return TensorSpec(vi.name, onnx_dtype_name(t.elem_type), tuple(shape))

    ins = [spec(v) for v in model.graph.input if v.name not in init_names]
    outs = [spec(v) for v in model.graph.output]
    return ins, outs

