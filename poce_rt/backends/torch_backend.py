"""PyTorch reference backend: runs the nn.Module itself (torch is imported lazily, here only)."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from .base import Backend, BackendUnavailable, TensorSpec

__all__ = ["TorchBackend", "torch_available"]


def torch_available() -> tuple[bool, str]:
    """Whether torch is installed (checked without importing it: importing costs seconds)."""
    import importlib.metadata  # noqa: PLC0415
    import importlib.util  # noqa: PLC0415

    if importlib.util.find_spec("torch") is None:
        return False, "torch is not installed; install the [train] extra (torch==2.13.0)"
    try:
        version = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown version"
    return True, f"torch {version} (CPU reference backend)"


class TorchBackend(Backend):
    """Run ``module(*inputs in input_specs order)``; outputs (tensor, tuple or dict) -> names.

    ``input_specs``/``output_specs``: the same specs as the exported graph (use
    ``poce_rt.export.onnx_export.graph_specs`` or ``TorchBackend.like(onnx_backend, module)``).
    """

    name = "torch"
    device_path = True

    def __init__(self, module: Any, input_specs: Sequence[TensorSpec],
                 output_specs: Sequence[TensorSpec], device: str = "cpu"):
        super().__init__()
        try:
            import torch  # noqa: PLC0415
        except Exception as exc:
            raise BackendUnavailable(f"torch does not import: {exc}") from exc
        self._torch = torch
        self.device = torch.device(device)
        self.module = module.to(self.device).eval()
        self._inputs = list(input_specs)
        self._outputs = list(output_specs)

    @classmethod
    def like(cls, other: Backend, module: Any, device: str = "cpu") -> "TorchBackend":
        return cls(module, other.input_specs, other.output_specs, device=device)

    def _to_outputs(self, out) -> dict:
        names = self.output_names
        if isinstance(out, Mapping):
            missing = [n for n in names if n not in out]
            if missing:
                raise ValueError(f"torch module did not return output(s) {missing}")
            return {n: out[n] for n in names}
        if not isinstance(out, (tuple, list)):
            out = (out,)
        if len(out) != len(names):
            raise ValueError(f"torch module returned {len(out)} outputs, expected {len(names)} {names}")
        return dict(zip(names, out))

    def _run(self, inputs):
        torch = self._torch
        args = [torch.from_numpy(np.ascontiguousarray(inputs[s.name])).to(self.device)
                for s in self._inputs]
        with torch.inference_mode():
            out = self._to_outputs(self.module(*args))
        return {k: v.detach().to("cpu").float().numpy() if v.dtype == torch.bfloat16
                else v.detach().to("cpu").numpy() for k, v in out.items()}

    def run_device(self, inputs, outputs=None, stream=None, check_finite=False):
        """torch or DLPack-capable (CuPy, NumPy) arrays in; torch tensors out (zero-copy via
        DLPack), or `outputs` written in place. On CUDA the module runs on `stream` (a CuPy
        stream, seen by torch as an external stream)."""
        import contextlib  # noqa: PLC0415

        torch = self._torch
        self.validate(inputs, check_finite=check_finite)
        ctx = contextlib.nullcontext()
        if stream is not None and self.device.type == "cuda":
            ctx = torch.cuda.stream(torch.cuda.ExternalStream(int(getattr(stream, "ptr", stream))))
        with ctx:
            args = [inputs[s.name] if isinstance(inputs[s.name], torch.Tensor)
                    else torch.from_dlpack(inputs[s.name]) for s in self._inputs]
            with torch.inference_mode():
                out = self._to_outputs(self.module(*args))
            if outputs:
                for k, dst in outputs.items():
                    t = dst if isinstance(dst, torch.Tensor) else torch.from_dlpack(dst)
                    t.copy_(out[k])
                return dict(outputs)
        return out
