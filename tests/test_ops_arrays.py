"""Array helpers of poce_rt.ops shared by the host and device paths."""
import numpy as np
import pytest

from poce_rt import ops


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_channel_sum_is_numpys_sum_bit_for_bit(channels):
    """channel_sum adds the channels in the order NumPy's reduction does over a short last axis,
    so the maps built with it (poce_rt.motion, poce_rt.disocclusion) are the ones xp.sum gave."""
    x = (np.random.default_rng(channels).random((64, 48, channels)) * 100 - 50).astype(np.float32)
    out = np.full((64, 48, 1), np.nan, np.float32)
    assert ops.channel_sum(x, out) is out
    np.testing.assert_array_equal(out, x.sum(-1, keepdims=True))
    flat = x.reshape(-1, channels)
    got = ops.channel_sum(flat, np.empty((len(flat), 1), np.float32))
    np.testing.assert_array_equal(got, flat.sum(1, keepdims=True))


def test_channel_dot_is_multiply_then_channel_sum_bit_for_bit():
    """channel_dot (the fill's shading at a pose: normal . light) gives what the broadcast
    multiply and channel_sum gave, bit for bit."""
    rng = np.random.default_rng(7)
    x = (rng.random((300, 4)) * 4 - 2).astype(np.float32)
    v = (rng.random(4) * 3 - 1).astype(np.float32)
    want = ops.channel_sum(x * v, np.empty((300, 1), np.float32))
    got = ops.channel_dot(x, v, np.empty((300, 1), np.float32), np.empty(300, np.float32))
    np.testing.assert_array_equal(got, want)
