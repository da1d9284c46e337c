"""PyTorch -> ONNX export of the POCE networks: graph hygiene, metadata, ORT parity, fp16 islands.

Small configs (uv_size 64, a few channels, random init) keep the whole file under ~20 s on 2 cores.
Inputs are real where the tracker and cached photos are available (UV maps sampled from real faces
with poce_rt.stages.sample_face, relative codes = blendshape differences between real faces);
otherwise smooth random UV-like inputs.
"""
from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx_graphsurgeon")

from poce_rt.export import GRAPHS, export_module, graph_file, to_fp16  # noqa: E402
from poce_rt.backends.ort import OrtBackend  # noqa: E402

UV = 64
SMALL_EDIT = dict(uv_size=UV, const_channels=16, gen_channels=(16, 16, 8, 8), map_channels=(8, 8, 16, 16))
SMALL_COMP = dict(uv_size=UV, enc_channels=(8, 16, 16), gen_channels=(16, 16, 8), id_dim=16,
                  disc_channels=(8, 16))
FP32_ATOL = 1e-4
FP16_ATOL = 2e-2   # outputs live in [-1, 1] (UV) or O(1) (gamma/beta)


# ---------------------------------------------------------------------------------------------
# shared helpers (imported by test_backends.py, test_engines.py and benchmarks/bench_backends.py)
# ---------------------------------------------------------------------------------------------
def small_nets(seed: int = 0):
    from poce_rt.models.completion import UVCompletion
    from poce_rt.models.config import CompletionConfig, EditingConfig
    from poce_rt.models.editing import Editor

    torch.manual_seed(seed)
    ec, cc = EditingConfig(**SMALL_EDIT), CompletionConfig(**SMALL_COMP)
    comp = UVCompletion(cc).eval()
    with torch.no_grad():
        # as trained: G_c adds to its prior (a fresh to_rgb is zero, so the encoders and G_c would
        # not reach the output) and the footprint covers part of the map (fresh: all of it)
        torch.nn.init.normal_(comp.generator.to_rgb.weight, std=0.2)
        torch.nn.init.normal_(comp.generator.to_rgb.bias, std=0.1)
        comp.footprint.copy_(partial_footprint(cc.uv_size))
    return cc, ec, comp, Editor(ec).eval()


def partial_footprint(size: int) -> torch.Tensor:
    """[1,1,S,S] a disc of texels, ~55% of the map, like a UV layout's face footprint."""
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    c = (size - 1) / 2
    return (((yy - c) ** 2 + (xx - c) ** 2) < (0.42 * size) ** 2).float()[None, None]


def write_model_dir(path: Path, seed: int = 0) -> Path:
    from poce_rt.models.config import ModelConfig
    from poce_rt.models.io import COMPLETION, EDITING, save_weights, write_config

    cc, ec, comp, editor = small_nets(seed)
    write_config(path, ModelConfig(completion=cc, editing=ec))
    save_weights(path, COMPLETION, comp)
    save_weights(path, EDITING, editor)
    return path


@functools.lru_cache(maxsize=4)
def real_inputs(size: int = UV):
    """(uv [N,3,S,S] in [-1,1], mask [N,1,S,S], code [N,52], source) as float32 arrays, N = 3."""
    try:
        from poce_rt.assets import bundle_path, data_path, load_image
        from poce_rt.stages import geometry, sample_face
        from poce_rt.tracker import FaceTracker

        geom = geometry(size)
        uvs, masks, bs = [], [], []
        with FaceTracker(bundle_path(), mode="image") as tr:
            for name in ("astronaut", "single_face.jpg", "multi_face.jpg"):
                img = load_image(data_path(name))
                face = tr.track_one(img)
                uv, m = sample_face(img, face, geom)
                uvs.append(uv.transpose(2, 0, 1) * 2 - 1)
                masks.append(m[None])
                bs.append(face.blendshapes)
        bs = np.stack(bs).astype(np.float32)
        code = bs[[1, 2, 0]] - bs                      # relative codes: target - source (Eq. 6)
        return (np.stack(uvs).astype(np.float32), np.stack(masks).astype(np.float32),
                np.ascontiguousarray(code), "real")
    except Exception:
        rng = np.random.default_rng(0)
        yy, xx = np.mgrid[0:size, 0:size] / size
        base = np.stack([np.sin(3 * xx + k) * np.cos(2 * yy - k) for k in range(3)])
        uv = np.clip(base[None] + 0.1 * rng.standard_normal((3, 3, size, size)), -1, 1)
        mask = (rng.random((3, 1, size, size)) > 0.3)
        code = rng.uniform(-1, 1, (3, 52)) * 0.5
        return (uv.astype(np.float32), mask.astype(np.float32), code.astype(np.float32), "random")


