"""Model directory I/O: ``config.json`` + ``completion.safetensors`` / ``editing.safetensors``.

Only safetensors and JSON are read (never pickle). Training-only state (critics, optimisers) lives in
``*_train.safetensors`` beside them (see ``poce_rt.train.checkpoint``) and is not needed to run.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

import torch
from safetensors.torch import load_file, save_file

from ..errors import InputError
from .completion import UVCompletion
from .config import ModelConfig
from .editing import Editor

CONFIG = "config.json"
COMPLETION = "completion.safetensors"
EDITING = "editing.safetensors"


class ModelDirError(InputError):
    """A model directory is missing, incomplete or corrupt (message says which file and why)."""


def atomic_save_safetensors(tensors: dict, path: Path, metadata: Optional[dict] = None) -> None:
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    save_file({k: v.detach().contiguous().cpu() for k, v in tensors.items()}, str(tmp), metadata=metadata)
    os.replace(tmp, path)


def atomic_write_text(path: Path, text: str) -> None:
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def read_config(path) -> ModelConfig:
    p = Path(path)
    if not p.is_dir():
        raise ModelDirError(f"model directory {p} does not exist")
    cf = p / CONFIG
    if not cf.is_file():
        raise ModelDirError(f"{cf} is missing (a model directory needs config.json)")
    try:
        return ModelConfig.from_json(cf.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ModelDirError(f"{cf} is not valid JSON: {e}") from e
    except (TypeError, ValueError, KeyError) as e:
        raise ModelDirError(f"{cf} does not describe a poce-rt model: {e}") from e


def write_config(path, cfg: ModelConfig) -> None:
    Path(path).mkdir(parents=True, exist_ok=True)
    atomic_write_text(Path(path) / CONFIG, cfg.to_json())


def save_weights(path, name: str, module: torch.nn.Module) -> None:
    """Write module.state_dict() to path/name atomically."""
    Path(path).mkdir(parents=True, exist_ok=True)
    atomic_save_safetensors(module.state_dict(), Path(path) / name, {"format": "pt"})


def load_weights(file: Path, module: torch.nn.Module, device="cpu") -> torch.nn.Module:
    """Load a safetensors file into ``module`` strictly; clear ModelDirError on any problem."""
    file = Path(file)
    if not file.is_file():
        raise ModelDirError(f"{file} is missing (config.json lists this network)")
    try:
        sd = load_file(str(file), device=str(device))
    except Exception as e:  # safetensors raises SafetensorError / OSError / ValueError on corrupt files
        raise ModelDirError(f"{file} is not a readable safetensors file ({type(e).__name__}: {e})") from e
    own = module.state_dict()
    missing, extra = sorted(set(own) - set(sd)), sorted(set(sd) - set(own))
    bad = sorted(k for k in set(own) & set(sd) if own[k].shape != sd[k].shape)
    if missing or extra or bad:
        raise ModelDirError(
            f"{file} does not match config.json: missing {missing[:5]}, unexpected {extra[:5]}, "
            f"shape mismatch {[(k, tuple(sd[k].shape), tuple(own[k].shape)) for k in bad[:5]]}")
    module.load_state_dict(sd)
    return module.to(device)


def load_model_dir(path, device="cpu"):
    """-> (ModelConfig, UVCompletion or None, Editor or None), networks in eval mode on ``device``.

    A network is loaded when config.json has its section; its safetensors must then be present and
    match. Raises ModelDirError with the file and the reason otherwise.
    """
    cfg = read_config(path)
    comp = edit = None
    if cfg.completion is not None:
        comp = load_weights(Path(path) / COMPLETION, UVCompletion(cfg.completion), device).eval()
    if cfg.editing is not None:
        edit = load_weights(Path(path) / EDITING, Editor(cfg.editing), device).eval()
    if comp is None and edit is None:
        raise ModelDirError(f"{Path(path) / CONFIG} lists neither a completion nor an editing network")
    return cfg, comp, edit
