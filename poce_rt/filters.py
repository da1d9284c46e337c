"""One Euro filter (Casiez, Roussel, Vogel, CHI 2012) for vectors of tracked signals.

Why: per-frame tracking (head angles, the 52 blendshape scores) jitters by a few tenths of a degree /
a few hundredths of a score even on a still face, and a fixed low-pass that removes the jitter makes
fast motion lag. The One Euro filter is a first-order low-pass whose cutoff rises with the signal's
speed: slow or still -> low cutoff (jitter removed), fast -> high cutoff (little lag).

    f = OneEuroFilter(min_cutoff=1.0, beta=0.05)   # per element of the vector
    y = f(x, timestamp_s)                          # x: [D] array (or scalar); timestamps in seconds

min_cutoff (Hz): cutoff at zero speed; lower = less jitter, more lag when slow.
beta (1 / signal unit): how fast the cutoff rises with speed; higher = less lag on fast motion.
d_cutoff (Hz): cutoff of the low-pass on the derivative (speed estimate); 1 Hz as in the paper.
Each element gets its own adaptive cutoff (from its own speed).
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["OneEuroFilter", "smoothing_alpha"]


def smoothing_alpha(cutoff, dt: float):
    """Exponential smoothing factor of a first-order low-pass with `cutoff` Hz at time step `dt` s."""
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff, np.float64))
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """Adaptive low-pass for a vector signal. Call with (x, timestamp_s); `reset()` forgets the state.

    When `timestamp_s` is None, samples are taken `1 / rate` seconds apart (rate in Hz, default 30).
    A repeated timestamp returns the previous output unchanged; a decreasing one is a ValueError.
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.0, d_cutoff: float = 1.0, rate: float = 30.0):
        for name, v in (("min_cutoff", min_cutoff), ("d_cutoff", d_cutoff), ("rate", rate)):
            if not (math.isfinite(v) and v > 0):
                raise ValueError(f"{name} must be a positive number, got {v}")
        if not (math.isfinite(beta) and beta >= 0):
            raise ValueError(f"beta must be >= 0, got {beta}")
        self.min_cutoff = float(min_cutoff)
        self.beta = float(beta)
        self.d_cutoff = float(d_cutoff)
        self.rate = float(rate)
        self.reset()

    def reset(self) -> None:
        self._x = None      # last filtered value
        self._dx = None     # last filtered derivative
        self._t = None      # last timestamp (s)

    @property
    def value(self):
        """The last output (None before the first sample)."""
        return None if self._x is None else self._x.copy()

    def __call__(self, x, timestamp_s: float | None = None) -> np.ndarray:
        x = np.asarray(x, np.float64)
        if not np.isfinite(x).all():
            raise ValueError("OneEuroFilter input contains NaN or inf")
        if self._x is None:
            self._t = 0.0 if timestamp_s is None else float(timestamp_s)
            self._x, self._dx = x.copy(), np.zeros_like(x)
            return x.copy()
        if x.shape != self._x.shape:
            raise ValueError(f"OneEuroFilter input shape changed from {self._x.shape} to {x.shape}; call reset()")
        t = self._t + 1.0 / self.rate if timestamp_s is None else float(timestamp_s)
        dt = t - self._t
        if dt < 0:
            raise ValueError(f"timestamps must not decrease: {t} s after {self._t} s")
        if dt == 0:
            return self._x.copy()
        dx = (x - self._x) / dt
        self._dx = self._dx + smoothing_alpha(self.d_cutoff, dt) * (dx - self._dx)
        cutoff = self.min_cutoff + self.beta * np.abs(self._dx)
        self._x = self._x + smoothing_alpha(cutoff, dt) * (x - self._x)
        self._t = t
        return self._x.copy()
