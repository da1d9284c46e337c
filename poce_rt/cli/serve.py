"""`poce-rt serve` (registered by poce_rt.cli.build_parser): the `poce_edit` model on Triton.

    poce-rt serve --model models/me --http-port 8000 --grpc-port 8001 --max-batch 8
"""
from __future__ import annotations

from . import int_in


def cmd_serve(args) -> int:
    from pathlib import Path

    from ..errors import InputError
    from . import require

    if args.model is not None and not Path(args.model).is_dir():
        raise InputError(f"model directory not found: {args.model}")
    serve = require("poce_rt.scale.serve", "scale", "poce-rt serve")
    return serve.serve(args.model, host=args.host, http_port=args.http_port, grpc_port=args.grpc_port,
                       metrics_port=args.metrics_port, max_batch=args.max_batch, device=args.device,
                       bundle=args.bundle, triton_python_path=args.triton_python)


def add_parser(sub) -> None:
    from . import add_bundle_option

    s = sub.add_parser("serve", help="serve the poce_edit model through Triton Inference Server (PyTriton)")
    add_bundle_option(s)
    s.add_argument("--model", help="trained model directory (default: weight-free pipeline)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1 only)")
    s.add_argument("--http-port", type=int_in(1, 65535), default=8000)
    s.add_argument("--grpc-port", type=int_in(1, 65535), default=8001)
    s.add_argument("--metrics-port", type=int_in(1, 65535), default=8002)
    s.add_argument("--max-batch", type=int_in(1, 256), default=8, help="largest dynamic batch (default 8)")
    s.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    s.add_argument("--triton-python", metavar="PYTHON",
                   help="a Python with nvidia-pytriton and numpy<2 to run Triton in (default: "
                        "$POCE_RT_TRITON_PYTHON, else .venv-triton beside this venv: `make triton-env`)")
    s.set_defaults(func=cmd_serve)
