"""Face boxes (x0, y0, x1, y1) in pixels: their centre and size, and which of several is the face
at a known place.

A face found again (the tracker on an edit, dlib on a photo or its crop) is matched to the face
it should be by the nearest box centre, within a limit: a box farther away is another person's,
or the face looked for was lost, and the caller reports that instead of measuring the wrong face.
"""
from __future__ import annotations

import math

# A box whose centre lies farther than this (times the face's size) from where the face is, is
# not that face. An edit moves its face's box centre by a few percent of its size (a turn by
# +-25 degrees by ~10%); neighbours in a group photo sit a face's width or more apart.
MATCH_WITHIN = 0.5


def centre(box) -> tuple[float, float]:
    """(x, y) of a box's centre."""
    x0, y0, x1, y1 = box
    return 0.5 * (x0 + x1), 0.5 * (y0 + y1)


def size(box) -> float:
    """A box's larger side, at least 1 px."""
    x0, y0, x1, y1 = box
    return max(x1 - x0, y1 - y0, 1.0)


def nearest(boxes, point, within: float) -> int | None:
    """Index of the box whose centre is nearest `point` (x, y), if it lies within `within` px of
    it; None otherwise (also for no boxes). Ties go to the first."""
    best, gap = None, math.inf
    for k, b in enumerate(boxes):
        cx, cy = centre(b)
        d = math.hypot(cx - point[0], cy - point[1])
        if d < gap:
            best, gap = k, d
    return best if gap <= within else None


def same_face(boxes, box) -> int | None:
    """Index of the box (of faces found again) that is the face at `box`: nearest its centre,
    within MATCH_WITHIN of its size; None when none is."""
    return nearest(boxes, centre(box), MATCH_WITHIN * size(box))
