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
        size: S.
    """
    uvs = check("uvs", uvs, np.float32, (None, 2))
    tris = check("tris", tris, np.int32, (None, 3))
    check_tris(tris, len(uvs))
    if not np.isfinite(uvs).all():
        raise ValueError("uvs: must be finite")
    flat = np.zeros((len(uvs), 3), np.float32)
    flat[:, :2] = uvs * np.float32(size)
    tri_id, bary, _ = rasterize(flat, tris, size, size)
    return UVLayout(tri_id, bary, uvs, tris)
