"""The ring's texture: the photo around the face as a square float texture, built once per source."""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..ops._arrays import on_stream, to_host
from ..surround import FACE_OVAL, photo_texture
from .canvas import Ring

RING_TEXTURE_REACH = 2.5  # the ring's texture covers the face oval scaled by this about its centre


class RingTexture(NamedTuple):
    """texture [side,side,3] float32 in [0,1] (a workspace buffer) covering photo pixels lo..lo+side."""

    texture: Any
    lo: np.ndarray   # [2] int, (x, y) of the texture's first texel in the photo
    side: int
    known: np.ndarray | None = None   # [side,side] float32 host map (photo_texture's); None:
                                      # the texture lies inside the photo, off its outermost pixels

    def uvs(self, src: np.ndarray) -> np.ndarray:
        """[K,2] photo positions -> [K,2] float32 texture coordinates."""
        return ((src - self.lo) / self.side).astype(np.float32)


class RingTextureCache:
    """The photo as the ring's texture: a square crop, grown when a pose change reads beyond it;
    beyond the photo filled as poce_rt.surround.photo_texture fills it (on the host: only faces
    cut by the photo's border get there). `image`: the [H,W,3] uint8 photo on the loop's device;
    `oval`: [K,2] the source face's oval in photo pixels."""

    def __init__(self, image, oval: np.ndarray, xp, workspace, stream):
        self.image, self.oval, self.xp, self.ws, self.stream = image, oval, xp, workspace, stream
        self.current: RingTexture | None = None   # built on the first pose change

    def for_ring(self, ring: Ring) -> RingTexture:
        lo_need = np.floor(ring.src.min(0)).astype(int) - 2
        hi_need = np.ceil(ring.src.max(0)).astype(int) + 2
        cur = self.current
        if cur is not None and (lo_need >= cur.lo).all() and (hi_need <= cur.lo + cur.side).all():
            return cur
        c = self.oval.mean(0)
        reach = RING_TEXTURE_REACH * np.abs(self.oval - c).max()
        lo = np.minimum(np.floor(c - reach).astype(int), lo_need)
        hi = np.maximum(np.ceil(c + reach).astype(int), hi_need)
        side = int((hi - lo).max())
        height, width = self.image.shape[:2]
        xp = self.xp
        known = None
        with on_stream(self.stream):
            tex = self.ws.take("ring.texture", (side, side, 3), np.float32)
            if (lo >= 1).all() and lo[0] + side <= width - 1 and lo[1] + side <= height - 1:
                crop = self.image[lo[1]:lo[1] + side, lo[0]:lo[0] + side]
                xp.multiply(crop.astype(xp.float32), np.float32(1 / 255), out=tex)
            else:
                # only the part inside the photo comes to the host
                x0, y0 = max(lo[0], 0), max(lo[1], 0)
                part = to_host(self.image[y0:max(lo[1] + side, y0), x0:max(lo[0] + side, x0)], self.stream)
                host, known = photo_texture(part, lo - (x0, y0), side)
                tex[...] = xp.asarray(host)
        self.current = RingTexture(tex, lo, side, known)
        return self.current
