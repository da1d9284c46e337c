"""Several textures of one mesh drawn by one host render.

Rasterizing is most of a host render (1.5 of a 1.6 ms render of single_face.jpg's face, with 3
channels or 6), and render draws each channel of a texture as a render of that channel alone
would, bit for bit (the same triangle and barycentrics win each pixel whatever the texture). So
the textures a frame draws with the same vertices (the face's colour, the photo lookup of
poce_rt.photo_warp, the texel motion of poce_rt.motion) are stacked channel-wise and drawn once.
OpenCV moves the channels in and out (cv2.merge, cv2.mixChannels: 5x faster than NumPy's strided
copies of a [256,256,3] map into a wider one). render_layers takes host arrays only (the frame
loop's device path renders each texture on its own); copy_channels and widen (one channel onto
several, for NumPy's slow broadcasts) take either.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from . import ops


def render_layers(layers, verts, tris, uvs, height: int, width: int, take, name: str = "layers",
                  alpha=None, outs=None):
    """layers: [S,S,C_i] float32 textures -> (list of [h,w,C_i] float32 drawn layers, alpha [h,w]).
    verts [N,3] (offset to the h x w box), tris, uvs as ops.render's. take(name, shape) -> a
    float32 buffer (a frame loop's workspace, or fresh arrays); `name` prefixes the ones it
    takes. alpha: the coverage's buffer (None: taken). outs: None, or per layer a C-contiguous
    [h,w,C_i] buffer the drawn layer is copied into (None: a view of one drawn buffer)."""
    counts = [int(layer.shape[2]) for layer in layers]
    s, total = int(layers[0].shape[0]), sum(counts)
    stacked = take(f"{name}.texture", (s, s, total))
    cv2.merge([np.ascontiguousarray(layer, np.float32) for layer in layers], dst=stacked)
    drawn = take(f"{name}.drawn", (height, width, total))
    alpha = take(f"{name}.alpha", (height, width)) if alpha is None else alpha
    ops.render(stacked, verts, tris, uvs, height, width, out=(drawn, alpha))
    out, first = [], 0
    for k, c in enumerate(counts):
        dst = None if outs is None else outs[k]
        if dst is None:
            out.append(drawn[..., first:first + c])
        else:
            out.append(copy_channels(drawn, first, dst))
        first += c
    return out, alpha


def copy_channels(src, first: int, out):
    """out [h,w,C] (C-contiguous) = src[..., first:first + C] of a C-contiguous [h,w,C'] buffer
    (a drawn stack of layers): cv2.mixChannels on the host, a strided copy on the device.
    Returns out."""
    c = int(out.shape[2])
    if ops.is_device_array(src):
        out[...] = src[..., first:first + c]
    else:
        cv2.mixChannels([src], [out], [v for j in range(c) for v in (first + j, j)])
    return out


def widen(x, channels: int, out=None):
    """x [...,1] on `channels` channels, for a same-shape multiply: NumPy's multiply of [...,C] by
    a broadcast [...,1] walks C elements per inner loop, 10x the cost of a same-shape one
    ([330,256,3]: 0.23 against 0.02 ms; cv2.merge 0.02). Host: cv2.merge into out ([...,C]
    float32, C-contiguous; None: allocated), returns it; device: returns x (broadcasts are cheap
    there, and nothing is allocated)."""
    if ops.is_device_array(x):
        return x
    out = np.empty(x.shape[:-1] + (channels,), np.float32) if out is None else out
    c = int(channels)
    n = math.prod(out.shape[:-1])
    cv2.merge([np.ascontiguousarray(x).reshape(n, 1, 1)] * c, dst=out.reshape(n, 1, c))
    return out


def mix_into(base, target, weight):
    """base [h,w,C] uint8 moved towards target [h,w,C] float32 (levels, 0-255) by weight (same
    shape, or broadcasting), in place and rounded: base + weight * (target - base). target is a
    work buffer: it is overwritten. NumPy or CuPy, nothing allocated. Returns base."""
    xp = ops.array_module(base)
    xp.subtract(target, base, out=target)
    xp.multiply(target, weight, out=target)
    xp.add(target, base, out=target)
    xp.add(target, np.float32(0.5), out=target)
    xp.clip(target, 0.0, 255.0, out=target)
    xp.copyto(base, target, casting="unsafe")   # truncates: rounded by the 0.5 above
    return base
