"""Where a frame loop step draws the photo's own texels, the render reads the photo once at their
position (poce_rt.photo_warp; FrameLoop's PhotoLookup): the (x, y) of each texel's photo sample is
fixed per source, its weight written per step (none where the step's pose reveals fill, nor in and
around the mouth's opening).
"""
from __future__ import annotations

import numpy as np

from .. import ops
from ..photo_warp import keep_photo, lookup_positions, lookup_texture, outside_mouth
from ..stages import texel_motion
from .canvas import Box


class PhotoLookup:
    """FrameLoop's photo lookup (module docstring), mixed into it: its state is the loop's."""

    def _init_lookup(self, source, geometry, mouth_gap) -> None:
        """The lookup texture ([S,S,3]: x, y, weight) of a source that has a sampling mask, else None."""
        xp, s = self.xp, geometry.size
        self._lookup = None
        mask = getattr(source, "mask", None)
        if mask is not None:
            seen = (np.asarray(mask) >= 0.5).astype(np.float32)
            self._lookup = self.ws.take("in.lookup", (s, s, 3), np.float32)
            self._put(self._lookup, lookup_texture(
                lookup_positions(geometry.posed(source.face.vertices), geometry.layout, texel_motion(geometry)),
                seen))
            self._seen = xp.asarray(seen.reshape(s, s, 1))
            self._read_photo = xp.asarray(outside_mouth(None if mouth_gap is None else np.asarray(mouth_gap) > 0.5, s))

    def _keep_photo(self, face: Box, rgb) -> None:
        """The photo's own pixels in the face render rgb [h,w,3], in place (poce_rt.photo_warp),
        the lookup drawn by a render of its own (the device's: graph-capturable as it was)."""
        ws = self.ws
        self._lookup_weight()
        drawn = ws.take("face.lookup", (face.height, face.width, 3), np.float32)
        ops.render(self._lookup, self._verts, self._tris, self._uvs, face.height, face.width, stream=self.stream,
                   out=(drawn, ws.take("face.lookup_alpha", (face.height, face.width), np.float32)), workspace=ws)
        keep_photo(rgb, drawn, self._image, ws.take)

    def _lookup_weight(self) -> None:
        """The lookup's weight at this step's pose: each texel's share of the photo's own sample,
        none in and around the mouth's opening (photo_warp.outside_mouth)."""
        rt = getattr(self, "_revealed_texture", None) if self._reveal is not None else None
        own = rt.own if rt is not None and rt.own is not None else self._seen
        self.xp.multiply(own, self._read_photo, out=self._lookup[..., 2:3])
