"""`poce-rt serve`: the `poce_edit` model (triton_model.py) behind Triton Inference Server, through
PyTriton, on 127.0.0.1 unless asked otherwise. Health, readiness and metrics are Triton's own:
GET /v2/health/ready on the HTTP port, Prometheus text on the metrics port's /metrics.

Two processes (see triton_front.py for why): this one holds the engine (one Editor) and answers
edit messages on a private AF_UNIX socket; PyTriton's server runs in a second Python that has
nvidia-pytriton and numpy < 2 (`make triton-env`: .venv-triton beside .venv), started and stopped
with this one. Ctrl-C / SIGTERM / SIGHUP stop both.
"""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from multiprocessing import AuthenticationError
from multiprocessing.connection import Listener
from pathlib import Path

import numpy as np

from ..errors import InputError
from .triton_model import EditModel

FRONT = Path(__file__).with_name("triton_front.py")
TRITON_REQUIREMENTS = "nvidia-pytriton==0.7.0 'numpy<2'"
_PROBE = "import numpy, pytriton; print(numpy.__version__)"


def _probe(python: str) -> str | None:
    """None when `python` can run the front, else why not."""
    if not (os.path.isfile(python) and os.access(python, os.X_OK)):
        return f"{python}: not an executable file"
    try:
        r = subprocess.run([python, "-c", _PROBE], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"{python}: {e}"
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["failed"])[-1]
        return f"{python}: {last}"
    version = r.stdout.strip()
    if int(version.split(".")[0]) >= 2:
        return f"{python}: has numpy {version} (PyTriton's Triton stub needs numpy < 2)"
    return None


def triton_python(explicit: str | None = None) -> str:
    """The Python to run PyTriton in: --triton-python, else $POCE_RT_TRITON_PYTHON, else
    .venv-triton beside the running virtual environment, else this interpreter if it can."""
    if explicit or os.environ.get("POCE_RT_TRITON_PYTHON"):
        python = explicit or os.environ["POCE_RT_TRITON_PYTHON"]
        why = _probe(python)
        if why:
            raise InputError(f"poce-rt serve: cannot run PyTriton with {why}; it needs {TRITON_REQUIREMENTS}")
        return python
    reasons = []
    for python in (str(Path(sys.prefix).parent / ".venv-triton" / "bin" / "python"), sys.executable):
        if os.path.exists(python):
            why = _probe(python)
            if why is None:
                return python
            reasons.append(why)
    raise InputError(
        "poce-rt serve needs a Python with " + TRITON_REQUIREMENTS + " (PyTriton's Triton stub fails with "
        "numpy 2, which poce-rt's OpenCV needs, so it runs in a Python of its own): `make triton-env` "
        "makes .venv-triton, or `python3 -m venv DIR && DIR/bin/pip install " + TRITON_REQUIREMENTS +
        "` and pass --triton-python DIR/bin/python. Tried: " + "; ".join(reasons))


def answer(conn, model: EditModel) -> None:
    """Edit messages from the front until it hangs up: ("edit", h, w, rgb bytes, params JSON) ->
    ("ok", h, w, rgb bytes) or ("error", why). A bad item is that caller's error, never ours."""
    with conn:
        while True:
            try:
                _, h, w, data, params = conn.recv()
            except (EOFError, OSError):
                return
            try:
                image = np.frombuffer(data, np.uint8).reshape(h, w, 3)
                out = model.edit_one(image, params)
                conn.send(("ok", out.shape[0], out.shape[1], out.tobytes()))
            except InputError as e:
                conn.send(("error", str(e)))
            except Exception as e:  # noqa: BLE001 - reported to the caller, logged here, serving goes on
                traceback.print_exc()
                conn.send(("error", f"internal error: {type(e).__name__}: {e}"))


