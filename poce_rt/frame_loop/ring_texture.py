"""The ring's texture: the photo around the face as a square float texture, built once per source."""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..ops._arrays import on_stream
from ..surround import FACE_OVAL
from .canvas import Ring

RING_TEXTURE_REACH = 2.5  # the ring's texture covers the face oval scaled by this about its centre


class RingTexture(NamedTuple):
    """texture [side,side,3] float32 in [0,1] (a workspace buffer) covering photo pixels lo..lo+side."""

    texture: Any
    lo: np.ndarray   # [2] int, (x, y) of the texture's first texel in the photo
    side: int

    def uvs(self, src: np.ndarray) -> np.ndarray:
        """[K,2] photo positions -> [K,2] float32 texture coordinates."""
        return ((src - self.lo) / self.side).astype(np.float32)


class RingTextureCache:
    """The photo as the ring's texture: a square crop, edge-replicated beyond the photo, grown
    when a pose change reads beyond it. `image`: the [H,W,3] uint8 photo on the loop's device;
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
        ys = np.clip(np.arange(lo[1], lo[1] + side), 0, height - 1)
        xs = np.clip(np.arange(lo[0], lo[0] + side), 0, width - 1)
        xp = self.xp
        with on_stream(self.stream):
            crop = self.image[xp.asarray(ys)[:, None], xp.asarray(xs)[None, :]]  # edge-replicated
            tex = self.ws.take("ring.texture", (side, side, 3), np.float32)
            xp.multiply(crop.astype(xp.float32), np.float32(1 / 255), out=tex)
        self.current = RingTexture(tex, lo, side)
        return self.current
