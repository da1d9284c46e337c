"""The studio's HTTP API and reenact WebSocket (poce_rt.studio), in process (Starlette's TestClient),
checked with the tracker; the `studio` command's checks. The page in a real browser:
tests/test_studio_browser.py."""
import itertools
import json
import struct
import subprocess
import sys
import threading
import time
import zlib

import numpy as np
import pytest
from fastapi.testclient import TestClient

from poce_rt.assets import data_path, load_image
from poce_rt.codes import BLENDSHAPE_NAMES
from poce_rt.pipeline import Editor
from poce_rt.studio.images import TooLarge, decode_image, encode, sniff_size
from poce_rt.studio.server import Settings, blendshape_groups, create_app
from poce_rt.studio.session import LatestSlot, pack, unpack
from poce_rt.video import open_driver

JAW = BLENDSHAPE_NAMES.index("jawOpen")
TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def client():
    app = create_app(Settings(make_editor=Editor, source=load_image(data_path("single_face.jpg"))))
    with TestClient(app) as c:
        yield c


@pytest.fixture(autouse=True)
def no_session_left_behind():
    """Every session a test opened has stopped its threads soon after the test (closed sockets,
    an app stopped with a session open)."""
    yield
    _wait_no_session_threads()


@pytest.fixture(scope="module")
def driver_jpegs():
    with open_driver(data_path("WolfgangLanger_Pexels.mp4")) as d:
        return [encode(f, ".jpg") for f, _ in itertools.islice(d.timed(), 24)]


def _photo(name="0-f15-hao-ph.jpg") -> bytes:
    return data_path(name).read_bytes()


def _edit(client, image: bytes, params=None, **kw):
    data = {"params": json.dumps(params)} if params is not None else {}
    return client.post("/api/edit", files={"image": ("photo", image)}, data=data, **kw)


