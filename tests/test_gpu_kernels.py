"""CUDA kernels against the CPU kernels (same contract, same arithmetic). Skipped without a GPU."""
import numpy as np
import pytest

import poce_rt
from poce_rt import ops, stages

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not poce_rt.cuda_available(), reason="needs a CUDA GPU and the CUDA build")]


@pytest.fixture(scope="module")
def cp():
    return pytest.importorskip("cupy")


@pytest.fixture(scope="module")
def scene(tracker, single_face):
    geom = stages.geometry(256, 0)
    face = tracker.track_one(single_face)
    return single_face, geom, geom.posed(face.vertices)


def test_rasterize_identical(cp, scene):
    img, geom, verts = scene
    h, w = img.shape[:2]
    cpu = ops.rasterize(verts, geom.layout.tris, h, w)
    gpu = ops.rasterize(cp.asarray(verts), cp.asarray(geom.layout.tris), h, w)
    np.testing.assert_array_equal(cpu[0], cp.asnumpy(gpu[0]))  # --fmad=false: same rounding
    np.testing.assert_allclose(cpu[1], cp.asnumpy(gpu[1]), atol=1e-6)
    np.testing.assert_allclose(cpu[2], cp.asnumpy(gpu[2]), atol=1e-5)


def test_rasterize_random_meshes_identical(cp):
    rng = np.random.default_rng(0)
    verts = rng.uniform(-10, 110, (3000, 3)).astype(np.float32)
    tris = rng.integers(0, 3000, (1000, 3)).astype(np.int32)
    a = ops.rasterize(verts, tris, 100, 100)[0]
    b = cp.asnumpy(ops.rasterize(cp.asarray(verts), cp.asarray(tris), 100, 100)[0])
    np.testing.assert_array_equal(a, b)


def test_sample_uv_and_render_match(cp, scene):
    img, geom, verts = scene
    uv, mask = ops.sample_uv(img, verts, geom.layout.tris, geom.layout)
    guv, gmask = ops.sample_uv(cp.asarray(img), cp.asarray(verts), cp.asarray(geom.layout.tris),
                               geom.layout.to_device())
    np.testing.assert_array_equal(mask, cp.asnumpy(gmask))
    np.testing.assert_allclose(uv, cp.asnumpy(guv), atol=1e-5)
    h, w = img.shape[:2]
    rgb, alpha = ops.render(uv, verts, geom.layout.tris, geom.layout, h, w)
    dev = geom.layout.to_device()
    grgb, galpha = ops.render(cp.asarray(uv), cp.asarray(verts), dev.tris, dev, h, w)
    np.testing.assert_allclose(rgb, cp.asnumpy(grgb), atol=1e-5)
    np.testing.assert_array_equal(alpha, cp.asnumpy(galpha))


def test_modulate_transfer_composite_match(cp):
    rng = np.random.default_rng(1)
    x, g, b = (rng.normal(size=(2, 32, 64, 64)).astype(np.float32) for _ in range(3))
    np.testing.assert_allclose(ops.modulate(x, g, b), cp.asnumpy(ops.modulate(*map(cp.asarray, (x, g, b)))), atol=1e-5)
    m = (rng.uniform(size=(256, 256)) > 0.9).astype(np.float32)
    np.testing.assert_array_equal(ops.transfer(x, g, m), cp.asnumpy(ops.transfer(cp.asarray(x), cp.asarray(g), cp.asarray(m))))
    frame = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
    rgb = rng.uniform(size=(120, 160, 3)).astype(np.float32)
    alpha = np.zeros((120, 160), np.float32)
    alpha[20:100, 30:130] = 1
    a = ops.composite(frame, rgb, alpha, 6)
    bb = cp.asnumpy(ops.composite(cp.asarray(frame), cp.asarray(rgb), cp.asarray(alpha), 6))
    assert np.abs(a.astype(int) - bb.astype(int)).max() <= 1


def test_mixed_devices_are_rejected(cp):
    with pytest.raises(TypeError, match="same device"):
        ops.modulate(np.zeros((1, 1, 2, 2), np.float32), cp.zeros((1, 1, 2, 2), cp.float32),
                     np.zeros((1, 1, 2, 2), np.float32))
