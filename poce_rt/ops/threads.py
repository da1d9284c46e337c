"""How many threads the CPU kernels use.

The kernels run on their own small pool (csrc/parallel.h): the calling thread works too, helpers
take what is left when they wake, and small jobs stay on the caller. Helpers are only woken for
cores the machine's other runnable threads leave free (read from /proc/loadavg every 100 ms), so
beside a browser, a call or the tracker's own thread the kernels run on the calling thread alone
instead of queueing behind them. The default is the ``POCE_RT_THREADS`` environment variable,
else the number of cores (at most 4).
"""
from __future__ import annotations

from ._arrays import native


def get_num_threads() -> int:
    """Most threads the CPU kernels use, the calling thread included."""
    return int(native().num_threads())


def set_num_threads(n: int, adapt_to_load: bool = True) -> None:
    """Use at most `n` threads (1..64) from now on, in this process (1 = the calling thread only).

    adapt_to_load=False uses all `n` even when other processes keep the cores busy (for tests
    and measurements; a helper that the OS deschedules then stalls the caller)."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"threads must be an int, got {type(n).__name__}")
    native().set_num_threads(n, bool(adapt_to_load))
