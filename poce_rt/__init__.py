"""poce-rt: real-time pose-controllable facial expression editing (after the POCE paper).

The runtime needs only NumPy, ONNX Runtime, MediaPipe/OpenCV and the compiled extension
``poce_rt._C``; torch is imported only by training, export and the torch backend.
"""
from __future__ import annotations

__version__ = "0.1.0"


def build_info() -> dict:
    """How the extension was built: {'cuda': bool, 'openmp': bool, 'compiler': str}."""
    from poce_rt.ops._arrays import native

    return dict(native().build_info)


def cuda_available() -> bool:
    """True when the CUDA kernels were built and a usable GPU with a driver is present."""
    try:
        from poce_rt import _C
    except ImportError:
        return False
    return bool(_C.build_info["cuda"]) and _C.cuda_device_count() > 0


def __getattr__(name):
    # The pipeline pulls in MediaPipe and OpenCV; import it on first use so `import poce_rt` stays
    # cheap for code that only needs the kernels.
    if name in ("Editor", "EditorConfig", "EditResult"):
        from . import pipeline

        return getattr(pipeline, name)
    if name in ("Reenactor", "ReenactConfig"):
        from . import reenact

        return getattr(reenact, name)
    raise AttributeError(f"module 'poce_rt' has no attribute {name!r}")


__all__ = ["__version__", "build_info", "cuda_available", "Editor", "EditorConfig", "EditResult",
           "Reenactor", "ReenactConfig"]
