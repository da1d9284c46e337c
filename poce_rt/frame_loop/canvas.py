"""Canvas planning of the frame loop: the boxes a step draws in, in frame pixels.

With static shapes (CUDA graphs replay fixed shapes) each role ('face', 'ring') draws into a fixed
canvas around what it needs, grown only when the face leaves it; otherwise into the exact box.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

log = logging.getLogger("poce_rt.frame_loop")

CANVAS_GROWTH = 0.25   # a new canvas reaches this fraction of its size beyond the face's box


@dataclass(frozen=True)
class Box:
    """Pixels x0 <= x < x1, y0 <= y < y1 of a frame."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def empty(self) -> bool:
        return self.x1 <= self.x0 or self.y1 <= self.y0

    def contains(self, other: "Box") -> bool:
        return (self.x0 <= other.x0 and self.y0 <= other.y0 and other.x1 <= self.x1
                and other.y1 <= self.y1)

    def union(self, other: "Box") -> "Box":
        if self.empty:
            return other
        if other.empty:
            return self
        return Box(min(self.x0, other.x0), min(self.y0, other.y0), max(self.x1, other.x1),
                   max(self.y1, other.y1))

    def grown(self, fraction: float, height: int, width: int) -> "Box":
        m = int(np.ceil(fraction * max(self.width, self.height)))
        return Box(max(self.x0 - m, 0), max(self.y0 - m, 0), min(self.x1 + m, width),
                   min(self.y1 + m, height))

    def slices(self):
        return slice(self.y0, self.y1), slice(self.x0, self.x1)


EMPTY = Box(0, 0, 0, 0)


@dataclass
class Ring:
    """The band of the ring warp (poce_rt.surround) for one step, in frame pixels."""

    verts: np.ndarray   # [2K,3] float32 target positions
    src: np.ndarray     # [2K,2] float64 where each vertex reads the photo
    box: Box


class Canvases:
    """role -> the box that role draws in, for a frame of height x width."""

    def __init__(self, height: int, width: int, static: bool):
        self.height, self.width, self.static = height, width, static
        self._canvas: dict[str, Box] = {}

    def for_role(self, role: str, need: Box) -> Box:
        """The box to draw `role` ('face' or 'ring') in: `need` itself, or with static shapes a
        fixed canvas holding it (grown by CANVAS_GROWTH when `need` leaves it)."""
        if not self.static or need.empty:
            return need
        canvas = self._canvas.get(role)
        if canvas is None or not canvas.contains(need):
            grown = need.union(canvas or need).grown(CANVAS_GROWTH, self.height, self.width)
            if canvas is not None:
                log.info("the %s left its canvas %s: drawing into %s (graphs are captured again)",
                         role, canvas, grown)
            self._canvas[role] = canvas = grown
        return canvas
