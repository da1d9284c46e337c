"""Argument checking and CPU/GPU dispatch shared by the op wrappers.

An op runs on the GPU when its array arguments live there (CuPy arrays, or anything exposing
``__cuda_array_interface__`` such as torch CUDA tensors, wrapped by CuPy without a copy), and on
the CPU for NumPy arrays. Mixing the two is an error rather than a silent copy.
"""
from __future__ import annotations

import math

import numpy as np

MAX_SIDE = 16384


def is_device_array(x) -> bool:
    return hasattr(x, "__cuda_array_interface__")


def array_module(x):
    """cupy for device arrays, numpy otherwise: code written against it runs on both."""
    if is_device_array(x):
        import cupy

        return cupy
    return np


def to_host(x, stream=None) -> np.ndarray:
    """A fresh NumPy copy of a NumPy or device array (a device copy waits for `stream`)."""
    if is_device_array(x):
        import cupy

        return cupy.asnumpy(cupy.asarray(x), stream=stream, blocking=True)
    return np.array(x)


def on_stream(stream):
    """`with on_stream(s):` makes stream `s` current for CuPy, so that what is allocated and
    launched inside runs on `s` (a memory-pool block freed there is reused only in `s`'s order).
    `s`: a CuPy stream, a raw handle (int), or None (no change: the CPU, or CuPy's current)."""
    import contextlib

    if stream is None:
        return contextlib.nullcontext()
    if isinstance(stream, int):
        import cupy as cp

        return cp.cuda.ExternalStream(stream)
    return stream


def is_capturing(stream) -> bool:
    """Whether a CUDA graph capture is under way on `stream` (CuPy stream or handle; None = CuPy's
    current). Nothing in a capture may read device memory back to the host."""
    import cupy as cp

    handle = stream_handle(stream)
    return bool(cp.cuda.runtime.streamIsCapturing(handle))


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


class ObjectMemo:
    """Facts remembered about live objects, keyed by identity: an entry goes when its object is
    garbage-collected (a weak reference's callback), so a new object at a reused address, or a new
    array in a freed and reused device buffer, is never mistaken for an old one, and nothing has to
    be evicted while its object lives. Objects must support weak references (NumPy and CuPy arrays
    do)."""

    def __init__(self):
        self._entries: dict[int, tuple] = {}   # id -> (weakref, fact)

    def get(self, obj):
        entry = self._entries.get(id(obj))
        if entry is None or entry[0]() is not obj:
            return None
        return entry[1]

    def put(self, obj, fact) -> None:
        import weakref

        key = id(obj)
        entries = self._entries

        def forget(ref, key=key):
            if entries.get(key, (None,))[0] is ref:
                del entries[key]

        entries[key] = (weakref.ref(obj, forget), fact)

    def __len__(self) -> int:
        return len(self._entries)


_CHECKED_DEVICE_TRIS = ObjectMemo()   # device index array -> (data pointer, size, vertex count)


def check_tris(tris, nverts: int, stream=None) -> None:
    """Out-of-range indices are an error (the kernels would skip them, but it is a caller bug).

    A device index array is read back (on `stream`) the first time it is seen and remembered by
    identity while it lives, so a frame loop that passes the same array every frame pays once, and
    a CUDA graph capture (which forbids the read-back) finds it checked from the eager run before.
    An array first seen during a capture is an error rather than a silent skip. Rewriting a checked
    array in place is not re-checked: the kernels skip bad indices, so that stays memory-safe."""
    if len(tris) == 0:
        return
    if is_device_array(tris):
        fact = (int(tris.data.ptr), int(tris.size), int(nverts))
        if _CHECKED_DEVICE_TRIS.get(tris) == fact:
            return
        if is_capturing(stream):
            raise RuntimeError("tris: a device index array must be used once outside CUDA graph "
                               "capture (where its indices are checked) before it is captured")
        with on_stream(stream):
            lo, hi = int(tris.min()), int(tris.max())
    else:
        fact = None
        lo, hi = int(tris.min()), int(tris.max())
    if lo < 0 or hi >= nverts:
        raise ValueError(f"tris: indices must be in 0..{nverts - 1}, found {lo}..{hi}")
    if fact is not None:
        _CHECKED_DEVICE_TRIS.put(tris, fact)


def channel_sum(x, out):
    """out [...,1] = x [...,C] summed over its last axis, channel by channel in order ((x0 + x1) +
    x2 ...): the order NumPy's reduction takes over a short last axis, bit for bit (checked by
    tests/test_ops_arrays.py), without its per-element reduction loop (20x slower on a
    [256,256,3] map, 1 ms a call). NumPy or CuPy, into `out`, nothing allocated. Returns out."""
    xp = array_module(x)
    o = out[..., 0]
    if x.shape[-1] == 1:
        o[...] = x[..., 0]
        return out
    xp.add(x[..., 0], x[..., 1], out=o)
    for k in range(2, x.shape[-1]):
        xp.add(o, x[..., k], out=o)
    return out


def channel_dot(x, v, out, work):
    """out [...,1] = x [...,C] . v [C] over the last axis, bit for bit what xp.multiply(x, v) and
    channel_sum give: the same float32 products, added in the same order, one channel at a time
    (NumPy's multiply of [...,C] by a broadcast [C] walks C elements per inner loop: 5-10x slower).
    work: a [...] float32 scratch buffer. NumPy or CuPy, nothing allocated. Returns out."""
    xp = array_module(x)
    o = out[..., 0]
    xp.multiply(x[..., 0], v[0], out=o)
    for k in range(1, x.shape[-1]):
        xp.multiply(x[..., k], v[k], out=work)
        xp.add(o, work, out=o)
    return out


class Workspace:
    """Buffers that outlive one call, by name, on one device.

    Ops given a workspace take their GPU temporaries from it instead of allocating, and a frame
    loop takes its outputs from it too: the addresses then stay the same from frame to frame, which
    CUDA graph replay needs (a graph replays the pointers it was captured with) and which keeps a
    steady-state frame free of allocations. A buffer grows when a call asks for more than it holds
    (`reallocations` counts that, so a captured graph can tell it went stale); what `take` returns
    is a C-contiguous view of the first bytes, valid until the next `take` of the same name.
    """

    def __init__(self, gpu: bool = False):
        self.gpu = bool(gpu)
        self._flat: dict[str, object] = {}
        self.reallocations = 0

    @property
    def xp(self):
        if self.gpu:
            import cupy as cp

            return cp
        return np

    def take(self, name: str, shape, dtype):
        shape = tuple(int(d) for d in shape)
        dtype = np.dtype(dtype)
        n = math.prod(shape)   # not np.prod: ~7 us a call, ~40 takes a frame-loop step
        flat = self._flat.get(name)
        if flat is None or flat.dtype != dtype or flat.size < n:
            flat = self.xp.empty(max(n, 1), dtype)
            self._flat[name] = flat
            self.reallocations += 1
        return flat[:n].reshape(shape)

    @property
    def nbytes(self) -> int:
        return sum(int(a.nbytes) for a in self._flat.values())


def check_out(name: str, x, dtype, shape: tuple, gpu: bool):
    """An output buffer given by the caller: right device, dtype, shape, contiguous, writeable."""
    if x is None:
        return None
    if is_device_array(x) != gpu:
        raise TypeError(f"{name}: the output must live on the same device as the inputs")
    x = check(name, x, dtype, shape, gpu)
    if not gpu and not x.flags.writeable:
        raise ValueError(f"{name}: output must be writeable")
    return x


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
