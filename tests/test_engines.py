"""Engine cache on a CPU machine: TensorRT-RTX builds real engines ahead-of-time from every exported
graph, finds them again without rebuilding, and rebuilds after deliberate corruption."""
from __future__ import annotations

import json
import logging
import os
import threading

import pytest

from poce_rt.backends import BackendUnavailable
from poce_rt.backends.engines import MANIFEST, EngineCache, default_engine_dir, sha256_file

pytest.importorskip("torch")
from test_export import KINDS, graph_file  # noqa: E402

try:
    from poce_rt.backends.trt import engine_validity, gpu_info, import_tensorrt
    TRT, FLAVOUR = import_tensorrt()
except BackendUnavailable:  # pragma: no cover
    TRT = FLAVOUR = None
needs_trt = pytest.mark.skipif(TRT is None, reason="no TensorRT flavour installed")
can_build = TRT is not None and (FLAVOUR == "tensorrt_rtx" or gpu_info()["count"] > 0)
needs_build = pytest.mark.skipif(not can_build, reason="cannot build engines on this machine")


@pytest.fixture(scope="module")
def built(model_dir, tmp_path_factory):
    """One cache with an engine for every exported graph (fp32 and fp16)."""
    if not can_build:
        pytest.skip("cannot build engines on this machine")
    cache = EngineCache(tmp_path_factory.mktemp("engines"), progress=False)
    paths = {}
    for kind in KINDS:
        for prec in ("fp32", "fp16"):
            paths[kind, prec] = cache.get(model_dir / graph_file(kind, prec), prec)
    return cache, paths


@needs_build
@pytest.mark.slow
def test_every_graph_builds_and_is_recorded(built):
    cache, paths = built
    assert cache.builds == len(paths) == 2 * len(KINDS)
    man = json.loads((cache.engine_dir / MANIFEST).read_text())["engines"]
    assert len(man) == len(paths)
    for (kind, prec), p in paths.items():
        assert p.suffix == ".engine" and p.parent == cache.engine_dir
        rec = next(r for r in man.values() if r["file"] == p.name)
        assert rec["sha256"] == sha256_file(p) and rec["size"] == p.stat().st_size
        assert rec["precision"] == prec and rec["flavour"] == FLAVOUR
        assert rec["trt_version"] == TRT.__version__
        assert rec["profile"] == {"batch": [1, 1, 8]}
        assert rec["target"] == (gpu_info()["cc"] if gpu_info()["count"] else "aot-default")
        assert cache.check(p, rec) is None
    assert not list(cache.engine_dir.glob("*.tmp"))


@needs_build
@pytest.mark.slow
def test_second_call_is_a_cache_hit(built, model_dir):
    cache, paths = built
    again = EngineCache(cache.engine_dir, progress=False)
    for (kind, prec), p in paths.items():
        assert again.get(model_dir / graph_file(kind, prec), prec) == p
        assert again.last_event == "hit"
    assert again.builds == 0


def _corrupt_flip(p):
    data = bytearray(p.read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + 16):
        data[i] ^= 0xFF
    p.write_bytes(bytes(data))


def _corrupt_truncate(p):
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 3])


def _corrupt_header(p):
    data = bytearray(p.read_bytes())
    data[:8] = b"GARBAGE!"
    p.write_bytes(bytes(data))


@needs_build
@pytest.mark.slow
@pytest.mark.parametrize("corrupt,reason", [
    (_corrupt_flip, "sha256"),
    (_corrupt_truncate, "truncated"),
    (_corrupt_header, "sha256"),
    (lambda p: p.unlink(), None),
])
def test_corrupted_engine_is_rebuilt(built, model_dir, corrupt, reason, caplog):
    cache, paths = built
    onnx_path = model_dir / graph_file("editing", "fp16")
    p = paths["editing", "fp16"]
    good = p.read_bytes()
    corrupt(p)
    c2 = EngineCache(cache.engine_dir, progress=False)
    with caplog.at_level(logging.INFO, logger="poce_rt.engines"):
        assert c2.get(onnx_path, "fp16") == p
    assert c2.builds == 1
    assert c2.last_event.startswith("rebuilt" if reason else "built")
    if reason:
        lines = [r.getMessage() for r in caplog.records if "rebuilding engine" in r.getMessage()]
        assert len(lines) == 1 and reason in lines[0] and p.name in lines[0]
    assert c2.check(p, c2.manifest()[next(k for k, r in c2.manifest().items() if r["file"] == p.name)]) is None
    assert len(p.read_bytes()) == len(good)


