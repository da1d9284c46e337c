import numpy as np
import pytest

from poce_rt.fit import Pose, euler_from_matrix, fit_similarity, matrix_from_euler, pose_vertices


def test_euler_round_trip():
    rng = np.random.default_rng(0)
    for _ in range(200):
        p, y, r = rng.uniform(-89, 89, 3) * [2, 1, 2]
        R = matrix_from_euler(p, y, r)
        np.testing.assert_allclose(R @ R.T, np.eye(3), atol=1e-12)
        assert np.linalg.det(R) == pytest.approx(1.0)
        np.testing.assert_allclose(euler_from_matrix(R), (p, y, r), atol=1e-9)


def test_sign_conventions():
    nose = np.array([0.0, 0.0, -1.0])  # canonical nose direction: towards the camera (depth smaller)
    assert (matrix_from_euler(0, 30, 0) @ nose)[0] > 0    # yaw > 0: nose to image-right
    assert (matrix_from_euler(30, 0, 0) @ nose)[1] > 0    # pitch > 0: nose down (y grows down)
    top = np.array([0.0, -1.0, 0.0])                      # top of the head
    assert (matrix_from_euler(0, 0, 30) @ top)[0] > 0     # roll > 0: clockwise on screen


def test_gimbal_lock_is_consistent():
    R = matrix_from_euler(20, 90, 0)
    np.testing.assert_allclose(matrix_from_euler(*euler_from_matrix(R)), R, atol=1e-9)


def test_procrustes_recovers_random_similarity(face_model):
    rng = np.random.default_rng(1)
    X = face_model.vertices.astype(np.float64)
    for _ in range(20):
        true = Pose(*rng.uniform(-60, 60, 3), *rng.uniform(0, 500, 2), rng.uniform(0.5, 40), rng.uniform(-50, 50))
        Y = pose_vertices(X, true).astype(np.float64)
        for w in (None, face_model.procrustes_weights):
            pose, shape = fit_similarity(Y, X, w)
            np.testing.assert_allclose(pose.as_array(), true.as_array(), rtol=1e-4, atol=1e-4)
            np.testing.assert_allclose(shape, X, atol=1e-4)


def test_shape_reproduces_vertices_exactly(face_model):
    rng = np.random.default_rng(2)
    X = face_model.vertices
    Y = pose_vertices(X, Pose(10, -20, 5, 300, 200, 12, 3)) + rng.normal(0, 2, X.shape).astype(np.float32)
    pose, shape = fit_similarity(Y, X, face_model.procrustes_weights)
    assert shape.shape == (468, 3) and shape.dtype == np.float32
    np.testing.assert_allclose(pose_vertices(shape, pose), Y, atol=1e-3)


def test_offset():
    base = Pose(0, 0, 0, 100, 50, 10, 0)
    off = base.offset(pitch=5, yaw=10, roll=-3)
    np.testing.assert_allclose((off.pitch, off.yaw, off.roll), (5, 10, -3), atol=1e-9)
    assert (off.tx, off.ty, off.scale) == pytest.approx((100, 50, 10))  # pivot at the origin stays put
    # composing: offsets about the head's own axes (the angles add), not the image's
    p = Pose(10, 20, 30, 0, 0, 1).offset(yaw=15)
    np.testing.assert_allclose((p.pitch, p.yaw, p.roll), (10, 35, 30), atol=1e-9)
    np.testing.assert_allclose(p.rotation, matrix_from_euler(10, 35, 30), atol=1e-12)
    # a turn of a rolled head is about its own tilted up axis (R @ -y), which the turn leaves where it was
    up = Pose(0, 0, -24, 0, 0, 1).rotation @ np.array([0.0, -1.0, 0.0])
    np.testing.assert_allclose(Pose(0, 0, -24, 0, 0, 1).offset(yaw=25).rotation @ np.array([0.0, -1.0, 0.0]), up,
                               atol=1e-12)
    # a custom pivot stays where it was in the image
    c = np.array([[0.0, 0.0, -5.0]])
    q = base.offset(yaw=30, center=c[0])
    np.testing.assert_allclose(pose_vertices(c, q), pose_vertices(c, base), atol=1e-4)


def test_turned_from_is_offset_about_a_pivot():
    """Pose.turned_from places a pose so that a pivot stays where the pose before drew it: the same
    pose as Pose.offset about that pivot, and about the origin the translation before."""
    base = Pose(8.5, 9.6, 9.7, 262, 117, 6.3, 25)
    c = (0.0, 0.0, 4.5)
    about_origin = base.offset(yaw=25)
    np.testing.assert_allclose(about_origin.turned_from(base, c).as_array(), base.offset(yaw=25, center=c).as_array(),
                               atol=1e-9)
    assert about_origin.turned_from(base, (0, 0, 0)).translation.tolist() == base.translation.tolist()


def test_neck_pivot_config():
    import poce_rt
    from poce_rt.errors import InputError

    assert poce_rt.EditorConfig().neck_pivot_cm == 0.0          # the drawing before: about the origin
    for bad in (-1.0, 16.0, float("nan")):
        with pytest.raises(InputError, match="neck_pivot_cm"):
            poce_rt.EditorConfig(neck_pivot_cm=bad)


def test_bad_inputs():
    X = np.zeros((5, 3))
    with pytest.raises(ValueError):
        fit_similarity(np.zeros((4, 3)), X)
    with pytest.raises(ValueError):
        fit_similarity(X, X)  # degenerate
    Y = np.random.default_rng(0).normal(size=(5, 3))
    Y[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fit_similarity(Y, np.random.default_rng(1).normal(size=(5, 3)))
