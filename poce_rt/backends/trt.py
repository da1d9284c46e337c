"""TensorRT backend: one small adapter over NVIDIA TensorRT (``import tensorrt``) or TensorRT for
RTX (``import tensorrt_rtx``), whichever imports (TensorRT first; ``POCE_RT_TRT=tensorrt_rtx``
forces a flavour).

* ``build_engine(onnx_path, ...)`` compiles an ONNX graph into serialized engine bytes, strongly
  typed (precision comes from the ONNX tensor types: export fp16 graphs for fp16 engines), with one
  optimization profile for a dynamic batch (min 1, opt 1, max 8 by default). It needs no GPU with
  TensorRT-RTX: on a CPU-only machine the engine is built ahead-of-time for the default targets
  (compute capability 8.0/8.6/8.9/12.0+) or the ``targets`` given (e.g. ``["SM75"]`` for Turing).
* ``engine_validity(data)`` reads an engine header with ``Runtime.get_engine_validity``.
* ``TrtBackend(engine_path)`` runs an engine with ``set_tensor_address`` + ``execute_async_v3`` on
  a CuPy stream, binding every tensor by name. It needs a CUDA GPU and raises
  ``BackendUnavailable`` with the reason otherwise.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
import time
from typing import Any, Mapping, Sequence

import numpy as np

from .base import Backend, BackendUnavailable, TensorSpec

__all__ = [
    "import_tensorrt", "trt_available", "gpu_info", "build_engine", "engine_validity",
    "flavour_supports", "check_gpu_supported", "RTX_TARGETS",
    "supported_targets", "default_target_label", "TrtBackend", "DEFAULT_PROFILE_BATCH",
    "MALFORMED_ENGINE",
]

log = logging.getLogger("poce_rt.trt")

# (min, opt, max) batch of the optimisation profile: the one default for builds and the engine cache's key.
DEFAULT_PROFILE_BATCH = (1, 1, 8)
MALFORMED_ENGINE = 32  # EngineInvalidityDiagnostics.MALFORMED_ENGINE
# TensorRT-RTX's compute-capability targets (its ComputeCapability enum, 1.7): the RTX cards of
# Turing, Ampere, Ada and Blackwell. No data-centre Hopper (sm90) or Blackwell (sm100) target:
# those GPUs need full TensorRT.
RTX_TARGETS = ("SM75", "SM80", "SM86", "SM89", "SM120", "SM121")
TRT_MIN_CC = (7, 5)   # full TensorRT 10 runs Turing and later
_TRT_CACHE: dict[str, Any] = {}


def import_tensorrt():
    """Return ``(module, flavour)`` with flavour ``'tensorrt'`` or ``'tensorrt_rtx'``.

    Raises ``BackendUnavailable`` if neither imports.
    """
    if "mod" in _TRT_CACHE:
        return _TRT_CACHE["mod"], _TRT_CACHE["flavour"]
    forced = os.environ.get("POCE_RT_TRT", "").strip()
    order = [forced] if forced else ["tensorrt", "tensorrt_rtx"]
    errors = []
    for name in order:
        if name not in ("tensorrt", "tensorrt_rtx"):
            raise BackendUnavailable(f"POCE_RT_TRT={name!r}: use 'tensorrt' or 'tensorrt_rtx'")
        try:
            mod = __import__(name)
            if not hasattr(mod, "Builder"):
                raise ImportError(f"{name} has no Builder (stub package?)")
        except Exception as exc:
            errors.append(f"{name}: {exc}")
            continue
        _TRT_CACHE.update(mod=mod, flavour=name)
        return mod, name
    raise BackendUnavailable("no TensorRT flavour imports (" + "; ".join(errors) +
                             "); pip install tensorrt-rtx")


def gpu_info() -> dict:
    """``{'count': n, 'name': ..., 'cc': 'sm90'}`` for device 0, or ``{'count': 0, 'reason': ...}``."""
    try:
        import cupy  # noqa: PLC0415
    except Exception as exc:
        return {"count": 0, "reason": f"cupy does not import ({exc})"}
    try:
        n = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:
        return {"count": 0, "reason": f"no usable CUDA GPU ({exc})".replace("\n", " ")}
    if n < 1:
        return {"count": 0, "reason": "no CUDA GPU found"}
    props = cupy.cuda.runtime.getDeviceProperties(0)
    name = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
    return {"count": n, "name": name, "cc": f"sm{props['major']}{props['minor']}"}


def _cc_tuple(cc) -> tuple[int, int]:
    """'sm90' / 'SM90' / '9.0' / (9, 0) -> (9, 0)."""
    if isinstance(cc, (tuple, list)):
        return int(cc[0]), int(cc[1])
    text = str(cc).strip().lower()
    if "." in text:
        major, minor = text.split(".", 1)
        return int(major), int(minor)
    digits = text[2:] if text.startswith("sm") else text
    if not digits.isdigit() or len(digits) < 2:
        raise ValueError(f"not a compute capability: {cc!r} (use e.g. 'sm86' or '8.6')")
    return int(digits[:-1]), int(digits[-1])


def flavour_supports(flavour: str, cc, targets: Sequence[str] | None = None) -> bool:
    """Whether TensorRT ``flavour`` ('tensorrt' or 'tensorrt_rtx') can run on a GPU of compute
    capability ``cc`` ('sm90', '9.0' or (9, 0)).

    TensorRT-RTX runs only the compute capabilities it has targets for (``targets``, by default
    RTX_TARGETS): on an H100/H200 (sm90) it builds nothing runnable. Full TensorRT runs Turing
    (sm75) and later.
    """
    major, minor = _cc_tuple(cc)
    if flavour == "tensorrt_rtx":
        return f"SM{major}{minor}" in {t.upper() for t in (targets or RTX_TARGETS)}
    if flavour == "tensorrt":
        return (major, minor) >= TRT_MIN_CC
    raise ValueError(f"unknown TensorRT flavour {flavour!r}")


def check_gpu_supported(flavour: str, gpu: Mapping | None = None) -> None:
    """Raise ``BackendUnavailable`` unless there is a GPU (``gpu_info()``) that ``flavour`` can run on."""
    gpu = gpu_info() if gpu is None else gpu
    if gpu["count"] < 1:
        raise BackendUnavailable(f"TensorRT backend needs a CUDA GPU: {gpu['reason']}. "
                                 "Use the onnxruntime backend on this machine.")
    targets = supported_targets() if flavour == "tensorrt_rtx" else None
    if not flavour_supports(flavour, gpu["cc"], targets or None):
        raise BackendUnavailable(
            f"{flavour} cannot run on {gpu['name']} ({gpu['cc']}): its targets are "
            f"{list(targets or RTX_TARGETS)}; install full TensorRT (pip install tensorrt) for this "
            "GPU, or use the torch/onnxruntime backends")


def trt_available() -> tuple[bool, bool, str]:
    """``(can_build, can_run, reason)``."""
    try:
        trt, flavour = import_tensorrt()
    except BackendUnavailable as exc:
        return False, False, str(exc)
    gpu = gpu_info()
    can_build = flavour == "tensorrt_rtx" or gpu["count"] > 0  # RTX builds ahead-of-time on a CPU
    why = f"{flavour} {trt.__version__}"
    if gpu["count"] > 0:
        try:
            check_gpu_supported(flavour, gpu)
        except BackendUnavailable as exc:
            return can_build, False, f"{why}; {exc}"
        return can_build, True, f"{why}; GPU {gpu['name']} ({gpu['cc']})"
    return can_build, False, (f"{why}; engines build ahead-of-time for {default_target_label()} but "
                              f"cannot run: {gpu['reason']}")


def supported_targets() -> list[str]:
    """Compute-capability targets this TensorRT accepts for ahead-of-time builds (RTX only)."""
    try:
        trt, _ = import_tensorrt()
    except BackendUnavailable:
        return []
    cc = getattr(trt, "ComputeCapability", None)
    if cc is None:
        return []
    return [n for n in cc.__members__ if n.startswith("SM")]


def default_target_label(targets: Sequence[str] | None = None) -> str:
    """What the cache key calls the build target: the GPU's ``smXY``, else ``aot-<targets>``."""
    if targets:
        return "aot-" + "+".join(sorted(t.lower() for t in targets))
    gpu = gpu_info()
    if gpu["count"] > 0:
        return gpu["cc"]
    return "aot-default"  # TensorRT-RTX's portable default: SM80, SM86, SM89, SM120 and later