def feeds(kind: str, batch: int, nets=None) -> dict[str, np.ndarray]:
    uv, mask, code, _ = real_inputs()
    uv, mask, code = uv[:batch], mask[:batch], code[:batch]
    if kind == "completion":
        return {"uv_sam": uv, "mask": mask}
    if kind in ("mapping", "editing"):
        return {"uv": uv, "code": code}
    assert kind == "generator"
    _, ec, _, editor = nets or small_nets()
    with torch.no_grad():
        p = editor.mapping(torch.from_numpy(uv), torch.from_numpy(code))
    return {n: t.numpy() for n, t in zip(ec.param_names(), p)}


def torch_module(kind: str, nets):
    cc, ec, comp, editor = nets
    return {"completion": comp, "mapping": editor.mapping, "generator": editor.generator,
            "editing": editor}[kind]


# ---------------------------------------------------------------------------------------------
KINDS = list(GRAPHS)


def test_export_writes_every_graph(model_dir):
    for kind in KINDS:
        for prec in ("fp32", "fp16"):
            assert (model_dir / graph_file(kind, prec)).is_file(), (kind, prec)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("prec", ["fp32", "fp16"])
def test_graph_hygiene_and_metadata(model_dir, kind, prec):
    m = onnx.load(str(model_dir / graph_file(kind, prec)))
    onnx.checker.check_model(m, full_check=True)
    assert max(o.version for o in m.opset_import if o.domain in ("", "ai.onnx")) >= 17
    meta = {p.key: p.value for p in m.metadata_props}
    assert meta["poce_rt.kind"] == kind
    assert meta["poce_rt.precision"] == prec
    assert meta["poce_rt.uv_size"] == str(UV)
    assert len(json.loads(meta["poce_rt.code_names"])) == 52
    cfg = json.loads((model_dir / "config.json").read_text())
    import hashlib
    assert meta["poce_rt.config_sha256"] == hashlib.sha256(
        json.dumps(cfg, sort_keys=True, default=str).encode()).hexdigest()
    assert json.loads(meta["poce_rt.inputs"]) == [i.name for i in m.graph.input]
    assert json.loads(meta["poce_rt.outputs"]) == [o.name for o in m.graph.output]
    # every node named, uniquely; dynamic batch on every input and output
    names = [n.name for n in m.graph.node]
    assert all(names) and len(set(names)) == len(names)
    for vi in list(m.graph.input) + list(m.graph.output):
        d0 = vi.type.tensor_type.shape.dim[0]
        assert d0.dim_param == "N" and not d0.HasField("dim_value"), vi.name
        assert vi.type.tensor_type.elem_type == onnx.TensorProto.FLOAT  # fp32 I/O on both
    # constants folded: no Constant nodes left, nodes sorted topologically
    assert not [n for n in m.graph.node if n.op_type == "Constant"]
    known = {i.name for i in m.graph.input} | {i.name for i in m.graph.initializer}
    for n in m.graph.node:
        assert all(x in known or x == "" for x in n.input), n.name
        known.update(n.output)


