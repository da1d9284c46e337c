"""Move the head's surroundings with the face boundary when the face is re-posed.

The face mesh ends at the face oval (hairline, jaw, cheeks). Rendering only the mesh at a new pose
leaves the photo's old face contour, ears and jaw line where they were: on the side the face turns
away from, the old cheek edge stays next to the new, narrower face, and the tracker (and a viewer)
reads the head as barely turned (a 25 degree yaw read back as 17-18; with this warp 19-22).

The warp is a band of triangles between two rings: the inner ring follows the face oval from its
source to its target position; the outer ring (the oval scaled about its centre, where the side of
the head, hair and neck are) stays put, so the band blends into the untouched photo with no seam.
The band is drawn with the same `render` op as the face, textured with the photo itself.

Given the poses, the band gets the rings of the head proxy (poce_rt.head_proxy: its geometry;
poce_rt.silhouette: what it reads from the photo), posed with the face by poce_rt.proxy_pose
(HeadProxy) and drawn here with the photo around the face as its texture (poce_rt.ring_photo).

Folds (issue 15, Tom_Hanks_54745.png at +25): a head turned away folds the proxy's rings beyond
its forehead behind the rings in front, and the depth test cuts the surface along the fold, a
hard 1-pixel edge that render (shading each pixel from its centre) does not antialias. The ring's
texture carries each texel's photo position in two extra channels (with_positions; on the host
the render works them out, ops.render's positions), so the render that draws the ring gives the
photo position each pixel reads too, and pixels beside a jump in it are blended with a small blur
(soften_folds), on both paths (draw_ring).
"""
from __future__ import annotations

import cv2
import numpy as np

from . import ops
from .band_stretch import stretch_weights
from .feature_mask import FeatureMask
from .head_proxy import FACE_OVAL, PROXY_RINGS, REACH, surround_mesh
from .layers import copy_channels
from .motion import KEEP_SCALE, MOVING_PX, STILL_PX, keep_still, moved_weight, pixel_centres, read_motion
from .ops._arrays import native
from .ring_photo import RING_CHANNELS, photo_texture, ring_filled

MIN_MOVE_PX = 0.5   # ring_band: an oval that moves less than this (px) leaves the photo as it is
# A head turned away folds its proxy's rings past the silhouette behind the rings in front, and the
# depth test cuts the surface there: two neighbouring pixels read the photo far apart
# (Tom_Hanks_54745.png at +25, beside the forehead: 20 photo pixels; elsewhere a ring's neighbours
# read ~0.7 apart). render shades a pixel from its centre alone, so that cut was a hard 1-pixel
# step (216 212 150) where the photo's own edge was ~3 px wide (204 196 193 170 150). Pixels
# beside a jump of FOLD_PX[0] photo pixels (the photo minified twice there: its detail aliases),
# fully from [1], are blended with a 3x3 binomial blur of the ring: the occlusion edge antialiased
# (soften_folds; 216 201 164 150).
FOLD_PX = (2.0, 4.0)
# ... and the pixels past the face's outline are blended with the ring past it alone: where a turn
# reveals a side, the rings past the moved oval are pulled onto it (proxy_pose: BEHIND_FACE, the
# edge strip) and read past the strip of face beyond the photo's oval, so the read jumps at the oval
# between the proxy's first band, under the face's render, and the bands past it
# (Tom_Hanks_54745.png at -25, the far cheek: 6-8 photo px between the lit skin under the border and
# the backdrop). The 3x3 blur spread that skin onto the first pixel past the face, a pale column
# beside the revealed cheek and jaw (+10..+30 levels over the backdrop and the collar: a light
# streak along the outline), which the face's render, antialiased by its own coverage, does not
# cover. A pixel past the face takes the blur of the ring's pixels past the face only (under_face:
# the moved oval's inside, not the first band, which folds out past the oval on a side seen edge-on;
# soften_folds' `under`); one under the face is blended as before (the face's feather shows it).
UNDER_COVERAGE = (0.25, 0.5)   # under_face: a pixel's coverage by the moved oval -> under it (none .. fully)
FOLD_FULL = 0.999   # only jumps between pixels the ring covers fully (not its own outline)


