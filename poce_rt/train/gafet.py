"""GaFET training (Sec. 3.4-3.5) on aligned crops of photos and videos (poce_rt.train.flow_data).

Stage ``gafet_prep`` pre-trains the two helper networks the losses and pseudo pairs need:
* De-expression model (Sec. 3.4). The paper trains it on 50,000 pairs a StyleGAN editing model
  made (face, its neutral face); no StyleGAN or EMOCA is available here, so the neutral targets come
  from geometry instead: the face warped (grid sampling) from its tracked mesh onto the rig's
  neutral mesh (code 0) by the motion flow, with the same random smooth warp (a stand-in for the
  paper's Thin Plate Spline augmentation) applied to input and target.
* Expression regressor R (image -> 52 blendshape scores, on the tracker's scores): stands in for
  EMOCA's expression encoder. L_exp^shape (Eq. 2) compares rig shapes S(code) = sum_k code_k *
  offsets_k (the rig is linear, so differentiable) of R(output) and of the reference's code;
  L_exp^AU (Eq. 3) is 1 - cos(R(output), R(reference)) (the AU detector MLCR is not available either;
  blendshape scores are the engine's action units).
Stage ``gafet`` trains G against the global and component discriminators, alternating
pseudo-paired (X_n = DeExp(X), reference X: target X, L_rec of Eq. 1) and unpaired (X_n, Y) batches:
L_total = lambda_rec L_rec + lambda_shape L_shape + lambda_AU L_AU + lambda_cx L_cx + adversarial
(non-saturating, R1 on each discriminator). LPIPS (Eq. 1) and VGG-19 (L_cx, Eq. 4) need weights that
cannot be downloaded here: both use the frozen De-expression model's encoder features instead.
Model directory: config.json ({"system": "gafet", "gafet": GaFETConfig}), gafet.safetensors (G),
gafet_aux.safetensors (De-expression, R), gafet_train.safetensors (resume state).
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from poce_rt import flow
from poce_rt.models.gafet import (PRESETS, DeExpression, ExpressionRegressor, GaFETConfig, GaFETCritic,
                                  GaFETGenerator)
from poce_rt.models.io import atomic_save_safetensors, save_weights

from .common import LOG, JsonlLog, adversarial_loop, check_schedule, load_train_state, save_train_state
from .flow_data import (CropPairs, Tracked, image_tensor, load_generator, region_boxes, track_inputs,
                        write_system_config)

SYSTEM = "gafet"
WEIGHTS = "gafet.safetensors"
AUX = "gafet_aux.safetensors"
TRAIN_STATE = "gafet_train.safetensors"


def load_gafet(path, device="cpu") -> tuple[GaFETConfig, GaFETGenerator]:
    return load_generator(path, SYSTEM, GaFETConfig, GaFETGenerator, WEIGHTS, device)


def smooth_warp(n: int, size: int, amount: float, gen: torch.Generator) -> torch.Tensor:
    """Random smooth sampling grids [n,S,S,2] (a 4x4 field of offsets, upsampled): the geometric
    augmentation of the De-expression training."""
    field = (torch.rand(n, 2, 4, 4, generator=gen) * 2 - 1) * amount
    field = F.interpolate(field, size=(size, size), mode="bicubic", align_corners=True)
    lin = torch.linspace(-1 + 1 / size, 1 - 1 / size, size)
    base = torch.stack(torch.meshgrid(lin, lin, indexing="xy"), -1)[None]
    return base + field.permute(0, 2, 3, 1)


def _grid(flow_net: torch.Tensor) -> torch.Tensor:
    """[N,3,S,S] motion input (grid units + mask) -> sampling grid [N,S,S,2]."""
    n, _, h, w = flow_net.shape
    lin_y = torch.linspace(-1 + 1 / h, 1 - 1 / h, h)
    lin_x = torch.linspace(-1 + 1 / w, 1 - 1 / w, w)
    base = torch.stack(torch.meshgrid(lin_x, lin_y, indexing="xy"), -1)[None]
    return base + flow_net[:, :2].permute(0, 2, 3, 1)


def rig_offsets() -> torch.Tensor:
    from poce_rt.rig import load_rig

    return torch.from_numpy(load_rig().offsets.reshape(len(load_rig().offsets), -1))   # [52, 468*3]


def contextual_loss(x: torch.Tensor, y: torch.Tensor, h: float = 0.5, points: int = 16) -> torch.Tensor:
    """-log CX(x, y) (Mechrez et al.), features [N,C,H,W] pooled to at most points^2 positions."""
    if x.shape[-1] > points:
        x, y = F.adaptive_avg_pool2d(x, points), F.adaptive_avg_pool2d(y, points)
    mu = y.mean(dim=(0, 2, 3), keepdim=True)
    xf = F.normalize((x - mu).flatten(2), dim=1)            # [N,C,P]
    yf = F.normalize((y - mu).flatten(2), dim=1)
    d = 1 - torch.bmm(xf.transpose(1, 2), yf)               # [N,Px,Py] cosine distances
    d_rel = d / (d.min(dim=2, keepdim=True)[0] + 1e-5)
    w = torch.exp((1 - d_rel) / h)
    cx = w / w.sum(dim=2, keepdim=True)
    return -torch.log(cx.max(dim=1)[0].mean(dim=1) + 1e-5).mean()


def _parts(img: torch.Tensor, boxes: list, size: int) -> torch.Tensor:
    """Eye and mouth patches of each image, resized to size x size: [2N,3,size,size]."""
    out = []
    for k, b in enumerate(boxes):
        for name in ("eyes", "mouth"):
            x0, y0, x1, y1 = b[name]
            out.append(F.interpolate(img[k:k + 1, :, y0:y1, x0:x1], size=(size, size), mode="bilinear",
                                     align_corners=False))
    return torch.cat(out)


def _r1(critic, real):
    real = real.detach().requires_grad_(True)
    score = critic(real)
    (g,) = torch.autograd.grad(score.sum(), real, create_graph=True)
    return score, g.flatten(1).pow(2).sum(1).mean()


class Batches:
    """Draws the training batches (NumPy geometry, torch tensors)."""

    def __init__(self, pairs: CropPairs, cfg: GaFETConfig, seed: int):
        self.pairs, self.cfg, self.rng = pairs, cfg, np.random.default_rng(seed)
        self.neutral = np.zeros(len(pairs.frames[0].face.blendshapes), np.float32)

    def prep(self, n: int):
        """(faces, their neutral warps, their codes) for the De-expression model and R."""
        x, y, c = [], [], []
        for _ in range(n):
            o = self.pairs.own(int(self.rng.integers(len(self.pairs.frames))))
            nv = self.pairs.moved(o, self.neutral)
            m, mm = flow.motion_flow(o["verts"], nv, self.cfg.size, self.cfg.size)
            x.append(image_tensor(o["img"]))
            y.append(torch.from_numpy(flow.to_network(m, mm, self.cfg.size)))
            c.append(torch.from_numpy(o["code"]))
        x, mot = torch.stack(x), torch.stack(y)
        return x, F.grid_sample(x, _grid(mot), mode="bilinear", padding_mode="border", align_corners=False), \
            torch.stack(c)

    def main(self, n: int, paired: bool):
        """X [N,3,S,S] (to de-express), reference, geometry, motion, target (X when paired, else
        None), the reference codes, the target's and the reference's eye / mouth boxes."""
        xs, refs, geos, mots, codes, boxes, ref_boxes = [], [], [], [], [], [], []
        for _ in range(n):
            o = self.pairs.own(int(self.rng.integers(len(self.pairs.frames))))
            r = o if paired else self.pairs.own(int(self.rng.integers(len(self.pairs.frames))))
            nv = self.pairs.moved(o, self.neutral)
            tv = self.pairs.moved(o, r["code"])
            g, m = flow.gafet_inputs(nv, tv, self.cfg.size)
            xs.append(image_tensor(o["img"]))
            refs.append(image_tensor(r["img"]))
            geos.append(torch.from_numpy(g))
            mots.append(torch.from_numpy(m))
            codes.append(torch.from_numpy(r["code"]))
            boxes.append(region_boxes(tv, self.cfg.size))
            ref_boxes.append(region_boxes(r["verts"], self.cfg.size))
        return (torch.stack(xs), torch.stack(refs), torch.stack(geos), torch.stack(mots), torch.stack(codes),
                boxes, ref_boxes)


def pretrain_helpers(batches: Batches, deexp: DeExpression, reg: ExpressionRegressor, steps: int, batch: int,
                     cfg: GaFETConfig, out: Path, progress: bool) -> dict:
    """Stage gafet_prep: the De-expression model (L1 to the neutral warp, both smoothly warped
    alike) and R (L1 to the tracked scores). Returns the last losses."""
    from tqdm import tqdm

    opt = torch.optim.Adam(list(deexp.parameters()) + list(reg.parameters()), lr=cfg.lr, betas=(0.5, 0.999))
    gen = torch.Generator().manual_seed(7)
    log = JsonlLog(out / LOG)
    last = {}
    for step in tqdm(range(steps), desc="gafet_prep", disable=not progress):
        x, neutral, code = batches.prep(batch)
        warp = smooth_warp(batch, cfg.size, 0.06, gen)
        x_aug = F.grid_sample(x, warp, padding_mode="border", align_corners=False)
        n_aug = F.grid_sample(neutral, warp, padding_mode="border", align_corners=False)
        l_de = (deexp(x_aug) - n_aug).abs().mean()
        l_reg = (reg(x) - code).abs().mean()
        opt.zero_grad(set_to_none=True)
        (l_de + l_reg).backward()
        opt.step()
        last = {"deexp_l1": float(l_de.detach()), "regressor_l1": float(l_reg.detach())}
        log.write(stage="gafet_prep", step=step + 1, **last)
    return last


def train_gafet(data, out, *, preset: str = "tiny", cfg: GaFETConfig | None = None, steps: int = 1000,
                prep_steps: int | None = None, batch: int = 4, device: str = "cpu", seed: int = 0,
                sample_every: int = 0, save_every: int = 500, log_every: int = 10, every: int = 4,
                max_frames: int | None = 64, progress: bool = True) -> dict:
    """Train GaFET into `out` from photos / videos (paths) or tracked frames (flow_data.Tracked).
    `prep_steps` (default steps // 3) pre-train the helpers, then `steps` train G.
    Returns {"prep": last helper losses, "gafet": last G/D losses}."""
    if cfg is None:
        if preset not in PRESETS:
            raise ValueError(f"unknown preset {preset!r}; one of {sorted(PRESETS)}")
        cfg = PRESETS[preset]
    check_schedule(steps, batch, sample_every, save_every, log_every)
    prep_steps = max(1, steps // 3) if prep_steps is None else int(prep_steps)
    out, dev = Path(out), torch.device(device)
    if dev.type != "cpu":
        raise ValueError("GaFET training builds its batches on the CPU; device='cpu' only for now")
    frames = data if data and isinstance(data[0], Tracked) else track_inputs(
        data, every=every, max_frames=max_frames, progress=progress)
    batches = Batches(CropPairs(frames, cfg.size), cfg, seed)
    torch.manual_seed(seed)
    gen_net = GaFETGenerator(cfg)
    d_global, d_comp = GaFETCritic(cfg.disc_channels), GaFETCritic(tuple(max(c // 2, 4) for c in cfg.disc_channels))
    deexp, reg = DeExpression(cfg), ExpressionRegressor(cfg)
    opt_g = torch.optim.Adam(gen_net.parameters(), lr=cfg.lr, betas=tuple(cfg.betas))
    opt_d = torch.optim.Adam(list(d_global.parameters()) + list(d_comp.parameters()), lr=cfg.lr,
                             betas=tuple(cfg.betas))
    write_system_config(out, SYSTEM, cfg)
    mods = {"gen": gen_net, "d_global": d_global, "d_comp": d_comp, "deexp": deexp, "reg": reg}
    step, results = 0, {}
    if (out / TRAIN_STATE).is_file():
        step, _ = load_train_state(out / TRAIN_STATE, mods, {"g": opt_g, "d": opt_d}, dev)
    else:
        t0 = time.time()
        results["prep"] = pretrain_helpers(batches, deexp, reg, prep_steps, batch, cfg, out, progress)
        results["prep_seconds"] = round(time.time() - t0, 2)
        atomic_save_safetensors({**{f"deexp.{k}": v for k, v in deexp.state_dict().items()},
                                 **{f"reg.{k}": v for k, v in reg.state_dict().items()}}, out / AUX)
    deexp.eval().requires_grad_(False)
    reg.eval().requires_grad_(False)
    offsets = rig_offsets()
    fixed = batches.main(2, paired=False)

    def save(s):
        save_weights(out, WEIGHTS, gen_net)
        save_train_state(out / TRAIN_STATE, mods, {"g": opt_g, "d": opt_d}, s)

    def batch_losses():
        paired = (batch_losses.n % 2) == 0
        batch_losses.n += 1
        x, ref, geo, mot, code, boxes, ref_boxes = batches.main(batch, paired)
        with torch.no_grad():
            x_n = deexp(x)
        real = x if paired else ref

        def d_loss():
            with torch.no_grad():
                fake = gen_net(x_n, ref, geo, mot)
            s_real, r1_g = _r1(d_global, real)
            s_comp, r1_c = _r1(d_comp, _parts(real, boxes if paired else ref_boxes, cfg.part_size))
            adv_g = F.softplus(-s_real).mean() + F.softplus(d_global(fake)).mean()
            adv_c = F.softplus(-s_comp).mean() + F.softplus(d_comp(_parts(fake, boxes, cfg.part_size))).mean()
            return {"total": adv_g + adv_c + 0.5 * cfg.r1 * (r1_g + r1_c), "d_global": adv_g, "d_comp": adv_c}

        def g_loss():
            fake = gen_net(x_n, ref, geo, mot)
            pred = reg(fake)
            l_shape = ((pred - code) @ offsets).abs().mean()       # || S(l_exp^X^) - S(l_exp^Y) ||_1
            l_au = 1 - F.cosine_similarity(pred, reg(ref), dim=1).mean()
            l_cx = sum(contextual_loss(a, b) for a, b in zip(deexp.features(fake)[:2], deexp.features(x_n)[:2]))
            adv_g = F.softplus(-d_global(fake)).mean()
            adv_c = F.softplus(-d_comp(_parts(fake, boxes, cfg.part_size))).mean()
            total = (cfg.lambda_shape * l_shape + cfg.lambda_au * l_au + cfg.lambda_cx * l_cx
                     + cfg.lambda_global * adv_g + cfg.lambda_comp * adv_c)
            res = {"g_shape": l_shape, "g_au": l_au, "g_cx": l_cx, "g_global": adv_g, "g_comp": adv_c}
            if paired:
                fx, rx = deexp.features(fake), deexp.features(x)
                l_rec = (fake - x).abs().mean() + cfg.lambda_lpips * sum((a - b).abs().mean() for a, b in zip(fx, rx))
                total = total + cfg.lambda_rec * l_rec
                res["g_rec"] = l_rec
            res["total"] = total
            return res

        return d_loss, g_loss

    batch_losses.n = step

    def sample():
        x, ref, geo, mot = fixed[:4]
        x_n = deexp(x)
        return [x, x_n, ref, gen_net(x_n, ref, geo, mot)], ["source X", "X_n", "reference Y", "output"]

    sched = {"steps": steps, "sample_every": sample_every, "save_every": save_every, "log_every": log_every}
    results["gafet"] = adversarial_loop("gafet", out, gen_net, opt_g, opt_d, step=step, lr=cfg.lr, schedule=sched,
                                        progress=progress, batch_losses=batch_losses, sample=sample, save=save,
                                        postfix=lambda ls: {"shape": f"{ls['g_shape']:.4f}"})
    return results



def train(data, out, *, cfg: dict | None = None, data_dir=None, every: int = 1, steps: int = 1000,
          batch: int = 4, device: str = "cpu", sample_every: int = 0, save_every: int = 500,
          log_every: int = 10, seed: int = 0, progress: bool = True) -> dict:
    """The registry's train contract (poce_rt.systems): `poce-rt train gafet DATA... --out DIR`.
    DATA are images / folders / videos (tracked in memory, up to 64 frames spread over them;
    `data_dir` is unused). Returns the last step's losses."""
    res = train_gafet(list(data), out, cfg=None if cfg is None else GaFETConfig.from_dict(cfg), steps=steps,
                      batch=batch, device=device, seed=seed, sample_every=sample_every, save_every=save_every,
                      log_every=log_every, every=every, progress=progress)
    return res.get("gafet") or {}
