"""``poce-rt eval``: compare methods on the same photos (poce_rt.systems.evaluate).

  poce-rt eval [--model MODEL_DIR ...] [--weight-free] IMAGES... [--reference REF...] [--expr NAME=V ...]
               --json OUT.json [--markdown OUT.md]
Several --model directories (any system) and --weight-free give one table, one row per method.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import InputError


def add_parser(sub) -> None:
    from . import add_bundle_option, float_in

    s = sub.add_parser("eval", help="measure IED, EXD, pose error, round-trip PSNR/SSIM of methods on photos")
    add_bundle_option(s)
    s.add_argument("images", nargs="+", help="photos (or folders of photos)")
    s.add_argument("--model", action="append", default=[], help="a model directory (repeatable; any system)")
    s.add_argument("--weight-free", action="store_true", help="also the weight-free engine (default without --model)")
    s.add_argument("--reference", nargs="+", action="extend", default=None,
                   help="reference photo(s): one for all, or one per photo")
    s.add_argument("--expr", nargs="+", action="extend", metavar="NAME=VALUE", help="relative blendshape changes")
    s.add_argument("--intensity", type=float_in(-3.0, 3.0), default=1.0)
    s.add_argument("--backend", default="auto", choices=("auto", "onnxruntime", "tensorrt", "torch"))
    s.add_argument("--json", required=True, help="write the results here")
    s.add_argument("--markdown", help="also write the table as Markdown")
    s.set_defaults(func=cmd_eval)


def _photos(items) -> list[tuple[str, object]]:
    from ..assets import load_image
    from . import IMAGE_EXTS

    out = []
    for item in items:
        p = Path(item)
        files = sorted(f for f in p.iterdir() if f.suffix.lower() in IMAGE_EXTS) if p.is_dir() else [p]
        for f in files:
            if not f.is_file():
                raise InputError(f"photo not found: {f}")
            out.append((f.name, load_image(f)))
    if not out:
        raise InputError("no photos given")
    return out


def cmd_eval(args) -> int:
    from ..systems.evaluate import FID_NOTE, evaluate, markdown, open_method
    from ..tracker import FaceTracker
    from . import check_output, write_atomic
    from .edit import _parse_exprs

    check_output(args.json, (".json",))
    if args.markdown:
        check_output(args.markdown, (".md",))
    expr = _parse_exprs(args.expr) or None
    if expr and args.reference:
        raise InputError("give either --expr or --reference, not both")
    images = _photos(args.images)
    refs = _photos(args.reference) if args.reference else None
    if refs and len(refs) not in (1, len(images)):
        raise InputError(f"give one reference for all photos or one per photo ({len(images)}), not {len(refs)}")
    models = [None] * (args.weight_free or not args.model) + list(args.model)
    results = []
    with FaceTracker(getattr(args, "bundle", None), max_faces=4, mode="image") as tracker:
        for m in models:
            method = open_method(m, tracker, args.backend)
            try:
                res = evaluate(method, images, refs, expr, tracker, args.intensity)
            finally:
                method.close()
            results.append(res)
            mean = res["mean"]
            print(f"[eval] {res['method']}: " + ", ".join(
                f"{k} {v:.3f}" for k, v in mean.items() if v is not None) + f", failures {res['failures']}",
                file=sys.stderr, flush=True)
    doc = {"methods": results, "note": FID_NOTE,
           "task": {"expr": expr, "references": [n for n, _ in refs] if refs else None,
                    "intensity": args.intensity, "images": [n for n, _ in images]}}
    write_atomic(args.json, json.dumps(doc, indent=2).encode())
    table = markdown(results)
    if args.markdown:
        write_atomic(args.markdown, table.encode())
    print(table)
    return 0
