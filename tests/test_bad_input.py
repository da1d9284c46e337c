"""Bad input, as a hostile user would give it (issue 11): every failing command exits non-zero with
one line on stderr and no traceback, the API raises a clear error type, and nothing partial is
left behind. A real bug (a TypeError in our own code) still shows its traceback."""
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import poce_rt
from poce_rt import limits, ops, stages
from poce_rt.assets import data_path
from poce_rt.cli import main
from poce_rt.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
IMG = str(data_path("single_face.jpg"))


def one_line_error(capsys, argv, rc=2) -> str:
    """Run `poce-rt argv` in-process: the exit status, exactly one line on stderr (ours; MediaPipe's
    C++ log goes to the process's fd 2, not sys.stderr), no traceback."""
    assert main(argv) == rc
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith(("note:", "poce-rt: warning:"))]
    assert len(lines) == 1, err
    assert lines[0].startswith("poce-rt") and "error:" in lines[0], err
    assert "Traceback" not in err
    return lines[0]


def listing(d: Path) -> list:
    return sorted(str(p.relative_to(d)) for p in d.rglob("*")) if d.exists() else []


# --------------------------------------------------------------------------- shared model directory
@pytest.fixture(scope="module")
def model_dir(model_dir_fp32):
    """The session's fp32-only model directory (these tests copy it before they break it)."""
    return model_dir_fp32


def model_copy(model_dir, tmp_path, name="m") -> Path:
    d = tmp_path / name
    shutil.copytree(model_dir, d)
    return d


# ------------------------------------------------------------------------- CLI, subprocess (exit status)
SUBPROCESS_CASES = {
    "export-missing-dir": (["export", "/nonexistent/model"], "model directory not found"),
    "engines-build-missing-dir": (["engines", "build", "/nonexistent/model"], "model directory not found"),
    "engines-max-batch-0": (["engines", "build", "/tmp", "--max-batch", "0"], "--max-batch"),
    "pose-subdivide-10": (["pose", IMG, "-o", "{tmp}/o.png", "--subdivide", "10"], "--subdivide"),
    "edit-unknown-extension": (["edit", IMG, "-o", "{tmp}/o.xyz", "--expr", "jawOpen=0.3"], "extension"),
}


