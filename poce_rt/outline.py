"""A revealed outline drawn as soft as the photo shows it (issue 15).

Held-out t1.jpg's face 1 (yaw -33, turned +25, towards the camera) read as a pasted mask: the
lower outline of her far jaw was drawn as a hard line over her neck and the wall. The photo shows
that outline in shade, a transition a Gaussian edge of sigma 2.2-3.5 px fits (oval vertices 148,
176, 149, 150; edge_sigmas); the turn reveals it and the disocclusion fill draws it (the mirror of
her near jaw, lit and crisp in the photo: 1.6-1.8 where it fits an edge), and the drawn outline
had sigma 0.9-2.0, its steepest colour step 15-16 Lab a pixel where the photo's is 9-10. Not the
ring's doing, nor the feather's: with the ring's pulls past the face's strip, the relit rim, the
fill's shading or the head proxy left out, or the feather 2.3x wider, the drawn outline keeps its
10-90% widths (3.0 / 7.0 / 6.5 / 6.5 px at 149 / 176 / 148 / 150, the photo's 9.0 / 10.5 / 8.5 /
7.5): under the feather the ring draws the same outline again.

So the frame's luma is blurred across the drawn outline where it draws the revealed fill, by the
softness the photo shows on that side beyond the softness the fill brings from the other
(outline_soft): on the side the photo sees more edge-on, each oval vertex whose outline the photo
shows as an edge softer than its mirror's. The luma alone, each pixel's colour scaled to it: the
transition is her skin's shade, not the wall seen through it (blurred in colour, the wall's orange
reached 2-6 px into the revealed cheek: its pixels within 6 Lab of the wall 0.239 -> 0.251, a
film tests/test_disocclusion.py guards against; in luma 0.244). Faces whose far outline the photo
shows no softer than the near one, or seen within SOFT_TURN of frontal (every other face of the
review set: Image_with_alpha.png, Tom_Hanks_54745.png, multi_face.jpg's face 0, t1.jpg's largest
face and face 0), are drawn as before, bit for bit; of the held-out photos' other faces, t1.jpg's
faces 3 and 4 (yaw -20, -50: 143 and 348 pixels) and 45-m7-di-ph.jpg (128, by 2 levels at most)
change at +25 along their far jaw and cheek. One render and three one-channel blurs of the face's
box more a step (~1.5 ms for t1.jpg's face 1 on the 2-core CPU).
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from . import ops
from .complete import LUMA
from .head_proxy import FACE_OVAL, oval_normals, ramp

# px: where each oval vertex's outline is read, along its outward normal, at half-pixel steps
EDGE_OFFS = np.arange(-8.0, 8.01, 0.5, dtype=np.float64)
# a profile is an edge when a Gaussian edge fits it with a step of at least EDGE_STEP luma levels and
# a residual (rms) under EDGE_FIT of that step: a lit rim, a hair's strand or two edges are not
# (t1.jpg's face 1: 16 of 36 vertices are; her near ear and the hair beside her far temple are not)
EDGE_STEP = 25.0
EDGE_FIT = 0.12
# ... and a sigma of at most EDGE_SOFTEST px: wider, the profile is a ramp across hair or shading,
# not an outline (t1.jpg's face 1: her far temple's hair 5.4-6.0, her jaw 2.2-3.5)
EDGE_SOFTEST = 4.0
# the outline softened: FACE_OVAL's from ear to ear under the face (vertex 323 to 93), the jaw and the
# cheeks; above them the outline borders the hair, whose edge is its own to draw (t1.jpg's face 1's
# far hairline, vertex 67, fits 3.85: blurred, a pixel of her lock of hair beside the turned temple
# came out lighter than the face's outermost pixels, the pale fleck test_head guards against)
SOFT_ARC = slice(9, 28)
# the fits' grid: the edge's place (px from the vertex) and sigma (px)
EDGE_AT = np.arange(-6.0, 6.01, 0.25)
EDGE_SIGMAS = np.geomspace(0.3, 6.0, 28)
# px: the sigma the drawn outline has of its own where the mirror shows no edge to copy (the
# render's antialiased coverage under the composite's feather: t1.jpg's face 1 at +25 drew her far
# jaw's vertex 149, whose mirror fits no edge, at 0.9)
DRAWN_SIGMA = 1.0
# the photo's own sigma from which its outline is softer than the render draws its own: none from
# SOFT_PHOTO[0], fully from [1] (the far outlines of the faces seen turned: Tom_Hanks_54745.png's
# 0.5-1.8, as sharp as drawn; t1.jpg's face 1's far jaw and cheek 2.2-3.5)
SOFT_PHOTO = (1.8, 2.2)
# degrees of the source's yaw: the fill brings the other side's outline only to a face seen turned,
# none within SOFT_TURN[0] of frontal, fully from [1] (the codebase's frontal tolerance, BEHIND_FACE;
# a frontal face's two sides are both its own, and their fits differ by the hair beside each:
# t1.jpg's largest face, yaw -3, and face 0, +5, fit 3.1-3.5 beside their far temples' hair)
SOFT_TURN = (12.0, 20.0)
# the factor a pixel's colour is scaled by to its softened luma, clipped to this (a dark hair's
# pixel beside the skin is not lit up as the skin)
SHADE_RANGE = (0.5, 2.0)
# px: the blur never softer than this (t1.jpg's face 1: her far jaw 1.7-3.0 softer than the near;
# at 3 her drawn jaw's sigma came to 0.94 of the photo's, at 2.5 0.89, and the cheek's pixels within
# 6 Lab of the wall 0.2436 against test_disocclusion's bound of 0.2447)
SOFT_MAX = 2.5


def _edge_basis() -> np.ndarray:
    """[A*G,T] float64: a unit Gaussian edge (1 inside, 0 outside) for each place and sigma of the
    fits' grid, sampled at EDGE_OFFS."""
    t = EDGE_OFFS[None, None, :] - EDGE_AT[:, None, None]
    s = EDGE_SIGMAS[None, :, None] * math.sqrt(2.0)
    erf = np.vectorize(math.erf)
    return (0.5 * (1.0 - erf(t / s))).reshape(-1, len(EDGE_OFFS))


