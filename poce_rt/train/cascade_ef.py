"""Training of Cascade EF-GAN (papers/cascade_ef_gan.txt, Sec. 3.3) on aligned face crops.

Data: photos / folders / videos are tracked and aligned into a face-crop dataset (train.common);
each crop carries the tracker's 52 blendshape scores. Target codes: another random frame's scores
(a real expression). Each step: one critic step (the image critic: WGAN-GP realness + expression
regression on real crops; the code critic: real codes against the Interpolator's), then one
generator step on Eq. 2 summed over the stages with equal weights:
  adversarial + lambda_1 conditional expression + lambda_2 content (cycle back to the stage's input)
  + lambda_3 attention + lambda_4 interpolation (critic on the intermediate codes, and their
  distance from the linear pseudo targets).
Scheme (Sec. 3.3): the first `pretrain_frac` of the steps train a single EF-GAN (source straight
to target); then every stage is initialised from it and the whole cascade is fine-tuned.
"""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

from poce_rt.models import io as mio
from poce_rt.models.cascade_ef import PATCHES_AT_128, CascadeEF, CascadeEFConfig, CodeCritic, Critic, attention_loss
from .common import (FaceCrops, adversarial_loop, check_schedule, gradient_penalty, read_system_config,
                     save_train_state, start_crop_training)

SYSTEM = "cascade-ef"
WEIGHTS = "cascade_ef.safetensors"
TRAIN_STATE = "cascade_ef_train.safetensors"


def make_config(cfg: dict | CascadeEFConfig | None) -> CascadeEFConfig:
    """A config with its local patches placed for its crop size (systems.crop.region_boxes)."""
    from poce_rt.systems.crop import region_boxes

    cfg = cfg if isinstance(cfg, CascadeEFConfig) else CascadeEFConfig.from_dict(dict(cfg or {}))
    if not cfg.regions:
        boxes = region_boxes(cfg.crop_size, PATCHES_AT_128)
        cfg = CascadeEFConfig.from_dict({**cfg.to_dict(), "regions": [v for b in boxes for v in b]})
    return cfg


def generator_losses(net: CascadeEF, critic: Critic, code_critic: CodeCritic, x, src, tgt, n: int,
                     cfg: CascadeEFConfig) -> dict:
    """Eq. 2 summed over the first `n` stages (scalar tensors; "total" to minimise)."""
    outs, codes, atts = net.run(x, src, tgt, n)
    adv = cond = cont = 0.0
    inputs, prev_codes = [x] + outs[:-1], [src] + codes[:-1]
    for ef, out, code, inp, prev in zip(net.stages, outs, codes, inputs, prev_codes):
        realness, cls = critic(out)
        adv = adv - realness.mean()
        cond = cond + F.mse_loss(cls, code.clamp(0, 1))
        back, _ = ef(out, prev)                      # cycle: the stage undone gives its input
        cont = cont + (back - inp).abs().mean()
    attn = sum(attention_loss(a, cfg.lambda_tv) for a in atts)
    interp = torch.zeros((), device=x.device)
    for k, c in enumerate(codes[:-1]):
        pseudo = src + (k + 1) / n * (tgt - src)
        interp = interp - code_critic(c).mean() + ((c - pseudo) ** 2).sum(1).mean()
    total = adv + cfg.lambda_cond * cond + cfg.lambda_cont * cont + cfg.lambda_attn * attn + cfg.lambda_interp * interp
    return {"total": total, "g_adv": adv, "g_cond": cond, "g_cont": cont, "g_attn": attn, "g_interp": interp}


def critic_losses(net: CascadeEF, critic: Critic, code_critic: CodeCritic, x, src, tgt, n: int,
                  cfg: CascadeEFConfig) -> dict:
    with torch.no_grad():
        outs, codes, _ = net.run(x, src, tgt, n)
    real, cls = critic(x)
    adv = torch.zeros((), device=x.device)
    for out in outs:
        fake, _ = critic(out)
        adv = adv + fake.mean() - real.mean() + cfg.lambda_gp * gradient_penalty(critic, x, out)
    cond = F.mse_loss(cls, src)
    code = torch.zeros((), device=x.device)
    for c in codes[:-1]:
        code = code + code_critic(c).mean() - code_critic(tgt).mean() \
            + cfg.lambda_gp * gradient_penalty(code_critic, tgt, c)
    return {"total": adv + cfg.lambda_cond * cond + code, "d_adv": adv, "d_cond": cond, "d_code": code}


