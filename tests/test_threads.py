"""The CPU kernels' thread setting: results do not depend on it, bad values are refused."""
import os
import subprocess
import sys

import numpy as np
import pytest

from poce_rt import ops, stages


@pytest.fixture
def restore_threads():
    n = ops.get_num_threads()
    yield
    ops.set_num_threads(n)   # adapting to the load again


def test_results_do_not_depend_on_the_thread_count(restore_threads, astronaut, tracker):
    """Bands of rows (rasterize), chunks of triangles with atomics (render's sub-samples), of texels
    and of rows: every split must give the single-threaded result bit for bit."""
    face = tracker.track_one(astronaut)
    g = stages.geometry(256, 2)
    verts = g.posed(face.vertices)
    h, w = astronaut.shape[:2]
    tex = np.random.default_rng(1).random((256, 256, 3), dtype=np.float32)

    def run():
        tri = ops.rasterize(verts, g.layout.tris, h, w)
        uv = ops.sample_uv(astronaut, verts, g.layout.tris, g.layout)
        rgb, alpha = ops.render(tex, verts, g.layout.tris, g.layout, h, w)
        out = ops.composite(astronaut, rgb, alpha, 7)
        return (*tri, *uv, rgb, alpha, out)

    ops.set_num_threads(1)
    one = run()
    for n in (2, 3, 8):
        ops.set_num_threads(n, adapt_to_load=False)   # the threaded paths even on a busy machine
        assert ops.get_num_threads() == n
        for a, b in zip(run(), one):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("bad, err", [(0, ValueError), (65, ValueError), (1.5, TypeError), (True, TypeError)])
def test_bad_thread_counts_are_refused(restore_threads, bad, err):
    before = ops.get_num_threads()
    with pytest.raises(err):
        ops.set_num_threads(bad)
    assert ops.get_num_threads() == before


def test_environment_sets_the_default():
    code = "from poce_rt import ops; print(ops.get_num_threads())"
    env = dict(os.environ, POCE_RT_THREADS="3")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "3"
