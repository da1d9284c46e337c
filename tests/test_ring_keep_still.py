"""surround.keep_ring_still's host pass (the extension's ring_keep_still) against the array code it
replaces, bit for bit, and the kernel's own argument checks (in `make sanitize`'s KERNEL_TESTS)."""
import numpy as np
import pytest

from poce_rt import surround


def test_keep_ring_still_host_pass_is_the_array_code_bit_for_bit():
    """The extension's one pass (the host path) against keep_ring_still_arrays on NumPy, the
    CuPy path's lines: random boxes (runs of 256 pixels split), still pixels (0 motion), a view
    of a larger centres map as the frame loop passes it, NaN and inf in the positions and colours."""
    from poce_rt.motion import pixel_centres

    rng = np.random.default_rng(11)
    take = lambda name, shape: np.empty(shape, np.float32)   # noqa: E731
    for case in range(60):
        h, w = int(rng.integers(1, 40)), int(rng.choice([1, 7, 255, 256, 257, 300]))
        photo = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        rgb = rng.normal(0.5, 1.0, (h, w, 3)).astype(np.float32)
        lo = np.tile(rng.integers(-50, 400, 2).astype(np.float32), (w, 1))
        centres = pixel_centres(h + 5, w + 3)[2:2 + h, 1:1 + w] if case % 2 else pixel_centres(h, w, 40, 9)
        pos = (centres - lo).astype(np.float32)
        if case % 3:
            pos += rng.normal(0, rng.choice([0.2, 0.6, 3.0]), pos.shape).astype(np.float32)
        if case % 4 == 3:
            pos.flat[rng.integers(0, pos.size, 3)] = [np.nan, np.inf, -np.inf]
            rgb.flat[rng.integers(0, rgb.size, 3)] = [np.nan, np.inf, -np.inf]
        kept, moved = surround.keep_ring_still(photo, rgb, pos, lo, centres, take)
        with np.errstate(invalid="ignore", over="ignore"):
            want_kept, want_moved = surround.keep_ring_still_arrays(photo, rgb, pos, lo, centres, take)
        np.testing.assert_array_equal(moved, want_moved)
        np.testing.assert_array_equal(kept, want_kept)


def test_ring_keep_still_kernel_checks_its_arguments():
    from poce_rt.ops._arrays import native

    h, w = 4, 5
    args = [np.zeros((h, w, 3), np.uint8), np.zeros((h, w, 3), np.float32), np.zeros((h, w, 2), np.float32),
            np.zeros((w, 2), np.float32), np.zeros((h, w, 2), np.float32), 0.25, 4 / 3, 1 / 255,
            np.zeros((h, w, 3), np.float32), np.zeros((h, w, 1), np.float32)]
    native().ring_keep_still(*args)
    for k, bad in [(2, np.zeros((h, w + 1, 2), np.float32)), (3, np.zeros((w, 3), np.float32)),
                   (4, np.zeros((h, w, 2), np.float32)[:, ::-1]), (0, np.zeros((h, w, 3), np.float32)),
                   (8, np.zeros((h, w, 3), np.float32)[::-1]), (9, None)]:
        wrong = list(args)
        wrong[k] = bad
        with pytest.raises((ValueError, TypeError)):
            native().ring_keep_still(*wrong)
