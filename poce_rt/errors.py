"""The error types a caller (or the CLI) treats as "bad input, not a bug".

`InputError` is raised by the API for arguments out of range and inputs that are not what they
should be. It is a ValueError, so existing `except ValueError` code keeps working, but the CLI
turns only the types in `user_errors()` into one-line messages: a plain ValueError or TypeError
from our own code is a bug and keeps its traceback.

This module imports nothing heavy: `python -m poce_rt.cli` loads the CLI module twice (once as
__main__), and the error classes must be the same objects in both.
"""
from __future__ import annotations


class InputError(ValueError):
    """An argument out of its documented range, or an input file that is not what it should be
    (the CLI's own usage errors too: one type, printed as one line with exit status 2)."""


def user_errors() -> tuple[type[BaseException], ...]:
    """Exception types that mean "the user's input or machine is at fault": one line, exit 2.

    Besides InputError: missing/unreadable/unwritable files (OSError), assets (a corrupt or
    missing landmarker bundle), tracking (no face), backends that cannot run here, a driver that
    cannot be opened and a corrupt model directory (its torch-side loader raises InputError)."""
    from .assets import AssetError
    from .backends.base import BackendUnavailable
    from .tracker import TrackerError

    types: list[type[BaseException]] = [InputError, OSError, AssetError, BackendUnavailable, TrackerError]
    try:
        from .reenact import DriverError
    except ImportError:  # pragma: no cover - reenact's optional dependencies
        pass
    else:
        types.append(DriverError)
    return tuple(types)


def one_line(exc: BaseException) -> str:
    """The exception's message on one line (ONNX Runtime and TensorRT messages span several)."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