def ring_band(src_vertices: np.ndarray, dst_vertices: np.ndarray, height: int, width: int,
              reach: float = REACH, proxy=None):
    """The band of the ring warp for a move of the face, or None when the oval does not move (or
    the band misses the frame). src_vertices / dst_vertices: the face's [468,3] vertices in the
    photo and at the target. proxy: None (the band between the oval and a fixed ring), or
    (poce_rt.proxy_pose.HeadProxy of the source face, target Pose) for the head proxy's rings
    (stages.head_proxy_of's, as the stages and the frame loop draw them).
    Returns (verts [NK,3] float32 target positions, tris [M,3] int32, src [NK,2] float64 where
    each vertex reads the photo, (x0, y0, x1, y1) the frame pixels it covers)."""
    src_oval = np.asarray(src_vertices, np.float64)[list(FACE_OVAL), :2]
    dst_oval = np.asarray(dst_vertices, np.float64)[list(FACE_OVAL), :2]
    if not (np.isfinite(src_oval).all() and np.isfinite(dst_oval).all()):
        raise ValueError("vertices contain NaN or inf")
    if np.abs(dst_oval - src_oval).max() < MIN_MOVE_PX:
        return None
    if proxy is not None:
        verts, tris, src = proxy[0].mesh(dst_vertices, proxy[1])
    else:
        verts, tris, src = surround_mesh(src_oval, dst_oval, reach)
    if np.ceil((src.max(0) - src.min(0)).max()) + 6 > 4 * max(height, width):
        raise ValueError("face oval is far larger than the image")
    # Only the band's bounding box is drawn: the band is a small part of the frame, and render and
    # composite cost per output pixel.
    x0, y0 = np.maximum(np.floor(verts[:, :2].min(0)).astype(int) - 1, 0)
    x1, y1 = np.minimum(np.ceil(verts[:, :2].max(0)).astype(int) + 1, (width, height))
    if x1 <= x0 or y1 <= y0:
        return None
    return verts, tris, src, (int(x0), int(y0), int(x1), int(y1))


def draw_ring(texture, verts, tris, uvs, height: int, width: int, take, stream=None, workspace=None):
    """The ring drawn over an h x w box, its folds antialiased: texture [side,side,RING_CHANNELS]
    (with_positions'), or on the host [side,side,3], its colour alone (the positions worked out by
    the render, ops.render's positions: the same values), verts [NK,3] box-local, tris, uvs [NK,2]
    on the texture's square -> (rgb [h,w,3], alpha [h,w], pos [h,w,2]) float32 buffers of
    take(name, shape) (the frame
    loop's workspace, or fresh arrays); pos: the photo position each pixel reads, relative to
    the texture square's corner. One render draws the colour and the position, so the same
    triangle wins each pixel for both (soften_folds, keep_ring_still). Host or device arrays
    (stream, workspace: the render's on the GPU)."""
    alpha = take("ring.alpha", (height, width))
    rgb, pos = take("ring.rgb", (height, width, 3)), take("ring.pos", (height, width, 2))
    if texture.shape[-1] == 3:   # on the host the render writes the colour and positions apart
        ops.render(texture, verts, tris, uvs, height, width, out=(rgb, alpha, pos), positions=True)
    else:
        both = take("ring.rgb_pos", (height, width, RING_CHANNELS))
        ops.render(texture, verts, tris, uvs, height, width, stream=stream, out=(both, alpha), workspace=workspace)
        copy_channels(both, 0, rgb)
        copy_channels(both, 3, pos)
    soften_folds(rgb, alpha, pos, take, under_face(verts, tris, height, width, take, stream, workspace))
    return rgb, alpha, pos


