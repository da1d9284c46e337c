"""Drawing the mouth's inside: the interior mesh (poce_rt.mouth.mesh) textured with its card,
blended over a face render by how much of it shows: on the host over the mouth's box only, on
the GPU on a frame loop step's stream into its workspace. Arrays in, nothing read from the photo
here (poce_rt.mouth.photo builds what it draws).
"""
from __future__ import annotations

import numpy as np

__all__ = ["draw_interior"]


def draw_interior(rgb, card, verts, tris, uvs, amount, take, stream=None, workspace=None):
    """Blend the mouth's inside over a face render, in place: rgb += amount * coverage * (mouth - rgb).
    rgb [h,w,3] float32 (NumPy or CuPy), card [T,T,3], verts [R*C,3] offset to rgb's box, tris,
    uvs (interior_*), amount: a [1] float32 array (0 = closed, 1 = all mouth); take(name, shape)
    -> a float32 buffer. Returns rgb."""
    from .. import ops

    from ..layers import widen

    xp = ops.array_module(rgb)
    h, w = rgb.shape[:2]
    out, rgb_size = rgb, h * w
    if xp is np:
        # on the host, drawn and blended over the mouth's box only (the render covers nothing
        # beyond it): its vertices moved by the box's whole-pixel corner, which float32 does
        # exactly (the corner lies at or left of them), so the same pixels come out bit for bit
        # without the face box's clears and coverage passes (a 78x24 box instead of 244x199:
        # 0.15 -> 0.075 ms alone; in a frame loop the card's scattered texel reads dominate)
        v = np.asarray(verts, np.float32)
        if np.isfinite(v).all():
            x0, y0 = np.clip(np.floor(v[:, :2].min(0)).astype(int) - 1, 0, (w, h))
            x1, y1 = np.clip(np.ceil(v[:, :2].max(0)).astype(int) + 2, (x0, y0), (w, h))
        else:
            x0, y0, x1, y1 = 0, 0, w, h
        if x1 <= x0 or y1 <= y0:
            return out
        rgb = rgb[y0:y1, x0:x1]
        local = take("mouth.verts", (len(v) * 3,)).reshape(v.shape)
        np.subtract(v, np.array([x0, y0, 0], np.float32), out=local)
        # (the first bytes of buffers the size of the face render: the box changes, they do not)
        h, w = y1 - y0, x1 - x0
        mouth = take("mouth.rgb", (rgb_size * 3,))[:h * w * 3].reshape(h, w, 3)
        cover = take("mouth.alpha", (rgb_size,))[:h * w].reshape(h, w, 1)
        ops.render(card, local, tris, uvs, h, w, out=(mouth, cover.reshape(h, w)))
    else:
        mouth, cover = take("mouth.rgb", (h, w, 3)), take("mouth.alpha", (h, w, 1))
        ops.render(card, verts, tris, uvs, h, w, stream=stream, out=(mouth, cover.reshape(h, w)),
                   workspace=workspace)
    xp.multiply(cover, amount, out=cover)
    xp.subtract(mouth, rgb, out=mouth)
    wide = take("mouth.wide", (rgb_size * 3,))[:mouth.size].reshape(mouth.shape) if xp is np else None
    xp.multiply(mouth, widen(cover, 3, wide), out=mouth)
    xp.add(rgb, mouth, out=rgb)
    return out
