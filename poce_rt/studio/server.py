"""The studio's ASGI app (FastAPI): the page, the HTTP API and the reenact WebSocket.

    app = create_app(Settings(make_editor=lambda: Editor(), source=rgb_or_None, token=None))
    uvicorn.run(app, host="127.0.0.1", port=8750)

Routes (all /api ones need the token when one is set: `Authorization: Bearer T`, `X-Token: T`
or `?token=T`; the page reads it from its own URL):
    GET  /                 the page (static files from poce_rt/studio/static)
    GET  /api/health       {"status", "backend", "device", "model", "sessions", "source"}
    GET  /api/config       blendshape names grouped by region, presets, mask names, pose limits
    GET  /api/source       the --source portrait as PNG (404 without one)
    POST /api/edit         multipart: image (file), params (JSON, poce_rt.edit_params), reference
                           (file, optional) -> image/png
    WS   /api/reenact      text {"type": "start", "source": "default"|"upload", "virtual_cam": bool}
                           [+ one binary message: the source image when "upload"], then binary
                           frames (uint32 seq + JPEG) both ways; a text JSON after each output
                           frame ({"type": "frame", "seq", "status", "engine_ms", "dropped"}) and
                           {"type": "error", "error"} on a problem.
Bad input: 400 (not an image, invalid params), 413 (over the byte or pixel limits), 422 (no face
in the photo), JSON {"error": message}; the server goes on serving.
"""
from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import hmac
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from fastapi import FastAPI, File, Form, Request, UploadFile, WebSocket, WebSocketDisconnect
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from .. import limits
from ..codes import BLENDSHAPE_NAMES
from ..edit_params import EditParams
from ..errors import InputError
from ..tracker import NoFaceError
from .images import MAX_UPLOAD_BYTES, TooLarge, decode_image, encode
from .session import LiveSession, pack, unpack

STATIC = Path(__file__).with_name("static")
# a multipart body holds the photo, a reference and the JSON: two uploads plus room for the form
MAX_BODY_BYTES = 2 * MAX_UPLOAD_BYTES + 256 * 1024
OUT_QUEUE = 2          # output frames waiting for a slow client (older ones are dropped)


@dataclass
class Settings:
    """make_editor: () -> a new poce_rt.Editor (one for the HTTP edits, one per reenact session).
    source: the default portrait (HxWx3 uint8 RGB) or None. token: required on /api when set.
    model/device: as reported by /api/health. max_sessions: reenact sessions at once."""

    make_editor: Callable
    source: np.ndarray | None = None
    token: str | None = None
    model: str | None = None
    device: str = "cpu"
    max_sessions: int = 4
    cache_size: int = 8


def _region(name: str) -> str:
    for prefix, region in (("brow", "brows"), ("eye", "eyes"), ("cheek", "cheeks"), ("nose", "nose"),
                           ("jaw", "jaw"), ("mouth", "mouth")):
        if name.startswith(prefix):
            return region
    return "other"


def blendshape_groups() -> dict:
    """Every blendshape name but '_neutral', grouped by face region (for the page's sliders)."""
    groups: dict = {}
    for name in BLENDSHAPE_NAMES[1:]:
        groups.setdefault(_region(name), []).append(name)
    return groups


PRESETS = {   # relative changes, as the page's sliders hold them
    "neutral": {},
    "smile": {"mouthSmileLeft": 0.7, "mouthSmileRight": 0.7, "cheekSquintLeft": 0.3, "cheekSquintRight": 0.3},
    "surprise": {"jawOpen": 0.5, "browInnerUp": 0.7, "browOuterUpLeft": 0.6, "browOuterUpRight": 0.6,
                 "eyeWideLeft": 0.5, "eyeWideRight": 0.5},
    "talk": {"jawOpen": 0.35, "mouthLowerDownLeft": 0.3, "mouthLowerDownRight": 0.3},
    "frown": {"browDownLeft": 0.6, "browDownRight": 0.6, "mouthFrownLeft": 0.5, "mouthFrownRight": 0.5},
    "wink": {"eyeBlinkLeft": 0.9, "mouthSmileLeft": 0.3},
    "pout": {"mouthPucker": 0.8, "mouthFunnel": 0.3},
}


class _Prepared:
    """Sources prepared by the shared Editor (steps 1-4), by the sha256 of their upload: moving a
    slider re-sends the same photo, and only steps 5-7 run again."""

    def __init__(self, size: int):
        self.size = size
        self._items: collections.OrderedDict = collections.OrderedDict()

    def get(self, editor, data: bytes, what: str):
        key = hashlib.sha256(data).hexdigest()
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        rgb = decode_image(data, what)
        try:
            item = (rgb, editor.prepare(rgb))
        except NoFaceError:
            raise NoFaceError(f"{what}: no face found") from None
        self._items[key] = item
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return item


