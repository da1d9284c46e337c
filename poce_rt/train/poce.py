"""POCE's two trainings behind the registry's train contract (poce_rt.systems): a config dict,
raw inputs built into a UV dataset first."""
from __future__ import annotations

from pathlib import Path

from poce_rt.models.config import CompletionConfig, EditingConfig

from .completion import train_completion as _train_completion
from .dataset import build_dataset, is_dataset
from .editing import train_editing as _train_editing


def uv_datasets(data, out, data_dir=None, every: int = 1) -> list[str]:
    """Dataset directories among `data` as they are; the raw images / folders / videos built (resumably)
    into one dataset at `data_dir` (default out/dataset)."""
    dirs = [str(d) for d in data if is_dataset(d)]
    raw = [d for d in data if not is_dataset(d)]
    if raw:
        dd = str(data_dir or Path(out) / "dataset")
        build_dataset(raw, dd, every=every)
        dirs.append(dd)
    return dirs


def train_completion(data, out, *, cfg: dict | None = None, data_dir=None, every: int = 1, **kw) -> dict:
    return _train_completion(uv_datasets(data, out, data_dir, every), out,
                             cfg=None if cfg is None else CompletionConfig.from_dict(cfg), **kw)


def train_editing(data, out, *, cfg: dict | None = None, data_dir=None, every: int = 1, **kw) -> dict:
    return _train_editing(uv_datasets(data, out, data_dir, every), out,
                             cfg=None if cfg is None else EditingConfig.from_dict(cfg), **kw)
