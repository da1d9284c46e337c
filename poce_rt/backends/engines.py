"""TensorRT engine cache: ``<engine_dir>/*.engine`` + ``manifest.json``.

Engine directory: the ``engine_dir`` argument / ``--engine-dir``, else ``$POCE_RT_ENGINE_DIR``,
else ``./engines`` under the current directory (never inside the installed package).

Cache key = sha256 over: the ONNX file's sha256, precision, the input shape profile, the TensorRT
flavour and version, and the build target (the GPU's compute capability, e.g. ``sm86``; on a
machine without a GPU the ahead-of-time targets, e.g. ``aot-default`` or ``aot-sm75``).

Loading never trusts a file blindly: a missing manifest entry, a size or sha256 mismatch
(truncated or flipped bytes) or a header that ``Runtime.get_engine_validity`` calls malformed
(diagnostics 32), from another TensorRT version or for another GPU, is logged on one line and the
engine is rebuilt. Writes are atomic (temporary file + ``os.replace``) and builders of the same key
are serialised by a file lock, so concurrent processes build once.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
import time
from dataclasses import asdict, dataclass
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Mapping, Sequence

from .trt import DEFAULT_PROFILE_BATCH

__all__ = ["EngineCache", "EngineRecord", "default_engine_dir", "sha256_file", "MANIFEST"]

log = logging.getLogger("poce_rt.engines")  # the name users filter on, kept across the move
MANIFEST = "manifest.json"
ENGINE_SUFFIX = ".engine"


def default_engine_dir(engine_dir: str | os.PathLike | None = None) -> Path:
    if engine_dir:
        return Path(engine_dir)
    env = os.environ.get("POCE_RT_ENGINE_DIR")
    if env:
        return Path(env)
    return Path.cwd() / "engines"


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class EngineRecord:
    """One manifest entry."""

    key: str
    file: str
    onnx: str
    onnx_sha256: str
    precision: str
    profile: dict
    flavour: str
    trt_version: str
    target: str
    sha256: str
    size: int
    built_at: str
    build_seconds: float


@contextlib.contextmanager
def _file_lock(path: Path, timeout: float = 1800.0):
    """Exclusive advisory lock (fcntl on POSIX; an O_EXCL lock file elsewhere)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl  # noqa: PLC0415
    except ImportError:  # pragma: no cover - Windows
        fcntl = None
    if fcntl is not None:
        with open(path, "a+") as f:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)
        return
    t0 = time.monotonic()  # pragma: no cover
    while True:  # pragma: no cover
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            break
        except FileExistsError:
            if time.monotonic() - t0 > timeout:
                raise TimeoutError(f"timed out waiting for engine lock {path}") from None
            time.sleep(0.2)
    try:  # pragma: no cover
        yield
    finally:  # pragma: no cover
        os.close(fd)
        os.unlink(path)


def _atomic_write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode) as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _normalise_profile(profile: Mapping[str, Sequence[Sequence[int]]] | None,
                       batch: Sequence[int]) -> dict:
    if profile:
        return {k: [list(map(int, s)) for s in v] for k, v in sorted(profile.items())}
    return {"batch": [int(b) for b in batch]}


