"""Before/after pictures of issue 15 (seamless faces) on the repository's real photos.

    python scripts/before_after.py OUT_DIR

Writes OUT_DIR/pose.png (per photo: source | yaw -25 and +25 with the plain oval ring, weak
perspective and the packaged rig as fitted, i.e. the drawing before issue 15 | yaw -25 and +25
now: head proxy, pinhole camera) and
OUT_DIR/mouth.png (per photo: source | jawOpen 0.4 | jawOpen 0.8 | yaw +25 alone, crops around
the mouth; Image_with_alpha.png, laughing, last) and
OUT_DIR/heldout.png (the held-out photos no default was tuned on: source | yaw -25 | yaw +25 now,
crops of twice the edited face's box; multi_face.jpg's young man with sunglasses,
its leftmost face, and t1.jpg's faces 0 and 1, among them).
The "before" columns reproduce the old surround and rig; the motion-gated blend and the drawn
mouth are on in both (the old code is in git history: check out a commit before issue 15 to see
its exact output).
"""
from __future__ import annotations

import math
import sys
import warnings
from pathlib import Path

import cv2
import numpy as np

import poce_rt
from poce_rt.assets import data_path, load_image
from poce_rt.rig import load_rig

PHOTOS = ("single_face.jpg", "15-f13-anc-ph.jpg", "0-f15-hao-ph.jpg", "astronaut", "0-f1-su-ph.jpg")
HELD_OUT = ("Image_with_alpha.png", "Tom_Hanks_54745.png", "t1.jpg", "multi_face.jpg:0", "t1.jpg:0",
            "t1.jpg:1")   # NAME:K: its K-th face (t1.jpg alone: its largest)
TILE = 256


def tile(img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    return cv2.resize(img, (TILE, int(round(TILE * h / w))), interpolation=cv2.INTER_AREA)


def pose_row(new: poce_rt.Editor, old: poce_rt.Editor, img: np.ndarray) -> np.ndarray:
    tiles = [img]
    for ed in (old, new):
        src = ed.prepare(img)
        tiles += [ed.edit(img, pose=(0, yaw, 0), source=src).image for yaw in (-25, 25)]
    return np.hstack([tile(t) for t in tiles])


def mouth_row(ed: poce_rt.Editor, img: np.ndarray) -> np.ndarray:
    src = ed.prepare(img)
    x0, _, x1, _ = src.face.bbox
    cx, cy = src.face.vertices[14, :2].astype(int)
    r = int(0.35 * (x1 - x0))
    tiles = []
    edits = [None, {"expression": {"jawOpen": 0.4}}, {"expression": {"jawOpen": 0.8}}, {"pose": (0, 25, 0)}]
    for e in edits:
        out = ed.edit(img, source=src, **e).image if e else img
        tiles.append(cv2.resize(out[max(cy - r, 0):cy + r, max(cx - r, 0):cx + r], (TILE, TILE)))
    return np.hstack(tiles)


def heldout_row(ed: poce_rt.Editor, name: str) -> np.ndarray:
    file, _, index = name.partition(":")
    img = load_image(data_path(file))
    src = ed.prepare(img, ed.faces(img, int(index))[0] if index else None)
    x0, y0, x1, y1 = src.face.bbox
    cx, cy, r = int(0.5 * (x0 + x1)), int(0.5 * (y0 + y1)), int(x1 - x0)
    outs = [img] + [ed.edit(img, pose=(0, yaw, 0), source=src).image for yaw in (-25, 25)]
    # beyond the photo: flat grey (a close crop like Tom_Hanks runs off its borders)
    pad = [np.pad(o, ((r, r), (r, r), (0, 0)), constant_values=96)[cy:cy + 2 * r, cx:cx + 2 * r] for o in outs]
    return np.hstack([cv2.resize(t, (TILE, TILE), interpolation=cv2.INTER_AREA if r > TILE // 2 else cv2.INTER_CUBIC)
                      for t in pad])


def main(out_dir: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    warnings.simplefilter("ignore")
    before = poce_rt.EditorConfig(head_proxy=False, camera_distance_cm=math.inf)
    with poce_rt.Editor() as new, poce_rt.Editor(rig=load_rig(), config=before) as old:
        images = [load_image(data_path(n)) for n in PHOTOS]
        rows = [pose_row(new, old, im) for im in images]
        width = max(r.shape[1] for r in rows)
        pose = np.vstack([np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0))) for r in rows])
        cv2.imwrite(str(out / "pose.png"), cv2.cvtColor(pose, cv2.COLOR_RGB2BGR))
        mouth = np.vstack([mouth_row(new, im) for im in images + [load_image(data_path("Image_with_alpha.png"))]])
        cv2.imwrite(str(out / "mouth.png"), cv2.cvtColor(mouth, cv2.COLOR_RGB2BGR))
        held = np.vstack([heldout_row(new, n) for n in HELD_OUT])
        cv2.imwrite(str(out / "heldout.png"), cv2.cvtColor(held, cv2.COLOR_RGB2BGR))
    print(f"wrote {out / 'pose.png'}, {out / 'mouth.png'} and {out / 'heldout.png'}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "out/issue15")
