"""F3A-GAN: architecture per preset, Eq. 4, fade-in, two-stage training, ONNX parity, engines."""
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from poce_rt.models.f3a import PRESETS, F3AGenerator, F3APatchCritic, HierarchicalManipulation, param_count  # noqa: E402
from poce_rt.train.f3a import fade_alphas  # noqa: E402

# Pinned so that an accidental change of the architecture shows (update with the reason if meant).
PARAMS = {"tiny": (141_927, 25_713), "paper": (8_163_539, 1_710_017)}


@pytest.mark.parametrize("preset", ["tiny", "paper"])
def test_shapes_and_parameter_counts(preset):
    cfg = PRESETS[preset]
    gen, disc = F3AGenerator(cfg).eval(), F3APatchCritic(cfg)
    s = cfg.size
    with torch.no_grad():
        y = gen(torch.rand(1, 3, s, s) * 2 - 1, torch.zeros(1, 4, s, s))
        d = disc(y)
    assert y.shape == (1, 3, s, s) and y.abs().max() <= 1
    assert d.shape == (1, 1, s // 2 ** len(cfg.disc_channels), s // 2 ** len(cfg.disc_channels))
    assert (param_count(gen), param_count(disc)) == PARAMS[preset]
    assert [h.shape[-1] for h in gen.encoder_features(torch.zeros(1, 3, s, s))] == \
        [s >> i for i in range(cfg.levels)]


def test_manipulation_is_eq4():
    torch.manual_seed(0)
    m = HierarchicalManipulation(6, 3, 8)
    torch.nn.init.normal_(m.gamma.weight)
    h_dec, h_enc, h_flow = torch.randn(2, 6, 5, 5), torch.randn(2, 6, 5, 5) * 3 + 1, torch.randn(2, 3, 5, 5)
    a = m.shared(h_flow)
    mu = h_enc.mean(dim=(2, 3), keepdim=True)
    sigma = torch.sqrt(h_enc.var(dim=(2, 3), unbiased=False, keepdim=True) + 1e-5)
    want = h_dec * ((1 + m.gamma(a)) * (h_enc - mu) / sigma + m.beta(a))
    torch.testing.assert_close(m(h_dec, h_enc, h_flow), want, atol=1e-5, rtol=1e-5)


def test_fade_in_grows_deepest_first():
    assert fade_alphas(0.0, 3).tolist() == [0, 0, 0]
    assert fade_alphas(0.5, 3).tolist() == pytest.approx([0, 0.5, 1])   # index 2 = the deepest level
    assert fade_alphas(1.0, 3).tolist() == [1, 1, 1]


def test_flow_changes_the_output():
    cfg = PRESETS["tiny"]
    gen = F3AGenerator(cfg).eval()
    torch.nn.init.normal_(gen.manip[1].gamma.weight, std=0.5)
    x = torch.rand(1, 3, 64, 64) * 2 - 1
    f = torch.zeros(1, 4, 64, 64)
    with torch.no_grad():
        a = gen(x, f)
        f[:, 1, 20:40, 20:40] = 0.2
        b = gen(x, f)
    assert (a - b).abs().max() > 1e-3


def _log(model_dir, stage):
    return [json.loads(line) for line in (model_dir / "train_log.jsonl").read_text().splitlines()
            if json.loads(line)["stage"] == stage]


@pytest.mark.slow
def test_tiny_training_makes_the_losses_fall(f3a_dir):
    recon = _log(f3a_dir, "f3a_recon")
    flow = _log(f3a_dir, "f3a_flow")
    assert [r["step"] for r in recon] == [5, 10, 15, 20, 25, 30] and flow[-1]["step"] == 60
    first, last = np.mean([r["g_wp"] for r in recon[:2]]), np.mean([r["g_wp"] for r in recon[-2:]])
    assert last < 0.8 * first, (first, last)
    assert all(np.isfinite(r["g_total"]) and "g_perc" in r and "g_adv" in r for r in flow)
    cfg = json.loads((f3a_dir / "config.json").read_text())
    assert cfg["system"] == "f3a" and cfg["f3a"]["size"] == 64
