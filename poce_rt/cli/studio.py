"""`poce-rt studio`: the local web studio and HTTP API (poce_rt.studio; needs the `live` extra).

    poce-rt studio --source face.jpg               # http://127.0.0.1:8750/
    poce-rt studio --host 0.0.0.0 --token SECRET   # reachable from the network: a token is required
"""
from __future__ import annotations

import ipaddress
import sys

from . import add_bundle_option, int_in, require
from ..errors import InputError


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cmd_studio(args) -> None:
    if not is_loopback(args.host) and not args.token:
        raise InputError(f"--host {args.host} opens the studio to the network: give --token T too "
                         "(clients send it as Authorization: Bearer T; the page as ?token=T)")
    if args.token is not None and len(args.token) < 8:
        raise InputError("--token: at least 8 characters")
    uvicorn = require("uvicorn", "live", "poce-rt studio")
    server = require("poce_rt.studio.server", "live", "poce-rt studio")
    from ..assets import load_image
    from .edit import _make_editor

    from ..tracker import NoFaceError

    source = load_image(args.source) if args.source else None
    with _make_editor(args.model, args.backend, args.device, "feather", args.bundle) as editor:  # checks, at once
        if source is not None:
            try:
                editor.prepare(source)
            except NoFaceError:
                raise InputError(f"no face found in --source {args.source}") from None
    sock = _bind(args.host, args.port)

    def make_editor():
        return _make_editor(args.model, args.backend, args.device, "feather", args.bundle)

    settings = server.Settings(make_editor=make_editor, source=source, token=args.token, model=args.model,
                               device=args.device, max_sessions=args.max_sessions)
    app = server.create_app(settings)
    host = f"[{args.host}]" if ":" in args.host else args.host
    query = f"?token={args.token}" if args.token else ""
    print(f"poce-rt studio: http://{host}:{args.port}/{query}", flush=True)
    config = uvicorn.Config(app, log_level="warning", ws_max_size=4 * 2**20)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
    print("poce-rt studio: stopped", file=sys.stderr)


def _bind(host: str, port: int):
    """The listening socket, bound here so a taken port or a foreign address is one clear error
    (uvicorn would log it and exit 1)."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as e:
        sock.close()
        raise InputError(f"cannot serve on {host}:{port}: {e.strerror or e}") from None
    return sock


def add_parser(sub) -> None:
    s = sub.add_parser("studio", help="a local web page and HTTP API: edit a portrait with sliders, "
                                      "reenact it from the browser's camera")
    add_bundle_option(s)
    s.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1; any other "
                                                       "needs --token)")
    s.add_argument("--port", type=int_in(1, 65535), default=8750, help="port (default 8750)")
    s.add_argument("--source", help="default portrait for reenact mode (the page can upload another)")
    s.add_argument("--model", help="trained model directory (default: weight-free pipeline)")
    s.add_argument("--backend", default="auto", choices=("auto", "onnxruntime", "tensorrt", "torch"))
    s.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    s.add_argument("--token", help="shared secret the page and API clients must send")
    s.add_argument("--max-sessions", type=int_in(1, 64), default=4, help="live reenact sessions at once (default 4)")
    s.set_defaults(func=cmd_studio)
