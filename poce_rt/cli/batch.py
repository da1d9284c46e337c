"""`poce-rt batch edit|pose|reenact` (registered by poce_rt.cli.build_parser): many items on Ray.

    poce-rt batch edit shots/ --out edited/ --expr jawOpen=0.5 --workers 2
    poce-rt batch pose a.jpg b.jpg --out posed/ --yaw 20 --ray-address 10.0.0.5:6379
    poce-rt batch reenact --source face.jpg drivers/ --out reenacted/     (or --pairs pairs.csv)

Exit status: 0 when every item is done (now or in an earlier run), 1 when any failed (each failure
is in OUT/manifest.jsonl with its error), 2 for a usage error.
"""
from __future__ import annotations

import sys

from .. import limits
from . import float_in, int_in


def _params(args) -> str:
    """The EditParams JSON of `batch edit` / `batch pose` from the command's options."""
    from ..edit_params import EditParams
    from ..errors import InputError

    if args.batch_cmd == "reenact":
        return ""
    given = [getattr(args, ax) for ax in ("pitch", "yaw", "roll")]
    pose = None
    if any(v is not None for v in given):
        if getattr(args, "absolute_pose", False) and any(v is None for v in given):
            raise InputError("with --absolute-pose give all of --pitch, --yaw and --roll")
        pose = [0.0 if v is None else v for v in given]
    d: dict = {"pose": pose, "absolute_pose": getattr(args, "absolute_pose", False)}
    if args.batch_cmd == "edit":
        from .edit import _parse_exprs

        if args.params:
            if args.expr or pose is not None:
                raise InputError("give either --params or --expr / --pitch / --yaw / --roll, not both")
            return EditParams.parse(args.params).to_json()
        d.update(expression=_parse_exprs(args.expr), absolute=args.absolute, intensity=args.intensity,
                 steps=args.steps, mask=args.mask)
        if args.reference and d["expression"]:
            raise InputError("give either --expr or --reference, not both")
    if d["pose"] is None:
        del d["pose"]
    if d.get("mask") is None:
        d.pop("mask", None)
    return EditParams.parse(d).to_json()


def cmd_batch(args) -> int:
    from pathlib import Path

    from ..errors import InputError
    from ..scale.items import media_items, pair_items
    from ..scale.work import WorkSpec
    from . import require

    if args.model is not None and not Path(args.model).is_dir():
        raise InputError(f"model directory not found: {args.model}")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} is a file; give a folder")
    if args.batch_cmd == "reenact":
        items = pair_items(args.source, args.inputs, args.pairs, out)
    else:
        if not args.inputs:
            raise InputError(f"batch {args.batch_cmd}: give photos, videos or folders of them")
        items = media_items(args.inputs, out)
    if not items:
        raise InputError("no photos or videos found in the inputs")
    spec = WorkSpec(args.batch_cmd, params=_params(args), reference=getattr(args, "reference", None),
                    model=args.model, backend=args.backend, device=args.device, blend=args.blend,
                    uv_size=getattr(args, "size", 256), subdivisions=getattr(args, "subdivide", 0),
                    bundle=args.bundle, max_frames=args.max_frames, relative=not getattr(args, "absolute", False))
    batch = require("poce_rt.scale.batch", "scale", "poce-rt batch")
    s = batch.run_batch(spec, items, out, address=args.ray_address, workers=args.workers,
                        cpus_per_worker=args.cpus_per_worker, gpus_per_worker=args.gpus_per_worker,
                        progress=not args.quiet)
    for key, err in s.failures[:20]:
        print(f"failed: {key}: {err}", file=sys.stderr)
    if len(s.failures) > 20:
        print(f"... and {len(s.failures) - 20} more failures (see {out / 'manifest.jsonl'})", file=sys.stderr)
    rate = f", {s.items_per_second:.2f} items/s on {s.workers} workers" if s.done + s.failed else ""
    print(f"batch {args.batch_cmd}: {s.total} items: {s.done} done, {s.failed} failed, "
          f"{s.skipped} skipped (done before){rate} -> {out}")
    return 1 if s.failed else 0


