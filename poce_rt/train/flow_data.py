"""Training data of the flow-guided systems (F3A-GAN, GaFET): tracked frames -> aligned crop pairs.

Photos and videos are tracked once (frames kept in memory: the tiny and test runs use a few dozen);
a pair (s, t) takes two frames of one source (a photo pairs with itself: no motion), crops both
with the *source's* box (the network outputs the target in the source's crop, as F3A-GAN's paired
300VW frames are), and carries the source and target meshes in crop pixels, so that poce_rt.flow
renders the facial flow, the motion flow and the geometry map. Each pair also carries the boxes of
the eyes, nose and mouth in the crop (L_wp's weights, GaFET's component discriminator).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from .. import flow
from ..masks import LEFT_EYE, LEFT_EYEBROW, LIPS, NOSE, RIGHT_EYE, RIGHT_EYEBROW
from ..tracker import Face
from .dataset import expand_inputs, iter_frames

REGIONS = {"eyes": LEFT_EYE + RIGHT_EYE + LEFT_EYEBROW + RIGHT_EYEBROW, "nose": NOSE, "mouth": LIPS}
MARGIN = 1.6   # crop side / the landmarks' larger extent: forehead, chin and cheeks all inside


def crop_box(face: Face) -> tuple[float, float, float]:
    """(x0, y0, side): a square around the face's landmarks, MARGIN times their extent."""
    x0, y0, x1, y1 = face.bbox
    side = MARGIN * max(x1 - x0, y1 - y0, 1.0)
    return 0.5 * (x0 + x1) - 0.5 * side, 0.5 * (y0 + y1) - 0.5 * side, side


def crop_image(image: np.ndarray, box, size: int) -> np.ndarray:
    """[H,W,3] uint8 -> [size,size,3] uint8 of `box` (edge pixels repeated outside the frame)."""
    x0, y0, side = box
    s = size / side
    m = np.float32([[s, 0, -x0 * s], [0, s, -y0 * s]])
    return cv2.warpAffine(image, m, (size, size), flags=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)


def to_crop(verts: np.ndarray, box, size: int) -> np.ndarray:
    """[N,3] image-space vertices -> crop pixels (depth scaled alike, so flows stay isotropic)."""
    x0, y0, side = box
    return ((np.asarray(verts, np.float64) - [x0, y0, 0.0]) * (size / side)).astype(np.float32)


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
    """Track the first face of every `every`-th frame of each input (frames without one skipped)."""
    from ..tracker import FaceTracker, NoFaceError

    files = expand_inputs(inputs)
    out: list[Tracked] = []
    with FaceTracker(bundle, max_faces=1, mode="image") as tracker:
        for k, path in enumerate(files):
            for _, frame in iter_frames(path, every):
                if max_frames is not None and len(out) >= max_frames:
                    break
                try:
                    face = tracker.track_one(frame)
                except NoFaceError:
                    continue
                out.append(Tracked(frame, face, k))
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
        s, t = self.frames[i], self.frames[j]
        box = crop_box(s.face)
        return {"src": crop_image(s.image, box, self.size), "tgt": crop_image(t.image, box, self.size),
                "src_verts": to_crop(s.face.vertices, box, self.size),
                "tgt_verts": to_crop(t.face.vertices, box, self.size),
                "src_code": s.face.blendshapes, "tgt_code": t.face.blendshapes, "shape": s.face.shape,
                "tgt_shape": t.face.shape}

    def own(self, i: int) -> dict:
        """Frame i in its own crop: image [S,S,3] uint8, mesh [468,3] in crop pixels, code, shape."""
        f = self.frames[i]
        box = crop_box(f.face)
        return {"img": crop_image(f.image, box, self.size), "verts": to_crop(f.face.vertices, box, self.size),
                "code": f.face.blendshapes, "shape": f.face.shape, "box": box, "face": f.face}

    def moved(self, own: dict, code) -> tuple[np.ndarray, np.ndarray]:
        """An `own()` frame's mesh moved by the rig to `code` at its pose: (crop-pixel vertices
        [468,3], canonical-frame shape [468,3])."""
        from ..rig import load_rig

        face = own["face"]
        shape = load_rig().apply(face.shape, np.asarray(code, np.float32) - face.blendshapes)
        verts = flow.face_mesh(face.shape, face.blendshapes, code, face.pose)
        return to_crop(verts, own["box"], self.size), shape

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


def facial_flow_input(src_verts, tgt_verts, size: int) -> np.ndarray:
    """[4,S,S] float32: the F3A facial flow in grid units + the source mesh's mask."""
    f, m = flow.facial_flow(src_verts, tgt_verts, size, size)
    return flow.to_network(f, m, size)
