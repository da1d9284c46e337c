"""Yaw read-back, identity, round trip and forehead seam of pose edits (issue 15, item 4).

    python scripts/yaw_readback.py [--config KEY=VALUE ...] [--label NAME] [--out TABLE.md]

Each photo is edited by `Editor.edit(image, pose=(0, yaw, 0))` at every requested yaw, and a
separate MediaPipe tracker (image mode, the tests' judge) reads the head pose of the source and of
the output: the table shows the change it reads. A target pose outside poce_rt.limits is "n/a".
A second judge that shares no model with poce-rt, dlib's 68 landmarks with a PnP head pose on the
points an expression hardly moves (nose and eye corners: poce_rt.judge_dlib.RIGID; not the
outline, brows or mouth), reads the same changes.
Per photo it also gives
  - MediaPipe on 8 crops: the judge's change at +-25 read in eight crops about the face (two
    margins, four scales: crop_yaws), source and output in the same crop, median and range: how
    far a reading is the judge's and not the turn's (a small face with its eyes behind sunglasses
    reads 81-88% over them; the others within a few percent),
  - IED: dlib's identity distance (poce_rt.metrics) between the source and the -25 and +25
    outputs (< 0.5 required; "lost" where dlib finds no face), on crops about the edited face,
    its roll undone; a value on a face found by dlib's CNN detector, where the HOG one finds
    none, is marked "c" (the PnP judge reads the faces the same detectors found, marked alike;
    its readings are marked "?" where it reads the source or the output beyond 40 degrees),
  - round trip: PSNR (dB) in the source face's box of (+25, then the output tracked again and
    edited back to the source's absolute pose) against the source,
  - seam: how much the drawn face's border stands out on the forehead at +25: rms of the normal
    derivative across the border (poce_rt.seams' band, upper half of the face) in the output, over
    the same in the source along its own border (1: the border looks like the source's; the
    forehead arc scores above 1).
A photo the judge sees well turned (45-m7-di-ph.jpg, -43) reads short by about the judge's own
error at its source pose: scripts/three_quarter_truth.py measures that error, and the turn against
the true pose, on three-quarter views of known pose drawn from frontal photos.
--config sets EditorConfig fields (e.g. camera_distance_cm=inf, head_proxy=false) to measure a
"before" in the same run; run it twice with different --label/--config and compare the tables.
"""
from __future__ import annotations

import argparse
import math
import sys
import warnings

import cv2
import numpy as np

import poce_rt
from poce_rt.assets import data_path, load_image
from poce_rt.errors import InputError
from poce_rt.seams import boundary_band, grey
from poce_rt.systems.evaluate import psnr
from poce_rt.tracker import FaceTracker, NoFaceError

PHOTOS = ("single_face.jpg", "15-f13-anc-ph.jpg", "0-f15-hao-ph.jpg", "astronaut", "0-f1-su-ph.jpg",
          "45-m7-di-ph.jpg")
YAWS = (-30, -25, -20, -10, 10, 20, 25, 30)
#: dlib's 68 landmarks misplace the far eye and brow past about this yaw (poce_rt.judge_dlib)
DLIB_RELIABLE_DEG = 40.0


def parse_config(items) -> dict:
    out = {}
    for item in items or ():
        key, _, value = item.partition("=")
        low = value.lower()
        out[key] = (low == "true") if low in ("true", "false") else (math.inf if low == "inf" else float(value))
    return out


def border_step(image: np.ndarray, region: np.ndarray, top: float) -> float:
    """rms of the normal derivative of image's luma across the border of region [H,W] bool, in
    the band above image row `top` (the forehead)."""
    band, n = boundary_band(region)
    band[int(top):] = False
    g = grey(image)
    dx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    dy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    step = (dx * n[..., 0] + dy * n[..., 1])[band]
    return float(np.sqrt((step * step).mean())) if step.size else float("nan")


def face_region(face, shape) -> np.ndarray:
    """[H,W] bool: the face oval's polygon."""
    from poce_rt.head_proxy import FACE_OVAL

    m = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(m, [np.round(face.vertices[list(FACE_OVAL), :2]).astype(np.int32)], 1)
    return m.astype(bool)


