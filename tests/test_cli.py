"""The poce-rt command line: real photos in, PNGs out, clear one-line errors."""
import subprocess
import sys

import cv2
import numpy as np

from poce_rt.assets import data_path
from poce_rt.cli import main


def test_uv_writes_texture_and_mask(tmp_path, capsys):
    uv, mask = tmp_path / "uv.png", tmp_path / "mask.png"
    assert main(["uv", str(data_path("astronaut")), "-o", str(uv), "--mask-out", str(mask)]) == 0
    tex = cv2.imread(str(uv))
    m = cv2.imread(str(mask), cv2.IMREAD_GRAYSCALE)
    assert tex.shape == (256, 256, 3) and m.shape == (256, 256)
    assert 0.4 < (m > 127).mean() < 0.8
    assert "visible" in capsys.readouterr().out


def test_pose_writes_the_edited_photo_and_grid(tmp_path):
    out, grid = tmp_path / "out.png", tmp_path / "grid.png"
    src = cv2.imread(str(data_path("single_face.jpg")))
    assert main(["pose", str(data_path("single_face.jpg")), "--yaw", "20", "-o", str(out), "--grid", str(grid)]) == 0
    res = cv2.imread(str(out))
    assert res.shape == src.shape
    changed = np.abs(res.astype(int) - src.astype(int)).max(-1) > 30
    assert 0.01 < changed.mean() < 0.3  # the face changed, the rest of the photo did not
    assert cv2.imread(str(grid)).shape[0] == 512


def test_pose_writes_the_fill_map(tmp_path):
    """A three-quarter view turned towards the camera: the revealed cheek is filled and marked."""
    out, filled = tmp_path / "out.png", tmp_path / "filled.png"
    photo = str(data_path("45-m7-di-ph.jpg"))
    assert main(["pose", photo, "--yaw", "25", "-o", str(out), "--filled-out", str(filled)]) == 0
    m = cv2.imread(str(filled), cv2.IMREAD_GRAYSCALE)
    assert m.shape == cv2.imread(photo).shape[:2]
    assert 0.01 < (m > 127).mean() < 0.2   # the far cheek, not the whole photo


def test_neck_pivot_swings_the_face_round(tmp_path, capsys):
    """`pose` and `edit --neck-pivot 4.5` turn the head about its neck (EditorConfig.neck_pivot_cm):
    the same yaw, the face drawn further round than about the canonical origin (the nose tip
    moves further); out of range is a one-line error that writes nothing."""
    photo = str(data_path("single_face.jpg"))
    src = cv2.imread(photo).astype(int)
    moved, outs = {}, {}
    for cmd in ("pose", "edit"):
        for pivot in ("0", "4.5"):
            out = tmp_path / f"{cmd}{pivot}.png"
            assert main([cmd, photo, "--yaw", "20", "--neck-pivot", pivot, "-o", str(out)]) == 0
            outs[cmd, pivot] = cv2.imread(str(out)).astype(int)
            moved[cmd, pivot] = (np.abs(outs[cmd, pivot] - src).max(-1) > 30).sum()
    for cmd in ("pose", "edit"):   # (30155 -> 32377 pixels moved by > 30 levels on pose)
        assert moved[cmd, "4.5"] > 1.03 * moved[cmd, "0"], moved
        assert (np.abs(outs[cmd, "4.5"] - outs[cmd, "0"]).max(-1) > 30).mean() > 0.01
    capsys.readouterr()
    assert main(["pose", photo, "--yaw", "20", "--neck-pivot", "40", "-o", str(tmp_path / "x.png")]) == 2
    assert "--neck-pivot" in capsys.readouterr().err and not (tmp_path / "x.png").exists()


def test_pose_without_offsets_is_nearly_the_photo(tmp_path):
    out = tmp_path / "out.png"
    assert main(["pose", str(data_path("astronaut")), "-o", str(out)]) == 0
    src = cv2.imread(str(data_path("astronaut"))).astype(float)
    mse = np.mean((cv2.imread(str(out)).astype(float) - src) ** 2)
    assert 10 * np.log10(255 ** 2 / mse) > 35


def test_no_face_is_a_clear_error(tmp_path, capsys):
    rc = main(["pose", str(data_path("free-mountain-vector-01.jpg")), "-o", str(tmp_path / "x.png")])
    assert rc == 2
    assert "no face" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


def test_missing_and_unreadable_files(tmp_path, capsys):
    assert main(["uv", str(tmp_path / "nope.jpg"), "-o", str(tmp_path / "x.png")]) == 2
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"not an image")
    assert main(["uv", str(junk), "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "nope.jpg" in err and "junk.jpg" in err


def test_corrupt_bundle_is_a_clear_error(tmp_path, capsys, bundle):
    bad = tmp_path / "face_landmarker.task"
    data = bytearray(bundle.read_bytes())
    data[1000:1010] = b"\0" * 10
    bad.write_bytes(bytes(data))
    assert main(["--bundle", str(bad), "uv", str(data_path("astronaut")), "-o", str(tmp_path / "x.png")]) == 2
    assert "sha256" in capsys.readouterr().err


def test_grayscale_and_rgba_photos_are_handled(tmp_path):
    gray = tmp_path / "gray.png"
    cv2.imwrite(str(gray), cv2.imread(str(data_path("single_face.jpg")), cv2.IMREAD_GRAYSCALE))
    assert main(["uv", str(gray), "-o", str(tmp_path / "g.png")]) == 0  # loaded as RGB
    assert main(["uv", str(data_path("Image_with_alpha.png")), "-o", str(tmp_path / "a.png")]) in (0, 2)


def test_doctor_runs_as_a_module():
    res = subprocess.run([sys.executable, "-m", "poce_rt.cli", "doctor", "--json"], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert '"cuda_available"' in res.stdout and '"landmarker_bundle"' in res.stdout


def test_commands_needing_an_extra_are_listed_and_name_it(tmp_path):
    """Without torch (blocked in a fresh interpreter) train/export stay in --help, and running
    them says which extra to install, in one line with exit status 2."""
    block = "import sys; sys.modules['torch'] = None; from poce_rt.cli import main; sys.exit(main(sys.argv[1:]))"

    def run(*argv):
        return subprocess.run([sys.executable, "-c", block, *argv], capture_output=True, text=True, timeout=120)

    helped = run("--help")
    assert helped.returncode == 0
    for command in ("train", "export", "engines", "edit"):
        assert command in helped.stdout
    (tmp_path / "model").mkdir()
    for argv in (("train", "completion", str(tmp_path), "--out", str(tmp_path / "m")),
                 ("export", str(tmp_path / "model"))):
        r = run(*argv)
        assert r.returncode == 2, r.stderr
        assert "pip install 'poce-rt[train]'" in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