_BASIS = None


def edge_sigmas(image: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """[K] float64: the sigma (px) of the Gaussian edge that fits the photo's luma across each oval
    vertex along its outward normal (EDGE_OFFS), NaN where no edge fits (EDGE_STEP, EDGE_FIT).
    image [H,W,3] uint8, vertices [468,>=2] the face's in the photo."""
    global _BASIS
    if _BASIS is None:
        _BASIS = _edge_basis()
    oval = np.asarray(vertices, np.float64)[list(FACE_OVAL), :2]
    pts = oval[:, None] + EDGE_OFFS[None, :, None] * oval_normals(oval)[:, None]
    # the luma of the box the profiles read (a pixel's margin for the bilinear reads), not the photo's
    h, w = image.shape[:2]
    x0, y0 = (int(np.clip(np.floor(pts[..., i].min()) - 1, 0, n - 1)) for i, n in ((0, w), (1, h)))
    x1, y1 = (int(np.clip(np.ceil(pts[..., i].max()) + 2, 1, n)) for i, n in ((0, w), (1, h)))
    luma = np.asarray(image[y0:y1, x0:x1], np.float32) @ LUMA
    prof = cv2.remap(luma, (pts[..., 0] - x0).astype(np.float32), (pts[..., 1] - y0).astype(np.float32),
                     cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).astype(np.float64)   # [K,T]
    # each profile ~ lo + step * basis: least squares for (lo, step) at every grid point
    b = _BASIS
    n = b.shape[1]
    bm, pm = b.mean(1), prof.mean(1)
    bc = b - bm[:, None]
    step = (prof - pm[:, None]) @ bc.T / np.maximum((bc ** 2).sum(1), 1e-12)   # [K,A*G]
    lo = pm[:, None] - step * bm[None]
    err = ((prof ** 2).sum(1)[:, None] - 2 * lo * prof.sum(1)[:, None] - 2 * step * (prof @ b.T)
           + n * lo ** 2 + 2 * lo * step * b.sum(1)[None] + step ** 2 * (b ** 2).sum(1)[None])
    best = np.argmin(err, axis=1)
    k = np.arange(len(oval))
    st, rms = np.abs(step[k, best]), np.sqrt(np.maximum(err[k, best], 0.0) / n)
    sigma = EDGE_SIGMAS[best % len(EDGE_SIGMAS)]
    return np.where((st >= EDGE_STEP) & (rms <= EDGE_FIT * st) & (sigma <= EDGE_SOFTEST), sigma, np.nan)


def outline_soft(image: np.ndarray, vertices: np.ndarray, yaw: float) -> np.ndarray:
    """[K] float64 px: how much softer (a Gaussian's sigma, added in quadrature) the photo shows
    each oval vertex's outline than the fill drawn there brings from its mirror: on the side the
    photo sees more edge-on (the vertex nearer the nose tip than its mirror), where the photo shows
    an edge softer than SOFT_PHOTO; the mirror's own sigma, or DRAWN_SIGMA where it shows none;
    on a face seen turned (yaw: the source's, degrees; SOFT_TURN), along the jaw and cheeks
    (SOFT_ARC). 0 elsewhere."""
    v = np.asarray(vertices, np.float64)
    oval = v[list(FACE_OVAL), :2]
    k = len(oval)
    mirror = (k - np.arange(k)) % k   # FACE_OVAL runs symmetrically from the forehead's vertex 10
    sigma = edge_sigmas(image, v)
    near_nose = np.linalg.norm(oval - v[1, :2], axis=1)
    far = near_nose < near_nose[mirror]
    drawn = np.where(np.isfinite(sigma[mirror]), sigma[mirror], DRAWN_SIGMA)
    extra = np.sqrt(np.maximum(np.nan_to_num(sigma, nan=0.0) ** 2 - drawn ** 2, 0.0))
    soft = ramp(np.nan_to_num(sigma, nan=0.0), SOFT_PHOTO) * ramp(abs(float(yaw)), SOFT_TURN)
    arc = np.zeros(k, bool)
    arc[SOFT_ARC] = True
    return np.where(far & arc & np.isfinite(sigma), soft * np.minimum(extra, SOFT_MAX), 0.0)


def soft_texture(soft: np.ndarray, layout: ops.UVLayout) -> np.ndarray:
    """[S,S,1] float32: each texel of the layout the outline_soft of its nearest oval vertex in UV,
    over their largest (0 off the layout)."""
    s = layout.size
    uv = np.asarray(layout.uvs, np.float64)[list(FACE_OVAL)] * s
    rows, cols = np.mgrid[0:s, 0:s] + 0.5
    d = (cols[..., None] - uv[:, 0]) ** 2 + (rows[..., None] - uv[:, 1]) ** 2
    share = (np.asarray(soft, np.float64) / max(float(np.max(soft)), 1e-12))[np.argmin(d, axis=-1)]
    return np.where(np.asarray(layout.coverage), share, 0.0).astype(np.float32)[..., None]


def gauss_taps(sigma: float) -> np.ndarray:
    """[2R+1] float32: a normalised Gaussian of sigma px, R = ceil(2.5 sigma)."""
    r = max(1, int(math.ceil(2.5 * sigma)))
    x = np.arange(-r, r + 1, dtype=np.float64)
    g = np.exp(-0.5 * (x / sigma) ** 2)
    return (g / g.sum()).astype(np.float32)


def blur(src, dst, work, tmp, taps):
    """dst [h,w,C] float32: src blurred by the separable taps, the border pixels repeated past the
    edges; work and tmp: buffers of src's shape (on the device, written through out= alone; dst
    must not be src). Returns dst."""
    if ops.array_module(src) is np:   # on the host OpenCV's separable filter, ~5x faster (to 1e-5 the same)
        dst[...] = cv2.sepFilter2D(src, -1, taps, taps, borderType=cv2.BORDER_REPLICATE).reshape(dst.shape)
        return dst
    return blur_arrays(src, dst, work, tmp, taps)


def blur_arrays(src, dst, work, tmp, taps):
    """blur (same arguments) in array code: CuPy's path (graph-capturable: no allocation), and on
    NumPy the reference tested against OpenCV's."""
    xp = ops.array_module(src)
    r = len(taps) // 2
    for a, b, axis in ((src, work, 1), (work, dst, 0)):
        xp.multiply(a, taps[r], out=b)
        n = a.shape[axis]
        ix = (slice(None),) * axis
        for k in range(1, r + 1):
            for sign in (-1, 1):   # b[i] += taps[r + sign k] * a[i + sign k], clamped to the edges
                w = taps[r + sign * k]
                kk = min(k, n)
                to, at = (slice(kk, None), slice(None, n - kk)) if sign < 0 else (slice(None, n - kk), slice(kk, None))
                rim = slice(None, kk) if sign < 0 else slice(n - kk, None)
                edge = slice(0, 1) if sign < 0 else slice(n - 1, n)
                xp.multiply(a[ix + (at,)], w, out=tmp[ix + (to,)])
                xp.multiply(xp.broadcast_to(a[ix + (edge,)], tmp[ix + (rim,)].shape), w, out=tmp[ix + (rim,)])
                xp.add(b, tmp, out=b)
    return dst


def soften_outline(frame, alpha, soft, taps, take):
    """The composited face's box frame [h,w,3] uint8, in place: its luma blurred across the drawn
    outline (alpha [h,w] its coverage) by the weight the revealed fill's outline_soft gives it
    (soft [h,w,1] float32: soft_texture times the step's revealed fill, drawn with the face),
    through the Gaussian taps of the source's largest softening. take(name, shape) -> a float32
    buffer. Each pixel's luma moves towards its blur by 4 a (1 - a) of the blurred coverage a (1
    at the outline, 0 well inside or past it) times the covered pixels' soft about it, its colour
    scaled to it (SHADE_RANGE); a weight of 0 leaves it as it was, bit for bit. Returns frame.

    On the host only the box about where soft is drawn is blurred (soft_box; the same pixels bit
    for bit): the revealed fill is a strip along the far outline, a fifth to a half of the face's
    box (t1.jpg's face 1, 45-m7-di-ph.jpg)."""
    if ops.array_module(frame) is np:
        box = soft_box(soft, len(taps) // 2)
        if box is not None:
            ys, xs = box
            soften_box(frame[ys, xs], alpha[ys, xs], soft[ys, xs], taps, take)
        return frame
    return soften_box(frame, alpha, soft, taps, take)


def soft_box(soft: np.ndarray, r: int):
    """(rows, cols) slices: the box of soft's nonzero pixels [h,w,1] widened by 2 r px (clipped to
    it), or None where it has none. soften_box's weight is 0 past r px of them (the blurred share
    is), so no pixel past it changes; and each pixel within r px reads its blurs within 2 r px, all
    inside the box: the box's border, repeated past its edges, reaches none of them."""
    plane = soft.reshape(soft.shape[0], soft.shape[1])
    rows = np.flatnonzero(plane.max(axis=1) > 0)
    if not len(rows):
        return None
    cols = np.flatnonzero(plane[rows[0]:rows[-1] + 1].max(axis=0) > 0)
    h, w = plane.shape
    return (slice(max(int(rows[0]) - 2 * r, 0), min(int(rows[-1]) + 1 + 2 * r, h)),
            slice(max(int(cols[0]) - 2 * r, 0), min(int(cols[-1]) + 1 + 2 * r, w)))


def soften_box(frame, alpha, soft, taps, take):
    """soften_outline (the same arguments) over all of frame's box. Returns frame."""
    xp = ops.array_module(frame)
    h, w = alpha.shape
    cover = take("outline.cover", (h, w, 1))
    cover[...] = alpha[..., None]
    tmp1 = take("outline.tmp1", (h, w, 1))
    near = blur(cover, take("outline.near", (h, w, 1)), take("outline.work1", (h, w, 1)), tmp1, taps)
    share = take("outline.share", (h, w, 1))
    xp.multiply(soft, cover, out=share)
    share = blur(share, take("outline.share_blur", (h, w, 1)), take("outline.work1", (h, w, 1)), tmp1, taps)
    floor = take("outline.floor", (h, w, 1))
    xp.maximum(near, np.float32(1e-3), out=floor)
    xp.divide(share, floor, out=share)
    xp.clip(share, 0.0, 1.0, out=share)
    weight = take("outline.weight", (h, w, 1))
    xp.subtract(np.float32(1.0), near, out=weight)
    xp.multiply(weight, near, out=weight)
    xp.multiply(weight, np.float32(4.0), out=weight)
    xp.clip(weight, 0.0, 1.0, out=weight)
    xp.multiply(weight, share, out=weight)
    f = take("outline.frame", (h, w, 3))
    f[...] = frame
    # the luma alone, each pixel's colour scaled (module comment: its chromaticity kept)
    luma = take("outline.luma", (h, w, 1))
    xp.multiply(f[..., 0:1], LUMA[0], out=luma)
    for c in (1, 2):
        xp.multiply(f[..., c:c + 1], LUMA[c], out=tmp1)
        xp.add(luma, tmp1, out=luma)
    blurred = blur(luma, take("outline.luma_blur", (h, w, 1)), take("outline.work1", (h, w, 1)), tmp1, taps)
    xp.subtract(blurred, luma, out=blurred)
    xp.multiply(blurred, weight, out=blurred)
    xp.maximum(luma, np.float32(1.0), out=luma)   # (luma + change) / luma: 1 exactly where no change
    xp.add(blurred, luma, out=blurred)
    xp.divide(blurred, luma, out=blurred)
    xp.clip(blurred, np.float32(SHADE_RANGE[0]), np.float32(SHADE_RANGE[1]), out=blurred)
    xp.multiply(f, blurred, out=f)
    xp.add(f, np.float32(0.5), out=f)
    xp.floor(f, out=f)
    xp.clip(f, 0.0, 255.0, out=f)
    xp.copyto(frame, f, casting="unsafe")
    return frame
