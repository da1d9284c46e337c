"""Dataset builder, training loops, checkpoints, CLI; a slow real-data training test."""
import argparse
import json

import numpy as np
import pytest
import torch

from poce_rt.models import io as mio
from poce_rt.models.config import CompletionConfig, EditingConfig
from poce_rt.train.dataset import UVDataset, build_dataset, read_manifest, write_arrays

from test_models import SMALL_C, SMALL_E


def _synthetic(n=6, s=64, seed=0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:s, 0:s] / s
    face = np.stack([xx, yy, 0.5 + 0 * xx], -1).astype(np.float32)
    uv = np.clip(face[None] + 0.05 * rng.standard_normal((n, s, s, 3)), 0, 1).astype(np.float32)
    mask = np.zeros((n, s, s), np.float32)
    for i in range(n):
        mask[i, 4:s - 4, 4 + i:s - 4] = 1
    return uv, mask, rng.random((n, 52)).astype(np.float32)


class _FakeFace:
    def __init__(self, k):
        self.vertices = np.zeros((468, 3), np.float32)
        self.blendshapes = np.full(52, k / 10, np.float32)


class _FakeTracker:
    """Finds a face unless the image is all black."""

    def track(self, img):
        return [] if img.max() == 0 else [_FakeFace(int(img[0, 0, 0]))]


def _fake_sampler(fail_after=None):
    calls = {"n": 0}

    def sample(img, face):
        calls["n"] += 1
        if fail_after is not None and calls["n"] > fail_after:
            raise KeyboardInterrupt("simulated crash")
        uv = np.full((32, 32, 3), img[0, 0, 0] / 255, np.float32)
        return uv, np.ones((32, 32), np.float32)
    return sample


def _images(tmp_path, n=7):
    import cv2
    d = tmp_path / "imgs"
    d.mkdir()
    for i in range(n):
        img = np.full((40, 40, 3), 10 * (i + 1), np.uint8) if i % 3 else np.zeros((40, 40, 3), np.uint8)
        cv2.imwrite(str(d / f"{i:02d}.png"), img)
    return d


def test_build_dataset_counts_and_resumes(tmp_path):
    d = _images(tmp_path)                                   # 7 images, 0, 3, 6 have no face
    out = tmp_path / "ds"
    with pytest.raises(KeyboardInterrupt):
        build_dataset([d], out, tracker=_FakeTracker(), sample_fn=_fake_sampler(fail_after=2),
                      shard_size=1, progress=False)
    partial = read_manifest(out)
    assert sum(s["n"] for s in partial["shards"]) == 2
    rep = build_dataset([d], out, tracker=_FakeTracker(), sample_fn=_fake_sampler(), shard_size=1, progress=False)
    assert (rep.frames, rep.no_face, rep.new_frames) == (4, 3, 2)
    again = build_dataset([d], out, tracker=_FakeTracker(), sample_fn=_fake_sampler(), progress=False)
    assert again.new_frames == 0 and again.frames == 4
    ds = UVDataset(out)
    uv, mask, code = ds.get([0, 1])
    assert uv.shape == (2, 3, 32, 32) and mask.shape == (2, 1, 32, 32) and code.shape == (2, 52)
    assert torch.allclose(code[0], torch.full((52,), 2.0))   # first image with a face (01.png) has value 20
    with pytest.raises(FileNotFoundError):
        build_dataset([tmp_path / "missing"], out, tracker=_FakeTracker(), sample_fn=_fake_sampler())


def test_uv_dataset_resize_keeps_masks_strict(tmp_path):
    uv, mask, code = _synthetic(2, 64)
    write_arrays(tmp_path, uv, mask, code)
    ds = UVDataset(tmp_path, size=32)
    u, m, _ = ds.get([0])
    assert u.shape == (1, 3, 32, 32) and u.min() >= -1 and u.max() <= 1
    assert set(m.unique().tolist()) <= {0.0, 1.0}
    assert m[0, 0, 2, 5] == 1 and m[0, 0, 1, 5] == 0         # rows 4..59 valid -> 2..29 at half size
    assert ds.footprint().shape == (1, 1, 32, 32)


