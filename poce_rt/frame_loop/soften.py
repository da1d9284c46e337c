"""The revealed fill's outline blurred as soft as the photo shows that side (poce_rt.outline),
in a frame loop step (FrameLoop's OutlineSoftening).

Only a side the photo shows softer than the render draws it is softened, and only where the step
draws revealed fill there: elsewhere the frame is the one drawn without it, bit for bit.
"""
from __future__ import annotations

import numpy as np

from .. import ops
from ..outline import gauss_taps, outline_soft, soft_texture, soften_outline
from .canvas import Box


class OutlineSoftening:
    """FrameLoop's outline softening (module docstring), mixed into it: its state is the loop's."""

    def _init_outline(self, source, geometry) -> None:
        """(soft_texture on the device, the Gaussian's taps), or None where no side is softer."""
        xp = self.xp
        self._outline = None
        if self._reveal is not None:
            soft = outline_soft(source.image, source.face.vertices, source.face.pose.yaw)
            if soft.any():
                self._outline = (xp.asarray(soft_texture(soft, geometry.layout)), gauss_taps(float(soft.max())))

    def _soften(self, face: Box, out, alpha, given_texture: bool) -> None:
        """The composited face's box out [h,w,3] uint8 blurred across the outline where the step
        draws revealed fill the photo shows softer (poce_rt.outline.soften_outline), in place."""
        ws = self.ws
        h, w = face.height, face.width
        if self.xp is np:   # drawn with the face (_render_host), or None where nothing is softened
            drawn = self._outline_drawn
            if drawn is None:
                return
        else:
            share = self._outline_share(self._fill(given_texture))
            if share is None:
                return
            drawn = ws.take("outline.drawn", (h, w, 1), np.float32)
            ops.render(share, self._verts, self._tris, self._uvs, h, w, stream=self.stream,
                       out=(drawn, ws.take("outline.drawn_alpha", (h, w), np.float32)), workspace=ws)
        soften_outline(out, alpha, drawn, self._outline[1], lambda name, shape: ws.take(name, shape, np.float32))

    def _outline_share(self, fill):
        """[S,S,1] the revealed fill's share of the outline's softening (soft_texture times the
        step's fill, _soften), or None where nothing is softened."""
        if self._outline is None or fill is None:
            return None
        texture = self._outline[0]
        return self.xp.multiply(texture, fill, out=self.ws.take("outline.texture", texture.shape, np.float32))
