"""How far the MediaPipe judge's yaw read-back is its own left-right bias (issue 15).

    python scripts/judge_mirror.py [--photos NAME[:K] ...] [--yaws DEG ...] [--out TABLE.md]

A yaw estimator should read a mirrored picture as the same turn the other way: yaw(mirror(x)) =
-yaw(x). MediaPipe's face landmarker does not, on some faces by several degrees, and its face
presence (whether it finds a face at all) can differ between a picture and its mirror. This script
edits each photo with `Editor.edit(image, pose=(0, yaw, 0))` exactly as scripts/yaw_readback.py does,
then reads source and output twice, as they are and mirrored left to right (the face's box
mirrored with them; the mirrored readings' sign flipped back), in the whole photo and in
yaw_readback's 8 crops (crop_yaws). Per photo and yaw:
  - source yaw as is / mirrored: the judge's bias on the untouched photo (equal for an unbiased judge),
  - change as % of the asked turn, whole photo as is / mirrored ("lost": no face there),
  - crops: median % and how many of the 8 crops found the face, as is / mirrored.
The same pixels are judged both ways, so where the mirrored reading passes and the plain one
misses (or the plain one loses the face and the mirrored one finds it) the shortfall is the
judge's, not the drawing's.
"""
from __future__ import annotations

import argparse
import sys
import warnings

import numpy as np

import poce_rt
from poce_rt.assets import data_path, load_image
from poce_rt.tracker import FaceTracker
from yaw_readback import crop_yaws, judged

PHOTOS = ("Image_with_alpha.png", "multi_face.jpg:0")
YAWS = (-25.0, 25.0)


def mirrored_box(box, width: int):
    x0, y0, x1, y1 = box
    return (width - x1, y0, width - x0, y1)


def readings(judge: FaceTracker, img: np.ndarray, box) -> tuple[float, np.ndarray]:
    """(whole-photo yaw, [8] crop yaws) of the face at box; nan where the judge finds none."""
    found = judged(judge, img, box)
    return (float("nan") if found is None else found.pose.yaw), crop_yaws(judge, img, box)


def both_ways(judge: FaceTracker, img: np.ndarray, box):
    """readings as is and of the mirrored picture, the latter's yaws negated back."""
    plain = readings(judge, img, box)
    whole, crops = readings(judge, np.ascontiguousarray(img[:, ::-1]), mirrored_box(box, img.shape[1]))
    return plain, (-whole, -crops)


def percent(change, asked: float) -> str:
    return "lost" if not np.isfinite(change) else f"{100 * change / asked:.0f}%"


def crop_cell(change: np.ndarray, asked: float) -> str:
    ok = np.isfinite(change)
    if not ok.any():
        return "lost (0/8)"
    return f"{100 * np.median(change[ok]) / asked:.0f}% ({ok.sum()}/{len(change)})"


def measure(ed: poce_rt.Editor, judge: FaceTracker, name: str, yaws) -> list[str]:
    file, _, index = name.partition(":")
    img = load_image(data_path(file))
    src = ed.prepare(img, ed.faces(img, int(index))[0] if index else None)
    box = src.face.bbox
    source = both_ways(judge, img, box)
    rows = []
    for yaw in yaws:
        out = both_ways(judge, ed.edit(img, pose=(0, yaw, 0), source=src).image, box)
        cells = [f"{name}", f"{yaw:+.0f}", f"{source[0][0]:+.1f} / {source[1][0]:+.1f}"]
        cells += [f"{percent(out[k][0] - source[k][0], yaw)}" for k in (0, 1)]
        cells += [crop_cell(out[k][1] - source[k][1], yaw) for k in (0, 1)]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--photos", nargs="*", default=list(PHOTOS))
    ap.add_argument("--yaws", nargs="*", type=float, default=list(YAWS))
    ap.add_argument("--out", help="also write the table here")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    lines = ["| photo | yaw | source yaw: as is / mirrored | whole: as is | whole: mirrored "
             "| crops: as is | crops: mirrored |", "| --- | --- | --- | --- | --- | --- | --- |"]
    with poce_rt.Editor() as ed, FaceTracker(max_faces=4) as judge:
        for name in args.photos:
            lines += measure(ed, judge, name, args.yaws)
            print(lines[-1], file=sys.stderr, flush=True)
    table = "\n".join(lines) + "\n"
    print(table)
    if args.out:
        with open(args.out, "w") as f:
            f.write(table)


if __name__ == "__main__":
    main()
