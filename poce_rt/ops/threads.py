"""How many threads the CPU kernels use.

The kernels run on their own small pool (csrc/parallel.h): the calling thread works too, helpers
take what is left when they wake, and small jobs stay on the caller, so a busy machine (a
descheduled helper) slows a kernel down instead of stalling it at a barrier. The default is the
``POCE_RT_THREADS`` environment variable, else the number of cores (at most 4).
"""
from __future__ import annotations

from ._arrays import native


def get_num_threads() -> int:
    """Threads the CPU kernels use, the calling thread included."""
    return int(native().num_threads())


def set_num_threads(n: int) -> None:
    """Use `n` threads (1..64) from now on, in this process (1 = the calling thread only)."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"threads must be an int, got {type(n).__name__}")
    native().set_num_threads(n)
