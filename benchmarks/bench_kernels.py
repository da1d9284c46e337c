"""rasterize, sample_uv and render: the C++ kernels against the NumPy references and the
per-triangle cv2.warpAffine way, side by side in one run (compare within a group).

    pytest benchmarks/bench_kernels.py --benchmark-group-by=group
"""
import numpy as np
import pytest

from poce_rt import ops
from poce_rt.ops.ref import rasterize_ref, render_ref, sample_uv_ref
from poce_rt.ops.sample_uv import default_depth_tol
from unwrap_cv2 import paint_cv2, unwrap_cv2

SLOW = dict(rounds=1, iterations=1, warmup_rounds=0)  # NumPy/cv2 baselines take seconds on 57k tris


def _group(benchmark, op, scene_id):
    benchmark.group = f"{op} {scene_id}"


def test_rasterize_kernel(benchmark, bench_scene):
    sid, img, geom, verts = bench_scene
    _group(benchmark, "rasterize", sid)
    benchmark(ops.rasterize, verts, geom.layout.tris, img.shape[0], img.shape[1])


def test_rasterize_numpy(benchmark, bench_scene):
    sid, img, geom, verts = bench_scene
    _group(benchmark, "rasterize", sid)
    benchmark.pedantic(rasterize_ref, (verts, geom.layout.tris, img.shape[0], img.shape[1]), **SLOW)


def test_sample_uv_kernel(benchmark, bench_scene):
    sid, img, geom, verts = bench_scene
    _group(benchmark, "sample_uv", sid)
    uv, mask = benchmark(ops.sample_uv, img, verts, geom.layout.tris, geom.layout)
    assert mask.sum() > 0


def test_sample_uv_numpy(benchmark, bench_scene):
    sid, img, geom, verts = bench_scene
    _group(benchmark, "sample_uv", sid)
    benchmark.pedantic(sample_uv_ref, (img, verts, geom.layout.tris, geom.layout, default_depth_tol(verts)), **SLOW)


def test_sample_uv_cv2_warpaffine(benchmark, bench_scene):
    sid, img, geom, verts = bench_scene
    _group(benchmark, "sample_uv", sid)
    benchmark.pedantic(unwrap_cv2, (img, verts, geom.layout.tris, geom.layout.uvs, geom.size), **SLOW)


@pytest.fixture(scope="module")
def texture():
    return np.random.default_rng(0).uniform(size=(256, 256, 3)).astype(np.float32)


def test_render_kernel(benchmark, bench_scene, texture):
    sid, img, geom, verts = bench_scene
    _group(benchmark, "render", sid)
    benchmark(ops.render, texture, verts, geom.layout.tris, geom.layout, img.shape[0], img.shape[1])


def test_render_numpy(benchmark, bench_scene, texture):
    sid, img, geom, verts = bench_scene
    _group(benchmark, "render", sid)
    benchmark.pedantic(render_ref, (texture, verts, geom.layout.tris, geom.layout.uvs, img.shape[0], img.shape[1]), **SLOW)


def test_render_cv2_warpaffine(benchmark, bench_scene, texture):
    sid, img, geom, verts = bench_scene
    _group(benchmark, "render", sid)
    benchmark.pedantic(paint_cv2, (texture, verts, geom.layout.tris, geom.layout.uvs, img.shape[0], img.shape[1]), **SLOW)
