"""FrameLoop (steps 5-7 on preallocated buffers) against the plain functional stages
(stages.render_face + stages.blend_face), on real photos. The CPU loop is the GPU loop's twin: the
same code on NumPy arrays; the GPU tests at the end compare the two and graph replay with eager."""
import dataclasses

import cv2

import numpy as np
import pytest

import poce_rt
from poce_rt import ops, stages
from poce_rt.frame_loop import Box, FrameLoop

POSES = [(0, 0, 0), (0, 20, 0), (10, -15, 5), (-8, 30, -4)]


@pytest.fixture(scope="module")
def editor(tracker):
    with poce_rt.Editor(tracker=tracker) as ed:
        yield ed


@pytest.fixture(scope="module")
def sources(editor, astronaut, single_face):
    return {"astronaut": editor.prepare(astronaut), "single_face": editor.prepare(single_face)}


def reference_frame(editor, src, plan):
    """The functional path: darken the mouth gap, render over the face's box, ring warp, blend."""
    tex = src.uv_completed.copy()
    g = editor._mouth_gap
    tex[g] = tex[g] * (1 - plan.mouth) + editor._mouth_colour[g] * plan.mouth
    h, w = src.image.shape[:2]
    rgb, alpha = stages.render_face(tex, plan.shape, plan.target_pose, h, w, editor.geometry)
    feather = editor.feather_px(src.face)
    return stages.blend_face(src.image, src.face, plan.shape, plan.target_pose, rgb, alpha, feather), rgb, alpha


def new_loop(editor, src, static=False):
    return FrameLoop(src, editor.geometry, editor.feather_px(src.face), None, editor._mouth_gap,
                     "cpu", static=static, mouth_colour=editor._mouth_colour)


def assert_frames_match(a, b):
    """Equal but for rounding: the ring's texture is a larger crop of the same photo in the loop,
    so a few of its bilinear reads land 1e-5 px elsewhere and round to the other uint8."""
    d = np.abs(a.astype(int) - b.astype(int))
    assert d.max() <= 1, d.max()
    assert (d > 0).mean() < 1e-4, (d > 0).mean()


@pytest.mark.parametrize("name", ["astronaut", "single_face"])
@pytest.mark.parametrize("pose", POSES)
def test_loop_matches_the_functional_stages(editor, sources, name, pose):
    src = sources[name]
    plan = editor.plan(src, expression={"jawOpen": 0.6, "mouthSmileLeft": 0.4}, pose=pose)
    loop = new_loop(editor, src)
    frame = loop.step(plan.rel, plan.shape, plan.target_pose, mouth=plan.mouth)
    ref, rgb, alpha = reference_frame(editor, src, plan)
    assert_frames_match(frame, ref)
    lrgb, lalpha = loop.maps()
    np.testing.assert_array_equal(lalpha, alpha)
    np.testing.assert_array_equal(lrgb, rgb)


def test_no_edit_leaves_the_surroundings_alone(editor, sources):
    src = sources["astronaut"]
    loop = new_loop(editor, src)
    plan = editor.plan(src)
    frame = loop.step(plan.rel, plan.shape, plan.target_pose)
    assert not loop.last_ring   # the oval did not move: no ring warp
    assert_frames_match(frame, reference_frame(editor, src, plan)[0])


def test_static_canvas_equals_exact_boxes_and_stops_allocating(editor, sources):
    """The GPU's fixed canvas (run here on the CPU twin) draws the same frames as the exact boxes,
    and after the first frames a step allocates nothing: the buffers CUDA graphs replay."""
    src = sources["single_face"]
    exact, static = new_loop(editor, src), new_loop(editor, src, static=True)
    rng = np.random.default_rng(0)
    reallocs = []
    for t in range(12):
        pose = (3 * np.sin(t / 3), 12 * np.sin(t / 4), 2 * np.cos(t / 5))
        plan = editor.plan(src, expression={"jawOpen": 0.3 + 0.3 * rng.random()}, pose=pose)
        a = exact.step(plan.rel, plan.shape, plan.target_pose, mouth=plan.mouth).copy()
        b = static.step(plan.rel, plan.shape, plan.target_pose, mouth=plan.mouth)
        np.testing.assert_array_equal(a, b)
        reallocs.append(static.ws.reallocations)
        assert static.last_box.contains(exact.last_box)
    assert reallocs[-1] == reallocs[3], reallocs


