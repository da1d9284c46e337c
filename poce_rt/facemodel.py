"""The canonical face mesh (468 vertices, 898 triangles, per-vertex UVs) from the landmarker bundle.

Source: ``geometry_pipeline_metadata_landmarks.binarypb`` inside ``face_landmarker.task`` (a zip). It is a
serialized ``mediapipe.tasks.vision.face_geometry.proto.GeometryPipelineMetadata``::

    GeometryPipelineMetadata { input_source = 3 (enum); canonical_mesh = 1 (Mesh3d);
                               procrustes_landmark_basis = 2 (repeated WeightedLandmarkRef) }
    Mesh3d { vertex_type = 1; primitive_type = 2; vertex_buffer = 3 (repeated float, x y z u v per vertex);
             index_buffer = 4 (repeated uint32) }
    WeightedLandmarkRef { landmark_id = 1 (uint32); weight = 2 (float) }

mediapipe 1.2.2 ships no Python ``*_pb2`` for these messages (the wheel is ctypes over a C API), and
adding ``protobuf`` plus hand-compiled descriptors for three tiny messages is not worth a dependency, so
:func:`_read_fields` is a ~20-line protobuf wire-format reader. It accepts both packed and unpacked
repeated fields (the shipped file uses *unpacked* ones: one tag per float / index).

Conventions (see docs/ARCHITECTURE.md):

* ``vertices``: the canonical frame (centimetres, y up, z towards the viewer, right-handed) rotated 180
  degrees about x into OUR image-like frame: x right, y down, depth = -z (smaller = nearer). A rotation,
  not a mirror, so the triangle winding and the right-hand-rule normals are preserved. Canonical x grows
  towards image-right, i.e. towards the subject's left (landmark 33, the subject's right eye corner, has x<0).
* ``tris`` winding: the right-hand-rule normal ``(v1-v0) x (v2-v0)`` points OUT of the face. For a face
  looking at the camera, front-facing triangles therefore have a normal with negative depth component,
  i.e. a NEGATIVE signed area in pixel coordinates (x right, y down) = counter-clockwise as seen on screen.
  :func:`front_facing` implements exactly this test.
* ``uvs``: u right, v grows DOWNWARDS in the UV image (forehead v~0.1 at the top, chin v~0.95 at the
  bottom), which is how the bundle stores them already.
"""
from __future__ import annotations

import dataclasses
import functools
import struct
import zipfile
from pathlib import Path

import numpy as np

__all__ = [
    "FaceModel", "SparseWeights", "load_face_model", "subdivide", "front_facing", "signed_area_px",
    "mirror_uv_map", "edges_of", "N_VERTICES", "N_TRIANGLES",
]

N_VERTICES = 468
N_TRIANGLES = 898
_METADATA_MEMBER = "geometry_pipeline_metadata_landmarks.binarypb"


# ------------------------------------------------------------------------------- protobuf wire format
def _varint(b: bytes, i: int) -> tuple[int, int]:
    r = shift = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return r, i


def _read_fields(b: bytes) -> dict[int, list]:
    """{field number: [values]}: varints as int, fixed32/64 and length-delimited as raw bytes."""
    out: dict[int, list] = {}
    i = 0
    while i < len(b):
        key, i = _varint(b, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            v, i = _varint(b, i)
        elif wire == 1:
            v, i = b[i:i + 8], i + 8
        elif wire == 2:
            n, i = _varint(b, i)
            v, i = b[i:i + n], i + n
        elif wire == 5:
            v, i = b[i:i + 4], i + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire} (field {field})")
        out.setdefault(field, []).append((wire, v))
    return out


def _floats(entries) -> np.ndarray:
    """Repeated float, packed (wire 2) or not (wire 5)."""
    return np.frombuffer(b"".join(v for _, v in entries), dtype="<f4").astype(np.float32)