@torch.no_grad()
def heldout_losses(net: CascadeEF, ds: FaceCrops, idx, device="cpu") -> dict:
    """Losses that need no critic, on held-out crops: the cycle (content) term, the identity edit
    (asking for the crop's own code must give the crop back) and the attention term."""
    net.eval()
    x, _, src = ds.get(idx, device)
    tgt = src.roll(1, 0)
    outs, codes, atts = net.run(x, src, tgt)
    inputs, prev = [x] + outs[:-1], [src] + codes[:-1]
    cont = sum((ef(o, p)[0] - i).abs().mean() for ef, o, p, i in zip(net.stages, outs, prev, inputs))
    same = (net(x, src, src) - x).abs().mean()
    attn = sum(attention_loss(a, net.cfg.lambda_tv) for a in atts)
    net.train()
    return {"cont": float(cont), "identity": float(same), "attn": float(attn)}


def train_cascade_ef(data, out, *, cfg: dict | None = None, data_dir=None, every: int = 1, steps: int = 10000,
                     batch: int = 4, device: str = "cpu", sample_every: int = 500, save_every: int = 500,
                     log_every: int = 10, seed: int = 0, progress: bool = True,
                     dataset: FaceCrops | None = None) -> dict:
    """Train (or resume) Cascade EF-GAN into model directory `out`; returns the last losses."""
    schedule = check_schedule(steps, batch, sample_every, save_every, log_every)
    out = Path(out)
    cfg, ds, dev, modules, opt_g, opt_d, step, extra = start_crop_training(
        out, system=SYSTEM, cls=CascadeEFConfig, cfg=None if cfg is None else make_config(cfg), weights=WEIGHTS,
        state=TRAIN_STATE, make_modules=lambda c: (CascadeEF(c), {"critic": Critic(c), "code_critic": CodeCritic(c)}),
        data=data, data_dir=data_dir, every=every, dataset=dataset, device=device, seed=seed,
        why="targets come from other frames", complete=make_config)
    net, critic, code_critic = modules["net"], modules["critic"], modules["code_critic"]
    switch = int(round(cfg.pretrain_frac * steps)) if cfg.stages > 1 else 0
    state = {"step": step, "cascade": bool(extra.get("cascade", switch == 0 or step >= switch))}
    gen = torch.Generator().manual_seed(seed + 1 + step)
    fixed = torch.arange(min(4, len(ds)))

    def save(s):
        mio.save_weights(out, WEIGHTS, net)
        save_train_state(out / TRAIN_STATE, modules, {"g": opt_g, "d": opt_d}, s, {"cascade": state["cascade"]})

    def batch_losses():
        if not state["cascade"] and state["step"] >= switch:
            net.init_from_first()          # Sec. 3.3: all stages from the EF-GAN trained alone
            state["cascade"] = True
        state["step"] += 1
        n = cfg.stages if state["cascade"] else 1
        si = torch.randint(len(ds), (batch,), generator=gen)
        ti = (si + torch.randint(1, len(ds), (batch,), generator=gen)) % len(ds)
        x, _, src = ds.get(si, dev)
        tgt = ds.codes[ti].to(dev)
        return (lambda: critic_losses(net, critic, code_critic, x, src, tgt, n, cfg),
                lambda: generator_losses(net, critic, code_critic, x, src, tgt, n, cfg))

    def sample():
        x, _, src = ds.get(fixed, dev)
        tgt = src.roll(1, 0)
        outs, _, _ = net.run(x, src, tgt, cfg.stages if state["cascade"] else 1)
        return [x, *outs], ["source"] + [f"stage {k + 1}" for k in range(len(outs))]

    return adversarial_loop(SYSTEM, out, net, opt_g, opt_d, step=step, lr=cfg.lr, schedule=schedule,
                            progress=progress, batch_losses=batch_losses, sample=sample, save=save,
                            postfix=lambda ls: {"cont": f"{ls['g_cont']:.3f}", "cond": f"{ls['g_cond']:.3f}"})


def load_cascade_ef(model_dir, device="cpu") -> CascadeEF:
    """The trained network of a model directory, in eval mode."""
    cfg = read_system_config(model_dir, SYSTEM, CascadeEFConfig)
    return mio.load_weights(Path(model_dir) / WEIGHTS, CascadeEF(cfg), device).eval()
