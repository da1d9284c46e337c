"""Facial flow (F3A-GAN) and motion flow (GaFET) from tracked meshes and the expression rig."""
import numpy as np
import pytest

from poce_rt import flow
from poce_rt.codes import BLENDSHAPE_NAMES


@pytest.fixture(scope="module")
def face(tracker, astronaut):
    return tracker.track_one(astronaut)


def test_no_motion_is_a_zero_flow(face):
    f, m = flow.facial_flow(face.vertices, face.vertices, 512, 512)
    assert m.sum() > 1000 and not f.any()


def test_translation_is_a_constant_flow(face):
    tgt = face.vertices + np.float32([3.0, -2.0, 1.5])
    f, m = flow.facial_flow(face.vertices, tgt, 512, 512)
    np.testing.assert_allclose(f[m > 0], np.broadcast_to([3.0, -2.0, 1.5], f[m > 0].shape), atol=1e-4)
    assert not f[m == 0].any()
    g, mg = flow.motion_flow(face.vertices, tgt, 512, 512)
    np.testing.assert_allclose(g[mg > 0], np.broadcast_to([-3.0, 2.0], g[mg > 0].shape), atol=1e-4)
    # the backward flow lives on the target's pixels: shifted right by 3 px
    ys, xs = np.nonzero(mg)
    ys0, xs0 = np.nonzero(m)
    assert abs((xs.mean() - xs0.mean()) - 3.0) < 0.2


def test_jaw_open_moves_the_chin_down_not_the_forehead(face):
    code = face.blendshapes.copy()
    code[BLENDSHAPE_NAMES.index("jawOpen")] += 0.5
    tgt = flow.face_mesh(face.shape, face.blendshapes, code, face.pose)
    src = flow.face_mesh(face.shape, face.blendshapes, face.blendshapes, face.pose)
    np.testing.assert_allclose(src, face.vertices, atol=1e-3)
    f, m = flow.facial_flow(src, tgt, 512, 512)
    ys = np.nonzero(m)[0]
    lo, hi = ys.min(), ys.max()
    chin = f[hi - (hi - lo) // 8:hi + 1][..., 1][m[hi - (hi - lo) // 8:hi + 1] > 0]
    brow = f[lo:lo + (hi - lo) // 8][..., 1][m[lo:lo + (hi - lo) // 8] > 0]
    # (the fitted rig moves the whole face a little with jawOpen; the chin moves most)
    assert chin.mean() > 5.0 and chin.mean() > 2 * np.abs(brow).mean()


def test_continuous_flows_follow_eq3(face):
    # a smile is linear in the rig (no jaw joint, no calibration curve): half way = half the flow
    code = face.blendshapes.copy()
    code[BLENDSHAPE_NAMES.index("mouthSmileLeft")] += 0.8
    p_s = flow.FaceState(face.shape, face.blendshapes, face.pose)
    p_t = flow.FaceState(face.shape, code, face.pose)
    (f1, m1), (fh, mh), (f0, m0) = flow.continuous_flows(p_s, p_t, [1.0, 0.5, 0.0], 512, 512)
    assert not f1.any()
    np.testing.assert_array_equal(mh, m0)
    np.testing.assert_allclose(fh, 0.5 * f0, atol=1e-4)
    assert np.abs(f0).max() > 2.0
    m = flow.lerp_states(p_s, p_t.__class__(face.shape, code, face.pose.offset(yaw=10)), 0.25)
    assert m.pose.yaw == pytest.approx(0.25 * face.pose.yaw + 0.75 * face.pose.offset(yaw=10).yaw, abs=1e-4)


def test_geometry_map_and_network_input(face):
    g, m = flow.geometry_map(face.vertices, 512, 512, face.shape)
    g2, _ = flow.geometry_map(face.vertices, 512, 512)       # the shape fitted from the vertices
    assert np.abs(g2 - g).mean() < 0.02   # (the tracker fits with weights, geometry_map without)
    assert g.shape == (512, 512, 3) and np.abs(g[m > 0]).max() <= 1.0 + 1e-5
    net = flow.to_network(g, m, 512)
    assert net.shape == (4, 512, 512) and net.dtype == np.float32


def test_bad_meshes_are_errors(face):
    with pytest.raises(ValueError, match="topology"):
        flow.facial_flow(face.vertices, face.vertices[:10], 64, 64)
    bad = face.vertices.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        flow.motion_flow(face.vertices, bad, 64, 64)
    with pytest.raises(ValueError, match="theta"):
        flow.lerp_states(flow.FaceState(face.shape, face.blendshapes, face.pose),
                         flow.FaceState(face.shape, face.blendshapes, face.pose), float("nan"))