def test_io_names(model_dir, nets):
    ec = nets[1]
    io = {k: OrtBackend(model_dir / graph_file(k)) for k in KINDS}
    assert io["completion"].input_names == ["uv_sam", "mask"]
    assert io["completion"].output_names == ["uv_com"]
    assert io["mapping"].input_names == ["uv", "code"]
    assert io["mapping"].output_names == ec.param_names()
    assert io["generator"].input_names == ec.param_names()
    assert io["generator"].output_names == ["uv_edit"]
    assert io["editing"].input_names == ["uv", "code"]
    assert io["editing"].output_names == ["uv_edit"]
    shapes = ec.param_shapes(batch=1)
    for s in io["mapping"].output_specs:
        assert s.shape == (-1,) + shapes[s.name][1:]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("batch", [1, 3])
def test_ort_matches_torch_fp32(model_dir, nets, kind, batch):
    ort_b = OrtBackend(model_dir / graph_file(kind))
    f = feeds(kind, batch, nets)
    got = ort_b.run(f)
    module = torch_module(kind, nets)
    with torch.no_grad():
        out = module(*[torch.from_numpy(f[n]) for n in ort_b.input_names])
    out = out if isinstance(out, tuple) else (out,)
    assert len(out) == len(ort_b.output_names)
    for name, ref in zip(ort_b.output_names, out):
        err = float(np.abs(got[name] - ref.numpy()).max())
        assert err <= FP32_ATOL, f"{kind}/{name}: max abs error {err:.2e} > {FP32_ATOL}"
    if kind == "completion":   # the parity covers E_I, E_L, G_c and the footprint, not a copy
        _, _, comp, _ = nets
        fp = comp.footprint.expand_as(out[0]).numpy() > 0
        hidden = np.broadcast_to(f["mask"] < 0.5, out[0].shape)
        assert 0.3 < fp.mean() < 0.9 and (got["uv_com"][~fp & hidden] == -1).all()
        with torch.no_grad():
            w = comp.generator.to_rgb.weight.clone()
            comp.generator.to_rgb.weight.zero_()
            prior_only = comp(*[torch.from_numpy(f[n]) for n in ort_b.input_names]).numpy()
            comp.generator.to_rgb.weight.copy_(w)
        assert np.abs(got["uv_com"] - prior_only)[fp & hidden].mean() > 1e-2


def test_parity_inputs_are_real_when_available():
    uv, mask, code, source = real_inputs()
    try:
        import poce_rt.stages  # noqa: F401
        from poce_rt.assets import bundle_path
        bundle_path()
    except Exception:
        pytest.skip("tracker/bundle unavailable: parity ran on random UV-like inputs")
    assert source == "real"
    assert 0.2 < mask.mean() < 0.95 and uv.min() >= -1 and uv.max() <= 1


@pytest.mark.parametrize("kind", KINDS)
def test_fp16_graph_close_to_fp32_on_ort(model_dir, nets, kind):
    f = feeds(kind, 3, nets)
    r32 = OrtBackend(model_dir / graph_file(kind)).run(f)
    r16 = OrtBackend(model_dir / graph_file(kind, "fp16")).run(f)
    for name, ref in r32.items():
        assert r16[name].dtype == np.float32
        err = float(np.abs(r16[name] - ref).max())
        scale = max(1.0, float(np.abs(ref).max()))
        assert err <= FP16_ATOL * scale, f"{kind}/{name}: fp16 error {err:.3e}"


def _types(m):
    types = {i.name: i.type.tensor_type.elem_type for i in list(m.graph.input) + list(m.graph.output)
             + list(m.graph.value_info)}
    types.update({i.name: i.data_type for i in m.graph.initializer})
    return types


@pytest.mark.parametrize("kind", ["generator", "editing"])
def test_fp16_graph_keeps_normalisation_statistics_fp32(model_dir, kind):
    m = onnx.load(str(model_dir / graph_file(kind, "fp16")))
    types = _types(m)
    F16, F32 = onnx.TensorProto.FLOAT16, onnx.TensorProto.FLOAT
    reduce = [n for n in m.graph.node if n.op_type == "ReduceMean"]
    assert reduce, "Eq. 7 instance-norm statistics should be ReduceMean nodes"
    for n in reduce:
        assert types[n.input[0]] == F32 and types[n.output[0]] == F32, n.name
    convs = [n for n in m.graph.node if n.op_type == "Conv"]
    assert convs and all(types[n.input[1]] == F16 for n in convs)   # weights in fp16
    assert any(n.op_type == "Cast" for n in m.graph.node)
    # strongly typed: every float tensor is either fp16 or fp32 and each node's inputs agree
    for n in m.graph.node:
        if n.op_type in ("Add", "Sub", "Mul", "Div", "Conv"):
            ts = {types[x] for x in n.input if x and types.get(x) in (F16, F32)}
            assert len(ts) <= 1, f"{n.name} mixes {ts}"


