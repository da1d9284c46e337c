"""CLI: ``poce-rt export MODEL_DIR`` and ``poce-rt engines build|list|clean``.

``add_parser(subparsers)`` registers both commands on the main ``poce-rt`` parser; every command
sets ``func`` (call ``args.func(args)`` -> exit code). Standalone: ``python -m poce_rt.backends.cli``.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

__all__ = ["add_parser", "main"]


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("export", help="export a model directory's networks to ONNX (fp32 + fp16)")
    p.add_argument("model_dir", help="directory with config.json + *.safetensors")
    p.add_argument("--opset", type=int, default=17, help="ONNX opset (17 or newer)")
    p.add_argument("--no-fp16", action="store_true", help="skip the fp16 graphs")
    p.set_defaults(func=_cmd_export)

    e = subparsers.add_parser("engines", help="TensorRT engine cache: build, list, clean")
    esub = e.add_subparsers(dest="engines_cmd", required=True)
    b = esub.add_parser("build", help="build (or verify) an engine for every exported graph")
    b.add_argument("model_dir")
    b.add_argument("--precision", choices=("fp16", "fp32"), default="fp16")
    b.add_argument("--engine-dir", default=None, help="default: $POCE_RT_ENGINE_DIR or ./engines")
    b.add_argument("--max-batch", type=int, default=8, help="dynamic batch profile max (min=opt=1)")
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


def _cmd_export(args) -> int:
    try:
        from export.onnx_export import export_model_dir  # noqa: PLC0415
    except ImportError as exc:
        print(f"error: export needs torch and onnx-graphsurgeon ({exc}); pip install "
              "'poce-rt[train]' and run from the source tree", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    try:
        res = export_model_dir(args.model_dir, opset=args.opset, fp16=not args.no_fp16,
                               progress=lambda s: print(s, flush=True))
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    n = sum(len(v) for v in res.values())
    print(f"[export] {n} graphs in {args.model_dir} ({time.monotonic() - t0:.1f}s)")
    return 0


def _find_graphs(model_dir: Path, precision: str) -> list[Path]:
    suffix = ".fp16.onnx" if precision == "fp16" else ".onnx"
    out = []
    for p in sorted(model_dir.glob("*.onnx")):
        is16 = p.name.endswith(".fp16.onnx")
        if (precision == "fp16") == is16 and p.name.endswith(suffix):
            out.append(p)
    return out


def _cmd_build(args) -> int:
    from ..engines import EngineCache  # noqa: PLC0415
    from .base import BackendUnavailable  # noqa: PLC0415

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    model_dir = Path(args.model_dir)
    graphs = _find_graphs(model_dir, args.precision)
    if not graphs:
        print(f"error: no {args.precision} ONNX graphs in {model_dir}; run 'poce-rt export "
              f"{model_dir}' first", file=sys.stderr)
        return 1
    cache = EngineCache(args.engine_dir)
    for g in graphs:
        t0 = time.monotonic()
        try:
            path = cache.get(g, args.precision, batch=(1, 1, args.max_batch), targets=args.target,
                             force=args.force)
        except (BackendUnavailable, ValueError, RuntimeError) as exc:
            print(f"error: {g.name}: {exc}", file=sys.stderr)
            return 1
        print(f"[engine] {g.name:<28} -> {path} ({cache.last_event}, {time.monotonic() - t0:.1f}s)",
              flush=True)
    return 0


def _cmd_list(args) -> int:
    from ..engines import EngineCache  # noqa: PLC0415

    cache = EngineCache(args.engine_dir)
    rows = []
    for rec in cache.records():
        path = cache.engine_dir / rec.file
        try:
            problem = cache.check(path, cache.manifest().get(rec.key))
        except Exception as exc:  # no TensorRT here: still list what the manifest says
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
    from ..engines import EngineCache  # noqa: PLC0415

    cache = EngineCache(args.engine_dir)
    n = cache.clean()
    print(f"removed {n} file(s) from {cache.engine_dir}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="poce-rt")
    add_parser(parser.add_subparsers(dest="cmd", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