def _logger(trt):
    """A TensorRT logger that forwards errors to Python logging ('poce_rt.trt') and drops the
    expected "cannot read GPU properties" lines that header checks print on a machine without a GPU."""
    if "logger" in _TRT_CACHE:
        return _TRT_CACHE["logger"]
    base = getattr(trt, "ILogger", None)
    if base is None:  # pragma: no cover
        _TRT_CACHE["logger"] = trt.Logger(trt.Logger.ERROR)
        return _TRT_CACHE["logger"]
    sev = trt.ILogger.Severity

    class _Logger(base):
        def __init__(self):
            base.__init__(self)

        def log(self, severity, msg):
            if severity in (sev.INTERNAL_ERROR, sev.ERROR):
                if "GPU properties" in msg or "driver version is insufficient" in msg:
                    log.debug("TensorRT (no GPU here): %s", msg)
                    return
                log.error("TensorRT: %s", msg)
                _TRT_CACHE.setdefault("errors", []).append(msg)
                del _TRT_CACHE["errors"][:-5]
            elif severity == sev.WARNING:
                log.debug("TensorRT: %s", msg)

    _TRT_CACHE["logger"] = _Logger()
    return _TRT_CACHE["logger"]


def engine_validity(data: bytes) -> tuple[str, int]:
    """``(validity_name, diagnostics)`` from ``Runtime.get_engine_validity`` of the header.

    On a machine without a GPU a good TensorRT-RTX engine reads ``('INVALID', 0)``; a file whose
    header is garbage reads diagnostics 32 (MALFORMED_ENGINE). Flavours without the call return
    ``('UNKNOWN', 0)``.
    """
    trt, _ = import_tensorrt()
    rt = _runtime(trt)
    if not hasattr(rt, "get_engine_validity"):
        return "UNKNOWN", 0
    size = int(getattr(rt, "engine_header_size", 64) or 64)
    if len(data) < size:
        return "INVALID", MALFORMED_ENGINE
    validity, diag = rt.get_engine_validity(bytes(data[:size]))
    return validity.name, int(diag)


