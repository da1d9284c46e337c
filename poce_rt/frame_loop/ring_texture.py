"""The ring's texture: the photo around the face as a square float texture, built once per source."""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..band_stretch import stretch_weights
from ..feature_mask import FeatureMask
from ..head_proxy import FACE_OVAL
from ..ops._arrays import on_stream, to_host
from ..rim_light import relight_texels, texel_gain
from ..ring_photo import RING_CHANNELS, photo_texture, with_positions
from ..stretched_patch import BackdropMap, stretched_box, stretched_patch
from .canvas import Ring

RING_TEXTURE_REACH = 2.5  # the ring's texture covers the face oval scaled by this about its centre


class RingTexture(NamedTuple):
    """texture [side,side,RING_CHANNELS] float32 (a workspace buffer): colour in [0,1] of photo
    pixels lo..lo+side and each texel's position (ring_photo.with_positions); on the host
    [side,side,3], the colour alone (surround.draw_ring's render works the positions out: a
    texture a third smaller, the ring's render ~12% faster)."""

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
    beyond the photo filled as poce_rt.ring_photo.photo_texture fills it (on the host: only faces
    cut by the photo's border get there). Where band triangles are drawn stretched, a patch of
    poce_rt.stretched_patch.stretched_patch is written over it (worked out on the host over a box
    about the stretched strip; the previous patch's texels are restored first).
    `image`: the [H,W,3] uint8 photo on the loop's device; `src_vertices`: the source face's
    [468,3] vertices in photo pixels; backdrop: the photo's [K,3] Lab poce_rt.colour_classes.backdrop_colours
    (stretched_patch's: a head proxy's strips filled from the head, beside it from the backdrop),
    or None. rim_light: None, or the source's poce_rt.rim_light.RimLight: the texels about the oval
    relit at each pose (for_ring's reveal), over the patch, as photo_texture relights them. glasses:
    the head proxy's sunglasses (HeadProxy.ring_glasses; None: none), as FeatureMask takes them."""

    def __init__(self, image, src_vertices: np.ndarray, xp, workspace, stream, backdrop=None, rim_light=None,
                 glasses=None):
        self.image, self.xp, self.ws, self.stream = image, xp, workspace, stream
        self.backdrop = backdrop
        self.rim_light = rim_light
        self._rim = None          # (lo, side, flat, first, second, t, gain) of the square's relit texels, on xp
        self._rim_base = None     # their colours unrelit (the patched texture's), or None: none relit
        self._rim_reveal = b""     # the reveal [K] they were relit at (b"": none)
        self._backdrop_map = None   # the photo's BackdropMap, made on the first stretched strip
        self.oval = np.asarray(src_vertices, np.float64)[list(FACE_OVAL), :2]
        self.features = FeatureMask(src_vertices, glasses)
        self.current: RingTexture | None = None   # built on the first pose change
        self._plain_host = None   # the unpatched texture on the host where it was built there
        self._plain_known = None  # its known map (None: all known)
        self._patched = None      # (row, column) slices of the square the patch covers
        self._known = None        # the patched known map, kept: a patch rewrites only its own texels
        self._known_patched = None  # (row, column) slices the last patch wrote in it

    def for_ring(self, ring: Ring, reveal: np.ndarray | None = None) -> RingTexture:
        """The texture for a step's ring; reveal: None, or [K] how far the step's pose reveals the
        oval's vertices (revealed.reveal), which the rim light follows."""
        weights = stretch_weights(ring.verts, ring.src, self.features)
        stretched = np.round(weights * 16).astype(np.uint8).tobytes() if weights.any() else b""
        lo_need = np.floor(ring.src.min(0)).astype(int) - 2
        hi_need = np.ceil(ring.src.max(0)).astype(int) + 2
        cur = self.current
        covers = cur is not None and (lo_need >= cur.lo).all() and (hi_need <= cur.lo + cur.side).all()
        rim = None if self.rim_light is None or reveal is None else np.asarray(reveal, np.float32)
        reveal_key = rim.tobytes() if rim is not None and rim.any() else b""
        if covers and cur.stretched == stretched:
            if reveal_key != self._rim_reveal:
                with on_stream(self.stream):
                    self._relight(rim, reveal_key)
            return cur
        with on_stream(self.stream):
            self._unlight()
            if covers:
                self._unpatch()
            else:
                self._build(lo_need, hi_need)
            known = self._patch(ring, weights) if stretched else self._plain_known
            cur = self.current
            self.current = RingTexture(cur.texture, cur.lo, cur.side, known, stretched)
            self._relight(rim, reveal_key)
        return self.current

    def _unlight(self) -> None:
        """The relit texels back to their colours unrelit."""
        if self._rim_base is not None:
            flat = self._rim[2]
            tex = self.current.texture
            tex.reshape(-1, tex.shape[-1])[flat, :3] = self._rim_base
        self._rim_base, self._rim_reveal = None, b""

    def _relight(self, reveal: np.ndarray | None, key: bytes) -> None:
        """The texels about the oval relit at a pose that reveals its vertices by reveal [K] (key
        its bytes, b"": none) from their colours unrelit (rim_light.texel_gain; a K-vector to the
        device)."""
        if not key:
            self._unlight()
            return
        cur, xp = self.current, self.xp
        if self._rim is None or self._rim[0] != tuple(cur.lo) or self._rim[1] != cur.side:
            self._unlight()
            texels = self.rim_light.texels(cur.lo, cur.side)
            self._rim = (tuple(cur.lo), cur.side) + tuple(xp.asarray(a) for a in texels)
        flat = self._rim[2]
        if not len(flat):
            return
        if self._rim_base is None:
            self._rim_base = cur.texture.reshape(-1, cur.texture.shape[-1])[flat, :3]
        relight_texels(xp, cur.texture, flat, self._rim_base, texel_gain(xp, xp.asarray(reveal), *self._rim[3:]))
        self._rim_reveal = key

    def _build(self, lo_need: np.ndarray, hi_need: np.ndarray) -> None:
        """The plain texture: the photo over a square about the oval that covers lo_need..hi_need."""
        c = self.oval.mean(0)
        reach = RING_TEXTURE_REACH * np.abs(self.oval - c).max()
        lo = np.minimum(np.floor(c - reach).astype(int), lo_need)
        hi = np.maximum(np.ceil(c + reach).astype(int), hi_need)
        side = int((hi - lo).max())
        height, width = self.image.shape[:2]
        xp = self.xp
        host = known = None
        positions = xp is not np   # on the host the render works them out (RingTexture)
        tex = self.ws.take("ring.texture", (side, side, RING_CHANNELS if positions else 3), np.float32)
        if (lo >= 1).all() and lo[0] + side <= width - 1 and lo[1] + side <= height - 1:
            crop = self.image[lo[1]:lo[1] + side, lo[0]:lo[0] + side]
            colour = crop.astype(xp.float32) * np.float32(1 / 255)
        else:
            # only the part inside the photo comes to the host
            x0, y0 = max(lo[0], 0), max(lo[1], 0)
            part = to_host(self.image[y0:max(lo[1] + side, y0), x0:max(lo[0] + side, x0)], self.stream)
            host, known = photo_texture(part, lo - (x0, y0), side)
            colour = xp.asarray(host)
        if positions:
            with_positions(colour, out=tex)
        else:
            tex[...] = colour
        self._plain_host, self._plain_known, self._patched = host, known, None
        self._known = self._known_patched = None
        self.current = RingTexture(tex, lo, side, known)

    def _unpatch(self) -> None:
        """The last patch's texels back to the plain texture's."""
        if self._patched is None:
            return
        rows, cols = self._patched
        tex, lo = self.current.texture, self.current.lo
        if self._plain_host is not None:
            tex[rows, cols, :3] = self.xp.asarray(self._plain_host[rows, cols])
        else:
            crop = self.image[lo[1] + rows.start:lo[1] + rows.stop, lo[0] + cols.start:lo[0] + cols.stop]
            tex[rows, cols, :3] = crop.astype(self.xp.float32) * np.float32(1 / 255)
        self._patched = None

    def _patch(self, ring: Ring, weights: np.ndarray) -> np.ndarray | None:
        """Write the stretched strip's fill over the plain texture -> the known map with it."""
        box = stretched_box(ring.src, len(ring.verts), weights)
        height, width = self.image.shape[:2]
        a, b = np.maximum(box[0], 0), np.minimum(box[1], (width, height))
        part = to_host(self.image[a[1]:max(b[1], a[1]), a[0]:max(b[0], a[0])], self.stream)
        cur = self.current
        if self.backdrop is not None and self._backdrop_map is None:
            host = self.image if isinstance(self.image, np.ndarray) else to_host(self.image, self.stream)
            self._backdrop_map = BackdropMap(host, self.backdrop)
        patch = stretched_patch(part, a, (height, width), cur.lo, cur.side, ring.verts, ring.src, weights,
                                self.backdrop, self.features, self._backdrop_map)
        if patch is None:
            return self._plain_known
        (rows, cols), texels, fill = patch
        cur.texture[rows, cols, :3] = self.xp.asarray(texels)
        self._patched = (rows, cols)
        plain = self._plain_known
        known = self._known
        if known is None:
            known = self._known = np.ones((cur.side, cur.side), np.float32) if plain is None else plain.copy()
        elif self._known_patched is not None:   # the last patch's texels back to the plain map's
            r, c = self._known_patched
            known[r, c] = 1.0 if plain is None else plain[r, c]
        known[rows, cols] *= 1.0 - fill
        self._known_patched = (rows, cols)
        return known
