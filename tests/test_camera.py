"""The pinhole camera of a re-posed head (poce_rt.camera): a turn magnifies the near side and
shrinks the far side; the source's own rotation draws the shape as tracked."""
import math

import numpy as np
import pytest

from poce_rt.camera import perspective_shape
from poce_rt.fit import Pose, fit_similarity, pose_vertices


@pytest.fixture(scope="module")
def shape(face_model):
    return face_model.vertices.astype(np.float32)


SOURCE = Pose(pitch=5, yaw=-8, roll=2, tx=250, ty=260, scale=12, tz=0)


def test_still_head_and_weak_perspective_keep_the_shape(shape):
    assert perspective_shape(shape, SOURCE, SOURCE) is not None
    np.testing.assert_array_equal(perspective_shape(shape, SOURCE, SOURCE), shape)
    np.testing.assert_array_equal(perspective_shape(shape, SOURCE, SOURCE.offset()), shape)
    np.testing.assert_array_equal(perspective_shape(shape, SOURCE, SOURCE.offset(yaw=25), math.inf), shape)


@pytest.mark.parametrize("yaw", [-25, 25])
def test_turn_magnifies_the_near_side(shape, yaw):
    target = SOURCE.offset(yaw=yaw)
    weak = pose_vertices(shape, target).astype(np.float64)
    pin = pose_vertices(perspective_shape(shape, SOURCE, target, 60.0), target).astype(np.float64)
    # the head is turned by the angle asked for: a similarity fit of the drawn points reads it
    assert fit_similarity(pin, shape)[0].yaw == pytest.approx(target.yaw, abs=1.0)
    # relative to the head's origin, near points (small depth) move outwards, far ones inwards
    centre = np.array([target.tx, target.ty])
    grow = np.linalg.norm(pin[:, :2] - centre, axis=1) - np.linalg.norm(weak[:, :2] - centre, axis=1)
    depth = weak[:, 2] - target.tz
    near, far = depth < np.percentile(depth, 20), depth > np.percentile(depth, 80)
    assert grow[near].mean() > 0.5 > -0.5 > grow[far].mean()
    # the face's half on the camera's side of the turn gets wider on screen than the other half
    nose_x = pin[4, 0]
    left, right = pin[:, 0].min(), pin[:, 0].max()
    wl, wr = nose_x - left, right - nose_x
    weak_l, weak_r = weak[4, 0] - weak[:, 0].min(), weak[:, 0].max() - weak[4, 0]
    assert (wl / wr > weak_l / weak_r) == (yaw > 0)


def test_there_and_back_is_the_identity(shape):
    target = SOURCE.offset(yaw=25, pitch=-10)
    there = perspective_shape(shape, SOURCE, target, 60.0)
    back = perspective_shape(there, target, SOURCE, 60.0)
    np.testing.assert_allclose(back, shape, atol=1e-4)


@pytest.mark.parametrize("d", [0.0, 5.0, -60.0, float("nan")])
def test_bad_distance_is_refused(shape, d):
    with pytest.raises(ValueError, match="distance_cm"):
        perspective_shape(shape, SOURCE, SOURCE.offset(yaw=10), d)


def test_editor_config_takes_a_distance_or_inf():
    from poce_rt import EditorConfig
    from poce_rt.errors import InputError

    assert EditorConfig().camera_distance_cm == 80.0
    assert math.isinf(EditorConfig(camera_distance_cm=math.inf).camera_distance_cm)
    for bad in (10, -80, float("nan")):
        with pytest.raises(InputError, match="camera_distance_cm"):
            EditorConfig(camera_distance_cm=bad)
