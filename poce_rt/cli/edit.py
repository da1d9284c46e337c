"""`poce-rt edit` and `poce-rt reenact` (registered by poce_rt.cli.build_parser).

    poce-rt edit face.jpg --expr jawOpen=0.6 mouthSmileLeft=0.3 --yaw 15 -o out.png --grid grid.png
    poce-rt edit face.jpg --reference smile.jpg --mask mouth -o out.png
    poce-rt reenact --source face.jpg --driver talk.mp4 -o out.mp4
    poce-rt reenact --source face.jpg --driver 0 --show            # camera 0, live window
"""
from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

import numpy as np

from .. import limits
from . import (IMAGE_EXTS, _grid, _write_png, add_bundle_option, add_faces_option, add_neck_pivot_option, check_output,
               float_in, int_in)
from ..errors import InputError

VIDEO_EXTS = (".mp4", ".m4v", ".mov")


# ------------------------------------------------------------------------------------------- helpers
def _make_editor(model, backend, device="cpu", blend="feather", bundle=None, max_faces=4, neck_pivot_cm=0.0):
    from .. import cuda_available
    from ..pipeline import Editor, EditorConfig

    if model is not None and not Path(model).is_dir():
        raise InputError(f"model directory not found: {model}")
    if device == "cuda":
        try:
            import cupy  # noqa: F401
        except ImportError:
            raise InputError("--device cuda needs CuPy: pip install -e '.[gpu]'") from None
        if not cuda_available():
            raise InputError("--device cuda: no CUDA GPU here, or poce_rt._C was built without CUDA "
                           "(`poce-rt doctor` says which)")
    try:
        return Editor(model, backend=backend, device=device,
                      config=EditorConfig(blend=blend, bundle=bundle, max_faces=max_faces,
                                          neck_pivot_cm=neck_pivot_cm))
    except ImportError as e:
        raise InputError(f"cannot load the networks for --model {model}: {e}") from None


def _parse_exprs(items) -> dict:
    from ..codes import BLENDSHAPE_NAMES

    out = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name or not value.strip():
            raise InputError(f"malformed --expr {item!r}: expected name=value, e.g. jawOpen=0.6")
        if name not in BLENDSHAPE_NAMES:
            close = [n for n in BLENDSHAPE_NAMES if n.lower() == name.lower()]
            hint = f" (did you mean {close[0]}?)" if close else " (see poce_rt.tracker.BLENDSHAPE_NAMES)"
            raise InputError(f"unknown blendshape {name!r} in --expr {item!r}{hint}")
        try:
            v = float(value)
        except ValueError:
            raise InputError(f"malformed --expr {item!r}: {value!r} is not a number") from None
        if not np.isfinite(v):
            raise InputError(f"--expr {item!r}: value must be finite")
        out[name] = v
    return out


def _check_mask(spec: str, size: int):
    """Named regions (comma-joined) pass through; a path must be a readable, square mask image."""
    import cv2

    from ..masks import MASK_NAMES

    parts = [p.strip() for p in spec.split(",") if p.strip()]
    if parts and all(p in MASK_NAMES for p in parts):
        return ",".join(parts)
    p = Path(spec)
    if not p.is_file():
        raise InputError(f"--mask {spec!r} is neither a mask name ({', '.join(MASK_NAMES)}, joined by ',') "
                       "nor an existing mask image")
    img = cv2.imread(str(p), cv2.IMREAD_UNCHANGED)
    if img is None or img.size == 0:
        raise InputError(f"cannot read mask image {p} (not an image OpenCV can decode)")
    h, w = img.shape[:2]
    if h != w:
        raise InputError(f"mask image {p} is {w}x{h}; a UV mask must be square ({size}x{size} for this model)")
    from ..masks import load_mask

    return load_mask(p, size)


def _check_edit_ranges(args, expr: dict) -> None:
    """The ranges of poce_rt.limits, checked before any work (the API checks them again)."""
    from ..pipeline import check_expression

    if expr:
        check_expression(expr, relative=not args.absolute)
    if any(v is not None for v in (args.pitch, args.yaw, args.roll)):
        limits.check_angles(*(0.0 if v is None else v for v in (args.pitch, args.yaw, args.roll)),
                            what="pose" if args.absolute_pose else "pose offset")


