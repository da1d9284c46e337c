"""Cascade EF-GAN and LEED: networks per preset, a short CPU training on real face crops, ONNX
parity with torch, engines, and a trained tiny model driving `poce-rt edit` and `poce-rt eval`."""
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from poce_rt import systems  # noqa: E402
from poce_rt.systems import presets  # noqa: E402


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny convolutions on a busy 2-core machine: one torch thread is several times faster."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def crops(tmp_path_factory):
    """64px face crops of a real video (a held-out tail) and two photos."""
    from poce_rt.assets import data_path
    from poce_rt.train.common import FaceCrops, crop_datasets

    out = tmp_path_factory.mktemp("crops")
    dirs = crop_datasets([data_path("WolfgangLanger_Pexels.mp4"), data_path("0-f1-su-ph.jpg"),
                          data_path("45-m7-di-ph.jpg")], out, 64, out / "crops", every=20)
    ds = FaceCrops(dirs)
    assert len(ds) >= 20 and ds.crops.shape[1:] == (3, 64, 64)
    return ds


def _params(m):
    return sum(p.numel() for p in m.parameters())


# ---- networks -----------------------------------------------------------------------------------
def test_cascade_ef_shapes_and_params():
    from poce_rt.models.cascade_ef import CascadeEF, Critic
    from poce_rt.train.cascade_ef import make_config

    counts = {}
    for name in ("tiny", "paper"):
        cfg = make_config(presets.cascade_ef()[name]["cascade-ef"])
        net = CascadeEF(cfg)
        counts[name] = _params(net)
        assert len(net.stages) == 3 and len(net.stages[0].local) == 3
        s = cfg.crop_size
        assert [list(b[2:]) for b in cfg.boxes()] == ([[40, 92], [40, 48], [40, 60]] if s == 128 else
                                                [[20, 48], [20, 24], [20, 32]])
        if name == "tiny":
            x = torch.rand(2, 3, s, s) * 2 - 1
            outs, codes, atts = net.run(x, torch.rand(2, 52), torch.rand(2, 52))
            assert [o.shape for o in outs] == [(2, 3, s, s)] * 3 and len(codes) == 3
            assert atts[0][0].shape == (2, 1, s, s) and atts[0][1].shape == (2, 1, 20, 48)
            real, cls = Critic(cfg)(x)
            assert real.shape == (2,) and cls.shape == (2, 52)
    assert counts == {"tiny": 303672, "paper": 45174448}, counts


def test_leed_shapes_and_params():
    from poce_rt.models.leed import LEED, LEEDConfig

    counts = {}
    for name in ("tiny", "paper"):
        cfg = LEEDConfig.from_dict(presets.leed()[name]["leed"])
        net = LEED(cfg)
        counts[name] = _params(net)
        if name == "tiny":
            s, d = cfg.crop_size, cfg.code_dim
            c, cn = net.encode(torch.rand(2, 3, s, s) * 2 - 1)
            assert c.shape == cn.shape == (2, d)
            assert net.edit(cn, c, cn, torch.full((2, 1), 1.5)).shape == (2, 3, s, s)
    assert counts == {"tiny": 134510, "paper": 24545862}, counts


# ---- training: each loss falls on held-out crops ----------------------------------------------------
HELD_OUT = 4


def _split(ds):
    """The first crops train, the last HELD_OUT (the video's end and the two photos) are held out."""
    from poce_rt.train.common import FaceCrops

    train = FaceCrops.__new__(FaceCrops)
    train.crops, train.masks, train.codes, train.size = (ds.crops[:-HELD_OUT], ds.masks[:-HELD_OUT],
                                                         ds.codes[:-HELD_OUT], ds.size)
    return train, range(len(ds) - HELD_OUT, len(ds))


def _train_briefly(crops, out, heldout, fresh, train, trained, export, steps):
    """Held-out losses of a fresh network, `steps` of training at the tiny preset on the other crops,
    the held-out losses of the trained one, the export. -> (out, before, after, last losses)."""
    torch.set_num_threads(1)
    train_set, held = _split(crops)
    torch.manual_seed(0)
    before = heldout(fresh(), crops, held)
    last = train([], out, steps=steps, batch=4, sample_every=0, save_every=steps, log_every=10, progress=False,
                 dataset=train_set)
    after = heldout(trained(), crops, held)
    export(out, progress=None)
    return out, before, after, last


@pytest.fixture(scope="module")
def cascade_dir(crops, tmp_path_factory):
    """A Cascade EF-GAN trained briefly at the tiny preset (both phases of Sec. 3.3), exported."""
    from poce_rt.export.systems import export_cascade_ef
    from poce_rt.train import cascade_ef as ce

    cfg = ce.make_config(presets.cascade_ef()["tiny"]["cascade-ef"])
    out = tmp_path_factory.mktemp("cascade")
    return _train_briefly(crops, out, ce.heldout_losses, lambda: ce.CascadeEF(cfg),
                          lambda *a, **k: ce.train_cascade_ef(*a, cfg=cfg.to_dict(), **k),
                          lambda: ce.load_cascade_ef(out).train(), export_cascade_ef, 40)