def under_face(verts, tris, height: int, width: int, take, stream=None, workspace=None):
    """[h,w] float32 buffer of take's: each pixel's share under the face's render, from the coverage
    of the moved oval (the head proxy's second ring, the face's outline; render's 4 sub-samples):
    1 from half covered (UNDER_COVERAGE); None for a mesh without the face's own ring inside the
    oval (the plain band of surround_mesh starts at the oval). The proxy's first band (its first
    2K triangles) drawn with its inner ring on the oval's centre: the oval's fan. draw_ring's
    arguments; soften_folds' `under`."""
    k = len(FACE_OVAL)
    if len(verts) != PROXY_RINGS * k:
        return None
    xp = ops.array_module(verts)
    fan = take("ring.under_verts", (2 * k, 3))
    fan[...] = verts[:2 * k]
    centre = take("ring.under_centre", (1, 3))
    xp.mean(verts[k:2 * k], axis=0, keepdims=True, out=centre)
    fan[:k] = centre
    ones = take("ring.under_texture", (1, 1, 1))
    ones[...] = 1.0
    uvs = take("ring.under_uvs", (2 * k, 2))
    uvs[...] = 0.0
    under = take("ring.under", (height, width))
    ops.render(ones, fan, tris[:2 * k], uvs, height, width, stream=stream,
               out=(take("ring.under_colour", (height, width, 1)), under), workspace=workspace)
    # the ring draws a pixel from the band its centre falls in: under the face from half covered
    # (a straight outline through the pixel's centre; coverage comes in quarters): ramp(coverage,
    # UNDER_COVERAGE)
    xp.subtract(under, np.float32(UNDER_COVERAGE[0]), out=under)
    xp.multiply(under, np.float32(1.0 / (UNDER_COVERAGE[1] - UNDER_COVERAGE[0])), out=under)
    xp.clip(under, 0.0, 1.0, out=under)
    return under


def keep_ring_still(photo, rgb, pos, lo, centres, take):
    """The ring kept only where it moves the photo (issue 15, item 2; poce_rt.motion): photo
    [h,w,3] uint8 under the ring's box, draw_ring's rgb [h,w,3] and pos [h,w,2], lo [w,2] float32
    (the texture square's corner in the photo on each row, motion.read_motion's offset: an array
    on rgb's device), centres [h,w,2] float32
    (the box's pixel centres in the photo, motion.pixel_centres) -> (kept [h,w,3] float32 in
    [0,1], moved [h,w,1] float32), buffers of take(name, shape). A pixel the ring reads less than
    motion.STILL_PX from itself is the photo's own, bit for bit: the texture is not, on its
    outermost pixels (photo_texture fills them), which a still ring drew over the photo's border
    (45-m7-di-ph.jpg: 138 levels on its bottom row at +0.3 degrees of yaw)."""
    if ops.is_device_array(rgb) or rgb.size == 0:
        return keep_ring_still_arrays(photo, rgb, pos, lo, centres, take)
    # on the host, one pass of the extension's: the same values bit for bit as the array code's
    # ~15 passes through box-sized temporaries (1.0 -> 0.55 ms a step on single_face's 414x320 box)
    h, w = rgb.shape[:2]
    kept, moved = take("ring.kept", (h, w, 3)), take("ring.moved", (h, w, 1))
    c = np.ascontiguousarray
    native().ring_keep_still(c(photo), c(rgb), c(pos), c(lo), c(centres), float(np.float32(STILL_PX)),
                             float(np.float32(1.0 / (MOVING_PX - STILL_PX))), float(KEEP_SCALE), kept, moved)
    return kept, moved


def keep_ring_still_arrays(photo, rgb, pos, lo, centres, take):
    """keep_ring_still (same arguments) in array code (poce_rt.motion's functions): CuPy's path,
    one kernel per line, and on NumPy the reference the host path is tested against."""
    h, w = rgb.shape[:2]
    moved = read_motion(pos, lo, centres, take("ring.moved", (h, w, 1)), take("ring.motion_work", (h, w, 2)))
    moved_weight(moved, moved, take("ring.moved_work", (h, w, 1)))
    kept = keep_still(photo, rgb, moved, take("ring.kept", (h, w, 3)), take("ring.kept_work", (h, w, 3)),
                      None if ops.is_device_array(rgb) else take("ring.moved_wide", (h, w, 3)))
    return kept, moved


