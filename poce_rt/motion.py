"""Keep the photo where nothing moves (issue 15, item 2).

The face drawn from its UV map is a resampled copy of the photo: softer, and a few levels off. Where
an edit does not move the geometry (an eye edit leaves the forehead, the hair line and the cheeks
where they were) the photo itself is the better picture, and blending the re-render there only
draws the mesh's border as an arc. So the render is blended in by how far each pixel's surface
point moved between the source and the target, in screen pixels:

    moved  = smoothstep((|target_xy - source_xy| - STILL_PX) / (MOVING_PX - STILL_PX))
    rgb'   = photo + moved * (render - photo)

and rgb' goes to the composite as before. The motion is linear over each triangle (both positions
are affine in the barycentrics), so it is exact per vertex and interpolated like the texture: the
per-vertex motion is spread over the UV layout's texels and drawn by the same `render` op, at the
same vertices, as the face. The transition then follows the motion (a wide, soft one around a
small move; none under a pose change, where everything moves), not the mesh's border.

Where the texture drawn is not the photo's own sample, the photo under it is not what the render
draws there, however little the surface moved: a pose change that reveals texels the photo saw
badly or not at all draws their fill (poce_rt.disocclusion), and a turn moves some of them by
less than a pixel (a turn's motion passes through zero on its way across the head). Those texels
count as moved by FILL_PX times their share of revealed fill (fill_moves), folded into the texel
motion the render draws. On t1.jpg's face 1 (yaw -33) turned +20, 25 px under the far eye moved
less than 0.5 px, and the photo kept there, her orange far outline where the render draws the
mirrored cheek, read as a dark tear streak. At the photo's own pose (an expression edit) no fill
is revealed and nothing changes.

All functions take NumPy or CuPy arrays and write into the buffers given (the frame loop's
workspace), so the CPU and the GPU run the same lines.
"""
from __future__ import annotations

import numpy as np

from . import ops
from .layers import widen

STILL_PX = 0.25    # below this a surface point counts as still: the photo is kept exactly
MOVING_PX = 1.0    # from this on the re-render is drawn fully
FILL_PX = 2 * MOVING_PX   # a texel all revealed fill counts as moved this far (fully drawn from half of it)
KEEP_SCALE = np.float32(1 / 255)   # keep_still's photo (uint8) -> [0, 1]


def vertex_motion(source_verts: np.ndarray, target_verts: np.ndarray) -> np.ndarray:
    """[N,3] image-space vertices at the source and at the target -> [N] float32 screen motion (px)."""
    d = np.asarray(target_verts, np.float64)[:, :2] - np.asarray(source_verts, np.float64)[:, :2]
    return np.sqrt((d * d).sum(1)).astype(np.float32)


class TexelMotion:
    """Spreads per-vertex values over a UV layout's texels (barycentric interpolation):
    [N] -> [S,S,1]. Built once per layout; `layout` may be a device layout (CuPy)."""

    def __init__(self, layout, xp=np):
        covered = layout.tri_id >= 0
        self.xp = xp
        self.vidx = xp.ascontiguousarray(layout.tris[xp.maximum(layout.tri_id, 0)])        # [S,S,3]
        self.bary = xp.ascontiguousarray(layout.bary * covered[..., None]).astype(xp.float32)  # 0 outside

    def __call__(self, values, out, work):
        """values [N] float32 -> out [S,S,1] float32; work: an [S,S,3] float32 scratch buffer."""
        xp = self.xp
        xp.take(values, self.vidx, out=work)
        xp.multiply(work, self.bary, out=work)
        ops.channel_sum(work, out)
        return out


def fill_moves(motion, fill, out):
    """out [S,S,1] float32 = max(motion, FILL_PX * fill): the texel motion [S,S,1] (px) with the
    revealed fill [S,S,1] (revealed.revealed_fill; RevealedTexture.fill) counted as moved.
    NumPy or CuPy, nothing allocated; out: a buffer of its own (not motion, not fill)."""
    xp = ops.array_module(out)
    xp.multiply(fill, np.float32(FILL_PX), out=out)
    xp.maximum(motion, out, out=out)
    return out


def moved_weight(motion, out, work):
    """[...] motion in px -> `out` = smoothstep weight in [0,1] (0 below STILL_PX, 1 from
    MOVING_PX); `work`: a scratch buffer of out's shape."""
    xp = ops.array_module(out)
    xp.subtract(motion, np.float32(STILL_PX), out=out)
    xp.multiply(out, np.float32(1.0 / (MOVING_PX - STILL_PX)), out=out)
    xp.clip(out, 0.0, 1.0, out=out)
    xp.multiply(out, out, out=work)                 # t^2
    xp.multiply(out, np.float32(-2.0), out=out)
    xp.add(out, np.float32(3.0), out=out)           # 3 - 2t
    xp.multiply(out, work, out=out)
    return out