def test_train_completion_then_editing_resume(tmp_path):
    from poce_rt.train.completion import train_completion
    from poce_rt.train.editing import train_editing
    data = tmp_path / "data"
    write_arrays(data, *_synthetic(6, 64))
    out = tmp_path / "model"
    with pytest.raises(mio.ModelDirError, match="completion"):
        train_editing([data], out, steps=1, cfg=SMALL_E, progress=False)
    train_completion([data], out, steps=3, batch=2, cfg=SMALL_C, sample_every=2, save_every=2, log_every=1,
                     progress=False)
    assert (out / "completion.safetensors").is_file() and (out / "config.json").is_file()
    assert (out / "samples" / "completion_0000002.png").is_file()
    train_completion([data], out, steps=5, batch=2, sample_every=0, log_every=1, progress=False)   # resume
    steps = [json.loads(l)["step"] for l in (out / "train_log.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="another config"):
        train_completion([data], out, steps=6, cfg=CompletionConfig(uv_size=64, id_dim=8, enc_channels=(8,),
                         gen_channels=(8, 8, 8), disc_channels=(8,)), progress=False)
    losses = train_editing([data], out, steps=2, batch=2, cfg=SMALL_E, sample_every=2, log_every=1,
                           progress=False)
    assert all(np.isfinite(v) for v in losses.values())
    assert (out / "samples" / "editing_0000002.png").is_file()
    cfg, comp, ed = mio.load_model_dir(out)
    assert cfg.completion == SMALL_C and cfg.editing == SMALL_E and comp is not None and ed is not None
    # the completion net carries the data footprint: texels never seen are -1 in its output
    uv, mask, _ = UVDataset(data).get([0])
    with torch.no_grad():
        assert (comp(uv, mask)[..., 0, 0] == -1).all()


def test_cli_registers_train_commands(tmp_path):
    from poce_rt.cli.train import add_parser
    ap = argparse.ArgumentParser()
    add_parser(ap.add_subparsers(dest="cmd"))
    a = ap.parse_args(["train", "completion", "d1", "d2", "--out", "m", "--steps", "7", "--batch", "3",
                       "--device", "cpu", "--sample-every", "5"])
    assert (a.data, a.out, a.steps, a.batch, a.device, a.sample_every) == (["d1", "d2"], "m", 7, 3, "cpu", 5)
    assert ap.parse_args(["train", "editing", "d", "--out", "m"]).batch == 4
    data = tmp_path / "data"
    write_arrays(data, *_synthetic(4, 64))
    cfgfile = tmp_path / "c.json"
    cfgfile.write_text(SMALL_C.to_json())
    a = ap.parse_args(["train", "completion", str(data), "--out", str(tmp_path / "m"), "--steps", "1",
                       "--sample-every", "0", "--config", str(cfgfile)])
    assert a.func(a) == 0 and (tmp_path / "m" / "completion.safetensors").is_file()


# ---- real data -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def wolfgang_dataset(tmp_path_factory):
    from poce_rt.assets import data_path
    pytest.importorskip("poce_rt.stages")
    out = tmp_path_factory.mktemp("wl")
    rep = build_dataset([data_path("WolfgangLanger_Pexels.mp4")], out, every=2, progress=False)
    assert rep.frames > 200
    return out


REAL_S = 64
# lr 1e-3 (the paper's 1e-4 is for its 100-epoch runs): these runs last seconds on a CPU.
REAL_C = CompletionConfig(uv_size=REAL_S, id_dim=64, enc_channels=(16, 32, 64, 64), gen_channels=(64, 32, 16),
                          disc_channels=(16, 32, 64), local_channels=8, lr=1e-3)
REAL_E = EditingConfig(uv_size=REAL_S, const_channels=32, gen_channels=(32, 64, 32, 16),
                       map_channels=(16, 32, 64, 64), disc_channels=(16, 32, 64, 64))


@pytest.fixture
def two_threads():
    """These runs on 2 torch threads (the CI machine's cores), the suite's own count given back after."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


@pytest.mark.slow
def test_real_completion_beats_fallback_on_held_out_texels(wolfgang_dataset, tmp_path, two_threads):
    from poce_rt.complete import complete_uv_fallback
    from poce_rt.stages import geometry
    from poce_rt.train.completion import train_completion
    K = len(UVDataset(wolfgang_dataset, size=REAL_S))
    ntest = K // 10                                        # the last 10% of the video is held out
    train = UVDataset(wolfgang_dataset, size=REAL_S, indices=range(K - ntest))
    test = UVDataset(wolfgang_dataset, size=REAL_S, indices=range(K - ntest, K))
    train_completion(None, tmp_path, steps=600, batch=8, cfg=REAL_C, dataset=train, sample_every=0,
                     progress=False)
    _, net, _ = mio.load_model_dir(tmp_path)
    layout = geometry(REAL_S).layout
    uv, mask, _ = test.get(range(len(test)))
    rng = np.random.default_rng(0)
    e_net, e_fb = [], []
    for b in range(len(test)):
        m = mask[b, 0].numpy()
        for _ in range(3):                                  # 12x12 holes cut into visible texels
            while True:
                y, x = rng.integers(8, REAL_S - 20, 2)
                hole = np.zeros_like(m)
                hole[y:y + 12, x:x + 12] = 1
                hole *= m
                if hole.sum() > 100:
                    break
            mh = (m * (1 - hole)).astype(np.float32)
            with torch.no_grad():
                out = (net(uv[b:b + 1], torch.from_numpy(mh)[None, None])[0] + 1) / 2
            gt = ((uv[b] + 1) / 2).permute(1, 2, 0).numpy()
            fb = complete_uv_fallback(gt.copy(), mh, layout)
            h = hole > 0
            e_net.append(np.abs(out.permute(1, 2, 0).numpy() - gt)[h].mean())
            e_fb.append(np.abs(fb - gt)[h].mean())
    # measured here: 0.055-0.057 vs 0.061 (untrained: 0.062, the prior alone; the paper's literal Eq. 5: 0.087)
    print(f"held-out L1: network {np.mean(e_net):.4f}, fallback {np.mean(e_fb):.4f}")
    assert np.mean(e_net) < np.mean(e_fb), (np.mean(e_net), np.mean(e_fb))


@pytest.mark.slow
def test_real_editing_cycle_loss_halves(wolfgang_dataset, tmp_path, two_threads):
    from poce_rt.train.completion import train_completion
    from poce_rt.train.editing import train_editing
    ds = UVDataset(wolfgang_dataset, size=REAL_S)
    train_completion(None, tmp_path, steps=20, batch=4, cfg=REAL_C, dataset=ds, sample_every=0, progress=False)
    train_editing(None, tmp_path, steps=150, batch=4, cfg=REAL_E, dataset=ds, sample_every=0, log_every=5,
                  progress=False)
    cyc = [json.loads(l)["g_cyc"] for l in (tmp_path / "train_log.jsonl").read_text().splitlines()
           if json.loads(l)["stage"] == "editing"]
    first, last = np.mean(cyc[:2]), np.mean(cyc[-3:])
    assert last < 0.5 * first, (first, last)
