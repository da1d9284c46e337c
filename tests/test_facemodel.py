import zipfile

import numpy as np
import pytest

from poce_rt.facemodel import (N_TRIANGLES, N_VERTICES, SparseWeights, _parse_metadata, edges_of,
                               front_facing, load_face_model, mirror_uv_map, subdivide)


def test_mesh_facts(face_model):
    m = face_model
    assert m.vertices.shape == (N_VERTICES, 3) and m.vertices.dtype == np.float32
    assert m.tris.shape == (N_TRIANGLES, 3) and m.tris.dtype == np.int32
    assert m.tris.min() == 0 and m.tris.max() == N_VERTICES - 1
    assert m.uvs.shape == (N_VERTICES, 2) and m.uvs.min() >= 0 and m.uvs.max() <= 1
    assert m.procrustes_weights.shape == (N_VERTICES,) and (m.procrustes_weights > 0).sum() > 10
    assert np.isfinite(m.vertices).all()


def test_load_is_cached(bundle, face_model):
    assert load_face_model(bundle) is face_model


def test_image_like_convention(face_model):
    v = face_model.vertices
    assert v[10, 1] < v[152, 1]                  # forehead above chin: y grows down
    assert v[4, 2] == v[:, 2].min()              # nose tip is the nearest point: depth smaller = nearer
    assert v[33, 0] < 0 < v[263, 0]              # subject's right eye on the image left


def test_uv_v_grows_downwards(face_model):
    uv = face_model.uvs
    assert uv[10, 1] < 0.2 and uv[152, 1] > 0.8  # forehead at the top of the UV image, chin at the bottom


def test_frontal_face_is_front_facing(face_model):
    ff = front_facing(face_model.vertices, face_model.tris)
    assert ff.mean() > 0.95


def test_mirror_map(face_model):
    mv = face_model.mirror_vertices
    assert mv.dtype == np.int64
    np.testing.assert_array_equal(mv[mv], np.arange(N_VERTICES))  # involution
    v = face_model.vertices
    np.testing.assert_allclose(v[mv] * [-1, 1, 1], v, atol=1e-4)
    assert mv[33] == 263 and mv[1] == 1
    np.testing.assert_allclose(face_model.uvs[mv], face_model.mirror_texel(face_model.uvs), atol=2e-3)
    uvmap = np.random.default_rng(0).random((8, 8, 3)).astype(np.float32)
    np.testing.assert_array_equal(mirror_uv_map(mirror_uv_map(uvmap)), uvmap)


def test_topology_is_a_disc(face_model):
    edges, te = edges_of(face_model.tris)
    count = np.bincount(te.ravel())
    assert count.max() == 2                          # manifold
    assert N_VERTICES - len(edges) + N_TRIANGLES == 1  # Euler characteristic of a disc


def test_parser_accepts_packed_buffers(bundle):
    """The shipped file uses unpacked repeated fields; a packed encoding must parse the same."""
    with zipfile.ZipFile(bundle) as z:
        blob = z.read("geometry_pipeline_metadata_landmarks.binarypb")
    vb, ib, w = _parse_metadata(blob)

    def varint(n):
        out = bytearray()
        while True:
            out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
            n >>= 7
            if not n:
                return bytes(out)

    def ld(field, payload):
        return varint(field << 3 | 2) + varint(len(payload)) + payload

    packed_idx = b"".join(varint(int(i)) for i in ib.ravel())
    mesh = ld(3, vb.astype("<f4").tobytes()) + ld(4, packed_idx)
    vb2, ib2, _ = _parse_metadata(ld(1, mesh))
    np.testing.assert_array_equal(vb2, vb)
    np.testing.assert_array_equal(ib2, ib)


@pytest.mark.parametrize("scheme", ["midpoint", "loop"])
def test_subdivision_counts_and_weights(face_model, scheme):
    for levels in (1, 2, 3):
        s = subdivide(face_model, levels, scheme)
        assert s.n_tris == N_TRIANGLES * 4 ** levels
        edges, _ = edges_of(s.tris)
        assert s.n_vertices - len(edges) + s.n_tris == 1  # still a disc
        assert s.from_base.shape == (s.n_vertices, N_VERTICES)
        np.testing.assert_allclose(s.from_base @ np.ones(N_VERTICES), 1.0, atol=1e-9)  # affine combos
        np.testing.assert_allclose(s.pose_from_base(face_model.vertices), s.vertices, atol=1e-4)
        assert s.uvs.min() >= 0 and s.uvs.max() <= 1
        mv = s.mirror_vertices
        np.testing.assert_array_equal(mv[mv], np.arange(s.n_vertices))
        assert front_facing(s.vertices, s.tris).mean() > 0.95
    assert subdivide(face_model, 3, scheme).n_tris == 57472


def test_subdivision_geometry(face_model):
    mid = subdivide(face_model, 1, "midpoint")
    np.testing.assert_array_equal(mid.vertices[:N_VERTICES], face_model.vertices)  # originals untouched
    loop = subdivide(face_model, 1, "loop")
    assert not np.allclose(loop.vertices[:N_VERTICES], face_model.vertices)      # Loop smooths them
    np.testing.assert_array_equal(loop.uvs, mid.uvs)                               # UVs always linear
    # posing a subdivided mesh from tracked vertices is linear
    rng = np.random.default_rng(0)
    tracked = rng.normal(size=(N_VERTICES, 3)).astype(np.float32)
    dense = loop.from_base.toarray()
    np.testing.assert_allclose(loop.pose_from_base(tracked), dense @ tracked, atol=1e-4)


def test_sparse_compose():
    rng = np.random.default_rng(0)
    A = rng.random((5, 4)) * (rng.random((5, 4)) > 0.5)
    B = rng.random((4, 3)) * (rng.random((4, 3)) > 0.5)
    to_sp = lambda M: SparseWeights.from_coo(*np.nonzero(M), M[np.nonzero(M)], M.shape)
    np.testing.assert_allclose((to_sp(A) @ to_sp(B)).toarray(), A @ B)


def test_subdivide_bad_args(face_model):
    with pytest.raises(ValueError):
        subdivide(face_model, 1, "catmull")
    with pytest.raises(ValueError):
        face_model.pose_from_base(np.zeros((10, 3)))
