"""The face mesh and its UV layout (Geometry, geometry, built once per topology), the frame
box a face is drawn in (face_box) and the layout's host TexelMotion (texel_motion): what every
stage below reads."""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .. import limits, ops
from ..facemodel import FaceModel, load_face_model, subdivide
from ..motion import TexelMotion


@dataclass(frozen=True, eq=False)
class Geometry:
    """A face mesh (possibly subdivided) and its UV layout: fixed per topology, built once."""

    model: FaceModel
    layout: ops.UVLayout

    @property
    def size(self) -> int:
        return self.layout.size

    def posed(self, base_vertices: np.ndarray) -> np.ndarray:
        """[468,3] image-space vertices -> [N,3] float32 C-contiguous vertices of this mesh."""
        v = np.asarray(base_vertices, np.float32)
        if v.shape != (468, 3):
            raise ValueError(f"expected [468,3] vertices, got {list(v.shape)}")
        if not np.isfinite(v).all():
            raise ValueError("vertices contain NaN or inf")
        return np.ascontiguousarray(self.model.pose_from_base(v), dtype=np.float32)


@functools.lru_cache(maxsize=8)
def geometry(size: int = 256, subdivisions: int = 0, scheme: str = "loop") -> Geometry:
    """The canonical mesh (subdivided `subdivisions` times, 0-3) and its S x S layout (S in
    16-4096), cached. Out-of-range values raise InputError (poce_rt.limits)."""
    size = limits.check_int("UV size", size, *limits.UV_SIZE)
    subdivisions = limits.check_int("subdivisions", subdivisions, *limits.SUBDIVISIONS)
    model = load_face_model()
    if subdivisions:
        model = subdivide(model, subdivisions, scheme)
    tris = np.ascontiguousarray(model.tris, np.int32)
    uvs = np.ascontiguousarray(model.uvs, np.float32)
    return Geometry(model, ops.uv_layout(uvs, tris, int(size)))


def face_box(base_vertices: np.ndarray, height: int, width: int, margin: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1): the frame pixels within `margin` of the [468,3] vertices' bounding box.

    Render and composite cost per output pixel and a face is a small part of a frame, so both run
    on this box only. A subdivided mesh stays inside its base mesh's bounding box (Loop
    subdivision only averages vertices), so the base vertices bound it."""
    xy = np.asarray(base_vertices, np.float64)[:, :2]
    x0, y0 = np.clip(np.floor(xy.min(0)).astype(int) - margin, 0, (width, height))
    x1, y1 = np.clip(np.ceil(xy.max(0)).astype(int) + 1 + margin, 0, (width, height))
    return int(x0), int(y0), int(max(x1, x0)), int(max(y1, y0))


@functools.lru_cache(maxsize=8)
def texel_motion(geom: Geometry) -> TexelMotion:
    """The host TexelMotion of a geometry's layout (built once per geometry)."""
    return TexelMotion(geom.layout)
