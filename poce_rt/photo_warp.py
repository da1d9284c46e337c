"""The photo's own pixels in the face render, read once (issue 15: a turned face was softer than
the photo around it).

A texel the photo saw holds the photo read bilinearly at the texel's position (stages.sample_face);
the render reads the UV map bilinearly again at each output pixel: two resamplings, each a
low-pass. A 350 px face drawn through a 256 map (Image_with_alpha.png turned -25) kept two thirds
of the photo's fine detail (Laplacian rms 11.3 against the photo's 17), a 100 px one more of it.
Where the drawn texel is the photo's own sample (not fill), the render reads the photo once
instead, at that texel's photo position (a backward warp): a second texture of positions and
weights, P = (x, y, w), is drawn by the same render op as the face, and

    rgb' = rgb + w * (photo(x, y) - rgb)        (photo read bilinearly)

w: each texel's share of the photo's own sample in the texture drawn at the pose: the texels the
photo saw, less the fill a pose change reveals there (poce_rt.disocclusion's share of fill), less
the darkened mouth gap (the weight-free mouth). A texture the networks edited is not the photo's:
nothing is read there. The same array code runs on NumPy and CuPy, into caller-given buffers
(a frame loop's workspace: nothing is allocated per step on the GPU).
"""
from __future__ import annotations

import cv2
import numpy as np

from . import ops
from .complete import nearest_known
from .disocclusion import texel_positions
from .layers import widen
from .motion import TexelMotion


def lookup_positions(verts: np.ndarray, layout: ops.UVLayout, spread: TexelMotion | None = None) -> np.ndarray:
    """[N,3] image-space vertices of the mesh the photo was sampled with -> [S,S,2] float32: the
    photo array position (column, row) each texel was read at (sample_uv reads pixel centres at
    vertex coordinates i + 0.5); beyond the layout, its nearest texel's, so that a bilinear read
    at the border stays within a texel of it (an average, push-pull, put the lips' border texels
    halfway across the open mouth: a dark line along the lips)."""
    pos = texel_positions(np.asarray(verts, np.float32), layout, spread) - np.float32(0.5)
    return np.ascontiguousarray(nearest_known(pos, layout.coverage), np.float32)


def own_share(mask: np.ndarray, uv_filled: np.ndarray) -> np.ndarray:
    """[S,S] float32: each texel's share of the photo's own sample in the texture drawn at one
    pose. mask [S,S] the sampled visibility, uv_filled [S,S] the share of fill at that pose
    (revealed.fill_share)."""
    return ((np.asarray(mask) >= 0.5) * (1.0 - np.asarray(uv_filled, np.float32))).astype(np.float32)


MOUTH_MARGIN = 2   # texels around the mouth's opening where the photo is not read either


def outside_mouth(gap: np.ndarray | None, size: int) -> np.ndarray:
    """[S,S,1] float32: 0 on the mouth's opening (gap [S,S] bool, the texels between the lips,
    which poce_rt.mouth draws over) and MOUTH_MARGIN texels around it, 1 elsewhere (gap None: 1
    everywhere). The opening is a sliver of the map stretched over the open mouth: read from the
    photo, it and the lips' inner border drew a dark line along the lower lip where the mouth's
    card ends."""
    if gap is None:
        return np.ones((size, size, 1), np.float32)
    k = 2 * MOUTH_MARGIN + 1
    near = cv2.dilate(np.asarray(gap, np.uint8).reshape(size, size), np.ones((k, k), np.uint8)) > 0
    return (~near).astype(np.float32)[..., None]


def lookup_texture(positions: np.ndarray, own: np.ndarray) -> np.ndarray:
    """[S,S,2] positions + [S,S] (or [S,S,1]) weights -> [S,S,3] float32 P = (x, y, w), the
    texture keep_photo reads (drawn by the face's render)."""
    own = np.asarray(own, np.float32).reshape(positions.shape[:2] + (1,))
    return np.ascontiguousarray(np.concatenate([positions, own], -1), np.float32)


def keep_photo(rgb, drawn, image, take):
    """rgb [h,w,3] float32 face render, in place: the photo's own pixels where the drawn texels
    are the photo's (module docstring). drawn [h,w,3]: lookup_texture drawn by the same render;
    image [H,W,3] uint8 the photo; take(name, shape, dtype) -> a scratch buffer (a Workspace's
    take). NumPy or CuPy. Returns rgb."""
    xp = ops.array_module(rgb)
    hh, ww = int(image.shape[0]), int(image.shape[1])
    if hh < 2 or ww < 2:
        return rgb
    if xp is np and max(hh, ww) < REMAP_MAX:
        return _keep_photo_host(rgb, drawn, image, take)
    return keep_photo_arrays(rgb, drawn, image, take)


