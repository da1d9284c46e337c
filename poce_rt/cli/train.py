"""``poce-rt train ...`` subcommands (the main CLI calls ``add_parser(subparsers)``).

  train dataset INPUTS... --out DATA_DIR [--every N] [--max-frames N]
  train completion DATA... --out MODEL_DIR [--steps N] [--batch B] [--device cpu|cuda] [--sample-every N]
  train editing    DATA... --out MODEL_DIR [same options]
DATA: dataset directories, or images / folders / videos (then a dataset is built first into
``--data-dir``, default MODEL_DIR/dataset, resumably).
"""
from __future__ import annotations

import argparse
import functools
from pathlib import Path


def _common(p: argparse.ArgumentParser, batch: int) -> None:
    from . import int_in

    p.add_argument("data", nargs="+", help="dataset dirs, or images / folders / videos")
    p.add_argument("--out", required=True, help="model directory (config.json + *.safetensors)")
    p.add_argument("--steps", type=int_in(1), default=10000, help="total steps, >= 1 (resumes up to this)")
    p.add_argument("--batch", type=int_in(1), default=batch, help=f"batch size, >= 1 (default {batch})")
    p.add_argument("--device", default="cpu", help="cpu | cuda | cuda:N")
    p.add_argument("--sample-every", type=int_in(0), default=500, help="PNG grid every N steps (0: never)")
    p.add_argument("--save-every", type=int_in(1), default=500, help="checkpoint every N steps, >= 1")
    p.add_argument("--log-every", type=int_in(1), default=10, help="log every N steps, >= 1")
    p.add_argument("--config", help="JSON file with the architecture config of this network")
    p.add_argument("--data-dir", help="where to build the dataset when DATA are raw images/videos")
    p.add_argument("--every", type=int_in(1), default=1, help="video frame stride when building a dataset, >= 1")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--nproc", type=int_in(1, 1024), default=1,
                   help="data-parallel processes on this machine (gloo on the CPU, NCCL on GPUs; or run under torchrun)")


def add_parser(subparsers) -> argparse.ArgumentParser:
    from . import int_in

    tp = subparsers.add_parser("train", help="build datasets and train the POCE networks")
    sub = tp.add_subparsers(dest="train_cmd", required=True)
    d = sub.add_parser("dataset", help="track faces and sample UV maps into dataset shards")
    d.add_argument("inputs", nargs="+")
    d.add_argument("--out", required=True)
    d.add_argument("--every", type=int_in(1), default=1, help="video frame stride, >= 1")
    d.add_argument("--max-frames", type=int_in(1), default=None, help="per source, >= 1")
    d.set_defaults(func=_run_dataset)
    c = sub.add_parser("completion", help="train the UV completion network (Sec. III-B)")
    _common(c, 2)
    c.set_defaults(func=_launch(_run_completion))
    e = sub.add_parser("editing", help="train the UV editing network (Sec. III-C); needs completion")
    _common(e, 4)
    e.set_defaults(func=_launch(_run_editing))
    return tp


def _launch(fn):
    """fn on --nproc processes (poce_rt.train.distributed, imported when the command runs: torch).
    A partial, not a closure: the arguments travel to spawned processes by pickling."""
    return functools.partial(_launched, fn)


def _launched(fn, args) -> int:
    from . import require
    return require("poce_rt.train.distributed", "train", "train").Launch(fn)(args)


def _run_dataset(args) -> int:
    from ..train.dataset import build_dataset
    build_dataset(args.inputs, args.out, every=args.every, max_frames=args.max_frames)
    return 0


def _datasets(args) -> list[str]:
    from ..train.dataset import build_dataset, is_dataset
    dirs = [d for d in args.data if is_dataset(d)]
    raw = [d for d in args.data if not is_dataset(d)]
    if raw:
        dd = args.data_dir or str(Path(args.out) / "dataset")
        build_dataset(raw, dd, every=args.every)
        dirs.append(dd)
    return dirs


def _rank0_first(fn, args):
    from ..train.distributed import rank0_first
    return rank0_first(fn, args)


def _train_kwargs(args) -> dict:
    return dict(steps=args.steps, batch=args.batch, device=args.device, sample_every=args.sample_every,
                save_every=args.save_every, log_every=args.log_every, seed=args.seed)


def _run_completion(args) -> int:
    from poce_rt.models.config import CompletionConfig
    from . import require
    train_completion = require("poce_rt.train.completion", "train", "train completion").train_completion
    cfg = CompletionConfig.from_json(Path(args.config).read_text()) if args.config else None
    train_completion(_rank0_first(_datasets, args), args.out, cfg=cfg, **_train_kwargs(args))
    return 0


def _run_editing(args) -> int:
    from poce_rt.models.config import EditingConfig
    from . import require
    train_editing = require("poce_rt.train.editing", "train", "train editing").train_editing
    cfg = EditingConfig.from_json(Path(args.config).read_text()) if args.config else None
    train_editing(_rank0_first(_datasets, args), args.out, cfg=cfg, **_train_kwargs(args))
    return 0


def main(argv=None) -> int:
    """Standalone entry (python -m poce_rt.cli.train train ...): the same exit statuses and
    one-line errors as ``poce-rt``."""
    from . import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
