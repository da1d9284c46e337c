"""CLI: ``poce-rt export MODEL_DIR`` and ``poce-rt engines build|list|clean``.

``add_parser(subparsers)`` registers both commands on the main ``poce-rt`` parser; every command
sets ``func`` (``args.func(args)`` returns 0 or raises; ``poce_rt.cli.main`` turns user errors into
one line and exit status 2). Standalone: ``python -m poce_rt.cli.backends``.
"""
from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

from ..errors import InputError
from ..backends.trt import DEFAULT_PROFILE_BATCH

__all__ = ["add_parser", "main"]


MAX_BATCH = 256   # a profile's max batch: far above any use here, and TensorRT sizes memory by it


def add_parser(subparsers) -> None:
    from . import int_in  # noqa: PLC0415

    p = subparsers.add_parser("export", help="export a model directory's networks to ONNX (fp32 + fp16)")
    p.add_argument("model_dir", help="directory with config.json + *.safetensors")
    p.add_argument("--opset", type=int_in(17), default=17, help="ONNX opset (17 or newer)")
    p.add_argument("--no-fp16", action="store_true", help="skip the fp16 graphs")
    p.set_defaults(func=_cmd_export)

    e = subparsers.add_parser("engines", help="TensorRT engine cache: build, list, clean")
    esub = e.add_subparsers(dest="engines_cmd", required=True)
    b = esub.add_parser("build", help="build (or verify) an engine for every exported graph")
    b.add_argument("model_dir")
    b.add_argument("--precision", choices=("fp16", "fp32"), default="fp16")
    b.add_argument("--engine-dir", default=None, help="default: $POCE_RT_ENGINE_DIR or ./engines")
    b.add_argument("--max-batch", type=int_in(1, MAX_BATCH), default=DEFAULT_PROFILE_BATCH[2],
                   help=f"dynamic batch profile max, 1-{MAX_BATCH} (min=opt=1; default {DEFAULT_PROFILE_BATCH[2]})")
    b.add_argument("--target", action="append", default=None, metavar="SMxy",
                   help="TensorRT-RTX ahead-of-time target(s), e.g. SM75 for Turing (repeatable); "
                        "default: this GPU, or SM80/86/89/120+ without one")
    b.add_argument("--force", action="store_true", help="rebuild even if a valid engine is cached")
    b.set_defaults(func=_cmd_build)
    ls = esub.add_parser("list", help="list cached engines and check them")
    ls.add_argument("--engine-dir", default=None)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_cmd_list)
    c = esub.add_parser("clean", help="delete all cached engines and the manifest")
    c.add_argument("--engine-dir", default=None)
    c.set_defaults(func=_cmd_clean)


def _system(model_dir: Path):
    """The model directory's system (poce_rt.systems); a directory without config.json is left to
    POCE's loader, which says what is missing."""
    from ..systems import get, system_of  # noqa: PLC0415

    if not model_dir.is_dir():
        raise InputError(f"model directory not found: {model_dir}")
    return system_of(model_dir) if (model_dir / "config.json").is_file() else get("poce")


def _cmd_export(args) -> int:
    from . import require  # noqa: PLC0415

    system = _system(Path(args.model_dir))
    module, _, attr = system.export.partition(":")
    export = getattr(require(module, "train", "export"), attr)
    t0 = time.monotonic()
    # the export raises ModelDirError (an InputError) for a missing or corrupt model file
    res = export(args.model_dir, opset=args.opset, fp16=not args.no_fp16,
                 progress=lambda s: print(s, flush=True))
    n = sum(len(v) for v in res.values())
    print(f"[export] {n} {system.name} graphs in {args.model_dir} ({time.monotonic() - t0:.1f}s)")
    return 0


def _find_graphs(model_dir: Path, precision: str) -> list[Path]:
    """The exported graphs of the model directory's system (its registry entry names them)."""
    suffix = ".fp16.onnx" if precision == "fp16" else ".onnx"
    return [model_dir / (stem + suffix) for stem in _system(model_dir).graphs
            if (model_dir / (stem + suffix)).is_file()]


def _cmd_build(args) -> int:
    from ..backends.engines import EngineCache  # noqa: PLC0415
    from ..backends.base import BackendUnavailable  # noqa: PLC0415

    # progress and TensorRT's own log on stdout: stderr is for the one-line error
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    model_dir = Path(args.model_dir)
    if not model_dir.is_dir():
        raise InputError(f"model directory not found: {model_dir}")
    _check_targets(args.target)
    graphs = _find_graphs(model_dir, args.precision)
    if not graphs:
        raise InputError(f"no {args.precision} ONNX graphs in {model_dir}; run 'poce-rt export "
                       f"{model_dir}' first")
    cache = EngineCache(args.engine_dir)
    for g in graphs:
        t0 = time.monotonic()
        try:
            path = cache.get(g, args.precision, batch=(*DEFAULT_PROFILE_BATCH[:2], args.max_batch),
                             targets=args.target, force=args.force)
        except (BackendUnavailable, ValueError, RuntimeError) as exc:
            # the builder's own verdict on this graph (unparsable file, failed build, no TensorRT)
            raise InputError(f"{g.name}: {exc}") from exc
        print(f"[engine] {g.name:<28} -> {path} ({cache.last_event}, {time.monotonic() - t0:.1f}s)",
              flush=True)
    return 0


def _check_targets(targets) -> None:
    """--target values look like SM75 and, where TensorRT-RTX is here to ask, are among its targets."""
    import re  # noqa: PLC0415

    from ..backends.trt import supported_targets  # noqa: PLC0415

    known = supported_targets()
    for t in targets or ():
        if not re.fullmatch(r"SM\d{2,3}", t) or (known and t not in known):
            hint = f"one of {', '.join(known)}" if known else "like SM75, SM86, SM120"
            raise InputError(f"unknown --target {t!r}: {hint}")


def _cmd_list(args) -> int:
    from ..backends.base import BackendUnavailable  # noqa: PLC0415
    from ..backends.engines import EngineCache  # noqa: PLC0415

    cache = EngineCache(args.engine_dir)
    rows = []
    for rec in cache.records():
        path = cache.engine_dir / rec.file
        try:
            problem = cache.check(path, cache.manifest().get(rec.key))
        except (ImportError, BackendUnavailable, OSError) as exc:  # no TensorRT here: list what the manifest says
            problem = f"not checked ({exc})"
        rows.append({**rec.__dict__, "status": problem or "ok"})
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print(f"no engines in {cache.engine_dir}")
        return 0
    for r in rows:
        print(f"{r['file']:<44} {r['precision']:<5} {r['target']:<12} {r['flavour']} {r['trt_version']}"
              f"  {r['size'] / 1e6:7.2f} MB  {r['status']}")
    return 0


def _cmd_clean(args) -> int:
    from ..backends.engines import EngineCache  # noqa: PLC0415

    cache = EngineCache(args.engine_dir)
    n = cache.clean()
    print(f"removed {n} file(s) from {cache.engine_dir}")
    return 0


def main(argv=None) -> int:
    """Standalone entry: the same commands, exit statuses and one-line errors as ``poce-rt``."""
    from . import main as cli_main  # noqa: PLC0415

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
