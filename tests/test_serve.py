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
