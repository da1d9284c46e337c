"""Argument checking and CPU/GPU dispatch shared by the op wrappers.

An op runs on the GPU when its array arguments live there (CuPy arrays, or anything exposing
``__cuda_array_interface__`` such as torch CUDA tensors, wrapped by CuPy without a copy), and on
the CPU for NumPy arrays. Mixing the two is an error rather than a silent copy.
"""
from __future__ import annotations

import numpy as np

MAX_SIDE = 16384


def is_device_array(x) -> bool:
    return hasattr(x, "__cuda_array_interface__")


def on_gpu(*arrays) -> bool:
    """True if the arrays live on the GPU, False if on the host; TypeError if they are mixed."""
    flags = [is_device_array(a) for a in arrays]
    if all(flags):
        return True
    if not any(flags):
        return False
    raise TypeError("all array arguments must live on the same device (all NumPy or all CUDA arrays)")


def _shape_str(shape) -> str:
    return "[" + ",".join("*" if s is None else str(s) for s in shape) + "]"


def check(name: str, x, dtype, shape: tuple, gpu: bool = False):
    """Validate one argument: array type, dtype, rank/shape (None = any) and C-contiguity.

    Returns the array (wrapped as CuPy without a copy on the GPU)."""
    if gpu:
        import cupy as cp

        x = cp.asarray(x)  # zero-copy for __cuda_array_interface__ producers
        contiguous = x.flags.c_contiguous
    else:
        if not isinstance(x, np.ndarray):
            raise TypeError(f"{name}: expected a numpy array, got {type(x).__name__}")
        contiguous = x.flags.c_contiguous
    if x.dtype != np.dtype(dtype):
        raise TypeError(f"{name}: expected dtype {np.dtype(dtype).name}, got {x.dtype}")
    if x.ndim != len(shape) or any(s is not None and s != d for s, d in zip(shape, x.shape)):
        raise ValueError(f"{name}: expected shape {_shape_str(shape)}, got {list(x.shape)}")
    if not contiguous:
        raise ValueError(f"{name}: must be C-contiguous (use np.ascontiguousarray)")
    return x


def check_size(height: int, width: int) -> None:
    if not (isinstance(height, (int, np.integer)) and isinstance(width, (int, np.integer))):
        raise TypeError("height and width must be integers")
    if not (1 <= height <= MAX_SIDE and 1 <= width <= MAX_SIDE):
        raise ValueError(f"height and width must be in 1..{MAX_SIDE}, got {height}x{width}")


def check_tris(tris, nverts: int) -> None:
    """Out-of-range indices are an error (the kernels would skip them, but it is a caller bug)."""
    if len(tris) == 0:
        return
    lo, hi = int(tris.min()), int(tris.max())
    if lo < 0 or hi >= nverts:
        raise ValueError(f"tris: indices must be in 0..{nverts - 1}, found {lo}..{hi}")


def stream_handle(stream) -> int:
    """A CUDA stream handle from a CuPy stream, an int, or None (the current CuPy stream)."""
    if stream is None:
        import cupy as cp

        return cp.cuda.get_current_stream().ptr
    if isinstance(stream, int):
        return stream
    return int(stream.ptr)


def ptr(x) -> int:
    return x.data.ptr


def native():
    """The compiled extension, with a clear error when it was not built."""
    try:
        from poce_rt import _C
    except ImportError as e:  # pragma: no cover - depends on the install
        raise ImportError(
            "poce_rt._C is not built: install the package with `pip install -e .` "
            "(or `make dev` for an in-place build)"
        ) from e
    return _C


def cuda_native():
    C = native()
    if not C.build_info["cuda"]:
        raise RuntimeError("poce_rt was built without CUDA kernels; rebuild with nvcc on PATH")
    if C.cuda_device_count() == 0:
        raise RuntimeError("no CUDA GPU is available for device arrays")
    return C
