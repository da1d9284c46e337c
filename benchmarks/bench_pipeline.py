"""Each stage and the whole frame on the CPU at 640x480 and 1280x720 (a real face, letterboxed),
with and without tracking. Frames per second = 1000 / median ms of the `frame` rows.

    pytest benchmarks/bench_pipeline.py
"""
import cv2
import numpy as np
import pytest

import poce_rt
from poce_rt import ops, stages
from poce_rt.assets import data_path, load_image
from poce_rt.complete import complete_uv_fallback
from poce_rt.fit import pose_vertices
from poce_rt.surround import warp_surround

SIZES = {"640x480": (640, 480), "1280x720": (1280, 720)}


def letterbox(img, w, h):
    s = min(w / img.shape[1], h / img.shape[0])
    small = cv2.resize(img, (int(img.shape[1] * s), int(img.shape[0] * s)), interpolation=cv2.INTER_AREA)
    out = np.zeros((h, w, 3), np.uint8)
    y, x = (h - small.shape[0]) // 2, (w - small.shape[1]) // 2
    out[y:y + small.shape[0], x:x + small.shape[1]] = small
    return out


@pytest.fixture(scope="module")
def editor():
    with poce_rt.Editor() as ed:
        yield ed


@pytest.fixture(scope="module", params=list(SIZES))
def frame(request, editor):
    img = letterbox(load_image(data_path("single_face.jpg")), *SIZES[request.param])
    return request.param, img, editor.prepare(img)


def _g(benchmark, name, size):
    benchmark.group = f"pipeline {size}"
    benchmark.name = f"{name} {size}"


def test_track(benchmark, editor, frame):
    size, img, _ = frame
    _g(benchmark, "1 track", size)
    benchmark(editor.track, img)


def test_sample_uv(benchmark, editor, frame):
    size, img, src = frame
    _g(benchmark, "3 sample_uv", size)
    benchmark(stages.sample_face, img, src.face, editor.geometry)


def test_complete_fallback(benchmark, editor, frame):
    size, _, src = frame
    _g(benchmark, "4 complete (fallback)", size)
    benchmark(complete_uv_fallback, src.uv_sampled, src.mask, editor.geometry.layout)


def test_complete_face(benchmark, editor, frame):
    """What Editor.prepare runs now: the fallback on the trusted texels, the confidence, the hair
    over the outline (poce_rt.hair) and the fill map (poce_rt.disocclusion)."""
    size, img, src = frame
    _g(benchmark, "4 complete (with disocclusion)", size)
    benchmark(stages.complete_face, src.uv_sampled, src.mask, src.face, *img.shape[:2], editor.geometry,
              image=img)


def test_render(benchmark, editor, frame):
    size, img, src = frame
    _g(benchmark, "6 render", size)
    h, w = img.shape[:2]
    benchmark(stages.render_face, src.uv_completed, src.face.shape, src.face.pose.offset(yaw=15), h, w, editor.geometry)


def test_composite(benchmark, editor, frame):
    """The pipeline's blend-back (pose unchanged, so no ring warp): the face's box only."""
    size, img, src = frame
    _g(benchmark, "7 composite", size)
    h, w = img.shape[:2]
    rgb, alpha = stages.render_face(src.uv_completed, src.face.shape, src.face.pose, h, w, editor.geometry)
    benchmark(stages.blend_face, img, src.face, src.face.shape, src.face.pose, rgb, alpha, 6)


def test_composite_full_frame(benchmark, editor, frame):
    """The same blend over the whole frame (what the pipeline did before drawing only the face box)."""
    size, img, src = frame
    _g(benchmark, "7 composite, whole frame", size)
    h, w = img.shape[:2]
    rgb, alpha = stages.render_face(src.uv_completed, src.face.shape, src.face.pose, h, w, editor.geometry)
    benchmark(ops.composite, img, rgb, alpha, 6)


