"""Training of LEED (papers/leed.txt) on aligned face crops, without expression labels.

Stage 1 (the first `neutral_frac` of the steps, Sec. 3.4 "Pre-training GAN"): the StarGAN
neutraliser, two domains told apart by the tracker's scores (models.leed.is_expressive): WGAN-GP
adversarial + domain classification + cycle reconstruction. Then it is frozen.
Stage 2, per step: I_A and R_B are two random crops, I_N and R_N their neutralised faces.
  critic step:  the code critic, real codes E(I) against interpolated ones (Eq. 12, WGAN-GP)
  generator step: L_X = L_exp + lambda_Q L_Q (Eq. 4), L_I = L_interp + L_idt (Eq. 6-8, alpha ~ U(0,1)),
    L_Dec (Eq. 14), L_E = L_adv + lambda_recon L_recon + lambda_S L_S (Eq. 13, 15, 16), all in one
    Adam step (the paper alternates E and S; one joint step of the sum is the same fixed point).
"""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

from poce_rt.models import io as mio
from poce_rt.models.leed import (LEED, CodeCritic, DomainCritic, LEEDConfig, Regulariser, Siamese, is_expressive,
                                 multiscale_l1)
from .common import (FaceCrops, adversarial_loop, check_schedule, gradient_penalty, read_system_config,
                     save_train_state, start_crop_training)

SYSTEM = "leed"
WEIGHTS = "leed.safetensors"
TRAIN_STATE = "leed_train.safetensors"


class Trainee(torch.nn.Module):
    """The inference networks and the training-only ones (Q, S), one module for the optimiser."""

    def __init__(self, cfg: LEEDConfig):
        super().__init__()
        self.leed = LEED(cfg)
        self.q = Regulariser(cfg)
        self.s = Siamese(cfg)


def neutraliser_losses(t: Trainee, critic: DomainCritic, x, dom, cfg: LEEDConfig, d_step: bool) -> dict:
    g = t.leed.neutraliser
    fake = g(x, 1 - dom)                                  # to the other domain
    if d_step:
        real, cls = critic(x)
        fk, _ = critic(fake.detach())
        adv = fk.mean() - real.mean() + cfg.lambda_gp * gradient_penalty(critic, x, fake)
        cls_l = F.binary_cross_entropy_with_logits(cls, dom)
        return {"total": adv + cfg.lambda_cls * cls_l, "d_adv": adv, "d_cls": cls_l}
    fk, cls = critic(fake)
    cyc = (g(fake, dom) - x).abs().mean()
    cls_l = F.binary_cross_entropy_with_logits(cls, 1 - dom)
    adv = -fk.mean()
    return {"total": adv + cfg.lambda_cls * cls_l + cfg.lambda_cyc * cyc, "n_adv": adv, "n_cls": cls_l, "n_cyc": cyc}


def _codes(t: Trainee, i_a, r_b):
    """Neutral faces (frozen neutraliser) and the codes of all four images."""
    with torch.no_grad():
        i_n, r_n = t.leed.neutral(i_a), t.leed.neutral(r_b)
    e = t.leed.encoder
    return i_n, r_n, e(i_a), e(i_n), e(r_b), e(r_n)


def leed_losses(t: Trainee, code_critic: CodeCritic, i_a, r_b, f_rb, alpha, cfg: LEEDConfig) -> dict:
    """Stage 2's generator-side losses (scalar tensors; "total" to minimise)."""
    leed = t.leed
    i_n, r_n, c_ia, c_in, c_rb, c_rn = _codes(t, i_a, r_b)
    delta_star = (c_rb - c_rn).detach()                                  # Eq. 1, the pseudo label
    delta = leed.extractor(c_rb, c_rn)
    l_exp = ((delta - delta_star) ** 2).sum(1).mean()                    # Eq. 2
    l_q = t.q.nll(delta, f_rb)                                           # Eq. 3
    interp = leed.interpolator(c_in, alpha * delta)
    l_interp = ((interp - (c_in + alpha * delta)) ** 2).sum(1).mean()    # Eq. 6, second term
    l_idt = ((leed.interpolator(c_in, leed.extractor(c_ia, c_in)) - c_ia) ** 2).sum(1).mean()   # Eq. 7
    l_adv = -code_critic(interp).mean()                                  # Eq. 13 (E and I)
    l_dec = multiscale_l1(leed.decoder(c_ia.detach()), i_a)              # Eq. 14 (the decoder)
    l_recon = multiscale_l1(leed.decoder(c_ia), i_a)                     # Eq. 15 (the encoder too)
    i_b = leed.decoder(leed.interpolator(c_in, delta))
    v_r, v_i = t.s(r_b) - t.s(r_n), t.s(i_b) - t.s(i_n)                  # Eq. 9-10
    l_s = (1 - F.cosine_similarity(v_r, v_i, dim=1, eps=1e-6)).mean()    # Eq. 11, cosine distance
    total = (l_exp + cfg.lambda_q * l_q) + (l_adv + l_interp + l_idt) + l_dec \
        + cfg.lambda_recon * l_recon + cfg.lambda_s * l_s
    return {"total": total, "exp": l_exp, "q": l_q, "interp": l_interp, "idt": l_idt, "adv": l_adv,
            "dec": l_dec, "recon": l_recon, "siamese": l_s}