def test_canvas_grows_when_the_face_leaves_it(editor, sources):
    src = sources["astronaut"]
    loop = new_loop(editor, src, static=True)
    plan = editor.plan(src, pose=(0, 2, 0))
    loop.step(plan.rel, plan.shape, plan.target_pose)
    first = loop.last_box
    p = src.face.pose
    moved = dataclasses.replace(p, tx=p.tx + 60.0, ty=p.ty + 20.0)
    plan = editor.plan(src, pose=moved)   # the head moves beyond the first canvas
    frame = loop.step(plan.rel, plan.shape, plan.target_pose).copy()
    assert loop.last_box.contains(first) and loop.last_box != first
    ref, _, _ = reference_frame(editor, src, plan)
    assert_frames_match(frame, ref)


def test_frame_outside_the_box_is_the_photo_again(editor, sources):
    """Exact boxes move with the face: what an earlier, larger box drew is restored."""
    src = sources["single_face"]
    loop = new_loop(editor, src)
    big = editor.plan(src, pose=(0, 35, 0))
    loop.step(big.rel, big.shape, big.target_pose)
    small = editor.plan(src)
    frame = loop.step(small.rel, small.shape, small.target_pose)
    box = loop.last_box
    outside = np.ones(frame.shape[:2], bool)
    outside[box.y0:box.y1, box.x0:box.x1] = False
    np.testing.assert_array_equal(frame[outside], src.image[outside])
    ref, _, _ = reference_frame(editor, src, small)
    assert_frames_match(frame, ref)


def test_given_texture_and_bad_input(editor, sources):
    src = sources["single_face"]
    loop = new_loop(editor, src)
    plan = editor.plan(src, pose=(0, 10, 0))
    grey = np.full_like(src.uv_completed, 0.5)
    frame = loop.step(plan.rel, plan.shape, plan.target_pose, texture=grey)
    np.testing.assert_array_equal(loop.texture, grey)
    rgb, alpha = loop.maps()
    inside = alpha == 1
    np.testing.assert_allclose(rgb[inside], 0.5, atol=1e-6)
    assert frame.dtype == np.uint8
    with pytest.raises(ValueError, match="NaN"):
        bad = plan.shape.copy()
        bad[3] = np.nan
        loop.step(plan.rel, bad, plan.target_pose)
    with pytest.raises(ValueError, match="device"):
        FrameLoop(src, editor.geometry, 3, device="tpu")
    with pytest.raises(ValueError, match="CUDA graphs"):
        FrameLoop(src, editor.geometry, 3, device="cpu", graphs=True)
    if not poce_rt.cuda_available():   # a clear error, not a crash, where there is no GPU
        with pytest.raises(RuntimeError, match="cuda"):
            poce_rt.Editor(device="cuda")


def test_box_algebra():
    a, b = Box(0, 0, 10, 10), Box(5, 5, 20, 12)
    assert a.union(b) == Box(0, 0, 20, 12) and Box(0, 0, 0, 0).union(b) == b
    assert a.contains(Box(2, 2, 3, 3)) and not a.contains(b)
    assert b.grown(0.5, 14, 100) == Box(0, 0, 28, 14)


# ------------------------------------------------------------------------------------------- GPU


@pytest.mark.parametrize("pose", POSES)
@pytest.mark.parametrize("graphs", [False, True])
@pytest.mark.gpu
@pytest.mark.skipif(not poce_rt.cuda_available(), reason="needs a CUDA GPU and the CUDA build")
def test_gpu_loop_matches_the_cpu_loop(editor, sources, pose, graphs):
    cp = pytest.importorskip("cupy")
    src = sources["single_face"]
    feather = editor.feather_px(src.face)
    dev = FrameLoop(src, editor.geometry, feather, None, editor._mouth_gap, "cuda", graphs=graphs,
                    mouth_colour=editor._mouth_colour)
    cpu = new_loop(editor, src, static=True)
    for k in range(3):   # the first step runs eagerly and captures, the next ones replay
        plan = editor.plan(src, expression={"jawOpen": 0.2 * k}, pose=tuple(p + k for p in pose))
        a = cpu.step(plan.rel, plan.shape, plan.target_pose, mouth=plan.mouth)
        b = dev.step(plan.rel, plan.shape, plan.target_pose, mouth=plan.mouth)
        assert isinstance(b, cp.ndarray)
        d = np.abs(a.astype(int) - cp.asnumpy(b).astype(int))
        assert d.max() <= 1 and (d > 0).mean() < 1e-3
    if graphs:
        assert dev._captured and not dev._capture_failed


