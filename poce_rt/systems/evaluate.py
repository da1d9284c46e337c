"""`poce-rt eval`: the papers' measures that can be computed here, for any system, side by side.

Per photo and method (the weight-free engine or a model directory of any system):
  IED   identity embedding distance between the photo and the edit (dlib's face-recognition
        ResNet, poce_rt.metrics, both at the tracked face's box; < 0.6 = the same person by dlib's
        rule). Lower is better.
  EXD   expression distance: mean absolute difference over the 52 blendshape scores the tracker
        reads on the edit and the target code (source + relative code; a reference's own scores
        when editing by reference). Lower is better.
  pose_err_deg  mean absolute (pitch, yaw, roll) difference between the tracked edit and the target pose.
  psnr / ssim   of the round trip (an edit that asks for no change) against the photo, inside the
        face's box: what the method loses when it should change nothing. An exact round trip
        (the weight-free engine keeps the photo where nothing moves) reads PSNR_EXACT, 100 dB,
        so that means and JSON stay finite.
  seconds  wall time of the edit (tracking included).
Faces are tracked as the editor tracks them (poce_rt.fit_check: small faces on tiles too, fits
confirmed on a crop, the largest edited), and the edit is read off its edited face: the tracked
face of the result nearest where it was (poce_rt.boxes.same_face), never another one.
A photo where the edit or the re-tracking of its result fails (the edited face not found there)
counts as a failure (its message is kept); the measures that did not need the failed step are
still reported, and every mean is over the photos that have that measure. A reference shared by
every photo is tracked and prepared once.
FID and IS need the Inception network's weights, which no package reachable here ships: they are
not computed (and not approximated by anything else).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import boxes

FID_NOTE = ("FID and IS are not reported: they need Inception-v3 weights, which no package available "
            "here ships; no substitute network is used in their place.")
MEASURES = ("ied", "exd", "pose_err_deg", "psnr", "ssim", "seconds")
PSNR_EXACT = 100.0


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return PSNR_EXACT if mse == 0 else min(PSNR_EXACT, 10.0 * math.log10(255.0 ** 2 / mse))


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5, K1 0.01, K2 0.03) of the
    luma of two uint8 RGB images."""
    import cv2

    def luma(x):
        return cv2.cvtColor(np.ascontiguousarray(x), cv2.COLOR_RGB2GRAY).astype(np.float64)

    x, y = luma(a), luma(b)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(z):
        return cv2.GaussianBlur(z, (11, 11), 1.5)

    mx, my = blur(x), blur(y)
    sxx, syy, sxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    s = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
    return float(s.mean())


@dataclass
class Method:
    """One column of the table: an editor and how to call it."""

    name: str
    system: str
    editor: object        # pipeline.Editor or systems.crop.CropEditor
    crop: bool

    def prepare(self, image, face):
        """The photo's prepared Source for edit(), made once for the edit and its round trip
        (None for a crop system, which tracks the face itself)."""
        return None if self.crop else self.editor.prepare(image, face)

    def edit(self, image, face, expression, reference, intensity, source=None):
        """-> (edited [H,W,3] uint8, target code [52], target pose). source: prepare(image, face)."""
        if self.crop:
            r = self.editor.edit(image, expression=expression, reference=reference, intensity=intensity, face=face)
            return r.image, r.target_code, r.target_pose
        src = source if source is not None else self.prepare(image, face)
        r = self.editor.edit(image, expression=expression, reference=reference, intensity=intensity, source=src)
        return r.image, np.clip(r.source_code + r.relative_code, 0, 1), r.target_pose

    def close(self):
        self.editor.close()


def open_method(model_dir, tracker, backend: str = "auto") -> Method:
    """The weight-free engine (model_dir None) or a model directory of any system."""
    from ..pipeline import Editor
    from . import system_of

    if model_dir is None:
        return Method("weight-free", "weight-free", Editor(tracker=tracker), False)
    system = system_of(model_dir)
    name = f"{system.name} ({Path(model_dir).name})"
    if system.space == "crop":
        from .crop import CropEditor

        return Method(name, system.name, CropEditor(model_dir, backend=backend,
                                                    editor=Editor(tracker=tracker)), True)
    return Method(name, system.name, Editor(model_dir, backend=backend, tracker=tracker), False)


def _face_box(face, h, w):
    x0, y0, x1, y1 = face.bbox
    return (slice(max(0, int(y0)), min(h, int(math.ceil(y1)))), slice(max(0, int(x0)), min(w, int(math.ceil(x1)))))


def _largest(tracker, image, what: str):
    """The face an edit of `image` edits: its largest confirmed face (poce_rt.fit_check, as
    Editor.track finds it). NoFaceError naming `what` when there is none."""
    from ..fit_check import select_faces
    from ..tracker import NoFaceError

    try:
        return select_faces(tracker, image, "largest")[0]
    except NoFaceError as e:
        raise NoFaceError(f"{e} ({what})") from None


