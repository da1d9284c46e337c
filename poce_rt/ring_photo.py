"""The ring's texture: the photo around the face as a square float texture for the ring warp
(poce_rt.surround; the frame loop's poce_rt.frame_loop.ring_texture keeps one per source), its
texels beyond the photo and those that stretched band triangles read filled (photo_texture;
which triangles: poce_rt.band_stretch, what with: poce_rt.stretched_patch), each texel's photo
position beside its colour (with_positions), and each drawn pixel's share of fill (ring_filled):
the filled texels it draws and the background a turn uncovers (revealed_background).
"""
from __future__ import annotations

import numpy as np

from . import ops
from .beyond_border import border_fill
from .feature_mask import FeatureMask
from .head_proxy import FACE_OVAL, PROXY_RINGS, SILHOUETTE_RING
from .rim_light import relit
from .stretched_patch import filled_polygon, stretched_patch


def photo_texture(image: np.ndarray, lo, side: int, stretched=None, backdrop: np.ndarray | None = None,
                  features: FeatureMask | None = None, rim=None):
    """The ring's texture: photo pixels lo..lo+side (x, y) of image [H,W,3] uint8 as a square
    [side,side,3] float32 texture in [0,1] (render needs a square one), and known [side,side]
    float32 (1 on the photo's pixels but its outermost row and column on each side). Where the
    square leaves the photo (a face cut by the border: the head proxy's rings read beyond it) and
    on that outermost pixel, whose bilinear reads would be clamped to the edge, its texels are
    unknown and filled with the photo's border carried out across it, smoothed along it the more
    the further out (beyond_border.border_fill): the head the border cuts continues past it, never
    the edge pixels stretched into streaks, nor the photo further in blended there. Only pixels
    the ring moves show the fill: keep_ring_still keeps the photo's own where it does not.
    stretched: None, or (verts, src, weights) of a ring whose band triangles are stretched
    (stretch_weights > 0): texels they read are known only by 1 - their weight, and filled by the
    rest (stretched_patch, with the photo's backdrop colours `backdrop` and the source's
    FeatureMask `features`). rim: None, or (poce_rt.rim_light.RimLight, reveal
    [K]): the texels about the oval relit at the pose, over the fill (rim_light.relit)."""
    h, w = image.shape[:2]
    (x0, y0), side = np.asarray(lo, int), int(side)
    texture = np.zeros((side, side, 3), np.float32)
    known = np.zeros((side, side), np.float32)
    cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x0 + side, w), min(y0 + side, h)
    if cx1 > cx0 and cy1 > cy0:
        texture[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0] = image[cy0:cy1, cx0:cx1] * np.float32(1 / 255)
    kx0, ky0, kx1, ky1 = max(x0, 1), max(y0, 1), min(x0 + side, w - 1), min(y0 + side, h - 1)
    if kx1 > kx0 and ky1 > ky0:
        known[ky0 - y0:ky1 - y0, kx0 - x0:kx1 - x0] = 1.0
    if known.min() < 1.0 and known.max() > 0.0:
        texture = border_fill(texture, (kx0 - x0, ky0 - y0, kx1 - x0, ky1 - y0))
    if stretched is not None:
        patch = stretched_patch(image, (0, 0), (h, w), (x0, y0), side, *stretched, backdrop=backdrop,
                                features=features)
        if patch is not None:
            sq, texels, fill = patch
            texture[sq] = texels
            known[sq] *= 1.0 - fill
    relit(texture, (x0, y0), side, rim)
    return texture, known


def revealed_background(verts: np.ndarray, src: np.ndarray, origin, height: int, width: int) -> np.ndarray | None:
    """[h,w] float32 in [0,1] over a box of h x w frame pixels from origin (x, y): the background
    a turn uncovers, which the head covered in the photo: inside the head proxy's silhouette where
    it reads the photo (src [N,2], photo pixels) and outside both the silhouette and the face oval
    as drawn (verts [N,3], box-local). The outer band draws it from the background beyond the
    silhouette (stretched; the silhouette lies at the hair's end, silhouette_scales): filled, and
    marked so. None for a ring without the head proxy (N != PROXY_RINGS * K)."""
    k = len(FACE_OVAL)
    if len(verts) != PROXY_RINGS * k:
        return None
    sil = SILHOUETTE_RING * k

    def fill(points):
        return filled_polygon(points, height, width)

    # the photo's positions as float32, like the drawn ones: a still head's silhouette cancels exactly
    was = fill(np.asarray(src[sil:sil + k], np.float32) - np.asarray(origin, np.float32))
    now = np.maximum(fill(verts[sil:sil + k]), fill(verts[k:2 * k]))
    return np.clip(was - now, 0.0, 1.0)


def ring_filled(known: np.ndarray | None, verts, tris, uvs, src, origin, height: int, width: int) -> np.ndarray:
    """[h,w] float32: each pixel's share of the ring drawn over an h x w box from origin (x, y)
    that is fill: texels unknown to photo_texture (known [side,side], None: all known;
    unknown_share) or background the turn uncovered (revealed_background). verts [N,3] box-local,
    tris, uvs [N,2] on the texture's square, src [N,2] photo positions."""
    out = np.zeros((int(height), int(width)), np.float32)
    if known is not None and known.min() < 1.0:
        out = unknown_share(known, verts, tris, uvs, height, width)
    revealed = revealed_background(verts, src, origin, height, width)
    if revealed is not None:
        out = 1.0 - (1.0 - out) * (1.0 - revealed)
    return out


def unknown_share(known: np.ndarray, verts, tris, uvs, height: int, width: int) -> np.ndarray:
    """[h,w] float32 share of each pixel of a ring drawn over an h x w box (verts [NK,3] box-local,
    tris, uvs [NK,2] on photo_texture's square) that came from filled texels (beyond the photo, or
    read by a stretched band triangle): known [side,side] (photo_texture's) drawn by the same `render` op, times the ring's coverage."""
    unknown = np.ascontiguousarray(1.0 - np.asarray(known, np.float32))[..., None]
    rgb, alpha = ops.render(unknown, np.asarray(verts, np.float32), np.asarray(tris, np.int32),
                            np.asarray(uvs, np.float32), int(height), int(width))
    return np.clip(rgb[..., 0], 0.0, 1.0) * alpha


RING_CHANNELS = 5   # a ring texture's texels: (r, g, b) and the photo position (x, y) they hold

def with_positions(texture, out=None):
    """[side,side,3] ring texture (photo_texture's) -> [side,side,RING_CHANNELS] float32: its
    colour and, in channels 3 and 4, each texel's photo position (x, y) relative to the square's
    corner, at its centre (j + 0.5, i + 0.5). The render that draws the ring reads the position
    of each of its pixels with its colour (soften_folds' pos): a bilinear read of a linear map is
    exact between the texel centres (render's (x - 0.5) + 0.5: uv * side). NumPy or CuPy (the
    array module of `texture`); out: the buffer to write (None: allocated)."""
    xp = ops.array_module(texture)
    side = int(texture.shape[0])
    out = xp.empty((side, side, RING_CHANNELS), xp.float32) if out is None else out
    out[..., :3] = texture
    centres = xp.arange(side, dtype=xp.float32) + xp.float32(0.5)
    out[..., 3] = centres[None, :]
    out[..., 4] = centres[:, None]
    return out
