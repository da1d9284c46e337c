"""The judges on heads drawn at known far yaws (issue 15: why the held-out check's far readings
fall short: the sunglasses face at +25, t1.jpg's face 1 at -25).

    python scripts/judge_far.py [--photos NAME[:K] ...] [--yaws DEG ...] [--identity A B]

The held-out faces that miss the check start away from frontal: multi_face.jpg's face 0 at +10,
so +25 asks for 35 degrees; t1.jpg's face 1 at -33, so -25 asks for -58. Each photo here is drawn
by the editor at each *absolute* yaw of --yaws (its tracked yaw plus the difference) and the
MediaPipe judge (the tests' judge, as yaw_readback.py) reads the drawing's yaw: in the whole photo
and as the median of yaw_readback's 8 crops about the face. On the frontal photos (the default)
the drawing holds the photo's own texture on all but the far cheek, so what they read at 35 or
58 degrees is the judge's reading of a head drawn there, which a held-out face starting at +10
or -33 cannot read better. "lost": the judge finds no face.

--identity A B prints dlib's identity distance (poce_rt.metrics, as yaw_readback.py) between each
photo drawn at absolute yaws A and B (and the source against each): how far apart dlib places the
same head drawn at two poses 25 degrees apart at a far yaw, the check's bar being 0.5.
"""
from __future__ import annotations

import argparse
import sys
import warnings

import numpy as np

import poce_rt
from poce_rt.assets import data_path, load_image
from poce_rt.errors import InputError
from poce_rt.tracker import FaceTracker
from yaw_readback import crop_yaws, dlib_found, identity, judged

PHOTOS = ("single_face.jpg", "0-f15-hao-ph.jpg", "astronaut", "15-f13-anc-ph.jpg", "0-f1-su-ph.jpg", "t1.jpg")
YAWS = (20.0, 25.0, 30.0, 35.0, 40.0, -45.0, -50.0, -58.0)


def prepared(ed: poce_rt.Editor, name: str):
    """(image, prepared source) of NAME or NAME:K (the K-th face from the left)."""
    file, _, index = name.partition(":")
    img = load_image(data_path(file))
    return img, ed.prepare(img, ed.faces(img, int(index))[0] if index else None)


def drawn_at(ed: poce_rt.Editor, img: np.ndarray, src, yaw: float) -> np.ndarray:
    """img's face drawn at absolute yaw `yaw` (pitch and roll as tracked)."""
    return ed.edit(img, pose=(0, yaw - src.face.pose.yaw, 0), source=src).image


def read(judge: FaceTracker, img: np.ndarray, box) -> tuple[float, float]:
    """(whole-photo yaw, median of the 8 crops' yaws) of the face in `box`; nan where lost."""
    j = judged(judge, img, box)
    crops = crop_yaws(judge, img, box)
    return (np.nan if j is None else j.pose.yaw,
            float(np.nanmedian(crops)) if np.isfinite(crops).any() else np.nan)


def fmt(v: float) -> str:
    return "lost" if not np.isfinite(v) else f"{v:+.1f}"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--photos", nargs="*", default=list(PHOTOS))
    ap.add_argument("--yaws", nargs="*", type=float, default=list(YAWS))
    ap.add_argument("--identity", nargs=2, type=float, metavar=("A", "B"))
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    head = "| photo (tracked yaw) | " + " | ".join(f"{y:+.0f}" for y in args.yaws) + " |"
    lines = [head, "|" + " --- |" * (len(args.yaws) + 1)]
    with poce_rt.Editor() as ed, FaceTracker(max_faces=4) as judge:
        for name in args.photos:
            img, src = prepared(ed, name)
            if args.identity:
                a, b = (drawn_at(ed, img, src, y) for y in args.identity)
                fs, fa, fb = (dlib_found(x, src.face) for x in (img, a, b))
                A, B = (f"{y:+.0f}" for y in args.identity)
                print(f"{name} ({src.face.pose.yaw:+.0f}): IED source-{A} {identity(fs, fa):.3f}, "
                      f"source-{B} {identity(fs, fb):.3f}, {A}-{B} {identity(fa, fb):.3f}", flush=True)
                continue
            cells = []
            for y in args.yaws:
                try:
                    whole, crops = read(judge, drawn_at(ed, img, src, y), src.face.bbox)
                except InputError:      # past the pose limits
                    cells.append("n/a")
                    continue
                cells.append(f"{fmt(whole)} / {fmt(crops)}")
            lines.append(f"| {name} ({src.face.pose.yaw:+.1f}) | " + " | ".join(cells) + " |")
            print(lines[-1], flush=True)
    if not args.identity:
        print("\nMediaPipe's yaw of each photo drawn at the column's absolute yaw (whole photo / 8 crops' median)")
        print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1:])