def test_surround(benchmark, frame):
    """The warp of the ring around the face that follows the oval on a pose change."""
    size, img, src = frame
    _g(benchmark, "6b surround", size)
    dst = pose_vertices(src.face.shape, src.face.pose.offset(yaw=15))
    benchmark(warp_surround, img, src.face.vertices, dst)


def test_frame_cached_source(benchmark, editor, frame):
    """Reenactment's per-frame cost: source prepared once, steps 5-7 per frame, no tracking."""
    size, img, src = frame
    _g(benchmark, "frame without tracking", size)
    benchmark(editor.edit, img, expression={"jawOpen": 0.3}, pose=(0, 15, 0), source=src)


def test_frame_loop_step(benchmark, editor, frame):
    """What the Reenactor does per frame: plan on the host, then the frame loop's step (buffers
    reused, the face's box only); no tracking, no full-frame maps."""
    size, img, src = frame
    _g(benchmark, "frame loop step", size)
    loop = editor.frame_loop(src)

    def step():
        plan = editor.plan(src, expression={"jawOpen": 0.3}, pose=(0, 15, 0))
        return loop.step(plan.rel, plan.shape, plan.target_pose, mouth=plan.mouth)

    benchmark(step)


def test_frame_functional_stages(benchmark, editor, frame):
    """The same frame through the plain functional stages (fresh arrays every call), for comparison."""
    size, img, src = frame
    _g(benchmark, "frame, functional stages", size)
    h, w = img.shape[:2]
    feather = editor.feather_px(src.face)

    def step():
        plan = editor.plan(src, expression={"jawOpen": 0.3}, pose=(0, 15, 0))
        rgb, alpha = stages.render_face(src.uv_completed, plan.shape, plan.target_pose, h, w, editor.geometry)
        return stages.blend_face(img, src.face, plan.shape, plan.target_pose, rgb, alpha, feather)

    benchmark(step)


def test_frame_with_tracking(benchmark, editor, frame):
    size, img, _ = frame
    _g(benchmark, "frame with tracking", size)
    benchmark(editor.edit, img, expression={"jawOpen": 0.3}, pose=(0, 15, 0))


# ------------------------------------------------------------------------------------ GPU (marked)
needs_gpu = pytest.mark.skipif(not poce_rt.cuda_available(), reason="needs a CUDA GPU and the CUDA build")


@pytest.fixture(scope="module")
def gpu_editor():
    with poce_rt.Editor(device="cuda") as ed:
        yield ed


@pytest.mark.gpu
@needs_gpu
@pytest.mark.parametrize("graphs", [False, True], ids=["eager", "graphs"])
def test_gpu_frame_loop_step(benchmark, gpu_editor, frame, graphs):
    """The frame loop on the GPU, step by step (waits for the GPU each step): CUDA graph replay
    against eager launches."""
    from poce_rt.frame_loop import FrameLoop

    size, img, _ = frame
    _g(benchmark, f"gpu frame loop step, {'graphs' if graphs else 'eager'}", size)
    ed = gpu_editor
    src = ed.prepare(img)
    loop = FrameLoop(src, ed.geometry, ed.feather_px(src.face), None, ed._mouth_gap, "cuda",
                     graphs=graphs, static=True, stream=ed.stream, mouth_colour=ed._mouth_colour)
    plan = ed.plan(src, expression={"jawOpen": 0.3}, pose=(0, 15, 0))
    for _ in range(3):   # compile kernels, capture
        loop.step(plan.rel, plan.shape, plan.target_pose, mouth=plan.mouth)
    benchmark(loop.step, plan.rel, plan.shape, plan.target_pose, mouth=plan.mouth)


@pytest.mark.gpu
@needs_gpu
def test_gpu_sample_uv(benchmark, gpu_editor, frame):
    import cupy as cp

    size, img, src = frame
    _g(benchmark, "gpu 3 sample_uv", size)
    dev = cp.asarray(img)

    def sample():
        out = stages.sample_face(dev, src.face, gpu_editor.geometry)
        cp.cuda.get_current_stream().synchronize()
        return out

    benchmark(sample)