class Studio:
    """The app's state: the shared edit Editor (one edit at a time) and the live sessions."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.editor = settings.make_editor()
        self._edit_lock = threading.Lock()
        self._prepared = _Prepared(settings.cache_size)
        self.sessions = 0
        self._sessions_lock = threading.Lock()
        nets = getattr(self.editor, "networks", None)
        self.backend = nets.backend if nets is not None else "weight-free"

    def close(self) -> None:
        self.editor.close()

    def token_ok(self, given: str | None) -> bool:
        want = self.settings.token
        return want is None or (given is not None and hmac.compare_digest(given.encode(), want.encode()))

    def edit(self, image: bytes, params: str | None, reference: bytes | None) -> bytes:
        p = EditParams.parse(params)    # cheap checks first: a bad request costs no tracking
        with self._edit_lock:
            rgb, src = self._prepared.get(self.editor, image, "image")
            ref = self._prepared.get(self.editor, reference, "reference")[1] if reference else None
            res = p.apply(self.editor, rgb, ref, source=src)
        return encode(res.image, ".png")

    def acquire_session(self) -> bool:
        with self._sessions_lock:
            if self.sessions >= self.settings.max_sessions:
                return False
            self.sessions += 1
            return True

    def release_session(self) -> None:
        with self._sessions_lock:
            self.sessions -= 1


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _given_token(headers, query) -> str | None:
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return headers.get("x-token") or query.get("token")


def create_app(settings: Settings) -> FastAPI:
    studio = Studio(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        try:
            yield
        finally:
            studio.close()

    app = FastAPI(title="poce-rt studio", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.studio = studio

    @app.middleware("http")
    async def guard(request: Request, call_next):
        """Token on /api; the body's size from its header before anything reads it."""
        if request.url.path.startswith("/api") and not studio.token_ok(
                _given_token(request.headers, request.query_params)):
            return _error(401, "missing or wrong token (Authorization: Bearer T, X-Token or ?token=)")
        if request.method == "POST":
            length = request.headers.get("content-length")
            if length is None or not length.isdigit():
                return _error(411, "a Content-Length is required")
            if int(length) > MAX_BODY_BYTES:
                return _error(413, f"request body of {length} bytes; at most {MAX_BODY_BYTES}")
        return await call_next(request)

    @app.exception_handler(RequestValidationError)
    async def _malformed(request, exc):
        what = "; ".join(f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('msg')}" for e in exc.errors())
        return _error(400, f"malformed request ({what})")

    @app.exception_handler(TooLarge)
    async def _too_large(request, exc):
        return _error(413, str(exc))

    @app.exception_handler(NoFaceError)
    async def _no_face(request, exc):
        return _error(422, str(exc))

    @app.exception_handler(InputError)
    async def _bad_input(request, exc):
        return _error(400, str(exc))

    @app.get("/")
    async def index():
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/api/health")
    async def health():
        return {"status": "ok", "backend": studio.backend, "device": settings.device,
                "model": settings.model, "sessions": studio.sessions, "source": settings.source is not None}

    @app.get("/api/config")
    async def config():
        from ..masks import MASK_NAMES

        return {"blendshapes": blendshape_groups(), "presets": PRESETS, "masks": list(MASK_NAMES),
                "pose_limits": limits.POSE_DEG, "intensity": [-limits.MAX_INTENSITY, limits.MAX_INTENSITY],
                "source": settings.source is not None, "max_upload_bytes": MAX_UPLOAD_BYTES}

    @app.get("/api/source")
    async def source():
        if settings.source is None:
            return _error(404, "the studio was started without --source")
        return Response(await run_in_threadpool(encode, settings.source, ".png"), media_type="image/png")

    @app.post("/api/edit", response_class=Response)
    async def edit(image: UploadFile = File(...), params: str = Form(""),
                   reference: UploadFile | None = File(None)):
        data = await image.read(MAX_UPLOAD_BYTES + 1)
        ref = await reference.read(MAX_UPLOAD_BYTES + 1) if reference is not None else None
        png = await run_in_threadpool(studio.edit, data, params, ref or None)
        return Response(png, media_type="image/png")

    @app.websocket("/api/reenact")
    async def reenact(ws: WebSocket):
        if not studio.token_ok(_given_token(ws.headers, ws.query_params)):
            await ws.close(code=1008, reason="missing or wrong token")
            return
        await ws.accept()
        if not studio.acquire_session():
            await ws.send_text(json.dumps({"type": "error", "error": "too many live sessions; try later"}))
            await ws.close(code=1013)
            return
        try:
            await _reenact_session(ws, studio)
        except (WebSocketDisconnect, asyncio.CancelledError):
            pass   # the client went away, or the server is stopping: the session is released either way
        finally:
            studio.release_session()

    return app


