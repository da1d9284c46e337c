"""POCE losses (Eq. 1-5, 9-13): gradient penalty by hand, symmetry pairing, finiteness."""
import torch

from poce_rt.models.completion import PatchDiscriminator, UVCompletion, crop_macro, mirror_macro_index
from poce_rt.models.config import CompletionConfig, EditingConfig
from poce_rt.models.editing import EditDiscriminator, Editor
from poce_rt.models.losses import (completion_d_loss, completion_g_loss, content_loss, editing_d_loss,
                                   editing_g_loss, gradient_penalty, symmetry_loss, wgan_d, wgan_g)

from test_models import SMALL_C, SMALL_E


def test_gradient_penalty_linear_critic():
    """D(x) = <w, x>: grad = w everywhere, so GP = (||w|| - 1)^2 = (3 - 1)^2 = 4."""
    w = torch.zeros(2, 4, 4)
    w[0, 0, 0], w[1, 2, 3] = 2.0, 5 ** 0.5                      # ||w|| = 3
    critic = lambda x: (x * w).flatten(1).sum(1)                  # noqa: E731
    real, fake = torch.randn(5, 2, 4, 4), torch.randn(5, 2, 4, 4)
    assert torch.allclose(gradient_penalty(critic, real, fake), torch.tensor(4.0))


def test_gradient_penalty_quadratic_critic_hand_computed():
    """D(x) = ||x||^2 / 2: grad = x_hat, GP = mean((||x_hat|| - 1)^2) with x_hat known from alpha."""
    critic = lambda x: 0.5 * x.pow(2).flatten(1).sum(1)           # noqa: E731
    real = torch.tensor([[3.0, 4.0], [0.0, 0.0]])
    fake = torch.tensor([[0.0, 0.0], [0.0, 2.0]])
    alpha = torch.tensor([[0.5], [0.25]])
    # x_hat = [[1.5, 2], [0, 1.5]] -> norms 2.5, 1.5 -> ((1.5)^2 + (0.5)^2) / 2 = 1.25
    assert torch.allclose(gradient_penalty(critic, real, fake, alpha), torch.tensor(1.25))
    # it is differentiable w.r.t. the critic's parameters (create_graph)
    s = torch.tensor(2.0, requires_grad=True)
    gp = gradient_penalty(lambda x: s * x.sum(1), real, fake, alpha)   # grad = s*[1,1], norm = 2*sqrt2
    gp.backward()
    assert torch.allclose(s.grad, torch.tensor(2 * (2 * 2 ** 0.5 - 1) * 2 ** 0.5))


class _CropNet:
    """Stand-in for UVCompletion whose 'generated' macro patches are crops of a fixed image."""

    def __init__(self, img, cfg):
        self.img, self.cfg = img, cfg

    def generate_macro(self, z, idx):
        return crop_macro(self.img.expand(len(idx), -1, -1, -1), idx, self.cfg)


def test_symmetry_loss_pairs_true_mirror():
    cfg = SMALL_C
    half = torch.rand(1, 3, 64, 32)
    sym_img = torch.cat([half, half.flip(-1)], dim=-1)            # mirror-symmetric about u = 0.5
    net = _CropNet(sym_img, cfg)
    idx = torch.tensor([[i, j] for i in range(3) for j in range(3)])
    mirrored = net.generate_macro(None, mirror_macro_index(cfg, idx))
    patches = net.generate_macro(None, idx)
    assert symmetry_loss(patches, mirrored) == 0                   # exact pairing -> zero for a symmetric face
    # pairing a patch with itself (or with a wrong column) would not be zero
    assert symmetry_loss(patches[[0]], patches[[0]]) > 0.01
    wrong = idx.clone()
    wrong[:, 1] = (wrong[:, 1] + 1) % 3
    assert symmetry_loss(patches, net.generate_macro(None, wrong)) > 0.01
    # completion_g_loss uses that mirror: patch (1, 0) vs flip(patch (1, 2)) by hand
    img = torch.rand(1, 3, 64, 64)
    p, q = crop_macro(img, torch.tensor([[1, 0]]), cfg), crop_macro(img, torch.tensor([[1, 2]]), cfg)
    assert torch.allclose(symmetry_loss(p, q), (p - q.flip(-1)).abs().mean())