def serve(model_dir=None, *, host: str = "127.0.0.1", http_port: int = 8000, grpc_port: int = 8001,
          metrics_port: int = 8002, max_batch: int = 8, device: str = "cpu", bundle=None,
          triton_python_path: str | None = None) -> int:
    """Serve until interrupted; returns the front's exit status (0 after a signal)."""
    python = triton_python(triton_python_path)
    model = EditModel(model_dir, device=device, bundle=bundle)
    with tempfile.TemporaryDirectory(prefix="poce-rt-serve-") as tmp:
        address = os.path.join(tmp, "engine.sock")
        key = secrets.token_bytes(32)
        listener = Listener(address, family="AF_UNIX", authkey=key)
        closing = threading.Event()

        def accept():
            while True:
                try:
                    conn = listener.accept()
                except (OSError, EOFError, AuthenticationError):   # closed at shutdown, or a bad handshake
                    if closing.is_set():
                        return
                    continue
                threading.Thread(target=answer, args=(conn, model), daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()
        cmd = [python, str(FRONT), "--engine", address, "--host", host, "--http-port", str(http_port),
               "--grpc-port", str(grpc_port), "--metrics-port", str(metrics_port), "--max-batch", str(max_batch)]
        front = subprocess.Popen(cmd, env=dict(os.environ, POCE_RT_TRITON_AUTHKEY=key.hex()))

        def stop(*_):
            if front.poll() is None:
                front.send_signal(signal.SIGTERM)

        old = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGHUP)}
        try:
            while True:
                try:
                    return front.wait()
                except KeyboardInterrupt:
                    stop()
        finally:
            for s, h in old.items():
                signal.signal(s, h)
            if front.poll() is None:
                front.kill()
                front.wait()
            closing.set()
            listener.close()
            model.close()


class ServeProcess:
    """`poce-rt serve` in a child process on free loopback ports, for tests and benchmarks:

        with ServeProcess(bundle=...) as s:   # s.ports: {"http", "grpc", "metrics"}
            ...                                # stopped by SIGTERM on exit (s.stop() -> exit status)

    A start that is not ready within timeout_s (above PyTriton's own limits, 120 s for the server
    and 60 s for the model, so its errors come through) is killed, the whole process group with
    it (the front and its tritonserver too), and reported with the server's last output. Lines on
    the server's stdout before its ready line are kept in `before_ready` (there should be none:
    the front keeps stdout for that line alone).
    """

    def __init__(self, *args: str, bundle=None, max_batch: int = 8, timeout_s: float = 300):
        triton_python()   # InputError, with what to install, before anything starts
        self._start(args, bundle, max_batch, timeout_s)

    def _start(self, args, bundle, max_batch: int, timeout_s: float) -> None:
        from .ray_local import free_port

        self.ports = {"http": free_port(), "grpc": free_port(), "metrics": free_port()}
        cmd = [sys.executable, "-m", "poce_rt.cli", "serve", "--max-batch", str(max_batch), *args,
               *[a for k, p in self.ports.items() for a in (f"--{k}-port", str(p))]]
        if bundle is not None:
            cmd += ["--bundle", str(bundle)]
        # stderr into a file, not a pipe nobody drains (a full pipe would stall the server); its
        # tail is what a failed start reports. A session of its own: a failed start kills the
        # front and tritonserver with it.
        self._log = tempfile.TemporaryFile("w+")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._log, text=True,
                                     start_new_session=True)
        ready, ended = threading.Event(), threading.Event()
        self.before_ready: list[str] = []

        def watch():
            for line in self.proc.stdout:
                if line.startswith("serving"):
                    ready.set()
                elif not ready.is_set():
                    self.before_ready.append(line)
            ended.set()   # stdout closed: the server exited

        threading.Thread(target=watch, daemon=True).start()
        deadline = time.monotonic() + timeout_s
        while not ready.wait(0.2):
            if ended.is_set() or time.monotonic() > deadline:
                exited = ended.is_set()   # before the kill below ends it too
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                code = self.proc.wait()
                tail = self._tail()
                self._log.close()
                if exited:
                    raise RuntimeError(f"poce-rt serve exited with status {code} before it was ready; "
                                       f"its last output:\n{tail}")
                raise TimeoutError(f"poce-rt serve did not report ready in {timeout_s:.0f} s; "
                                   f"its last output:\n{tail}")

    def _tail(self, lines: int = 20) -> str:
        self._log.flush()
        self._log.seek(0)
        return "".join(self._log.readlines()[-lines:])

    def stop(self, timeout_s: float = 120) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()
        finally:
            self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
