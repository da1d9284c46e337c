"""Bad input to the engine cache, the backends and the model directory: each case raises a clear,
typed error (or, for a corrupt cache file, sets it aside and carries on) and leaves nothing broken
behind for the next run."""
from __future__ import annotations

import json
import logging
import shutil

import pytest

from poce_rt.backends import BackendUnavailable, load_backend
from poce_rt.backends.trt import RTX_TARGETS, check_gpu_supported, flavour_supports
from poce_rt.backends.engines import MANIFEST, EngineCache

pytest.importorskip("torch")
from test_export import graph_file  # noqa: E402

try:
    from poce_rt.backends.trt import gpu_info, import_tensorrt
    TRT, FLAVOUR = import_tensorrt()
except BackendUnavailable:  # pragma: no cover
    TRT = FLAVOUR = None
HAS_GPU = gpu_info()["count"] > 0
can_build = TRT is not None and (FLAVOUR == "tensorrt_rtx" or HAS_GPU)

CORRUPT_MANIFESTS = {
    "engines is a list": b'{"engines": []}',
    "record is a number": b'{"version": 1, "engines": {"abc": 5}}',
    "top level is a list": b"[]",
    "not JSON": b'{"engines": {',
    "not UTF-8": b"\xff\xfe\x00",
    "record lacks fields": b'{"engines": {"abc": {"key": "abc", "file": "x.engine"}}}',
    "record under the wrong key": json.dumps({"engines": {"abc": {
        "key": "other", "file": "x.engine", "onnx": "x.onnx", "onnx_sha256": "0", "precision": "fp32",
        "profile": {}, "flavour": "tensorrt_rtx", "trt_version": "1", "target": "sm86", "sha256": "0",
        "size": 1, "built_at": "", "build_seconds": 0.0}}}).encode(),
}


def _set_aside(d):
    return sorted(p.name for p in d.iterdir() if p.name.startswith(MANIFEST + ".corrupt-"))


@pytest.mark.parametrize("content", list(CORRUPT_MANIFESTS.values()), ids=list(CORRUPT_MANIFESTS))
def test_corrupt_manifest_is_set_aside(tmp_path, content, caplog):
    (tmp_path / MANIFEST).write_bytes(content)
    cache = EngineCache(tmp_path, progress=False)
    with caplog.at_level(logging.WARNING, logger="poce_rt.engines"):
        assert cache.manifest() == {}
        assert cache.records() == []
    assert not (tmp_path / MANIFEST).exists()
    aside = _set_aside(tmp_path)
    assert len(aside) == 1 and (tmp_path / aside[0]).read_bytes() == content   # kept, not lost
    assert sum("is corrupt" in r.getMessage() for r in caplog.records) == 1
    # the next write starts a good manifest; the set-aside copy stays for inspection
    cache._update_manifest("k", None)
    assert json.loads((tmp_path / MANIFEST).read_text()) == {"version": 1, "engines": {}}
    assert EngineCache(tmp_path).manifest() == {} and _set_aside(tmp_path) == aside


def test_manifest_that_is_a_directory_is_set_aside(tmp_path):
    (tmp_path / MANIFEST).mkdir()
    assert EngineCache(tmp_path).manifest() == {}
    assert len(_set_aside(tmp_path)) == 1 and not (tmp_path / MANIFEST).exists()


def test_clean_removes_set_aside_manifests(tmp_path):
    (tmp_path / MANIFEST).write_bytes(b"[]")
    cache = EngineCache(tmp_path)
    cache.manifest()
    assert cache.clean() == 1 and not _set_aside(tmp_path)


@pytest.mark.skipif(not can_build, reason="cannot build engines on this machine")
@pytest.mark.slow
@pytest.mark.parametrize("content", [CORRUPT_MANIFESTS["engines is a list"],
                                     CORRUPT_MANIFESTS["record is a number"]])
def test_corrupt_manifest_engines_are_rebuilt_then_hit(model_dir, tmp_path, content):
    onnx_path = model_dir / graph_file("generator")
    first = EngineCache(tmp_path, progress=False)
    path = first.get(onnx_path, "fp32")
    (tmp_path / MANIFEST).write_bytes(content)      # the engine file stays, its record is gone
    again = EngineCache(tmp_path, progress=False)
    assert again.get(onnx_path, "fp32") == path
    assert again.builds == 1 and again.last_event.startswith("rebuilt")
    third = EngineCache(tmp_path, progress=False)    # and the run after that is a plain hit
    assert third.get(onnx_path, "fp32") == path and third.builds == 0 and third.last_event == "hit"


