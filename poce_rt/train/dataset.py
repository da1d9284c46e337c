"""Dataset builder and loader: images / folders / videos -> tracked faces -> sampled UV shards.

On disk (one directory): ``manifest.json`` + ``shard_00000.npz``, ... each shard holding
  uv     [K,S,S,3] uint8   sampled UV (``poce_rt.stages.sample_face``), 0..255
  mask   [K,S,S]   uint8   visibility mask, 0..255 (1.0 -> 255)
  code   [K,52]    float32 MediaPipe blendshape scores (the expression code)
  frame  [K]       int32   frame index in its source;  source [K] str
The builder is resumable: the manifest records, per source, the next frame not yet in a shard and
whether the source is finished; shards and the manifest are written atomically after each flush.
Frames without a face are skipped and counted (per source and in total).

The builder only needs numpy/cv2 (and the tracker); ``UVDataset`` (the loader) uses torch.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Sequence

import cv2
import numpy as np

IMAGE_EXT = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
VIDEO_EXT = {".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v"}
MANIFEST = "manifest.json"


def expand_inputs(inputs: Iterable) -> list[Path]:
    """Files and folders (recursive, sorted) -> image/video files. Unknown files given directly -> error."""
    out: list[Path] = []
    for x in inputs:
        p = Path(x)
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.suffix.lower() in IMAGE_EXT | VIDEO_EXT)
        elif p.is_file():
            if p.suffix.lower() not in IMAGE_EXT | VIDEO_EXT:
                raise ValueError(f"{p}: not an image or video file ({', '.join(sorted(IMAGE_EXT | VIDEO_EXT))})")
            out.append(p)
        else:
            raise FileNotFoundError(f"input {p} does not exist")
    return out


def count_frames(path: Path, every: int = 1) -> int:
    if path.suffix.lower() in IMAGE_EXT:
        return 1
    cap = cv2.VideoCapture(str(path))
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    cap.release()
    return (n + every - 1) // every if n > 0 else 0


def iter_frames(path: Path, every: int = 1, start: int = 0) -> Iterator[tuple[int, np.ndarray]]:
    """(frame index, HxWx3 uint8 RGB) of an image (index 0) or every ``every``-th video frame >= start."""
    if path.suffix.lower() in IMAGE_EXT:
        if start > 0:
            return
        img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if img is None:
            raise ValueError(f"cannot read image {path}")
        yield 0, np.ascontiguousarray(img[..., ::-1])
        return
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise ValueError(f"cannot open video {path}")
    try:
        i = 0
        while True:
            ok = cap.grab()                     # grab without decoding frames we skip
            if not ok:
                break
            if i >= start and i % every == 0:
                ok, bgr = cap.retrieve()
                if ok:
                    yield i, np.ascontiguousarray(bgr[..., ::-1])
            i += 1
    finally:
        cap.release()


@dataclass
class BuildReport:
    frames: int          # frames stored (in total, including earlier runs)
    no_face: int         # frames skipped because no face was found (in total)
    new_frames: int      # frames stored by this run
    shards: int


def _default_sampler():
    import functools

    from poce_rt.stages import sample_face      # the lead's UV sampling stage
    # the texels seen edge-on are a smear: not what completion learns to reproduce
    return functools.partial(sample_face, edge_on=False)


def _atomic_npz(path: Path, **arrays) -> None:
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


def _atomic_json(path: Path, obj) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, indent=1))
    os.replace(tmp, path)


def read_manifest(out_dir) -> dict:
    p = Path(out_dir) / MANIFEST
    if not p.is_file():
        return {"version": 1, "uv_size": None, "shards": [], "sources": {}}
    try:
        return json.loads(p.read_text())
    except json.JSONDecodeError as e:
        raise ValueError(f"{p} is corrupt ({e}); delete the dataset directory to rebuild") from e


def build_dataset(inputs: Sequence, out_dir, *, every: int = 1, max_frames: Optional[int] = None,
                  shard_size: int = 128, tracker=None, sample_fn: Optional[Callable] = None,
                  progress: bool = True) -> BuildReport:
    """Track every frame, sample its UV map, write shards to ``out_dir`` (resumes a previous run).

    tracker: object with ``track(rgb) -> list[Face]`` (largest face first; default: a new
    ``poce_rt.tracker.FaceTracker`` in image mode, closed at the end). sample_fn: ``(rgb, face) ->
    (uv [S,S,3] float32 in [0,1], mask [S,S] float32)`` (default ``poce_rt.stages.sample_face``).
    max_frames: cap on frames taken per source (after ``every``).
    """
    from tqdm import tqdm

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = expand_inputs(inputs)
    man = read_manifest(out)
    sample_fn = sample_fn or _default_sampler()
    own_tracker = tracker is None
    if own_tracker:
        from poce_rt.tracker import FaceTracker
        tracker = FaceTracker(mode="image", max_faces=1)

    buf: dict[str, list] = {"uv": [], "mask": [], "code": [], "frame": [], "source": []}
    pending: dict[str, dict] = {}      # per source progress not yet committed by a flush
    new = 0

    def flush():
        if buf["uv"]:
            name = f"shard_{len(man['shards']):05d}.npz"
            _atomic_npz(out / name, uv=np.stack(buf["uv"]), mask=np.stack(buf["mask"]),
                        code=np.stack(buf["code"]).astype(np.float32),
                        frame=np.asarray(buf["frame"], np.int32), source=np.asarray(buf["source"]))
            man["shards"].append({"file": name, "n": len(buf["uv"])})
            for v in buf.values():
                v.clear()
        for k, st in pending.items():
            man["sources"][k] = dict(st)
        _atomic_json(out / MANIFEST, man)     # the shard exists before the manifest points at it

    total = sum(min(count_frames(f, every), max_frames or 1 << 62) for f in files)
    bar = tqdm(total=total, desc="dataset", unit="frame", disable=not progress)
    try:
        for f in files:
            key = str(f.resolve())
            st = dict(man["sources"].get(key, {"next_frame": 0, "done": False, "frames": 0, "no_face": 0}))
            if st["done"]:
                bar.update(min(count_frames(f, every), max_frames or 1 << 62))
                continue
            taken = st["frames"] + st["no_face"]
            skipped = sum(v["no_face"] for k, v in man["sources"].items() if k != key)
            bar.update(taken)
            for idx, rgb in iter_frames(f, every, st["next_frame"]):
                if max_frames is not None and taken >= max_frames:
                    break
                taken += 1
                faces = tracker.track(rgb)
                if not faces:
                    st["no_face"] += 1
                else:
                    uv, mask = sample_fn(rgb, faces[0])
                    uv = np.asarray(uv, np.float32)
                    if man["uv_size"] is None:
                        man["uv_size"] = int(uv.shape[0])
                    elif uv.shape[0] != man["uv_size"]:
                        raise ValueError(f"sampler returned {uv.shape[0]}px UVs, dataset holds {man['uv_size']}px")
                    buf["uv"].append(np.clip(np.rint(uv * 255), 0, 255).astype(np.uint8))
                    buf["mask"].append(np.clip(np.rint(np.asarray(mask, np.float32) * 255), 0, 255).astype(np.uint8))
                    buf["code"].append(np.asarray(faces[0].blendshapes, np.float32))
                    buf["frame"].append(idx)
                    buf["source"].append(key)
                    st["frames"] += 1
                    new += 1
                st["next_frame"] = idx + 1
                pending[key] = st
                bar.update(1)
                bar.set_postfix(no_face=skipped + st["no_face"])
                if len(buf["uv"]) >= shard_size:
                    flush()
            st["done"] = True
            pending[key] = st
            flush()
            pending.clear()
    finally:
        bar.close()
        if own_tracker:
            tracker.close()
    frames = sum(s["frames"] for s in man["sources"].values())
    no_face = sum(s["no_face"] for s in man["sources"].values())
    if progress:
        print(f"dataset {out}: {frames} frames in {len(man['shards'])} shards; "
              f"skipped {no_face} frames with no face")
    return BuildReport(frames, no_face, new, len(man["shards"]))


def write_arrays(out_dir, uv: np.ndarray, mask: np.ndarray, code: np.ndarray, source: str = "synthetic") -> None:
    """Write already-sampled arrays (uv [K,S,S,3] float in [0,1], mask [K,S,S], code [K,52]) as a dataset
    (tests, or UVs from another pipeline)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    man = read_manifest(out)
    name = f"shard_{len(man['shards']):05d}.npz"
    _atomic_npz(out / name, uv=np.clip(np.rint(uv * 255), 0, 255).astype(np.uint8),
                mask=np.clip(np.rint(mask * 255), 0, 255).astype(np.uint8), code=code.astype(np.float32),
                frame=np.arange(len(uv), dtype=np.int32), source=np.asarray([source] * len(uv)))
    man["shards"].append({"file": name, "n": int(len(uv))})
    man["uv_size"] = int(uv.shape[1])
    man["sources"].setdefault(source, {"next_frame": len(uv), "done": True, "frames": 0, "no_face": 0})
    man["sources"][source]["frames"] += int(len(uv))
    _atomic_json(out / MANIFEST, man)