def _uints(entries) -> np.ndarray:
    """Repeated uint32, packed (wire 2: a run of varints) or not (wire 0)."""
    vals: list[int] = []
    for wire, v in entries:
        if wire == 0:
            vals.append(v)
        else:
            i = 0
            while i < len(v):
                x, i = _varint(v, i)
                vals.append(x)
    return np.asarray(vals, dtype=np.int64)


# ---------------------------------------------------------------------------------------- sparse
@dataclasses.dataclass(frozen=True)
class SparseWeights:
    """A small CSR matrix [rows, cols] (pure NumPy; scipy is not a runtime dependency).

    ``W @ X`` with X [cols, C] (or [cols]) gives [rows, C]: posing a subdivided mesh from the 468 tracked
    vertices is ``model.from_base @ verts468``.
    """
    indptr: np.ndarray   # [rows+1] int64
    indices: np.ndarray  # [nnz] int64 (column ids)
    data: np.ndarray     # [nnz] float64
    shape: tuple[int, int]

    @staticmethod
    def from_coo(rows, cols, vals, shape) -> "SparseWeights":
        rows, cols, vals = (np.asarray(a) for a in (rows, cols, vals))
        key = rows.astype(np.int64) * shape[1] + cols
        uniq, inv = np.unique(key, return_inverse=True)          # sorted by (row, col); duplicates summed
        data = np.bincount(inv, weights=vals.astype(np.float64), minlength=len(uniq))
        keep = data != 0
        uniq, data = uniq[keep], data[keep]
        r = uniq // shape[1]
        indptr = np.zeros(shape[0] + 1, np.int64)
        np.add.at(indptr, r + 1, 1)
        return SparseWeights(np.cumsum(indptr), uniq % shape[1], data, tuple(shape))

    @staticmethod
    def identity(n: int) -> "SparseWeights":
        i = np.arange(n)
        return SparseWeights(np.arange(n + 1), i, np.ones(n), (n, n))

    def row_ids(self) -> np.ndarray:
        return np.repeat(np.arange(self.shape[0]), np.diff(self.indptr))

    def __matmul__(self, x):
        if isinstance(x, SparseWeights):  # self [a,b] @ x [b,c], for composing subdivision levels
            r = self.row_ids()
            cnt = np.diff(x.indptr)[self.indices]
            rr = np.repeat(r, cnt)
            starts = np.repeat(x.indptr[self.indices], cnt)
            off = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
            j = starts + off
            return SparseWeights.from_coo(rr, x.indices[j], np.repeat(self.data, cnt) * x.data[j],
                                          (self.shape[0], x.shape[1]))
        x = np.asarray(x)
        if x.shape[0] != self.shape[1]:
            raise ValueError(f"shape mismatch: {self.shape} @ {x.shape}")
        prod = self.data.reshape((-1,) + (1,) * (x.ndim - 1)) * x[self.indices]
        out = np.zeros((self.shape[0],) + x.shape[1:], np.result_type(x.dtype, np.float32))
        np.add.at(out, self.row_ids(), prod)
        return out

    def toarray(self) -> np.ndarray:
        out = np.zeros(self.shape, np.float64)
        out[self.row_ids(), self.indices] = self.data
        return out


