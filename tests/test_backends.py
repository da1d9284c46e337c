"""Backend interface: specs, name-based I/O, input validation, bad files, torch/ORT agreement,
TensorRT adapter behaviour on a machine without a GPU (and parity on one with a GPU)."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from poce_rt.backends import BackendUnavailable, TensorSpec, doctor_report, load_backend, validate_inputs
from poce_rt.backends.ort import OrtBackend

pytest.importorskip("torch")
from test_export import KINDS, feeds, graph_file, torch_module  # noqa: E402


@pytest.fixture(scope="module")
def editing(model_dir):
    return OrtBackend(model_dir / graph_file("editing"))


def _good(editing):
    return feeds("editing", 2)


def test_specs(editing):
    assert [s.name for s in editing.input_specs] == ["uv", "code"]
    assert editing.input_specs[0] == TensorSpec("uv", "float32", (-1, 3, 64, 64))
    assert editing.input_specs[1] == TensorSpec("code", "float32", (-1, 52))
    assert editing.output_specs == [TensorSpec("uv_edit", "float32", (-1, 3, 64, 64))]
    assert editing.metadata["poce_rt.kind"] == "editing"
    out = editing.run(_good(editing))
    assert set(out) == {"uv_edit"} and out["uv_edit"].shape == (2, 3, 64, 64)


def test_inputs_bound_by_name_not_position(editing):
    f = _good(editing)
    a = editing.run({"uv": f["uv"], "code": f["code"]})["uv_edit"]
    b = editing.run({"code": f["code"], "uv": f["uv"]})["uv_edit"]
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("mutate,exc,match", [
    (lambda f: f.pop("code"), ValueError, r"missing input\(s\) \['code'\]"),
    (lambda f: f.update(extra=np.zeros(1, np.float32)), ValueError, r"unexpected input\(s\) \['extra'\]"),
    (lambda f: f.update(uv=f["uv"].astype(np.float64)), TypeError, r"'uv' has dtype float64, expected float32"),
    (lambda f: f.update(code=f["code"].astype(np.int32)), TypeError, r"'code' has dtype int32"),
    (lambda f: f.update(uv=f["uv"][0]), ValueError, r"'uv' has wrong rank \(3, 64, 64\)"),
    (lambda f: f.update(uv=f["uv"][:, :2]), ValueError, r"'uv' has wrong shape \(2, 2, 64, 64\)"),
    (lambda f: f.update(code=f["code"][:1]), ValueError, r"'code' has batch 1 but 'uv' has batch 2"),
    (lambda f: f.update(uv=f["uv"][:0], code=f["code"][:0]), ValueError, r"'uv' has an empty batch"),
    (lambda f: f["uv"].__setitem__((0, 0, 3, 3), np.nan), ValueError, r"'uv' contains NaN or Inf"),
    (lambda f: f["code"].__setitem__((1, 7), np.inf), ValueError, r"'code' contains NaN or Inf"),
    (lambda f: f.update(uv=f["uv"].tolist()), TypeError, r"'uv' must be an array"),
])
def test_bad_inputs_raise_clear_errors(editing, mutate, exc, match):
    f = {k: v.copy() for k, v in _good(editing).items()}
    mutate(f)
    with pytest.raises(exc, match=match):
        editing.run(f)


def test_non_mapping_inputs(editing):
    with pytest.raises(TypeError, match="dict name -> array"):
        editing.run([np.zeros((1, 3, 64, 64), np.float32)])


def test_validate_inputs_max_batch():
    specs = [TensorSpec("x", "float32", (-1, 3))]
    validate_inputs(specs, {"x": np.zeros((8, 3), np.float32)}, max_batch=8)
    with pytest.raises(ValueError, match="batch 9, over the maximum 8"):
        validate_inputs(specs, {"x": np.zeros((9, 3), np.float32)}, max_batch=8)


def test_not_an_onnx_file(tmp_path):
    p = tmp_path / "garbage.onnx"
    p.write_bytes(b"\x00\x01this is not a protobuf" * 10)
    with pytest.raises(ValueError, match="not a valid ONNX model|failed the ONNX checker"):
        OrtBackend(p)
    (tmp_path / "text.onnx").write_text("hello")
    with pytest.raises(ValueError):
        OrtBackend(tmp_path / "text.onnx")
    with pytest.raises(FileNotFoundError):
        OrtBackend(tmp_path / "missing.onnx")


def _tiny_graph(inputs=("a", "b"), node_inputs=("a", "b")):
    vis = [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["N", 4]) for n in inputs]
    out = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])
    g = helper.make_graph([helper.make_node("Add", list(node_inputs), ["y"], name="add")], "g", vis, [out])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def test_graph_missing_inputs(tmp_path):
    p = tmp_path / "one_input.onnx"
    onnx.save(_tiny_graph(inputs=("a",), node_inputs=("a", "a")), str(p))
    with pytest.raises(ValueError, match=r"missing input\(s\) \['b'\]"):
        OrtBackend(p, expected_inputs=["a", "b"])
    # a node reading a tensor that no input, initializer or node provides
    p2 = tmp_path / "dangling.onnx"
    onnx.save(_tiny_graph(inputs=("a",), node_inputs=("a", "b")), str(p2))
    with pytest.raises(ValueError, match="b"):
        OrtBackend(p2)


@pytest.mark.parametrize("kind", KINDS)
def test_torch_backend_matches_ort_through_the_interface(model_dir, nets, kind):
    from poce_rt.backends.torch_backend import TorchBackend

    ob = OrtBackend(model_dir / graph_file(kind))
    tb = TorchBackend.like(ob, torch_module(kind, nets))
    f = feeds(kind, 2, nets)
    a, b = ob.run(f), tb.run(f)
    assert set(a) == set(b)
    for k in a:
        assert np.abs(a[k] - b[k]).max() <= 1e-4
    with pytest.raises(ValueError, match="missing"):
        tb.run({})


def test_doctor_report_says_why():
    r = doctor_report()
    assert set(r) >= {"torch", "onnxruntime", "tensorrt", "gpu", "default"}
    assert r["onnxruntime"]["available"] is True
    t = r["tensorrt"]
    assert isinstance(t["detail"], str) and t["detail"]
    if r["gpu"]["count"] == 0:
        assert t["available"] is False and r["default"] == "onnxruntime"
        assert "cannot run" in t["detail"] or "no TensorRT" in t["detail"]
    if t.get("flavour") == "tensorrt_rtx":
        assert t["can_build"] is True
        assert "SM75" in t["targets"] and "SM90" not in t["targets"]


def test_trt_backend_without_gpu_is_a_clear_error(model_dir):
    from poce_rt.backends.trt import TrtBackend, gpu_info, import_tensorrt

    try:
        import_tensorrt()
    except BackendUnavailable:
        pytest.skip("no TensorRT flavour installed")
    if gpu_info()["count"] > 0:
        pytest.skip("a GPU is present")
    with pytest.raises(BackendUnavailable, match="needs a CUDA GPU"):
        TrtBackend(b"\x00" * 128)
    with pytest.raises(BackendUnavailable, match="needs a CUDA GPU"):
        load_backend("tensorrt", model_dir / graph_file("editing"))


def test_load_backend(model_dir):
    b = load_backend("onnxruntime", model_dir / graph_file("completion"))
    assert b.input_names == ["uv_sam", "mask"]
    with pytest.raises(ValueError, match="unknown backend"):
        load_backend("nope", model_dir / graph_file("completion"))


@pytest.mark.gpu
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("prec", ["fp32", "fp16"])
def test_trt_matches_ort_on_gpu(model_dir, nets, kind, prec, tmp_path):
    from poce_rt.backends.trt import gpu_info, import_tensorrt

    try:
        import_tensorrt()
    except BackendUnavailable:
        pytest.skip("no TensorRT flavour installed")
    if gpu_info()["count"] < 1:
        pytest.skip("no CUDA GPU")
    _skip_unless_flavour_runs_here()
    import cupy as cp

    tb = load_backend("tensorrt", model_dir / graph_file(kind, prec), engine_dir=tmp_path)
    ob = OrtBackend(model_dir / graph_file(kind))
    f = feeds(kind, 3, nets)
    ref = ob.run(f)
    got = tb.run(f)
    tol = 1e-3 if prec == "fp32" else 3e-2
    for k in ref:
        assert np.abs(got[k] - ref[k]).max() <= tol * max(1.0, float(np.abs(ref[k]).max()))
    # device path: CuPy buffers bound by name, preallocated outputs, explicit stream
    stream = cp.cuda.Stream(non_blocking=True)
    dev_in = {k: cp.asarray(v) for k, v in f.items()}
    dev_out = {s.name: cp.empty((3,) + s.shape[1:], s.dtype) for s in tb.output_specs}
    tb.run_device(dev_in, dev_out, stream)
    stream.synchronize()
    for k in ref:
        assert np.abs(cp.asnumpy(dev_out[k]) - ref[k]).max() <= tol * max(1.0, float(np.abs(ref[k]).max()))


def _skip_unless_flavour_runs_here():
    from poce_rt.backends.trt import check_gpu_supported, import_tensorrt

    try:
        check_gpu_supported(import_tensorrt()[1])
    except BackendUnavailable as e:   # e.g. TensorRT-RTX on an H100/H200: tested below instead
        pytest.skip(str(e))


@pytest.mark.gpu
def test_trt_shape_outside_the_profile_names_tensor_and_profile(model_dir, tmp_path):
    from poce_rt.backends.trt import TrtBackend, gpu_info
    from poce_rt.backends.engines import EngineCache

    if gpu_info()["count"] < 1:
        pytest.skip("no CUDA GPU")
    _skip_unless_flavour_runs_here()
    engine = EngineCache(tmp_path, progress=False).get(model_dir / graph_file("editing"), "fp32",
                                                       batch=(2, 2, 4))
    tb = TrtBackend(engine)
    assert tb.max_batch == 4
    with pytest.raises(ValueError, match=r"input 'uv' shape \(1, 3, 64, 64\) is outside the engine's "
                                         r"profile 0: min \(2, 3, 64, 64\)"):
        tb.run(feeds("editing", 1))
    assert tb.run(feeds("editing", 2))["uv_edit"].shape == (2, 3, 64, 64)   # the context still works


@pytest.mark.gpu
def test_unsupported_gpu_falls_back_from_tensorrt(model_dir, caplog):
    """On a GPU the TensorRT flavour has no target for (TensorRT-RTX on sm90), device='cuda' loads
    the networks on ONNX Runtime with one warning, and doctor says why TensorRT cannot run."""
    import logging

    from poce_rt.backends.trt import check_gpu_supported, gpu_info, import_tensorrt
    from poce_rt.networks import Networks

    if gpu_info()["count"] < 1:
        pytest.skip("no CUDA GPU")
    try:
        check_gpu_supported(import_tensorrt()[1])
        pytest.skip("the installed TensorRT runs on this GPU")
    except BackendUnavailable as e:
        why = str(e)
    with caplog.at_level(logging.WARNING, logger="poce_rt.networks"):
        nets = Networks.load(model_dir, device="cuda")
    assert nets.backend == "onnxruntime"
    assert any("tensorrt cannot run" in r.getMessage() for r in caplog.records)
    rep = doctor_report()["tensorrt"]
    assert rep["available"] is False and why in rep["detail"]
    with pytest.raises(BackendUnavailable, match="cannot run on"):
        Networks.load(model_dir, backend="tensorrt", device="cuda")
