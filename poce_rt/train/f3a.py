"""F3A-GAN training (Sec. III-C2): two stages on aligned crop pairs (poce_rt.train.flow_data).

1. ``f3a_recon``: self-reconstruction of the image stream. T(I_s, f_0) -> I_s, f_0 the flow of a
   mesh onto itself (zero motion, the source's mask), so T_enc / T_dec learn the appearance and the
   manipulation module learns to pass it through. The decoder levels fade in deepest first over the
   first half of this stage (alpha_l: 0 -> 1, Fig. 5's progressive output); all are 1 after it.
2. ``f3a_flow``: flow-conditioned editing on (I_s, I_t, f) triplets: two frames of one video in the
   source's crop and the facial flow between their meshes (a photo pairs with itself).
   Stage 1 trains T on L_wp alone (an auto-encoder, as the paper describes it); D already learns
   there, so stage 2 starts against a critic that knows real faces.
   L_tot = L_adv + lambda_4 L_wp + lambda_5 L_perc (Eq. 13): WGAN critic D (PatchGAN) with gradient
   penalty, L_wp = ||w * (T(I_s, f) - I_t)||_1 with w raised on the eye, nose and mouth boxes (Eq. 10),
   L_perc = sum_l ||T_enc(T(I_s, f)) - T_enc(I_t)||_1 (Eq. 12) through a frozen copy of the
   stage-1 encoder (a trainable one could shrink its features to zero to cancel the loss).

The 3DMM regressor of Sec. III-C1 has no counterpart to train: the tracker and the expression rig
give the meshes (poce_rt.flow).
Model directory: config.json ({"system": "f3a", "f3a": F3AConfig}), f3a.safetensors (T), and
f3a_train.safetensors (T, D, optimisers, the frozen encoder) to resume.
"""
from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import torch

from poce_rt.flow import f3a_input
from poce_rt.models.f3a import PRESETS, F3AConfig, F3AGenerator, F3APatchCritic
from poce_rt.models.io import save_weights
from poce_rt.models.losses import gradient_penalty, wgan_d, wgan_g

from .common import adversarial_loop, check_schedule, load_train_state, save_train_state
from .flow_data import (CropPairs, Tracked, feature_weights, image_tensor, load_generator, track_inputs,
                        write_system_config)

SYSTEM = "f3a"
WEIGHTS = "f3a.safetensors"
TRAIN_STATE = "f3a_train.safetensors"


def load_f3a(path, device="cpu") -> tuple[F3AConfig, F3AGenerator]:
    return load_generator(path, SYSTEM, F3AConfig, F3AGenerator, WEIGHTS, device)


def fade_alphas(progress: float, transitions: int) -> torch.Tensor:
    """alpha_l for l = 1..L at `progress` in [0, 1] of the fade-in: the deepest transition first,
    each over an equal share."""
    out = torch.ones(transitions)
    for k in range(transitions):        # k = 0: the deepest (l = L)
        lvl = transitions - 1 - k
        out[lvl] = float(np.clip(progress * transitions - k, 0.0, 1.0))
    return out


def make_batch(pairs: CropPairs, rng, batch: int, cfg: F3AConfig, self_recon: bool, dev):
    src, tgt, flw, wts = [], [], [], []
    for _ in range(batch):
        p = pairs.sample(rng)
        tv = p["src_verts"] if self_recon else p["tgt_verts"]
        src.append(image_tensor(p["src"]))
        tgt.append(image_tensor(p["src"] if self_recon else p["tgt"]))
        flw.append(torch.from_numpy(f3a_input(p["src_verts"], tv, cfg.size)))
        wts.append(torch.from_numpy(feature_weights(tv, cfg.size, cfg.feature_weight)))
    return (torch.stack(src).to(dev), torch.stack(tgt).to(dev), torch.stack(flw).to(dev),
            torch.stack(wts)[:, None].to(dev))


def f3a_losses(gen: F3AGenerator, disc: F3APatchCritic, enc_frozen, cfg: F3AConfig, src, tgt, flw, w,
               adversarial: bool = True):
    """(critic losses, generator losses) closures of one batch, for adversarial_loop. Stage 1 is
    an auto-encoder (adversarial=False: L_wp alone for T; D still learns, warming up for stage 2)."""

    def d_loss():
        with torch.no_grad():
            fake = gen(src, flw)
        adv = wgan_d(disc.score(tgt), disc.score(fake))
        gp = gradient_penalty(disc.score, tgt, fake)
        return {"total": adv + cfg.lambda_gp * gp, "d_adv": adv, "d_gp": gp}

    def g_loss():
        fake = gen(src, flw)
        wp = (w * (fake - tgt)).abs().mean()
        out = {"g_wp": wp}
        total = cfg.lambda_wp * wp
        if adversarial:
            out["g_adv"] = adv = wgan_g(disc.score(fake))
            total = total + adv
        if enc_frozen is not None:
            ff, ft = enc_frozen(fake), enc_frozen(tgt)
            perc = sum((a - b.detach()).abs().mean() for a, b in zip(ff, ft))
            out["g_perc"] = perc
            total = total + cfg.lambda_perc * perc
        out["total"] = total
        return out

    return d_loss, g_loss


