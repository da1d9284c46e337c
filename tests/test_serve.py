"""`poce_edit` for Triton: the inference function itself (what PyTriton calls) on a real photo, and
`poce-rt serve` answered by tritonclient over HTTP and gRPC (PyTriton in .venv-triton: make triton-env)."""
from __future__ import annotations

import json
import re
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor

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


def test_serve_without_a_triton_python_says_what_to_install(tmp_path, capsys):
    from poce_rt.cli import main

    assert main(["serve", "--triton-python", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "not an executable file" in err and "nvidia-pytriton" in err
    # this environment's own Python has numpy 2 (or no PyTriton): refused with the reason
    assert main(["serve", "--triton-python", sys.executable]) == 2
    assert re.search(r"numpy 2\.|No module named 'pytriton'", capsys.readouterr().err)


def test_a_server_that_exits_at_start_is_reported_at_once_with_its_output():
    """ServeProcess waited its full 300 s for a server that had already exited, and said only that
    it was not ready: now the exit and the server's last output are reported as soon as it ends."""
    import time

    from poce_rt.scale.serve import ServeProcess

    t0 = time.monotonic()
    try:
        with pytest.raises(RuntimeError, match=r"exited with status 2(.|\n)*unrecognized arguments: --no-such-flag"):
            ServeProcess("--no-such-flag", timeout_s=120)
    except InputError as e:   # no PyTriton Python here (make triton-env)
        pytest.skip(str(e))
    assert time.monotonic() - t0 < 60


def test_a_start_that_is_not_ready_in_time_is_killed_with_its_output():
    """A start past its time is killed, its process group and all, and raises with the server's
    output so far."""
    from poce_rt.scale.serve import ServeProcess

    try:
        with pytest.raises(TimeoutError, match="did not report ready in 0 s"):
            ServeProcess(timeout_s=0.3)
    except InputError as e:   # no PyTriton Python here (make triton-env)
        pytest.skip(str(e))


@pytest.fixture(scope="module")
def served(bundle):
    """`poce-rt serve` as a user runs it: the engine here, PyTriton in its own Python, on loopback."""
    from poce_rt.scale.serve import ServeProcess

    try:
        server = ServeProcess(bundle=bundle, max_batch=4)
    except InputError as e:
        pytest.skip(str(e))
    with server:
        yield server


def _infer(mod, port, image, params=PARAMS):
    client = mod.InferenceServerClient(f"127.0.0.1:{port}")
    batch = image if image.ndim == 4 else image[None]
    x = mod.InferInput("image", list(batch.shape), "UINT8")
    x.set_data_from_numpy(batch)
    p = mod.InferInput("params", [len(batch), 1], "BYTES")
    p.set_data_from_numpy(np.array([[params]] * len(batch), dtype=object))
    return client.infer("poce_edit", [x, p]).as_numpy("image")


def test_serve_answers_tritonclient(served, single_face, tracker):
    """HTTP and gRPC edits raise the tracked jawOpen; a bad item is that caller's error and serving
    goes on; several callers at once are all answered; Triton's health and metrics; SIGTERM stops
    both processes."""
    import tritonclient.grpc as grpcclient
    import tritonclient.http as httpclient
    from tritonclient.utils import InferenceServerException

    # stdout carries the ready line alone: tritonserver's log, which PyTriton prints there a chunk
    # at a time, once split that line now and then (1 start in ~10) and the start was never seen
    assert served.before_ready == []
    ports = served.ports
    assert httpclient.InferenceServerClient(f"127.0.0.1:{ports['http']}").is_model_ready("poce_edit")
    before = tracker.track(single_face)[0].blendshapes[JAW]
    for mod, port in ((httpclient, ports["http"]), (grpcclient, ports["grpc"])):
        edited = _infer(mod, port, single_face)
        assert edited.shape == (1,) + single_face.shape
        assert tracker.track(edited[0])[0].blendshapes[JAW] - before >= 0.3
        with pytest.raises(InferenceServerException, match="not valid JSON"):
            _infer(mod, port, single_face, b"{")
        with pytest.raises(InferenceServerException, match="no face"):
            _infer(mod, port, np.zeros((64, 64, 3), np.uint8))
    small = np.ascontiguousarray(single_face[::2, ::2])
    two = _infer(httpclient, ports["http"], np.stack([small, small[:, ::-1]]))
    assert two.shape == (2,) + small.shape
    with ThreadPoolExecutor(4) as pool:   # concurrent callers: dynamic batching may group them
        outs = list(pool.map(lambda _: _infer(grpcclient, ports["grpc"], small), range(6)))
    assert all(np.array_equal(o, outs[0]) for o in outs)
    metrics = urllib.request.urlopen(f"http://127.0.0.1:{ports['metrics']}/metrics", timeout=10).read().decode()
    assert re.search(r'nv_inference_request_success\{model="poce_edit".*\} (\d+)', metrics)
    assert served.stop() == 0   # SIGTERM


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