class EngineCache:
    """Build-or-load TensorRT engines for ONNX graphs, validated on every load.

    ``builds`` counts the engines this object built (tests assert on it); ``last_event`` says what
    the last ``get`` did: ``'hit'``, ``'built'`` or ``'rebuilt: <reason>'``.
    """

    def __init__(self, engine_dir: str | os.PathLike | None = None, *, progress: bool = True):
        self.engine_dir = default_engine_dir(engine_dir)
        self.progress = progress
        self.builds = 0
        self.last_event = ""

    # -- manifest -----------------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.engine_dir / MANIFEST

    def manifest(self) -> dict[str, dict]:
        """``key -> record dict`` of the manifest; ``{}`` if there is none. A manifest that is not
        JSON or not of this cache's shape is set aside (renamed ``manifest.json.corrupt-<time>``)
        and treated as empty, so its engines are rebuilt and recorded afresh."""
        engines, problem = self._read_manifest()
        if problem is None:
            return engines
        with _file_lock(self.engine_dir / ".manifest.lock"):
            return self._manifest_locked()

    def _manifest_locked(self) -> dict[str, dict]:
        """`manifest()` for a caller that holds the manifest lock: another process may have set a
        corrupt manifest aside and written a good one meanwhile, so read it again here."""
        engines, problem = self._read_manifest()
        if problem is not None:
            self._set_aside(problem)
        return engines

    def _read_manifest(self) -> tuple[dict[str, dict], str | None]:
        """(engines, None) or ({}, why the manifest is corrupt); a missing manifest is empty."""
        try:
            with open(self.manifest_path, "rb") as f:
                data = json.loads(f.read().decode("utf-8"))
        except FileNotFoundError:
            return {}, None
        except ValueError as exc:   # JSONDecodeError and UnicodeDecodeError are ValueErrors
            return {}, f"not JSON ({exc})"
        except IsADirectoryError:
            return {}, "a directory, not a file"
        problem = _manifest_problem(data)
        return ({}, problem) if problem else (data["engines"], None)

    def _set_aside(self, problem: str) -> None:
        aside = self.manifest_path.with_name(f"{MANIFEST}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}"
                                             f"-{os.getpid()}")
        try:
            os.replace(self.manifest_path, aside)
        except FileNotFoundError:
            return
        log.warning("engine manifest %s is corrupt (%s): set aside as %s; its engines will be "
                    "rebuilt", self.manifest_path, problem, aside.name)

    def _update_manifest(self, key: str, record: dict | None) -> None:
        with _file_lock(self.engine_dir / ".manifest.lock"):
            engines = self._manifest_locked()
            if record is None:
                engines.pop(key, None)
            else:
                engines[key] = record
            _atomic_write(self.manifest_path,
                          json.dumps({"version": 1, "engines": engines}, indent=2, sort_keys=True))

    def records(self) -> list[EngineRecord]:
        return sorted((EngineRecord(**{f: rec[f] for f in _RECORD_FIELDS})
                       for rec in self.manifest().values()), key=lambda r: r.file)

    # -- keys ---------------------------------------------------------------------------------
    def key_fields(self, onnx_path: str | os.PathLike, precision: str | None = None, *,
                   profile=None, batch: Sequence[int] = DEFAULT_PROFILE_BATCH,
                   targets: Sequence[str] | None = None) -> dict:
        from .trt import default_target_label, import_tensorrt  # noqa: PLC0415

        trt, flavour = import_tensorrt()
        onnx_path = Path(onnx_path)
        if precision is None:
            precision = _precision_of(onnx_path)
        return {
            "onnx_sha256": sha256_file(onnx_path),
            "precision": precision,
            "profile": _normalise_profile(profile, batch),
            "flavour": flavour,
            "trt_version": str(trt.__version__),
            "target": default_target_label(targets),
        }

    @staticmethod
    def key_of(fields: Mapping) -> str:
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()

    def engine_path(self, onnx_path: str | os.PathLike, key: str) -> Path:
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", Path(onnx_path).name[: -len(".onnx")]
                      if str(onnx_path).endswith(".onnx") else Path(onnx_path).name)
        return self.engine_dir / f"{stem}.{key[:16]}{ENGINE_SUFFIX}"

    # -- validation ---------------------------------------------------------------------------
    def check(self, path: Path, record: Mapping | None) -> str | None:
        """Return why the engine at ``path`` must not be used, or None if it is fine."""
        from .trt import MALFORMED_ENGINE, engine_validity, gpu_info  # noqa: PLC0415

        if record is None:
            return "no manifest entry"
        if not path.is_file():
            return "engine file missing"
        size = path.stat().st_size
        if size != record.get("size"):
            return f"size {size} != manifest {record.get('size')} (truncated or overwritten)"
        with open(path, "rb") as f:
            data = f.read()
        digest = hashlib.sha256(data).hexdigest()
        if digest != record.get("sha256"):
            return f"sha256 {digest[:12]} != manifest {str(record.get('sha256'))[:12]} (corrupted)"
        validity, diag = engine_validity(data)
        if diag & MALFORMED_ENGINE:
            return f"header malformed (get_engine_validity {validity}, diagnostics {diag})"
        if validity == "INVALID" and diag and gpu_info()["count"] > 0:
            return f"engine invalid on this GPU (diagnostics {diag})"
        return None

    # -- build / get --------------------------------------------------------------------------
    def get(self, onnx_path: str | os.PathLike, precision: str | None = None, *, profile=None,
            batch: Sequence[int] = DEFAULT_PROFILE_BATCH, targets: Sequence[str] | None = None,
            force: bool = False) -> Path:
        """Path of a valid engine for ``onnx_path``, built (and recorded) if needed."""
        from .trt import build_engine  # noqa: PLC0415

        onnx_path = Path(onnx_path)
        if not onnx_path.is_file():
            raise FileNotFoundError(f"ONNX file not found: {onnx_path}")
        fields = self.key_fields(onnx_path, precision, profile=profile, batch=batch, targets=targets)
        key = self.key_of(fields)
        path = self.engine_path(onnx_path, key)
        reason = "forced" if force else self.check(path, self.manifest().get(key))
        if reason is None:
            self.last_event = "hit"
            log.debug("engine cache hit %s", path.name)
            return path
        with _file_lock(self.engine_dir / f".{key[:16]}.lock"):
            if not force:  # another process may have built it while we waited
                reason2 = self.check(path, self.manifest().get(key))
                if reason2 is None:
                    self.last_event = "hit"
                    return path
            if path.exists() or reason not in ("no manifest entry", "engine file missing"):
                log.warning("rebuilding engine %s: %s", path.name, reason)
                self.last_event = f"rebuilt: {reason}"
            else:
                log.info("building engine %s (%s, %s, %s)", path.name, fields["precision"],
                         fields["flavour"], fields["target"])
                self.last_event = "built"
            t0 = time.monotonic()
            data = build_engine(onnx_path, profile=profile, batch=batch, targets=targets,
                                progress=self.progress, label=path.name)
            secs = time.monotonic() - t0
            _atomic_write(path, data)
            self.builds += 1
            rec = EngineRecord(key=key, file=path.name, onnx=str(onnx_path.resolve()),
                               sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                               built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                               build_seconds=round(secs, 3), **fields)
            self._update_manifest(key, asdict(rec))
        return path

    def clean(self) -> int:
        """Delete every engine file and the manifest; return how many files were removed."""
        n = 0
        if not self.engine_dir.is_dir():
            return 0
        with _file_lock(self.engine_dir / ".manifest.lock"):
            for p in self.engine_dir.iterdir():
                if (p.suffix == ENGINE_SUFFIX or p.name == MANIFEST or p.name.endswith(".tmp")
                        or p.name.startswith(MANIFEST + ".corrupt-")) and p.is_file():
                    p.unlink()
                    n += 1
        for p in self.engine_dir.glob(".*.lock"):
            with contextlib.suppress(OSError):
                p.unlink()
        return n