def _runtime(trt):
    if "runtime" not in _TRT_CACHE:
        _TRT_CACHE["runtime"] = trt.Runtime(_logger(trt))
    return _TRT_CACHE["runtime"]


def _make_progress_monitor(trt, label: str, stream=None):
    """A ``trt.IProgressMonitor`` that prints one updating line per build, or None."""
    base = getattr(trt, "IProgressMonitor", None)
    if base is None:
        return None
    stream = stream or sys.stderr

    class _Monitor(base):
        def __init__(self):
            base.__init__(self)
            self.phases: dict[str, list] = {}
            self.t0 = time.monotonic()

        def phase_start(self, phase_name, parent_phase, num_steps):
            self.phases[phase_name] = [0, max(int(num_steps), 1), parent_phase]
            self._show(phase_name)

        def step_complete(self, phase_name, step):
            if phase_name in self.phases:
                self.phases[phase_name][0] = int(step) + 1
                self._show(phase_name)
            return True  # False would cancel the build

        def phase_finish(self, phase_name):
            self.phases.pop(phase_name, None)

        def _show(self, phase):
            done, total, _ = self.phases[phase]
            msg = f"\r[engine] {label}: {phase} {done}/{total} ({time.monotonic() - self.t0:.1f}s)"
            try:
                stream.write(msg[:160].ljust(100))
                stream.flush()
            except (OSError, ValueError):  # a closed or broken stderr must not cancel the build
                pass

    return _Monitor()


