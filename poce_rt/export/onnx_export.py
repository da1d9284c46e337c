"""PyTorch -> ONNX export of the POCE networks (opset 17+, dynamic batch, named tensors).

Graphs (file names inside the model directory; fp16 twins end in ``.fp16.onnx``):

=================  ============================  =================================  ==============
kind               inputs                        outputs                            file
=================  ============================  =================================  ==============
``completion``     uv_sam [N,3,S,S], mask [N,1,S,S]  uv_com [N,3,S,S]               completion.onnx
``mapping``        uv [N,3,S,S], code [N,52]     gamma_0, beta_0, ... (named)       edit_mapping.onnx
``generator``      gamma_0, beta_0, ...          uv_edit [N,3,S,S]                  edit_generator.onnx
``editing``        uv [N,3,S,S], code [N,52]     uv_edit [N,3,S,S]                  editing.onnx
=================  ============================  =================================  ==============

Every graph carries ``metadata_props``: ``poce_rt.kind``, ``poce_rt.precision``,
``poce_rt.config_sha256``, ``poce_rt.code_names`` (JSON list), ``poce_rt.uv_size``,
``poce_rt.inputs``/``poce_rt.outputs`` (JSON lists), ``poce_rt.opset``, ``poce_rt.torch``.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import onnx
import torch

from ..errors import InputError
from ..networks import GRAPHS  # the graph table lives with its loader
from ..codes import BLENDSHAPE_NAMES

from . import surgery

__all__ = [
    "GRAPHS", "DEFAULT_OPSET", "BLENDSHAPE_NAMES", "config_sha256", "export_module",
    "export_editing", "export_completion", "export_models", "export_model_dir", "graph_file",
]

DEFAULT_OPSET = 17


def code_names() -> list[str]:
    """The expression code's names (JSON metadata of every exported graph)."""
    return list(BLENDSHAPE_NAMES)


def graph_file(kind: str, precision: str = "fp32") -> str:
    if kind not in GRAPHS:
        raise ValueError(f"unknown graph kind {kind!r}; one of {list(GRAPHS)}")
    return GRAPHS[kind] + (".fp16.onnx" if precision == "fp16" else ".onnx")


def config_sha256(config: Any) -> str:
    """sha256 of a config (dict, dataclass, object with to_dict/__dict__) as canonical JSON."""
    if config is None:
        return ""
    if hasattr(config, "to_dict"):
        config = config.to_dict()
    elif hasattr(config, "__dataclass_fields__"):
        import dataclasses  # noqa: PLC0415
        config = dataclasses.asdict(config)
    elif not isinstance(config, (dict, list, str, int, float)):
        config = getattr(config, "__dict__", str(config))
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()


class _Flat(torch.nn.Module):
    """Positional tensors in, a tuple in ``output_names`` order out (dict outputs by name);
    ``pack_inputs`` calls the wrapped module with one dict name -> tensor instead."""

    def __init__(self, module, input_names, output_names, pack_inputs=False):
        super().__init__()
        self.module = module
        self.input_names = list(input_names)
        self.output_names = list(output_names)
        self.pack_inputs = pack_inputs

    def forward(self, *args):
        if self.pack_inputs:
            out = self.module(dict(zip(self.input_names, args)))
        else:
            out = self.module(*args)
        if isinstance(out, Mapping):
            return tuple(out[n] for n in self.output_names)
        if isinstance(out, (tuple, list)):
            return tuple(out)
        return out


def _output_names_of(module, args, pack_inputs, input_names, default):
    """(names, shapes) of the module's outputs on the example inputs."""
    with torch.no_grad():
        out = module(dict(zip(input_names, args))) if pack_inputs else module(*args)
    if isinstance(out, Mapping):
        return list(out.keys()), [tuple(v.shape) for v in out.values()]
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    shapes = [tuple(v.shape) for v in outs]
    if len(outs) == len(default):
        return list(default), shapes
    return [f"{default[0] if default else 'out'}_{i}" for i in range(len(outs))], shapes