async def _send_error(ws: WebSocket, message: str, close: bool = True) -> None:
    await ws.send_text(json.dumps({"type": "error", "error": message}))
    if close:
        await ws.close(code=1003)


async def _start_message(ws: WebSocket, studio: Studio):
    """The session's source portrait (and options) from its first messages; None after an error."""
    try:
        start = json.loads(await ws.receive_text())
        if not isinstance(start, dict) or start.get("type") != "start":
            raise ValueError
    except (ValueError, KeyError):
        await _send_error(ws, 'the first message must be {"type": "start", "source": "default"|"upload"}')
        return None
    if start.get("source") == "upload":
        try:
            return decode_image(await ws.receive_bytes(), "source"), start
        except InputError as e:
            await _send_error(ws, str(e))
            return None
    if studio.settings.source is None:
        await _send_error(ws, "no default portrait (start the studio with --source, or upload one)")
        return None
    return studio.settings.source, start


async def _reenact_session(ws: WebSocket, studio: Studio) -> None:
    got = await _start_message(ws, studio)
    if got is None:
        return
    source, start = got
    loop = asyncio.get_running_loop()
    out: asyncio.Queue = asyncio.Queue(maxsize=OUT_QUEUE)
    end = object()

    def offer(item):   # on the event loop: a full queue drops its oldest frame, never blocks
        if out.full():
            out.get_nowait()
        out.put_nowait(item)

    def post(item):
        try:
            loop.call_soon_threadsafe(offer, item)
        except RuntimeError:   # the loop has closed (server stopped): the release below ends the session
            pass

    def on_output(seq, jpeg, info):
        post((seq, jpeg, info))

    def on_end(error):
        post(error if error is not None else end)

    vcam = session = None
    editor = await run_in_threadpool(studio.settings.make_editor)
    try:
        if start.get("virtual_cam"):
            from ..video import DriverError, open_virtual_camera

            try:
                vcam = await run_in_threadpool(open_virtual_camera, source.shape[1], source.shape[0], 30.0)
            except DriverError as e:
                await _send_error(ws, str(e), close=False)
        try:
            session = await run_in_threadpool(LiveSession, source, editor, on_output, on_end, 80,
                                              vcam.send if vcam is not None else None)
        except NoFaceError:
            await _send_error(ws, "no face found in the source portrait")
            return
        await ws.send_text(json.dumps({"type": "ready", "width": int(source.shape[1]),
                                       "height": int(source.shape[0])}))
        await _pump(ws, session, out, end)
    finally:
        # on a thread of its own, not awaited: a handler cancelled by the server's shutdown still
        # stops the session's threads and releases its tracker
        threading.Thread(target=_release, args=(session, vcam, editor), name="poce_rt-studio-release",
                         daemon=True).start()


def _release(*things) -> None:
    """Close each of `things` (None skipped) in order; one failing does not keep the others open."""
    for thing in things:
        if thing is not None:
            try:
                thing.close()
            except Exception:  # noqa: BLE001 - best effort at the end of a session
                pass


async def _pump(ws: WebSocket, session: LiveSession, out: asyncio.Queue, end) -> None:
    """Frames from the client into the session, and the session's output back, until either ends."""
    async def send():
        while True:
            item = await out.get()
            if item is end:
                return
            if isinstance(item, BaseException):
                await _send_error(ws, f"the session stopped: {item}")
                return
            seq, jpeg, info = item
            await ws.send_bytes(pack(seq, jpeg))
            await ws.send_text(json.dumps({"type": "frame", "seq": seq, **info}))

    async def receive():
        while True:
            msg = await ws.receive()
            if msg["type"] == "websocket.disconnect":
                return
            data = msg.get("bytes")
            if data is not None:
                try:
                    seq, payload = unpack(data)
                except ValueError as e:
                    await _send_error(ws, str(e), close=False)
                    continue
                session.submit(seq, payload)
            elif msg.get("text"):
                await ws.send_text(json.dumps({"type": "stats", **session.stats()}))

    tasks = [asyncio.create_task(send()), asyncio.create_task(receive())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