def _png_header(w: int, h: int) -> bytes:
    """A PNG whose header claims w x h pixels (a decompression bomb's first bytes)."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))


# -------------------------------------------------------------------------------------------- HTTP
def test_health(client):
    h = client.get("/api/health").json()
    assert h["status"] == "ok" and h["backend"] == "weight-free" and h["device"] == "cpu"
    assert h["model"] is None and h["source"] is True


def test_config_lists_every_blendshape_once(client):
    cfg = client.get("/api/config").json()
    names = [n for group in cfg["blendshapes"].values() for n in group]
    assert sorted(names) == sorted(BLENDSHAPE_NAMES[1:])
    assert blendshape_groups() == cfg["blendshapes"]
    assert set(cfg["masks"]) >= {"eyes", "mouth"}
    for expr in cfg["presets"].values():
        assert set(expr) <= set(BLENDSHAPE_NAMES)


def test_edit_opens_the_jaw(client, tracker):
    photo = _photo()
    r = _edit(client, photo, {"expression": {"jawOpen": 0.7}})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    before = tracker.track(decode_image(photo))[0].blendshapes[JAW]
    out = decode_image(r.content)
    assert out.shape == decode_image(photo).shape
    after = tracker.track(out)[0].blendshapes[JAW]
    assert after - before >= 0.3, (before, after)


def test_edit_without_params_keeps_the_photo_close(client):
    photo = _photo()
    out = decode_image(_edit(client, photo).content).astype(np.int16)
    assert np.abs(out - decode_image(photo)).mean() < 3.0


@pytest.mark.parametrize("image,params,status", [
    (b"\x00garbage" * 100, None, 400),                      # not an image
    (b"", None, 400),                                       # empty upload
    (_png_header(100_000, 100_000), None, 413),             # pixel limit, from the header alone
    (None, {"expression": {"jawOpenn": 0.5}}, 400),         # unknown blendshape
    (None, {"expression": {"jawOpen": 5}}, 400),            # out of range
    (None, {"pose": [0, 500, 0]}, 400),
    (None, {"mask": "../../etc/passwd"}, 400),              # no path reaches the file system
    (None, "{not json", 400),
])
def test_bad_input_is_a_4xx_and_the_server_keeps_serving(client, image, params, status):
    image = _photo() if image is None else image
    data = {"params": params if isinstance(params, str) else json.dumps(params)} if params is not None else {}
    r = client.post("/api/edit", files={"image": ("x", image)}, data=data)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json") and r.json()["error"]
    assert client.get("/api/health").json()["status"] == "ok"


def test_no_face_is_422(client):
    r = _edit(client, _photo("free-mountain-vector-01.jpg"), {"expression": {"jawOpen": 0.5}})
    assert r.status_code == 422 and "no face" in r.json()["error"]


def test_missing_image_and_oversized_body(client):
    r = client.post("/api/edit", data={"params": "{}"})
    assert r.status_code == 400 and "image" in r.json()["error"]
    r = client.post("/api/edit", content=b"x", headers={"content-length": str(10**9),
                                                         "content-type": "multipart/form-data; boundary=b"})
    assert r.status_code == 413


def test_reference_transfer_with_a_mask(client):
    photo = _photo()
    r = client.post("/api/edit", files={"image": ("p", photo), "reference": ("r", _photo("0-f1-su-ph.jpg"))},
                    data={"params": json.dumps({"mask": "mouth"})})
    assert r.status_code == 200, r.text
    out = decode_image(r.content).astype(np.int16)
    assert np.abs(out - decode_image(photo)).mean() > 0.05   # the mouth changed


def test_sniff_and_decode_limits():
    assert sniff_size(_png_header(640, 360)) == (640, 360)
    assert sniff_size(encode(np.zeros((48, 64, 3), np.uint8), ".jpg")) == (64, 48)
    assert sniff_size(b"GIF89a....") is None
    with pytest.raises(TooLarge):
        decode_image(b"\xff" * 100, max_bytes=10)
    with pytest.raises(TooLarge):
        decode_image(encode(np.zeros((64, 64, 3), np.uint8), ".png"), max_pixels=1000)


# ----------------------------------------------------------------------------------------- tokens
def test_token_required_on_http_and_websocket():
    app = create_app(Settings(make_editor=Editor, source=load_image(data_path("single_face.jpg")), token=TOKEN))
    with TestClient(app) as c:
        assert c.get("/api/health").status_code == 401
        assert c.get("/api/health", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/health", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        assert c.get("/api/health", headers={"X-Token": TOKEN}).status_code == 200
        assert c.get(f"/api/health?token={TOKEN}").status_code == 200
        assert _edit(c, _photo(), {}).status_code == 401
        assert c.get("/").status_code == 200           # the page itself holds nothing secret
        from starlette.websockets import WebSocketDisconnect

        with pytest.raises(WebSocketDisconnect) as e:
            with c.websocket_connect("/api/reenact") as ws:
                ws.receive_text()
        assert e.value.code == 1008
        with c.websocket_connect(f"/api/reenact?token={TOKEN}") as ws:
            ws.send_text(json.dumps({"type": "start", "source": "default"}))
            assert json.loads(ws.receive_text())["type"] == "ready"
    # (the app stopped with a session just opened: its threads still end, see no_session_left_behind)


def _wait_no_session_threads(timeout: float = 15.0) -> None:
    names = ("poce_rt-reenact", "poce_rt-studio")
    t_end = time.monotonic() + timeout
    while any(t.name.startswith(names) for t in threading.enumerate()):
        assert time.monotonic() < t_end, sorted(t.name for t in threading.enumerate())
        time.sleep(0.05)


@pytest.mark.parametrize("argv,message", [
    (["--host", "0.0.0.0"], "--token"),
    (["--host", "0.0.0.0", "--token", "short"], "at least 8"),
    (["--source", str(data_path("free-mountain-vector-01.jpg"))], "no face found in --source"),
    (["--port", "PORT_IN_USE"], "cannot serve on 127.0.0.1"),
])
def test_cli_studio_refuses_what_it_cannot_serve(argv, message):
    import socket

    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    argv = [a.replace("PORT_IN_USE", str(busy.getsockname()[1])) for a in argv]
    r = subprocess.run([sys.executable, "-m", "poce_rt.cli", "studio", *argv], capture_output=True, text=True,
                       timeout=60)
    busy.close()
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


# -------------------------------------------------------------------------------------- WebSocket
def _start(ws, source="default", upload=None):
    ws.send_text(json.dumps({"type": "start", "source": source}))
    if upload is not None:
        ws.send_bytes(upload)
    msg = json.loads(ws.receive_text())
    assert msg["type"] == "ready", msg
    return msg


def test_websocket_reenacts_frames_in_order(client, driver_jpegs, tracker):
    with client.websocket_connect("/api/reenact") as ws:
        ready = _start(ws, "upload", _photo())
        outs = []
        for i, jpeg in enumerate(driver_jpegs[:12]):
            ws.send_bytes(pack(1000 + i, jpeg))
            seq, out = unpack(ws.receive_bytes())
            info = json.loads(ws.receive_text())
            assert seq == 1000 + i and info["seq"] == seq and info["type"] == "frame"
            outs.append(decode_image(out))
    assert outs[0].shape == (ready["height"], ready["width"], 3) == decode_image(_photo()).shape
    assert sum(len(tracker.track(o)) > 0 for o in outs) >= 11
    assert np.abs(outs[-1].astype(int) - outs[1].astype(int)).mean() > 0.1   # the driver moves it
    assert client.get("/api/health").json()["sessions"] == 0                  # released on close


def test_websocket_bad_messages_get_errors_not_a_crash(client, driver_jpegs):
    with client.websocket_connect("/api/reenact") as ws:
        ws.send_text("hello")
        assert json.loads(ws.receive_text())["type"] == "error"
    with client.websocket_connect("/api/reenact") as ws:
        ws.send_text(json.dumps({"type": "start", "source": "upload"}))
        ws.send_bytes(_photo("free-mountain-vector-01.jpg"))
        assert "no face" in json.loads(ws.receive_text())["error"]
    with client.websocket_connect("/api/reenact") as ws:
        _start(ws)
        ws.send_bytes(b"\x00\x01")                                # too short for a header
        assert json.loads(ws.receive_text())["type"] == "error"
        ws.send_bytes(pack(7, b"not a jpeg"))                     # skipped, the session goes on
        ws.send_bytes(pack(8, driver_jpegs[0]))
        seq, _ = unpack(ws.receive_bytes())
        assert seq == 8
        ws.send_text("stats")
        json.loads(ws.receive_text())                             # the frame's info
        stats = json.loads(ws.receive_text())
        # the bad frame was skipped, or replaced by the good one before it was read
        assert stats["bad_frames"] + stats["dropped"] == 1 and stats["frames_out"] == 1


def test_virtual_camera_switch_without_a_backend_reports_and_goes_on(client, driver_jpegs):
    try:
        import pyvirtualcam  # noqa: F401
        pytest.skip("pyvirtualcam is installed here")
    except ImportError:
        pass
    with client.websocket_connect("/api/reenact") as ws:
        ws.send_text(json.dumps({"type": "start", "source": "default", "virtual_cam": True}))
        err = json.loads(ws.receive_text())
        assert err["type"] == "error" and "pyvirtualcam" in err["error"]
        assert json.loads(ws.receive_text())["type"] == "ready"
        ws.send_bytes(pack(1, driver_jpegs[0]))
        assert unpack(ws.receive_bytes())[0] == 1


def test_a_client_that_stops_reading_does_not_stall_another(client, driver_jpegs):
    """One client floods frames and never reads; another still gets every answer."""
    with client.websocket_connect("/api/reenact") as hog, client.websocket_connect("/api/reenact") as ws:
        _start(hog)
        _start(ws)
        for i in range(60):
            hog.send_bytes(pack(i, driver_jpegs[i % len(driver_jpegs)]))
        t0 = time.monotonic()
        for i in range(6):
            ws.send_bytes(pack(i, driver_jpegs[i]))
            assert unpack(ws.receive_bytes())[0] == i
            ws.receive_text()
        assert time.monotonic() - t0 < 60


def test_latest_slot_drops_older_frames():
    slot = LatestSlot()
    for i in range(5):
        slot.put(i)
    got = []
    t = threading.Thread(target=lambda: got.extend(slot))
    t.start()
    time.sleep(0.05)
    slot.put(9)
    time.sleep(0.05)
    slot.close()
    t.join(5)
    assert got == [4, 9] and slot.dropped == 4 and not t.is_alive()
    with pytest.raises(ValueError):
        unpack(b"\x00\x00\x00\x01")