def face_crop(img: np.ndarray, face, side: int = 480) -> np.ndarray:
    """The square of three times the face's box width about its centre, turned to undo the face's
    roll (dlib's detector looks for upright faces: Image_with_alpha's tilted head is not found)
    and scaled to side x side (small faces of a group photo are found there)."""
    x0, y0, x1, y1 = face.bbox
    c = (0.5 * (x0 + x1), 0.5 * (y0 + y1))
    m = cv2.getRotationMatrix2D(c, float(face.pose.roll), side / (3.0 * float(x1 - x0)))
    m[:, 2] += (side / 2 - c[0], side / 2 - c[1])
    return cv2.warpAffine(img, m, (side, side), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def dlib_found(img: np.ndarray, face, side: int = 480):
    """(crop, poce_rt.metrics.FaceBox) of the dlib face nearest the centre of face_crop's crop,
    within a third of the face's width of it (the whole photo's largest face may be another person
    in a group photo), or None (also where dlib is not installed)."""
    try:
        from poce_rt.metrics import find_face
        crop = face_crop(img, face, side)
        return crop, find_face(crop, near=(side / 2, side / 2), within=side / 9)
    except (ImportError, ValueError):
        return None


def identity(a, b) -> float:
    """dlib's identity distance between two dlib_found faces; nan where either is None."""
    if a is None or b is None:
        return float("nan")
    from poce_rt.metrics import embed
    return float(np.linalg.norm(embed(*a) - embed(*b)))


def dlib_yaw(found) -> float:
    """The dlib PnP judge's yaw of a dlib_found face (degrees; the crop's roll and scale leave
    yaw as it is), nan where there is none."""
    if found is None:
        return float("nan")
    from poce_rt.judge_dlib import pose_of_face
    try:
        return pose_of_face(*found).yaw
    except ValueError:
        return float("nan")


def judged(judge: FaceTracker, img: np.ndarray, near):
    """The judge's fit of the face at the box `near` (poce_rt.boxes.same_face; whole photo and
    tiles, as the editor searches: a group photo's small faces too), or None when it finds none
    there (not another person's face)."""
    from poce_rt.boxes import same_face
    from poce_rt.fit_check import tracked_faces

    found = tracked_faces(judge, img)
    k = same_face([f.bbox for f in found], near)
    return None if k is None else found[k]


#: the crops the judge also reads each face in: a margin of 0.5 or 1 face width about its box, at
#: 1, 1.5, 2 and 3 times the photo's scale (up to CROP_SIDE_MAX px)
CROP_MARGINS = (0.5, 1.0)
CROP_SCALES = (1.0, 1.5, 2.0, 3.0)
CROP_SIDE_MAX = 1024


def crop_yaws(judge: FaceTracker, img: np.ndarray, box) -> np.ndarray:
    """[len(CROP_MARGINS) * len(CROP_SCALES)] the judge's yaw of the face at `box` in each crop
    (nan where it finds none there). Where the eyes are hidden (sunglasses) on a small face, the
    judge's reading moves with the region it is given by a few degrees (MediaPipe's landmark model
    reads the crop its detector boxes); each crop's change between source and output, paired,
    shows how far."""
    from poce_rt.boxes import same_face

    x0, y0, x1, y1 = box
    out = []
    for margin in CROP_MARGINS:
        m = margin * (x1 - x0)
        cx0, cy0 = int(max(0, x0 - m)), int(max(0, y0 - m))
        cx1, cy1 = int(min(img.shape[1], x1 + m)), int(min(img.shape[0], y1 + m))
        for scale in CROP_SCALES:
            k = min(scale, CROP_SIDE_MAX / max(cx1 - cx0, cy1 - cy0))
            crop = cv2.resize(img[cy0:cy1, cx0:cx1], None, fx=k, fy=k, interpolation=cv2.INTER_CUBIC)
            found = judge.track(crop)
            boxes = [(f.bbox[0] / k + cx0, f.bbox[1] / k + cy0, f.bbox[2] / k + cx0, f.bbox[3] / k + cy0)
                     for f in found]
            j = same_face(boxes, box)
            out.append(float("nan") if j is None else found[j].pose.yaw)
    return np.array(out)


def measure(ed: poce_rt.Editor, judge: FaceTracker, name: str) -> dict:
    """The largest face of the photo (the editor's default), or with "NAME:K" its K-th face left
    to right (as `--faces K`), judged where it is."""
    file, _, index = name.partition(":")
    img = load_image(data_path(file))
    src = ed.prepare(img, ed.faces(img, int(index))[0] if index else None)
    face = src.face
    j0 = judged(judge, img, face.bbox)
    d0 = dlib_found(img, face)
    row = {"photo": name, "source_yaw": j0.pose.yaw, "yaw": {}, "dlib_yaw": {}, "dlib_source_yaw": dlib_yaw(d0),
           "dlib_far": set(), "crops": {}}
    c0 = crop_yaws(judge, img, face.bbox)
    outs, found = {}, {}
    for yaw in YAWS:
        try:
            out = ed.edit(img, pose=(0, yaw, 0), source=src).image
        except InputError:
            row["yaw"][yaw] = row["dlib_yaw"][yaw] = None
            continue
        outs[yaw] = out
        j = judged(judge, out, face.bbox)
        row["yaw"][yaw] = float("nan") if j is None else j.pose.yaw - j0.pose.yaw   # nan: the judge lost it
        if abs(yaw) == 25:
            row["crops"][yaw] = crop_yaws(judge, out, face.bbox) - c0
        found[yaw] = dlib_found(out, face)
        absolute = dlib_yaw(found[yaw])
        row["dlib_yaw"][yaw] = absolute - row["dlib_source_yaw"]
        if max(abs(absolute), abs(row["dlib_source_yaw"])) > DLIB_RELIABLE_DEG:
            row["dlib_far"].add(yaw)
    # both, each nan where dlib finds no face (a max over the two hid a lost one)
    row["ied"] = [identity(d0, found[y]) if y in outs else None for y in (-25, 25)]
    cnn = {y for y, x in [("source", d0)] + list(found.items()) if x is not None and x[1].detector == "cnn"}
    row["dlib_cnn"] = {y for y in found if {"source", y} & cnn}   # readings that used a face the CNN found
    turned = None
    if 25 in outs:
        try:
            back = ed.edit(outs[25], pose=(face.pose.pitch, face.pose.yaw, face.pose.roll), pose_relative=False)
            x0, y0, x1, y1 = (int(round(v)) for v in face.bbox)
            box = (slice(max(y0, 0), y1), slice(max(x0, 0), x1))
            row["round_trip_db"] = psnr(back.image[box], img[box])
        except NoFaceError:   # the editor's own tracker finds no face in the +25 output
            row["round_trip_db"] = float("nan")
        turned = judged(judge, outs[25], face.bbox)
    if 25 in outs and turned is not None:
        top = face.vertices[:, 1].min() + 0.5 * np.ptp(face.vertices[:, 1])
        ttop = turned.vertices[:, 1].min() + 0.5 * np.ptp(turned.vertices[:, 1])
        row["seam"] = (border_step(outs[25], face_region(turned, img.shape), ttop)
                       / max(border_step(img, face_region(face, img.shape), top), 1e-6))
    return row


def markdown(rows: list[dict], label: str) -> str:
    def f(v, spec="+.1f"):
        return "n/a" if v is None else "lost" if not np.isfinite(v) else format(v, spec)

    def crops(r):
        def one(a):
            d = r["crops"].get(a)
            d = None if d is None else np.sign(a) * d[np.isfinite(d)] / 25 * 100   # signed: a wrong way is < 0
            return "n/a" if d is None or not d.size else f"{np.median(d):.0f}% ({d.min():.0f}-{d.max():.0f})"
        return " / ".join(one(a) for a in (25, -25))

    def pct(y):
        return " / ".join(f"{100 * abs(y[a]) / 25:.0f}%" if y.get(a) is not None and np.isfinite(y[a]) else f(y.get(a))
                          for a in (25, -25))

    lines = [f"yaw read-back ({label}), degrees of change for requests {' '.join(f'{y:+d}' for y in YAWS)}, "
             "by the MediaPipe judge and by dlib's 68 landmarks + PnP (nose and eye corners); marked c: dlib's CNN "
             "detector found the face of the source or of that output (its HOG detector finds none); marked ?: "
             f"the dlib judge reads the source or the output beyond {DLIB_RELIABLE_DEG:.0f} deg, where its landmarks "
             "fail. MediaPipe on 8 crops: the judge's change read in each of crop_yaws' crops of the source and "
             "the output, median (range):", "",
             "| photo (source yaw MP / dlib) | MediaPipe read-back | +25 / -25 (% of 25) | MediaPipe on 8 crops "
             "+25 / -25 | dlib PnP read-back | +25 / -25 dlib (% of 25) | IED -25 / +25 | round trip +25 and back "
             "(dB) | forehead seam at +25 |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        y, dy = r["yaw"], r["dlib_yaw"]
        c = {a: "c" if a in r["dlib_cnn"] else "" for a in YAWS}
        ied = " / ".join(f(v, ".3f") + c[a] for v, a in zip(r["ied"], (-25, 25)))
        pnp = " ".join(f(dy[a]) + c[a] + ("?" if a in r["dlib_far"] else "") for a in YAWS)
        lines.append(f"| {r['photo']} ({r['source_yaw']:+.0f} / {f(r['dlib_source_yaw'], '+.0f')}) | "
                     f"{' '.join(f(y[a]) for a in YAWS)} | {pct(y)} | {crops(r)} | {pnp} | {pct(dy)} | "
                     f"{ied} | {f(r.get('round_trip_db'), '.1f')} | {f(r.get('seam'), '.2f')} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", nargs="*", help="EditorConfig fields, KEY=VALUE")
    ap.add_argument("--label", default="this tree")
    ap.add_argument("--photos", nargs="*", default=list(PHOTOS))
    ap.add_argument("--out", help="also write the table here")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    cfg = poce_rt.EditorConfig(**parse_config(args.config))
    with poce_rt.Editor(config=cfg) as ed, FaceTracker(max_faces=4) as judge:
        rows = [measure(ed, judge, n) for n in args.photos]
    table = markdown(rows, args.label)
    print(table)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(table)


if __name__ == "__main__":
    main(sys.argv[1:])
