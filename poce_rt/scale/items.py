"""What a batch job is made of: inputs -> items -> outputs, and the manifest that makes it resumable.

An item is one unit of work with one output file under the job's `--out` folder:
  - 'image': a photo -> OUT/<relative path>.png
  - 'video': a video, every frame edited -> OUT/<relative path>.mp4
  - 'pair':  (source photo, driver video) for reenactment -> OUT/<source stem>__<driver stem>.mp4
A file given directly keeps its name; a file found in a folder keeps its path relative to that
folder, so two folders with the same layout cannot collide silently (collisions are refused).

The manifest (OUT/manifest.jsonl) gets one JSON line per finished attempt (status 'done' or
'failed', seconds, error, worker); the last line of an item wins. A rerun skips an item whose last
line is 'done' with the same fingerprint (inputs' size and mtime, the edit's parameters) and whose
output exists; failed, changed or missing items run again. Only the job's driver process appends
to it, so lines never interleave.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
VIDEO_EXTS = (".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm")
MANIFEST = "manifest.jsonl"


@dataclass(frozen=True)
class Item:
    """kind: 'image' | 'video' | 'pair'; inputs: absolute paths (pair: source, driver);
    output: the path relative to the job's folder (POSIX separators)."""

    kind: str
    inputs: tuple
    output: str

    @property
    def key(self) -> str:
        return self.output


@dataclass
class Manifest:
    """The job's JSON-lines record. `last[key]` is the latest record of each item."""

    path: Path
    last: dict = field(default_factory=dict)

    @classmethod
    def open(cls, out_dir) -> "Manifest":
        m = cls(Path(out_dir) / MANIFEST)
        if m.path.is_file():
            for n, line in enumerate(m.path.read_text().splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                    m.last[rec["item"]] = rec
                except (ValueError, KeyError, TypeError):
                    # a line cut short by a kill: that attempt is simply not recorded
                    continue
        return m

    def is_done(self, item: Item, fingerprint: str, out_dir: Path) -> bool:
        rec = self.last.get(item.key)
        return (rec is not None and rec.get("status") == "done" and rec.get("fingerprint") == fingerprint
                and (out_dir / item.output).is_file())

    def append(self, rec: dict) -> None:
        rec = {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **rec}
        line = json.dumps(rec, default=str) + "\n"
        # one write of one line, flushed: a kill leaves at most a cut last line (skipped on reading)
        with self.path.open("a") as f:
            f.write(line)
            f.flush()
        self.last[rec["item"]] = rec


def fingerprint(item: Item, spec_json: str) -> str:
    """What makes an output stale: the inputs' size and mtime, and the work's parameters."""
    h = hashlib.sha256(spec_json.encode())
    for p in item.inputs:
        try:
            st = os.stat(p)
            h.update(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
        except OSError:
            h.update(f"{p}\0missing\0".encode())
    return h.hexdigest()[:16]


def _walk(root: Path):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath) / name


def _media(inputs, exts: tuple, out_dir: Path | None = None) -> list[tuple[Path, str]]:
    """Files (given, or found under folders) -> [(absolute path, relative output stem)].
    A file given directly is taken whatever its extension (a broken or mislabelled file becomes a
    failed item, recorded, not a skipped one); in folders only files with `exts` count.
    `out_dir` is left out of the walk (a job's output inside its input folder)."""
    found = []
    skip = out_dir.resolve() if out_dir is not None else None
    for spec in inputs:
        p = Path(spec).expanduser()
        if p.is_dir():
            for f in _walk(p):
                if skip is not None and skip in f.resolve().parents:
                    continue
                if f.suffix.lower() in exts:
                    found.append((f.resolve(), f.relative_to(p).with_suffix("").as_posix()))
        elif p.is_file():
            found.append((p.resolve(), p.stem))
        else:
            raise InputError(f"input not found: {spec}")
    return found


def media_items(inputs, out_dir=None) -> list[Item]:
    """Photos and videos for `batch edit` / `batch pose`: an 'image' item per photo, a 'video'
    item per video (by extension; anything else given directly is tried as a photo)."""
    items = []
    for path, stem in _media(inputs, IMAGE_EXTS + VIDEO_EXTS, out_dir):
        kind = "video" if path.suffix.lower() in VIDEO_EXTS else "image"
        items.append(Item(kind, (str(path),), stem + (".mp4" if kind == "video" else ".png")))
    return _unique(items)


def pair_items(source: str | None, drivers, pairs_csv: str | None = None, out_dir=None) -> list[Item]:
    """Reenactment pairs: `source` with every driver video, and/or the rows of a CSV of
    `source,driver` (a header row is allowed; relative paths are relative to the CSV's folder)."""
    pairs: list[tuple[Path, Path]] = []
    if drivers:
        if source is None:
            raise InputError("batch reenact: give --source with the driver videos (or --pairs CSV)")
        src = Path(source).expanduser()
        if not src.is_file():
            raise InputError(f"source not found: {source}")
        pairs += [(src.resolve(), d) for d, _ in _media(drivers, VIDEO_EXTS, out_dir)]
    if pairs_csv:
        pairs += _read_pairs(Path(pairs_csv))
    if not pairs:
        raise InputError("batch reenact: no pairs (give --source and driver videos, or --pairs CSV)")
    return _unique([Item("pair", (str(s), str(d)), f"{s.stem}__{d.stem}.mp4") for s, d in pairs])


def _read_pairs(path: Path) -> list[tuple[Path, Path]]:
    if not path.is_file():
        raise InputError(f"pairs CSV not found: {path}")
    out = []
    with path.open(newline="") as f:
        for n, row in enumerate(csv.reader(f), 1):
            row = [c.strip() for c in row]
            if not any(row) or row[0].startswith("#"):
                continue
            if len(row) != 2:
                raise InputError(f"{path}:{n}: expected 'source,driver', got {len(row)} columns")
            if n == 1 and [c.lower() for c in row] == ["source", "driver"]:
                continue
            s, d = ((path.parent / c).resolve() for c in row)
            out.append((s, d))   # missing files become failed items with their error, not a stop
    return out


def _unique(items: list[Item]) -> list[Item]:
    seen: dict[str, Item] = {}
    for it in items:
        other = seen.get(it.output)
        if other is not None and other.inputs != it.inputs:
            raise InputError(f"{other.inputs[-1]} and {it.inputs[-1]} would both be written to "
                             f"{it.output}; give them in separate jobs or rename one")
        seen[it.output] = it
    return list(seen.values())