def code_critic_losses(t: Trainee, code_critic: CodeCritic, i_a, r_b, alpha, cfg: LEEDConfig) -> dict:
    with torch.no_grad():
        _, _, c_ia, c_in, c_rb, c_rn = _codes(t, i_a, r_b)
        interp = t.leed.interpolator(c_in, alpha * t.leed.extractor(c_rb, c_rn))
    adv = code_critic(interp).mean() - code_critic(c_ia).mean() \
        + cfg.lambda_gp * gradient_penalty(code_critic, c_ia, interp)
    return {"total": adv, "d_code": adv}


@torch.no_grad()
def heldout_losses(t: Trainee, ds: FaceCrops, idx, device="cpu") -> dict:
    """Critic-free losses on held-out crops: decoder reconstruction, L_exp, L_idt, the siamese
    cosine distance, the neutraliser's cycle."""
    t.eval()
    x, _, scores = ds.get(idx, device)
    r = x.roll(1, 0)
    alpha = torch.ones(x.shape[0], 1, device=x.device)
    ls = leed_losses(t, CodeCritic(t.leed.cfg).to(x.device), x, r, scores.roll(1, 0), alpha, t.leed.cfg)
    dom = is_expressive(scores, t.leed.cfg.neutral_thresh)
    g = t.leed.neutraliser
    cyc = (g(g(x, 1 - dom), dom) - x).abs().mean()
    t.train()
    return {"recon": float(ls["recon"]), "exp": float(ls["exp"]), "idt": float(ls["idt"]),
            "siamese": float(ls["siamese"]), "n_cyc": float(cyc)}


def train_leed(data, out, *, cfg: dict | None = None, data_dir=None, every: int = 1, steps: int = 10000,
               batch: int = 4, device: str = "cpu", sample_every: int = 500, save_every: int = 500,
               log_every: int = 10, seed: int = 0, progress: bool = True, dataset: FaceCrops | None = None) -> dict:
    """Train (or resume) LEED into model directory `out`; returns the last losses."""
    schedule = check_schedule(steps, batch, sample_every, save_every, log_every)
    out = Path(out)
    cfg, ds, dev, modules, opt_g, opt_d, step, _ = start_crop_training(
        out, system=SYSTEM, cls=LEEDConfig, cfg=None if cfg is None else LEEDConfig.from_dict(dict(cfg)),
        weights=WEIGHTS, state=TRAIN_STATE,
        make_modules=lambda c: (Trainee(c), {"critic": DomainCritic(c), "code_critic": CodeCritic(c)}),
        data=data, data_dir=data_dir, every=every, dataset=dataset, device=device, seed=seed,
        why="references come from other frames")
    t, critic, code_critic = modules["net"], modules["critic"], modules["code_critic"]
    switch = max(1, int(round(cfg.neutral_frac * steps))) if steps > 1 else 0
    state = {"step": step}
    gen = torch.Generator().manual_seed(seed + 1 + step)
    fixed = torch.arange(min(4, len(ds)))

    def save(s):
        mio.save_weights(out, WEIGHTS, t.leed)
        save_train_state(out / TRAIN_STATE, modules, {"g": opt_g, "d": opt_d}, s)

    def batch_losses():
        neutral_stage = state["step"] < switch
        state["step"] += 1
        ai = torch.randint(len(ds), (batch,), generator=gen)
        bi = (ai + torch.randint(1, len(ds), (batch,), generator=gen)) % len(ds)
        i_a, _, s_a = ds.get(ai, dev)
        r_b, _, s_b = ds.get(bi, dev)
        if neutral_stage:
            dom = is_expressive(s_a, cfg.neutral_thresh)
            return (lambda: neutraliser_losses(t, critic, i_a, dom, cfg, True),
                    lambda: neutraliser_losses(t, critic, i_a, dom, cfg, False))
        alpha = torch.rand(batch, 1, generator=gen).to(dev)
        return (lambda: code_critic_losses(t, code_critic, i_a, r_b, alpha, cfg),
                lambda: leed_losses(t, code_critic, i_a, r_b, s_b, alpha, cfg))

    def sample():
        x, _, _ = ds.get(fixed, dev)
        r = x.roll(1, 0)
        c_ia, c_in = t.leed.encode(x)
        c_rb, c_rn = t.leed.encode(r)
        one = torch.ones(x.shape[0], 1, device=dev)
        return ([x, t.leed.neutral(x), t.leed.decoder(c_ia), r, t.leed.edit(c_in, c_rb, c_rn, one)],
                ["source", "neutral", "reconstructed", "reference", "edited"])

    def postfix(ls):
        return {k: f"{ls[k]:.3f}" for k in ("n_cyc", "recon", "exp") if k in ls}

    return adversarial_loop(SYSTEM, out, t, opt_g, opt_d, step=step, lr=cfg.lr, schedule=schedule,
                            progress=progress, batch_losses=batch_losses, sample=sample, save=save, postfix=postfix)


def load_leed(model_dir, device="cpu") -> LEED:
    """The trained inference networks of a model directory, in eval mode."""
    cfg = read_system_config(model_dir, SYSTEM, LEEDConfig)
    return mio.load_weights(Path(model_dir) / WEIGHTS, LEED(cfg), device).eval()