# ------------------------------------------------------------------------------------- the model
@dataclasses.dataclass(frozen=True, eq=False)
class FaceModel:
    """The face mesh in our image-like canonical frame (units: canonical centimetres).

    vertices           [N,3] float32  x right, y down, depth (smaller = nearer)
    tris               [F,3] int32    outward right-hand-rule normals (see module docstring)
    uvs                [N,2] float32  in [0,1], v grows downwards
    procrustes_weights [N]   float32  MediaPipe's rigid-landmark weights (0 for most vertices)
    mirror_vertices    [N]   int64    index of each vertex's left-right mirror (an involution)
    from_base          SparseWeights [N,468]: vertices = from_base @ base vertices (identity at level 0)
    level              subdivision level (0 = the 468-vertex mesh)
    """
    vertices: np.ndarray
    tris: np.ndarray
    uvs: np.ndarray
    procrustes_weights: np.ndarray
    mirror_vertices: np.ndarray
    from_base: SparseWeights
    level: int = 0
    scheme: str = "base"

    @property
    def n_vertices(self) -> int:
        return len(self.vertices)

    @property
    def n_tris(self) -> int:
        return len(self.tris)

    def pose_from_base(self, base_vertices: np.ndarray) -> np.ndarray:
        """[468,C] tracked/posed base vertices -> [N,C] float32 vertices of this (subdivided) mesh."""
        base_vertices = np.asarray(base_vertices)
        if base_vertices.shape[0] != N_VERTICES:
            raise ValueError(f"expected [{N_VERTICES},C] base vertices, got {base_vertices.shape}")
        if self.level == 0:
            return base_vertices.astype(np.float32, copy=True)
        return (self.from_base @ base_vertices.astype(np.float64)).astype(np.float32)

    def mirror_texel(self, uv: np.ndarray) -> np.ndarray:
        """[...,2] UV coordinates -> the UV of the left-right mirrored surface point (u -> 1-u).

        Valid because the canonical UV layout is left-right symmetric about u = 0.5 (checked in tests).
        """
        uv = np.asarray(uv, np.float32).copy()
        uv[..., 0] = 1.0 - uv[..., 0]
        return uv


def mirror_uv_map(uv_map: np.ndarray) -> np.ndarray:
    """[S,S,C] UV map -> the same map of the mirrored face (column flip; the layout is symmetric)."""
    return np.ascontiguousarray(uv_map[:, ::-1])


def signed_area_px(verts: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """[F] twice the signed 2D area of each triangle in pixel coordinates (x right, y down).

    Equals the depth component of the right-hand-rule normal: negative = facing the camera.
    """
    v = np.asarray(verts, np.float64)[np.asarray(tris)]
    a, b = v[:, 1, :2] - v[:, 0, :2], v[:, 2, :2] - v[:, 0, :2]
    return a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]


def front_facing(verts: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """[F] bool: triangle faces the camera (signed pixel area < 0, counter-clockwise on screen)."""
    return signed_area_px(verts, tris) < 0


def facing_cosine(verts: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """[F] cosine between each triangle's outward normal and the direction to the camera
    (1 = facing it, 0 = seen edge-on, < 0 = facing away); weak perspective, so the view is along depth."""
    v = np.asarray(verts, np.float64)[np.asarray(tris)]
    n = np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0])
    return -n[:, 2] / np.maximum(np.linalg.norm(n, axis=1), 1e-12)