def test_symmetry_loss_hidden_and_high_pass():
    torch.manual_seed(0)
    p = torch.rand(2, 3, 32, 32)
    lit = p.flip(-1) + 0.3                                          # same structure, brighter light
    assert symmetry_loss(p, lit) > 0.25
    assert symmetry_loss(p, lit, window=9) < 1e-5                   # high-pass: lighting offset ignored
    hidden = torch.zeros(2, 1, 32, 32)
    assert symmetry_loss(p, torch.rand(2, 3, 32, 32), hidden=hidden) == 0
    hidden[..., :8, :8] = 1
    q = torch.rand(2, 3, 32, 32)
    ref = ((p - q.flip(-1)) * hidden).abs().flatten(1).sum(1).mean()
    assert torch.allclose(symmetry_loss(p, q, "sum", hidden=hidden), ref)


def test_content_loss_ignores_invalid_texels():
    a, b = torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 4)
    b[..., :2] = 100.0
    m = torch.ones(1, 1, 4, 4)
    m[..., :2] = 0
    assert content_loss(a, b, m) == 0
    b[..., 3] = 0.5
    assert torch.allclose(content_loss(a, b, m), torch.tensor(0.25))   # mean over the valid texels


def test_wgan_signs():
    real, fake = torch.tensor([2.0, 4.0]), torch.tensor([1.0])
    assert wgan_d(real, fake) == -2.0 and wgan_g(fake) == -1.0


def _finite(d):
    return all(torch.isfinite(v).all() for v in d.values())


def test_completion_losses_finite_and_weighted():
    torch.manual_seed(0)
    cfg = SMALL_C
    net, disc = UVCompletion(cfg), PatchDiscriminator(cfg)
    uv, mask = torch.rand(3, 3, 64, 64) * 2 - 1, (torch.rand(3, 1, 64, 64) > 0.2).float()
    fake_idx = torch.randint(3, (3, 2))
    real_idx = torch.randint(3, (4, 2))
    real = crop_macro(uv[[0, 1, 2, 0]], real_idx, cfg)
    ld = completion_d_loss(net, disc, uv, mask, fake_idx, real, real_idx, cfg)
    lg = completion_g_loss(net, disc, uv, mask, fake_idx, cfg)
    assert _finite(ld) and _finite(lg)
    assert torch.allclose(ld["total"], ld["d_adv"] + 100 * ld["d_gp"] + 10 * ld["d_coord"])
    assert torch.allclose(lg["total"], lg["g_adv"] + 10 * lg["g_coord"] + lg["g_cont"] + 10 * lg["g_sym"])
    (ld["total"] + lg["total"]).backward()
    for p in list(net.parameters()) + list(disc.parameters()):
        assert p.grad is None or torch.isfinite(p.grad).all()


def test_editing_losses_finite_and_weighted():
    torch.manual_seed(0)
    cfg = SMALL_E
    ed, disc = Editor(cfg), EditDiscriminator(cfg)
    uv = torch.rand(2, 3, 64, 64) * 2 - 1
    cs, ct = torch.rand(2, 52), torch.rand(2, 52)
    ld = editing_d_loss(ed, disc, uv, cs, ct, cfg)
    lg = editing_g_loss(ed, disc, uv, cs, ct, cfg)
    lg.pop("edit")
    assert _finite(ld) and _finite(lg)
    assert torch.allclose(ld["total"], ld["d_adv"] + 10 * ld["d_gp"] + ld["d_exp"])
    assert torch.allclose(lg["total"], lg["g_adv"] + lg["g_exp"] + lg["g_cyc"])
    lg["total"].backward()
    assert all(torch.isfinite(p.grad).all() for p in ed.parameters() if p.grad is not None)


def test_paper_weights_are_the_defaults():
    c, e = CompletionConfig(), EditingConfig()
    assert (c.lambda_gp, c.lambda_coord, c.lambda_cont, c.lambda_sym, c.lr, c.betas) == (100, 10, 1, 10, 1e-4, (0.0, 0.999))
    assert (e.lambda_gp, e.lambda_exp, e.lambda_cyc, e.lr, e.betas) == (10, 1, 1, 2e-4, (0.5, 0.999))
