"""Hostile arrays and integers to the kernels, through poce_rt.ops and the raw poce_rt._C.

poce_rt._C is importable, so its functions are an API of their own: every bad argument must raise a
Python TypeError/ValueError, never read or write out of bounds or kill the interpreter. `make sanitize`
runs this module against the AddressSanitizer + UBSan build, where an out-of-bounds access aborts.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

from poce_rt import _C, ops

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BAD_SIDES = [0, -1, 16385, 2**31, 2**40]


def quad(h=8, w=8):
    """Two triangles covering an h x w image, with UVs over the unit square."""
    verts = np.float32([[0, 0, 1], [w, 0, 1], [w, h, 1], [0, h, 1]])
    tris = np.int32([[0, 1, 2], [0, 2, 3]])
    uvs = np.float32([[0, 0], [1, 0], [1, 1], [0, 1]])
    return verts, tris, uvs


def texture(s=4, c=3):
    return np.random.default_rng(0).uniform(0, 1, (s, s, c)).astype(np.float32)


def misaligned(a):
    """The same values at an odd byte offset: C-contiguous but not aligned."""
    buf = np.zeros(a.nbytes + 1, np.uint8)
    out = np.frombuffer(buf.data, a.dtype, a.size, offset=1).reshape(a.shape)
    out[...] = a
    return out


# ---- render: the 0x0 texture of the issue (an out-of-bounds read in poce::bilinear before)

@pytest.mark.parametrize("shape", [(0, 0, 3), (4, 4, 0), (4, 5, 3), (1, 1, 1025)])
def test_render_rejects_bad_texture(shape):
    verts, tris, uvs = quad()
    tex = np.zeros(shape, np.float32)
    with pytest.raises(ValueError, match="texture"):
        _C.render(tex, verts, tris, uvs, 8, 8)
    with pytest.raises(ValueError, match="texture"):
        ops.render(tex, verts, tris, uvs, 8, 8)


@pytest.mark.parametrize("side", BAD_SIDES)
def test_sizes_out_of_range(side):
    verts, tris, uvs = quad()
    for call in (lambda: _C.rasterize(verts, tris, side, 4), lambda: _C.rasterize(verts, tris, 4, side),
                 lambda: _C.render(texture(), verts, tris, uvs, side, 4),
                 lambda: ops.rasterize(verts, tris, side, 4)):
        with pytest.raises(ValueError, match="height|width"):
            call()


def test_size_beyond_int64_is_a_type_error():
    verts, tris, _ = quad()
    with pytest.raises(TypeError):
        _C.rasterize(verts, tris, 2**70, 4)


@pytest.mark.parametrize("bad", [-1, 4, 2**31 - 1, -(2**31)])
def test_triangle_indices_out_of_range(bad):
    verts, tris, uvs = quad()
    tris = tris.copy()
    tris[1, 2] = bad
    with pytest.raises(ValueError, match="tris"):
        _C.rasterize(verts, tris, 8, 8)
    with pytest.raises(ValueError, match="tris"):
        _C.render(texture(), verts, tris, uvs, 8, 8)
    with pytest.raises(ValueError, match="tris"):
        ops.rasterize(verts, tris, 8, 8)


def test_triangles_without_vertices():
    with pytest.raises(ValueError, match="tris"):
        _C.rasterize(np.zeros((0, 3), np.float32), np.zeros((1, 3), np.int32), 4, 4)


@pytest.mark.parametrize("verts,tris,exc", [
    (np.zeros((4, 3), np.float64), np.zeros((1, 3), np.int32), TypeError),       # dtype
    (np.zeros((4, 3), np.float32), np.zeros((1, 3), np.int64), TypeError),       # dtype
    (np.zeros((4, 2), np.float32), np.zeros((1, 3), np.int32), ValueError),      # shape
    (np.zeros((12,), np.float32), np.zeros((1, 3), np.int32), ValueError),       # rank
    (np.zeros((4, 6), np.float32)[:, ::2], np.zeros((1, 3), np.int32), ValueError),  # strides
    (misaligned(np.zeros((4, 3), np.float32)), np.zeros((1, 3), np.int32), ValueError),
    ([[0.0, 0.0, 0.0]] * 4, np.zeros((1, 3), np.int32), TypeError),              # not an array
    (np.zeros((4, 3), np.float32), None, TypeError),
], ids=["f64", "i64", "shape", "rank", "strided", "misaligned", "list", "none"])
def test_rasterize_rejects_bad_arrays(verts, tris, exc):
    with pytest.raises(exc):
        _C.rasterize(verts, tris, 4, 4)
    with pytest.raises(exc):
        ops.rasterize(verts, tris, 4, 4)


def test_degenerate_meshes_give_defined_results():
    """No triangles, NaN/inf vertices, one point: an empty raster, not an error or garbage."""
    cases = [np.zeros((0, 3), np.int32), np.int32([[0, 1, 2]]), np.int32([[0, 0, 0]])]
    verts = np.float32([[np.nan, 0, 1], [np.inf, 4, 1], [1e30, -1e30, 1]])
    for tris in cases:
        tri_id, bary, depth = _C.rasterize(verts, tris, 5, 7)
        assert (tri_id == -1).all() and (bary == 0).all() and np.isposinf(depth).all()
        rgb, alpha = _C.render(texture(), verts, tris, np.zeros((3, 2), np.float32), 5, 7)
        assert (rgb == 0).all() and (alpha == 0).all()


# ---- outputs given by the caller

@pytest.mark.parametrize("spoil", ["shape", "dtype", "readonly", "strided"])
def test_render_rejects_bad_out_buffers(spoil):
    verts, tris, uvs = quad()
    rgb, alpha = np.empty((8, 8, 3), np.float32), np.empty((8, 8), np.float32)
    if spoil == "shape":
        rgb = np.empty((8, 8, 4), np.float32)
    elif spoil == "dtype":
        alpha = np.empty((8, 8), np.float64)
    elif spoil == "readonly":
        rgb.flags.writeable = False
    else:
        alpha = np.empty((8, 16), np.float32)[:, ::2]
    with pytest.raises((ValueError, TypeError)):
        _C.render(texture(), verts, tris, uvs, 8, 8, rgb, alpha)
    with pytest.raises((ValueError, TypeError)):
        ops.render(texture(), verts, tris, uvs, 8, 8, out=(rgb, alpha))


def test_composite_rejects_bad_arguments():
    frame = np.zeros((6, 5, 3), np.uint8)
    rgb, alpha = np.zeros((6, 5, 3), np.float32), np.zeros((6, 5), np.float32)
    readonly = frame.copy()
    readonly.flags.writeable = False
    for call in (lambda: _C.composite(frame, rgb, alpha, -1),
                 lambda: _C.composite(frame, rgb, alpha, 4097),
                 lambda: _C.composite(frame, rgb[:5], alpha, 2),
                 lambda: _C.composite(frame, rgb, alpha, 2, readonly),
                 lambda: _C.composite(np.zeros((0, 5, 3), np.uint8), rgb[:0], alpha[:0], 2)):
        with pytest.raises(ValueError):
            call()


def test_composite_keeps_uncovered_pixels_with_huge_render_values():
    """alpha 0 under a finite but huge render value: the frame pixel, not black (255 * 3e38 = inf)."""
    frame = np.full((1, 3, 3), 100, np.uint8)
    rgb = np.float32([[[3e38] * 3, [np.inf] * 3, [0.5] * 3]])
    out = _C.composite(frame, rgb, np.zeros((1, 3), np.float32), 0)
    assert (out == 100).all()


# ---- sample_uv: the UV layout is an input like any other

def sample_args(size=4):
    verts, tris, uvs = quad()
    image = np.zeros((8, 8, 3), np.uint8)
    ltri = np.zeros((size, size), np.int32)
    lbary = np.full((size, size, 3), 1 / 3, np.float32)
    return [image, verts, tris, uvs, ltri, lbary]


@pytest.mark.parametrize("spoil", ["tri_high", "tri_low", "size0", "not_square", "bary_shape", "tol_nan",
                                   "tol_neg", "image0"])
def test_sample_uv_rejects_bad_layouts(spoil):
    args, tol = sample_args(), 0.5
    if spoil == "tri_high":
        args[4][1, 1] = 2  # the mesh has 2 triangles
    elif spoil == "tri_low":
        args[4][0, 0] = -2  # -1 is "no triangle"
    elif spoil == "size0":
        args[4], args[5] = np.zeros((0, 0), np.int32), np.zeros((0, 0, 3), np.float32)
    elif spoil == "not_square":
        args[4] = np.zeros((4, 5), np.int32)
    elif spoil == "bary_shape":
        args[5] = args[5][:, :3]
    elif spoil == "tol_nan":
        tol = float("nan")
    elif spoil == "tol_neg":
        tol = -1.0
    else:
        args[0] = np.zeros((0, 0, 3), np.uint8)
    with pytest.raises(ValueError):
        _C.sample_uv(*args, tol)


def test_sample_uv_accepts_empty_texels():
    args = sample_args()
    args[4][:] = -1
    uv, mask = _C.sample_uv(*args, 0.5)
    assert (uv == 0).all() and (mask == 0).all()


# ---- modulate and transfer

def test_modulate_rejects_bad_eps_and_shapes():
    x = np.zeros((1, 2, 3, 3), np.float32)
    for eps in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="eps"):
            _C.modulate(x, x, x, eps)
    with pytest.raises(ValueError):
        _C.modulate(x, x[:, :1], x, 1e-5)
    assert _C.modulate(x[:, :, :0], x[:, :, :0], x[:, :, :0], 1e-5).shape == (1, 2, 0, 3)


def test_transfer_empty_mask_is_an_error_not_nan():
    """An empty mask has no maximum to pool (pooled_mask gave -inf, the blend NaN)."""
    e = np.ones((1, 2, 3, 3), np.float32)
    with pytest.raises(ValueError, match="mask"):
        _C.transfer(e, e, np.zeros((1, 0, 0), np.float32))
    with pytest.raises(ValueError, match="mask"):
        ops.transfer(e, e, np.zeros((0, 0), np.float32))
    with pytest.raises(ValueError, match="mask"):
        _C.transfer(e, e, np.zeros((2, 3, 3), np.float32))  # batch mismatch
    # an empty embedding has nothing to transfer: an empty result
    empty = np.zeros((1, 2, 0, 3), np.float32)
    assert _C.transfer(empty, empty, np.ones((1, 4, 4), np.float32)).shape == (1, 2, 0, 3)


def test_transfer_mask_smaller_than_embedding_is_finite():
    """Adaptive max pooling of a mask smaller than the embedding still has a window per cell."""
    src, ref = np.zeros((1, 1, 5, 7), np.float32), np.ones((1, 1, 5, 7), np.float32)
    out = _C.transfer(src, ref, np.ones((1, 2, 3), np.float32))
    assert np.isfinite(out).all() and (out == 1).all()


# ---- the raw CUDA entry points: checked without touching the device (no GPU needed)

cuda_build = pytest.mark.skipif(not _C.build_info["cuda"], reason="extension built without CUDA")
P = 0x1000  # a fake device pointer: every call below is rejected before it could be used


CUDA_BAD_INTEGERS = [
    ("rasterize height", lambda b: _C.rasterize_cuda(P, 3, P, 1, b, 4, P, P, P, P, 0), BAD_SIDES),
    ("rasterize ntris", lambda b: _C.rasterize_cuda(P, 3, P, b, 4, 4, P, P, P, P, 0), [-1, 2**31, 2**40]),
    ("rasterize nverts", lambda b: _C.rasterize_cuda(P, b, P, 1, 4, 4, P, P, P, P, 0), [-1, 0, 2**31]),
    ("render size", lambda b: _C.render_cuda(P, b, 3, P, 3, P, 1, P, 4, 4, P, P, P, P, P, P, 0), BAD_SIDES),
    ("render channels", lambda b: _C.render_cuda(P, 4, b, P, 3, P, 1, P, 4, 4, P, P, P, P, P, P, 0),
     [0, -1, 1025, 2**40]),
    ("sample_uv size", lambda b: _C.sample_uv_cuda(P, 4, 4, P, 3, P, 1, P, P, P, b, 0.5, P, P, P, P, P, P, 0),
     BAD_SIDES),
    ("composite width", lambda b: _C.composite_cuda(P, P, P, 4, b, 2, P, P, 0), BAD_SIDES),
    ("composite feather", lambda b: _C.composite_cuda(P, P, P, 4, 4, b, P, P, 0), [-1, 4097, 2**40]),
    ("transfer mask", lambda b: _C.transfer_cuda(P, P, P, 1, 1, 2, 2, b, 2, P, 0), [0, -1]),
    ("transfer dims", lambda b: _C.transfer_cuda(P, P, P, b, 1, 2, 2, 2, 2, P, 0), [-1, 2**31]),
    ("modulate planes", lambda b: _C.modulate_cuda(P, P, P, b, 4, 1e-5, P, 0), [-1, 2**31]),
    ("modulate size", lambda b: _C.modulate_cuda(P, P, P, 2**30, b, 1e-5, P, 0), [-1, 2**40]),
]


@cuda_build
@pytest.mark.parametrize("call,bad", [pytest.param(c, b, id=f"{n}={b}") for n, c, bads in CUDA_BAD_INTEGERS
                                      for b in bads])
def test_cuda_entry_points_reject_bad_integers(call, bad):
    with pytest.raises(ValueError):
        call(bad)


@cuda_build
def test_cuda_entry_points_reject_null_pointers():
    for call in (lambda: _C.rasterize_cuda(P, 3, P, 1, 4, 4, 0, P, P, P, 0),
                 lambda: _C.rasterize_cuda(0, 3, P, 1, 4, 4, P, P, P, P, 0),
                 lambda: _C.render_cuda(0, 4, 3, P, 3, P, 1, P, 4, 4, P, P, P, P, P, P, 0),
                 lambda: _C.composite_cuda(P, P, P, 4, 4, 2, P, 0, 0),
                 lambda: _C.transfer_cuda(P, P, 0, 1, 1, 2, 2, 2, 2, P, 0)):
        with pytest.raises(ValueError, match="null"):
            call()


@cuda_build
def test_cuda_entry_points_launch_nothing_for_empty_work():
    """No planes or cells: return without a launch (a 0-block grid is an invalid configuration)."""
    assert _C.modulate_cuda(0, 0, 0, 0, 16, 1e-5, 0, 0) is None
    assert _C.modulate_cuda(0, 0, 0, 3, 0, 1e-5, 0, 0) is None
    assert _C.transfer_cuda(0, 0, 0, 0, 2, 4, 4, 4, 4, 0, 0) is None


# ---- the interpreter survives the nastiest calls, and a short fuzz of every op

def test_interpreter_survives_hostile_calls():
    """The issue's crashes, each in a fresh interpreter: they must raise and the process exit 0."""
    code = """
import os
if os.environ.get("POCE_RT_NATIVE_SO"):  # under make sanitize: the same sanitizer build
    import sanitize_native
    sanitize_native.install()
import numpy as np
from poce_rt import _C
v = np.float32([[0, 0, 1], [4, 0, 1], [4, 4, 1]]); t = np.int32([[0, 1, 2]]); uv = np.zeros((3, 2), np.float32)
bad = [lambda: _C.render(np.zeros((0, 0, 3), np.float32), v, t, uv, 4, 4),
       lambda: _C.transfer(np.ones((1, 1, 2, 2), np.float32), np.ones((1, 1, 2, 2), np.float32),
                           np.zeros((1, 0, 0), np.float32)),
       lambda: _C.rasterize(v, np.int32([[0, 1, 2**31 - 1]]), 4, 4),
       lambda: _C.rasterize(v, t, 2**31, 2**31),
       lambda: _C.sample_uv(np.zeros((4, 4, 3), np.uint8), v, t, uv, np.full((2, 2), 7, np.int32),
                            np.zeros((2, 2, 3), np.float32), 0.5)]
for f in bad:
    try:
        f()
    except (ValueError, TypeError):
        continue
    raise SystemExit("accepted")
print("survived")
"""
    path = [ROOT, os.path.join(ROOT, "scripts"), os.environ.get("PYTHONPATH")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, path)))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0 and "survived" in r.stdout, r.stderr[-2000:]


def test_fuzz_every_op_briefly():
    """scripts/fuzz_ops.py (make sanitize runs thousands of iterations under ASan; a few here)."""
    from conftest import script_module

    fuzz_ops = script_module("fuzz_ops")
    with np.errstate(all="ignore"):
        stats = fuzz_ops.run(150, seed=1, start=0, verbose=False)
    assert stats["results"] > 0 and stats["raised"] > 0