def _reference(method: Method, tracker, name: str, image):
    """A reference as `method` takes it (a crop system: its tracked face; else its prepared
    Source), or the exception to report for it."""
    from ..pipeline import Source

    try:
        face = _largest(tracker, image, f"the reference {name}")
        return Source(image, face, None, None, None) if method.crop else method.editor.prepare(image, face)
    except Exception as e:  # noqa: BLE001 - reported on every photo that uses this reference
        return e


def _edited_face(tracker, out, face):
    """The tracked face of the edit `out` that is the edited `face` (boxes.same_face), its fit
    confirmed. ValueError when the edit shows none there: it lost the face, or drew it elsewhere."""
    from ..fit_check import confirmed_faces, tracked_faces

    found = tracked_faces(tracker, out)
    k = boxes.same_face([f.bbox for f in found], face.bbox)
    got = [] if k is None else confirmed_faces(tracker, out, [found[k]])
    if not got:
        raise ValueError(f"the tracker finds no face in the edit within {boxes.MATCH_WITHIN * boxes.size(face.bbox):.0f}"
                         " px of the edited face's place (no EXD, no pose error)")
    return got[0]


def evaluate(method: Method, images: list, references: list | None, expression: dict | None, tracker,
             intensity: float = 1.0) -> dict:
    """Run `method` over (name, image) pairs -> {"per_image": [...], "mean": {...}, "failures": n}.

    references: None, or (name, image) pairs, one for all photos or one per photo.
    """
    try:
        import dlib  # noqa: F401
        have_dlib = True
    except ImportError:
        have_dlib = False
    shared = _reference(method, tracker, *references[0]) if references and len(references) == 1 else None
    rows = []
    for i, (name, image) in enumerate(images):
        row: dict = {"image": name}
        try:
            face = _largest(tracker, image, "the photo")
            ref = None
            if references:
                rname, rimg = references[i if len(references) > 1 else 0]
                ref = shared if shared is not None else _reference(method, tracker, rname, rimg)
                if isinstance(ref, Exception):
                    raise ref
                row["reference"] = rname
            t0 = time.perf_counter()    # an edit's time includes preparing its photo
            src = method.prepare(image, face)
            out, target, tpose = method.edit(image, face, expression, ref, intensity, src)
            row["seconds"] = time.perf_counter() - t0
            same, _, _ = method.edit(image, face, None, None, 1.0, src)
            box = _face_box(face, *image.shape[:2])
            row["psnr"], row["ssim"] = psnr(same[box], image[box]), ssim(same[box], image[box])
            row["ied"] = _ied(have_dlib, image, out, face.bbox, row)
            # the measures above stand; the ones read off the tracked edit need its edited face
            got = _edited_face(tracker, out, face)
            row["exd"] = float(np.mean(np.abs(got.blendshapes - target)))
            row["pose_err_deg"] = float(np.mean(np.abs([got.pose.pitch - tpose.pitch, got.pose.yaw - tpose.yaw,
                                                        got.pose.roll - tpose.roll])))
        except Exception as e:  # noqa: BLE001 - a failure is a measured outcome, counted and kept
            row["error"] = f"{type(e).__name__}: {e}"
        rows.append(row)
    mean = {}
    for k in MEASURES:
        vals = [r[k] for r in rows if r.get(k) is not None and np.isfinite(r[k])]
        mean[k] = float(np.mean(vals)) if vals else None
    failures = sum("error" in r for r in rows)
    return {"method": method.name, "system": method.system, "per_image": rows, "mean": mean,
            "failures": failures, "images": len(rows)}


def _ied(have_dlib: bool, image, out, bbox, row) -> float | None:
    """IED of the tracked face: dlib's embedding of the photo and of the edit, both at the face's
    box (the detector run on a poorly edited face finds some other patch of the frame instead, and
    would grade that). None, with the reason in the row, without dlib."""
    if not have_dlib:
        row["ied_note"] = "dlib is not installed (pip install 'poce-rt[eval]')"
        return None
    from ..metrics import FaceBox, _dlib, embed

    face = FaceBox(_dlib().rectangle(*(int(round(v)) for v in bbox)), "tracked")
    return float(np.linalg.norm(embed(image, face) - embed(out, face)))


def markdown(results: list[dict]) -> str:
    """One row per method: the means and the failure count."""
    head = "| method | IED ↓ | EXD ↓ | pose err (deg) ↓ | round-trip PSNR (dB) ↑ | round-trip SSIM ↑ | failures | s / image |"
    lines = [head, "|" + " --- |" * 8]

    def f(v, fmt):
        return "n/a" if v is None else format(v, fmt)

    for r in results:
        m = r["mean"]
        lines.append(f"| {r['method']} | {f(m['ied'], '.3f')} | {f(m['exd'], '.3f')} | "
                     f"{f(m['pose_err_deg'], '.2f')} | {f(m['psnr'], '.2f')} | {f(m['ssim'], '.3f')} | "
                     f"{r['failures']}/{r['images']} | {f(m['seconds'], '.2f')} |")
    return "\n".join(lines) + "\n\n" + FID_NOTE + "\n"
