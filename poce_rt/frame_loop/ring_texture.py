"""The ring's texture: the photo around the face as a square float texture, built once per source."""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..ops._arrays import on_stream, to_host
from ..surround import FACE_OVAL, FILL_MARGIN, FILL_SHRINK, FeatureMask, photo_texture, stretch_weights
from .canvas import Ring

RING_TEXTURE_REACH = 2.5  # the ring's texture covers the face oval scaled by this about its centre


class RingTexture(NamedTuple):
    """texture [side,side,3] float32 in [0,1] (a workspace buffer) covering photo pixels lo..lo+side."""

    texture: Any
    lo: np.ndarray   # [2] int, (x, y) of the texture's first texel in the photo
    side: int
    known: np.ndarray | None = None   # [side,side] float32 host map (photo_texture's); None:
                                      # the texture lies inside the photo, off its outermost pixels,
                                      # and no band triangle is stretched
    stretched: bytes = b""   # the stretch_weights it was filled for, quantized (b"": none)

    def uvs(self, src: np.ndarray) -> np.ndarray:
        """[K,2] photo positions -> [K,2] float32 texture coordinates."""
        return ((src - self.lo) / self.side).astype(np.float32)


class RingTextureCache:
    """The photo as the ring's texture: a square crop, grown when a pose change reads beyond it;
    beyond the photo, and where a band triangle is drawn stretched, filled as
    poce_rt.surround.photo_texture fills it (on the host: only faces cut by the photo's border and
    rings with a stretched strip get there; rebuilt when the stretched triangles change).
    `image`: the [H,W,3] uint8 photo on the loop's device; `src_vertices`: the source face's
    [468,3] vertices in photo pixels."""

    def __init__(self, image, src_vertices: np.ndarray, xp, workspace, stream):
        self.image, self.xp, self.ws, self.stream = image, xp, workspace, stream
        self.oval = np.asarray(src_vertices, np.float64)[list(FACE_OVAL), :2]
        self.features = FeatureMask(src_vertices)
        self.current: RingTexture | None = None   # built on the first pose change

    def for_ring(self, ring: Ring) -> RingTexture:
        weights = stretch_weights(ring.verts, ring.src, self.features)
        stretched = np.round(weights * 16).astype(np.uint8).tobytes() if weights.any() else b""
        # a stretched strip's fill reads the photo FILL_MARGIN around it (and its blocks' rounding)
        pad = 2 + (FILL_MARGIN + FILL_SHRINK if stretched else 0)
        lo_need = np.floor(ring.src.min(0)).astype(int) - pad
        hi_need = np.ceil(ring.src.max(0)).astype(int) + pad
        cur = self.current
        covers = cur is not None and (lo_need >= cur.lo).all() and (hi_need <= cur.lo + cur.side).all()
        if covers and cur.stretched == stretched:
            return cur
        if covers:
            lo, side = cur.lo, cur.side
        else:
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
            if not stretched and (lo >= 1).all() and lo[0] + side <= width - 1 and lo[1] + side <= height - 1:
                crop = self.image[lo[1]:lo[1] + side, lo[0]:lo[0] + side]
                xp.multiply(crop.astype(xp.float32), np.float32(1 / 255), out=tex)
            else:
                # only the part inside the photo comes to the host, with a pixel more on each side
                # where the photo has one (photo_texture takes the part's outermost pixels for the
                # photo's own), from a multiple of FILL_SHRINK (its fill's blocks are aligned to the
                # part's origin, as warp_surround's to the photo's)
                x0, y0 = (max((v - 1) // FILL_SHRINK * FILL_SHRINK, 0) for v in lo)
                part = to_host(self.image[y0:max(lo[1] + side + 1, y0), x0:max(lo[0] + side + 1, x0)], self.stream)
                host, known = photo_texture(part, lo - (x0, y0), side,
                                            (ring.verts, ring.src - (x0, y0), weights) if stretched else None)
                tex[...] = xp.asarray(host)
        self.current = RingTexture(tex, lo, side, known, stretched)
        return self.current
