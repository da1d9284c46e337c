"""Shared training utilities: resumable training state (safetensors, no pickle), JSONL log, PNG grids."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
import torch
from safetensors import safe_open

from poce_rt.models.io import atomic_save_safetensors


def lr_at(step: int, steps: int, lr: float) -> float:
    """Sec. IV-A schedule: constant for the first half, then linear decay to 0 over the second half."""
    half = steps / 2
    return lr if step < half else lr * max(0.0, (steps - step) / max(half, 1))


def set_lr(optimizers, lr: float) -> None:
    for o in optimizers:
        for g in o.param_groups:
            g["lr"] = lr


def save_train_state(path, modules: dict, optimizers: dict, step: int, extra: dict | None = None) -> None:
    """All module weights + Adam states in one safetensors file; non-tensor state in its metadata."""
    tensors, meta = {}, {"step": str(step), "extra": json.dumps(extra or {})}
    for name, m in modules.items():
        for k, v in m.state_dict().items():
            tensors[f"module.{name}.{k}"] = v
    for name, opt in optimizers.items():
        sd = opt.state_dict()
        scal = {}
        for pid, st in sd["state"].items():
            for k, v in st.items():
                if torch.is_tensor(v):
                    tensors[f"optim.{name}.{pid}.{k}"] = v
                else:
                    scal[f"{pid}.{k}"] = v
        meta[f"optim.{name}"] = json.dumps({"param_groups": sd["param_groups"], "scalars": scal})
    atomic_save_safetensors(tensors, Path(path), meta)


def load_train_state(path, modules: dict, optimizers: dict, device="cpu") -> tuple[int, dict]:
    """Inverse of save_train_state -> (step, extra). Raises ValueError with the file name if corrupt."""
    try:
        with safe_open(str(path), framework="pt", device=str(device)) as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as e:
        raise ValueError(f"training state {path} is unreadable ({type(e).__name__}: {e}); "
                         "delete it to start over") from e
    for name, m in modules.items():
        pre = f"module.{name}."
        m.load_state_dict({k[len(pre):]: v for k, v in tensors.items() if k.startswith(pre)})
    for name, opt in optimizers.items():
        info = json.loads(meta[f"optim.{name}"])
        state: dict = {}
        pre = f"optim.{name}."
        for k, v in tensors.items():
            if k.startswith(pre):
                pid, key = k[len(pre):].split(".", 1)
                state.setdefault(int(pid), {})[key] = v
        for k, v in info["scalars"].items():
            pid, key = k.split(".", 1)
            state.setdefault(int(pid), {})[key] = v
        opt.load_state_dict({"state": state, "param_groups": info["param_groups"]})
    return int(meta.get("step", 0)), json.loads(meta.get("extra", "{}"))


class JsonlLog:
    """Appends one JSON object per line (losses as floats) to ``path``."""

    def __init__(self, path):
        self.path = Path(path)
        self.t0 = time.time()

    def write(self, **rec) -> None:
        out = {"time": round(time.time() - self.t0, 3)}
        for k, v in rec.items():
            out[k] = float(v.detach()) if torch.is_tensor(v) else v
        with self.path.open("a") as f:
            f.write(json.dumps(out) + "\n")


def save_grid(path, columns: list, labels: list[str] | None = None) -> None:
    """columns: list of [B,3,H,W] tensors in [-1,1] (all the same H,W) -> PNG with one row per item."""
    cols = [((c.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
            for c in columns]
    rows = [np.concatenate([c[b] for c in cols], axis=1) for b in range(cols[0].shape[0])]
    img = np.concatenate(rows, axis=0)
    if labels:
        w = cols[0].shape[2]
        bar = np.full((18, img.shape[1], 3), 255, np.uint8)
        for i, t in enumerate(labels):
            cv2.putText(bar, t, (i * w + 3, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
        img = np.concatenate([bar, img], axis=0)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.ascontiguousarray(img[..., ::-1]))


def check_schedule(steps: int, batch: int, sample_every: int, save_every: int, log_every: int) -> dict:
    """The schedule's ranges (InputError otherwise): steps, batch, save_every and log_every >= 1,
    sample_every >= 0 (0: never). `steps=-5` used to write an untrained model and report success.
    Returns the schedule of :func:`adversarial_loop` (steps and the three intervals)."""
    from poce_rt.limits import check_int

    for name, v, lo in (("steps", steps, 1), ("batch", batch, 1), ("sample_every", sample_every, 0),
                        ("save_every", save_every, 1), ("log_every", log_every, 1)):
        check_int(name, v, lo)
    return {"steps": steps, "sample_every": sample_every, "save_every": save_every, "log_every": log_every}


LOG = "train_log.jsonl"   # one log per model directory, both trainings append to it


def adversarial_loop(stage: str, out: Path, generator, opt_g, opt_d, *, step: int, lr: float, schedule: dict,
                     progress: bool, batch_losses: Callable[[], tuple[Callable[[], dict], Callable[[], dict]]],
                     sample: Callable[[], tuple[list, list[str]]], save: Callable[[int], None],
                     postfix: Callable[[dict], dict]) -> dict:
    """The loop both trainings share (Sec. IV-A): per step the lr schedule, one critic step, one
    generator step, the JSONL log (``out/train_log.jsonl``), a sample grid
    (``out/samples/<stage>_<step>.png``) and a checkpoint at their intervals; a last save.

    schedule: steps, sample_every, save_every, log_every (from :func:`check_schedule`).
    batch_losses(): draws the step's batch and returns (critic loss, generator loss) closures, each
    returning a dict of scalar tensors with a "total" to minimise. sample(): the grid's columns and
    labels (run with `generator` in eval mode, without grad). save(step): writes the weights and
    training state. postfix(losses): the progress bar's fields.
    Returns the last step's losses as floats ("total" renamed d_total / g_total).
    """
    from tqdm import tqdm

    steps, log_every, sample_every, save_every = (schedule[k] for k in ("steps", "log_every",
                                                                          "sample_every", "save_every"))
    log = JsonlLog(out / LOG)
    losses: dict = {}
    bar = tqdm(total=steps, initial=step, desc=stage, unit="step", disable=not progress)
    t0 = time.time()
    while step < steps:
        lr_now = lr_at(step, steps, lr)
        set_lr((opt_g, opt_d), lr_now)
        d_loss, g_loss = batch_losses()
        ld = d_loss()
        opt_d.zero_grad(set_to_none=True)
        ld["total"].backward()
        opt_d.step()

        lg = g_loss()
        opt_g.zero_grad(set_to_none=True)
        lg["total"].backward()
        opt_g.step()
        step += 1
        losses = {**{("d_total" if k == "total" else k): float(v.detach()) for k, v in ld.items()},
                  **{("g_total" if k == "total" else k): float(v.detach()) for k, v in lg.items()}}
        if step % log_every == 0 or step == steps:
            log.write(stage=stage, step=step, lr=lr_now, sec_per_step=(time.time() - t0) / log_every, **losses)
            t0 = time.time()
        bar.update(1)
        bar.set_postfix(**postfix(losses))
        if sample_every and (step % sample_every == 0 or step == steps):
            generator.eval()
            with torch.no_grad():
                columns, labels = sample()
            generator.train()
            save_grid(out / "samples" / f"{stage}_{step:07d}.png", columns, labels)
        if step % save_every == 0 or step == steps:
            save(step)
    bar.close()
    save(step)
    return losses


# ---- face-crop datasets of the image-space systems (Cascade EF-GAN, LEED, ...) -----------------------
CROP_KIND = "face_crop"


def _crop_sampler(size: int):
    """build_dataset's sample_fn for face crops: (rgb, face) -> (aligned crop [S,S,3] in [0,1],
    face mask [S,S]); the shards then hold the crops under "uv" and the masks under "mask"."""
    from poce_rt.systems.crop import align_crop, face_mask, to_crop

    def sample(rgb, face):
        crop, theta = align_crop(rgb, face.vertices, size)
        return crop, face_mask(to_crop(face.vertices, theta), size)

    return sample


def crop_datasets(data, out, size: int, data_dir=None, every: int = 1) -> list[str]:
    """Face-crop dataset directories for `data`: crop datasets as they are, raw images / folders /
    videos tracked and aligned (resumably) into `data_dir` (default out/crops_<size>)."""
    from .dataset import MANIFEST, _atomic_json, build_dataset, is_dataset, read_manifest

    dirs, raw = [], []
    for d in data:
        if is_dataset(d):
            man = read_manifest(d)
            if man.get("kind") != CROP_KIND or man.get("uv_size") != size:
                raise ValueError(f"{d} is not a {size}px face-crop dataset (it holds {man.get('kind', 'UV maps')} "
                                 f"of {man.get('uv_size')}px): give the photos or videos instead")
            dirs.append(str(d))
        else:
            raw.append(d)
    if raw:
        dd = Path(data_dir or Path(out) / f"crops_{size}")
        build_dataset(raw, dd, every=every, sample_fn=_crop_sampler(size))
        man = read_manifest(dd)
        man["kind"] = CROP_KIND
        _atomic_json(dd / MANIFEST, man)
        dirs.append(str(dd))
    return dirs


class FaceCrops:
    """All face crops of crop datasets in memory: crops uint8 [K,3,S,S], masks uint8 [K,1,S,S],
    codes float32 [K,52] (the tracker's blendshape scores). get(idx) -> crops in [-1,1], masks in
    {0,1}, codes."""

    def __init__(self, dirs, indices=None):
        from .dataset import UVDataset

        ds = UVDataset(dirs, indices=indices)   # the same shards: "uv" holds the crops
        self.crops, self.masks, self.codes = ds.uv, ds.mask, ds.code
        self.size = ds.size

    def __len__(self) -> int:
        return int(self.crops.shape[0])

    def get(self, idx, device="cpu"):
        idx = torch.as_tensor(idx, dtype=torch.long)
        return (self.crops[idx].to(device).float() / 127.5 - 1, (self.masks[idx].to(device) > 127).float(),
                self.codes[idx].to(device))


def gradient_penalty(critic, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """WGAN-GP (Gulrajani et al.): (||grad critic(x~)||_2 - 1)^2 at random points between real and fake."""
    shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    eps = torch.rand(shape, device=real.device)
    x = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    out = critic(x)
    out = out[0] if isinstance(out, tuple) else out
    g, = torch.autograd.grad(out.sum(), x, create_graph=True)
    return ((g.flatten(1).norm(dim=1) - 1) ** 2).mean()


def write_system_config(out, system: str, cfg) -> None:
    """config.json of an image-space system's model directory: {"system", "format", "config"}."""
    from poce_rt.models.io import atomic_write_text

    Path(out).mkdir(parents=True, exist_ok=True)
    atomic_write_text(Path(out) / "config.json", json.dumps(
        {"format": "poce-rt-model/1", "system": system, "config": cfg.to_dict(), "config_hash": cfg.hash()},
        indent=2, sort_keys=True))


def read_system_config(model_dir, system: str, cls):
    """The architecture config of an image-space system's model directory (ModelDirError if absent)."""
    from poce_rt.models.io import ModelDirError

    f = Path(model_dir) / "config.json"
    try:
        d = json.loads(f.read_text())
        if d.get("system") != system:
            raise ValueError(f"it holds a {d.get('system', 'poce')} model, not {system}")
        return cls.from_dict(d["config"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ModelDirError(f"{f}: not a {system} model directory ({e})") from None
