"""Runtime runners of the image-space systems (the registry's `runner`): the exported graphs on
ONNX Runtime or TensorRT, or the torch modules themselves (backend='torch'), behind the same named
tensors. No torch is imported unless backend='torch'.

A runner: Runner(model_dir, backend, device, precision); `crop_size`, `backend`, and
run(job: systems.crop.CropJob) -> [S,S,3] float32 in [0,1].
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..backends import TensorSpec, load_backend
from ..errors import InputError
from ..networks import _hwc, _nchw, load_graphs


def _spec(name, *dims):
    return TensorSpec(name, "float32", (-1, *dims))


def cascade_ef_graphs(cfg: dict) -> dict:
    """Graph stem -> (inputs, outputs): the fixed names and shapes of the exported graphs."""
    s, d = int(cfg["crop_size"]), int(cfg.get("code_dim", 52))
    return {"cascade_ef": ([_spec("image", 3, s, s), _spec("code_src", d), _spec("code_tgt", d)],
                           [_spec("image_out", 3, s, s)])}


def leed_graphs(cfg: dict) -> dict:
    s, d = int(cfg["crop_size"]), int(cfg["code_dim"])
    return {"leed_encoder": ([_spec("image", 3, s, s)], [_spec("code", d), _spec("code_neutral", d)]),
            "leed_edit": ([_spec("code_neutral", d), _spec("code_ref", d), _spec("code_ref_neutral", d),
                                   _spec("alpha", 1)], [_spec("image_out", 3, s, s)])}


class GraphRunner:
    """Loads a system's graphs from a model directory on one backend."""

    SYSTEM = ""
    GRAPHS = staticmethod(lambda cfg: {})
    MODULES = ""         # "module:function" (model_dir, device) -> {graph stem: torch module}

    def __init__(self, model_dir, backend: str = "auto", device: str = "cpu", precision: str = "fp32"):
        d = Path(model_dir)
        try:
            doc = json.loads((d / "config.json").read_text())
            if doc.get("system") != self.SYSTEM:
                raise ValueError(f"it holds a {doc.get('system', 'poce')} model")
            cfg = doc["config"]
            self.crop_size = int(cfg["crop_size"])
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise InputError(f"{d}: not a {self.SYSTEM} model directory ({e})") from None
        self.cfg = cfg
        graphs = self.GRAPHS(cfg)
        if backend == "torch":
            from . import resolve

            modules = resolve(self.MODULES)(d, device=device)
            self.graphs = {stem: load_backend("torch", d, module=modules[stem], input_specs=ins,
                                              output_specs=outs, device=device)
                           for stem, (ins, outs) in graphs.items()}
            self.backend = "torch"
            return
        suffix = ".fp16.onnx" if precision == "fp16" else ".onnx"
        files = {stem: d / (stem + suffix) for stem in graphs}
        missing = [f.name for f in files.values() if not f.is_file()]
        if missing:
            raise FileNotFoundError(f"{d} lacks {', '.join(missing)}: run `poce-rt export {d}` first")
        self.graphs, self.backend = load_graphs(files, backend, device)

    def _run(self, stem: str, **inputs) -> dict:
        return self.graphs[stem].run({k: np.ascontiguousarray(v, np.float32) for k, v in inputs.items()})


class CascadeEFRunner(GraphRunner):
    """Cascade EF-GAN: the crop, its scores and the target scores -> the edited crop."""

    SYSTEM = "cascade-ef"
    GRAPHS = staticmethod(cascade_ef_graphs)
    MODULES = "poce_rt.export.systems:cascade_ef_modules"

    def run(self, job) -> np.ndarray:
        out = self._run("cascade_ef", image=_nchw(job.crop), code_src=job.source_code[None],
                        code_tgt=job.target_code[None])
        return _hwc(out["image_out"])


class LEEDRunner(GraphRunner):
    """LEED: the reference's expression (or, without one, the photo's own) at intensity alpha."""

    SYSTEM = "leed"
    GRAPHS = staticmethod(leed_graphs)
    MODULES = "poce_rt.export.systems:leed_modules"

    def run(self, job) -> np.ndarray:
        src = self._run("leed_encoder", image=_nchw(job.crop))
        if job.reference is not None:
            ref = self._run("leed_encoder", image=_nchw(job.reference))
        elif np.abs(job.target_code - job.source_code).max() > 1e-6 and job.intensity != 0:
            raise InputError("LEED is label-free: it edits by a reference face (--reference), or scales the "
                             "photo's own expression by --intensity; it cannot follow blendshape values (--expr)")
        else:
            ref = src
        out = self._run("leed_edit", code_neutral=src["code_neutral"], code_ref=ref["code"],
                        code_ref_neutral=ref["code_neutral"], alpha=np.array([[job.intensity]], np.float32))
        return _hwc(out["image_out"])
