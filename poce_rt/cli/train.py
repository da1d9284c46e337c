"""``poce-rt train ...`` subcommands (the main CLI calls ``add_parser(subparsers)``).

  train dataset INPUTS... --out DATA_DIR [--every N] [--max-frames N]
  train <command> DATA... --out MODEL_DIR [--steps N] [--batch B] [--preset tiny|paper] [--config JSON]
                  [--device cpu|cuda] [--sample-every N]
One <command> per training of every system in the registry (poce_rt.systems): completion and
editing (POCE), cascade-ef, leed, ... DATA: dataset directories, or images / folders / videos (then a
dataset is built first into ``--data-dir``, default MODEL_DIR/dataset, resumably).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import InputError


def _common(p: argparse.ArgumentParser, batch: int, presets) -> None:
    from . import int_in

    p.add_argument("data", nargs="+", help="dataset dirs, or images / folders / videos")
    p.add_argument("--out", required=True, help="model directory (config.json + *.safetensors)")
    p.add_argument("--steps", type=int_in(1), default=10000, help="total steps, >= 1 (resumes up to this)")
    p.add_argument("--batch", type=int_in(1), default=batch, help=f"batch size, >= 1 (default {batch})")
    p.add_argument("--device", default="cpu", help="cpu | cuda | cuda:N")
    p.add_argument("--sample-every", type=int_in(0), default=500, help="PNG grid every N steps (0: never)")
    p.add_argument("--save-every", type=int_in(1), default=500, help="checkpoint every N steps, >= 1")
    p.add_argument("--log-every", type=int_in(1), default=10, help="log every N steps, >= 1")
    p.add_argument("--preset", choices=tuple(presets), default=None,
                   help="architecture preset: tiny (a few CPU steps) or paper (the paper's sizes)")
    p.add_argument("--config", help="JSON file with the architecture config (over the preset's)")
    p.add_argument("--data-dir", help="where to build the dataset when DATA are raw images/videos")
    p.add_argument("--every", type=int_in(1), default=1, help="video frame stride when building a dataset, >= 1")
    p.add_argument("--seed", type=int, default=0)


def add_parser(subparsers) -> argparse.ArgumentParser:
    from ..systems import presets_of, train_commands
    from . import int_in

    tp = subparsers.add_parser("train", help="build datasets and train a system's networks")
    sub = tp.add_subparsers(dest="train_cmd", required=True)
    d = sub.add_parser("dataset", help="track faces and sample UV maps into dataset shards")
    d.add_argument("inputs", nargs="+")
    d.add_argument("--out", required=True)
    d.add_argument("--every", type=int_in(1), default=1, help="video frame stride, >= 1")
    d.add_argument("--max-frames", type=int_in(1), default=None, help="per source, >= 1")
    d.set_defaults(func=_run_dataset)
    for command, (system, fn, batch) in train_commands().items():
        c = sub.add_parser(command, help=f"train {system.help or system.name}" +
                           ("" if command == system.name else f": the {command} network"))
        _common(c, batch, presets_of(system))
        c.set_defaults(func=_run_train, system=system.name, train_fn=fn)
    return tp


def _run_dataset(args) -> int:
    from ..train.dataset import build_dataset
    build_dataset(args.inputs, args.out, every=args.every, max_frames=args.max_frames)
    return 0


def _config(args, system, command: str) -> dict | None:
    """The preset's config of this command, updated by the --config file's fields."""
    from ..systems import preset_config

    cfg = preset_config(system, args.preset, command) if args.preset else None
    if args.config:
        try:
            given = json.loads(Path(args.config).read_text())
        except (OSError, ValueError) as e:
            raise InputError(f"--config {args.config}: {e}") from None
        if not isinstance(given, dict):
            raise InputError(f"--config {args.config}: a JSON object is expected")
        cfg = {**(cfg or {}), **given}
    return cfg


def _run_train(args) -> int:
    from ..systems import get
    from . import require

    system = get(args.system)
    module, _, attr = args.train_fn.partition(":")
    train = getattr(require(module, "train", f"train {args.train_cmd}"), attr)
    cfg = _config(args, system, args.train_cmd)
    train(args.data, args.out, cfg=cfg, data_dir=args.data_dir, every=args.every, steps=args.steps,
          batch=args.batch, device=args.device, sample_every=args.sample_every, save_every=args.save_every,
          log_every=args.log_every, seed=args.seed)
    return 0


def main(argv=None) -> int:
    """Standalone entry (python -m poce_rt.cli.train train ...): the same exit statuses and
    one-line errors as ``poce-rt``."""
    from . import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
