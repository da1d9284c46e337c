"""The systems the engine serves, in one table: name -> how to train, export and run it.

A model directory records its system as ``"system"`` in ``config.json`` (a directory without
the key is a POCE one: every model directory written before the registry). ``train``, ``export``,
``engines build``, ``edit``, ``reenact`` and ``eval`` look the system up here; none of them names a
system. Nothing here imports torch: every entry names its code by a lazy ``"module:attr"`` path.

Contracts of a :class:`System` entry
-------------------------------------
space
    ``"uv"``: the system edits the face's UV texture inside the POCE frame (poce_rt.pipeline.Editor
    with the model directory); ``"crop"``: it edits an aligned square face crop, made and pasted
    back by poce_rt.systems.crop.CropEditor (the crop and paste-back kernels, the same composite).
graphs
    The ONNX stems ``export`` writes into the model directory (``<stem>.onnx`` fp32 and
    ``<stem>.fp16.onnx``); ``engines build`` builds one engine per graph. Inputs/outputs are fixed
    names, batch first (dynamic ``N``), images NCHW float32 in [-1, 1].
train
    ``((command, "module:function", default batch), ...)``: one ``poce-rt train <command>`` each.
    The function is ``fn(data: list[str], out: str, *, cfg: dict | None, data_dir: str | None,
    every: int, steps, batch, device, sample_every, save_every, log_every, seed, progress=True) ->
    dict`` (the last step's losses as floats). ``data`` are dataset directories or raw images /
    folders / videos (the function builds what it needs, into ``data_dir``, default
    ``out/dataset``, taking every ``every``-th video frame); ``cfg`` is the architecture config (a
    preset's, updated by ``--config``'s). It writes ``out/config.json`` (with ``"system"``, except
    POCE's, whose directories predate the key) and the weights as safetensors.
export
    ``"module:function"``: ``fn(model_dir, *, opset=17, fp16=True, progress=print) -> {kind:
    {"fp32": Path, "fp16": Path}}``; writes exactly the ``graphs``.
runner
    ``"module:Class"``, runtime code (no torch unless backend='torch'). uv systems: a class with
    ``load(model_dir, backend, device, precision)`` that the Editor takes as its networks. crop
    systems: ``Class(model_dir, backend="auto", device="cpu", precision="fp32")`` with attributes
    ``crop_size`` (S) and ``backend`` (the one it runs on) and ``run(job: CropJob) -> [S,S,3]
    float32 in [0,1]`` (see poce_rt.systems.crop.CropJob for the job's fields and shapes).
distributed
    True when the training functions shard their data and average gradients through
    poce_rt.train.distributed (``--nproc N``); others refuse ``--nproc`` > 1.
presets
    ``{name: {train command: config dict}}`` or ``"module:function"`` returning that mapping:
    ``--preset tiny`` (a few CPU steps: tests, smoke runs) and ``paper`` (the paper's sizes, a GPU).
"""
from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from ..errors import InputError

__all__ = ["System", "SYSTEMS", "get", "names", "system_of", "resolve", "presets_of", "preset_config",
           "train_commands"]


@dataclass(frozen=True)
class System:
    name: str
    space: str                       # "uv" | "crop"
    graphs: tuple                    # ONNX stems export writes
    train: tuple                     # ((train command, "module:function", default batch), ...)
    export: str                      # "module:function"
    runner: str                      # "module:Class"
    presets: object = field(default_factory=dict)   # {preset: {command: cfg}} or "module:function"
    help: str = ""
    distributed: bool = False        # its training runs data-parallel (poce-rt train --nproc N)

    def __post_init__(self):
        if self.space not in ("uv", "crop"):
            raise ValueError(f"system {self.name}: space must be 'uv' or 'crop', got {self.space!r}")


# The table. One line per system; poce_rt.systems.<name> modules hold nothing the table needs.
SYSTEMS: dict[str, System] = {s.name: s for s in (
    System("poce", "uv", ("completion", "edit_mapping", "edit_generator", "editing"),
           (("completion", "poce_rt.train.poce:train_completion", 2),
            ("editing", "poce_rt.train.poce:train_editing", 4)),
           "poce_rt.export.onnx_export:export_model_dir", "poce_rt.networks:Networks",
           "poce_rt.systems.presets:poce", "POCE (UV completion + modulation-based UV editing)",
           distributed=True),
    System("cascade-ef", "crop", ("cascade_ef",),
           (("cascade-ef", "poce_rt.train.cascade_ef:train_cascade_ef", 4),),
           "poce_rt.export.systems:export_cascade_ef", "poce_rt.systems.runners:CascadeEFRunner",
           "poce_rt.systems.presets:cascade_ef", "Cascade EF-GAN (local focuses, progressive editing)"),
    System("leed", "crop", ("leed_encoder", "leed_edit"),
           (("leed", "poce_rt.train.leed:train_leed", 4),),
           "poce_rt.export.systems:export_leed", "poce_rt.systems.runners:LEEDRunner",
           "poce_rt.systems.presets:leed", "LEED (label-free expression editing via disentanglement)"),
    System("f3a", "crop", ("f3a",), (("f3a", "poce_rt.train.f3a:train", 4),),
           "poce_rt.export.flow_systems:export_model_dir", "poce_rt.systems.flow:F3ARunner",
           "poce_rt.systems.flow:f3a", "F3A-GAN (facial-flow-driven two-stream generator)"),
    System("gafet", "crop", ("gafet",), (("gafet", "poce_rt.train.gafet:train", 4),),
           "poce_rt.export.flow_systems:export_model_dir", "poce_rt.systems.flow:GaFETRunner",
           "poce_rt.systems.flow:gafet", "GaFET (geometry-aware expression translation, MFAT + SGMM)"),
)}


def names() -> list[str]:
    return list(SYSTEMS)


def get(name: str) -> System:
    try:
        return SYSTEMS[name]
    except KeyError:
        raise InputError(f"unknown system {name!r}; one of {', '.join(SYSTEMS)}") from None


def resolve(path: str):
    """"package.module:attr" -> the attribute (imported now, not at registry import)."""
    module, _, attr = path.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def system_of(model_dir) -> System:
    """The System of a model directory, from config.json's "system" ("poce" when absent)."""
    d = Path(model_dir)
    cfg_file = d / "config.json"
    if not d.is_dir():
        raise InputError(f"model directory not found: {d}")
    if not cfg_file.is_file():
        raise InputError(f"{d} is not a model directory (no config.json)")
    try:
        cfg = json.loads(cfg_file.read_text())
    except (ValueError, UnicodeDecodeError) as e:
        raise InputError(f"{cfg_file} is not valid JSON: {e}") from None
    if not isinstance(cfg, dict):
        raise InputError(f"{cfg_file} must hold a JSON object")
    return get(str(cfg.get("system", "poce")))


def train_commands() -> dict[str, tuple[System, str, int]]:
    """`poce-rt train <command>` -> (system, "module:function", default batch), over every system."""
    return {cmd: (s, fn, batch) for s in SYSTEMS.values() for cmd, fn, batch in s.train}


def presets_of(system: System) -> Mapping[str, Mapping[str, dict]]:
    p = system.presets
    return resolve(p)() if isinstance(p, str) else p


def preset_config(system: System, preset: str, command: str) -> dict | None:
    """The architecture config of `command` under `preset` (None: the config's own defaults)."""
    table = presets_of(system)
    if preset not in table:
        raise InputError(f"system {system.name} has no preset {preset!r}; one of {', '.join(table)}")
    cfg = table[preset].get(command)
    return None if cfg is None else dict(cfg)
