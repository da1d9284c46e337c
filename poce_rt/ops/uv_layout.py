"""uv_layout: the texel -> (triangle, barycentrics) map of a mesh's UV layout."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ._arrays import check, check_tris
from .rasterize import rasterize


@dataclass(frozen=True)
class UVLayout:
    """Where each texel of an S x S UV map lies on the mesh. Fixed per topology: build once.

    tri_id [S,S] int32 (-1 outside the layout), bary [S,S,3] float32, uvs [N,2] float32 (v down),
    tris [F,3] int32.
    """

    tri_id: np.ndarray
    bary: np.ndarray
    uvs: np.ndarray
    tris: np.ndarray

    def __post_init__(self):
        # a hand-built layout reaches the kernels as it is: S >= 1 and consistent shapes
        s = self.tri_id.shape[0] if getattr(self.tri_id, "ndim", 0) == 2 else 0
        if s < 1 or self.tri_id.shape != (s, s):
            raise ValueError(f"UVLayout: tri_id must be [S,S] with S >= 1, got {getattr(self.tri_id, 'shape', None)}")
        if getattr(self.bary, "shape", None) != (s, s, 3):
            raise ValueError(f"UVLayout: bary must be [{s},{s},3], got {getattr(self.bary, 'shape', None)}")
        for name, arr in (("uvs", self.uvs), ("tris", self.tris)):
            if getattr(arr, "ndim", 0) != 2 or arr.shape[1] != (2 if name == "uvs" else 3):
                raise ValueError(f"UVLayout: {name} must be [N,{2 if name == 'uvs' else 3}], "
                                 f"got {getattr(arr, 'shape', None)}")

    @property
    def size(self) -> int:
        return int(self.tri_id.shape[0])

    @property
    def coverage(self):
        """[S,S] bool: texels that belong to a triangle."""
        return self.tri_id >= 0

    def to_device(self) -> "UVLayout":
        """The same layout with CuPy arrays, for the GPU path (copied once, then reused)."""
        return self._device

    @cached_property
    def _device(self) -> "UVLayout":
        import cupy as cp

        if hasattr(self.tri_id, "__cuda_array_interface__"):
            return self
        dev = UVLayout(*(cp.asarray(a) for a in (self.tri_id, self.bary, self.uvs, self.tris)))
        # the copies ran on whatever stream was current; kernels on other streams read these
        # arrays from now on, so wait for them once
        cp.cuda.get_current_stream().synchronize()
        return dev


def uv_layout(uvs, tris, size: int = 256) -> UVLayout:
    """Rasterize the mesh in UV space (texel centres at (i + 0.5) / S).

    Args:
        uvs: [N,2] float32 per-vertex UVs in [0,1], v growing downwards.
        tris: [F,3] int32.
        size: S, 1..4096.
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 1 <= size <= 4096:
        raise ValueError(f"size must be an integer in 1..4096, got {size!r}")
    uvs = check("uvs", uvs, np.float32, (None, 2))
    tris = check("tris", tris, np.int32, (None, 3))
    check_tris(tris, len(uvs))
    if not np.isfinite(uvs).all():
        raise ValueError("uvs: must be finite")
    flat = np.zeros((len(uvs), 3), np.float32)
    flat[:, :2] = uvs * np.float32(size)
    tri_id, bary, _ = rasterize(flat, tris, size, size)
    return UVLayout(tri_id, bary, uvs, tris)
