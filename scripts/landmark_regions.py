"""Where the MediaPipe judge's landmarks on a pose edit lie against the turned mesh, by face region
(issue 15: where a yaw read-back that falls short loses its degrees).

    python scripts/landmark_regions.py [--photos NAME[:K] ...] [--yaws DEG ...] [--crop MARGIN SCALE]
                                       [--min-confidence C]

Each photo is edited by `Editor.edit(image, pose=(0, yaw, 0))`. The drawn mesh at the target pose
(`Editor.plan`: pose_vertices(plan.shape, plan.target_pose), the Geometry's posed vertices) says
where each of the 468 landmarks should be; the judge (yaw_readback.judged: whole photo and tiles,
or with --crop one of yaw_readback.crop_yaws' crops, MARGIN face widths about the face's box at
SCALE times the photo's size) says where it finds them. The judge's own offset on the source (its
landmarks there less the editor's mesh: none where both read the whole photo) is added to the
drawn mesh. Per region (REGION_NAMES; "far" is the side the turn carries away from the camera):
  - err: mean distance judge - drawn (px, and % of the face's width, landmarks 234-454 in the photo),
  - lead: mean offset along the turn (the median direction of the landmarks' asked move in x;
    > 0: ahead of the turn, < 0: lagging it), dy: mean vertical offset (> 0: lower),
  - asked / seen: mean move in x along the turn, drawn mesh and judge (source to output, px),
  - follow: the share of the asked move the judge reads, (seen . asked) / |asked|^2,
  - yaw if drawn: how the judge's yaw reading (the tracker's similarity fit, MediaPipe's rigid
    landmarks) changes when the region's landmarks are put where the drawn mesh has them: whole
    (position and depth), position only, depth only (depth offset to the judge's mean).
Below each table: the reading with every position at the drawn mesh's (the judge's depth kept) and
with every depth at the drawn mesh's (its positions kept). Where the first reads as the judge does
and the second as the drawn turn, the picture puts the landmarks where the turned head has them
and what the judge misses is the depth it infers from the picture.

Image_with_alpha.png (source -9.9) at -25, 2026-12-06: the judge reads -22.1, the drawn mesh -25.4;
every position at the drawn mesh's -22.2, every depth -25.4. No region's positions move the reading
by more than 0.6 degrees (the nose); the depth it infers costs most on the near jaw (0.9), near
cheek (0.6), far cheek (0.5) and nose (0.4). The frontal photos drawn at -35 absolute read alike
(single_face -24.5 of -26.6: positions -24.7, depth -26.8; 0-f15 -29.6 of -35: -31.0 / -34.2).
"""
from __future__ import annotations

import argparse
import sys
import warnings

import cv2
import numpy as np

import poce_rt
from poce_rt.assets import data_path, load_image
from poce_rt.boxes import same_face
from poce_rt.errors import InputError
from poce_rt.fit import fit_similarity, pose_vertices
from poce_rt.head_proxy import FACE_OVAL
from poce_rt.masks import LEFT_EYE, LEFT_EYEBROW, LIPS, NOSE, RIGHT_EYE, RIGHT_EYEBROW
from poce_rt.tracker import FaceTracker
from yaw_readback import CROP_SIDE_MAX, judged

PHOTOS = ("Image_with_alpha.png", "t1.jpg", "Tom_Hanks_54745.png")
YAWS = (-25.0, 25.0)
REGION_NAMES = ("outline far", "jaw far", "chin/beard", "jaw near", "outline near", "cheek far", "cheek near",
                "eye far", "eye near", "brow far", "brow near", "nose", "mouth", "forehead")
# canonical frame (cm; x to the subject's left, y down): where the oval's forehead part ends (above
# the brows), where the jaw begins (the mouth's corners, y 4.3), how far from the midline the chin
# reaches on the oval and the nose's side off it
FOREHEAD_Y = -5.0
FOREHEAD_INNER_Y = -5.3   # off the oval: the brows' top (y -5.1) stays out
JAW_Y = 4.3
CHIN_INNER_Y = 5.0        # off the oval: below the lower lip
CHIN_HALF_WIDTH = 2.5
NOSE_HALF_WIDTH = 2.0
NOSE_TIP = 1              # MediaPipe's nose tip
FACE_SIDES = (234, 454)   # the oval's widest pair: the face's width


