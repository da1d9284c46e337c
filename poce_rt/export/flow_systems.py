"""ONNX export of the flow-guided systems (F3A-GAN, GaFET): one graph each, fixed tensor names.

=========  =====================================================================  ==========  =========
system     inputs (all [N,*,S,S] float32)                                         output      file
=========  =====================================================================  ==========  =========
``f3a``    image [N,3,S,S] in [-1,1], flow [N,4,S,S] (poce_rt.flow.to_network)     image_out   f3a.onnx
``gafet``  source [N,3], reference [N,3] in [-1,1], geometry [N,4], motion [N,3]   image_out   gafet.onnx
=========  =====================================================================  ==========  =========

fp16 twins (``<file>.fp16.onnx``) keep fp32 islands for the normalisations and attention's softmax
(poce_rt.export.surgery.FP32_OPS). GaFET's feature deformation exports as GridSample (opset >= 16)
and MFAT's attention as MatMul/Softmax, both of which TensorRT-RTX builds natively.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

from .onnx_export import DEFAULT_OPSET, export_module

GRAPHS = {"f3a": (("image", "flow"), "f3a.onnx"),
          "gafet": (("source", "reference", "geometry", "motion"), "gafet.onnx")}
OUTPUT = "image_out"


def example_inputs(system: str, cfg, batch: int = 2, seed: int = 0) -> dict[str, torch.Tensor]:
    """Random inputs of the graph's shapes (images in [-1,1], flows small, masks 0/1)."""
    from ..models.f3a import FLOW_CHANNELS
    from ..models.gafet import GEOMETRY_CHANNELS, MOTION_CHANNELS

    g = torch.Generator().manual_seed(seed)
    s = cfg.size

    def img():
        return torch.rand(batch, 3, s, s, generator=g) * 2 - 1

    def field(c, scale):
        t = torch.randn(batch, c, s, s, generator=g) * scale
        t[:, -1] = (t[:, -1] > 0).float()      # the mask channel
        return t

    if system == "f3a":
        return {"image": img(), "flow": field(FLOW_CHANNELS, 0.05)}
    return {"source": img(), "reference": img(), "geometry": field(GEOMETRY_CHANNELS, 0.5),
            "motion": field(MOTION_CHANNELS, 0.05)}


def load_system(model_dir):
    """-> (system name, config, generator in eval mode) of a flow-system model directory."""
    d = json.loads((Path(model_dir) / "config.json").read_text())
    system = d.get("system")
    if system == "f3a":
        from ..train.f3a import load_f3a
        return (system, *load_f3a(model_dir))
    if system == "gafet":
        from ..train.gafet import load_gafet
        return (system, *load_gafet(model_dir))
    raise ValueError(f"{model_dir}: system {system!r} is neither 'f3a' nor 'gafet'")


def export_model_dir(model_dir, *, opset: int = DEFAULT_OPSET, fp16: bool = True, progress=print):
    """The registry's export contract: {system: {'fp32': path, 'fp16': path}}."""
    system = load_system_name(model_dir)
    return {system: export_flow_system(model_dir, opset=opset, fp16=fp16, progress=progress)}


def load_system_name(model_dir) -> str:
    return json.loads((Path(model_dir) / "config.json").read_text()).get("system")


def export_flow_system(model_dir, *, opset: int = DEFAULT_OPSET, fp16: bool = True, progress=print):
    """Export the generator of an f3a / gafet model directory into it -> {'fp32': path, 'fp16': path}."""
    system, cfg, net = load_system(model_dir)
    names, file = GRAPHS[system]
    res = export_module(net, example_inputs(system, cfg), Path(model_dir) / file, kind=system,
                        output_names=[OUTPUT], config=cfg.to_dict(), uv_size=cfg.size, opset=opset, fp16=fp16,
                        extra_meta={"system": system, "crop_size": str(cfg.size)})
    if progress:
        progress(f"[export] {system:<10} -> " + ", ".join(p.name for p in res.values()))
    return res
