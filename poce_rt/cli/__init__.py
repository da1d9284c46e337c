"""The `poce-rt` command line. Subcommands mirror the Python API:

    poce-rt uv IMAGE -o UV.png          sample_uv            (poce_rt.stages.sample_face)
    poce-rt pose IMAGE --yaw 25 -o OUT  repose               (poce_rt.stages.repose)
    poce-rt doctor                      what this machine can run
    poce-rt train ... / export / engines ...   (poce_rt.train, poce_rt.backends)
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from .. import limits
from ..errors import InputError, one_line, user_errors

IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".webp")


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors: `poce-rt: error: ...` and exit status 2, no usage dump."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def int_in(lo: int, hi: int | None = None):
    """argparse type: an integer in lo..hi (None: no upper bound)."""
    def parse(text: str) -> int:
        try:
            return limits.check_int("value", int(text), lo, hi)
        except (ValueError, limits.InputError):
            rng = f"in {lo}..{hi}" if hi is not None else f">= {lo}"
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer {rng}") from None
    parse.__name__ = "integer"
    return parse


def float_in(lo: float | None = None, hi: float | None = None):
    """argparse type: a finite number in [lo, hi]."""
    def parse(text: str) -> float:
        try:
            return limits.check_float("value", text, lo, hi)
        except limits.InputError as e:
            raise argparse.ArgumentTypeError(f"{text!r}: {str(e).replace('value ', '', 1)}") from None
    parse.__name__ = "number"
    return parse


def check_output(path: str, exts=IMAGE_EXTS) -> Path:
    """Refuse, before any work, an output the command could not write: a wrong extension, a
    directory, or a folder that cannot be created or written (read-only file system)."""
    p = Path(path)
    if exts and p.suffix.lower() not in exts:
        raise InputError(f"output {path}: extension must be one of {', '.join(exts)}")
    if p.is_dir():
        raise InputError(f"output {path} is a directory; give a file name")
    parent = p.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent      # the nearest existing folder: missing ones get created in it
    if not parent.is_dir():
        raise InputError(f"output {path}: {parent} is not a folder")
    try:  # a real probe: os.access says yes to root on pseudo file systems like /proc
        if not os.access(parent, os.W_OK | os.X_OK):
            raise PermissionError(f"no write permission on {parent}")
        tempfile.TemporaryFile(dir=parent).close()
    except OSError as e:
        raise InputError(f"output {path}: cannot write in {parent} (read-only or no permission: "
                       f"{e.strerror or e})") from None
    return p


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it: never a partial file."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.partial")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, p)
    finally:
        tmp.unlink(missing_ok=True)


def _write_png(path: str, rgb: np.ndarray) -> None:
    """Encode by the path's extension (checked by check_output) and write atomically."""
    import cv2

    ext = Path(path).suffix.lower()
    if ext not in IMAGE_EXTS:
        raise InputError(f"output {path}: extension must be one of {', '.join(IMAGE_EXTS)}")
    arr = rgb if rgb.ndim == 2 else cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(ext, np.ascontiguousarray(arr))
    if not ok:
        raise InputError(f"could not encode {path} as {ext}")
    write_atomic(path, buf.tobytes())


def _to_u8(x: np.ndarray) -> np.ndarray:
    return np.clip(x * 255.0 + 0.5, 0, 255).astype(np.uint8)


def _track(image_path: str, bundle: str | None):
    from ..assets import load_image
    from ..fit_check import confirmed_faces, tracked_faces
    from ..tracker import FaceTracker, NoFaceError

    image = load_image(image_path)
    with FaceTracker(bundle, max_faces=4) as tracker:
        faces = tracked_faces(tracker, image)
        if not faces:
            raise NoFaceError(f"no face found in {image_path}")
        if len(faces) > 1:
            print(f"note: {len(faces)} faces in {image_path}; using the largest", file=sys.stderr)
        confirmed = confirmed_faces(tracker, image, faces)   # misplaced fits: refitted or skipped
    if not confirmed:
        raise NoFaceError(f"no face in {image_path} could be fitted reliably")
    return image, confirmed[0]


def _track_faces(image_path: str, bundle: str | None, which):
    """(image, the faces `which` selects; poce_rt.fit_check.select_faces)."""
    from ..assets import load_image
    from ..fit_check import select_faces
    from ..tracker import FaceTracker, NoFaceError

    image = load_image(image_path)
    with FaceTracker(bundle, max_faces=4 if which == "largest" else limits.MAX_FACES[1]) as tracker:
        try:
            return image, select_faces(tracker, image, which)
        except NoFaceError as e:
            raise NoFaceError(f"{e} ({image_path})") from None