def soften_folds(rgb, alpha, pos, take, under=None):
    """Antialias the ring's fold edges (FOLD_PX) in place. rgb [h,w,3] float32 and alpha [h,w]
    float32: the ring's render; pos [h,w,2] float32: the photo position each pixel reads (drawn
    by the same render, draw_ring, so the same triangle wins each pixel; a view will do).
    take(name, shape) -> a float32 buffer (the loop's workspace, or fresh arrays); host or device
    arrays, no allocation but take's. under: None, or [h,w] float32 under_face's (1 under the
    face's render, 0 past it): a pixel past the face is blended with the blur of the pixels past
    it alone, each weighed by 1 - under (module comment at FOLD_PX). Returns rgb."""
    h, w = alpha.shape
    if h < 3 or w < 3:
        return rgb
    if ops.array_module(rgb) is np:
        if rgb.flags.c_contiguous:   # one pass of the extension's to find the folds, one to blend them
            return _soften_folds_native(rgb, alpha, pos, under)
        return _soften_folds_host(rgb, alpha, pos, take, under)
    return soften_folds_arrays(rgb, alpha, pos, take, under)


def _soften_folds_native(rgb, alpha, pos, under=None):
    """soften_folds on a C-contiguous host rgb by the extension (csrc/soften_folds_cpu.cpp): the
    same values bit for bit as _soften_folds_host (the reference it is tested against), whose
    whole-box passes to find the folds and gathers about them cost 1.1-2.1 ms of CPU a frame at
    640x480 (the head proxy's 437x538 ring box, OpenCV's threads included) against 0.4-0.5 ms."""
    c = np.ascontiguousarray
    native().soften_folds(rgb, c(alpha), c(pos), None if under is None else c(under), float(np.float32(FOLD_PX[0])),
                          float(np.float32(1.0 / (FOLD_PX[1] - FOLD_PX[0]))), float(np.float32(FOLD_FULL)),
                          float(np.float32(1e6)))
    return rgb


def soften_folds_arrays(rgb, alpha, pos, take, under=None):
    """soften_folds (same arguments) over the whole box in array code: CuPy's path, and on NumPy
    the reference the host path is tested against."""
    xp = ops.array_module(rgb)
    h, w = alpha.shape
    full = take("ring.fold_full", (h, w))      # 1 where the ring covers the pixel fully
    xp.subtract(alpha, np.float32(FOLD_FULL), out=full)
    xp.multiply(full, np.float32(1e6), out=full)
    xp.clip(full, 0.0, 1.0, out=full)
    jump = take("ring.fold_jump", (h, w, 1))   # the largest photo-space step to a 4-neighbour
    jump[...] = 0.0
    d = take("ring.fold_d", (h, w, 2))
    e = take("ring.fold_e", (h, w))
    j = jump[..., 0]
    for axis in (0, 1):
        a, b = (slice(1, None), slice(None, -1))
        ia = (a, slice(None)) if axis == 0 else (slice(None), a)
        ib = (b, slice(None)) if axis == 0 else (slice(None), b)
        xp.subtract(pos[ia], pos[ib], out=d[ib])
        xp.abs(d[ib], out=d[ib])
        xp.maximum(d[ib][..., 0], d[ib][..., 1], out=e[ib])
        xp.multiply(e[ib], full[ia], out=e[ib])
        xp.multiply(e[ib], full[ib], out=e[ib])
        xp.maximum(j[ib], e[ib], out=j[ib])
        xp.maximum(j[ia], e[ib], out=j[ia])
    xp.subtract(jump, np.float32(FOLD_PX[0]), out=jump)        # the blend weight: ramp(jump, FOLD_PX)
    xp.multiply(jump, np.float32(1.0 / (FOLD_PX[1] - FOLD_PX[0])), out=jump)
    xp.clip(jump, 0.0, 1.0, out=jump)
    blur = _binomial(rgb, take("ring.fold_blur", (h, w, 3)), take("ring.fold_work", (h, w, 3)))
    if under is not None:   # past the face: the blur of the pixels past it, (blur of rgb past) / (blur of past)
        past = take("ring.fold_past", (h, w, 1))
        xp.subtract(np.float32(1.0), under[..., None], out=past)
        masked = take("ring.fold_masked", (h, w, 3))
        xp.multiply(rgb, past, out=masked)
        masked = _binomial(masked, masked, take("ring.fold_work", (h, w, 3)))
        share = _binomial(past, take("ring.fold_share", (h, w, 1)), take("ring.fold_share_work", (h, w, 1)))
        xp.maximum(share, np.float32(1e-6), out=share)   # 0 only under the face, where past is 0
        xp.divide(masked, share, out=masked)
        xp.subtract(masked, blur, out=masked)
        xp.multiply(masked, past, out=masked)
        xp.add(blur, masked, out=blur)
    xp.subtract(blur, rgb, out=blur)
    xp.multiply(blur, jump, out=blur)
    xp.add(rgb, blur, out=rgb)
    return rgb