def pose_request(args, source_pose):
    """(pitch, yaw, roll) for Editor.edit from --pitch/--yaw/--roll: offsets (missing ones 0), or
    with --absolute-pose absolute angles (missing ones the source's); None when none is given."""
    given = [args.pitch, args.yaw, args.roll]
    if not any(v is not None for v in given):
        return None
    if args.absolute_pose:
        base = [source_pose.pitch, source_pose.yaw, source_pose.roll]
        return tuple(b if v is None else v for v, b in zip(given, base))
    return tuple(0.0 if v is None else v for v in given)


# ---------------------------------------------------------------------------------------------- edit
def cmd_edit(args) -> None:
    from ..assets import load_image
    from ..tracker import NoFaceError

    check_output(args.output, IMAGE_EXTS)
    if args.grid:
        check_output(args.grid, IMAGE_EXTS)
    expr = _parse_exprs(args.expr)
    _check_edit_ranges(args, expr)
    if args.mask and not args.reference and not expr:
        raise InputError("--mask limits an edit: give --reference or --expr too")
    if args.reference and expr:
        raise InputError("give either --expr or --reference, not both")
    if args.model:   # an image-space system edits an aligned crop (poce_rt.systems.crop)
        from ..systems.edit_cli import cmd_edit_crop, is_crop_model

        if is_crop_model(args.model):
            return cmd_edit_crop(args, expr)
    from ..fit_check import parse_faces

    faces = parse_faces(args.faces)
    image = load_image(args.image)
    max_faces = 4 if faces == "largest" else limits.MAX_FACES[1]
    with _make_editor(args.model, args.backend, args.device, args.blend, args.bundle, max_faces,
                      args.neck_pivot) as editor:
        mask = _check_mask(args.mask, editor.geometry.size) if args.mask else None
        try:
            chosen = editor.faces(image, faces)
        except NoFaceError:
            raise InputError(f"no face found in {args.image}") from None
        reference = None
        if args.reference:
            try:
                reference = editor.prepare(load_image(args.reference))
            except NoFaceError:
                raise InputError(f"no face found in the reference {args.reference}") from None
        # angles not given keep each face's own (absolute) or are 0 (offsets)
        pose = pose_request(args, chosen[0].pose)
        if pose is not None and args.absolute_pose and len(chosen) > 1:
            pose = [pose_request(args, f.pose) for f in chosen]
        res = editor.edit(image, expression=expr or None, relative=not args.absolute, reference=reference,
                          mask=mask, pose=pose, pose_relative=not args.absolute_pose,
                          intensity=args.intensity, steps=args.steps, faces=chosen)
    _write_png(args.output, res.image)
    if args.grid:
        _write_png(args.grid, _grid(image, res))
    t = res.target_pose
    changed = np.flatnonzero(np.abs(res.relative_code) > 1e-6).size
    print(f"wrote {args.output}: {len(res.per_face)} face(s); pose pitch {t.pitch:+.1f} yaw {t.yaw:+.1f} "
          f"roll {t.roll:+.1f} (first face), {changed} blendshapes changed")


# ------------------------------------------------------------------------------------------- reenact
def _has_display() -> bool:
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


