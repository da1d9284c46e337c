"""ONNX export of the image-space systems (the registry's `export`), graphs as named in
poce_rt.systems.runners (fixed input/output names, dynamic batch, opset >= 17, fp32 + fp16)."""
from __future__ import annotations

import time
from pathlib import Path

import torch

from ..systems.runners import cascade_ef_graphs, leed_graphs
from .onnx_export import DEFAULT_OPSET, _report, export_module


def cascade_ef_modules(model_dir, device="cpu") -> dict:
    """Graph stem -> the torch module it is exported from."""
    from ..train.cascade_ef import load_cascade_ef

    return {"cascade_ef": load_cascade_ef(model_dir, device)}


def leed_modules(model_dir, device="cpu") -> dict:
    from ..models.leed import LEEDEditGraph, LEEDEncodeGraph
    from ..train.leed import load_leed

    net = load_leed(model_dir, device)
    return {"leed_encoder": LEEDEncodeGraph(net).eval(), "leed_edit": LEEDEditGraph(net).eval()}


def _example(spec, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    shape = (2, *spec.shape[1:])
    if spec.name.startswith("code_src") or spec.name.startswith("code_tgt"):
        return torch.rand(shape, generator=g)            # blendshape scores in [0,1]
    if spec.name == "alpha":
        return torch.rand(shape, generator=g) * 1.5
    return torch.rand(shape, generator=g) * 2 - 1


def _export(model_dir, modules: dict, graphs: dict, config: dict, opset: int, fp16: bool, progress) -> dict:
    out = {}
    for i, (stem, (ins, outs)) in enumerate(graphs.items()):
        t0 = time.monotonic()
        inputs = {s.name: _example(s, 10 * i + k) for k, s in enumerate(ins)}
        out[stem] = export_module(modules[stem], inputs, Path(model_dir) / f"{stem}.onnx", kind=stem,
                                  output_names=[s.name for s in outs], config=config,
                                  uv_size=int(config["crop_size"]), opset=opset, fp16=fp16)
        _report(progress, stem, out[stem], t0)
    return out


def _config(model_dir) -> dict:
    import json

    return json.loads((Path(model_dir) / "config.json").read_text())["config"]


def export_cascade_ef(model_dir, *, opset: int = DEFAULT_OPSET, fp16: bool = True, progress=print) -> dict:
    modules = cascade_ef_modules(model_dir)       # checks the model directory first
    cfg = _config(model_dir)
    return _export(model_dir, modules, cascade_ef_graphs(cfg), cfg, opset, fp16, progress)


def export_leed(model_dir, *, opset: int = DEFAULT_OPSET, fp16: bool = True, progress=print) -> dict:
    modules = leed_modules(model_dir)
    cfg = _config(model_dir)
    return _export(model_dir, modules, leed_graphs(cfg), cfg, opset, fp16, progress)