def _job_options(s) -> None:
    s.add_argument("--out", required=True, help="output folder (also holds manifest.jsonl)")
    s.add_argument("--ray-address", help="join this Ray cluster (HOST:PORT); default: a local Ray on loopback")
    s.add_argument("--workers", type=int_in(1, 4096), default=None,
                   help="Ray actors, each with its own Editor (default: as many as the CPUs/GPUs allow)")
    s.add_argument("--cpus-per-worker", type=int_in(1, 256), default=1, help="CPUs (kernel threads) per worker")
    s.add_argument("--gpus-per-worker", type=float_in(0.0, 64.0), default=0.0,
                   help="GPUs per worker (fractions share a GPU; use with --device cuda)")
    s.add_argument("--max-frames", type=int_in(1), default=None, help="at most N frames of each video")
    s.add_argument("--model", help="trained model directory (default: weight-free pipeline)")
    s.add_argument("--backend", default="auto", choices=("auto", "onnxruntime", "tensorrt", "torch"))
    s.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    s.add_argument("--blend", default="feather", choices=("feather", "poisson"))
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_batch)


def _pose_options(s, absolute: bool) -> None:
    for ax in ("yaw", "pitch", "roll"):
        s.add_argument(f"--{ax}", type=float_in(), default=None, help=f"{ax} in degrees, {limits.pose_help(ax)}")
    if absolute:
        s.add_argument("--absolute-pose", action="store_true", help="--yaw/--pitch/--roll are absolute angles")


def add_parser(sub) -> None:
    from . import add_bundle_option

    bp = sub.add_parser("batch", help="edit, re-pose or reenact many photos and videos on Ray (resumable)")
    bsub = bp.add_subparsers(dest="batch_cmd", required=True)

    s = bsub.add_parser("edit", help="edit every photo and video (each frame) in INPUTS")
    s.add_argument("inputs", nargs="*", help="photos, videos, or folders of them")
    s.add_argument("--expr", nargs="+", action="extend", metavar="NAME=VALUE", help="as in `poce-rt edit`")
    s.add_argument("--absolute", action="store_true", help="--expr values are target scores, not changes")
    s.add_argument("--params", help="the edit as EditParams JSON (instead of --expr and the pose options)")
    s.add_argument("--reference", help="transplant this face's expression (under --mask)")
    s.add_argument("--mask", help="region(s): eyes,nose,mouth,eyes_nose_mouth (comma-joined)")
    s.add_argument("--intensity", type=float_in(-3.0, 3.0), default=1.0, help="scale of the change, -3..3")
    s.add_argument("--steps", type=int_in(*limits.STEPS), default=1, help="cascade steps of the texture edit")
    _pose_options(s, absolute=True)
    _job_options(s)
    add_bundle_option(s)

    s = bsub.add_parser("pose", help="re-pose the face of every photo and video (each frame) in INPUTS")
    s.add_argument("inputs", nargs="*", help="photos, videos, or folders of them")
    _pose_options(s, absolute=False)
    s.add_argument("--size", type=int_in(*limits.UV_SIZE), default=512, help="UV size S (default 512)")
    s.add_argument("--subdivide", type=int_in(*limits.SUBDIVISIONS), default=0, help="mesh subdivision levels")
    _job_options(s)
    add_bundle_option(s)

    s = bsub.add_parser("reenact", help="drive a source portrait with each driver video")
    s.add_argument("inputs", nargs="*", help="driver videos, or folders of them (with --source)")
    s.add_argument("--source", help="source portrait")
    s.add_argument("--pairs", help="CSV of source,driver rows (relative to the CSV's folder)")
    s.add_argument("--absolute", action="store_true", help="copy the driver's absolute pose and expression")
    _job_options(s)
    add_bundle_option(s)