@pytest.mark.skipif(not can_build, reason="cannot build engines on this machine")
def test_garbage_onnx_is_a_value_error_and_records_nothing(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07garbage, not a protobuf graph" * 10)
    cache = EngineCache(tmp_path / "engines", progress=False)
    with pytest.raises(ValueError, match="cannot parse"):
        cache.get(bad, "fp32")
    assert cache.manifest() == {} and not list((tmp_path / "engines").glob("*.engine"))


def test_missing_onnx_is_file_not_found(tmp_path):
    if TRT is None:
        pytest.skip("no TensorRT flavour installed")
    with pytest.raises(FileNotFoundError, match="ONNX file not found"):
        EngineCache(tmp_path, progress=False).get(tmp_path / "nope.onnx")


@pytest.mark.skipif(TRT is None or HAS_GPU, reason="needs TensorRT and no GPU")
def test_garbage_engine_without_gpu_is_backend_unavailable(tmp_path):
    from poce_rt.backends.trt import TrtBackend

    p = tmp_path / "garbage.engine"
    p.write_bytes(b"\x00" * 4096)
    with pytest.raises(BackendUnavailable, match="needs a CUDA GPU"):
        TrtBackend(p)
    with pytest.raises(BackendUnavailable, match="needs a CUDA GPU"):
        load_backend("tensorrt", p)


@pytest.mark.skipif(TRT is None or not HAS_GPU, reason="needs TensorRT and a GPU it runs on")
@pytest.mark.gpu
def test_garbage_engine_on_gpu_is_a_value_error(tmp_path):
    from poce_rt.backends.trt import TrtBackend

    try:
        check_gpu_supported(FLAVOUR)
    except BackendUnavailable as e:
        pytest.skip(str(e))
    with pytest.raises(ValueError, match="rebuild it"):
        TrtBackend(b"GARBAGE!" * 512)


# -- which GPUs a flavour runs on (the capability is a parameter: no GPU needed to test the rule)
@pytest.mark.parametrize("flavour,cc,ok", [
    ("tensorrt_rtx", "sm90", False),      # H100 / H200: no TensorRT-RTX target
    ("tensorrt_rtx", (10, 0), False),     # B200
    ("tensorrt_rtx", "8.6", True),        # RTX 30xx
    ("tensorrt_rtx", "SM89", True),       # RTX 40xx
    ("tensorrt_rtx", "sm120", True),      # RTX 50xx
    ("tensorrt_rtx", "sm70", False),      # Volta
    ("tensorrt", "sm90", True),
    ("tensorrt", "sm100", True),
    ("tensorrt", "sm70", False),
])
def test_flavour_supports(flavour, cc, ok):
    assert flavour_supports(flavour, cc) is ok


def test_flavour_supports_bad_arguments():
    with pytest.raises(ValueError, match="unknown TensorRT flavour"):
        flavour_supports("tensorflow", "sm86")
    with pytest.raises(ValueError, match="not a compute capability"):
        flavour_supports("tensorrt", "hopper")
    assert flavour_supports("tensorrt_rtx", "sm90", targets=["SM90"])   # a future flavour's targets


def test_installed_rtx_targets_match_the_table():
    if FLAVOUR != "tensorrt_rtx":
        pytest.skip("TensorRT-RTX not installed")
    from poce_rt.backends.trt import supported_targets

    assert set(supported_targets()) - {"NONE", "CURRENT"} == set(RTX_TARGETS)


@pytest.mark.parametrize("gpu,match", [
    ({"count": 0, "reason": "no CUDA GPU found"}, "needs a CUDA GPU: no CUDA GPU found"),
    ({"count": 1, "name": "NVIDIA H200", "cc": "sm90"}, r"tensorrt_rtx cannot run on NVIDIA H200 \(sm90\)"),
])
def test_check_gpu_supported(gpu, match):
    with pytest.raises(BackendUnavailable, match=match):
        check_gpu_supported("tensorrt_rtx", gpu)
    check_gpu_supported("tensorrt", {"count": 1, "name": "NVIDIA H200", "cc": "sm90"})  # no error


def test_unknown_trt_flavour_forced_is_backend_unavailable(monkeypatch):
    from poce_rt.backends import trt

    monkeypatch.setattr(trt, "_TRT_CACHE", {})       # forget the imported flavour for this test
    monkeypatch.setenv("POCE_RT_TRT", "tensorrt_llm")
    with pytest.raises(BackendUnavailable, match="POCE_RT_TRT='tensorrt_llm'"):
        trt.import_tensorrt()


# -- model directories
def _copy(model_dir, tmp_path):
    d = tmp_path / "model"
    shutil.copytree(model_dir, d)
    return d


@pytest.mark.parametrize("graph", ["completion.onnx", "edit_mapping.onnx", "edit_generator.onnx"])
def test_model_dir_with_a_deleted_graph(model_dir, tmp_path, graph):
    from poce_rt.networks import Networks

    d = _copy(model_dir, tmp_path)
    (d / graph).unlink()
    with pytest.raises(FileNotFoundError, match=f"not {graph}: re-run `poce-rt export"):
        Networks.load(d, backend="onnxruntime")


def test_model_dir_without_any_graph(model_dir, tmp_path):
    from poce_rt.networks import Networks

    d = _copy(model_dir, tmp_path)
    for f in d.glob("*.onnx"):
        f.unlink()
    with pytest.raises(FileNotFoundError, match="no exported onnx graphs"):
        Networks.load(d)
    with pytest.raises(FileNotFoundError, match="config.json"):
        Networks.load(tmp_path / "nowhere")


def test_model_dir_without_the_fused_graph_still_loads(model_dir, tmp_path):
    """editing.onnx is an optimisation (the fused path): without it the unfused pair is used."""
    from poce_rt.networks import Networks

    d = _copy(model_dir, tmp_path)
    (d / "editing.onnx").unlink()
    nets = Networks.load(d, backend="onnxruntime")
    assert set(nets.graphs) == {"completion", "mapping", "generator"} and not nets.capturable


@pytest.mark.skipif(HAS_GPU, reason="a GPU is present")
def test_backend_tensorrt_without_gpu(model_dir):
    from poce_rt.networks import Networks

    with pytest.raises(BackendUnavailable, match="tensorrt: .*CUDA GPU"):
        Networks.load(model_dir, backend="tensorrt")
