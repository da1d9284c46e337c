"""FrameLoop (steps 5-7 on preallocated buffers) against the plain functional stages
(stages.render_face + stages.blend_face), on real photos. The CPU loop is the GPU loop's twin: the
same code on NumPy arrays; the GPU tests at the end compare the two and graph replay with eager."""
import dataclasses

import cv2

import numpy as np
import pytest

import poce_rt
from poce_rt import ops, photo_warp, stages
from poce_rt.fit import pose_vertices
from poce_rt.revealed import fill_share, revealed_fill
from poce_rt.frame_loop import Box, FrameLoop
from poce_rt.mouth.gap import gap_lips, under_card
from poce_rt.mouth.light import in_photo_colour, skin_tone
from poce_rt.mouth.photo import mouth_interior

POSES = [(0, 0, 0), (0, 20, 0), (10, -15, 5), (-8, 30, -4)]


@pytest.fixture(scope="module")
def sources(prepared):
    return {"astronaut": prepared("astronaut")[1], "single_face": prepared("single_face.jpg")[1]}


def reference_frame(editor, src, plan, held=None):
    """The functional path: the texture at the target pose (the fill where the turn reveals texels),
    darken the mouth gap (under the photo's own opening: its lips' colours), render over the face's box, draw the inside of the mouth, ring warp, blend
    (the revealed fill counted as moved)."""
    tex, revealed = stages.texture_at(src.uv_completed, src.uv_fill, src.face, plan.target_pose, editor.geometry,
                                      src.shading)
    tex = tex.copy()
    g = editor._mouth_gap
    skin = skin_tone(src.uv_completed, editor.geometry.layout.coverage)
    tex[g] = tex[g] * (1 - plan.mouth) + in_photo_colour(editor._mouth_colour[g], skin) * plan.mouth
    inside = mouth_interior(src.image, src.face, skin)
    if inside.from_photo:   # under the photo's own opening the gap's texels in their lips' colours
        cover = inside.coverage(plan.mouth, pose_vertices(plan.shape, plan.target_pose), plan.target_pose.scale)
        tex = under_card(tex, np.flatnonzero(g), gap_lips(g, editor.geometry.layout.coverage), cover)
    h, w = src.image.shape[:2]
    # the photo read once where the drawn texels are its own (poce_rt.photo_warp)
    # less the texels a three-quarter view's far light relights (poce_rt.far_light)
    lookup = stages.photo_lookup(src.face, src.mask, fill_share(src.filled, src.mask, revealed), editor.geometry,
                                 stages.far_read(photo_warp.outside_mouth(g, editor.geometry.size), src.shading,
                                                 plan.target_pose))
    rgb, alpha = stages.render_face(tex, plan.shape, plan.target_pose, h, w, editor.geometry,
                                    photo=(src.image, lookup))
    stages.draw_mouth(rgb, plan.shape, plan.target_pose, plan.mouth, inside)
    feather = editor.feather_px(src.face)
    fill = revealed_fill(src.filled, revealed, editor.geometry.layout.coverage)
    return (stages.blend_face(src.image, src.face, plan.shape, plan.target_pose, rgb, alpha, feather,
                              editor.geometry, fill=fill, rim_light=src.rim_light, held=held), rgb, alpha)


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


def test_loop_matches_the_stages_where_the_ring_is_relit(editor):
    """t1.jpg's face 1 turned +25: her far half is drawn relit and the ring's texture about the
    oval with it (poce_rt.rim_light), in the loop's texture cache as in blend_face's."""
    from poce_rt.assets import data_path, load_image

    img = load_image(data_path("t1.jpg"))
    src = editor.prepare(img, editor.faces(img, 1)[0])
    assert src.rim_light is not None
    loop = new_loop(editor, src)
    # relit, less, again (from the unrelit texels), and turned the other way: none of it relit
    for pose in ((0, 25, 0), (0, 12, 0), (0, 25, 0), (0, -25, 0)):
        plan = editor.plan(src, pose=pose)
        frame = loop.step(plan.rel, plan.shape, plan.target_pose, mouth=plan.mouth)
        assert_frames_match(frame, reference_frame(editor, src, plan)[0])


