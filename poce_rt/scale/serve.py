"""`poce-rt serve`: the `poce_edit` model (triton_model.py) behind Triton Inference Server, through
PyTriton, on 127.0.0.1 unless asked otherwise. Health, readiness and metrics are Triton's own:
GET /v2/health/ready on the HTTP port, Prometheus text on the metrics port.

Two facts of the PyTriton wheel that this module deals with:
  - Triton's Python backend stub links `libpython3.X.so.1.0` by name; on a machine whose system
    Python is another patch release than the running interpreter (Debian's 3.11.2 vs a 3.11.7 here),
    the stub loads the system one with the running one's standard library and fails in
    multiprocessing. The running interpreter's LIBDIR goes first on LD_LIBRARY_PATH of the server.
  - nvidia-pytriton (0.7.0, the newest) requires numpy < 2, and its stub really does not work with
    numpy 2 (outputs come back empty, BYTES inputs garbled: checked). `check_numpy()` says so
    before starting anything.
"""
from __future__ import annotations

import os
import sysconfig

import numpy as np

from ..errors import InputError
from .triton_model import MODEL_NAME, EditModel


def check_numpy() -> None:
    major = int(np.__version__.split(".")[0])
    if major >= 2:
        raise InputError(f"poce-rt serve: PyTriton's Triton stub needs numpy < 2, this environment has "
                         f"numpy {np.__version__} (which opencv-contrib-python 5 requires); run "
                         "`poce-rt export MODEL_DIR --triton-repo DIR` and a stand-alone Triton instead")


def _libpython_first() -> None:
    libdir = sysconfig.get_config_var("LIBDIR")
    if libdir and os.path.isdir(libdir):
        old = os.environ.get("LD_LIBRARY_PATH", "")
        if libdir not in old.split(os.pathsep):
            os.environ["LD_LIBRARY_PATH"] = os.pathsep.join(filter(None, [libdir, old]))


def bind(triton, model: EditModel, max_batch: int = 8) -> None:
    """Bind `poce_edit` to a pytriton.triton.Triton (dynamic batching up to `max_batch`)."""
    from pytriton.model_config import DynamicBatcher, ModelConfig, Tensor

    triton.bind(
        model_name=MODEL_NAME,
        infer_func=model.infer,
        inputs=[Tensor(name="image", dtype=np.uint8, shape=(-1, -1, 3)),
                Tensor(name="params", dtype=bytes, shape=(1,))],
        outputs=[Tensor(name="image", dtype=np.uint8, shape=(-1, -1, 3))],
        config=ModelConfig(max_batch_size=max_batch, batcher=DynamicBatcher(max_queue_delay_microseconds=2000)),
        strict=True,
    )


def triton_config(host: str = "127.0.0.1", http_port: int = 8000, grpc_port: int = 8001,
                  metrics_port: int = 8002):
    from pytriton.triton import TritonConfig

    return TritonConfig(http_address=host, http_port=http_port, grpc_address=host, grpc_port=grpc_port,
                        metrics_port=metrics_port, allow_metrics=True)


def serve(model_dir=None, *, host: str = "127.0.0.1", http_port: int = 8000, grpc_port: int = 8001,
          metrics_port: int = 8002, max_batch: int = 8, device: str = "cpu", bundle=None) -> None:
    """Serve until interrupted (Ctrl-C / SIGTERM)."""
    check_numpy()
    try:
        from pytriton.triton import Triton
    except ImportError as e:
        raise InputError(f"poce-rt serve needs PyTriton ({e}): pip install nvidia-pytriton") from None
    _libpython_first()
    model = EditModel(model_dir, device=device, bundle=bundle)
    try:
        with Triton(config=triton_config(host, http_port, grpc_port, metrics_port)) as triton:
            bind(triton, model, max_batch)
            print(f"serving {MODEL_NAME}: HTTP {host}:{http_port}, gRPC {host}:{grpc_port}, "
                  f"metrics {host}:{metrics_port}", flush=True)
            triton.serve()
    finally:
        model.close()