@needs_build
@pytest.mark.slow
def test_header_check_catches_garbage_even_with_matching_manifest(built, model_dir):
    """A manifest rewritten to match a garbage file: the header check still refuses it."""
    cache, paths = built
    p = paths["completion", "fp32"]
    data = bytearray(p.read_bytes())
    data[:8] = b"GARBAGE!"
    p.write_bytes(bytes(data))
    man = cache.manifest()
    key = next(k for k, r in man.items() if r["file"] == p.name)
    man[key]["sha256"] = sha256_file(p)
    cache._update_manifest(key, man[key])
    reason = cache.check(p, cache.manifest()[key])
    assert reason is not None and "malformed" in reason and "diagnostics 32" in reason
    c2 = EngineCache(cache.engine_dir, progress=False)
    c2.get(model_dir / graph_file("completion"), "fp32")
    assert c2.builds == 1 and c2.last_event.startswith("rebuilt")


@needs_build
def test_validity_facts_on_this_machine(built):
    """Good engine: INVALID with diagnostics 0 without a GPU (VALID with one); garbage: 32."""
    _, paths = built
    good = paths["editing", "fp32"].read_bytes()
    v, d = engine_validity(good)
    if gpu_info()["count"] == 0 and FLAVOUR == "tensorrt_rtx":
        assert (v, d) == ("INVALID", 0)
    assert engine_validity(os.urandom(len(good)))[1] & 32
    assert engine_validity(b"\x00" * 10) == ("INVALID", 32)


@needs_build
@pytest.mark.slow
def test_key_depends_on_precision_profile_and_target(built, model_dir):
    cache, paths = built
    onnx_path = model_dir / graph_file("mapping")
    base = cache.key_fields(onnx_path, "fp32")
    keys = {cache.key_of(base),
            cache.key_of(cache.key_fields(onnx_path, "fp16")),
            cache.key_of(cache.key_fields(onnx_path, "fp32", batch=(1, 4, 16))),
            cache.key_of(cache.key_fields(onnx_path, "fp32", targets=["SM75"]))}
    assert len(keys) == 4
    assert set(base) == {"onnx_sha256", "precision", "profile", "flavour", "trt_version", "target"}
    if FLAVOUR == "tensorrt_rtx":  # an explicit Turing build, ahead-of-time
        # (fp16 graph: TensorRT-RTX refuses FP32 GEMM (the FiLM Linear) for SM75)
        c2 = EngineCache(cache.engine_dir, progress=False)
        p = c2.get(model_dir / graph_file("mapping", "fp16"), "fp16", targets=["SM75"])
        assert c2.builds == 1 and p != paths["mapping", "fp16"]
        rec = next(r for r in c2.manifest().values() if r["file"] == p.name)
        assert rec["target"] == "aot-sm75"
        with pytest.raises(ValueError, match="unknown compute-capability target 'SM90'"):
            c2.get(onnx_path, "fp32", targets=["SM90"])


@needs_build
@pytest.mark.slow
def test_concurrent_builders_build_once(model_dir, tmp_path):
    caches = [EngineCache(tmp_path, progress=False) for _ in range(3)]
    results, errors = [], []

    def work(c):
        try:
            results.append(c.get(model_dir / graph_file("generator"), "fp32"))
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in caches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(results)) == 1
    assert sum(c.builds for c in caches) == 1
    assert len(EngineCache(tmp_path).manifest()) == 1


def test_default_engine_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("POCE_RT_ENGINE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert default_engine_dir() == tmp_path / "engines"
    monkeypatch.setenv("POCE_RT_ENGINE_DIR", str(tmp_path / "env"))
    assert default_engine_dir() == tmp_path / "env"
    assert default_engine_dir(tmp_path / "arg") == tmp_path / "arg"


def test_unreadable_manifest_is_treated_as_empty(tmp_path):
    (tmp_path / MANIFEST).write_text("{broken")
    assert EngineCache(tmp_path).manifest() == {}
    aside = [p for p in tmp_path.iterdir() if p.name.startswith(MANIFEST + ".corrupt-")]
    assert len(aside) == 1 and aside[0].read_text() == "{broken"   # set aside, not lost


@needs_build
@pytest.mark.slow
def test_cli_engines_build_list_clean(model_dir, tmp_path, capsys):
    from poce_rt.cli.backends import main

    ed = tmp_path / "eng"
    assert main(["engines", "build", str(model_dir), "--precision", "fp32", "--engine-dir", str(ed)]) == 0
    out = capsys.readouterr().out
    assert out.count("(built") == len(KINDS)
    assert main(["engines", "build", str(model_dir), "--precision", "fp32", "--engine-dir", str(ed)]) == 0
    assert capsys.readouterr().out.count("(hit") == len(KINDS)
    assert main(["engines", "list", "--engine-dir", str(ed)]) == 0
    out = capsys.readouterr().out
    assert out.count(" ok") == len(KINDS) and "fp32" in out
    assert main(["engines", "clean", "--engine-dir", str(ed)]) == 0
    assert "removed" in capsys.readouterr().out
    assert not list(ed.glob("*.engine")) and not (ed / MANIFEST).exists()
    assert main(["engines", "build", str(tmp_path), "--engine-dir", str(ed)]) == 2   # a user error: one line, exit status 2
    assert "poce-rt export" in capsys.readouterr().err
