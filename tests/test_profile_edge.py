"""poce_rt.profile_edge: where a turn makes the face its own profile (nose, lips, brow as the
silhouette, far from the oval), its edge is composited without the feather, which blended the
ring's band about the far oval (the photo's far eye and cheek) into it; every other edge keeps it."""
import cv2
import numpy as np
import pytest

from poce_rt import stages
from poce_rt.fit import pose_vertices
from poce_rt.head_proxy import FACE_OVAL
from poce_rt.profile_edge import PROFILE_GAP, TURN_DEG, profile_weight, sharpen_profile, turned_profile


def circle(n=36, r=40.0, c=(60.0, 60.0)):
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([c[0] + r * np.cos(t), c[1] + r * np.sin(t)], 1)


def test_the_weight_ramps_with_the_distance_from_the_oval_and_is_none_within_it():
    oval = circle()
    inside = np.concatenate([oval, circle(20, 30.0)])
    assert profile_weight(oval, inside, 120, 120) is None
    # an outline reaching past the oval by a bulging cheek's 0.25 of its radius: still none
    assert profile_weight(oval, np.concatenate([inside, [[60.0 + 40 * 1.25, 60.0]]]), 120, 120) is None
    nose = np.concatenate([inside, [[60.0 + 40 * 1.6, 60.0]]])
    w = profile_weight(oval, nose, 120, 120)
    assert w.shape == (120, 120) and w.dtype == np.float32
    assert w[60, 60 + 40] == 0.0                                        # on the oval
    assert w[60, 60 + 40 + int(np.ceil(PROFILE_GAP[1] * 40)) + 1] == 1.0   # past the gap
    assert 0.0 < w[60, 60 + 40 + int(round(np.mean(PROFILE_GAP) * 40))] < 1.0


def test_only_a_turn_draws_the_profile_s_own_edge():
    """A head left where the photo has it (an expression edit: t1.jpg's near-profile face opening
    its jaw, 45-m7's smile) keeps its feather along a profile the photo already shows; the edge
    comes in over TURN_DEG of turn, so a driver's jitter about the source's pose does not switch it."""
    from poce_rt.fit import Pose

    oval = circle()
    nose = np.concatenate([oval, circle(20, 30.0), [[60.0 + 40 * 1.6, 60.0]]])
    src = Pose(pitch=3.0, yaw=-50.0, roll=2.0)
    full = profile_weight(oval, nose, 120, 120)
    assert turned_profile(src, src, oval, nose, 120, 120) is None
    assert turned_profile(src, Pose(pitch=3.0, yaw=-50.0 + 0.9 * TURN_DEG[0], roll=2.0), oval, nose, 120, 120) is None
    half = turned_profile(src, Pose(pitch=3.0 + np.mean(TURN_DEG), yaw=-50.0, roll=2.0), oval, nose, 120, 120)
    np.testing.assert_allclose(half, 0.5 * full, atol=1e-6)
    np.testing.assert_array_equal(turned_profile(src, Pose(pitch=3.0, yaw=-25.0, roll=2.0), oval, nose, 120, 120),
                                  full)


def test_sharpen_profile_moves_by_the_weight_and_leaves_the_rest():
    rng = np.random.default_rng(5)
    out = rng.integers(0, 256, (9, 11, 3), dtype=np.uint8)
    sharp = rng.integers(0, 256, (9, 11, 3), dtype=np.uint8)
    w = np.zeros((9, 11, 1), np.float32)
    w[3:6] = 1.0
    w[6:] = 0.25
    before = out.copy()
    sharpen_profile(out, sharp, w, np.empty(out.shape, np.float32))
    assert np.array_equal(out[:3], before[:3])
    assert np.array_equal(out[3:6], sharp[3:6])
    ref = np.floor(before[6:] + 0.25 * (sharp[6:].astype(np.float64) - before[6:]) + 0.5)
    assert np.abs(out[6:] - ref).max() <= 1


@pytest.fixture(scope="module")
def woman_turned(editor):
    """t1.jpg's face 1 (yaw about -33, a ~100 px face) turned -25, to -58: her brow, nose and lips
    are the outline, beyond the far oval the turn hides behind them."""
    from poce_rt.assets import data_path, load_image

    img = load_image(data_path("t1.jpg"))
    face = editor.faces(img, 1)[0]
    assert -40 < face.pose.yaw < -25
    src = editor.prepare(img, face)
    return img, src, editor.edit(img, pose=(0, -25, 0), source=src)


def test_a_profile_turned_to_is_drawn_as_the_face_up_to_its_edge(editor, woman_turned):
    """Within the feather's width inside the profile's edge the output is the face's render: the
    feather blended it there with what the ring draws under the profile, its band about the far
    oval, which reads the photo's far eye and cheek (the lashes along the nose bridge; 28.9
    levels off the render on average before, 9.5 now, the rasterizer's own antialiased pixel
    included). dlib's identity distance from the source: 0.558 -> 0.482."""
    img, src, res = woman_turned
    plan = editor.plan(src, pose=(0, -25, 0))
    base = pose_vertices(plan.shape, plan.target_pose)
    h, w = img.shape[:2]
    weight = profile_weight(base[list(FACE_OVAL), :2], base[:, :2], h, w)
    assert weight is not None
    cover = (res.alpha >= 0.999).astype(np.uint8)
    inside = cv2.distanceTransform(cover, cv2.DIST_L2, 3)
    band = (cover > 0) & (inside <= editor.feather_px(src.face)) & (weight >= 1.0)
    assert band.sum() > 60, band.sum()                     # the brow, the nose and the lips
    assert (res.moved[band] > 0.99).all()
    off = np.abs(res.image[band].astype(np.float64) - res.rendered[band] * 255.0).mean()
    assert off < 15.0, off
    # the functional stages draw the same profile
    reposed = stages.repose(img, src.face, yaw=-25).image
    assert np.abs(reposed[band].astype(int) - res.image[band].astype(int)).max() <= 2


@pytest.mark.parametrize("name", ["single_face.jpg", "astronaut", "15-f13-anc-ph.jpg", "0-f1-su-ph.jpg"])
@pytest.mark.parametrize("yaw", [-25, 25])
def test_a_face_turned_25_degrees_keeps_its_feathered_edge(editor, prepared, name, yaw):
    """A frontal face turned 25 degrees: its far cheek, seen edge-on, bulges past the oval by at
    most 0.27 of its radius (under PROFILE_GAP[0]): no profile, the composite as before."""
    _, src = prepared(name)
    plan = editor.plan(src, pose=(0, yaw, 0))
    base = pose_vertices(plan.shape, plan.target_pose)
    assert profile_weight(base[list(FACE_OVAL), :2], base[:, :2], 2000, 2000) is None