def test_loop_matches_the_stages_along_a_profile(editor):
    """t1.jpg's face 1 turned -25, towards profile: her brow, nose and lips are the outline and are
    composited without the feather (poce_rt.profile_edge), in the loop as in blend_face; a step
    with none between (0.3 degrees, under TURN_DEG) draws the feather everywhere, and at -10 the
    face keeps its own edge only where the backdrop lies beside her jaw (profile_edge.own_edge_of),
    on the exact boxes and on the GPU's fixed canvas (its CPU twin)."""
    from poce_rt.assets import data_path, load_image

    img = load_image(data_path("t1.jpg"))
    src = editor.prepare(img, editor.faces(img, 1)[0])
    for static in (False, True):
        loop = new_loop(editor, src, static=static)
        for pose, profile in (((0, -25, 0), True), ((0, 0.3, 0), False), ((0, -10, 0), True), ((0, -25, 0), True)):
            plan = editor.plan(src, pose=pose)
            frame = loop.step(plan.rel, plan.shape, plan.target_pose, mouth=plan.mouth)
            assert loop._profile == profile
            assert_frames_match(frame, reference_frame(editor, src, plan)[0])


def test_loop_matches_the_stages_where_a_hand_is_held(editor, prepared):
    """Image_with_alpha.png: his hand over the face's outline is held, by the face where the fill is
    drawn and by the ring where the pose reveals the outline beside it (poce_rt.occluder.RingHold,
    surround.hold_ring), the weight written per step: turned +25, less, the other way (none held
    by the ring) and back, on the exact boxes and on the GPU's fixed canvas (its CPU twin)."""
    img, src = prepared("Image_with_alpha.png")
    assert src.held is not None
    for static in (False, True):
        loop = new_loop(editor, src, static=static)
        for pose in ((0, 25, 0), (0, 12, 0), (0, -25, 0), (0, 25, 0)):
            plan = editor.plan(src, pose=pose)
            frame = loop.step(plan.rel, plan.shape, plan.target_pose, mouth=plan.mouth)
            assert_frames_match(frame, reference_frame(editor, src, plan, held=src.held)[0])

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
        assert dev.graph_cache.captured and not dev.graph_cache.failed


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


# -- what a CUDA graph may capture (the rule, on the CPU twin) ---------------------------------
def test_capture_rule_keeps_host_work_out_of_graphs(tmp_path_factory):
    """A step is captured only when its edit is pure device work: no networks, or TensorRT with the
    fused editing graph. ONNX Runtime and an unfused model (mapping network on host copies) stay
    eager, and asking for graphs with them is an error."""
    pytest.importorskip("torch")
    from test_export import write_model_dir

    from poce_rt.export import export_model_dir
    from poce_rt.frame_loop import step_capturable
    from poce_rt.networks import Networks

    d = write_model_dir(tmp_path_factory.mktemp("capture_model"))
    export_model_dir(d, fp16=False, progress=None)
    ort = Networks.load(d, backend="onnxruntime")
    assert step_capturable(None)
    assert not ort.capturable and not step_capturable(ort)
    fused = Networks(dict(ort.graphs), ort.uv_size, "tensorrt")        # the rule reads the backend
    unfused = Networks({k: v for k, v in ort.graphs.items() if k != "editing"}, ort.uv_size, "tensorrt")
    assert fused.capturable and step_capturable(fused)
    assert not unfused.capturable and not step_capturable(unfused)
    # the unfused path still edits (on host copies) and gives the fused path's result
    rng = np.random.default_rng(0)
    s = ort.uv_size
    uv = rng.uniform(-1, 1, (1, 3, s, s)).astype(np.float32)
    code = rng.uniform(-0.5, 0.5, (1, 52)).astype(np.float32)
    a, b = np.empty_like(uv), np.empty_like(uv)
    fused.edit_into(uv, code, a)
    unfused.edit_into(uv, code, b)
    np.testing.assert_allclose(a, b, atol=1e-4)


