"""The Triton side of `poce-rt serve`: PyTriton's server with the `poce_edit` model, whose inference
function forwards every image to the poce-rt engine process over a local socket.

Why a second process in its own Python: nvidia-pytriton (0.7.0, the newest) needs numpy < 2, and
its Triton stub really fails with numpy 2 (outputs come back empty, BYTES inputs garbled: checked),
while the engine's OpenCV 5 needs numpy >= 2. So this file runs under a Python that has PyTriton and
numpy 1 (`make triton-env` makes one: .venv-triton), imports nothing but the standard library,
numpy and PyTriton (never poce_rt: it is run by path), and talks to the engine (serve.py) with
multiprocessing.connection over an AF_UNIX socket in a private folder, authenticated by a key passed
in the environment. Messages are tuples of str/int/bytes, so the two numpy versions never meet.

    python triton_front.py --engine SOCKET --host 127.0.0.1 --http-port 8000 --grpc-port 8001 \
        --metrics-port 8002 --max-batch 8          (POCE_RT_TRITON_AUTHKEY=hex in the environment)

Exits 0 on SIGINT/SIGTERM/SIGHUP, and by itself when the engine process goes away.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import sysconfig
import threading
from multiprocessing.connection import Client

import numpy as np

MODEL_NAME = "poce_edit"


class EngineError(Exception):
    """What the engine said about a bad item (no face, bad JSON, ...): sent to that caller."""


class Engine:
    """One connection to the engine; Triton's model threads share it in turn."""

    def __init__(self, address: str, authkey: bytes):
        self.conn = Client(address, family="AF_UNIX", authkey=authkey)
        self.lock = threading.Lock()

    def edit(self, image: np.ndarray, params: bytes) -> np.ndarray:
        h, w = image.shape[:2]
        with self.lock:
            self.conn.send(("edit", h, w, np.ascontiguousarray(image).tobytes(), params))
            reply = self.conn.recv()
        if reply[0] != "ok":
            raise EngineError(reply[1])
        return np.frombuffer(reply[3], np.uint8).reshape(reply[1], reply[2], 3)

    def infer(self, requests: list) -> list:
        """PyTriton's batch of requests (dicts of arrays with the batch axis) -> one
        {"image": [B,H,W,3]} per request, so requests of different sizes never share a tensor."""
        out = []
        for r in requests:
            images, params = r["image"], r["params"]
            if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
                raise EngineError(f"image: UINT8 [batch, H, W, 3] expected, got {images.dtype} {list(images.shape)}")
            p = params.reshape(params.shape[0], -1)
            out.append({"image": np.stack([self.edit(images[b], _as_bytes(p[b, 0]) if p.size else b"")
                                           for b in range(images.shape[0])])})
        return out


def _as_bytes(v) -> bytes:
    return v if isinstance(v, bytes) else str(v).encode() if isinstance(v, str) else bytes(v)


def _libpython_first() -> None:
    """Triton's Python backend stub links `libpython3.X.so.1.0` by name; where the system Python is
    another patch release than this interpreter (Debian's 3.11.2 vs a pyenv 3.11.7), the stub would
    load the system one with this one's standard library and fail in multiprocessing."""
    libdir = sysconfig.get_config_var("LIBDIR")
    if libdir and os.path.isdir(libdir):
        old = os.environ.get("LD_LIBRARY_PATH", "")
        if libdir not in old.split(os.pathsep):
            os.environ["LD_LIBRARY_PATH"] = os.pathsep.join(filter(None, [libdir, old]))


def _stdout_for_ready_line_only():
    """Point fd 1 at stderr and return a file on the real stdout, for the ready line alone.

    PyTriton (verbose by default) prints tritonserver's log to stdout from a thread of its own, a
    chunk at a time: a log line split in two met our ready line in between, and a reader waiting for
    a line that starts with "serving" never saw one (1 start in ~10 here). The log goes to stderr
    with everything else of Triton's; stdout says when serving starts, and nothing else."""
    sys.stdout.flush()
    ready_out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    return ready_out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine", required=True, help="the engine's AF_UNIX socket")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--http-port", type=int, default=8000)
    ap.add_argument("--grpc-port", type=int, default=8001)
    ap.add_argument("--metrics-port", type=int, default=8002)
    ap.add_argument("--max-batch", type=int, default=8)
    a = ap.parse_args(argv)

    from pytriton.model_config import DynamicBatcher, ModelConfig, Tensor
    from pytriton.triton import Triton, TritonConfig

    engine = Engine(a.engine, bytes.fromhex(os.environ.pop("POCE_RT_TRITON_AUTHKEY", "")))
    stop = threading.Event()
    for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(s, lambda *_: stop.set())
    parent = os.getppid()
    _libpython_first()
    ready_out = _stdout_for_ready_line_only()
    config = TritonConfig(http_address=a.host, http_port=a.http_port, grpc_address=a.host,
                          grpc_port=a.grpc_port, metrics_port=a.metrics_port, allow_metrics=True)
    with Triton(config=config) as triton:
        triton.bind(
            model_name=MODEL_NAME,
            infer_func=engine.infer,
            inputs=[Tensor(name="image", dtype=np.uint8, shape=(-1, -1, 3)),
                    Tensor(name="params", dtype=bytes, shape=(1,))],
            outputs=[Tensor(name="image", dtype=np.uint8, shape=(-1, -1, 3))],
            config=ModelConfig(max_batch_size=a.max_batch,
                               batcher=DynamicBatcher(max_queue_delay_microseconds=2000)),
            strict=True,
        )
        triton.run()
        ready_out.write(f"serving {MODEL_NAME}: HTTP {a.host}:{a.http_port}, gRPC {a.host}:{a.grpc_port}, "
                        f"metrics {a.host}:{a.metrics_port}/metrics\n")
        ready_out.flush()
        # the engine owns this process: when it is gone (even killed), there is nothing to serve
        while not stop.wait(1.0) and triton.is_alive() and os.getppid() == parent:
            pass
        alive = triton.is_alive()
    return 0 if alive or stop.is_set() else 1


if __name__ == "__main__":
    sys.exit(main())