def _pin_output_shapes(model: onnx.ModelProto, shapes: Sequence[tuple]) -> None:
    """Write the known non-batch output dims into the graph (the exporter leaves some symbolic)."""
    for vi, shape in zip(model.graph.output, shapes):
        dims = vi.type.tensor_type.shape.dim
        if len(dims) != len(shape):
            del dims[:]
            for _ in shape:
                dims.add()
        for k, (d, n) in enumerate(zip(dims, shape)):
            if k == 0:
                d.Clear()
                d.dim_param = "N"
            elif not d.HasField("dim_value"):
                d.Clear()
                d.dim_value = int(n)


def export_module(module: torch.nn.Module, inputs: Mapping[str, torch.Tensor], path: str | os.PathLike,
                  *, kind: str, output_names: Sequence[str] | None = None,
                  pack_inputs: bool = False, config: Any = None, uv_size: int | None = None,
                  opset: int = DEFAULT_OPSET, fp16: bool = True,
                  extra_meta: Mapping[str, Any] | None = None) -> dict[str, Path]:
    """Export ``module`` to ``path`` (fp32) and, if ``fp16``, ``<stem>.fp16.onnx``.

    ``inputs``: name -> example tensor (batch first; the batch axis is exported as dynamic
    ``N``). ``output_names``: names of the outputs (a dict-returning module names its own).
    Returns ``{'fp32': path, 'fp16': path16}``.
    """
    if opset < 17:
        raise ValueError("opset 17 or newer is required (InstanceNormalization/LayerNorm export)")
    path = Path(path)
    module = module.eval()
    names_in = list(inputs)
    args = tuple(inputs[n] for n in names_in)
    names_out, out_shapes = _output_names_of(module, args, pack_inputs, names_in,
                                             list(output_names or ["out"]))
    wrapped = _Flat(module, names_in, names_out, pack_inputs).eval()
    dyn = {n: {0: "N"} for n in names_in + names_out}
    buf = io.BytesIO()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(wrapped, args, buf, input_names=names_in, output_names=names_out,
                          dynamic_axes=dyn, opset_version=opset, do_constant_folding=True,
                          dynamo=False)
    model = onnx.load_from_string(buf.getvalue())
    model = surgery.cleanup(model)
    _pin_output_shapes(model, out_shapes)
    missing = [n for n in names_in if n not in {i.name for i in model.graph.input}]
    if missing:  # an input the network never reads is dropped by the exporter: refuse
        raise ValueError(f"exported {kind} graph lost input(s) {missing} (unused by the module?)")
    meta = {"kind": kind, "config_sha256": config_sha256(config), "code_names": code_names(),
            "uv_size": str(uv_size or _guess_uv_size(inputs)), "inputs": names_in,
            "outputs": names_out, "opset": str(opset), "torch": torch.__version__}
    meta.update(extra_meta or {})
    surgery.set_metadata(model, {**meta, "precision": "fp32"})
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    _save(model, path)
    result = {"fp32": path}
    if fp16:
        m16 = surgery.to_fp16(model)
        surgery.set_metadata(m16, {"precision": "fp16"})
        p16 = path.with_name(path.name[: -len(".onnx")] + ".fp16.onnx")
        _save(m16, p16)
        result["fp16"] = p16
    return result


