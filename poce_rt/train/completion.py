"""Training loop of the UV completion network (Sec. III-B4, IV-A).

Each step: a batch of sampled UVs; one random macro coordinate per item is generated (with its
mirror, for Eq. 5); real macro patches are drawn from the whole dataset among the patches with
> ``valid_frac`` valid texels (counted over the layout footprint, see ``macro_valid_fraction``).
One critic step then one generator step (Adam(0, 0.999), lr 1e-4, constant then linear decay).
Self-supervision: the networks are shown each UV with a few random blocks of its visible texels
hidden (``hide_blocks``); Eq. 4 compares over all visible texels, so it grades those completions.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import torch

from poce_rt.models import io as mio
from poce_rt.models.completion import PatchDiscriminator, UVCompletion, crop_macro, macro_valid_fraction
from poce_rt.models.config import CompletionConfig, ModelConfig
from poce_rt.models.losses import completion_d_loss, completion_g_loss
from . import distributed
from .common import adversarial_loop, check_schedule, load_train_state, save_train_state
from .dataset import UVDataset

TRAIN_STATE = "completion_train.safetensors"


def real_patch_index(ds: UVDataset, cfg: CompletionConfig, footprint: torch.Tensor) -> torch.Tensor:
    """[R,3] (frame, i, j) of all macro patches with more than cfg.valid_frac valid footprint texels.

    If none qualifies (tiny or very occluded data), the best 10% of patches are used instead.
    """
    fr = []
    for s in range(0, len(ds), 64):
        _, m, _ = ds.get(range(s, min(s + 64, len(ds))))
        fr.append(macro_valid_fraction(m, cfg, footprint))
    frac = torch.cat(fr)                                     # [K, m', m']
    idx = (frac > cfg.valid_frac).nonzero()
    if len(idx) == 0:
        thr = torch.quantile(frac.flatten(), 0.9)
        idx = (frac >= thr).nonzero()
        print(f"warning: no macro patch has > {cfg.valid_frac:.0%} valid texels; "
              f"using the best 10% (>= {float(thr):.0%})")
    return idx


def hide_blocks(mask: torch.Tensor, gen: torch.Generator, max_blocks: int = 4) -> torch.Tensor:
    """mask [B,1,S,S] -> a copy with 1..max_blocks random square blocks (side S/16..S/4) set to 0.

    The holes that completion must fill in a photo are large connected regions, not scattered texels,
    so the self-supervised holes are blocks too.
    """
    B, _, S, _ = mask.shape
    out = mask.clone()
    for b in range(B):
        for _ in range(int(torch.randint(1, max_blocks + 1, (1,), generator=gen))):
            side = int(torch.randint(max(1, S // 16), S // 4 + 1, (1,), generator=gen))
            y, x = torch.randint(0, S - side + 1, (2,), generator=gen).tolist()
            out[b, :, y:y + side, x:x + side] = 0
    return out


def _resolve_config(out: Path, cfg: Optional[CompletionConfig]) -> tuple[ModelConfig, CompletionConfig]:
    mc = mio.read_config(out) if (out / mio.CONFIG).is_file() else ModelConfig()
    if mc.completion is not None and cfg is not None and mc.completion.hash() != cfg.hash():
        if (out / TRAIN_STATE).is_file() or (out / mio.COMPLETION).is_file():
            raise ValueError(f"{out} already holds a completion network with another config; "
                             "use another --out or delete it")
    cfg = cfg or mc.completion or CompletionConfig()
    mc.completion = cfg
    return mc, cfg


def train_completion(data, out, *, steps: int = 10000, batch: int = 2, device: str = "cpu",
                     sample_every: int = 500, save_every: int = 500, log_every: int = 10,
                     cfg: Optional[CompletionConfig] = None, seed: int = 0, progress: bool = True,
                     dataset: Optional[UVDataset] = None) -> dict:
    """Train (or resume) the completion network into model dir ``out``; returns the last losses.

    data: dataset directories (see ``poce_rt.train.dataset``); ``dataset`` overrides it (tests).
    """
    schedule = check_schedule(steps, batch, sample_every, save_every, log_every)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    mc, cfg = _resolve_config(out, cfg)
    torch.manual_seed(seed)
    dev = torch.device(device)
    ds = dataset if dataset is not None else UVDataset(data, size=cfg.uv_size)
    if ds.size != cfg.uv_size:
        raise ValueError(f"dataset UV size {ds.size} != config uv_size {cfg.uv_size}")
    footprint = ds.footprint()
    real_idx_all = real_patch_index(ds, cfg, footprint)

    net, disc = UVCompletion(cfg).to(dev), PatchDiscriminator(cfg).to(dev)
    net.footprint.copy_(footprint)
    opt_g = torch.optim.Adam(net.parameters(), lr=cfg.lr, betas=tuple(cfg.betas))
    opt_d = torch.optim.Adam(disc.parameters(), lr=cfg.lr, betas=tuple(cfg.betas))
    step = 0
    if (out / TRAIN_STATE).is_file():
        step, _ = load_train_state(out / TRAIN_STATE, {"net": net, "disc": disc},
                                   {"g": opt_g, "d": opt_d}, device=dev)
        net.footprint.copy_(footprint.to(dev))             # the data may have grown since
    mio.write_config(out, mc)
    fixed = torch.arange(min(4, len(ds)))                    # the same faces in every sample grid
    gen = torch.Generator().manual_seed(distributed.seed(seed + step))
    k = cfg.macro_grid

    def save(step):
        mio.save_weights(out, mio.COMPLETION, net)
        save_train_state(out / TRAIN_STATE, {"net": net, "disc": disc}, {"g": opt_g, "d": opt_d}, step)

    def batch_losses():
        bi = distributed.shard_draw(len(ds), batch, gen)
        uv, mask, _ = ds.get(bi, dev)
        fake_idx = torch.randint(k, (batch, 2), generator=gen).to(dev)
        ri = real_idx_all[torch.randint(len(real_idx_all), (batch,), generator=gen)]
        ruv, _, _ = ds.get(ri[:, 0], dev)
        real = crop_macro(ruv, ri[:, 1:], cfg)
        ri = ri[:, 1:].to(dev)
        mask_in = hide_blocks(mask, gen)
        return (lambda: completion_d_loss(net, disc, uv, mask_in, fake_idx, real, ri, cfg),
                lambda: completion_g_loss(net, disc, uv, mask, fake_idx, cfg, mask_in=mask_in))

    def sample():
        suv, smask, _ = ds.get(fixed, dev)
        com = net(suv, smask)
        raw = net.generate_full(net.encoder(suv, smask), net.evidence(suv, smask))
        return [suv * smask + (smask - 1), com, raw], ["sampled", "completed", "generated"]

    return adversarial_loop("completion", out, net, opt_g, opt_d, step=step, lr=cfg.lr, schedule=schedule,
                            progress=progress, batch_losses=batch_losses, sample=sample, save=save,
                            postfix=lambda ls: {"cont": f"{ls['g_cont']:.3f}", "d": f"{ls['d_total']:.2f}"})