def test_object_memo_forgets_dead_objects():
    """check_tris remembers checked device index arrays by identity: an entry lives exactly as long
    as its array, so a new array (possibly at a freed and reused address) is checked again, and no
    eviction ever drops a live one (which would force a read-back inside a later graph capture)."""
    from poce_rt.ops._arrays import ObjectMemo

    memo = ObjectMemo()
    arrays = [np.arange(6, dtype=np.int32).reshape(2, 3) for _ in range(300)]
    for i, a in enumerate(arrays):
        memo.put(a, ("fact", i))
    assert len(memo) == 300 and all(memo.get(a) == ("fact", i) for i, a in enumerate(arrays))
    view = arrays[0][:]
    assert memo.get(view) is None                 # another object over the same memory: unknown
    del arrays[:150], view
    import gc

    gc.collect()
    assert len(memo) == 150
    fresh = np.arange(6, dtype=np.int32).reshape(2, 3)
    assert memo.get(fresh) is None
    memo.put(arrays[0], "again")                  # replacing an entry keeps one
    assert len(memo) == 150 and memo.get(arrays[0]) == "again"


@pytest.mark.gpu
@pytest.mark.skipif(not poce_rt.cuda_available(), reason="needs a CUDA GPU and the CUDA build")
def test_device_tris_check_is_by_identity_and_capture_safe():
    import cupy as cp

    from poce_rt.ops._arrays import _CHECKED_DEVICE_TRIS

    verts = cp.asarray(np.array([[1, 1, 0], [9, 1, 0], [1, 9, 0]], np.float32))
    good = cp.asarray(np.array([[0, 1, 2]], np.int32))
    ops.rasterize(verts, good, 12, 12)
    assert _CHECKED_DEVICE_TRIS.get(good) is not None
    n = len(_CHECKED_DEVICE_TRIS)
    del good
    assert len(_CHECKED_DEVICE_TRIS) == n - 1
    bad = cp.asarray(np.array([[0, 1, 7]], np.int32))   # CuPy's pool hands out the freed block
    with pytest.raises(ValueError, match="indices must be in 0..2"):
        ops.rasterize(verts, bad, 12, 12)
    assert _CHECKED_DEVICE_TRIS.get(bad) is None
    stream = cp.cuda.Stream(non_blocking=True)
    unseen = cp.asarray(np.array([[2, 1, 0]], np.int32))
    stream.synchronize()
    stream.begin_capture()
    try:
        with pytest.raises(RuntimeError, match="outside CUDA graph capture"):
            ops.rasterize(verts, unseen, 12, 12, stream=stream)
    finally:
        stream.end_capture()


@pytest.mark.gpu
@pytest.mark.skipif(not poce_rt.cuda_available(), reason="needs a CUDA GPU and the CUDA build")
def test_unfused_networks_are_not_captured_on_the_gpu(editor, sources, tmp_path_factory):
    pytest.importorskip("torch")
    from test_export import write_model_dir

    from poce_rt.export import export_model_dir
    from poce_rt.networks import Networks

    d = write_model_dir(tmp_path_factory.mktemp("gpu_capture_model"))
    export_model_dir(d, fp16=False, progress=None)
    nets = Networks.load(d, backend="onnxruntime")
    loop = FrameLoop(sources["astronaut"], editor.geometry, 4, networks=nets, device="cuda")
    assert loop.graphs is False
    with pytest.raises(ValueError, match="CUDA graphs need networks"):
        FrameLoop(sources["astronaut"], editor.geometry, 4, networks=nets, device="cuda", graphs=True)
