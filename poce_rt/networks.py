"""The trained POCE networks of a model directory, behind the backends (no torch needed unless
the torch backend is asked for).

A model directory holds config.json, completion.safetensors / editing.safetensors and, after
`poce-rt export`, the ONNX graphs: completion.onnx (uv_sam, mask -> uv_com), edit_mapping.onnx
(uv, code -> gamma_i, beta_i), edit_generator.onnx (gamma_i, beta_i -> uv_edit) and editing.onnx
(uv, code -> uv_edit, the fused expression-code path).

Maps cross this boundary as [S,S,3] float32 in [0,1]; the networks see NCHW in [-1,1].
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from . import ops
from .backends import BackendUnavailable, load_backend
from .errors import InputError
from .ops._arrays import is_capturing

log = logging.getLogger("poce_rt.networks")

GRAPHS = {"completion": "completion", "mapping": "edit_mapping", "generator": "edit_generator",
          "editing": "editing"}
# The graphs `poce-rt export` writes for each trained network (its weights file): a model directory
# with the weights but without one of these graphs was exported partly or had a graph deleted.
EXPORTED = {"completion.safetensors": ("completion",),
            "editing.safetensors": ("mapping", "generator")}


def _nchw(uv01: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray((uv01.transpose(2, 0, 1)[None] * 2.0 - 1.0), np.float32)


def _hwc(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.clip((x[0].transpose(1, 2, 0) + 1.0) * 0.5, 0.0, 1.0), np.float32)


class Networks:
    """complete / edit / transfer on one backend. Use Networks.load(model_dir, backend, device)."""

    def __init__(self, graphs: dict, uv_size: int, backend: str):
        self.graphs = graphs
        self.uv_size = uv_size
        self.backend = backend

    @classmethod
    def load(cls, model_dir, backend: str = "auto", device: str = "cpu", precision: str = "fp32") -> "Networks":
        d = Path(model_dir)
        cfg_file = d / "config.json"
        if not cfg_file.is_file():
            raise FileNotFoundError(f"{d} is not a model directory (no config.json)")
        try:
            cfg = json.loads(cfg_file.read_text())
            if not isinstance(cfg, dict):
                raise TypeError(f"a JSON object is expected, not {type(cfg).__name__}")
            uv_size = int((cfg.get("editing") or cfg.get("completion"))["uv_size"])
        except (ValueError, KeyError, TypeError) as e:
            raise InputError(f"{cfg_file} is not a valid poce-rt config: {e}") from e
        if backend == "torch":
            return cls(_torch_graphs(d, device), uv_size, "torch")
        suffix = ".fp16.onnx" if precision == "fp16" else ".onnx"
        graphs, name = load_graphs(_graph_files(d, suffix), backend, device)
        return cls(graphs, uv_size, name)

    @property
    def capturable(self) -> bool:
        """Whether `edit_into` is pure device work that a CUDA graph can capture: TensorRT engines
        on the fused path. The unfused path runs the mapping network on host copies (a sync, which
        capture forbids), ONNX Runtime always runs on the host, and torch's allocator frees memory a
        foreign graph would keep using."""
        return self.backend == "tensorrt" and "editing" in self.graphs

    def _run(self, kind: str, inputs: dict) -> dict:
        if kind not in self.graphs:
            raise InputError(f"this model directory has no {kind} network (re-run `poce-rt export`)")
        return self.graphs[kind].run(inputs)

    def complete(self, uv: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """[S,S,3] sampled UV in [0,1], [S,S] mask -> [S,S,3] completed UV (visible texels kept)."""
        out = self._run("completion", {"uv_sam": _nchw(uv), "mask": np.ascontiguousarray(mask[None, None], np.float32)})
        com = _hwc(next(iter(out.values())))
        keep = mask >= 0.5
        com[keep] = uv[keep]
        return com

    def edit(self, uv: np.ndarray, code: np.ndarray) -> np.ndarray:
        """[S,S,3] completed UV + [52] relative code -> [S,S,3] edited UV (Eq. 11)."""
        code = np.ascontiguousarray(np.asarray(code, np.float32)[None])
        if "editing" in self.graphs:
            return _hwc(next(iter(self._run("editing", {"uv": _nchw(uv), "code": code}).values())))
        params = self._run("mapping", {"uv": _nchw(uv), "code": code})
        return _hwc(next(iter(self._run("generator", params).values())))

    def edit_into(self, uv, code, out, stream=None) -> None:
        """The edit of `edit` on preallocated arrays of one device, in the networks' own layout, for
        a frame loop: uv [1,3,S,S] float32 in [-1,1], code [1,52] float32 -> out [1,3,S,S].

        Backends with a device path (TensorRT; torch through DLPack) run in place on `stream`;
        ONNX Runtime runs on host copies (and on the CPU that is no copy at all)."""
        if "editing" in self.graphs:
            self._run_into("editing", {"uv": uv, "code": code}, out, stream)
            return
        _no_host_work_in_capture(stream, "the unfused mapping network")
        params = self._run("mapping", {"uv": ops.to_host(uv), "code": ops.to_host(code)})  # unfused: host
        self._run_into("generator", params, out, stream)

    def _run_into(self, kind: str, inputs: dict, out, stream) -> None:
        if kind not in self.graphs:
            raise InputError(f"this model directory has no {kind} network (re-run `poce-rt export`)")
        g = self.graphs[kind]
        name = g.output_names[0]
        if getattr(g, "device_path", False) and all(ops.is_device_array(v) == ops.is_device_array(out)
                                                    for v in inputs.values()):
            g.run_device(inputs, {name: out}, stream=stream)
            return
        _no_host_work_in_capture(stream, f"the {self.backend} {kind} network")
        res = g.run({k: ops.to_host(v) for k, v in inputs.items()})[name]
        if ops.is_device_array(out):
            out.set(np.ascontiguousarray(res, np.float32), stream=stream)
        else:
            np.copyto(out, res)

    def transfer(self, uv_src: np.ndarray, uv_ref: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Fig. 5 / Eq. 8: zero codes for both maps, blend every modulation parameter under the
        mask (the transfer kernel max-pools it to each block's size), generate."""
        zero = np.zeros((1, 52), np.float32)
        p_src = self._run("mapping", {"uv": _nchw(uv_src), "code": zero})
        p_ref = self._run("mapping", {"uv": _nchw(uv_ref), "code": zero})
        m = np.ascontiguousarray(mask, np.float32)
        blended = {k: ops.transfer(np.ascontiguousarray(p_src[k]), np.ascontiguousarray(p_ref[k]), m) for k in p_src}
        return _hwc(next(iter(self._run("generator", blended).values())))


