"""What the ring's stretched band triangles (poce_rt.band_stretch) are filled with (issue 15): the
photo's texels they read, push-pulled from the photo around them (pulled, smooth_fill), worked out
over a box of photo pixels about them (stretched_box, stretched_patch). Inside the head proxy's
silhouette the fill is the head's, pulled from the photo's texels unlike its backdrop (skin, hair;
not the face's features), beside it (the outer band) the backdrop's (head_or_backdrop): the strip
beyond Tom_Hanks_54745.png's far cheek lies on the grey backdrop, and pulled from all of it, it
drew a pale smear over the side of the head, bright against the cheek's outline. A triangle the
turn squeezes that the photo shows on the backdrop takes the backdrop's fill too (backdrop_read),
and the face's own skin past its oval what lies around the face. BackdropMap keeps a photo's
backdrop_like read tile by tile. poce_rt.ring_photo and the frame loop's ring texture
(poce_rt.frame_loop.ring_texture) write the patch into the ring's texture.
"""
from __future__ import annotations

import cv2
import numpy as np

from .band_maps import area_stretch, barycentric_grid, outer_band
from .band_stretch import stretch_fill
from .complete import push_pull
from .feature_mask import FeatureMask
from .face_colours import backdrop_like
from .head_proxy import FACE_OVAL, PROXY_RINGS, SILHOUETTE_RING, band_triangles, ramp

FILL_SHRINK = 4   # a stretched strip's fill (pulled) is push-pulled at 1/4 of the resolution
FILL_MARGIN = 32   # photo pixels around a stretched strip that its fill is pulled from
# A band triangle inside the silhouette that the turn draws no larger than the photo shows
# it (area_stretch under BACKDROP_GROWN[0], a head fill from [1] up as before), filled for the
# features it reads, is filled from the backdrop where the photo shows backdrop on it (its share of
# backdrop pixels from BACKDROP_READ[0], fully from [1]: BESIDE_SHARE's bounds). A face seen
# edge-on whose outline lies on the oval (Tom_Hanks_54745.png's far temple, yaw +18: the backdrop
# 1 px past the oval) has its proxy's first bands squeezed against the face's outline by a turn
# towards the camera (area 0.4-0.8) and filled for the far eye's corner and brow end they read;
# filled with the head's colour, pulled from the lit temple, they drew a pale rim beside the
# revealed temple and eye (at -25 and -20: 32-37 levels over the backdrop on average over those
# rows, up to 46; now 3, up to 17; backdrop_read). A band the turn widens is the side of the head
# it reveals, the head's fill (the jaw at +25: area 2.4-3.6).
BACKDROP_READ = (0.3, 0.6)
BACKDROP_GROWN = (1.0, 2.0)
# ... unless the photo shows nothing but the backdrop on it (its share of backdrop pixels from
# BACKDROP_ONLY[0], fully from [1]): the proxy's silhouette runs past the head's outline there,
# and widening the band reveals no head the photo saw. Tom_Hanks_54745.png at -25: the bands
# beside the tuft of hair at his far temple read the backdrop alone (share 1.0, drawn 4.1-4.4x
# larger), and the head's fill pulled there, his black hair mixed with his lit forehead, drew a
# grey ghost 110-136 levels from the tuft down to the brow's end, on the backdrop's 150 (the
# jaw's widened bands at +25 read 0.47-0.66 of it)
BACKDROP_ONLY = (0.9, 0.98)


def smooth_fill(texture: np.ndarray, known: np.ndarray) -> np.ndarray:
    """[S,S',3] texture, known [S,S'] in [0,1] -> the texture with each texel's unknown part
    (1 - known) push-pulled from the known texels around it (pulled)."""
    return texture * known[..., None] + pulled(texture, known) * (1.0 - known[..., None])


