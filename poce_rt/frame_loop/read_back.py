"""The last frame loop step's maps read back to the host (FrameLoop's ReadBack): the face's render,
its `moved` weight, the fill it drew (poce_rt.disocclusion) and the frame without the face. They
read the step's workspace buffers by name, valid until the next step.
"""
from __future__ import annotations

import numpy as np

from ..ops._arrays import to_host
from ..revealed import fill_share, filled_pixels
from ..ring_photo import ring_filled
from ..stages import texel_motion
from .canvas import EMPTY


class ReadBack:
    """FrameLoop's read-backs (module docstring), mixed into it: its state is the loop's."""

    def maps(self):
        """(rgb [H,W,3] float32, alpha [H,W] float32) of the last step's face render as host
        arrays over the whole frame (zero outside the face's box)."""
        h, w = self.height, self.width
        rgb = np.zeros((h, w, 3), np.float32)
        alpha = np.zeros((h, w), np.float32)
        box = self._written[0] if self._written else EMPTY
        if not box.empty:
            ys, xs = box.slices()
            rgb[ys, xs] = self.host(self.ws.take("face.rgb", (box.height, box.width, 3), np.float32))
            alpha[ys, xs] = self.host(self.ws.take("face.alpha", (box.height, box.width), np.float32))
        return rgb, alpha

    def moved(self) -> np.ndarray:
        """[H,W] float32 host map of the last step's `moved` weight (poce_rt.motion): 0 where the
        photo was kept, 1 where the re-render was drawn fully (zero outside the face's box)."""
        out = np.zeros((self.height, self.width), np.float32)
        box = self._written[0] if self._written else EMPTY
        if not box.empty:
            ys, xs = box.slices()
            out[ys, xs] = self.host(self.ws.take("face.moved", (box.height, box.width, 1), np.float32))[..., 0]
        return out

    def filled(self):
        """Where the last step drew fill (poce_rt.disocclusion) -> (uv [S,S] float32 each texel's
        share of fill in the texture drawn, or None when the source has no fill; [H,W] float32
        host map of each pixel's share of colour from filled texels: the former drawn at the
        step's pose, times the render's coverage and `moved` weight, plus the ring's texels filled
        beyond the photo where the face does not cover it)."""
        out = self._ring_filled()
        box = self._written[0] if self._written else EMPTY
        if not box.empty:   # the ring's fill counts only where the face does not cover it
            ys, xs = box.slices()
            alpha = self.host(self.ws.take("face.alpha", (box.height, box.width), np.float32))
            weight = self.moved()[ys, xs] * alpha
            if self._uncovered:   # the plate drawn where the face's move uncovered the photo
                plate = self.host(self.ws.take("face.uncover", (box.height, box.width, 1), np.float32))[..., 0]
                out[ys, xs] = 1.0 - (1.0 - out[ys, xs]) * (1.0 - plate)
            out[ys, xs] *= 1.0 - alpha   # the face's composite draws over both, still or moved (_still)
        filled = getattr(self.source, "filled", None)
        if self._reveal is None or filled is None:
            return None, out
        s = self.geometry.size
        revealed = texel_motion(self.geometry)(self._revealed_host, np.empty((s, s, 1), np.float32),
                                               np.empty((s, s, 3), np.float32))
        uv = fill_share(filled, self.source.mask, revealed)
        if not box.empty:
            out[ys, xs] += filled_pixels(uv, self.host(self._verts), self.geometry.layout, weight)
        return uv, out

    def _ring_filled(self) -> np.ndarray:
        """[H,W] float32: the last step's ring's share of fill (ring_photo.ring_filled: texels filled
        beyond the photo or for a stretched strip, background the turn uncovered)."""
        out = np.zeros((self.height, self.width), np.float32)
        ring = self._written[1] if len(self._written) > 1 else None
        tex = self.ring_texture.current
        if ring is not None and not ring.empty and tex is not None:
            ys, xs = ring.slices()
            out[ys, xs] = ring_filled(tex.known, self.host(self._ring_verts), self.host(self._ring_tris),
                                      self.host(self._ring_uvs), self._ring_src, (ring.x0, ring.y0),
                                      ring.height, ring.width)
            # where the ring kept the photo's own pixel, none of it is fill
            out[ys, xs] *= self.host(self.ws.take("ring.moved", (ring.height, ring.width, 1), np.float32))[..., 0]
        return out

    def under_face(self) -> np.ndarray:
        """[H,W,3] uint8 host copy of the last frame without the face: the photo with the ring
        warped (what the face was composited onto), e.g. for another blend (Poisson)."""
        out = self.frame_to_host()
        box = self._written[0] if self._written else EMPTY
        if not box.empty:
            ys, xs = box.slices()
            out[ys, xs] = self.host(self.ws.take("face.base", (box.height, box.width, 3), np.uint8))
        return out

    def host(self, a) -> np.ndarray:
        """A host copy of one of this loop's arrays (a fresh NumPy array either way)."""
        return to_host(a, self.stream)

    def frame_to_host(self) -> np.ndarray:
        """A host copy of the last frame."""
        return self.host(self.frame)
