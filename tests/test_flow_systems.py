"""F3A-GAN and GaFET through the systems registry: presets, runners on real crops (ONNX Runtime vs
torch), `poce-rt train|edit|eval`, and F3A-GAN's continuous animation."""
import json

import numpy as np
import pytest

from poce_rt import systems

torch = pytest.importorskip("torch")


def test_registry_entries_and_presets():
    from poce_rt.models import f3a, gafet

    for name, module, cls in (("f3a", f3a, f3a.F3AConfig), ("gafet", gafet, gafet.GaFETConfig)):
        s = systems.get(name)
        assert s.space == "crop" and s.graphs == (name,) and name in systems.train_commands()
        for preset in ("tiny", "paper"):
            assert cls.from_dict(systems.preset_config(s, preset, name)) == module.PRESETS[preset]
        assert systems.resolve(s.runner).__name__.endswith("Runner")


INPUTS = {"f3a": ["image", "flow"], "gafet": ["source", "reference", "geometry", "motion"]}


@pytest.fixture(scope="module")
def model_dirs(f3a_dir, gafet_dir):
    return {"f3a": f3a_dir, "gafet": gafet_dir}


@pytest.mark.slow
@pytest.mark.parametrize("system", ["f3a", "gafet"])
def test_onnx_matches_torch(system, model_dirs):
    ort = pytest.importorskip("onnxruntime")
    import onnx

    from poce_rt.export.flow_systems import example_inputs, load_system
    from poce_rt.export.surgery import get_metadata

    d = model_dirs[system]
    _, cfg, net = load_system(d)
    x = example_inputs(system, cfg, batch=1, seed=5)
    with torch.no_grad():
        ref = net(*x.values()).numpy()
    for name, tol in ((f"{system}.onnx", 1e-4), (f"{system}.fp16.onnx", 0.05)):
        s = ort.InferenceSession(str(d / name), providers=["CPUExecutionProvider"])
        assert [i.name for i in s.get_inputs()] == INPUTS[system]
        assert [o.name for o in s.get_outputs()] == ["image_out"]
        out = s.run(None, {k: v.numpy() for k, v in x.items()})[0]
        assert np.abs(out - ref).max() < tol, name
    model = onnx.load(str(d / f"{system}.onnx"))
    meta = get_metadata(model)
    assert meta["poce_rt.system"] == system and int(meta["poce_rt.opset"]) >= 17
    if system == "gafet":   # the deformation and MFAT's attention, and softmax kept fp32 in fp16
        assert {"GridSample", "Softmax", "MatMul"} <= {n.op_type for n in model.graph.node}
        m16 = onnx.load(str(d / "gafet.fp16.onnx"))
        types = {vi.name: vi.type.tensor_type.elem_type for vi in m16.graph.value_info}
        soft = [n for n in m16.graph.node if n.op_type == "Softmax"]
        assert soft and all(types.get(n.output[0], onnx.TensorProto.FLOAT) == onnx.TensorProto.FLOAT for n in soft)


@pytest.mark.slow
@pytest.mark.parametrize("system", ["f3a", "gafet"])
def test_engines_build(system, model_dirs, tmp_path):
    from test_engines import can_build

    if not can_build:
        pytest.skip("cannot build engines on this machine")
    from poce_rt.backends.engines import EngineCache

    cache = EngineCache(tmp_path, progress=False)
    for name, prec in ((f"{system}.onnx", "fp32"), (f"{system}.fp16.onnx", "fp16")):
        p = cache.get(model_dirs[system] / name, prec)
        assert p.stat().st_size > 0 and cache.get(model_dirs[system] / name, prec) == p
    assert cache.builds == 2


@pytest.fixture(scope="module")
def photo(real_image):
    return real_image("single_face.jpg")


@pytest.fixture(scope="module")
def jobs(photo, flow_frames):
    """A CropJob per system (a smile asked for, astronaut as the reference) and the CropEditor."""
    from poce_rt.assets import data_path, load_image
    from poce_rt.pipeline import Source
    from poce_rt.systems.crop import CropEditor

    class Probe:  # a runner that only records the job it is given
        crop_size = 64

        def run(self, job):
            self.job = job
            return job.crop

    probe = Probe()
    ref_img = load_image(data_path("astronaut"))
    with CropEditor(runner=probe) as ed:
        ref = Source(ref_img, ed.editor.track(ref_img), None, None, None)
        ed.edit(photo, expression={"mouthSmileLeft": 0.6, "mouthSmileRight": 0.6}, reference=ref)
    return probe.job


