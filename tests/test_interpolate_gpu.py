"""interpolate: the CUDA kernel against the CPU one (same arithmetic: identical results). Skipped without a GPU."""
import numpy as np
import pytest

import poce_rt
from poce_rt import ops, stages

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not poce_rt.cuda_available(), reason="needs a CUDA GPU and the CUDA build")]


@pytest.mark.parametrize("channels", [1, 3, 8])
def test_interpolate_cuda_equals_cpu(tracker, single_face, channels):
    cp = pytest.importorskip("cupy")
    geom = stages.geometry(256)
    verts = geom.posed(tracker.track_one(single_face).vertices)
    h, w = single_face.shape[:2]
    tri_id, bary, _ = ops.rasterize(verts, geom.layout.tris, h, w)
    attr = np.random.default_rng(channels).normal(size=(len(verts), channels)).astype(np.float32)
    box = (10, 20, w - 5, h - 7)
    cpu = ops.interpolate(attr, geom.layout.tris, tri_id, bary, box=box)
    gpu = ops.interpolate(cp.asarray(attr), cp.asarray(geom.layout.tris), cp.asarray(tri_id), cp.asarray(bary),
                          box=box)
    np.testing.assert_array_equal(cpu[1], cp.asnumpy(gpu[1]))
    np.testing.assert_array_equal(cpu[0], cp.asnumpy(gpu[0]))  # --fmad=false: same rounding