@pytest.mark.parametrize("case", sorted(SUBPROCESS_CASES))
def test_cli_process_exits_2_with_one_line(case, tmp_path):
    argv, needle = SUBPROCESS_CASES[case]
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    res = subprocess.run([sys.executable, "-m", "poce_rt.cli", *argv], capture_output=True, text=True,
                         timeout=120, env=env, cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and lines[0].startswith("poce-rt"), res.stderr
    assert not list(tmp_path.iterdir())   # nothing written


def test_engines_build_garbage_onnx_and_bad_target(tmp_path, capsys):
    pytest.importorskip("tensorrt_rtx")
    d = tmp_path / "m"
    d.mkdir()
    (d / "completion.fp16.onnx").write_bytes(os.urandom(1000))
    eng = tmp_path / "eng"
    line = one_line_error(capsys, ["engines", "build", str(d), "--engine-dir", str(eng)])
    assert "completion.fp16.onnx" in line
    assert not list(eng.glob("*.engine"))
    assert "SM1" in one_line_error(capsys, ["engines", "build", str(d), "--target", "SM1", "--engine-dir", str(eng)])


# ---------------------------------------------------------------------------- CLI, outputs and files
@pytest.mark.parametrize("cmd", ["uv", "pose", "edit"])
def test_unknown_output_extension_is_refused_before_any_work(cmd, tmp_path, capsys):
    out = tmp_path / "out.xyz"
    assert "extension" in one_line_error(capsys, [cmd, IMG, "-o", str(out)])
    assert not out.exists()


@pytest.mark.parametrize("where", ["/proc/poce_missing/sub/out.png", "/sys/poce_missing/out.png"])
def test_output_on_an_unwritable_file_system(where, capsys):
    assert "cannot write" in one_line_error(capsys, ["pose", IMG, "-o", where])


def test_output_under_a_file(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("x")
    assert "not a folder" in one_line_error(capsys, ["uv", IMG, "-o", str(f / "out.png")])


def test_reenact_output_that_is_a_directory(tmp_path, capsys):
    d = tmp_path / "out.mp4"
    d.mkdir()
    assert "directory" in one_line_error(capsys, ["reenact", "--source", IMG, "--driver", IMG, "-o", str(d)])
    assert listing(tmp_path) == ["out.mp4"]


def test_reenact_output_extension(tmp_path, capsys):
    assert "extension" in one_line_error(capsys, ["reenact", "--source", IMG, "--driver", IMG,
                                                  "-o", str(tmp_path / "o.avi")])


def test_missing_input_image(tmp_path, capsys):
    assert "not found" in one_line_error(capsys, ["edit", str(tmp_path / "nope.jpg"), "-o", str(tmp_path / "o.png")])
    assert not (tmp_path / "o.png").exists()


def test_image_writes_are_atomic(tmp_path, capsys):
    out = tmp_path / "deep" / "o.png"
    assert main(["uv", IMG, "-o", str(out)]) == 0
    assert out.is_file() and listing(tmp_path) == ["deep", "deep/o.png"]   # no temporary left


# ------------------------------------------------------------------------------------- CLI, ranges
RANGE_CASES = {
    "edit-yaw-180": (["edit", IMG, "--yaw", "180"], "yaw"),
    "edit-yaw-1e9": (["edit", IMG, "--yaw", "1e9"], "yaw"),
    "edit-yaw-nan": (["edit", IMG, "--yaw", "nan"], "--yaw"),
    "edit-pitch-absolute": (["edit", IMG, "--pitch", "1e9", "--absolute-pose"], "pitch"),
    "edit-expr-negative": (["edit", IMG, "--expr", "jawOpen=-5"], "jawOpen"),
    "edit-expr-absolute-over-1": (["edit", IMG, "--expr", "jawOpen=2", "--absolute"], "jawOpen"),
    "edit-steps-huge": (["edit", IMG, "--steps", "1000000"], "--steps"),
    "edit-steps-zero": (["edit", IMG, "--steps", "0"], "--steps"),
    "edit-intensity": (["edit", IMG, "--intensity", "50"], "--intensity"),
    "pose-yaw": (["pose", IMG, "--yaw", "180"], "yaw"),
    "pose-size-0": (["pose", IMG, "--size", "0"], "--size"),
    "uv-size-huge": (["uv", IMG, "--size", "100000"], "--size"),
    "reenact-max-frames-0": (["reenact", "--source", IMG, "--driver", IMG, "--max-frames", "0"], "--max-frames"),
}


@pytest.mark.parametrize("case", sorted(RANGE_CASES))
def test_out_of_range_knobs_are_refused(case, tmp_path, capsys):
    argv, needle = RANGE_CASES[case]
    out = tmp_path / ("o.mp4" if argv[0] == "reenact" else "o.png")
    assert needle in one_line_error(capsys, argv + ["-o", str(out)])
    assert not out.exists()


def test_train_steps_must_be_positive(tmp_path, capsys):
    pytest.importorskip("torch")
    out = tmp_path / "model"
    assert "--steps" in one_line_error(capsys, ["train", "completion", IMG, "--out", str(out), "--steps", "-5"])
    assert not out.exists()
    from poce_rt.train.completion import train_completion

    with pytest.raises(InputError, match="steps"):
        train_completion([IMG], out, steps=-5)
    assert not out.exists()   # refused before the model directory is made


# ------------------------------------------------------------------------ CLI, bundle and model dir
@pytest.mark.parametrize("cmd", ["edit", "reenact", "uv"])
@pytest.mark.parametrize("kind", ["missing", "corrupt"])
def test_bundle_is_honoured_by_every_command(cmd, kind, tmp_path, capsys):
    bundle = tmp_path / "face_landmarker.task"
    if kind == "corrupt":
        bundle.write_bytes(b"\0" * 5000)
    argv = {"edit": ["edit", IMG, "-o", str(tmp_path / "o.png"), "--expr", "jawOpen=0.3"],
            "uv": ["uv", IMG, "-o", str(tmp_path / "o.png")],
            "reenact": ["reenact", "--source", IMG, "--driver", IMG, "-o", str(tmp_path / "o.mp4")]}[cmd]
    line = one_line_error(capsys, argv + ["--bundle", str(bundle)])
    assert ("sha256" in line or "corrupt" in line) if kind == "corrupt" else "not found" in line
    assert not list(tmp_path.glob("o.*"))


def test_model_dir_config_that_is_a_list(model_dir, tmp_path, capsys):
    d = model_copy(model_dir, tmp_path)
    (d / "config.json").write_text("[]")
    assert "config" in one_line_error(capsys, ["edit", IMG, "--model", str(d), "-o", str(tmp_path / "o.png")])
    from poce_rt.networks import Networks

    with pytest.raises(InputError, match="JSON object"):
        Networks.load(d)


def test_model_dir_without_its_completion_graph(model_dir, tmp_path, capsys):
    d = model_copy(model_dir, tmp_path)
    (d / "completion.onnx").unlink()
    before = listing(d)
    line = one_line_error(capsys, ["edit", IMG, "--model", str(d), "-o", str(tmp_path / "o.png"),
                                   "--expr", "jawOpen=0.3"])
    assert "completion.onnx" in line and "poce-rt export" in line
    assert listing(d) == before and not (tmp_path / "o.png").exists()


def test_model_dir_with_a_garbage_graph(model_dir, tmp_path, capsys):
    d = model_copy(model_dir, tmp_path)
    (d / "completion.onnx").write_bytes(os.urandom(3000))
    line = one_line_error(capsys, ["edit", IMG, "--model", str(d), "-o", str(tmp_path / "o.png")])
    assert "completion.onnx" in line and not (tmp_path / "o.png").exists()


def test_export_of_a_corrupt_weights_file(model_dir, tmp_path, capsys):
    d = model_copy(model_dir, tmp_path)
    for f in d.glob("*.onnx"):
        f.unlink()
    (d / "editing.safetensors").write_bytes(b"\x00" * 100)
    assert "editing.safetensors" in one_line_error(capsys, ["export", str(d)])
    assert not list(d.glob("*.onnx"))   # nothing half-exported


def test_tensorrt_backend_without_a_gpu(model_dir, tmp_path, capsys):
    if poce_rt.cuda_available():
        pytest.skip("a GPU is present: the TensorRT backend may run")
    line = one_line_error(capsys, ["edit", IMG, "--model", str(model_dir), "--backend", "tensorrt",
                                   "-o", str(tmp_path / "o.png")])
    assert "tensorrt" in line.lower()


def test_editor_leaves_the_callers_config_alone(model_dir):
    cfg = poce_rt.EditorConfig(uv_size=128)
    with poce_rt.Editor(model_dir, config=cfg) as ed:
        assert ed.config.uv_size == 64 and ed.geometry.size == 64   # the networks' size
    assert cfg.uv_size == 128


# ---------------------------------------------------------------------------------- real bugs
def test_a_bug_keeps_its_traceback(monkeypatch, tmp_path):
    """Only user errors become one line: a TypeError from our own code propagates."""
    from poce_rt import cli

    def broken(args):
        raise TypeError("a bug")

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    parser._subparsers._group_actions[0].choices["doctor"].set_defaults(func=broken)
    with pytest.raises(TypeError, match="a bug"):
        main(["doctor"])


# ------------------------------------------------------------------------------------ API ranges
@pytest.mark.parametrize("kw", [dict(subdivisions=10), dict(subdivisions=-1), dict(feather=-1.0),
                                dict(feather=math.nan), dict(uv_size=0), dict(max_faces=0),
                                dict(max_intensity=math.inf), dict(blend="median")])
def test_editor_config_ranges(kw):
    with pytest.raises(InputError):
        poce_rt.EditorConfig(**kw)


@pytest.mark.parametrize("kw", [dict(fps=0), dict(track_ahead=0), dict(intensity=math.nan),
                                dict(pose_min_cutoff=0), dict(max_faces=100), dict(output="disk")])
def test_reenact_config_ranges(kw):
    with pytest.raises(InputError):
        poce_rt.ReenactConfig(**kw)


def test_geometry_ranges():
    with pytest.raises(InputError, match="subdivisions"):
        stages.geometry(256, 10)
    with pytest.raises(InputError, match="UV size"):
        stages.geometry(8)


@pytest.fixture(scope="module")
def planned(editor, prepared):
    """The module's Editor and single_face.jpg's shared Source."""
    return editor, prepared("single_face.jpg")[1]


@pytest.mark.parametrize("kw", [
    dict(pose=(0, 180, 0)), dict(pose=(1e9, 0, 0), pose_relative=False), dict(pose=(0, 0, math.nan)),
    dict(pose=(0, -57, 0)),   # an offset in range, but the pose it leads to is not (source yaw ~ -8)
    dict(expression={"jawOpen": -5.0}), dict(expression={"jawOpen": 2.0}, relative=False),
    dict(expression=np.full(52, 1.5, np.float32)), dict(intensity=50.0), dict(intensity=math.nan)])
def test_editor_plan_ranges(planned, kw):
    ed, src = planned
    with pytest.raises(InputError):
        ed.plan(src, **kw)


def test_editor_edit_steps_refused_before_any_work(planned, single_face):
    ed, src = planned
    with pytest.raises(InputError, match="steps"):
        ed.edit(single_face, steps=1_000_000, source=src)


def test_reenactment_clamps_a_wild_driver_pose(planned):
    """A stream does not stop on one outlier frame: clamp_pose keeps the pose within the limits."""
    ed, src = planned
    plan = ed.plan(src, pose=(0, 170, 0), clamp_pose=True)
    assert abs(plan.target_pose.yaw) <= limits.POSE_DEG["yaw"]


# ----------------------------------------------------------------------------- ops wrappers
def test_composite_feather_range_and_wide_feather():
    f = np.zeros((64, 64, 3), np.uint8)
    rgb = np.ones((64, 64, 3), np.float32)
    a = np.zeros((64, 64), np.float32)
    a[16:48, 16:48] = 1
    with pytest.raises(ValueError, match="feather"):
        ops.composite(f, rgb, a, -1)
    # a feather wider than the frame is the same box as the whole frame (and O(1) per pixel)
    assert np.array_equal(ops.composite(f, rgb, a, 4096), ops.composite(f, rgb, a, 63))


def test_sample_uv_depth_tol(tracker, single_face):
    geom = stages.geometry(64)
    verts = geom.posed(tracker.track_one(single_face).vertices)
    for bad in (math.nan, math.inf, -1.0):
        with pytest.raises(ValueError, match="depth_tol"):
            ops.sample_uv(single_face, verts, geom.layout.tris, geom.layout, bad)


def test_uv_layout_sizes():
    lay = stages.geometry(64).layout
    with pytest.raises(ValueError, match="tri_id"):
        ops.UVLayout(np.zeros((0, 0), np.int32), np.zeros((0, 0, 3), np.float32), lay.uvs, lay.tris)
    with pytest.raises(ValueError, match="bary"):
        ops.UVLayout(lay.tri_id, lay.bary[:10], lay.uvs, lay.tris)
    with pytest.raises(ValueError, match="size"):
        ops.uv_layout(lay.uvs, lay.tris, 0)


# ---------------------------------------------------------------------------------- item 5: mis-fits
def test_misplaced_face_is_refitted_not_painted_on_the_neck(tracker, real_image):
    """multi_face.jpg: MediaPipe places the right woman's mesh ~45 px low in the full photo. The
    check refits her on her crop (FitWarning); the Editor, which takes a small face's fit from a
    tile (fit_check.tracked_faces), finds her on her face too: the open mouth lands there, not on
    her neck."""
    from poce_rt.fit_check import FitWarning, confirmed_faces

    img = real_image("multi_face.jpg")
    raw = tracker.track(img)[0]
    with pytest.warns(FitWarning, match="refitted"):
        (refit,) = confirmed_faces(tracker, img, [raw])
    assert refit.bbox[1] < raw.bbox[1] - 15      # moved up onto her face
    with poce_rt.Editor(tracker=tracker) as ed:
        face = ed.track(img)
        res = ed.edit(img, expression={"jawOpen": 0.5}, source=ed.prepare(img, face=face))
    assert abs(face.bbox[0] - refit.bbox[0]) < 10 and abs(face.bbox[1] - refit.bbox[1]) < 10
    diff = np.abs(res.image.astype(int) - img.astype(int)).max(-1)
    neck = diff[440:470, 725:765]                # where the misplaced fit put the mouth
    mouth = diff[int(face.bbox[1]):int(face.bbox[3]), int(face.bbox[0]):int(face.bbox[2])]
    assert (neck > 40).mean() < 0.02 and (mouth > 40).mean() > 0.02


def test_well_fitted_faces_pass_the_check_unchanged(tracker, single_face, astronaut):
    from poce_rt.fit_check import confirmed_faces

    for img in (single_face, astronaut):
        faces = tracker.track(img)
        assert confirmed_faces(tracker, img, faces)[0] is faces[0]
