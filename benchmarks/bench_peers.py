"""rasterize and render against OpenGL (moderngl on a headless EGL context: Mesa llvmpipe on a
CPU-only machine), on the scenes of issue 13, with 1 and 2 threads, side by side in one run:

    pytest benchmarks/bench_peers.py --benchmark-group-by=group

Scenes: a real face (astronaut) on the 898- and 57,472-triangle meshes filling ~35% of the frame
(a webcam framing) at 512 and 1024; a 76,050-triangle grid covering 60% of the frame; one tiny
triangle in a 1024 frame (the fixed cost). OpenGL's figure is upload + draw + finish + read back
(what using it as a CPU rasterizer costs); it is skipped with a reason when moderngl or an EGL
driver is missing (pip install moderngl; Debian: libegl1 libegl-mesa0 libgl1-mesa-dri).
"""
import numpy as np
import pytest

from poce_rt import ops, stages

SCENES = ["face35-898tri-512", "face35-57ktri-512", "face35-898tri-1024", "face35-57ktri-1024",
          "grid76k-60pc-512", "grid76k-60pc-1024", "tiny-1024"]


def grid(size, n=195, frac=0.6):
    """n x n quads (2n^2 triangles) over `frac` of a size x size frame, with a wavy depth."""
    side = np.sqrt(frac) * size
    lo = (size - side) / 2
    ys, xs = np.meshgrid(np.linspace(lo, lo + side, n + 1), np.linspace(lo, lo + side, n + 1), indexing="ij")
    z = 100 + 20 * np.sin(xs / 37.0) * np.cos(ys / 23.0)
    verts = np.stack([xs, ys, z], -1).reshape(-1, 3).astype(np.float32)
    i = (np.arange(n)[:, None] * (n + 1) + np.arange(n)[None]).ravel()
    tris = np.concatenate([np.stack([i, i + 1, i + n + 2], -1), np.stack([i, i + n + 2, i + n + 1], -1)])
    uvs = (verts[:, :2] - lo) / side
    return verts, tris.astype(np.int32), uvs.astype(np.float32)


def face35(astro_face, subdivisions, size):
    """The tracked face scaled and centred so that its box covers ~35% of the frame."""
    _, face = astro_face
    g = stages.geometry(256, subdivisions)
    v = g.posed(face.vertices)
    lo, hi = v[:, :2].min(0), v[:, :2].max(0)
    scale = np.sqrt(0.35 * size * size / np.prod(hi - lo))
    out = v.copy()
    out[:, :2] = (v[:, :2] - (lo + hi) / 2) * scale + size / 2
    out[:, 2] *= scale
    return out, g.layout.tris, g.layout.uvs


@pytest.fixture(scope="session", params=SCENES)
def peer_scene(request, astro_face):
    name = request.param
    size = int(name.rsplit("-", 1)[1])
    if name.startswith("face35"):
        verts, tris, uvs = face35(astro_face, 0 if "898tri" in name else 3, size)
    elif name.startswith("grid"):
        verts, tris, uvs = grid(size)
    else:
        verts = np.float32([[500.2, 500.3, 1], [503.7, 500.9, 1], [501.1, 503.8, 1]])
        tris, uvs = np.int32([[0, 1, 2]]), np.float32([[0, 0], [1, 0], [0, 1]])
    return name, size, verts, tris, uvs


@pytest.fixture(scope="session")
def gl():
    pytest.importorskip("moderngl", reason="optional peer: pip install moderngl")
    from poce_rt.ops.ref.opengl import GLRaster

    try:
        return GLRaster()
    except Exception as e:
        pytest.skip(f"no headless OpenGL context (EGL): {e}")


@pytest.fixture(scope="module")
def texture():
    return np.random.default_rng(0).uniform(size=(256, 256, 3)).astype(np.float32)


@pytest.fixture(params=[1, 2], ids=["1thread", "2threads"])
def threads(request):
    """Thread scaling: 2 threads whatever the load (the default backs off on a busy machine)."""
    before = ops.get_num_threads()
    ops.set_num_threads(request.param, adapt_to_load=False)
    yield request.param
    ops.set_num_threads(before)


def test_rasterize_ours(benchmark, peer_scene, threads):
    name, size, verts, tris, _ = peer_scene
    benchmark.group = f"rasterize {name}"
    ws = ops.Workspace()   # outputs kept across calls: the steady state of a loop
    tri_id = benchmark(lambda: ops.rasterize(verts, tris, size, size, workspace=ws))[0]
    assert (tri_id >= 0).any()


def test_rasterize_ours_fresh_arrays(benchmark, peer_scene):
    name, size, verts, tris, _ = peer_scene
    benchmark.group = f"rasterize {name}"
    benchmark(ops.rasterize, verts, tris, size, size)


def test_rasterize_opengl(benchmark, peer_scene, gl):
    name, size, verts, tris, _ = peer_scene
    benchmark.group = f"rasterize {name}"
    ids = benchmark(gl.triangle_ids, verts, tris, size, size)
    ours = ops.rasterize(verts, tris, size, size)[0]
    assert (ids == ours).mean() >= 0.995


def test_render_ours(benchmark, peer_scene, texture, threads):
    name, size, verts, tris, uvs = peer_scene
    benchmark.group = f"render {name}"
    out = (np.empty((size, size, 3), np.float32), np.empty((size, size), np.float32))
    benchmark(lambda: ops.render(texture, verts, tris, uvs, size, size, out=out))


def test_render_opengl_msaa4(benchmark, peer_scene, texture, gl):
    name, size, verts, tris, uvs = peer_scene
    benchmark.group = f"render {name}"
    rgba = benchmark(gl.render_msaa4, texture, verts, tris, uvs, size, size)
    _, alpha = ops.render(texture, verts, tris, uvs, size, size)
    assert np.abs(rgba[..., 3] - alpha).mean() < 1e-3   # the same coverage as 4x MSAA