def _binomial(src, dst, work):
    """dst [h,w,C]: src [h,w,C] blurred by the separable [1 2 1]/4, its border rows and columns kept
    (soften_folds' dense path; dst may be src). Returns dst."""
    xp = ops.array_module(src)
    for a, b, axis in ((src, work, 1), (work, dst, 0)):
        if b is not a:
            b[...] = a
        lo, mid, hi = ((slice(None, -2), slice(1, -1), slice(2, None)) if axis == 0 else
                       ((slice(None), slice(None, -2)), (slice(None), slice(1, -1)), (slice(None), slice(2, None))))
        xp.add(a[lo], a[hi], out=b[mid])
        xp.add(b[mid], a[mid], out=b[mid])
        xp.add(b[mid], a[mid], out=b[mid])
        xp.multiply(b[mid], np.float32(0.25), out=b[mid])
    return dst


def _soften_folds_host(rgb, alpha, pos, take, under=None):
    """soften_folds on host arrays, the same float32 operations in the same order (the same result
    bit for bit) at only the pixels it changes: a ring's folds touch ~1% of its box, and the dense
    version's full-box passes cost ~3 ms a frame (417x320). A pixel's jump exceeds FOLD_PX[0] only
    through a neighbour pair whose positions differ by more than that (full <= 1 only lowers it), so
    those pairs alone are weighed, and the blur is gathered at the pixels they weigh. Each pixel's
    largest step is a scatter-max into a box-sized buffer of take's (a sort of the pairs by pixel
    cost 0.8 of 3 ms at 1280x720 and yaw 15)."""
    h, w = alpha.shape
    lo = np.float32(FOLD_PX[0])
    pos = np.ascontiguousarray(pos)            # cv2 reads whole rows
    pairs = []                                  # (flat index a, flat index b, step) per candidate pair
    for d, step in ((cv2.absdiff(pos[1:], pos[:-1]), w), (cv2.absdiff(pos[:, 1:], pos[:, :-1]), 1)):
        over = cv2.findNonZero(cv2.compare(d.reshape(len(d), -1), float(lo), cv2.CMP_GT))  # (x, y) in raster order
        if over is None:
            continue
        over = over.reshape(-1, 2)
        k = over[:, 1] * d.shape[1] + (over[:, 0] >> 1)   # the pair; both channels over: twice in a row
        k = k[np.r_[True, k[1:] != k[:-1]]]
        dk = d.reshape(-1, 2).take(k, 0)
        at = k if step == w else k + k // (w - 1)  # the pair's first pixel, flat
        pairs.append((at, np.maximum(dk[:, 0], dk[:, 1]), step))
    if not pairs:
        return rgb
    b = np.concatenate([p[0] for p in pairs])   # soften_folds' ib (the pair's first pixel) and ia
    a = np.concatenate([p[0] + p[2] for p in pairs])
    e = np.concatenate([p[1] for p in pairs])
    cover = alpha.ravel()
    full_a, full_b = (np.clip((cover.take(i) - np.float32(FOLD_FULL)) * np.float32(1e6), 0.0, 1.0) for i in (a, b))
    e = e * full_a * full_b
    largest = take("ring.fold_largest", (h * w,))   # each pixel's largest step (e >= 0; 0: none)
    largest[...] = 0.0
    np.maximum.at(largest, a, e)
    np.maximum.at(largest, b, e)
    ends = np.flatnonzero(largest > lo)
    jump = largest[ends]
    if not len(ends):
        return rgb
    weight = np.clip((jump - lo) * np.float32(1.0 / (FOLD_PX[1] - FOLD_PX[0])), 0.0, 1.0)[:, None]
    flat = rgb.reshape(-1, 3) if rgb.flags.c_contiguous else np.ascontiguousarray(rgb).reshape(-1, 3)
    y, x = np.divmod(ends, w)
    left, right = (x > 0).astype(np.intp), (x < w - 1).astype(np.intp)
    up, down = (y > 0).astype(np.intp) * w, (y < h - 1).astype(np.intp) * w
    # each end's 3x3 neighbourhood (columns left, at, right by rows above, at, below; a border's
    # missing neighbour is the end's own column or row) as [3,3,n] flat indices, gathered once into
    # planes of the same neighbour: one take for the blur and one for under in place of a take per
    # neighbour and pass (with the masks and scatter below, ~2.5 -> ~2.3 ms a call at 1280x720)
    zero = np.zeros_like(left)
    hood = ends + np.stack([-left, zero, right])[:, None] + np.stack([-up, zero, down])[None]
    inner_x = (left & right).astype(bool)[:, None]
    inner_y = ((up > 0) & (down > 0))[:, None]

    def binomial(v, sel=slice(None)):           # the 3x3 blur at ends[sel] of their neighbourhoods v [3,3,n,C]
        # the masks as [n,C]: np.where broadcasting an [n,1] one over C=3 channels runs ~5x slower
        ix, iy = (np.repeat(i[sel], v.shape[-1], 1) for i in (inner_x, inner_y))
        m = v[1]                                # the horizontal pass on each of the three rows
        row = np.where(ix, (v[0] + v[2] + m + m) * np.float32(0.25), m)
        mid = row[1]
        return np.where(iy, (row[0] + row[2] + mid + mid) * np.float32(0.25), mid)

    around = flat.take(hood, 0)                 # [3,3,n,3]
    blur = binomial(around)
    if under is not None:   # past the face: the blur of the pixels past it (soften_folds')
        u = np.ascontiguousarray(under).reshape(-1, 1).take(hood, 0)   # [3,3,n,1]
        # only a pixel past the face with a neighbour under it blurs otherwise (elsewhere the two are equal)
        near = (u.reshape(9, -1) > 0).any(axis=0)
        past = np.float32(1.0) - u
        sel = np.flatnonzero(near & (past[1, 1, :, 0] > 0))
        if len(sel):
            past = past[:, :, sel]
            with np.errstate(invalid="ignore"):
                masked = binomial(around[:, :, sel] * past, sel) / binomial(past, sel)
            blur[sel] = blur[sel] + np.nan_to_num(masked - blur[sel]) * past[1, 1]   # (0/0: past 0)
    here = around[1, 1]
    # written as 12-byte pixels: a scatter of [n,3] float32 rows costs ~6x more
    pixel = np.dtype((np.void, 3 * flat.itemsize))
    flat.view(pixel).reshape(-1)[ends] = np.ascontiguousarray(here + (blur - here) * weight).view(pixel).reshape(-1)
    if not np.shares_memory(flat, rgb):
        rgb[...] = flat.reshape(rgb.shape)
    return rgb


