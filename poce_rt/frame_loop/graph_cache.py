"""CUDA graphs of the frame loop's device work: captured once per step shape, replayed after.

A graph is valid while the workspace keeps its buffers (its `reallocations` generation): when a
buffer moves, the graphs of the older generation are dropped and the step is captured again.
"""
from __future__ import annotations

import logging
from typing import Any, Callable, NamedTuple

from .canvas import Box

log = logging.getLogger("poce_rt.frame_loop")


class StepKey(NamedTuple):
    """What fixes the shapes and the work of a step's device work."""

    face: Box
    ring: Box | None
    ring_side: int          # side of the ring's texture (0: no ring)
    texture: str | bool     # "texture" (given), True (network edit) or False (no edit)
    steps: int
    uncovered: bool = False  # the plate drawn where the face's move uncovers the photo (poce_rt.uncover)
    profile: bool = False    # the face's own profile composited without the feather (poce_rt.profile_edge)


class Captured(NamedTuple):
    graph: Any            # cupy.cuda.Graph
    generation: int       # Workspace.reallocations when captured
    texture: Any          # the texture buffer the graph draws


class GraphCache:
    """StepKey -> captured graph, on one stream and one workspace. `run(key, draw)` replays the
    graph of `key` or runs `draw()` (-> the texture buffer drawn) eagerly and captures it."""

    def __init__(self, stream, workspace):
        self.stream, self.ws = stream, workspace
        self.captured: dict[StepKey, Captured] = {}
        self.failed = False   # a capture failed: the loop stays eager

    def run(self, key: StepKey, draw: Callable[[], Any]):
        if self.failed:
            return draw()
        entry = self.captured.get(key)
        if entry is not None and entry.generation == self.ws.reallocations:
            entry.graph.launch(self.stream)
            return entry.texture
        # first time for these shapes: run eagerly (this also compiles CuPy's kernels and sizes
        # the workspace), then capture the same work for the next frames
        texture = draw()
        self._capture(key, draw, texture)
        return texture

    def _capture(self, key: StepKey, draw, texture) -> None:
        before = self.ws.reallocations
        try:
            self.stream.begin_capture()
            try:
                draw()
            finally:
                graph = self.stream.end_capture()
        except Exception as e:  # noqa: BLE001 - any stage that cannot be captured: stay eager
            log.warning("CUDA graph capture failed (%s: %s); the frame loop runs eagerly", type(e).__name__, e)
            self.failed = True
            return
        if self.ws.reallocations != before:   # a buffer moved during capture: the graph is stale
            return
        self.captured = {k: v for k, v in self.captured.items() if v.generation == before}
        self.captured[key] = Captured(graph, before, texture)
