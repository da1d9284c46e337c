"""Training data of the flow-guided systems (F3A-GAN, GaFET): tracked frames -> aligned crop pairs.

Crops are those of poce_rt.systems.crop (a similarity from the eyes, nose and mouth onto a template),
so a network trains on exactly what its runner is given.

Photos and videos are tracked once (frames kept in memory: the tiny and test runs use a few dozen);
a pair (s, t) takes two frames of one source (a photo pairs with itself: no motion), crops both
with the *source's* box (the network outputs the target in the source's crop, as F3A-GAN's paired
300VW frames are), and carries the source and target meshes in crop pixels, so that poce_rt.flow
renders the facial flow, the motion flow and the geometry map. Each pair also carries the boxes of
the eyes, nose and mouth in the crop (L_wp's weights, GaFET's component discriminator).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from .. import flow
from ..masks import LEFT_EYE, LEFT_EYEBROW, LIPS, NOSE, RIGHT_EYE, RIGHT_EYEBROW
from ..tracker import Face
from .dataset import expand_inputs, is_dataset, iter_frames

REGIONS = {"eyes": LEFT_EYE + RIGHT_EYE + LEFT_EYEBROW + RIGHT_EYEBROW, "nose": NOSE, "mouth": LIPS}


def write_system_config(out: Path, system: str, cfg) -> None:
    """config.json of a flow-system model directory: {"system": name, name: cfg}."""
    from ..models.io import atomic_write_text

    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "config.json", json.dumps({"system": system, system: cfg.to_dict()}, indent=2))


def read_system_config(path, system: str, cls):
    """The `cls` config of a model directory written by write_system_config (ValueError otherwise)."""
    d = json.loads((Path(path) / "config.json").read_text())
    if d.get("system") != system:
        raise ValueError(f"{path} holds a {d.get('system')!r} model, not {system!r}")
    return cls.from_dict(d[system])


def load_generator(path, system: str, cfg_cls, net_cls, weights: str, device="cpu"):
    """(config, generator in eval mode) of a flow-system model directory."""
    from ..models.io import load_weights

    cfg = read_system_config(path, system, cfg_cls)
    return cfg, load_weights(Path(path) / weights, net_cls(cfg), device).eval()


def crop_frame(image: np.ndarray, theta: np.ndarray, size: int) -> np.ndarray:
    """[H,W,3] uint8 -> [size,size,3] uint8: the crop of `theta` (poce_rt.systems.crop's alignment,
    the very crop the runners get at inference)."""
    from .. import ops

    c = ops.crop(image, np.asarray(theta, np.float32)[None], (size, size))[0]
    return np.clip(c * 255.0 + 0.5, 0, 255).astype(np.uint8)


def region_boxes(verts_crop: np.ndarray, size: int, pad: float = 0.15) -> dict[str, tuple[int, int, int, int]]:
    """name -> (x0, y0, x1, y1) crop-pixel box of each landmark group, padded, clipped to the crop."""
    out = {}
    for name, idx in REGIONS.items():
        xy = verts_crop[list(idx), :2]
        lo, hi = xy.min(0), xy.max(0)
        p = pad * (hi - lo).max()
        x0, y0 = np.clip(np.floor(lo - p), 0, size - 1).astype(int)
        x1, y1 = np.clip(np.ceil(hi + p), 1, size).astype(int)
        out[name] = (int(x0), int(y0), int(max(x1, x0 + 1)), int(max(y1, y0 + 1)))
    return out


def feature_weights(verts_crop: np.ndarray, size: int, extra: float) -> np.ndarray:
    """F3A-GAN L_wp's weight map w [size,size]: 1, plus `extra` on the eye, nose and mouth boxes."""
    w = np.ones((size, size), np.float32)
    for x0, y0, x1, y1 in region_boxes(verts_crop, size).values():
        w[y0:y1, x0:x1] = 1.0 + extra
    return w


@dataclass
class Tracked:
    image: np.ndarray    # the whole frame
    face: Face
    source: int          # which input it came from


