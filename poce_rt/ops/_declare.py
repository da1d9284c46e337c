"""One declaration per op: its array arguments (name, dtype, shape) and its CPU/CUDA kernels.

A shape is a tuple of ints (fixed), dim names such as "N" (bound by the first argument that has
the dim, and every later argument must match it) and None (any size); the image dims named in
`sizes` must lie in 1..MAX_SIDE (`check_size`), checked as soon as they are bound. `Op.check`
validates the arguments in declaration order with the messages of `check`/`check_out`, and
`Op.run` picks the CPU or the CUDA path, so that no wrapper repeats the checks or the device test.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ._arrays import check, check_out, check_size, cuda_native, native, on_gpu


@dataclass(frozen=True)
class Arg:
    name: str
    dtype: object
    shape: tuple
    out: bool = False   # an optional output buffer given by the caller (None = allocate)
    label: str = ""     # how errors name it, when not by `name` (e.g. "out[0] (rgb)")


class Checked:
    """The validated arguments of one call (by name), the dims they bound and their device."""

    def __init__(self, gpu: bool, dims: dict, arrays: dict):
        self.gpu, self.dims, self._arrays = gpu, dims, arrays

    def __getattr__(self, name):
        try:
            return self.__dict__["_arrays"][name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True)
class Op:
    """An op's arguments and the names of its kernels in the extension (CPU and CUDA)."""

    cpu: str
    cuda: str
    args: tuple
    sizes: tuple = ()   # (height dim, width dim) of an image argument

    def __init__(self, cpu: str, cuda: str, *args: Arg, sizes: tuple = ()):
        object.__setattr__(self, "cpu", cpu)
        object.__setattr__(self, "cuda", cuda)
        object.__setattr__(self, "args", args)
        object.__setattr__(self, "sizes", tuple(sizes))

    def check(self, dims: dict | None = None, gpu: bool | None = None, **given) -> Checked:
        """Validate `given` (name -> array) against the declaration, in declaration order.

        `dims` pre-binds dim names (from an earlier check); `gpu` is the device when the caller
        has already decided it (default: where the given inputs live, TypeError if mixed)."""
        declared = [a for a in self.args if a.name in given]
        if gpu is None:
            gpu = on_gpu(*(given[a.name] for a in declared if not a.out))
        dims = dict(dims or {})
        arrays = {}
        for a in declared:
            shape = tuple(dims.get(s) if isinstance(s, str) else s for s in a.shape)
            if a.out:
                x = check_out(a.label or a.name, given[a.name], a.dtype, shape, gpu)
            else:
                x = check(a.label or a.name, given[a.name], a.dtype, shape, gpu)
            if x is not None:
                unsized = self.sizes and not all(d in dims for d in self.sizes)
                for s, d in zip(a.shape, x.shape):
                    if isinstance(s, str):
                        dims.setdefault(s, int(d))
                if unsized and all(d in dims for d in self.sizes):
                    check_size(*(dims[d] for d in self.sizes))
            arrays[a.name] = x
        return Checked(gpu, dims, arrays)

    def run(self, a: Checked, cpu: Callable, cuda: Callable):
        """cpu(kernel) on the host, cuda(kernel) on the device, each given its extension function."""
        if not a.gpu:
            return cpu(getattr(native(), self.cpu))
        return cuda(getattr(cuda_native(), self.cuda))