class _InstanceNormNet(torch.nn.Module):
    """A stand-in with nn.InstanceNorm2d (exported as InstanceNormalization) and a large activation."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.norm = torch.nn.InstanceNorm2d(8, affine=True)
        self.out = torch.nn.Conv2d(8, 3, 1)

    def forward(self, x, s):
        return torch.tanh(self.out(torch.relu(self.norm(self.conv(x) * 300.0 + s[:, :, None, None]))))


def test_instancenorm_op_gets_fp32_island(tmp_path):
    torch.manual_seed(0)
    net = _InstanceNormNet().eval()
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    s = torch.randn(2, 8)
    paths = export_module(net, {"x": x, "s": s}, tmp_path / "inorm.onnx", kind="test",
                          output_names=["y"])
    m = onnx.load(str(paths["fp16"]))
    types = _types(m)
    inorm = [n for n in m.graph.node if n.op_type == "InstanceNormalization"]
    assert inorm
    for n in inorm:
        assert all(types[i] == onnx.TensorProto.FLOAT for i in n.input), "island must be fp32"
    xs, ss = np.random.default_rng(1).random((2, 3, 32, 32), np.float32) * 2 - 1, np.ones((2, 8), np.float32)
    r32 = OrtBackend(paths["fp32"]).run({"x": xs, "s": ss})["y"]
    r16 = OrtBackend(paths["fp16"]).run({"x": xs, "s": ss})["y"]
    with torch.no_grad():
        ref = net(torch.from_numpy(xs), torch.from_numpy(ss)).numpy()
    assert np.abs(r32 - ref).max() <= FP32_ATOL
    assert np.abs(r16 - ref).max() <= FP16_ATOL


def test_to_fp16_is_idempotent_on_structure(model_dir):
    m = onnx.load(str(model_dir / graph_file("completion")))
    m16 = to_fp16(m)
    onnx.checker.check_model(m16)
    assert any(i.data_type == onnx.TensorProto.FLOAT16 for i in m16.graph.initializer)


def test_export_refuses_unused_input(tmp_path):
    class Ignores(torch.nn.Module):
        def forward(self, uv, code):
            return uv * 2

    with pytest.raises(ValueError, match="code"):
        export_module(Ignores(), {"uv": torch.rand(1, 3, 8, 8), "code": torch.rand(1, 52)},
                      tmp_path / "bad.onnx", kind="editing", output_names=["uv_edit"])


def test_cli_export_progress_and_errors(tmp_path, capsys):
    from poce_rt.cli.backends import main

    d = write_model_dir(tmp_path / "m", seed=1)
    assert main(["export", str(d), "--no-fp16"]) == 0
    out = capsys.readouterr().out
    for kind in KINDS:
        assert f"[export] {kind}" in out
        assert (d / graph_file(kind)).is_file()
    assert not (d / graph_file("editing", "fp16")).exists()
    assert main(["export", str(tmp_path / "nope")]) == 2   # a user error: one line, exit status 2
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "config.json").write_text("{not json")
    assert main(["export", str(tmp_path / "broken")]) == 2
    assert "config.json" in capsys.readouterr().err


def test_backends_package_imports_without_torch():
    code = ("import sys; sys.modules['torch'] = None\n"
            "import poce_rt.backends as b, poce_rt.backends.engines, poce_rt.cli.backends\n"
            "import poce_rt.backends.ort, poce_rt.backends.trt, poce_rt.backends.torch_backend\n"
            "r = b.doctor_report(); assert r['onnxruntime']['available'], r\n"
            "print('ok', r['default'])")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1], timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "ok" in res.stdout