def region_labels(canonical: np.ndarray, far_sign: float) -> np.ndarray:
    """[468] str: each landmark's region (REGION_NAMES). canonical [468,3] MediaPipe's canonical
    mesh; far_sign: the sign of canonical x on the side the turn carries away (far_side)."""
    x, y = canonical[:, 0], canonical[:, 1]
    side = np.where(np.sign(x) == far_sign, "far", "near")
    on_oval = np.zeros(len(x), bool)
    on_oval[list(FACE_OVAL)] = True
    out = np.where(np.abs(x) >= NOSE_HALF_WIDTH, np.char.add("cheek ", side), "nose").astype(object)
    out[~on_oval & (y > CHIN_INNER_Y)] = "chin/beard"
    out[~on_oval & (y < FOREHEAD_INNER_Y)] = "forehead"
    out[on_oval & (y < JAW_Y)] = np.char.add("outline ", side[on_oval & (y < JAW_Y)])
    jaw = on_oval & (y >= JAW_Y)
    out[jaw] = np.where(np.abs(x[jaw]) > CHIN_HALF_WIDTH, np.char.add("jaw ", side[jaw]), "chin/beard")
    out[on_oval & (y < FOREHEAD_Y)] = "forehead"
    for ids, name in ((LEFT_EYE + RIGHT_EYE, "eye"), (LEFT_EYEBROW + RIGHT_EYEBROW, "brow")):
        out[list(ids)] = [f"{name} {side[i]}" for i in ids]
    out[list(NOSE)] = "nose"
    out[list(LIPS)] = "mouth"
    return out


def far_side(canonical: np.ndarray, src: np.ndarray, drawn: np.ndarray) -> float:
    """The sign of canonical x on the side whose landmarks the turn carries back (depth grows from
    the source's vertices src [468,3] to the drawn mesh's)."""
    return float(np.sign(np.mean(np.sign(canonical[:, 0]) * (drawn[:, 2] - src[:, 2]))) or 1.0)


def compare(marks: np.ndarray, drawn: np.ndarray, marks_src: np.ndarray, src: np.ndarray, model) -> dict:
    """The judge's landmarks on the output (marks [468,3]) against the drawn mesh (drawn), with its
    landmarks on the source (marks_src) against the editor's mesh there (src) as its own offset;
    model: the tracker's FaceModel (canonical mesh, rigid weights). -> {"rows": {region: {...}},
    "judge", "drawn", "drawn_xy", "drawn_depth": yaw changes from the judge's source reading,
    "width": the face's width (px)} (module docstring)."""
    marks, drawn, marks_src, src = (np.asarray(a, np.float64) for a in (marks, drawn, marks_src, src))
    canonical, weights = np.asarray(model.vertices, np.float64), model.procrustes_weights
    target = drawn + (marks_src - src)
    target[:, 2] += marks[:, 2].mean() - target[:, 2].mean()   # depth: only its differences are read

    def yaw(v):
        return fit_similarity(v, canonical, weights)[0].yaw

    y0, y1 = yaw(marks_src), yaw(marks)
    width = float(np.linalg.norm(src[FACE_SIDES[0], :2] - src[FACE_SIDES[1], :2]))
    asked, seen = drawn[:, :2] - src[:, :2], marks[:, :2] - marks_src[:, :2]
    along = float(np.sign(np.median(asked[:, 0])) or 1.0)
    labels = region_labels(canonical, far_side(canonical, src, drawn))

    def moved(m, cols):
        v = marks.copy()
        v[np.ix_(m, cols)] = target[np.ix_(m, cols)]
        return yaw(v) - y1

    rows = {}
    for name in REGION_NAMES:
        m = labels == name
        if not m.any():
            continue
        d = marks[m, :2] - target[m, :2]
        err = float(np.linalg.norm(d, axis=1).mean())
        rows[name] = {"n": int(m.sum()), "err": err, "err_pct": 100 * err / width,
                      "lead": along * float(d[:, 0].mean()), "dy": float(d[:, 1].mean()),
                      "asked": along * float(asked[m, 0].mean()), "seen": along * float(seen[m, 0].mean()),
                      "follow": float((seen[m] * asked[m]).sum() / max(float((asked[m] ** 2).sum()), 1e-9)),
                      "yaw_whole": moved(m, [0, 1, 2]), "yaw_xy": moved(m, [0, 1]), "yaw_depth": moved(m, [2])}
    every = np.ones(len(marks), bool)
    return {"rows": rows, "width": width, "judge": y1 - y0, "drawn": yaw(target) - y0,
            "drawn_xy": moved(every, [0, 1]) + y1 - y0, "drawn_depth": moved(every, [2]) + y1 - y0}


