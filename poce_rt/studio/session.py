"""One live reenact session (a WebSocket client): camera frames in, reenacted frames out.

    s = LiveSession(source_rgb, editor, on_output)   # source tracked/sampled/completed once
    s.submit(seq, jpeg_bytes)                         # from the receiving side; never blocks
    ... on_output(seq, jpeg_bytes, info) is called from the session's thread ...
    s.close()

The frames go through Reenactor.run (its pipeline: decode+track / render / encode on their own
threads), fed from a one-frame `LatestSlot`: a frame that arrives while the previous one still
waits replaces it (counted in `dropped`), so a client faster than the engine never builds a queue
and latency stays one frame deep. Each session has its own Reenactor (its tracker's video-mode
timestamps and its One Euro filters are per driver) and its own threads, so a slow or stalled
client only delays itself.
"""
from __future__ import annotations

import collections
import threading
import time
from typing import Callable

import numpy as np

from .images import MAX_FRAME_BYTES, MAX_FRAME_PIXELS, decode_image, encode

HEADER = 4   # every binary message starts with the frame's sequence number (uint32, big-endian)


def pack(seq: int, payload: bytes) -> bytes:
    return (seq & 0xFFFFFFFF).to_bytes(HEADER, "big") + payload


def unpack(message: bytes) -> tuple[int, bytes]:
    """-> (seq, payload); ValueError on a message too short to hold a header."""
    if len(message) <= HEADER:
        raise ValueError("a frame message is a 4-byte sequence number followed by a JPEG")
    return int.from_bytes(message[:HEADER], "big"), message[HEADER:]


class LatestSlot:
    """Holds at most one item: `put` replaces a waiting item (counted in `dropped`); iterating
    blocks until an item comes and ends once `close()` is called."""

    def __init__(self):
        self._cv = threading.Condition()
        self._item = None
        self._closed = False
        self.dropped = 0

    def put(self, item) -> None:
        with self._cv:
            if self._closed:
                return
            if self._item is not None:
                self.dropped += 1
            self._item = item
            self._cv.notify()

    def close(self) -> None:
        with self._cv:
            self._closed = True
            self._cv.notify_all()

    def __iter__(self):
        while True:
            with self._cv:
                while self._item is None and not self._closed:
                    self._cv.wait()
                if self._closed:
                    return
                item, self._item = self._item, None
            yield item


class LiveSession:
    """Reenacts `source` (HxWx3 uint8 RGB) with frames submitted as JPEG bytes.

    editor: the Editor the session's Reenactor draws with (owned by the caller; one per session:
        an Editor keeps the frame loop of the last source it drew).
    on_output(seq, jpeg, info): called on the session's thread for every output frame; info holds
        status, queue_ms (arrival to start of decode) and engine_ms (arrival to encoded output).
    on_end(error or None): called once when the session's thread ends.
    frame_sink: optional callable(rgb) also given every output frame (a virtual camera).
    NoFaceError (no face in the source) is raised here, before any thread starts.
    """

    def __init__(self, source: np.ndarray, editor, on_output: Callable, on_end: Callable | None = None,
                 quality: int = 80, frame_sink: Callable | None = None):
        from ..reenact import ReenactConfig, Reenactor

        self.reenactor = Reenactor(source, editor=editor, config=ReenactConfig(track_ahead=1))
        self._on_output, self._on_end, self._sink = on_output, on_end, frame_sink
        self.quality = int(quality)
        self._slot = LatestSlot()
        self._pending: collections.deque = collections.deque()   # (seq, t_arrival) in pipeline order
        self._t0 = time.monotonic()
        self.frames_in = self.frames_out = self.bad_frames = 0
        self._thread = threading.Thread(target=self._loop, name="poce_rt-studio-session", daemon=True)
        self._thread.start()

    @property
    def dropped(self) -> int:
        return self._slot.dropped

    def submit(self, seq: int, jpeg: bytes) -> None:
        """Offer one camera frame; returns at once (the frame may later be replaced by a newer one)."""
        self.frames_in += 1
        self._slot.put((seq, jpeg, time.monotonic()))

    def _frames(self):
        """The slot's frames, decoded (on the pipeline's reader thread); bad ones are skipped."""
        for seq, jpeg, t_in in self._slot:
            try:
                rgb = decode_image(jpeg, "frame", MAX_FRAME_BYTES, MAX_FRAME_PIXELS)
            except ValueError:
                self.bad_frames += 1
                continue
            self._pending.append((seq, t_in, time.monotonic()))
            yield rgb, t_in - self._t0

    def _loop(self) -> None:
        error = None
        try:
            for out in self.reenactor.run(self._frames()):
                seq, t_in, t_dec = self._pending.popleft()
                if self._sink is not None:
                    self._sink(out.image)
                jpeg = encode(out.image, ".jpg", self.quality)
                self.frames_out += 1
                now = time.monotonic()
                self._on_output(seq, jpeg, {"status": out.status, "queue_ms": 1e3 * (t_dec - t_in),
                                            "engine_ms": 1e3 * (now - t_in), "dropped": self.dropped})
        except Exception as e:  # noqa: BLE001 - reported to the client; the server goes on
            error = e
        finally:
            if self._on_end is not None:
                self._on_end(error)

    def close(self, timeout: float = 10.0) -> None:
        """Stop taking frames, let the pipeline wind down, release the Reenactor (idempotent)."""
        self._slot.close()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)
        if not self._thread.is_alive():   # a run still going cannot be closed from here: left to end
            self.reenactor.close()

    def stats(self) -> dict:
        return {"frames_in": self.frames_in, "frames_out": self.frames_out, "dropped": self.dropped,
                "bad_frames": self.bad_frames}