def track_inputs(inputs: Sequence, *, every: int = 1, max_frames: int | None = None, bundle=None,
                 progress: bool = False) -> list[Tracked]:
    """Track the first face of every `every`-th frame of each input (frames without one skipped).
    max_frames: at most this many in all, shared out over the inputs; a long video's stride grows
    so that its share spans the whole video rather than its first seconds."""
    from ..tracker import FaceTracker, NoFaceError
    from .dataset import count_frames

    files = expand_inputs(inputs)
    if any(is_dataset(p) for p in inputs):
        raise ValueError("F3A-GAN / GaFET train on images and videos (their frames), not UV dataset directories")
    share = None if max_frames is None else max(1, max_frames // max(1, len(files)))
    out: list[Tracked] = []
    with FaceTracker(bundle, max_faces=1, mode="image") as tracker:
        for k, path in enumerate(files):
            stride = every if share is None else max(every, -(-count_frames(path, 1) // share))
            taken = 0
            for _, frame in iter_frames(path, stride):
                if share is not None and taken >= share:
                    break
                try:
                    face = tracker.track_one(frame)
                except NoFaceError:
                    continue
                out.append(Tracked(frame, face, k))
                taken += 1
                if progress:
                    print(f"\rtracked {len(out)} frames", end="", flush=True)
    if progress:
        print()
    if not out:
        raise ValueError(f"no face found in {', '.join(map(str, files)) or 'the inputs'}")
    return out


class CropPairs:
    """Random (source, target) crop pairs of `size` px from tracked frames, as NumPy arrays."""

    def __init__(self, frames: list[Tracked], size: int):
        self.frames, self.size = frames, int(size)
        self.by_source: dict[int, list[int]] = {}
        for i, f in enumerate(frames):
            self.by_source.setdefault(f.source, []).append(i)

    def pair(self, i: int, j: int) -> dict:
        """Frames i (source) and j (target, same input) in i's crop: images [S,S,3] uint8, meshes
        [468,3] in crop pixels, codes [52], the source's canonical shape and its region boxes."""
        from ..systems.crop import crop_theta, to_crop

        s, t = self.frames[i], self.frames[j]
        theta = crop_theta(s.face.vertices, self.size)
        return {"src": crop_frame(s.image, theta, self.size), "tgt": crop_frame(t.image, theta, self.size),
                "src_verts": to_crop(s.face.vertices, theta), "tgt_verts": to_crop(t.face.vertices, theta),
                "src_code": s.face.blendshapes, "tgt_code": t.face.blendshapes, "shape": s.face.shape,
                "tgt_shape": t.face.shape}

    def own(self, i: int) -> dict:
        """Frame i in its own crop: image [S,S,3] uint8, mesh [468,3] in crop pixels, code, shape."""
        from ..systems.crop import crop_theta, to_crop

        f = self.frames[i]
        theta = crop_theta(f.face.vertices, self.size)
        return {"img": crop_frame(f.image, theta, self.size), "verts": to_crop(f.face.vertices, theta),
                "code": f.face.blendshapes, "shape": f.face.shape, "theta": theta, "face": f.face}

    def moved(self, own: dict, code) -> np.ndarray:
        """An `own()` frame's mesh moved by the rig to `code` at its pose: crop-pixel vertices [468,3]."""
        from ..systems.crop import to_crop

        face = own["face"]
        return to_crop(flow.face_mesh(face.shape, face.blendshapes, code, face.pose), own["theta"])

    def sample(self, rng: np.random.Generator, paired: bool = True) -> dict:
        """A random pair (paired: both from one input; else the target from anywhere, GaFET's
        unpaired (X, Y))."""
        i = int(rng.integers(len(self.frames)))
        pool = self.by_source[self.frames[i].source] if paired else range(len(self.frames))
        j = int(rng.choice(pool)) if paired else int(rng.integers(len(self.frames)))
        return self.pair(i, j)


def image_tensor(img: np.ndarray):
    """[S,S,3] uint8 -> [3,S,S] float32 in [-1, 1] (torch)."""
    import torch

    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1))).float() / 127.5 - 1.0