def _save(model: onnx.ModelProto, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    onnx.save(model, str(tmp))
    os.replace(tmp, path)


def _guess_uv_size(inputs: Mapping[str, torch.Tensor]) -> int:
    for t in inputs.values():
        if t.dim() == 4:
            return int(t.shape[-1])
    return 0


def _example_uv(batch: int, size: int, channels: int = 3, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(batch, channels, size, size, generator=g) * 2 - 1


def export_completion(net: torch.nn.Module, out_dir: str | os.PathLike, *, uv_size: int,
                      config: Any = None, **kw) -> dict[str, Path]:
    uv = _example_uv(2, uv_size)
    mask = (torch.rand(2, 1, uv_size, uv_size, generator=torch.Generator().manual_seed(1)) > 0.3).float()
    return export_module(net, {"uv_sam": uv, "mask": mask}, Path(out_dir) / graph_file("completion"),
                         kind="completion", output_names=["uv_com"], config=config,
                         uv_size=uv_size, **kw)


def _param_names(mapping, params, param_names):
    if isinstance(params, Mapping):
        return list(params.keys())
    if param_names is None:
        cfg = getattr(mapping, "cfg", None)
        if cfg is not None and hasattr(cfg, "param_names"):
            param_names = list(cfg.param_names())
        else:
            param_names = [f"{k}_{i}" for i in range(len(params) // 2) for k in ("gamma", "beta")]
    if len(param_names) != len(params):
        raise ValueError(f"mapping network returned {len(params)} tensors but {len(param_names)} "
                         f"parameter names were given")
    return list(param_names)


def export_editing(mapping: torch.nn.Module, generator: torch.nn.Module, fused: torch.nn.Module | None,
                   out_dir: str | os.PathLike, *, uv_size: int, code_dim: int = 52,
                   param_names: Sequence[str] | None = None, config: Any = None,
                   progress: Callable[[str], None] | None = None, **kw) -> dict[str, dict[str, Path]]:
    """Export the mapping network, the generator and the fused (uv, code) -> uv graph.

    The mapping network returns either a dict name -> tensor or a flat tuple
    (gamma_0, beta_0, gamma_1, ...), named by ``param_names`` (default: ``mapping.cfg.param_names()``).
    The generator takes the same tensors positionally (or one dict, if the mapping returns a dict).
    """
    uv = _example_uv(2, uv_size)
    code = torch.randn(2, code_dim, generator=torch.Generator().manual_seed(2)) * 0.3
    out_dir = Path(out_dir)
    mapping, generator = mapping.eval(), generator.eval()
    with torch.no_grad():
        params = mapping(uv, code)
    names = _param_names(mapping, params, param_names)
    as_dict = isinstance(params, Mapping)
    values = [params[n] for n in names] if as_dict else list(params)
    res = {}
    t0 = time.monotonic()
    res["mapping"] = export_module(mapping, {"uv": uv, "code": code}, out_dir / graph_file("mapping"),
                                   kind="mapping", output_names=names, config=config,
                                   uv_size=uv_size, **kw)
    _report(progress, "mapping", res["mapping"], t0)
    t0 = time.monotonic()
    res["generator"] = export_module(generator, dict(zip(names, values)),
                                     out_dir / graph_file("generator"), kind="generator",
                                     output_names=["uv_edit"], pack_inputs=as_dict, config=config,
                                     uv_size=uv_size, **kw)
    _report(progress, "generator", res["generator"], t0)
    if fused is None:
        fused = _Fused(mapping, generator, as_dict)
    t0 = time.monotonic()
    res["editing"] = export_module(fused, {"uv": uv, "code": code}, out_dir / graph_file("editing"),
                                   kind="editing", output_names=["uv_edit"], config=config,
                                   uv_size=uv_size, **kw)
    _report(progress, "editing", res["editing"], t0)
    return res


class _Fused(torch.nn.Module):
    def __init__(self, mapping, generator, as_dict=False):
        super().__init__()
        self.mapping, self.generator, self.as_dict = mapping, generator, as_dict

    def forward(self, uv, code):
        p = self.mapping(uv, code)
        return self.generator(p) if self.as_dict else self.generator(*p)


def _report(progress, kind, paths, t0):
    if progress is None:
        return
    sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in paths.values())
    progress(f"[export] {kind:<10} -> {sizes} ({time.monotonic() - t0:.1f}s)")


def export_models(out_dir: str | os.PathLike, *, completion: torch.nn.Module | None = None,
                  mapping: torch.nn.Module | None = None, generator: torch.nn.Module | None = None,
                  fused: torch.nn.Module | None = None, uv_size: int = 256, code_dim: int = 52,
                  config: Any = None, progress: Callable[[str], None] | None = None,
                  **kw) -> dict[str, dict[str, Path]]:
    """Export whichever networks are given; returns kind -> {'fp32': path, 'fp16': path}."""
    res = {}
    if completion is not None:
        t0 = time.monotonic()
        res["completion"] = export_completion(completion, out_dir, uv_size=uv_size, config=config, **kw)
        _report(progress, "completion", res["completion"], t0)
    if mapping is not None and generator is not None:
        res.update(export_editing(mapping, generator, fused, out_dir, uv_size=uv_size,
                                  code_dim=code_dim, config=config, progress=progress, **kw))
    return res


def export_model_dir(model_dir: str | os.PathLike, *, opset: int = DEFAULT_OPSET, fp16: bool = True,
                     progress: Callable[[str], None] | None = print) -> dict[str, dict[str, Path]]:
    """Load the networks of ``model_dir`` (``poce_rt.models.io.load_model_dir``) and export every
    graph into the same directory, printing one progress line per graph."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise FileNotFoundError(f"model directory not found: {model_dir}")
    try:
        from ..models import io as mio  # noqa: PLC0415
        loaded = mio.load_model_dir(model_dir)
    except ImportError:  # poce_rt.models.io missing: config.json + <part>.safetensors
        loaded = _load_model_dir_fallback(model_dir)
    # (a missing or corrupt file raises ModelDirError, an InputError: one line in the CLI; anything
    # else is a bug and keeps its traceback)
    nets = _unpack_loaded(loaded)
    cfg_path = model_dir / "config.json"
    config = json.loads(cfg_path.read_text()) if cfg_path.is_file() else nets.get("config")
    if not any(nets.get(k) is not None for k in ("completion", "mapping")):
        raise InputError(f"{model_dir}: no completion or editing networks found")
    return export_models(model_dir, completion=nets.get("completion"), mapping=nets.get("mapping"),
                         generator=nets.get("generator"), fused=nets.get("fused"),
                         uv_size=int(nets.get("uv_size") or 256),
                         code_dim=int(nets.get("code_dim") or 52), config=config,
                         progress=progress, opset=opset, fp16=fp16)


def _load_model_dir_fallback(model_dir: Path) -> dict:
    from safetensors.torch import load_file  # noqa: PLC0415

    from ..models.completion import UVCompletion  # noqa: PLC0415
    from ..models.config import ModelConfig  # noqa: PLC0415
    from ..models.editing import Editor  # noqa: PLC0415

    cfg_path = model_dir / "config.json"
    if not cfg_path.is_file():
        raise FileNotFoundError(f"{model_dir}: no config.json")
    cfg = ModelConfig.from_json(cfg_path.read_text())
    out: dict[str, Any] = {"config": cfg.to_dict()}
    for part, cls, sub in (("completion", UVCompletion, cfg.completion), ("editing", Editor, cfg.editing)):
        if sub is None:
            continue
        net = cls(sub)
        weights = model_dir / f"{part}.safetensors"
        if weights.is_file():
            net.load_state_dict(load_file(str(weights)), strict=True)
        out[part] = net.eval()
        out["uv_size"] = sub.uv_size
    if cfg.editing is not None:
        out["code_dim"] = cfg.editing.code_dim
    return out


def _unpack_loaded(loaded: Any) -> dict:
    """Normalise what ``load_model_dir`` returns into completion/mapping/generator/fused/config.

    Accepts ``(ModelConfig, UVCompletion | None, Editor | None)`` (poce_rt.models.io) or a dict /
    object with ``completion``, ``editing`` (or ``mapping``/``generator``) and ``config``."""
    if isinstance(loaded, tuple) and len(loaded) == 3:
        cfg, comp, edit = loaded
        loaded = {"config": cfg, "completion": comp, "editing": edit}
    get = (loaded.get if isinstance(loaded, Mapping) else lambda k, d=None: getattr(loaded, k, d))
    nets = {"completion": get("completion"), "config": get("config")}
    editing = get("editing")
    mapping = get("mapping") or (getattr(editing, "mapping", None) if editing is not None else None)
    generator = get("generator") or (getattr(editing, "generator", None) if editing is not None else None)
    nets.update(mapping=mapping, generator=generator,
                fused=editing if (editing is not None and mapping is not None) else get("fused"))
    cfg = nets["config"]
    if cfg is not None and not isinstance(cfg, Mapping) and hasattr(cfg, "to_dict"):
        cfg = cfg.to_dict()
    for key in ("uv_size", "code_dim"):
        val = get(key)
        for sub in (cfg, (cfg or {}).get("editing"), (cfg or {}).get("completion")):
            if val is None and isinstance(sub, Mapping):
                val = sub.get(key)
        for net in (nets["mapping"], nets["completion"]):
            if val is None and net is not None and hasattr(net, "cfg"):
                val = getattr(net.cfg, key, None)
        nets[key] = val
    return nets


if __name__ == "__main__":  # python -m poce_rt.export.onnx_export MODEL_DIR
    export_model_dir(sys.argv[1])
