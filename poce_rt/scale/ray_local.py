"""Ray for a batch job: the embedded default (a Ray on this machine, loopback only) or a cluster.

This machine's Ray otherwise advertises its non-loopback interface and listens on all of them:
`ray.init` turns `_node_ip_address="127.0.0.1"` into that interface's address unless Ray's cluster
support is off (RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0: despite its name, on Linux too, read by Ray
when it is imported and by each process it starts). The local default turns it off while it starts
Ray, so every Ray server listens on 127.0.0.1, and puts its dashboard (which serves the state
API: `ray list tasks --address http://127.0.0.1:PORT`) on 127.0.0.1 too. Joining a cluster
(`address="HOST:PORT"`) uses the cluster's own settings; a head on this machine started with
`RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 ray start --head --node-ip-address 127.0.0.1 ...` stays on
loopback as well.

Workers must import the same poce_rt as the driver: when it is not installed in site-packages
(a checkout on PYTHONPATH), its folder is handed to the workers through the job's runtime_env.
"""
from __future__ import annotations

import contextlib
import os
import socket
import sys
from pathlib import Path

# A small object store: a job sends paths and records, never frames (outputs go to the file system).
OBJECT_STORE_BYTES = 128 * 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_env() -> dict:
    """runtime_env env_vars that make workers import this poce_rt (empty when it is installed)."""
    import poce_rt

    root = str(Path(poce_rt.__file__).resolve().parent.parent)
    if any(part in ("site-packages", "dist-packages") for part in Path(root).parts):
        return {}
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    if os.environ.get("SKBUILD_EDITABLE_SKIP"):   # an editable install's import hook, told to stand aside
        env["SKBUILD_EDITABLE_SKIP"] = os.environ["SKBUILD_EDITABLE_SKIP"]
    return env


@contextlib.contextmanager
def ray_session(address: str | None = None, num_cpus: int | None = None, num_gpus: int | None = None,
                dashboard: bool = True, shutdown: bool = True):
    """Connect to `address`, or start a local Ray with `num_cpus` / `num_gpus` on loopback.
    Yields a dict: address, dashboard_url ('' without a dashboard), local (bool)."""
    try:
        import ray
    except ImportError as e:
        from ..errors import InputError

        raise InputError(f"batch jobs need Ray ({e}): pip install 'poce-rt[scale]'") from None
    import signal

    sigterm = signal.getsignal(signal.SIGTERM)   # ray.init installs its own and leaves it after shutdown
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")   # no usage reports from a studio's machines
    runtime_env = {"env_vars": worker_env()}
    if address:
        host = address.split("://")[-1].rsplit(":", 1)[0]
        # a head on this machine's loopback: Ray would turn 127.0.0.1 into the outward address
        with _loopback_only() if host in ("127.0.0.1", "localhost") else contextlib.nullcontext():
            ctx = ray.init(address=address, runtime_env=runtime_env, log_to_driver=False)
    else:
        kwargs = {"include_dashboard": dashboard}
        if dashboard:
            kwargs.update(dashboard_host="127.0.0.1", dashboard_port=free_port())
        with _loopback_only():
            ctx = ray.init(_node_ip_address="127.0.0.1", num_cpus=num_cpus, num_gpus=num_gpus,
                           object_store_memory=OBJECT_STORE_BYTES, runtime_env=runtime_env,
                           log_to_driver=False, **kwargs)
    url = getattr(ctx, "dashboard_url", None) or ""
    info = {"address": ctx.address_info.get("address") or address, "local": not address,
            "dashboard_url": f"http://{url}" if url and not url.startswith("http") else url}
    try:
        yield info
    finally:
        if shutdown:
            ray.shutdown()
            if sigterm is not None:
                signal.signal(signal.SIGTERM, sigterm)


_LOOPBACK_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


@contextlib.contextmanager
def _loopback_only():
    """Ray's cluster support off while a local Ray starts: for the processes it starts (the
    variable) and for this one (the constant Ray read from it when it was imported)."""
    import ray._private.ray_constants as rc

    saved_env, saved_const = os.environ.get(_LOOPBACK_ENV), rc.ENABLE_RAY_CLUSTER
    os.environ[_LOOPBACK_ENV] = "0"
    rc.ENABLE_RAY_CLUSTER = False
    try:
        yield
    finally:
        rc.ENABLE_RAY_CLUSTER = saved_const
        if saved_env is None:
            os.environ.pop(_LOOPBACK_ENV, None)
        else:
            os.environ[_LOOPBACK_ENV] = saved_env


def say(msg: str) -> None:
    print(msg, file=sys.stderr)