@pytest.fixture(scope="module")
def leed_dir(crops, tmp_path_factory):
    """LEED trained briefly at the tiny preset (the neutraliser, then the rest), exported."""
    from poce_rt.export.systems import export_leed
    from poce_rt.models.leed import LEEDConfig
    from poce_rt.train import leed as tl
    from poce_rt.train.common import load_train_state

    cfg = LEEDConfig.from_dict(presets.leed()["tiny"]["leed"])
    out = tmp_path_factory.mktemp("leed")

    def trained():
        t = tl.Trainee(cfg)
        load_train_state(out / tl.TRAIN_STATE, {"net": t}, {})
        return t

    return _train_briefly(crops, out, tl.heldout_losses, lambda: tl.Trainee(cfg),
                          lambda *a, **k: tl.train_leed(*a, cfg=cfg.to_dict(), **k), trained, export_leed, 80)


def test_cascade_ef_training_lowers_its_losses(cascade_dir):
    out, before, after, last = cascade_dir
    print("cascade-ef held-out", before, "->", after)
    for k in before:
        assert after[k] < before[k], (k, before, after)
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["system"] == "cascade-ef" and systems.system_of(out).name == "cascade-ef"
    assert all(np.isfinite(v) for v in last.values())


def test_leed_training_lowers_its_losses(leed_dir):
    out, before, after, last = leed_dir
    print("leed held-out", before, "->", after)
    for k in before:
        assert after[k] < before[k], (k, before, after)
    assert systems.system_of(out).name == "leed"


# ---- export, backends, engines, the commands ----------------------------------------------------------
@pytest.mark.parametrize("which", ["cascade", "leed"])
def test_onnxruntime_matches_torch(which, cascade_dir, leed_dir, astronaut, tracker):
    """The same job through the exported fp32 graphs (ONNX Runtime) and the torch modules."""
    import onnx

    from poce_rt.pipeline import Editor
    from poce_rt.systems.crop import CropEditor, load_runner

    out = (cascade_dir if which == "cascade" else leed_dir)[0]
    system = systems.system_of(out)
    for stem in system.graphs:
        m = onnx.load(str(out / f"{stem}.onnx"))
        assert m.opset_import[0].version >= 17 and (out / f"{stem}.fp16.onnx").is_file()
    ort, ref = load_runner(out, "onnxruntime"), load_runner(out, "torch")
    assert (ort.backend, ref.backend) == ("onnxruntime", "torch")
    with Editor(tracker=tracker) as editor:
        ed = CropEditor(runner=ort, editor=editor)
        face = tracker.track(astronaut)[0]
        from poce_rt.pipeline import Source

        src = Source(astronaut, face, None, None, None)
        ref_src = Source(astronaut[:, ::-1].copy(), tracker.track(astronaut[:, ::-1].copy())[0], None, None, None)
        plan = editor.plan(src, {"jawOpen": 0.4} if which == "cascade" else None, reference=None
                           if which == "cascade" else ref_src, intensity=0.8)
        job = ed.job(astronaut, face, plan, intensity=0.8)
    a, b = ort.run(job), ref.run(job)
    assert a.shape == (64, 64, 3)
    np.testing.assert_allclose(a, b, atol=1e-4)


def test_engines_build(cascade_dir, leed_dir, tmp_path):
    from poce_rt.cli import main

    try:
        from poce_rt.backends.trt import import_tensorrt

        _, flavour = import_tensorrt()
    except Exception:   # noqa: BLE001 - no TensorRT flavour here
        pytest.skip("no TensorRT flavour installed")
    if flavour != "tensorrt_rtx":
        from poce_rt.backends.trt import gpu_info

        if gpu_info()["count"] == 0:
            pytest.skip("cannot build engines on this machine")
    for d in (cascade_dir[0], leed_dir[0]):
        assert main(["engines", "build", str(d), "--precision", "fp32", "--engine-dir", str(tmp_path)]) == 0
    assert len(list(tmp_path.glob("*.engine"))) == 3     # cascade_ef, leed_encoder, leed_edit


def test_trained_models_drive_edit_and_eval(cascade_dir, leed_dir, tmp_path, astronaut):
    pytest.importorskip("dlib")
    from poce_rt.assets import data_path, load_image
    from poce_rt.cli import main

    photo, ref = str(data_path("astronaut")), str(data_path("15-f13-anc-ph.jpg"))
    out = tmp_path / "o.png"
    assert main(["edit", photo, "--model", str(cascade_dir[0]), "--expr", "jawOpen=0.5", "-o", str(out)]) == 0
    assert load_image(out).shape == astronaut.shape
    assert main(["edit", photo, "--model", str(leed_dir[0]), "--reference", ref, "--intensity", "1.5",
                 "-o", str(out)]) == 0
    assert load_image(out).shape == astronaut.shape
    assert main(["edit", photo, "--model", str(leed_dir[0]), "--expr", "jawOpen=0.5", "-o", str(out)]) == 2
    js = tmp_path / "e.json"
    assert main(["eval", photo, "--model", str(cascade_dir[0]), "--model", str(leed_dir[0]), "--reference", ref,
                 "--json", str(js)]) == 0
    doc = json.loads(js.read_text())
    assert [m["system"] for m in doc["methods"]] == ["cascade-ef", "leed"]
    for m in doc["methods"]:
        assert {"ied", "exd", "pose_err_deg", "psnr", "ssim", "seconds"} <= set(m["mean"])
        assert m["images"] == 1 and len(m["per_image"]) == 1