class _Stopped(BaseException):
    """SIGTERM/SIGHUP during `reenact`: unwinds like Ctrl-C, so the output video is finalised."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class _SignalGuard:
    """Turns a stop signal into an exception in the main thread, except inside `hold()`, where it
    waits for the block to end: a frame is either written and counted or neither, so the count we
    report is exactly what the finalised video holds."""

    def __init__(self):
        self.fired = False
        self.held = 0
        self.pending: int | None = None

    @staticmethod
    def _raise(signum: int):
        import signal

        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise _Stopped(signum)

    def handler(self, signum, frame):
        if self.fired:       # a second signal while unwinding: do not cut the finalising short
            return
        self.fired = True
        if self.held:
            self.pending = signum
            return
        self._raise(signum)

    @contextlib.contextmanager
    def hold(self):
        self.held += 1
        try:
            yield
        finally:
            self.held -= 1
            if not self.held and self.pending is not None:
                signum, self.pending = self.pending, None
                self._raise(signum)


@contextlib.contextmanager
def _stop_on_signals(signums=("SIGTERM", "SIGHUP", "SIGINT")):
    """A service manager's stop (SIGTERM), a closed terminal (SIGHUP) or Ctrl-C (SIGINT) raises in the
    main thread (_Stopped, or KeyboardInterrupt for SIGINT) instead of killing the process
    mid-write. Yields the _SignalGuard (its `hold()` defers a signal to the end of a block)."""
    import signal
    import threading

    guard = _SignalGuard()
    if threading.current_thread() is not threading.main_thread():
        yield guard
        return
    old = {}
    for name in signums:
        if hasattr(signal, name):
            sig = getattr(signal, name)
            old[sig] = signal.signal(sig, guard.handler)
    try:
        yield guard
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)


def _default_kernel_threads() -> None:
    """The reenact pipeline keeps two threads busy (MediaPipe's tracking and our rendering), and
    kernels fanning out onto the same cores only make them wait for each other (on a shared 2-core
    machine: 55 fps with one kernel thread, 38 with two). Unless the user chose (POCE_RT_THREADS,
    or OMP_NUM_THREADS for the OpenMP ops), the kernels get the cores left over, at least one."""
    if os.environ.get("POCE_RT_THREADS") or os.environ.get("OMP_NUM_THREADS"):
        return
    from ..ops import set_num_threads

    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    set_num_threads(max(1, cores - 2))


def cmd_reenact(args) -> None:
    _default_kernel_threads()
    with _stop_on_signals() as guard:
        try:
            _reenact(args, guard)
        except _Stopped as e:
            raise SystemExit(128 + e.signum) from None   # the shell's convention for "killed by"


def _reenact(args, guard: "_SignalGuard | None" = None) -> None:
    from ..assets import load_image
    from ..fit_check import parse_faces
    from ..reenact import DriverError, ReenactConfig, open_driver
    from ..video import Pacer, is_stream_url, open_sink, open_virtual_camera

    if not (args.output or args.show or args.virtual_cam):
        raise InputError("nothing to do: give -o OUT.mp4 (or a stream URL such as udp://127.0.0.1:5000), "
                         "--show or --virtual-cam")
    streaming = args.output is not None and is_stream_url(args.output)
    if args.output and not streaming:
        check_output(args.output, VIDEO_EXTS)   # also refuses a directory, before any work
    show = args.show
    if show and not _has_display():
        print("poce-rt reenact: --show: no display available (DISPLAY is not set); continuing without a window",
              file=sys.stderr)
        show = False

    faces = parse_faces(args.faces)
    from ..systems.edit_cli import is_crop_model

    crop_model = bool(args.model) and is_crop_model(args.model)   # an image-space system (F3A-GAN, ...)
    if crop_model and faces != "largest":
        raise InputError(f"--faces {args.faces}: the crop-space model {args.model} drives one face; "
                         "give --faces largest (the default) with it")
    source = load_image(args.source)
    try:
        driver = open_driver(args.driver)
    except DriverError as e:
        raise InputError(str(e)) from None
    cam = sink = editor = None
    try:
        if args.output:   # a stream connects here (its size is the source's): an error comes before any work
            try:
                sink = open_sink(args.output, driver.fps, audio_from=driver, size=source.shape[1::-1])
            except DriverError as e:
                raise InputError(str(e)) from None
        if args.virtual_cam:   # opened before any work: no backend fails at once, naming what to install
            try:
                cam = open_virtual_camera(source.shape[1], source.shape[0], driver.fps)
            except DriverError as e:
                raise InputError(str(e)) from None
            print(f"virtual camera: {cam.device}", file=sys.stderr)
        config = ReenactConfig(relative=not args.absolute, fps=driver.fps, bundle=args.bundle, faces=faces)
        custom = args.model or args.device != "cpu" or args.blend != "feather"
        if custom and not crop_model:
            max_faces = 4 if faces == "largest" else limits.MAX_FACES[1]
            editor = _make_editor(args.model, args.backend, args.device, args.blend, args.bundle, max_faces)
        # a file read faster than real time is held to its frame rate when it goes out live
        pacer = Pacer(driver.fps) if (cam is not None or streaming) and not driver.is_camera else None
        _reenact_loop(args, guard, source, driver, editor, config, sink, cam, show, pacer, crop_model)
    finally:
        if sink is not None:
            sink.close()
        if cam is not None:
            cam.close()
        driver.close()
        if editor is not None:
            editor.close()


def _reenact_loop(args, guard, source, driver, editor, config, sink, cam, show, pacer,
                  crop_model: bool = False) -> None:
    from ..reenact import DriverError, Reenactor
    from ..tracker import NoFaceError

    n = lost = waiting = 0
    bar = None
    t0 = time.perf_counter()
    t_stream = None
    try:
        try:
            if crop_model:
                from ..systems.crop_reenact import CropReenactor

                reen = CropReenactor(args.model, source, backend=args.backend, device=args.device,
                                     relative=config.relative, bundle=args.bundle)
            else:
                reen = Reenactor(source, editor=editor, config=config)
        except NoFaceError:
            raise InputError(f"no face found in the source {args.source}") from None
        with reen:
            total = driver.frame_count
            if args.max_frames is not None:
                total = min(total, args.max_frames) if total else None
            if not driver.is_camera:
                from tqdm import tqdm

                bar = tqdm(total=total, unit="frame", desc="reenact", dynamic_ncols=True, file=sys.stderr)
            fps_ema = None
            t_stream = t_prev = time.perf_counter()
            stream = reen.run(driver.timed())
            for out in stream:     # (an exception leaving this loop closes the stream: Reenactor.close)
                now = time.perf_counter()
                inst = 1.0 / max(now - t_prev, 1e-6)
                t_prev = now
                fps_ema = inst if fps_ema is None else 0.9 * fps_ema + 0.1 * inst
                if pacer is not None:
                    pacer.wait()
                with guard.hold() if guard is not None else contextlib.nullcontext():
                    if sink is not None:
                        sink.write(out.image)
                    n += 1          # after the write: a stop between the two cannot miscount
                lost += out.status.startswith("lost")
                waiting += out.status.startswith("waiting")
                if cam is not None:
                    cam.send(out.image)
                if show and not _show(out, fps_ema):
                    break
                if bar is not None:
                    bar.set_postfix_str(f"{fps_ema:.1f} fps, {out.status}", refresh=False)
                    bar.update(1)
                if args.max_frames is not None and n >= args.max_frames:
                    break
    except DriverError as e:      # the output cannot be written (the frames so far are kept)
        raise InputError(str(e)) from None
    except (_Stopped, KeyboardInterrupt) as e:
        import signal

        what = signal.Signals(e.signum).name if isinstance(e, _Stopped) else "interrupted"
        kept = f"; {args.output} holds the {n} frames written" if args.output and n else ""
        print(f"poce-rt reenact: stopped ({what}) after {n} frames{kept}", file=sys.stderr)
        raise
    finally:
        if bar is not None:
            bar.close()
        if show:
            import cv2

            cv2.destroyAllWindows()
        if sink is not None:
            sink.close()   # finalised (and the sound remuxed) before the summary
    t1 = time.perf_counter()
    if driver.ended_early:
        print(f"poce-rt reenact: note: driver {driver.ended_early}", file=sys.stderr)
    note = getattr(sink, "audio_note", None)
    if note:
        print(f"poce-rt reenact: note: {note}; the video is silent", file=sys.stderr)
    where = f" -> {args.output}" if args.output else ""
    print(f"reenacted {n} frames{where} ({n / max(t1 - t_stream, 1e-9):.1f} fps after {t_stream - t0:.2f} s "
          f"of setup); {lost + waiting} frames without a driver face ({lost} held the last state, "
          f"{waiting} before the first face)")


def _show(out, fps: float) -> bool:
    """Show a frame with a live FPS readout; False when the user closes it (q / Esc)."""
    import cv2

    bgr = cv2.cvtColor(out.image, cv2.COLOR_RGB2BGR)
    text = f"{fps:.1f} fps  {out.status}"
    cv2.putText(bgr, text, (10, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(bgr, text, (10, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 1, cv2.LINE_AA)
    cv2.imshow("poce-rt reenact (q to quit)", bgr)
    return (cv2.waitKey(1) & 0xFF) not in (ord("q"), 27)


# -------------------------------------------------------------------------------------------- parser
def add_parser(sub) -> None:
    s = sub.add_parser("edit", help="edit the expression and head pose of the face in IMAGE")
    add_bundle_option(s)
    s.add_argument("image")
    s.add_argument("-o", "--output", required=True, help="edited image (PNG)")
    s.add_argument("--model", help="trained model directory (default: weight-free pipeline)")
    s.add_argument("--backend", default="auto", choices=("auto", "onnxruntime", "tensorrt", "torch"))
    s.add_argument("--expr", nargs="+", action="extend", metavar="NAME=VALUE",
                   help="blendshape changes in [-1,1] (relative) or target scores in [0,1] (--absolute), "
                        "e.g. jawOpen=0.6")
    s.add_argument("--absolute", action="store_true", help="--expr values are target scores, not changes")
    s.add_argument("--reference", help="transplant this face's expression (feature transfer)")
    s.add_argument("--mask", help="region(s) eyes,nose,mouth,eyes_nose_mouth (comma-joined) or a square mask image")
    for ax in ("yaw", "pitch", "roll"):
        s.add_argument(f"--{ax}", type=float_in(), default=None,
                       help=f"{ax} in degrees, {limits.pose_help(ax)} (an offset unless --absolute-pose; "
                            "the pose it leads to must be within the same range)")
    s.add_argument("--absolute-pose", action="store_true", help="--yaw/--pitch/--roll are absolute angles")
    s.add_argument("--intensity", type=float_in(-3.0, 3.0), default=1.0,
                   help="scale of the expression change, -3..3 (>1 extrapolates; default 1)")
    s.add_argument("--steps", type=int_in(*limits.STEPS), default=1,
                   help=f"cascade steps of the texture edit, {limits.STEPS[0]}-{limits.STEPS[1]} (default 1)")
    s.add_argument("--device", default="cpu", choices=("cpu", "cuda"),
                   help="where steps 5-7 run (cuda: one stream, CUDA graphs; default cpu)")
    s.add_argument("--blend", default="feather", choices=("feather", "poisson"),
                   help="how the face goes back into the frame (poisson: OpenCV, on the host)")
    s.add_argument("--grid", help="also write source | sampled UV | completed UV | edited UV | output")
    add_faces_option(s)
    add_neck_pivot_option(s)
    s.set_defaults(func=cmd_edit)

    s = sub.add_parser("reenact", help="drive the source face with a video file or a camera")
    add_bundle_option(s)
    s.add_argument("--source", required=True, help="source portrait")
    s.add_argument("--driver", required=True, help="driver video file, or a camera index (0, 1, ...)")
    s.add_argument("--model", help="trained model directory (default: weight-free pipeline)")
    s.add_argument("--backend", default="auto", choices=("auto", "onnxruntime", "tensorrt", "torch"))
    s.add_argument("-o", "--output", help="output video (.mp4; keeps a driver file's sound) or a live stream URL: "
                                          "udp://HOST:PORT, tcp:// (MPEG-TS), rtsp://SERVER/PATH")
    s.add_argument("--show", action="store_true", help="show the output in a window with live FPS (q quits)")
    s.add_argument("--virtual-cam", action="store_true",
                   help="send the output to a virtual camera (pyvirtualcam + v4l2loopback / OBS), paced at "
                        "the driver's frame rate")
    s.add_argument("--absolute", action="store_true", help="copy the driver's absolute pose and expression")
    s.add_argument("--device", default="cpu", choices=("cpu", "cuda"),
                   help="where steps 5-7 run (cuda: one stream, CUDA graphs; default cpu)")
    s.add_argument("--blend", default="feather", choices=("feather", "poisson"),
                   help="how the face goes back into the frame (poisson: OpenCV, on the host)")
    s.add_argument("--max-frames", type=int_in(1), default=None, help="stop after N frames (N >= 1)")
    s.add_argument("--faces", default="largest", metavar="all|largest|INDEX[,INDEX...]",
                   help="source faces to drive: the largest (default), all, or indices numbered left to "
                        "right from 0; driver faces pair with them left to right, and a single (or the "
                        "largest) driver face drives the source faces left without one")
    s.set_defaults(func=cmd_reenact)
