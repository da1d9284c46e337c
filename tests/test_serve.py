"""`poce_edit` for Triton: the inference function itself (what PyTriton calls) on a real photo, and
`poce-rt serve` answered by tritonclient over HTTP and gRPC where PyTriton can run (numpy < 2)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from poce_rt.codes import BLENDSHAPE_NAMES
from poce_rt.errors import InputError
from poce_rt.scale.triton_model import EditModel

JAW = BLENDSHAPE_NAMES.index("jawOpen")
PARAMS = json.dumps({"expression": {"jawOpen": 0.7}}).encode()


@pytest.fixture(scope="module")
def model(bundle):
    m = EditModel(bundle=str(bundle))
    yield m
    m.close()


def _request(image, params=PARAMS):
    return {"image": image[None], "params": np.array([[params]], dtype=object)}


def test_infer_opens_the_jaw(model, single_face, tracker):
    (out,) = model.infer([_request(single_face)])
    edited = out["image"]
    assert edited.shape == (1,) + single_face.shape and edited.dtype == np.uint8
    before = tracker.track(single_face)[0].blendshapes[JAW]
    after = tracker.track(edited[0])[0].blendshapes[JAW]
    assert after - before >= 0.3, (before, after)


def test_infer_batches_of_requests_and_refuses_bad_ones(model, single_face):
    small = np.ascontiguousarray(single_face[::2, ::2])
    outs = model.infer([_request(single_face), _request(small, b'{"pose": [0, 10, 0]}')])
    assert [o["image"].shape[1:3] for o in outs] == [single_face.shape[:2], small.shape[:2]]
    with pytest.raises(InputError, match="unknown blendshape"):
        model.infer([_request(single_face, b'{"expression": {"jaw": 1}}')])
    with pytest.raises(InputError, match="not valid JSON"):
        model.infer([_request(single_face, b"{")])
    with pytest.raises(InputError, match="no face"):
        model.infer([_request(np.zeros((64, 64, 3), np.uint8))])
    with pytest.raises(InputError, match="UINT8"):
        model.infer([{"image": single_face.astype(np.float32)[None], "params": np.array([[PARAMS]], object)}])


def test_serve_refuses_numpy2_with_the_reason(capsys):
    from poce_rt.cli import main

    if int(np.__version__.split(".")[0]) < 2:
        pytest.skip("numpy < 2: PyTriton can run here")
    assert main(["serve", "--http-port", "18000"]) == 2
    assert "numpy < 2" in capsys.readouterr().err


def test_triton_answers_tritonclient(model, single_face, tracker):
    """PyTriton on loopback, tritonclient over HTTP and gRPC (needs numpy < 2: see serve.py)."""
    pytest.importorskip("pytriton", reason="nvidia-pytriton is not installed")
    if int(np.__version__.split(".")[0]) >= 2:
        pytest.skip(f"PyTriton's Triton stub needs numpy < 2; this environment has {np.__version__}")
    import tritonclient.grpc as grpcclient
    import tritonclient.http as httpclient
    from pytriton.triton import Triton

    from poce_rt.scale import serve
    from poce_rt.scale.ray_local import free_port

    http, grpc, metrics = free_port(), free_port(), free_port()
    serve._libpython_first()
    with Triton(config=serve.triton_config("127.0.0.1", http, grpc, metrics)) as triton:
        serve.bind(triton, model)
        triton.run()
        before = tracker.track(single_face)[0].blendshapes[JAW]
        for mod, url in ((httpclient, f"127.0.0.1:{http}"), (grpcclient, f"127.0.0.1:{grpc}")):
            client = mod.InferenceServerClient(url)
            assert client.is_server_ready()
            image = mod.InferInput("image", [1, *single_face.shape], "UINT8")
            image.set_data_from_numpy(single_face[None])
            params = mod.InferInput("params", [1, 1], "BYTES")
            params.set_data_from_numpy(np.array([[PARAMS]], dtype=object))
            edited = client.infer("poce_edit", [image, params]).as_numpy("image")[0]
            assert tracker.track(edited)[0].blendshapes[JAW] - before >= 0.3


# ------------------------------------------------------------------ export --triton-repo
def test_export_writes_a_triton_repository(tmp_path, single_face, capsys):
    model_config_pb2 = pytest.importorskip("tritonclient.grpc.model_config_pb2",
                                           reason="tritonclient (the scale extra) is not installed")
    import onnxruntime as ort
    from google.protobuf import text_format

    from poce_rt.cli import main
    from test_export import write_model_dir

    d = write_model_dir(tmp_path / "m", seed=1)
    repo = tmp_path / "repo"
    assert main(["export", str(d), "--no-fp16", "--triton-repo", str(repo)]) == 0
    assert "Triton repository" in capsys.readouterr().out

    def config(name):   # parsed by Triton's own schema: a typo in a config fails here
        return text_format.Parse((repo / name / "config.pbtxt").read_text(), model_config_pb2.ModelConfig())

    edit = config("poce_edit")
    assert edit.backend == "python" and edit.max_batch_size == 8 and edit.HasField("dynamic_batching")
    assert [(t.name, model_config_pb2.DataType.Name(t.data_type), list(t.dims)) for t in edit.input] == [
        ("image", "TYPE_UINT8", [-1, -1, 3]), ("params", "TYPE_STRING", [1])]
    compile((repo / "poce_edit" / "1" / "model.py").read_text(), "model.py", "exec")
    graphs = sorted(p.name for p in repo.iterdir() if p.name != "poce_edit")
    assert graphs and all((repo / g / "1" / "model.onnx").is_file() for g in graphs)
    for g in graphs:
        cfg = config(g)
        sess = ort.InferenceSession(str(repo / g / "1" / "model.onnx"), providers=["CPUExecutionProvider"])
        want = {i.name: [d if isinstance(d, int) else -1 for d in i.shape[1:]] for i in sess.get_inputs()}
        assert cfg.platform == "onnxruntime_onnx" and cfg.max_batch_size == 8
        assert {t.name: list(t.dims) for t in cfg.input} == want
    # the Python backend's copy of the model directory is complete: the same edit runs from it
    m = EditModel(str(repo / "poce_edit" / "1" / "model"))
    try:
        (out,) = m.infer([_request(single_face)])
        assert out["image"].shape == (1,) + single_face.shape
    finally:
        m.close()