def crop_marks(judge: FaceTracker, img: np.ndarray, box, margin: float, scale: float):
    """[468,3] the judge's landmarks (photo px) of the face at `box` read in one of
    yaw_readback.crop_yaws' crops (margin face widths about the box, scale times the photo), or None."""
    x0, y0, x1, y1 = box
    m = margin * (x1 - x0)
    cx0, cy0 = int(max(0, x0 - m)), int(max(0, y0 - m))
    cx1, cy1 = int(min(img.shape[1], x1 + m)), int(min(img.shape[0], y1 + m))
    k = min(scale, CROP_SIDE_MAX / max(cx1 - cx0, cy1 - cy0))
    crop = cv2.resize(img[cy0:cy1, cx0:cx1], None, fx=k, fy=k, interpolation=cv2.INTER_CUBIC)
    found = judge.track(crop)
    j = same_face([(f.bbox[0] / k + cx0, f.bbox[1] / k + cy0, f.bbox[2] / k + cx0, f.bbox[3] / k + cy0)
                   for f in found], box)
    if j is None:
        return None
    v = found[j].vertices.astype(np.float64) / k
    v[:, :2] += (cx0, cy0)
    return v


def table(name: str, yaw: float, r: dict) -> str:
    """One edit's comparison (compare's dict) as a markdown table."""
    lines = [f"{name} at {yaw:+g}: the judge reads {r['judge']:+.1f} ({100 * abs(r['judge'] / yaw):.0f}%), "
             f"the drawn mesh {r['drawn']:+.1f}; every position at the drawn mesh's {r['drawn_xy']:+.1f}, "
             f"every depth {r['drawn_depth']:+.1f} (face width {r['width']:.0f} px)", "",
             "| region | n | err px (% width) | lead px | dy px | asked / seen px | follow | yaw if drawn: whole / "
             "position / depth |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for k, v in r["rows"].items():
        lines.append(f"| {k} | {v['n']} | {v['err']:.1f} ({v['err_pct']:.1f}%) | {v['lead']:+.1f} | {v['dy']:+.1f} | "
                     f"{v['asked']:+.1f} / {v['seen']:+.1f} | {v['follow']:.2f} | {v['yaw_whole']:+.2f} / "
                     f"{v['yaw_xy']:+.2f} / {v['yaw_depth']:+.2f} |")
    return "\n".join(lines) + "\n"


def measure(ed: poce_rt.Editor, judge: FaceTracker, name: str, yaws, crop=None) -> list[str]:
    """The tables of one photo (NAME or NAME:K) at each yaw."""
    file, _, index = name.partition(":")
    img = load_image(data_path(file))
    src = ed.prepare(img, ed.faces(img, int(index))[0] if index else None)
    box = src.face.bbox

    def read(image):
        if crop is not None:
            return crop_marks(judge, image, box, *crop)
        f = judged(judge, image, box)
        return None if f is None else f.vertices

    marks_src = read(img)
    if marks_src is None:
        return [f"{name}: the judge finds no face in the source"]
    out = []
    for yaw in yaws:
        try:
            plan = ed.plan(src, pose=(0, yaw, 0))
        except InputError:
            out.append(f"{name} at {yaw:+g}: past the pose limits\n")
            continue
        marks = read(ed.edit(img, pose=(0, yaw, 0), source=src).image)
        if marks is None:
            out.append(f"{name} at {yaw:+g}: the judge finds no face\n")
            continue
        drawn = pose_vertices(plan.shape, plan.target_pose)
        out.append(table(name, yaw, compare(marks, drawn, marks_src, src.face.vertices, judge.model)))
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--photos", nargs="*", default=list(PHOTOS))
    ap.add_argument("--yaws", nargs="*", type=float, default=list(YAWS))
    ap.add_argument("--crop", nargs=2, type=float, metavar=("MARGIN", "SCALE"))
    ap.add_argument("--min-confidence", type=float, default=0.5,
                    help="the judge's detection and face-presence threshold (crops of Image_with_alpha: 0.1)")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    with poce_rt.Editor() as ed, FaceTracker(max_faces=4, min_confidence=args.min_confidence) as judge:
        for name in args.photos:
            print("\n".join(measure(ed, judge, name, args.yaws, args.crop)))


if __name__ == "__main__":
    main(sys.argv[1:])
