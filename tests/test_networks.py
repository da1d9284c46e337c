"""The Editor with networks: the same model directory through ONNX Runtime and through torch."""
import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("onnx_graphsurgeon")

import poce_rt  # noqa: E402
from poce_rt.networks import Networks  # noqa: E402


def test_onnxruntime_and_torch_networks_agree(model_dir_fp32, single_face, tracker):
    ort_nets = Networks.load(model_dir_fp32, backend="onnxruntime")
    torch_nets = Networks.load(model_dir_fp32, backend="torch")
    assert ort_nets.backend == "onnxruntime" and ort_nets.uv_size == 64
    from poce_rt import stages
    face = tracker.track_one(single_face)
    uv, mask = stages.sample_face(single_face, face, stages.geometry(64))
    a, b = ort_nets.complete(uv, mask), torch_nets.complete(uv, mask)
    np.testing.assert_allclose(a, b, atol=1e-4)
    np.testing.assert_array_equal(a[mask > 0.5], uv[mask > 0.5])  # visible texels kept
    code = np.zeros(52, np.float32)
    code[25] = 0.7
    np.testing.assert_allclose(ort_nets.edit(a, code), torch_nets.edit(a, code), atol=1e-4)
    m = np.zeros((64, 64), np.float32)
    m[40:, :] = 1
    np.testing.assert_allclose(ort_nets.transfer(a, a[:, ::-1].copy(), m),
                               torch_nets.transfer(a, a[:, ::-1].copy(), m), atol=1e-4)


def test_editor_runs_with_networks(model_dir_fp32, single_face, tracker):
    with poce_rt.Editor(model_dir_fp32, backend="onnxruntime", tracker=tracker) as ed:
        res = ed.edit(single_face, expression={"jawOpen": 0.5}, steps=2)
        assert res.uv_edited.shape == (64, 64, 3) and res.image.shape == single_face.shape
        ref = ed.edit(single_face, reference=single_face[:, ::-1].copy(), mask="mouth")
        assert np.isfinite(ref.uv_edited).all()


def test_bad_model_dirs(tmp_path):
    with pytest.raises(FileNotFoundError):
        Networks.load(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ValueError):
        Networks.load(tmp_path)
    (tmp_path / "config.json").write_text('{"editing": {"uv_size": 64}}')
    with pytest.raises(FileNotFoundError, match="export"):
        Networks.load(tmp_path, backend="onnxruntime")


@pytest.mark.parametrize("backend", ["onnxruntime", "torch"])
def test_frame_loop_edits_like_the_networks(model_dir_fp32, single_face, tracker, backend):
    """The frame loop's texture edit (ONNX Runtime on host copies, torch in place through DLPack)
    is the cascade of Networks.edit calls."""
    with poce_rt.Editor(model_dir_fp32, backend=backend, tracker=tracker) as ed:
        src = ed.prepare(single_face)
        res = ed.edit(None, expression={"jawOpen": 0.6, "eyeBlinkLeft": 0.4}, steps=2, source=src)
        uv = src.uv_completed
        for _ in range(2):
            uv = ed.networks.edit(uv, res.relative_code / 2)
        np.testing.assert_allclose(res.uv_edited, uv, atol=2e-6)
        assert not np.allclose(uv, src.uv_completed, atol=1e-3)   # the edit did something
        still = ed.edit(None, source=src)   # no change asked: the completed UV is drawn as it is
        np.testing.assert_array_equal(still.uv_edited, src.uv_completed)