def build_engine(onnx_path: str | os.PathLike, *, profile: Mapping[str, Sequence[Sequence[int]]] | None = None,
                 batch: Sequence[int] = DEFAULT_PROFILE_BATCH, targets: Sequence[str] | None = None,
                 workspace_mb: int = 1024, progress: bool = True, label: str | None = None) -> bytes:
    """Compile ``onnx_path`` into serialized engine bytes (strongly typed network).

    ``profile``: name -> (min, opt, max) shapes; by default every input's dynamic batch dimension
    spans ``batch`` = (min, opt, max) and the other dimensions come from the graph.
    ``targets``: compute capabilities for TensorRT-RTX ahead-of-time builds (``"SM75"``...).
    """
    trt, flavour = import_tensorrt()
    onnx_path = os.fspath(onnx_path)
    label = label or os.path.basename(onnx_path)
    logger = _logger(trt)
    builder = trt.Builder(logger)
    flags = 0
    strongly = getattr(trt.NetworkDefinitionCreationFlag, "STRONGLY_TYPED", None)
    if strongly is not None:
        flags |= 1 << int(strongly)
    network = builder.create_network(flags)
    parser = trt.OnnxParser(network, logger)
    with open(onnx_path, "rb") as f:
        blob = f.read()
    if not parser.parse(blob):
        errs = [str(parser.get_error(i)) for i in range(parser.num_errors)]
        raise ValueError(f"{flavour} cannot parse {onnx_path}: " + "; ".join(errs))
    config = builder.create_builder_config()
    if hasattr(config, "set_memory_pool_limit"):  # flavours without the call size it themselves
        config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, int(workspace_mb) << 20)
    if targets:
        if not hasattr(config, "set_compute_capability"):
            raise ValueError(f"{flavour} does not take compute-capability targets")
        ccs = []
        for t in targets:
            try:
                ccs.append(getattr(trt.ComputeCapability, t.upper()))
            except AttributeError:
                raise ValueError(f"unknown compute-capability target {t!r}; {flavour} supports "
                                 f"{supported_targets()}") from None
        config.num_compute_capabilities = len(ccs)
        for i, cc in enumerate(ccs):
            config.set_compute_capability(cc, i)
    prof = builder.create_optimization_profile()
    needs_profile = False
    for i in range(network.num_inputs):
        t = network.get_input(i)
        shape = tuple(t.shape)
        if profile and t.name in profile:
            mn, opt, mx = (tuple(int(d) for d in s) for s in profile[t.name])
        else:
            if any(d < 0 for d in shape[1:]):
                raise ValueError(f"input '{t.name}' of {onnx_path} has dynamic non-batch dims "
                                 f"{shape}; pass an explicit profile")
            mn, opt, mx = ((b,) + shape[1:] if shape and shape[0] < 0 else shape for b in batch)
        needs_profile |= any(d < 0 for d in shape)
        prof.set_shape(t.name, mn, opt, mx)
    if needs_profile:
        config.add_optimization_profile(prof)
    monitor = _make_progress_monitor(trt, label) if progress else None
    if monitor is not None:
        config.progress_monitor = monitor
    t0 = time.monotonic()
    _TRT_CACHE["errors"] = []
    ser = builder.build_serialized_network(network, config)
    if monitor is not None:
        sys.stderr.write("\r" + " " * 100 + "\r")
    if ser is None:
        errs = "; ".join(_TRT_CACHE.get("errors", [])) or "see the TensorRT log"
        raise RuntimeError(f"{flavour} failed to build an engine from {onnx_path}: {errs}")
    log.debug("built %s in %.2fs (%d bytes)", label, time.monotonic() - t0, ser.nbytes)
    return bytes(ser)


_NP_FROM_TRT = {"FLOAT": np.float32, "HALF": np.float16, "INT32": np.int32, "INT64": np.int64,
                "BOOL": np.bool_, "UINT8": np.uint8, "INT8": np.int8}


