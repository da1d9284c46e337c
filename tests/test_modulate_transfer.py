"""Spatial modulation (Eq. 7), feature transfer (Eq. 8) and compositing against NumPy."""
import numpy as np
import pytest

from poce_rt.ops import composite, modulate, transfer
from poce_rt.ops.ref import composite_ref, modulate_ref, transfer_ref


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (2, 3, 8, 8), (1, 64, 32, 32), (4, 2, 5, 7)])
def test_modulate_matches_numpy(shape):
    rng = np.random.default_rng(0)
    x = (rng.normal(size=shape) * 3 + 1).astype(np.float32)
    g = rng.normal(size=shape).astype(np.float32)
    b = rng.normal(size=shape).astype(np.float32)
    np.testing.assert_allclose(modulate(x, g, b, 1e-5), modulate_ref(x, g, b, 1e-5), atol=1e-5, rtol=1e-5)


def test_modulate_matches_torch_instance_norm():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x, g, b = (rng.normal(size=(2, 4, 16, 16)).astype(np.float32) for _ in range(3))
    expect = torch.nn.functional.instance_norm(torch.from_numpy(x), eps=1e-5).numpy() * g + b
    np.testing.assert_allclose(modulate(x, g, b), expect, atol=1e-5)


def test_modulate_rejects_bad_input():
    x = np.zeros((1, 2, 4, 4), np.float32)
    with pytest.raises(ValueError):
        modulate(x, np.zeros((1, 2, 4, 5), np.float32), x)
    with pytest.raises(TypeError):
        modulate(x.astype(np.float64), x, x)
    with pytest.raises(ValueError):
        modulate(x, x, x, eps=0)


@pytest.mark.parametrize("emb, mask_hw", [((2, 3, 8, 8), (256, 256)), ((1, 5, 7, 9), (20, 31)),
                                          ((3, 2, 64, 64), (64, 64))])
def test_transfer_matches_numpy(emb, mask_hw):
    rng = np.random.default_rng(2)
    src, ref = (rng.normal(size=emb).astype(np.float32) for _ in range(2))
    mask = (rng.uniform(size=(emb[0],) + mask_hw) > 0.97).astype(np.float32)
    np.testing.assert_allclose(transfer(src, ref, mask), transfer_ref(src, ref, mask), atol=1e-6)
    soft = rng.uniform(size=mask_hw).astype(np.float32)
    np.testing.assert_allclose(transfer(src, ref, soft), transfer_ref(src, ref, soft), atol=1e-6)


def test_transfer_zero_and_one_masks_are_exact():
    rng = np.random.default_rng(3)
    src, ref = (rng.normal(size=(2, 4, 16, 16)).astype(np.float32) for _ in range(2))
    np.testing.assert_array_equal(transfer(src, ref, np.zeros((256, 256), np.float32)), src)
    np.testing.assert_array_equal(transfer(src, ref, np.ones((1, 256, 256), np.float32).repeat(2, 0)), ref)
    np.testing.assert_array_equal(transfer(src, ref, np.ones((2, 1, 32, 32), np.float32)), ref)


def test_transfer_single_pixel_spreads_to_its_cell():
    src = np.zeros((1, 1, 8, 8), np.float32)
    ref = np.ones_like(src)
    mask = np.zeros((256, 256), np.float32)
    mask[100, 200] = 1
    out = transfer(src, ref, mask)
    assert out.sum() == 1 and out[0, 0, 100 // 32, 200 // 32] == 1


def test_transfer_rejects_bad_masks():
    src = np.zeros((1, 2, 8, 8), np.float32)
    with pytest.raises(ValueError):
        transfer(src, src, np.zeros((4, 4), np.float32))  # smaller than the embedding
    with pytest.raises(ValueError):
        transfer(src, src, np.zeros((2, 16, 16), np.float32))  # wrong batch
    with pytest.raises(TypeError):
        transfer(src, src, [[0.0]])


@pytest.mark.parametrize("feather", [0, 1, 5])
def test_composite_matches_numpy(feather):
    rng = np.random.default_rng(4)
    h, w = 40, 50
    frame = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    rgb = rng.uniform(size=(h, w, 3)).astype(np.float32)
    alpha = np.zeros((h, w), np.float32)
    alpha[5:30, 10:45] = 1
    alpha[5, 10:45] = 0.5
    out = composite(frame, rgb, alpha, feather)
    expect = composite_ref(frame, rgb, alpha, feather)
    assert np.abs(out.astype(int) - expect.astype(int)).max() <= 1
    assert (out[alpha == 0] == frame[alpha == 0]).all()  # never paints outside the coverage


def test_composite_nan_alpha_keeps_frame():
    frame = np.full((4, 4, 3), 7, np.uint8)
    out = composite(frame, np.ones((4, 4, 3), np.float32), np.full((4, 4), np.nan, np.float32), 0)
    assert (out == 7).all()
