"""NVTX ranges for the stages, so Nsight Systems shows track / sample_uv / complete / edit /
render / composite by name. The `nvtx` package (the [gpu] extra) is optional: without it the
ranges cost nothing."""
from __future__ import annotations

import contextlib

try:
    import nvtx as _nvtx
except ImportError:  # pragma: no cover - depends on the install
    _nvtx = None


def stage(name: str):
    """Context manager: one NVTX range named `name` in the 'poce_rt' domain."""
    if _nvtx is None:
        return contextlib.nullcontext()
    return _nvtx.annotate(name, domain="poce_rt")