class TrtBackend(Backend):
    """Run a serialized engine on the GPU (CuPy device buffers, tensors bound by name)."""

    device_path = True

    name = "tensorrt"

    def __init__(self, engine: str | os.PathLike | bytes, *, device: int = 0):
        super().__init__()
        trt, self.flavour = import_tensorrt()
        check_gpu_supported(self.flavour)
        import cupy  # noqa: PLC0415
        self._cp = cupy
        self._trt = trt
        if isinstance(engine, (bytes, bytearray)):
            data = engine
        else:
            with open(engine, "rb") as f:
                data = f.read()
        validity, diag = engine_validity(data)
        if validity == "INVALID":
            raise ValueError(f"engine rejected by {self.flavour} (diagnostics {diag}); rebuild it")
        with cupy.cuda.Device(device):
            self.engine = _runtime(trt).deserialize_cuda_engine(bytes(data))
            if self.engine is None:
                raise ValueError("TensorRT could not deserialize the engine; rebuild it")
            self.context = self.engine.create_execution_context()
        self.device = device
        self._lock = threading.Lock()
        mode_in = trt.TensorIOMode.INPUT
        for i in range(self.engine.num_io_tensors):
            n = self.engine.get_tensor_name(i)
            dt = np.dtype(_NP_FROM_TRT[self.engine.get_tensor_dtype(n).name])
            spec = TensorSpec(n, dt.name, tuple(self.engine.get_tensor_shape(n)))
            (self._inputs if self.engine.get_tensor_mode(n) == mode_in else self._outputs).append(spec)
        self.max_batch = None
        first = self._inputs[0] if self._inputs else None
        if first is not None and first.rank and first.shape[0] < 0:
            # a dynamic batch: the profile's maximum bounds it (validate() says so before a run)
            self.max_batch = int(self.engine.get_tensor_profile_shape(first.name, 0)[2][0])

    def _profile_text(self, name: str) -> str:
        """'min (1, 3, 64, 64), opt ..., max ...' of profile 0 for input `name`, for errors."""
        try:
            mn, opt, mx = self.engine.get_tensor_profile_shape(name, 0)
        except (RuntimeError, TypeError, ValueError) as exc:  # no profile: a static engine
            return f"no shape profile ({type(exc).__name__})"
        return f"profile 0: min {tuple(mn)}, opt {tuple(opt)}, max {tuple(mx)}"

    def run_device(self, inputs, outputs=None, stream=None, check_finite=False):
        cp = self._cp
        self.validate(inputs, check_finite=check_finite)
        stream = stream or cp.cuda.get_current_stream()
        with self._lock, cp.cuda.Device(self.device):
            for s in self._inputs:
                a = inputs[s.name]
                if not a.flags.c_contiguous:
                    raise ValueError(f"input '{s.name}' must be C-contiguous on the device")
                if not self.context.set_input_shape(s.name, tuple(a.shape)):
                    raise ValueError(f"{self.flavour}: input '{s.name}' shape {tuple(a.shape)} is "
                                     f"outside the engine's {self._profile_text(s.name)}")
                self._bind(s.name, a)
            result = dict(outputs or {})
            for s in self._outputs:
                shape = tuple(self.context.get_tensor_shape(s.name))
                if s.name not in result:
                    result[s.name] = cp.empty(shape, dtype=s.dtype)
                out = result[s.name]
                if tuple(out.shape) != shape or np.dtype(out.dtype) != np.dtype(s.dtype):
                    raise ValueError(f"output '{s.name}' buffer is {out.dtype}{tuple(out.shape)}, "
                                     f"needs {s.dtype}{shape}")
                self._bind(s.name, out)
            _TRT_CACHE["errors"] = []
            if not self.context.execute_async_v3(stream.ptr):
                errs = "; ".join(_TRT_CACHE.get("errors", [])) or "see the TensorRT log"
                raise RuntimeError(f"{self.flavour} execute_async_v3 failed: {errs}")
        return result

    def _bind(self, name: str, array) -> None:
        """Bind a device buffer to tensor `name`; TensorRT refuses e.g. a misaligned address."""
        if not self.context.set_tensor_address(name, int(array.data.ptr)):
            errs = "; ".join(_TRT_CACHE.get("errors", [])[-1:]) or "see the TensorRT log"
            raise ValueError(f"{self.flavour}: cannot bind tensor '{name}' at address "
                             f"{int(array.data.ptr):#x} ({errs})")

    def _run(self, inputs):
        cp = self._cp
        with cp.cuda.Device(self.device):
            stream = cp.cuda.Stream(non_blocking=True)
            with stream:
                dev = {k: cp.asarray(v) for k, v in inputs.items()}
                out = self.run_device(dev, stream=stream)
                host = {k: cp.asnumpy(v, stream=stream) for k, v in out.items()}
            stream.synchronize()
        return host