def pulled(texture: np.ndarray, known: np.ndarray) -> np.ndarray:
    """[S,S',3] texture, known [S,S'] in [0,1] (not all 0) -> [S,S',3] float32 its known texels'
    colours push-pulled over the whole square: a smooth fill, worked out on a copy shrunk
    FILL_SHRINK times (the known texels' average over each block, each texel weighted by how
    well it is known), at a fraction of the cost."""
    h, w = known.shape
    f = FILL_SHRINK if min(h, w) >= 8 * FILL_SHRINK else 1
    small = (max(w // f, 1), max(h // f, 1))
    k = cv2.resize(known, small, interpolation=cv2.INTER_AREA)
    c = cv2.resize(texture * known[..., None], small, interpolation=cv2.INTER_AREA)
    smooth = push_pull(c.reshape(k.shape + (-1,)) / np.maximum(k, 1e-6)[..., None], k > 0)
    return cv2.resize(smooth, (w, h), interpolation=cv2.INTER_LINEAR).reshape(texture.shape)


class BackdropMap:
    """backdrop_like of a photo's pixels at even (x, y) (head_or_backdrop's `back`, read on every
    other texel), worked out tile by tile as stretched strips reach them and kept: the photo and its
    backdrop colours are the source's, and Lab on a strip's box each turning step cost ~1.5 ms of a
    45-m7-di-ph.jpg patch. image: [H,W,3] uint8 host photo; backdrop: its [K,3] Lab backdrop colours."""

    TILE = 64   # half-resolution pixels a side

    def __init__(self, image: np.ndarray, backdrop: np.ndarray):
        self.image, self.backdrop = image, backdrop
        h2, w2 = (image.shape[0] + 1) // 2, (image.shape[1] + 1) // 2
        self.map = np.empty((h2, w2), np.float32)
        t = self.TILE
        self.done = np.zeros((-(-h2 // t), -(-w2 // t)), bool)
        self.outside = backdrop_like(np.zeros((1, 3), np.float32), backdrop)[0]   # beyond the photo: black

    def over(self, a, shape) -> np.ndarray:
        """[ceil(h/2), ceil(w/2)] float32: backdrop_like(box[::2, ::2]) of the box of shape (h, w)
        from even photo pixel a (x, y), the photo's pixels as float32 / 255 and 0 beyond it."""
        h, w = (int(d) for d in shape)
        r0, c0 = int(a[1]) // 2, int(a[0]) // 2
        out = np.full(((h + 1) // 2, (w + 1) // 2), self.outside, np.float32)
        h2, w2 = self.map.shape
        i0, j0, i1, j1 = max(r0, 0), max(c0, 0), min(r0 + out.shape[0], h2), min(c0 + out.shape[1], w2)
        if i1 <= i0 or j1 <= j0:
            return out
        t = self.TILE
        for ti in range(i0 // t, (i1 - 1) // t + 1):
            for tj in range(j0 // t, (j1 - 1) // t + 1):
                if not self.done[ti, tj]:
                    y, x = 2 * ti * t, 2 * tj * t
                    px = self.image[y:y + 2 * t:2, x:x + 2 * t:2] * np.float32(1 / 255)
                    self.map[ti * t:ti * t + px.shape[0], tj * t:tj * t + px.shape[1]] = backdrop_like(px, self.backdrop)
                    self.done[ti, tj] = True
        out[i0 - r0:i1 - r0, j0 - c0:j1 - c0] = self.map[i0:i1, j0:j1]
        return out


def head_or_backdrop(box: np.ndarray, known: np.ndarray, inside: np.ndarray, beside: np.ndarray,
                     backdrop: np.ndarray, avoid: np.ndarray | None = None, back: np.ndarray | None = None,
                     silhouette: np.ndarray | None = None, own: np.ndarray | None = None,
                     face: np.ndarray | None = None) -> np.ndarray:
    """stretched_patch's texels with a head proxy: box [h,w,3] the photo (0 beyond it), known
    [h,w] how far each texel keeps its photo colour, inside and beside [h,w] stretch_fill of the
    ring's stretched triangles inside its silhouette and of those in its outer band beyond it
    -> [h,w,3] float32. The stretched strip beyond a turned head's far oval lies mostly on the background beside the
    head: the photo saw that side of the head edge-on, or not at all (Tom_Hanks_54745.png, yaw
    +18, turned -25). A fill push-pulled from all the photo around it mixed the lit cheek with
    the backdrop: a pale smear over the revealed side of the head, bright along the face's
    outline. Inside the proxy's silhouette the fill is the head's (pulled from the texels unlike
    the backdrop: skin, hair; not the face's features, avoid [h,w] bool or None: the far eye's
    corner and brow end drew a dark band across the side of the head), beside it in the outer
    band the backdrop's. A texel both read (the far side of a three-quarter view, all of it
    behind the face in the photo), or where either has no texel to pull from, is filled from
    all of them as before, and so are texels beyond the photo that no stretched triangle reads.
    back: None, or backdrop_like(box[::2, ::2], backdrop) worked out already (BackdropMap.over).
    silhouette: None, or [h,w] the head proxy's silhouette in the photo (source_silhouette): the
    backdrop's fill is pulled from beyond it alone. A photo whose side border is dark hair or
    clothes (Tom_Hanks_54745.png) counts black among its backdrop colours, and the strip above his
    far temple, beyond the photo's top, took in the black hair at the border: a dark wedge over
    the backdrop there, 15-30 levels below it. own: None, or [h,w] stretch_fill of the band
    triangles that read the face's own skin past its oval (OWN_FACE_DRAWN), filled from what lies
    around the face in the photo: its texels outside face [h,w] (the hull of the face's vertices)."""
    # (read on every other texel: pulled weighs blocks of FILL_SHRINK^2 of them, and Lab on each
    # texel cost more than the rest of a frame loop's patch)
    h, w = known.shape
    if back is None:
        back = backdrop_like(box[::2, ::2], backdrop)
    back = cv2.resize(back, (w, h), interpolation=cv2.INTER_NEAREST)
    plain = pulled(box, known)
    # of each texel's unknown part, the shares that are the head's strip and the outer band's
    # alone (the rest: beyond the photo, or read by both)
    unread = 1.0 - known
    unknown = np.maximum(unread, 1e-6)
    colour = plain.copy()
    head = known * (1.0 - back) * (1.0 if avoid is None else ~avoid)
    behind = known * back if silhouette is None else known * back * (1.0 - silhouette)
    pairs = [(inside * (1.0 - beside), head), (beside * (1.0 - inside), behind)]
    if own is not None and own.max() > 0:
        pairs.append((own * (1.0 - inside) * (1.0 - beside), known * (1.0 - face)))
    for share, weight in pairs:
        if weight.max() > 0 and share.max() > 0:
            # colour += clip(share / unknown, 0, 1) * (pulled(box, weight) - plain), in place
            pull = pulled(box, weight)
            pull -= plain
            np.divide(share, unknown, out=share)
            np.clip(share, 0.0, 1.0, out=share)
            pull *= share[..., None]
            colour += pull
    colour *= unread[..., None]
    out = box * known[..., None]
    out += colour
    return out


def backdrop_read(back: np.ndarray, on_photo: np.ndarray, verts: np.ndarray, src: np.ndarray, a,
                  weights: np.ndarray, n: int = 8) -> np.ndarray:
    """[T] float64 in [0,1] for band_triangles(len(verts)): how far each triangle of weights [T] > 0
    is filled from the backdrop rather than the head (module comment at BACKDROP_READ): the ramp
    of the share of its photo pixels that are the backdrop (back [h',w'], head_or_backdrop's, at
    every other photo pixel from a (x, y); of those on the photo, on_photo [h',w'] bool at the same
    pixels; none: 0), on a triangle drawn no larger than the photo shows it (BACKDROP_GROWN of
    area_stretch) or that the photo shows on the backdrop alone (BACKDROP_ONLY). verts [N,3] target,
    src [N,2] photo positions, as ring_band gives them."""
    out = np.zeros(len(weights))
    hot = np.flatnonzero(weights > 0)
    if hot.size == 0:
        return out
    tris = band_triangles(len(verts))[hot]
    xy = np.round((barycentric_grid(n) @ np.asarray(src, np.float64)[tris] - np.asarray(a, np.float64)) / 2.0)
    xy = xy.astype(int)
    h, w = back.shape
    x, y = np.clip(xy[..., 0], 0, w - 1), np.clip(xy[..., 1], 0, h - 1)
    on = on_photo[y, x] & (xy[..., 0] == x) & (xy[..., 1] == y)
    share = (back[y, x] * on).sum(1) / np.maximum(on.sum(1), 1)
    grown = ramp(area_stretch(verts, tris, src), BACKDROP_GROWN) * (1.0 - ramp(share, BACKDROP_ONLY))
    out[hot] = ramp(share, BACKDROP_READ) * (1.0 - grown)
    return out


def stretched_box(src: np.ndarray, verts_count: int, weights: np.ndarray):
    """(a, b): the photo pixels [a, b) (x, y) whose texture stretched_patch fills for the band
    triangles with weights > 0 (src [N,2] photo positions of a ring of verts_count vertices): their
    source and FILL_MARGIN around, its corners on multiples of FILL_SHRINK; None where there are none."""
    hot = band_triangles(verts_count)[np.asarray(weights) > 0]
    if hot.size == 0:
        return None
    pts = np.asarray(src, np.float64)[hot.reshape(-1)]
    f = FILL_SHRINK
    a = (np.floor(pts.min(0)).astype(int) - FILL_MARGIN) // f * f
    b = -((-(np.ceil(pts.max(0)).astype(int) + 1 + FILL_MARGIN)) // f) * f
    return a, b


def stretched_patch(image: np.ndarray, origin, photo_shape, lo, side: int, verts, src, weights,
                    backdrop: np.ndarray | None = None, features: FeatureMask | None = None,
                    backdrop_map: BackdropMap | None = None):
    """The fill of the texels that stretched band triangles read (stretch_fill of verts, src,
    weights), worked out over stretched_box alone, from the photo: image [h,w,3] uint8 holds the
    photo's pixels from origin (x, y) and covers the box's part in the photo (photo_shape (H, W));
    pixels beyond the photo and its outermost ones are unknown there too. The box is in photo
    pixels, so the fill depends neither on where the texture's square lies nor on its size (the
    frame loop's square is larger than warp_surround's), and costs the box's size.
    Returns None, or (sq, texels, fill): the box's part in the square (lo, side) as a pair of
    slices, its [h',w',3] float32 texels and [h',w'] float32 fill weights. backdrop: None (the fill
    pulled from all the photo around), or the photo's [K,3] Lab backdrop_colours (poce_rt.hair):
    the head proxy's fill pulled from the head inside its silhouette (not from the face's features:
    features, the source's FeatureMask), from the backdrop beside it (head_or_backdrop), and
    inside it too for a triangle the turn squeezes that the photo shows on the backdrop (BACKDROP_READ);
    backdrop_map: None, or the photo's BackdropMap for backdrop (kept by the caller per source)."""
    box_ab = stretched_box(src, len(verts), weights)
    if box_ab is None:
        return None
    a, b = box_ab
    lo = np.asarray(lo, int)
    s0, s1 = np.maximum(a, lo), np.minimum(b, lo + int(side))     # the box's part in the square
    if not (s1 > s0).all():
        return None
    fill = stretch_fill(verts, src, a, (b[1] - a[1], b[0] - a[0]), weights)
    h, w = photo_shape
    box = np.zeros(fill.shape + (3,), np.float32)
    known = np.zeros(fill.shape, np.float32)
    p0, p1 = np.maximum(a, 0), np.minimum(b, (w, h))        # the box's part in the photo
    if (p1 > p0).all():
        o = np.asarray(origin, int)
        box[p0[1] - a[1]:p1[1] - a[1], p0[0] - a[0]:p1[0] - a[0]] = \
            image[p0[1] - o[1]:p1[1] - o[1], p0[0] - o[0]:p1[0] - o[0]] * np.float32(1 / 255)
    k0, k1 = np.maximum(a, 1), np.minimum(b, (w - 1, h - 1))  # off the photo's outermost pixels
    if (k1 > k0).all():
        known[k0[1] - a[1]:k1[1] - a[1], k0[0] - a[0]:k1[0] - a[0]] = 1.0
    keep = known * (1.0 - fill)
    if backdrop is None:
        box = smooth_fill(box, keep)
    else:
        outer = outer_band(len(verts))
        back = backdrop_like(box[::2, ::2], backdrop) if backdrop_map is None else backdrop_map.over(a, fill.shape)
        # the triangles inside the silhouette that the photo shows on the backdrop, squeezed by the
        # turn, take the backdrop's fill as the outer band does (BACKDROP_READ)
        inner = np.where(~outer, weights, 0.0)
        seen = backdrop_read(back, known[::2, ::2] > 0, verts, src, a, inner)
        if features is not None:   # the wedge beside the sunglasses' end piece (FRAME_SIDE)
            seen = np.where(features.frame_side(len(verts), band_triangles(len(verts))) & (inner > 0), 1.0, seen)
        # the face's own skin past its oval takes what lies around the face (OWN_FACE_DRAWN)
        own = np.zeros_like(inner) if features is None else np.minimum(features.own_band(verts, src), inner)
        parts = ((inner - own) * (1.0 - seen), np.where(outer, weights, 0.0) + (inner - own) * seen, own)
        inside, beside, skin = (stretch_fill(verts, src, a, fill.shape, part) if part.any() else np.zeros_like(fill)
                                for part in parts)
        avoid = None if features is None else features.features.over(a, fill.shape)
        face = None if not own.any() else features.hull.over(a, fill.shape).astype(np.float32)
        box = head_or_backdrop(box, keep, inside, beside, backdrop, avoid, back,
                               source_silhouette(src, a, fill.shape), skin if own.any() else None, face)
    sq = (slice(s0[1] - lo[1], s1[1] - lo[1]), slice(s0[0] - lo[0], s1[0] - lo[0]))
    bx = (slice(s0[1] - a[1], s1[1] - a[1]), slice(s0[0] - a[0], s1[0] - a[0]))
    return sq, box[bx], fill[bx]


def source_silhouette(src: np.ndarray, a, shape) -> np.ndarray | None:
    """[h,w] float32 in [0,1] over the photo pixels of shape (h, w) from a (x, y): the head proxy's
    silhouette where the ring reads the photo (src [N,2], photo pixels; antialiased), None for a
    ring without the head proxy."""
    k = len(FACE_OVAL)
    if len(src) != PROXY_RINGS * k:
        return None
    sil = SILHOUETTE_RING * k
    return filled_polygon(np.asarray(src[sil:sil + k], np.float32) - np.asarray(a, np.float32), *shape)


def filled_polygon(points: np.ndarray, height: int, width: int) -> np.ndarray:
    """[h,w] float32: the polygon points [K,2] (pixels, sub-pixel) drawn antialiased, 1 inside."""
    shift = 4   # cv2's fixed point: sub-pixel vertices, antialiased edges
    out = np.zeros((int(height), int(width)), np.float32)
    pts = np.round(np.asarray(points, np.float32)[:, :2].astype(np.float64) * (1 << shift)).astype(np.int32)
    cv2.fillPoly(out, [pts], 1.0, lineType=cv2.LINE_AA, shift=shift)
    return out