@pytest.mark.slow
@pytest.mark.parametrize("system", ["f3a", "gafet"])
def test_runner_onnxruntime_matches_torch(system, jobs, f3a_dir, gafet_dir):
    from poce_rt.systems.crop import load_runner

    d = f3a_dir if system == "f3a" else gafet_dir
    ort_runner, torch_runner = load_runner(d, backend="onnxruntime"), load_runner(d, backend="torch")
    assert (ort_runner.backend, torch_runner.backend) == ("onnxruntime", "torch")
    a, b = ort_runner.run(jobs), torch_runner.run(jobs)
    assert a.shape == (64, 64, 3) and a.dtype == np.float32
    np.testing.assert_allclose(a, b, atol=1e-4)
    assert not np.allclose(a, jobs.crop, atol=1e-3)   # the network ran (it is not the identity)


@pytest.mark.slow
def test_f3a_continuous_animation(jobs, f3a_dir):
    from poce_rt.systems.crop import load_runner

    r = load_runner(f3a_dir, backend="onnxruntime")
    frames = r.animate(jobs, [1.0, 0.5, 0.0])
    assert len(frames) == 3 and all(f.shape == (64, 64, 3) for f in frames)
    np.testing.assert_allclose(frames[2], r.run(jobs), atol=1e-6)       # theta 0: the target itself
    still = r.run_flow(jobs.crop, r.flow_input(jobs.source_vertices, jobs.source_vertices, jobs.triangles))
    np.testing.assert_allclose(frames[0], still, atol=1e-6)              # theta 1: no motion
    f_half = r.flow_input(jobs.source_vertices, 0.5 * (jobs.source_vertices + jobs.target_vertices))
    f_full = r.flow_input(jobs.source_vertices, jobs.target_vertices)
    np.testing.assert_allclose(f_half[:, :3], 0.5 * f_full[:, :3], atol=1e-5)  # Eq. 3: half way, half the flow


@pytest.mark.slow
def test_edit_and_eval_through_the_cli(f3a_dir, gafet_dir, tmp_path, photo):
    from poce_rt.assets import data_path
    from poce_rt.cli import main

    src, ref = str(data_path("single_face.jpg")), str(data_path("astronaut"))
    for d in (f3a_dir, gafet_dir):
        out = tmp_path / f"{d.name}.png"
        assert main(["edit", src, "--model", str(d), "--reference", ref, "-o", str(out)]) == 0
        import cv2
        assert cv2.imread(str(out)).shape == photo.shape
    js = tmp_path / "eval.json"
    assert main(["eval", src, "--model", str(f3a_dir), "--model", str(gafet_dir), "--reference", ref,
                 "--json", str(js)]) == 0
    doc = json.loads(js.read_text())
    assert [m["system"] for m in doc["methods"]] == ["f3a", "gafet"]
    for m in doc["methods"]:
        assert {"ied", "exd"} <= set(m["mean"]) and m["images"] == 1


@pytest.mark.slow
@pytest.mark.parametrize("system", ["f3a"])   # gafet: the same contract over train_gafet, which its fixture runs
def test_train_tiny_three_steps_through_the_cli(system, tmp_path, one_torch_thread):
    from poce_rt.assets import data_path
    from poce_rt.cli import main

    out = tmp_path / system
    photos = [str(data_path(n)) for n in ("single_face.jpg", "astronaut")]
    assert main(["train", system, *photos, "--out", str(out), "--preset", "tiny", "--steps", "3",
                 "--sample-every", "0"]) == 0
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["system"] == system and cfg[system]["size"] == 64
    assert (out / f"{system}.safetensors").is_file()
    assert systems.system_of(out).name == system


@pytest.mark.slow
def test_f3a_reenacts_a_driver_video(f3a_dir, photo):
    from poce_rt.assets import data_path
    from poce_rt.systems.flow import reenact_frames
    from poce_rt.train.dataset import iter_frames

    driver = (f for i, f in iter_frames(data_path("single_face.mp4"), every=10) if i < 30)
    frames = list(reenact_frames(f3a_dir, photo, driver, backend="onnxruntime"))
    assert len(frames) == 3 and all(f.shape == photo.shape and f.dtype == np.uint8 for f in frames)
    assert any((f != photo).any() for f in frames)


@pytest.mark.slow
def test_cli_reenact_with_a_crop_model_writes_the_frames(f3a_dir, tmp_path):
    """`poce-rt reenact --model F3A_DIR`: the CLI's loop, sink and summary serve a crop-space system."""
    import cv2

    from poce_rt.assets import data_path
    from poce_rt.cli import main

    out = tmp_path / "f3a.mp4"
    assert main(["reenact", "--source", str(data_path("single_face.jpg")), "--driver",
                 str(data_path("single_face.mp4")), "--model", str(f3a_dir), "--backend", "onnxruntime",
                 "--max-frames", "4", "-o", str(out)]) == 0
    cap = cv2.VideoCapture(str(out))
    frames = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        frames.append(f)
    cap.release()
    src = cv2.imread(str(data_path("single_face.jpg")))
    assert len(frames) == 4 and frames[0].shape == src.shape
    assert max(float(np.abs(f.astype(np.float32) - src).mean()) for f in frames) > 0.5