def held_read(hold, origin, at, out, work, index):
    """out [h,w,1] float32 = hold [bh,bw,1] (a held hand's share over a box at origin (x0, y0) of the
    photo, an empty pixel around it: occluder.RingHold's) read at the photo positions at [h,w,2]
    float32 (x, y; a pixel's own centre, or where the ring reads it), nearest; work: an [h,w,2]
    float32 and index an [h,w] int32 scratch buffer. NumPy or CuPy, nothing allocated."""
    xp = ops.array_module(out)
    bh, bw = hold.shape[:2]
    xp.floor(at, out=work)
    xp.subtract(work[..., 0], np.float32(origin[0]), out=work[..., 0])
    xp.subtract(work[..., 1], np.float32(origin[1]), out=work[..., 1])
    xp.take(hold.reshape(-1), _flat_index(work, bw, bh, index), out=out.reshape(index.shape))
    return out


def _flat_index(work, width: int, height: int, index):
    """index [h,w] int32 = the row-major index into a height x width grid of the whole-pixel
    positions work [h,w,2] float32 (x, y), clamped to it (work is overwritten). Returns index."""
    xp = ops.array_module(work)
    xp.clip(work[..., 0], 0, width - 1, out=work[..., 0])
    xp.clip(work[..., 1], 0, height - 1, out=work[..., 1])
    xp.multiply(work[..., 1], np.float32(width), out=work[..., 1])   # exact: height * width < 2^24
    xp.add(work[..., 1], work[..., 0], out=work[..., 1])
    index[...] = work[..., 1]
    return index


