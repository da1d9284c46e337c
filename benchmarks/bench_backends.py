"""Per-graph latency: ONNX Runtime (CPU) next to torch (CPU), batch 1 and 4, in one run.

Groups are "<graph> b<batch>" so the ORT/torch ratio of each graph and batch reads off one table:

    pytest benchmarks/bench_backends.py --benchmark-columns=median,iqr,ops --benchmark-group-by=group

``POCE_BENCH_CONFIG=full`` (default) uses the paper-sized networks (UV 256, default channels,
random init); ``small`` uses the tiny test configs (UV 64) for a quick smoke run.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx_graphsurgeon")

PRESET = os.environ.get("POCE_BENCH_CONFIG", "full")
KINDS = ("completion", "mapping", "generator", "editing")
BATCHES = (1, 4)


def _configs():
    from poce_rt.models.config import CompletionConfig, EditingConfig

    if PRESET == "small":
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        from test_export import SMALL_COMP, SMALL_EDIT
        return CompletionConfig(**SMALL_COMP), EditingConfig(**SMALL_EDIT)
    return CompletionConfig(), EditingConfig()


@pytest.fixture(scope="session")
def graphs(tmp_path_factory):
    from poce_rt.export import export_models, graph_file
    from poce_rt.models.completion import UVCompletion
    from poce_rt.models.editing import Editor

    torch.manual_seed(0)
    cc, ec = _configs()
    comp, editor = UVCompletion(cc).eval(), Editor(ec).eval()
    d = tmp_path_factory.mktemp("bench_graphs")
    export_models(d, completion=comp, mapping=editor.mapping, generator=editor.generator,
                  fused=editor, uv_size=ec.uv_size, fp16=False)
    mods = {"completion": comp, "mapping": editor.mapping, "generator": editor.generator,
            "editing": editor}
    return {k: (d / graph_file(k), mods[k]) for k in KINDS}, ec


def _feeds(kind, batch, ec, mapping):
    rng = np.random.default_rng(0)
    S = ec.uv_size
    uv = rng.uniform(-1, 1, (batch, 3, S, S)).astype(np.float32)
    if kind == "completion":
        return {"uv_sam": uv, "mask": (rng.random((batch, 1, S, S)) > 0.4).astype(np.float32)}
    code = rng.uniform(-0.5, 0.5, (batch, 52)).astype(np.float32)
    if kind in ("mapping", "editing"):
        return {"uv": uv, "code": code}
    with torch.no_grad():
        p = mapping(torch.from_numpy(uv), torch.from_numpy(code))
    return {n: t.numpy() for n, t in zip(ec.param_names(), p)}


@pytest.mark.parametrize("backend", ["onnxruntime", "torch"])
@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("kind", KINDS)
def test_latency(benchmark, graphs, kind, batch, backend):
    from poce_rt.backends.ort import OrtBackend
    from poce_rt.backends.torch_backend import TorchBackend

    table, ec = graphs
    path, module = table[kind]
    ob = OrtBackend(path)
    b = ob if backend == "onnxruntime" else TorchBackend.like(ob, module)
    f = _feeds(kind, batch, ec, table["mapping"][1])
    b.run(f)  # warm-up
    benchmark.group = f"{kind} b{batch}"
    benchmark.extra_info.update(backend=backend, graph=kind, batch=batch, uv=ec.uv_size,
                                threads=torch.get_num_threads())
    rounds = 3 if PRESET == "full" else 10
    benchmark.pedantic(b.run, args=(f,), rounds=rounds, iterations=1, warmup_rounds=0)