def train_f3a(data, out, *, preset: str = "tiny", cfg: F3AConfig | None = None, steps: int = 1000,
              recon_steps: int | None = None, batch: int = 4, device: str = "cpu", seed: int = 0,
              sample_every: int = 0, save_every: int = 500, log_every: int = 10, every: int = 4,
              max_frames: int | None = 64, progress: bool = True) -> dict:
    """Train F3A-GAN into model directory `out` from photos / videos (paths) or tracked frames
    (a list of flow_data.Tracked). `steps` in all, `recon_steps` of them (default half) in stage 1.
    Returns {"recon": last stage-1 losses, "flow": last stage-2 losses}."""
    if cfg is None:
        if preset not in PRESETS:
            raise ValueError(f"unknown preset {preset!r}; one of {sorted(PRESETS)}")
        cfg = PRESETS[preset]
    recon_steps = max(1, steps // 2) if recon_steps is None else int(recon_steps)
    check_schedule(steps, batch, sample_every, save_every, log_every)
    if not 1 <= recon_steps < steps:
        raise ValueError(f"recon_steps must be in 1..{steps - 1}, got {recon_steps}")
    out, dev = Path(out), torch.device(device)
    frames = data if data and isinstance(data[0], Tracked) else track_inputs(
        data, every=every, max_frames=max_frames, progress=progress)
    pairs = CropPairs(frames, cfg.size)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    gen, disc = F3AGenerator(cfg).to(dev), F3APatchCritic(cfg).to(dev)
    opt_g = torch.optim.Adam(gen.parameters(), lr=cfg.lr, betas=tuple(cfg.betas))
    opt_d = torch.optim.Adam(disc.parameters(), lr=cfg.lr, betas=tuple(cfg.betas))
    enc_frozen = None
    step = 0
    state = {"gen": gen, "disc": disc}
    if (out / TRAIN_STATE).is_file():
        enc_frozen = copy.deepcopy(gen.t_enc)
        step, _ = load_train_state(out / TRAIN_STATE, {**state, "enc": enc_frozen}, {"g": opt_g, "d": opt_d}, dev)
        if step < recon_steps:
            enc_frozen = None
    write_system_config(out, SYSTEM, cfg)
    fixed = [pairs.sample(np.random.default_rng(1000 + k)) for k in range(2)]
    results = {}

    def save(s):
        save_weights(out, WEIGHTS, gen)
        mods = {**state, **({"enc": enc_frozen} if enc_frozen is not None else {})}
        save_train_state(out / TRAIN_STATE, mods, {"g": opt_g, "d": opt_d}, s)

    def sample():
        src = torch.stack([image_tensor(p["src"]) for p in fixed]).to(dev)
        tgt = torch.stack([image_tensor(p["tgt"]) for p in fixed]).to(dev)
        flw = torch.stack([torch.from_numpy(f3a_input(p["src_verts"], p["tgt_verts"], cfg.size))
                           for p in fixed]).to(dev)
        return [src, tgt, gen(src, flw)], ["source", "target", "T(I_s, f)"]

    for stage, self_recon, until in (("f3a_recon", True, recon_steps), ("f3a_flow", False, steps)):
        if step >= until:
            continue
        if not self_recon and enc_frozen is None:
            enc_frozen = copy.deepcopy(gen.t_enc).eval().requires_grad_(False)
        done = {"n": step}

        def batch_losses(self_recon=self_recon):
            if self_recon:   # the fade-in over the first half of stage 1
                gen.alpha.copy_(fade_alphas(done["n"] / max(1, recon_steps // 2), cfg.levels - 1))
            done["n"] += 1
            b = make_batch(pairs, rng, batch, cfg, self_recon, dev)
            return f3a_losses(gen, disc, enc_frozen, cfg, *b, adversarial=not self_recon)

        sched = {"steps": until, "sample_every": sample_every, "save_every": save_every, "log_every": log_every}
        results[stage[4:]] = adversarial_loop(
            stage, out, gen, opt_g, opt_d, step=step, lr=cfg.lr, schedule=sched, progress=progress,
            batch_losses=batch_losses, sample=sample, save=save,
            postfix=lambda ls: {"wp": f"{ls['g_wp']:.3f}"})
        step = until
        gen.alpha.fill_(1.0)
    save(step)
    return results


def train(data, out, *, cfg: dict | None = None, data_dir=None, every: int = 1, steps: int = 1000,
          batch: int = 4, device: str = "cpu", sample_every: int = 0, save_every: int = 500,
          log_every: int = 10, seed: int = 0, progress: bool = True) -> dict:
    """The registry's train contract (poce_rt.systems): `poce-rt train f3a DATA... --out DIR`.
    DATA are images / folders / videos (tracked in memory, up to 64 frames spread over them;
    `data_dir` is unused: nothing is built on disk). Returns the last step's losses."""
    res = train_f3a(list(data), out, cfg=None if cfg is None else F3AConfig.from_dict(cfg), steps=steps,
                    batch=batch, device=device, seed=seed, sample_every=sample_every, save_every=save_every,
                    log_every=log_every, every=every, progress=progress)
    return res.get("flow") or res.get("recon") or {}
