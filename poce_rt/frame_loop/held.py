"""A hand over the face's outline kept in the photo in a frame loop step (poce_rt.occluder;
FrameLoop's HeldHand): where the photo shows it and the render draws revealed fill, the face's
`moved` weight is held (motion.hold), and where the pose reveals the outline beside it the ring
keeps it too (occluder.RingHold; surround.hold_ring).

Most sources hold none (no arm beside the head): then nothing here is set up or run.
"""
from __future__ import annotations

import numpy as np

from ..head_proxy import FACE_OVAL
from ..motion import hold
from ..occluder import revealed_beside, ring_hold
from .canvas import Box


class HeldHand:
    """FrameLoop's held hand (module docstring), mixed into it: its state is the loop's."""

    def _init_held(self, source) -> None:
        """The held share on the device (None without a revealed fill: nothing to hold it from)
        and the ring's hold with its buffers."""
        xp = self.xp
        # a hand over the face's outline stays in the photo where the fill is drawn (poce_rt.occluder)
        held = getattr(source, "held", None)
        self._held = None if held is None or self._reveal is None else \
            xp.asarray(np.ascontiguousarray(np.asarray(held, np.float32)[..., None]))
        # and the ring keeps it too where the pose reveals the outline beside it (occluder.RingHold)
        self._ring_hold = None if self._held is None else \
            ring_hold(held, np.asarray(source.face.vertices)[list(FACE_OVAL), :2])
        if self._ring_hold is not None:
            hx0, hy0, hx1, hy1 = self._ring_hold.box
            self._ring_hold_weight = self.ws.take("in.ring_hold", (hy1 - hy0, hx1 - hx0, 1), np.float32)
            self._ring_hold_share = self.ws.take("in.ring_hold_share", (hy1 - hy0, hx1 - hx0, 1), np.float32)
            # a step that holds none writes these zeros, once until a step holds some (_hold_weight)
            self._ring_hold_none = np.zeros(self._ring_hold_weight.shape, np.float32)
            self._ring_hold_zero = False   # the buffer as taken holds anything

    def _hold_step(self, reveal) -> None:
        """This step's ring hold (reveal [K] at the face oval's vertices) into its buffers."""
        if self._ring_hold is not None:
            share = self._ring_hold.share(reveal)
            self._hold_weight(self._ring_hold.weight(share))
            self._put(self._ring_hold_share, share)

    def _hold(self, face: Box, moved, drawn_fill) -> None:
        """The `moved` weight [h,w,1] of the face's box, in place, held where the photo shows a hand
        over the face's outline and the render draws fill (motion.hold; drawn_fill [h,w,1] the
        render's share of revealed fill)."""
        fy, fx = face.slices()
        if self._ring_hold is not None:   # and where the outline beside it is revealed (RingHold.share)
            revealed_beside(drawn_fill, self._ring_hold_share, self._ring_hold.box, (face.x0, face.y0))
        hold(moved, self._held[fy, fx], drawn_fill, moved, self.ws.take("face.hold_work", moved.shape, np.float32))

    def _hold_weight(self, weight: np.ndarray | None) -> None:
        """The ring's held share this step (RingHold.weight's) into its buffer. None (nothing
        revealed beside the hand): zeros, which leave the ring's frame as it is (hold_ring), from
        a buffer allocated once, and not written again while the buffer holds them."""
        if weight is not None:
            self._put(self._ring_hold_weight, weight)
        elif not self._ring_hold_zero:
            self._put(self._ring_hold_weight, self._ring_hold_none)
        self._ring_hold_zero = weight is None
