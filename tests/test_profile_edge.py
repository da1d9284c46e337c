"""poce_rt.profile_edge: where a turn makes the face its own profile (nose, lips, brow as the
silhouette, far from the oval), its edge is composited without the feather, which blended the
ring's band about the far oval (the photo's far eye and cheek) into it; and where a turn draws
the face over the backdrop beside the head (the sky beside a far side turning in), not over the
shirt, the neck or the side of the head it reveals. Every other edge keeps it."""
import cv2
import numpy as np
import pytest

from poce_rt import stages
from poce_rt.fit import pose_vertices
from poce_rt.head_proxy import FACE_OVAL
from poce_rt.profile_edge import (OUTWARD, PROFILE_GAP, TURN_DEG, edge_weight, profile_weight, sharpen_profile,
                                   turned_edge, turned_profile)


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


def test_the_edge_weight_follows_the_vertices_round_the_oval_with_no_step():
    """edge_weight spreads one value per oval vertex over the box by each pixel's angle about the
    oval's centre: the vertex's own value on its ray, in between interpolated (no step along the
    outline where a flagged vertex meets an unflagged one)."""
    oval = circle()
    edge = np.zeros(36)
    edge[0] = 1.0                                     # the vertex at angle 0 (x = 100, y = 60)
    w = edge_weight(edge, oval, 120, 120)
    assert w.shape == (120, 120) and w.dtype == np.float32
    assert w[60, 100] > 0.85 and w[60, 110] > 0.85   # on its ray (EDGE_STEP's grid: not quite 1)
    assert w[60, 10] == 0.0 and w[10, 60] == 0.0      # the other side, the top
    # half way to the next vertex (5 degrees round): half
    x, y = 60 + 50 * np.cos(np.radians(5)), 60 + 50 * np.sin(np.radians(5))
    half = edge_weight(edge, oval, 130, 130)[int(round(y)), int(round(x))]
    assert 0.3 < half < 0.7, half
    assert edge_weight(np.zeros(36), oval, 120, 120) is None
    # any box about the face draws the same weight (the frame loop's canvas, blend_face's box)
    shifted = edge_weight(edge, oval + [7.0, 3.0], 126, 131, origin=(-7, -3))
    assert np.abs(shifted[3 + 20:3 + 100, 7 + 20:7 + 100] - w[20:100, 20:100]).max() < 1e-5


class _Proxy:
    def __init__(self, oval, own):
        self.p, self.own_edge = np.column_stack([oval, np.zeros(len(oval))]), own
        c = oval.mean(0)
        self.r_src = np.linalg.norm(oval - c, axis=1)
        self.u = (oval - c) / self.r_src[:, None]


def test_the_own_edge_stays_where_the_oval_moves_in_or_sits_and_goes_where_it_moves_out():
    """turned_edge: a side the turn moves out (OUTWARD) is where the ring draws what the turn
    reveals (the side of the head, the neck), and the feather blends the face with it."""
    oval = circle()
    proxy = _Proxy(oval, np.ones(36))
    assert np.allclose(turned_edge(proxy, oval), 1.0)                 # sits against it
    assert np.allclose(turned_edge(proxy, oval + [-10.0, 0.0])[0], 1.0)   # moves in on the right
    out = turned_edge(proxy, oval + [OUTWARD[1] * 40.0 + 0.5, 0.0])
    assert out[0] == 0.0 and out[18] == 1.0                           # out on the right, in on the left
    assert turned_edge(_Proxy(oval, None), oval) is None and turned_edge(None, oval) is None


@pytest.fixture(scope="module")
def sunglasses_turned(editor):
    """multi_face.jpg's face 0 (a young man in dark sunglasses, the sky behind) turned +25: his
    far side moves in, and the head proxy draws the sky in past the photo's face edge."""
    from poce_rt.assets import data_path, load_image

    img = load_image(data_path("multi_face.jpg"))
    src = editor.prepare(img, editor.faces(img, 0)[0])
    return img, src, editor.edit(img, pose=(0, 25, 0), source=src)


def test_a_far_side_turned_in_over_the_sky_keeps_its_own_edge(editor, sunglasses_turned):
    """The face's render reaches ~10 px past the face the ring draws (the far cheek's bulge, the
    far lens's rim), and the feather blended it with the sky there. 2-3 px inside the face's edge
    on the far side (what a 1 px edge leaves to the render): 17.2 levels off the render on
    average before, 4.7 now; the far lens's black rim (render L* 21.8) composited at L* 35.0
    before, 25.0 now. The functional stages draw the same edge."""
    from poce_rt.lab_colour import lab

    img, src, res = sunglasses_turned
    assert src.face.pose.yaw > 0 and editor.frame_loop(src)._proxy.own_edge is not None
    plan = editor.plan(src, pose=(0, 25, 0))
    base = pose_vertices(plan.shape, plan.target_pose)
    cover = (res.alpha >= 0.999).astype(np.uint8)
    inside = cv2.distanceTransform(cover, cv2.DIST_L2, 3)
    far = np.arange(cover.shape[1])[None, :] > base[list(FACE_OVAL), 0].mean()
    band = (cover > 0) & (inside >= 1.5) & (inside <= editor.feather_px(src.face)) & far & (res.moved > 0.99)
    assert band.sum() > 150, band.sum()
    out, render = res.image[band].astype(np.float64), res.rendered[band] * 255.0
    off = np.abs(out - render).max(1).mean()
    assert off < 9.0, off
    lum, lum_render = lab(out.astype(np.float32) / 255.0)[:, 0], lab(res.rendered[band])[:, 0]
    rim = lum_render < 30.0
    assert rim.sum() > 30, rim.sum()
    assert lum[rim].mean() - lum_render[rim].mean() < 6.0, (lum[rim].mean(), lum_render[rim].mean())
    reposed = stages.repose(img, src.face, yaw=25).image
    assert np.abs(reposed[band].astype(int) - res.image[band].astype(int)).max() <= 2


def test_a_jaw_beside_a_shirt_keeps_its_feather(prepared, editor):
    """t1.jpg's largest face: the photo shows his dark shirt beside the jaw that HeadProxy.bare
    marks (the face's edge seen against what lies beside the head); the person segmenter sees a
    person there, so no edge of its own is drawn on a turn (it went jagged against the shirt)."""
    img, src = prepared("t1.jpg")
    proxy = editor.frame_loop(src)._proxy
    assert proxy.bare is not None and proxy.bare.any()
    assert proxy.own_edge is None