def keep_photo_arrays(rgb, drawn, image, take):
    """keep_photo (same arguments, photo at least 2x2) in array code: CuPy's path, one kernel
    per line, graph-capturable (no host sync); on NumPy the reference the host path is tested
    against."""
    xp = ops.array_module(rgb)
    hh, ww = int(image.shape[0]), int(image.shape[1])
    shape = tuple(rgb.shape[:2])
    x, y = take("pw.x", shape, np.float32), take("pw.y", shape, np.float32)
    x0, y0 = take("pw.x0", shape, np.float32), take("pw.y0", shape, np.float32)
    # positions clamped into the photo, the cell's corner at most one pixel in from the far edge
    xp.clip(drawn[..., 0], 0.0, ww - 1, out=x)
    xp.clip(drawn[..., 1], 0.0, hh - 1, out=y)
    xp.floor(x, out=x0)
    xp.minimum(x0, np.float32(ww - 2), out=x0)
    xp.floor(y, out=y0)
    xp.minimum(y0, np.float32(hh - 2), out=y0)
    xp.subtract(x, x0, out=x)   # fx in [0, 1]
    xp.subtract(y, y0, out=y)   # fy
    idx = take("pw.idx", shape, np.int64)
    xp.multiply(y0, np.float32(ww), out=y0)
    xp.add(y0, x0, out=y0)
    xp.copyto(idx, y0, casting="unsafe")   # exact: a frame has far fewer than 2^24 pixels
    flat = image.reshape(-1, 3)
    corner = take("pw.corner", shape + (3,), np.uint8)
    acc = take("pw.acc", shape + (3,), np.float32)
    part = take("pw.part", shape + (3,), np.float32)
    wt = take("pw.wt", shape, np.float32)
    x1, y1 = take("pw.x1", shape, np.float32), take("pw.y1", shape, np.float32)
    xp.subtract(np.float32(1.0), x, out=x1)   # 1 - fx
    xp.subtract(np.float32(1.0), y, out=y1)
    at = take("pw.at", shape, np.int64)
    acc[...] = 0.0
    for dy, dx in ((0, 0), (0, 1), (1, 0), (1, 1)):
        # the corner's bilinear weight (fx or 1 - fx) * (fy or 1 - fy)
        xp.multiply(x if dx else x1, y if dy else y1, out=wt)
        xp.add(idx, dy * ww + dx, out=at)
        xp.take(flat, at, axis=0, out=corner)
        xp.multiply(corner, wt[..., None], out=part)
        xp.add(acc, part, out=acc)
    _mix(xp, rgb, acc, drawn[..., 2], wt)
    return rgb


def _mix(xp, rgb, acc, w, wt, wide=None):
    """rgb += w * (photo / 255 - rgb), in place: acc [h,w,3] float32 the photo read at the
    drawn positions (0..255, overwritten), w [h,w] the drawn weights (clipped into [0, 1]),
    wt [h,w] float32 scratch; wide: [h,w,3] float32 scratch for wt on every channel (host,
    layers.widen; None: allocated)."""
    xp.multiply(acc, np.float32(1.0 / 255.0), out=acc)
    xp.subtract(acc, rgb, out=acc)
    xp.clip(w, 0.0, 1.0, out=wt)
    xp.multiply(acc, widen(wt[..., None], 3, wide), out=acc)
    xp.add(rgb, acc, out=rgb)


REMAP_MAX = 32767   # cv2.remap reads images under this many rows and columns


def _keep_photo_host(rgb, drawn, image, take):
    """keep_photo on the host (same arguments, NumPy): the array code's four-corner gather, a
    pass per corner through full-box temporaries, took 1.6 ms of a single_face.jpg frame loop
    step, this 0.7 (cv2.remap, one pass). OpenCV's bilinear read of a float32 image at float positions is exact
    (float weights, not its 1/32 pixel fixed-point grid, which a uint8 image gets), so only the
    photo's rows and columns that the weighted pixels read are converted to float32, and the
    pixels around them are left alone (weight 0: rgb unchanged, bit for bit, as there)."""
    hh, ww = int(image.shape[0]), int(image.shape[1])
    on = drawn[..., 2] > 0
    rows, cols = np.flatnonzero(on.any(1)), np.flatnonzero(on.any(0))
    if rows.size == 0:
        return rgb
    box = np.s_[int(rows[0]):int(rows[-1]) + 1, int(cols[0]):int(cols[-1]) + 1]
    part, on = drawn[box], on[box]
    shape = part.shape[:2]

    def scratch(name, channels):
        # a view of a buffer the size of the whole render: a frame loop's steady state
        # allocates nothing however the weighted part's box changes
        n = shape[0] * shape[1] * channels
        return take(name, (drawn.shape[0] * drawn.shape[1] * channels,), np.float32)[:n].reshape(shape + (channels,))

    x, y, acc = scratch("pw.x", 1)[..., 0], scratch("pw.y", 1)[..., 0], scratch("pw.acc", 3)
    np.clip(part[..., 0], 0.0, ww - 1, out=x)
    np.clip(part[..., 1], 0.0, hh - 1, out=y)
    # the photo's cell corners the weighted pixels read: a window of it, 2 px past the far ones,
    # in a photo-sized buffer (untouched pages of it are never mapped)
    xs, ys = x[on], y[on]
    x0, y0 = int(xs.min()), int(ys.min())
    x1, y1 = min(int(xs.max()) + 2, ww), min(int(ys.max()) + 2, hh)
    window = take("pw.photo", (hh, ww, 3), np.float32)[y0:y1, x0:x1]
    np.copyto(window, image[y0:y1, x0:x1])
    x -= np.float32(x0)
    y -= np.float32(y0)
    # beyond the window (weight-0 pixels only) and at its far edge (a zero corner weight): its
    # edge pixels, finite
    cv2.remap(window, x, y, cv2.INTER_LINEAR, dst=acc, borderMode=cv2.BORDER_REPLICATE)
    _mix(np, rgb[box], acc, part[..., 2], x, scratch("pw.wide", 3))   # rgb[box]: a view, written in place
    return rgb
