"""The flow-guided systems: the interpolate kernel against its NumPy reference, the facial / motion
flow of one crop, and the per-frame cost of each network at batch 1 on ONNX Runtime (CPU) beside
POCE's editing network, in one run (compare within a group).

    pytest benchmarks/bench_flow.py --benchmark-columns=median,iqr,ops --benchmark-group-by=group

``POCE_BENCH_CONFIG=full`` (default): the paper presets (F3A-GAN 128 px, GaFET 256 px, POCE editing
UV 256), random weights; ``small``: the tiny presets (64 px) for a quick smoke run. GPU rows
(TensorRT engines) are marked ``gpu`` and skip without one.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

import poce_rt
from poce_rt import flow, ops
from poce_rt.ops.ref import interpolate_ref

PRESET = "tiny" if os.environ.get("POCE_BENCH_CONFIG", "full") == "small" else "paper"


# ---- interpolate ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def raster(bench_scene):
    sid, img, geom, verts = bench_scene
    tri_id, bary, _ = ops.rasterize(verts, geom.layout.tris, img.shape[0], img.shape[1])
    attr = np.random.default_rng(0).normal(size=(len(verts), 3)).astype(np.float32)
    ys, xs = np.nonzero(tri_id >= 0)
    box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    return sid, attr, geom.layout.tris, tri_id, bary, box


def test_interpolate_kernel(benchmark, raster):
    sid, attr, tris, tri_id, bary, _ = raster
    benchmark.group = f"interpolate {sid}"
    benchmark(ops.interpolate, attr, tris, tri_id, bary)


def test_interpolate_kernel_box(benchmark, raster):
    sid, attr, tris, tri_id, bary, box = raster
    benchmark.group = f"interpolate {sid}"
    benchmark(ops.interpolate, attr, tris, tri_id, bary, box=box)


def test_interpolate_numpy(benchmark, raster):
    sid, attr, tris, tri_id, bary, _ = raster
    benchmark.group = f"interpolate {sid}"
    benchmark(interpolate_ref, attr, tris, tri_id, bary)


# ---- flows of one crop ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def crop_meshes(astro_face):
    from poce_rt.codes import BLENDSHAPE_NAMES
    from poce_rt.systems.crop import crop_theta, to_crop

    image, face = astro_face
    code = face.blendshapes.copy()
    code[BLENDSHAPE_NAMES.index("jawOpen")] += 0.4
    size = 128 if PRESET == "paper" else 64
    theta = crop_theta(face.vertices, size)
    tgt = flow.face_mesh(face.shape, face.blendshapes, code, face.pose)
    return to_crop(face.vertices, theta), to_crop(tgt, theta), size


def test_flow_f3a_input(benchmark, crop_meshes):
    src, tgt, size = crop_meshes
    benchmark.group = "flow inputs per frame"
    benchmark(flow.f3a_input, src, tgt, size)


def test_flow_gafet_inputs(benchmark, crop_meshes):
    src, tgt, size = crop_meshes
    benchmark.group = "flow inputs per frame"
    benchmark(flow.gafet_inputs, src, tgt, 2 * size)


# ---- networks at batch 1 ----------------------------------------------------------------------------
@pytest.fixture(scope="session")
def graphs(tmp_path_factory):
    """{name: (fp32 onnx path, feeds)}: F3A-GAN, GaFET and POCE's fused editing network."""
    torch = pytest.importorskip("torch")
    from poce_rt.export import export_models, graph_file
    from poce_rt.export.flow_systems import GRAPHS, example_inputs
    from poce_rt.export.onnx_export import export_module
    from poce_rt.models import f3a, gafet
    from poce_rt.models.config import EditingConfig
    from poce_rt.models.editing import Editor
    from poce_rt.systems import preset_config, get

    torch.manual_seed(0)
    d = tmp_path_factory.mktemp("bench_flow")
    out = {}
    for name, module, cls in (("f3a", f3a.F3AGenerator, f3a.PRESETS), ("gafet", gafet.GaFETGenerator, gafet.PRESETS)):
        cfg = cls[PRESET]
        x = example_inputs(name, cfg, batch=1)
        export_module(module(cfg).eval(), x, d / GRAPHS[name][1], kind=name, output_names=["image_out"],
                      uv_size=cfg.size, fp16=True)
        out[f"{name} {cfg.size}px"] = (d / GRAPHS[name][1], {k: v.numpy() for k, v in x.items()})
    ec = EditingConfig.from_dict(preset_config(get("poce"), PRESET, "editing") or {})
    ed = Editor(ec).eval()
    export_models(d, mapping=ed.mapping, generator=ed.generator, fused=ed, uv_size=ec.uv_size, fp16=True)
    rng = np.random.default_rng(0)
    out[f"poce editing {ec.uv_size}px"] = (d / graph_file("editing"), {
        "uv": rng.uniform(-1, 1, (1, 3, ec.uv_size, ec.uv_size)).astype(np.float32),
        "code": rng.uniform(-0.3, 0.3, (1, 52)).astype(np.float32)})
    return out


NETS = ("f3a", "gafet", "poce editing")


def _pick(graphs, prefix):
    return next((k, v) for k, v in graphs.items() if k.startswith(prefix))


@pytest.mark.parametrize("net", NETS)
def test_network_onnxruntime_cpu(benchmark, graphs, net):
    from poce_rt.backends import load_backend

    name, (path, feeds) = _pick(graphs, net)
    b = load_backend("onnxruntime", path)
    benchmark.group = "networks, batch 1, onnxruntime CPU"
    benchmark.extra_info["graph"] = name
    out = benchmark(b.run, feeds)
    assert np.isfinite(next(iter(out.values()))).all()


@pytest.mark.gpu
@pytest.mark.skipif(not poce_rt.cuda_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("precision", ["fp32", "fp16"])
@pytest.mark.parametrize("net", NETS)
def test_network_tensorrt(benchmark, graphs, net, precision):
    from poce_rt.backends import load_backend

    name, (path, feeds) = _pick(graphs, net)
    if precision == "fp16":
        path = path.with_name(path.name[: -len(".onnx")] + ".fp16.onnx")
    b = load_backend("tensorrt", path, precision=precision)
    benchmark.group = f"networks, batch 1, tensorrt {precision}"
    benchmark.extra_info["graph"] = name
    benchmark(b.run, feeds)
