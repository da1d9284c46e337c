"""Training loop of the UV editing network (Sec. III-C5, IV-A).

Source UVs are the dataset's sampled UVs completed once, up front, by the completion network of the
model directory (it is frozen: Sec. IV-A trains the two networks separately), kept as uint8.
Target expression codes: the code of another, randomly drawn frame of the dataset, so every
target is a real expression (not random noise); relative code = target - source (Eq. 6).
One critic step then one generator step (Adam(0.5, 0.999), lr 2e-4, constant then linear decay).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import torch

from poce_rt.models import io as mio
from poce_rt.models.completion import UVCompletion
from poce_rt.models.config import EditingConfig
from poce_rt.models.editing import EditDiscriminator, Editor
from poce_rt.models.losses import editing_d_loss, editing_g_loss
from . import distributed
from .common import adversarial_loop, check_schedule, load_train_state, save_train_state
from .dataset import UVDataset

TRAIN_STATE = "editing_train.safetensors"


@torch.no_grad()
def complete_dataset(ds: UVDataset, net: Optional[UVCompletion], device, batch: int = 8) -> torch.Tensor:
    """Completed UVs of every frame as uint8 [K,3,s,s] (net None: the sampled UVs as they are)."""
    out = []
    for s in range(0, len(ds), batch):
        uv, mask, _ = ds.get(range(s, min(s + batch, len(ds))), device)
        com = net(uv, mask) if net is not None else uv
        out.append(((com.clamp(-1, 1) + 1) * 127.5).round().byte().cpu())
    return torch.cat(out)


def train_editing(data, out, *, steps: int = 10000, batch: int = 4, device: str = "cpu",
                  sample_every: int = 500, save_every: int = 500, log_every: int = 10,
                  cfg: Optional[EditingConfig] = None, seed: int = 0, progress: bool = True,
                  dataset: Optional[UVDataset] = None, require_completion: bool = True) -> dict:
    """Train (or resume) the editing network into model dir ``out`` (which must hold a trained
    completion network unless ``require_completion=False``); returns the last losses."""
    schedule = check_schedule(steps, batch, sample_every, save_every, log_every)
    out = Path(out)
    dev = torch.device(device)
    mc = mio.read_config(out) if (out / mio.CONFIG).is_file() else None
    comp = None
    if mc is not None and mc.completion is not None:
        comp = mio.load_weights(out / mio.COMPLETION, UVCompletion(mc.completion), dev).eval()
    elif require_completion:
        raise mio.ModelDirError(f"{out} holds no completion network: run `train completion` first")
    if mc is None:
        from poce_rt.models.config import ModelConfig
        mc = ModelConfig()
    if mc.editing is not None and cfg is not None and mc.editing.hash() != cfg.hash() \
            and ((out / TRAIN_STATE).is_file() or (out / mio.EDITING).is_file()):
        raise ValueError(f"{out} already holds an editing network with another config")
    cfg = cfg or mc.editing or EditingConfig(uv_size=mc.completion.uv_size if mc.completion else 256)
    if mc.completion is not None and mc.completion.uv_size != cfg.uv_size:
        raise ValueError(f"editing uv_size {cfg.uv_size} != completion uv_size {mc.completion.uv_size}")
    mc.editing = cfg
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    ds = dataset if dataset is not None else UVDataset(data, size=cfg.uv_size)
    if len(ds) < 2:
        raise ValueError("editing needs at least 2 frames (target codes come from other frames)")
    completed = complete_dataset(ds, comp, dev)
    del comp

    editor, disc = Editor(cfg).to(dev), EditDiscriminator(cfg).to(dev)
    opt_g = torch.optim.Adam(editor.parameters(), lr=cfg.lr, betas=tuple(cfg.betas))
    opt_d = torch.optim.Adam(disc.parameters(), lr=cfg.lr, betas=tuple(cfg.betas))
    step = 0
    if (out / TRAIN_STATE).is_file():
        step, _ = load_train_state(out / TRAIN_STATE, {"editor": editor, "disc": disc},
                                   {"g": opt_g, "d": opt_d}, device=dev)
    mio.write_config(out, mc)
    gen = torch.Generator().manual_seed(distributed.seed(seed + 1 + step))
    K = len(ds)
    fixed = torch.arange(min(4, K))
    fixed_tgt = (fixed + K // 2) % K

    def fetch(i):
        return completed[i].to(dev).float() / 127.5 - 1

    def save(step):
        mio.save_weights(out, mio.EDITING, editor)
        save_train_state(out / TRAIN_STATE, {"editor": editor, "disc": disc}, {"g": opt_g, "d": opt_d}, step)

    def batch_losses():
        si = distributed.shard_draw(K, batch, gen)
        ti = (si + torch.randint(1, K, (batch,), generator=gen)) % K     # another frame's expression
        uv_src = fetch(si)
        code_src, code_tgt = ds.code[si].to(dev), ds.code[ti].to(dev)

        def g_loss():
            lg = editing_g_loss(editor, disc, uv_src, code_src, code_tgt, cfg)
            lg.pop("edit")
            return lg

        return lambda: editing_d_loss(editor, disc, uv_src, code_src, code_tgt, cfg), g_loss

    def sample():
        suv, smask, scode = ds.get(fixed, dev)
        src = fetch(fixed)
        edit = editor(src, ds.code[fixed_tgt].to(dev) - scode)
        return [suv * smask + (smask - 1), src, edit], ["sampled", "completed", "edited"]

    return adversarial_loop("editing", out, editor, opt_g, opt_d, step=step, lr=cfg.lr, schedule=schedule,
                            progress=progress, batch_losses=batch_losses, sample=sample, save=save,
                            postfix=lambda ls: {"cyc": f"{ls['g_cyc']:.3f}", "exp": f"{ls['g_exp']:.3f}"})