def cmd_uv(args) -> None:
    from .. import stages

    check_output(args.output)
    if args.mask_out:
        check_output(args.mask_out)
    image, face = _track(args.image, args.bundle)
    uv, mask = stages.sample_face(image, face, stages.geometry(args.size))
    _write_png(args.output, _to_u8(uv))
    if args.mask_out:
        _write_png(args.mask_out, _to_u8(mask))
    print(f"wrote {args.output}: {args.size}x{args.size}, {mask.mean() * 100:.1f}% of texels visible "
          f"(pose pitch {face.pose.pitch:+.1f} yaw {face.pose.yaw:+.1f} roll {face.pose.roll:+.1f})")


def cmd_pose(args) -> None:
    from .. import stages

    check_output(args.output)
    if args.grid:
        check_output(args.grid)
    if args.filled_out:
        check_output(args.filled_out)
    limits.check_angles(args.pitch, args.yaw, args.roll, "offset")
    from ..fit_check import parse_faces

    image, faces = _track_faces(args.image, args.bundle, parse_faces(args.faces))
    geom = stages.geometry(args.size, args.subdivide)
    frame = image
    filled = np.zeros(image.shape[:2], np.float32)
    for face in faces:   # left to right, each into the frame the previous one left
        out = stages.repose(frame, face, pitch=args.pitch, yaw=args.yaw, roll=args.roll, geom=geom,
                            neck_pivot_cm=args.neck_pivot)
        frame = out.image
        filled = np.maximum(filled, out.filled)
    _write_png(args.output, frame)
    if args.filled_out:
        _write_png(args.filled_out, _to_u8(filled))
    if args.grid:
        _write_png(args.grid, _grid(image, dataclasses.replace(out, image=frame)))
    t, face = out.target_pose, faces[-1]
    print(f"wrote {args.output}: {len(faces)} face(s); pose pitch {t.pitch:+.1f} yaw {t.yaw:+.1f} "
          f"roll {t.roll:+.1f} (source {face.pose.pitch:+.1f} {face.pose.yaw:+.1f} {face.pose.roll:+.1f}; last face)")


def _grid(image: np.ndarray, out) -> np.ndarray:
    """source | sampled UV | completed UV | edited UV (an edit's result only) | output, each scaled
    to the UV's height. `out`: a stages.Reposed or a pipeline.EditResult."""
    import cv2

    s = out.uv_sampled.shape[0]

    def fit(img):
        h, w = img.shape[:2]
        return cv2.resize(img, (max(1, round(w * s / h)), s), interpolation=cv2.INTER_AREA)

    maps = [out.uv_sampled, out.uv_completed] + ([out.uv_edited] if hasattr(out, "uv_edited") else [])
    return np.hstack([fit(image), *(_to_u8(m) for m in maps), fit(out.image)])


def doctor_report() -> dict:
    """Python, extension build, CUDA/GPU, backends (TensorRT flavour, ONNX Runtime providers), bundle."""
    import platform

    rep: dict = {"python": sys.version.split()[0], "platform": platform.platform()}
    try:
        from poce_rt import _C

        rep["extension"] = dict(_C.build_info)
        rep["cuda_devices"] = _C.cuda_device_count()
    except ImportError as e:
        rep["extension"] = f"not built: {e}"
    from .. import cuda_available

    rep["cuda_available"] = cuda_available()
    if rep["cuda_available"]:
        try:
            import cupy as cp

            props = cp.cuda.runtime.getDeviceProperties(0)
            rep["gpu"] = {"name": props["name"].decode(), "compute_capability": f"{props['major']}.{props['minor']}"}
        except Exception as e:  # noqa: BLE001 - report, don't fail
            rep["gpu"] = f"cupy unavailable: {e}"
    try:
        from ..backends import doctor_report as backends_report

        rep["backends"] = backends_report()
    except Exception as e:  # noqa: BLE001
        rep["backends"] = f"unavailable: {e}"
    from ..assets import AssetError, bundle_status, segmenter_status

    try:
        rep["landmarker_bundle"] = bundle_status()
    except AssetError as e:
        rep["landmarker_bundle"] = f"missing: {e}"
    rep["person_segmenter"] = segmenter_status()
    return rep


def cmd_doctor(args) -> None:
    rep = doctor_report()
    if args.json:
        print(json.dumps(rep, indent=2, default=str))
        return
    for key, value in rep.items():
        if isinstance(value, dict):
            print(f"{key}:")
            for k, v in value.items():
                print(f"  {k}: {v}")
        else:
            print(f"{key}: {value}")


def add_bundle_option(s) -> None:
    """--bundle after the command name too (`poce-rt edit IMG --bundle X`), same destination."""
    s.add_argument("--bundle", default=argparse.SUPPRESS, help="path of face_landmarker.task")