def hold(moved, held, fill, out, work):
    """out [h,w,1] float32 = moved * (1 - held * fill): the render's revealed fill is not drawn
    where the photo shows something held in front of it (poce_rt.occluder: a hand over the face's
    outline stays in the photo). moved [h,w,1] moved_map's weight (out may be it), held [h,w,1]
    the photo's share held over the face's box (occluder_map's), fill [h,w,1] the render's share
    of revealed fill (fill_moves' fill drawn like the face); work: an [h,w,1] float32 scratch
    buffer. NumPy or CuPy, nothing allocated; returns out."""
    xp = ops.array_module(out)
    xp.multiply(held, fill, out=work)
    xp.subtract(np.float32(1.0), work, out=work)
    xp.multiply(moved, work, out=out)
    return out


def keep_still(photo, rgb, moved, out, work, wide=None):
    """out [h,w,3] float32 = photo/255 + moved * (rgb - photo/255): the render only where it moved.
    photo [h,w,3] uint8, rgb [h,w,3] float32 in [0,1], moved [h,w,1] float32; work: [h,w,3]
    float32 scratch; wide: [h,w,3] float32 scratch for moved on every channel (host, layers.widen;
    None: allocated)."""
    xp = ops.array_module(out)
    xp.multiply(photo, KEEP_SCALE, out=work)
    xp.subtract(rgb, work, out=out)
    xp.multiply(out, widen(moved, 3, wide), out=out)
    xp.add(out, work, out=out)
    return out


def pixel_centres(height: int, width: int, x0: int = 0, y0: int = 0) -> np.ndarray:
    """[h,w,2] float32: each pixel's centre (x0 + j + 0.5, y0 + i + 0.5) in the photo's pixels,
    the position a pixel that does not move reads (read_motion)."""
    out = np.empty((int(height), int(width), 2), np.float32)
    out[..., 0] = np.arange(int(width), dtype=np.float32)[None, :] + np.float32(x0 + 0.5)
    out[..., 1] = np.arange(int(height), dtype=np.float32)[:, None] + np.float32(y0 + 0.5)
    return out


def read_motion(pos, offset, centres, out, work):
    """out [h,w,1] float32 = |pos + offset - centres|: how far (px) from itself each pixel of a
    warp drawn with the photo's positions (surround.draw_ring's pos [h,w,2] float32, relative to
    offset [w,2] float32, the same (x, y) on each row: an array on pos's device, a per-step input
    a CUDA graph reads; a row, not a [2], keeps NumPy's inner loop w*2 long, 10x faster) reads the
    photo; centres [h,w,2] float32: the pixels' own (pixel_centres). A warp is piecewise affine,
    so this is its motion at each pixel, exact, where vertex_motion is the face's per vertex.
    work: an [h,w,2] float32 scratch buffer. NumPy or CuPy, nothing allocated; returns out."""
    xp = ops.array_module(out)
    xp.add(pos, offset, out=work)
    xp.subtract(work, centres, out=work)
    xp.multiply(work, work, out=work)
    ops.channel_sum(work, out)
    xp.sqrt(out, out=out)
    return out


def motion_texture(texels: TexelMotion, vmotion, take):
    """The per-vertex motion vmotion [N] spread over the texels -> [S,S,1] float32 (the texture
    moved_map draws). take(name, shape) -> a float32 buffer."""
    s = texels.vidx.shape[0]
    return texels(vmotion, take("motion.texels", (s, s, 1)), take("motion.work", (s, s, 3)))


def moved_map(texels: TexelMotion, vmotion, verts, tris, uvs, height: int, width: int, take,
              stream=None, workspace=None, fill=None):
    """The `moved` weight [h,w,1] float32 of a face drawn with `verts` (offset to an h x w box):
    the per-vertex motion `vmotion` [N] spread over the texels (motion_texture; with the revealed
    fill [S,S,1] counted, fill_moves, where given), rendered like the face, and weighted
    (moved_weight). take(name, shape) -> a float32 buffer (the loop's workspace, or fresh arrays)."""
    tex = motion_texture(texels, vmotion, take)
    if fill is not None:
        tex = fill_moves(tex, fill, take("motion.fill_moves", tex.shape))
    moved = take("face.moved", (height, width, 1))
    ops.render(tex, verts, tris, uvs, height, width, stream=stream,
               out=(moved, take("face.moved_alpha", (height, width))), workspace=workspace)
    return moved_weight(moved, moved, take("face.moved_work", (height, width, 1)))