@pytest.mark.gpu
@pytest.mark.skipif(not poce_rt.cuda_available(), reason="needs a CUDA GPU and the CUDA build")
def test_gpu_editor_takes_and_returns_device_arrays(tracker, single_face):
    cp = pytest.importorskip("cupy")
    img = cp.asarray(single_face)
    with poce_rt.Editor(device="cuda", tracker=tracker) as ed:
        res = ed.edit(img, pose=(0, 15, 0))
        assert isinstance(res.image, cp.ndarray)
        assert ed.frame_loop(ed._loop.source).photo.data.ptr == img.data.ptr   # no copy
    with poce_rt.Editor(tracker=tracker) as ed:
        host = ed.edit(single_face, pose=(0, 15, 0)).image
    d = np.abs(cp.asnumpy(res.image).astype(int) - host.astype(int))
    assert d.max() <= 1 and (d > 0).mean() < 1e-3


@pytest.mark.gpu
@pytest.mark.skipif(not poce_rt.cuda_available(), reason="needs a CUDA GPU and the CUDA build")
def test_gpu_sample_face_matches_the_cpu(tracker, single_face):
    cp = pytest.importorskip("cupy")
    geom = stages.geometry(256)
    face = tracker.track_one(single_face)
    uv, mask = stages.sample_face(single_face, face, geom)
    guv, gmask = stages.sample_face(cp.asarray(single_face), face, geom)
    assert isinstance(guv, cp.ndarray) and isinstance(gmask, cp.ndarray)
    np.testing.assert_array_equal(mask, cp.asnumpy(gmask))
    np.testing.assert_allclose(uv, cp.asnumpy(guv), atol=1e-5)


def test_loop_on_a_subdivided_mesh(tracker, single_face):
    """EditorConfig.subdivisions: the loop draws the finer mesh like the functional stages do."""
    with poce_rt.Editor(config=poce_rt.EditorConfig(subdivisions=1), tracker=tracker) as ed:
        src = ed.prepare(single_face)
        plan = ed.plan(src, expression={"jawOpen": 0.5}, pose=(0, 15, 0))
        loop = new_loop(ed, src)
        assert loop._verts.shape[0] == len(ed.geometry.model.uvs) > 468
        frame = loop.step(plan.rel, plan.shape, plan.target_pose, mouth=plan.mouth)
        assert_frames_match(frame, reference_frame(ed, src, plan)[0])


def test_poisson_blend_option(tracker, single_face):
    """EditorConfig(blend='poisson'): the face goes in by Poisson editing on top of the same frame
    under it (photo + ring warp); nothing outside the face's coverage changes."""
    with poce_rt.Editor(config=poce_rt.EditorConfig(blend="poisson"), tracker=tracker) as ed:
        src = ed.prepare(single_face)
        res = ed.edit(None, expression={"jawOpen": 0.4}, pose=(0, 15, 0), source=src)
        under = ed.frame_loop(src).under_face()
        feathered = ed.frame_loop(src).frame_to_host()
    inside = res.alpha >= 0.999
    assert res.image.dtype == np.uint8 and res.image.shape == single_face.shape
    d = np.abs(res.image.astype(int) - under.astype(int)).max(axis=2)
    assert d[~inside].max() == 0                        # the photo (+ ring) outside the face
    assert d[inside].mean() > 5                         # the face is in
    # the face's gradients: inside the coverage Poisson and feather differ by a smooth offset
    diff = res.image.astype(float) - feathered.astype(float)
    core = cv2.erode(inside.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    gy = np.abs(np.diff(diff, axis=0))[core[1:] & core[:-1]].mean()
    assert gy < 2.0, gy
    with pytest.raises(ValueError, match="blend"):
        poce_rt.Editor(config=poce_rt.EditorConfig(blend="laplace"), tracker=tracker)
