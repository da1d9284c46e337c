"""A pose change (yaw +20) drawn by the frame loop on the CPU at 640x480 and 1280x720 with one and
three real faces, with the head proxy (the default) against the plain ring band of the face oval
(the path before issue 15), in the same run. Frames: real portraits side by side, letterboxed.

    pytest benchmarks/bench_head.py
"""
import numpy as np
import pytest

import poce_rt
from poce_rt.assets import data_path, load_image
from poce_rt.frame_loop import FrameLoop

from bench_pipeline import letterbox

SIZES = {"640x480": (640, 480), "1280x720": (1280, 720)}
PORTRAITS = ("15-f13-anc-ph.jpg", "0-f15-hao-ph.jpg", "single_face.jpg")


def frame_of(n: int, w: int, h: int) -> np.ndarray:
    """n real (square) portraits side by side, letterboxed into a w x h frame."""
    return letterbox(np.hstack([letterbox(load_image(data_path(p)), 512, 512) for p in PORTRAITS[:n]]), w, h)


@pytest.fixture(scope="module")
def editor():
    with poce_rt.Editor(config=poce_rt.EditorConfig(max_faces=8)) as ed:
        yield ed


@pytest.fixture(scope="module", params=[(s, n) for s in SIZES for n in (1, 3)], ids=lambda p: f"{p[0]}-{p[1]}face")
def scene(request, editor):
    size, n = request.param
    img = frame_of(n, *SIZES[size])
    faces = editor.faces(img, "all")
    if len(faces) != n:
        pytest.skip(f"tracked {len(faces)} of {n} faces at {size}")
    return size, n, [editor.prepare(img, f) for f in faces]


@pytest.mark.parametrize("proxy", [True, False], ids=["head proxy", "oval ring (before)"])
def test_pose_change(benchmark, editor, scene, proxy):
    size, n, sources = scene
    loops = [FrameLoop(s, editor.geometry, editor.feather_px(s.face), None, editor._mouth_gap, "cpu",
                       head_proxy=proxy) for s in sources]
    plans = [editor.plan(s, pose=(0, 20, 0)) for s in sources]
    benchmark.group = f"pose change {size}, {n} face(s)"
    benchmark.name = f"{'head proxy' if proxy else 'oval ring (before)'} {size} {n}f"

    def run():
        for loop, p in zip(loops, plans):
            loop.step(p.rel, p.shape, p.target_pose, mouth=p.mouth)

    benchmark(run)


@pytest.mark.parametrize("folds", [False, True], ids=["ring", "ring + fold antialias"])
def test_fold_antialias(benchmark, editor, scene, folds):
    """What antialiasing the head proxy's folds (poce_rt.surround.draw_ring) adds to drawing the
    ring of the pose change above: the photo positions the ring's render works out beside its colour
    (ops.render's positions), the under-face mask and the blend across the positions' jumps, over
    each face's ring box (the frame loop's CPU work for it), against the ring's colour alone, in the
    same run."""
    from poce_rt import ops
    from poce_rt.fit import pose_vertices
    from poce_rt.surround import draw_ring, ring_band

    size, n, sources = scene
    rings = []
    for s in sources:
        p, f = editor.plan(s, pose=(0, 20, 0)), s.face
        proxy = (editor.frame_loop(s)._proxy, p.target_pose)   # the head proxy as the loop draws it
        verts, tris, src, (x0, y0, x1, y1) = ring_band(f.vertices, pose_vertices(p.shape, p.target_pose),
                                                       *s.image.shape[:2], proxy=proxy)
        side = int(np.ceil((src - src.min(0)).max())) + 4
        uvs = ((src - src.min(0) + 2) / side).astype(np.float32)
        local = verts - np.float32([x0, y0, 0])
        tex = np.zeros((side, side, 3), np.float32)
        rings.append((local, tris, uvs, tex, y1 - y0, x1 - x0))
    benchmark.group = f"pose change {size}, {n} face(s)"
    benchmark.name = f"{'ring + fold antialias' if folds else 'ring'} {size} {n}f"
    bufs = {}

    def take(name, shape):
        return bufs.setdefault((name, shape), np.empty(shape, np.float32))

    def run():
        for local, tris, uvs, tex, h, w in rings:
            if folds:
                draw_ring(tex, local, tris, uvs, h, w, take)
            else:
                ops.render(tex, local, tris, uvs, h, w, out=(take("rgb", (h, w, 3)), take("alpha", (h, w))))

    benchmark(run)