_RECORD_FIELDS = tuple(f.name for f in dataclass_fields(EngineRecord))


def _manifest_problem(data) -> str | None:
    """Why `data` (a parsed manifest) is not ``{"engines": {key: record}}``, or None."""
    if not isinstance(data, dict):
        return f"top level is a {type(data).__name__}, not an object"
    engines = data.get("engines")
    if not isinstance(engines, dict):
        return f"'engines' is a {type(engines).__name__}, not an object"
    for key, rec in engines.items():
        if not isinstance(rec, dict):
            return f"record {key!r} is a {type(rec).__name__}, not an object"
        missing = [f for f in _RECORD_FIELDS if f not in rec]
        if missing:
            return f"record {key!r} lacks {missing}"
        if rec["key"] != key or not isinstance(rec["size"], int) or not isinstance(rec["file"], str):
            return f"record {key!r} is inconsistent (key, size or file)"
    return None


def _precision_of(onnx_path: Path) -> str:
    """'fp16' or 'fp32' from the graph's metadata (``precision``), else from the file name."""
    import onnx  # noqa: PLC0415
    from google.protobuf.message import DecodeError  # noqa: PLC0415

    try:
        m = onnx.load(str(onnx_path), load_external_data=False)
    except (OSError, ValueError, DecodeError) as exc:  # the build reports a bad graph clearly
        log.debug("cannot read the precision of %s (%s); going by its name", onnx_path, exc)
    else:
        meta = {p.key: p.value for p in m.metadata_props}
        if meta.get("poce_rt.precision") in ("fp16", "fp32"):
            return meta["poce_rt.precision"]
    return "fp16" if ".fp16." in onnx_path.name else "fp32"