# The held share over which the ring's own colour gives way to its read of the photo pulled back
# (hold_ring): under 2% of a move of ~1 D (~20 px) is under half a pixel, nothing to redraw
HOLD_EDGE = (0.02, 0.1)


def hold_ring(frame, photo, hold, origin, pos, lo, centres, alpha, drawn, take):
    """The ring's frame over its box, in place, with the held hand not moved (occluder.RingHold):
    each pixel reads the photo nearer its own position by the held share H there,

        read' = centre + (1 - H) * (read - centre)

    (bilinear), drawn over the ring's own from HOLD_EDGE[0] of it (fully from HOLD_EDGE[1]):
    turned +25, Image_with_alpha.png's heel was drawn lifted by the ring (up to 17.6 px) up to
    where its band ends under the face and from the photo past it, which the face keeps there
    (motion.hold): a 14 px step in the heel's lower edge. The share is smooth across the hand's
    outline (RingHold), so the warp stays one warp: kept colour by colour where the hand is
    held, the ring drew the hand it moves beside the photo's (the thumb's outline twice, the
    backdrop's blue between). frame [h,w,3] uint8 (the ring composited), photo [H,W,3] uint8
    the whole photo, hold [bh,bw,1] float32 the held share over a box at origin (x0, y0) of the
    photo; pos, lo, centres: keep_ring_still's, alpha [h,w] the ring's coverage (draw_ring's) and
    drawn [h,w,1] its moved weight (keep_ring_still's); take(name, shape, dtype=float32) -> a
    buffer. NumPy or CuPy."""
    xp = ops.array_module(pos)
    h, w = pos.shape[:2]
    height, width = photo.shape[:2]
    work, index = take("ring.hold_at", (h, w, 2)), take("ring.hold_index", (h, w), dtype=np.int32)
    share = held_read(hold, origin, centres, take("ring.hold", (h, w, 1)), work, index)
    at = take("ring.hold_pos", (h, w, 2))
    xp.add(pos, lo, out=at)
    xp.subtract(at, centres, out=at)
    keep = xp.subtract(np.float32(1.0), share, out=take("ring.hold_keep", (h, w, 1)))
    xp.multiply(keep, drawn, out=keep)      # where the ring is not drawn (or keeps still), the photo's own
    xp.multiply(keep, alpha[..., None], out=keep)
    xp.multiply(at, keep, out=at)
    xp.add(at, centres, out=at)
    xp.subtract(at, np.float32(0.5), out=at)                 # pixel centres -> sample grid
    corner = take("ring.hold_corner", (h, w, 2))
    xp.floor(at, out=corner)
    xp.subtract(at, corner, out=at)                          # the bilinear weights (fx, fy)
    colour, mixed = take("ring.hold_colour", (h, w, 3)), take("ring.hold_mixed", (h, w, 3))
    texel = take("ring.hold_texel", (h, w, 3), dtype=np.uint8)
    mixed[...] = 0.0
    flat = photo.reshape(-1, 3)
    for dy in (0, 1):
        for dx in (0, 1):
            xp.add(corner[..., 0], np.float32(dx), out=work[..., 0])
            xp.add(corner[..., 1], np.float32(dy), out=work[..., 1])
            xp.take(flat, _flat_index(work, width, height, index), axis=0, out=texel)
            wx = at[..., 0:1] if dx else xp.subtract(np.float32(1.0), at[..., 0:1], out=work[..., 0:1])
            xp.multiply(texel, wx, out=colour)
            wy = at[..., 1:2] if dy else xp.subtract(np.float32(1.0), at[..., 1:2], out=work[..., 1:2])
            xp.multiply(colour, wy, out=colour)
            xp.add(mixed, colour, out=mixed)
    xp.subtract(mixed, frame, out=mixed)
    xp.subtract(share, np.float32(HOLD_EDGE[0]), out=share)
    xp.multiply(share, np.float32(1.0 / (HOLD_EDGE[1] - HOLD_EDGE[0])), out=share)
    xp.clip(share, 0.0, 1.0, out=share)
    xp.multiply(mixed, share, out=mixed)
    xp.add(mixed, frame, out=mixed)
    xp.rint(mixed, out=mixed)
    frame[...] = mixed
    return frame