def load_graphs(files: dict, backend: str = "auto", device: str = "cpu") -> tuple[dict, str]:
    """kind -> ONNX file, loaded on one backend -> (kind -> Backend, the backend's name).

    backend 'onnxruntime' or 'tensorrt' as asked; 'auto' tries TensorRT then ONNX Runtime on
    device='cuda', ONNX Runtime on the CPU. BackendUnavailable when none can load every graph."""
    names = ["onnxruntime"] if backend == "onnxruntime" else ["tensorrt"] if backend == "tensorrt" \
        else (["tensorrt", "onnxruntime"] if device == "cuda" else ["onnxruntime"])
    errors = []
    for name in names:
        graphs = {}
        try:
            for kind, f in files.items():
                graphs[kind] = load_backend(name, f)
        except (BackendUnavailable, ImportError) as e:
            errors.append(f"{name}: {e}")
            if len(names) > 1:
                log.warning("%s cannot run the networks here (%s); trying the next backend", name, e)
            continue
        return graphs, name
    raise BackendUnavailable("no backend could load the networks: " + "; ".join(errors))


def _no_host_work_in_capture(stream, what: str) -> None:
    """Host copies inside a CUDA graph capture would fail it (or record a stale copy): a frame loop
    captures only networks that are `capturable`."""
    if stream is not None and is_capturing(stream):
        raise RuntimeError(f"{what} runs on host copies and cannot be captured in a CUDA graph "
                           "(Networks.capturable is False: run this frame loop eagerly)")


def _graph_files(d: Path, suffix: str) -> dict[str, Path]:
    """kind -> exported graph file of model directory `d`. FileNotFoundError names what is missing:
    no graph at all, or a trained network whose graph is not there (deleted, or a partial export)."""
    files = {kind: d / (stem + suffix) for kind, stem in GRAPHS.items()}
    files = {kind: f for kind, f in files.items() if f.is_file()}
    if not files:
        raise FileNotFoundError(f"no exported {suffix[1:]} graphs in {d}: run `poce-rt export {d}` first")
    for weights, kinds in EXPORTED.items():
        missing = [GRAPHS[k] + suffix for k in kinds if k not in files]
        if (d / weights).is_file() and missing:
            raise FileNotFoundError(f"{d} has {weights} but not {', '.join(missing)}: re-run "
                                    f"`poce-rt export {d}`")
    return files


def _torch_graphs(d: Path, device: str) -> dict:
    """The torch reference: the modules themselves, each a torch backend with the named tensors of
    the graph `poce-rt export` writes for it (so the same input checks as every other backend)."""
    import torch

    from .backends import TensorSpec
    from .models.io import COMPLETION, EDITING, load_model_dir

    cfg, comp, edit = load_model_dir(d, device=device)

    def spec(name, *dims):
        return TensorSpec(name, "float32", (-1, *dims))

    def torch_graph(weights, module, ins, outs):
        return load_backend("torch", d / weights, module=module, input_specs=ins, output_specs=outs,
                            device=device)

    graphs = {}
    if comp is not None:
        s = cfg.completion.uv_size
        graphs["completion"] = torch_graph(COMPLETION, comp, [spec("uv_sam", 3, s, s), spec("mask", 1, s, s)],
                                           [spec("uv_com", 3, s, s)])
    if edit is not None:
        s, names = cfg.editing.uv_size, edit.cfg.param_names()
        ins, uv_edit = [spec("uv", 3, s, s), spec("code", cfg.editing.code_dim)], [spec("uv_edit", 3, s, s)]
        with torch.inference_mode():  # the modulation parameters' shapes, as the export traces them
            probe = edit.mapping(torch.zeros(1, 3, s, s, device=device),
                                 torch.zeros(1, cfg.editing.code_dim, device=device))
        params = [spec(n, *p.shape[1:]) for n, p in zip(names, probe)]
        graphs["editing"] = torch_graph(EDITING, edit, ins, uv_edit)
        graphs["mapping"] = torch_graph(EDITING, edit.mapping, ins, params)
        graphs["generator"] = torch_graph(EDITING, edit.generator, params, uv_edit)
    return graphs