def add_neck_pivot_option(s) -> None:
    """--neck-pivot of `edit` and `pose`: EditorConfig.neck_pivot_cm."""
    lo, hi = limits.NECK_PIVOT_CM
    s.add_argument("--neck-pivot", type=float_in(lo, hi), default=0.0, metavar="CM",
                   help=f"turn the head about an axis this far behind MediaPipe's canonical origin, {lo:g}-{hi:g} "
                        "cm (4.5: about the neck; default 0, the origin ~8 cm behind the nose tip)")


def add_faces_option(s) -> None:
    """--faces of `edit` and `pose`: which faces of a photo to change."""
    s.add_argument("--faces", default="all", metavar="all|largest|INDEX[,INDEX...]",
                   help="faces to edit: all (default), the largest, or indices numbered left to right "
                        "from 0; a face the tracker cannot fit reliably is skipped with a warning")


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="poce-rt", description="Pose-controllable facial expression editing.")
    p.add_argument("--bundle", help="path of face_landmarker.task (default: cache, then download)")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("uv", help="sample the UV texture and visibility mask of the face in IMAGE")
    add_bundle_option(s)
    s.add_argument("image")
    s.add_argument("-o", "--output", required=True, help="UV texture PNG")
    s.add_argument("--mask-out", help="visibility mask PNG")
    s.add_argument("--size", type=int_in(*limits.UV_SIZE), default=256,
                   help=f"UV size S, {limits.UV_SIZE[0]}-{limits.UV_SIZE[1]} (default 256)")
    s.set_defaults(func=cmd_uv)

    s = sub.add_parser("pose", help="re-render the face at its pose plus offsets, blended into the photo")
    add_bundle_option(s)
    s.add_argument("image")
    s.add_argument("-o", "--output", required=True)
    for ax in ("yaw", "pitch", "roll"):
        s.add_argument(f"--{ax}", type=float_in(), default=0.0,
                       help=f"{ax} offset in degrees, {limits.pose_help(ax)} (and so must be the pose it leads to)")
    # 512 rather than the networks' 256: without networks nothing ties us to 256, and a face of
    # ~180 px loses ~1 dB in the round trip through a 256 map (see README).
    s.add_argument("--size", type=int_in(*limits.UV_SIZE), default=512,
                   help=f"UV size S, {limits.UV_SIZE[0]}-{limits.UV_SIZE[1]} (default 512)")
    s.add_argument("--subdivide", type=int_in(*limits.SUBDIVISIONS), default=0,
                   help="Loop subdivision levels of the mesh, 0-3 (default 0)")
    add_neck_pivot_option(s)
    s.add_argument("--grid", help="also write source | sampled UV | completed UV | output")
    s.add_argument("--filled-out", help="also write the fill map PNG: where the output's colour came from "
                   "texture the photo did not show (mirror / inpainting), 255 = all of it")
    add_faces_option(s)
    s.set_defaults(func=cmd_pose)

    s = sub.add_parser("doctor", help="report what this machine can run")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_doctor)

    # Every command is listed, whatever is installed: these modules import no optional
    # dependency, and a command that needs one says which extra to install (see `require`).
    from . import backends, batch, edit, eval as eval_cmd, serve, studio, train

    for module in (train, backends, edit, eval_cmd, studio, batch, serve):
        module.add_parser(sub)
    return p


def require(module: str, extra: str, what: str):
    """Import `module` for the command `what`; if an optional dependency is missing, an
    InputError naming the extra that installs it (one line, exit 2) instead of a traceback."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as e:
        if e.name and e.name.startswith("poce_rt"):
            raise   # our own module is broken: a bug, keep the traceback
        raise InputError(f"{what} needs {e.name or e}, which is not installed: "
                         f"pip install 'poce-rt[{extra}]'") from None


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings as one line each (no source path and line)."""
    print(f"poce-rt: warning: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run one command -> its exit status: 0 done, what the command returned when it failed, 2
    for a user error (one line on stderr: the types in poce_rt.errors.user_errors), 130 on
    Ctrl-C. Anything else is a bug and keeps its traceback."""
    import warnings

    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:   # a usage error (one line, see Parser.error) or --help: a status
        return int(e.code or 0)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            rc = args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # noqa: BLE001 - re-raised below unless it is a user error
        if not isinstance(e, user_errors()):
            raise
        command = " ".join(filter(None, (args.command, getattr(args, "engines_cmd", None),
                                         getattr(args, "train_cmd", None))))
        print(f"poce-rt {command}: error: {one_line(e)}", file=sys.stderr)
        return 2
    return int(rc or 0)