def edges_of(tris: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique undirected edges [E,2] (sorted pairs) and, per triangle, the edge id of (v0v1, v1v2, v2v0) [F,3]."""
    t = np.asarray(tris, np.int64)
    e = np.stack([t[:, [0, 1]], t[:, [1, 2]], t[:, [2, 0]]], 1).reshape(-1, 2)
    e.sort(1)
    uniq, inv = np.unique(e, axis=0, return_inverse=True)
    return uniq, inv.reshape(-1, 3)


def _mirror_map(vertices: np.ndarray) -> np.ndarray:
    """Nearest neighbour of (-x, y, z) for every vertex (brute force: 468^2 distances is nothing)."""
    m = vertices * np.array([-1.0, 1.0, 1.0])
    d = ((m[:, None, :] - vertices[None, :, :]) ** 2).sum(-1)
    return d.argmin(1).astype(np.int64)


def _parse_metadata(blob: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    top = _read_fields(blob)
    mesh = _read_fields(top[1][0][1])
    vb = _floats(mesh[3]).reshape(-1, 5)
    ib = _uints(mesh[4]).reshape(-1, 3)
    weights = np.zeros(len(vb), np.float32)
    for _, ref in top.get(2, []):
        f = _read_fields(ref)
        lid = f[1][0][1] if 1 in f else 0                       # proto2 default 0 is omitted on the wire
        weights[lid] = struct.unpack("<f", f[2][0][1])[0] if 2 in f else 0.0
    return vb, ib, weights


@functools.lru_cache(maxsize=4)
def _load(bundle: str) -> FaceModel:
    with zipfile.ZipFile(bundle) as z:
        vb, ib, weights = _parse_metadata(z.read(_METADATA_MEMBER))
    if vb.shape != (N_VERTICES, 5) or ib.shape != (N_TRIANGLES, 3):
        raise ValueError(f"unexpected canonical mesh in {bundle}: vertex buffer {vb.shape}, index buffer {ib.shape}")
    # canonical (x right, y up, z to viewer) -> ours (x right, y down, depth = -z): rotate 180 deg about x
    verts = (vb[:, :3] * np.array([1.0, -1.0, -1.0], np.float32)).astype(np.float32)
    tris = ib.astype(np.int32)
    # Winding: keep outward normals. A frontal face must be front-facing: if the majority of triangles
    # with a clear orientation face away, the buffer is in the opposite order, so flip it.
    area = signed_area_px(verts, tris)
    if (area > 0).sum() > (area < 0).sum():
        tris = tris[:, [0, 2, 1]].copy()
    uvs = vb[:, 3:5].astype(np.float32)
    if uvs[10, 1] > uvs[152, 1]:  # forehead (10) must be above the chin (152): v downwards
        uvs[:, 1] = 1.0 - uvs[:, 1]
    return FaceModel(verts, tris, uvs, weights, _mirror_map(verts.astype(np.float64)),
                     SparseWeights.identity(N_VERTICES))


def load_face_model(bundle: str | Path | None = None) -> FaceModel:
    """The canonical 468-vertex mesh from the bundle (cached per bundle path). Arrays are shared: don't mutate."""
    if bundle is None:
        from .assets import bundle_path
        bundle = bundle_path()
    return _load(str(Path(bundle).resolve()))


# ----------------------------------------------------------------------------------- subdivision
def _subdivide_once(model: FaceModel, scheme: str) -> FaceModel:
    nv = model.n_vertices
    tris = model.tris.astype(np.int64)
    edges, tri_edges = edges_of(tris)
    ne = len(edges)
    # faces per edge, and the vertex opposite the edge in each face (for Loop's 1/8 weights)
    opp = tris[:, [2, 0, 1]].reshape(-1)                       # opposite of edge (v0v1) is v2, etc.
    e_flat = tri_edges.reshape(-1)
    n_faces = np.bincount(e_flat, minlength=ne)
    boundary = n_faces != 2                                    # 1 = border; >2 = non-manifold, treat as crease
    a, b = edges[:, 0], edges[:, 1]

    rows, cols, vals = [], [], []

    def add(r, c, w):
        rows.append(np.asarray(r)), cols.append(np.asarray(c)), vals.append(np.broadcast_to(w, np.shape(r)).astype(float))

    new_ids = nv + np.arange(ne)
    if scheme == "midpoint":
        add(np.arange(nv), np.arange(nv), 1.0)
        add(new_ids, a, 0.5), add(new_ids, b, 0.5)
    else:  # Loop (1987) with the usual boundary rules
        # edge points: interior 3/8 (a+b) + 1/8 (c+d); boundary 1/2 (a+b)
        w_ab = np.where(boundary, 0.5, 0.375)
        add(new_ids, a, w_ab), add(new_ids, b, w_ab)
        inner = ~boundary[e_flat]
        add(nv + e_flat[inner], opp[inner], 0.125)
        # vertex points
        nbr_a = np.concatenate([a, b])
        nbr_b = np.concatenate([b, a])
        valence = np.bincount(nbr_a, minlength=nv)
        bnd_e = np.concatenate([boundary, boundary])
        bnd_deg = np.bincount(nbr_a[bnd_e], minlength=nv)
        is_bnd = bnd_deg > 0
        n = np.maximum(valence, 1)
        beta = (0.625 - (0.375 + 0.25 * np.cos(2 * np.pi / n)) ** 2) / n
        interior = ~is_bnd
        add(np.flatnonzero(interior), np.flatnonzero(interior), 1.0 - n[interior] * beta[interior])
        m = interior[nbr_a]
        add(nbr_a[m], nbr_b[m], beta[nbr_a[m]])
        # boundary vertex with exactly two boundary neighbours: 3/4 v + 1/8 (b0 + b1); corners stay put
        smooth_b = bnd_deg == 2
        corner = is_bnd & ~smooth_b
        add(np.flatnonzero(smooth_b), np.flatnonzero(smooth_b), 0.75)
        m = bnd_e & smooth_b[nbr_a]
        add(nbr_a[m], nbr_b[m], 0.125)
        add(np.flatnonzero(corner), np.flatnonzero(corner), 1.0)

    step = SparseWeights.from_coo(np.concatenate(rows), np.concatenate(cols), np.concatenate(vals),
                                  (nv + ne, nv))
    verts = (step @ model.vertices.astype(np.float64)).astype(np.float32)
    # UVs are always linear: originals keep theirs, edge points take the midpoint
    uvs = np.concatenate([model.uvs, 0.5 * (model.uvs[a] + model.uvs[b])]).astype(np.float32)
    # 1 -> 4 split, winding preserved: (v0, m01, m20), (m01, v1, m12), (m20, m12, v2), (m01, m12, m20)
    m01, m12, m20 = (nv + tri_edges[:, k] for k in range(3))
    v0, v1, v2 = tris.T
    new_tris = np.concatenate([np.stack(t, 1) for t in (
        (v0, m01, m20), (m01, v1, m12), (m20, m12, v2), (m01, m12, m20))]).astype(np.int32)
    # mirror of an edge point = the point on the mirrored edge (exact, no geometry search)
    mir = model.mirror_vertices
    me = np.sort(np.stack([mir[a], mir[b]], 1), 1)
    key = edges[:, 0] * nv + edges[:, 1]
    order = np.argsort(key)
    pos = np.searchsorted(key[order], me[:, 0] * nv + me[:, 1])
    pos = np.minimum(pos, ne - 1)
    found = key[order][pos] == me[:, 0] * nv + me[:, 1]
    mirror_e = np.where(found, nv + order[pos], nv + np.arange(ne))  # asymmetric edge: maps to itself
    mirror = np.concatenate([mir, mirror_e]).astype(np.int64)
    weights = np.concatenate([model.procrustes_weights, np.zeros(ne, np.float32)])
    return FaceModel(verts, new_tris, uvs, weights, mirror, step @ model.from_base,
                     model.level + 1, scheme)


def subdivide(model: FaceModel, levels: int = 1, scheme: str = "loop") -> FaceModel:
    """Subdivide ``levels`` times (F -> F * 4**levels; 898 -> 57,472 triangles at 3 levels).

    scheme 'midpoint': new vertices at edge midpoints (surface unchanged); 'loop': Loop subdivision
    (smooth; interior/boundary rules; non-manifold and corner vertices kept fixed). Either way every
    new vertex is a fixed linear combination of the 468 base vertices: ``from_base`` [N,468] stores it,
    so ``model.pose_from_base(tracked468)`` poses the subdivided mesh with one sparse matmul.
    UVs are interpolated linearly at edge midpoints in both schemes.
    """
    if scheme not in ("loop", "midpoint"):
        raise ValueError(f"scheme must be 'loop' or 'midpoint', got {scheme!r}")
    if levels < 0:
        raise ValueError(f"levels must be >= 0, got {levels}")
    for _ in range(levels):
        model = _subdivide_once(model, scheme)
    return model