def is_dataset(path) -> bool:
    return (Path(path) / MANIFEST).is_file()


class UVDataset:
    """All shards of one or more dataset directories, in memory, resized to ``size``.

    Holds uint8 tensors; ``get(idx)`` returns float tensors: uv [B,3,s,s] in [-1,1], mask [B,1,s,s]
    in {0,1}, code [B,52]. When resizing down, a texel is valid only if all texels it covers are
    (area average > 0.999): training must never count interpolated background as visible.
    """

    def __init__(self, dirs, size: Optional[int] = None, indices: Optional[Sequence[int]] = None):
        import torch
        dirs = [dirs] if isinstance(dirs, (str, Path)) else list(dirs)
        uvs, masks, codes = [], [], []
        for d in dirs:
            man = read_manifest(d)
            if not man["shards"]:
                raise ValueError(f"{d}: no dataset shards (build one with `poce-rt train dataset`)")
            for sh in man["shards"]:
                with np.load(Path(d) / sh["file"], allow_pickle=False) as z:
                    uvs.append(z["uv"]); masks.append(z["mask"]); codes.append(z["code"])
        uv, mask, code = np.concatenate(uvs), np.concatenate(masks), np.concatenate(codes)
        if indices is not None:
            uv, mask, code = uv[list(indices)], mask[list(indices)], code[list(indices)]
        S = uv.shape[1]
        self.size = size or S
        if self.size != S:
            interp = cv2.INTER_AREA if self.size < S else cv2.INTER_LINEAR
            uv = np.stack([cv2.resize(u, (self.size, self.size), interpolation=interp) for u in uv])
            mf = np.stack([cv2.resize(m.astype(np.float32) / 255, (self.size, self.size), interpolation=interp)
                           for m in mask])
            mask = np.where(mf > 0.999, 255, 0).astype(np.uint8)
        else:
            mask = np.where(mask >= 128, 255, 0).astype(np.uint8)     # Eq. 4 needs a binary M
        self.uv = torch.from_numpy(np.ascontiguousarray(uv)).permute(0, 3, 1, 2).contiguous()  # [K,3,s,s] u8
        self.mask = torch.from_numpy(np.ascontiguousarray(mask))[:, None]                     # [K,1,s,s] u8
        self.code = torch.from_numpy(np.ascontiguousarray(code, dtype=np.float32))            # [K,52]

    def __len__(self) -> int:
        return int(self.uv.shape[0])

    def get(self, idx, device="cpu"):
        import torch
        idx = torch.as_tensor(idx, dtype=torch.long)
        uv = self.uv[idx].to(device).float() / 127.5 - 1
        mask = (self.mask[idx].to(device) > 127).float()
        return uv, mask, self.code[idx].to(device)

    def footprint(self):
        """[1,1,s,s] float: texels valid in at least one frame (the part of the layout the data covers)."""
        return (self.mask > 127).any(dim=0, keepdim=True).float()