def warp_surround(image: np.ndarray, src_vertices: np.ndarray, dst_vertices: np.ndarray,
                  reach: float = REACH, proxy=None, filled_out: np.ndarray | None = None,
                  moving_out: np.ndarray | None = None, backdrop: np.ndarray | None = None, rim=None,
                  hold=None) -> np.ndarray:
    """image [H,W,3] uint8, the face's [468,3] vertices in the photo and at the target -> [H,W,3] uint8
    with the ring around the face warped to follow the face oval (a copy; the input is not changed);
    proxy: as ring_band's. filled_out: an optional [H,W] float32 array that receives each pixel's
    share of ring texels filled beyond the photo or for a stretched strip, or of background the
    turn uncovered (ring_filled; untouched where the ring is not drawn). moving_out: an optional [H,W]
    float32 array that receives the ring's coverage times its moved weight (where it draws something
    other than the photo's own pixel; untouched where the ring is not drawn). backdrop: the
    photo's poce_rt.colour_classes.backdrop_colours when the caller has them (None: read here for a head
    proxy's stretched strips, stretched_patch). rim: None, or (poce_rt.rim_light.RimLight, reveal
    [K] at the oval's vertices): the ring's texture relit about the oval (photo_texture's). hold:
    None, or (weight [bh,bw,1] float32, (x0, y0)) the held hand's share of the photo the ring keeps
    (occluder.RingHold's weight and box corner; hold_ring). Returns the image unchanged (same
    object) when the oval does not move."""
    h, w = image.shape[:2]
    band = ring_band(src_vertices, dst_vertices, h, w, reach, proxy)
    if band is None:
        return image
    verts, tris, src, (x0, y0, x1, y1) = band
    lo = np.floor(src.min(0)).astype(int) - 2
    side = int(np.ceil((src.max(0) - lo).max())) + 2
    glasses = None if proxy is None else proxy[0].ring_glasses
    features = FeatureMask(src_vertices, glasses)
    weights = stretch_weights(verts, src, features)
    if weights.any() and backdrop is None and proxy is not None:
        from .colour_classes import backdrop_colours

        backdrop = backdrop_colours(image[..., :3])
    texture, known = photo_texture(image, lo, side, (verts, src, weights) if weights.any() else None,
                                   backdrop if proxy is not None else None, features, rim)
    uvs = ((src - lo) / side).astype(np.float32)
    local = verts.copy()
    local[:, 0] -= x0
    local[:, 1] -= y0
    bh, bw = int(y1 - y0), int(x1 - x0)

    def take(name, shape, dtype=np.float32):
        return np.empty(shape, dtype)

    # the colour alone: the render works the positions out (draw_ring)
    rgb, alpha, pos = draw_ring(np.ascontiguousarray(texture, np.float32), local, tris, uvs, bh, bw, take)
    photo = np.ascontiguousarray(image[y0:y1, x0:x1])
    lo_row, centres = np.tile(lo.astype(np.float32), (bw, 1)), pixel_centres(bh, bw, x0, y0)
    kept, moved = keep_ring_still(photo, rgb, pos, lo_row, centres, take)
    if filled_out is not None:
        filled_out[y0:y1, x0:x1] = ring_filled(known, local, tris, uvs, src, (x0, y0), bh, bw) * moved[..., 0]
    if moving_out is not None:
        moving_out[y0:y1, x0:x1] = alpha * moved[..., 0]
    out = image.copy()
    # The outer ring does not move, so the band's edge already matches the photo: 1 px of feather.
    out[y0:y1, x0:x1] = ops.composite(photo, kept, alpha, 1)
    if hold is not None:   # the held hand stays in the photo (occluder.RingHold)
        box = np.ascontiguousarray(out[y0:y1, x0:x1])
        out[y0:y1, x0:x1] = hold_ring(box, np.ascontiguousarray(image[..., :3]), *hold, pos, lo_row, centres, alpha,
                                       moved, take)
    return out
