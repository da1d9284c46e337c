"""The texture drawn at a pose (issue 15, item 1): how far a pose change reveals each vertex (reveal,
PoseReveal), the photo's texture and the fill (poce_rt.disocclusion.fill_unreliable) mixed by it
(revealed_texture; RevealedTexture for a frame loop), and the share of fill that shows (fill_share,
revealed_fill, filled_pixels).

At the photo's own pose the photo texture is right: every texel is drawn where it was read, so
the far eye of a three-quarter view blinks as the photo showed it. A pose change reveals texels
that turn towards the camera: per vertex, r = smoothstep of the facing cosine it gains (the
source's rigid shape at the target pose against the photo's; an expression alone gains nothing),
spread over the texels like poce_rt.motion's motion, and the texture drawn is

    photo + r * (fill - photo)

with r * filled (all of it on texels the photo did not see) its share of fill. The fill is shaded
at the target pose (poce_rt.shading: it falls off towards the new outline as the turned skin's
normal does; revealed_texture's `shaded`). Drawn at the target
pose and weighted by the render's coverage and `moved`, that share is the [H,W] map of output
pixels whose colour came from filled texels (EditResult.filled).
"""
from __future__ import annotations

import numpy as np

from . import ops
from .complete import smoothstep
from .far_light import far_gain, far_share, photo_read
from .fit import Pose, pose_vertices
from .layers import widen

REVEAL_LO, REVEAL_HI = 0.02, 0.15   # facing cosine gained by a pose change: none .. fully revealed
SHADE_RATIO = (0.45, 1.6)       # the fill's shading ratio at a pose (poce_rt.shading), clipped to this
SHADE_EPS = 1e-3                # the anchor's shade, floored (a ratio follows)


def vertex_normals(verts: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """[N,3] image-space vertices -> [N,3] float32 unit normals (the area-weighted sum of each
    vertex's triangles' normals; (0, 0, -1) faces the camera)."""
    v = np.asarray(verts, np.float64)
    t = np.asarray(tris, np.int64)
    n = np.cross(v[t[:, 1]] - v[t[:, 0]], v[t[:, 2]] - v[t[:, 0]])
    acc = np.zeros_like(v)
    for k in range(3):
        np.add.at(acc, t[:, k], n)
    return (acc / np.maximum(np.linalg.norm(acc, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def vertex_facing(verts: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """[N,3] image-space vertices -> [N] float32 facing cosine of each vertex's normal (the
    area-weighted sum of its triangles' normals; 1 = facing the camera, as facing_cosine)."""
    return -vertex_normals(verts, tris)[:, 2]


def reveal(source_facing: np.ndarray, target_verts: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """[N] how far a pose change reveals each vertex: smoothstep of how much more it faces the
    camera at the target than in the photo (REVEAL_LO..REVEAL_HI of facing cosine). source_facing:
    vertex_facing of the source's rigid shape at its own pose; target_verts [N,3]: the same shape
    at the target pose (so an expression alone reveals nothing). -> [N] float32 in [0,1]."""
    gain = vertex_facing(target_verts, tris) - np.asarray(source_facing, np.float32)
    return smoothstep(gain, REVEAL_LO, REVEAL_HI).astype(np.float32)


class PoseReveal:
    """reveal() of a source's rigid shape at any target pose, the source's side computed once.
    posed: [468,3] image-space vertices -> [N,3] of the drawn mesh (stages.Geometry.posed); tris
    [F,3] its triangles; shape [468,3] canonical; source_pose: the photo's."""

    def __init__(self, posed, tris: np.ndarray, shape: np.ndarray, source_pose: Pose):
        self.posed, self.tris, self.shape = posed, tris, shape
        self.source_facing = vertex_facing(posed(pose_vertices(shape, source_pose)), tris)

    def __call__(self, target_pose: Pose) -> np.ndarray:
        """-> [N] float32 in [0,1]."""
        return reveal(self.source_facing, self.posed(pose_vertices(self.shape, target_pose)), self.tris)


def revealed_texture(photo, fill_minus_photo, revealed, out, shaded=None, light=None, work=None):
    """out [S,S,3] = photo + revealed * (fill - photo): the texture drawn at one pose. photo,
    fill_minus_photo [S,S,3], revealed [S,S,1] (reveal spread over the texels); NumPy or CuPy.
    shaded: None, or (normal [S,S,4], anchor [S,S,4], gain [S,S,3], own [S,S,1]) of a
    poce_rt.shading FillShading, with light [4] (FillShading.light at the pose): the fill is
    shaded at the pose,

        ratio = min(clip((normal . light) / (anchor . light), RATIO), max(1, (normal . light) / own))
        fill' = fill + gain * (ratio - 1)

    (brighter than its anchor only as far as the turn brings the texel itself more light than
    the photo's pose did, own being its shade there; own None: no such bound).
    work: (w [S,S], shade [S,S,1], anchor_shade [S,S,1], wide [S,S,3], gained [S,S,1]) scratch
    buffers (None: allocated). Any leading shape works in place of [S,S] (the frame loop passes [K] texels).
    On the host the [S,S,1] factors are widened to three channels first (layers.widen: a
    broadcast multiply is 10x slower there), the same products bit for bit."""
    xp = ops.array_module(out)
    lead = out.shape[:-1]
    if work is None:
        work = (xp.empty(lead, xp.float32), xp.empty(lead + (1,), xp.float32),
                xp.empty(lead + (1,), xp.float32), xp.empty(lead + (3,), xp.float32),
                xp.empty(lead + (1,), xp.float32))
    w, shade, at_anchor, wide, gained = work
    if shaded is None:
        xp.multiply(fill_minus_photo, widen(revealed, 3, wide), out=out)
        xp.add(out, photo, out=out)
        return out
    normal, anchor, gain, own = shaded
    ops.channel_dot(normal, light, shade, w)
    ops.channel_dot(anchor, light, at_anchor, w)
    xp.maximum(at_anchor, SHADE_EPS, out=at_anchor)
    if own is not None:
        xp.divide(shade, own, out=gained)
        xp.maximum(gained, 1.0, out=gained)
    xp.divide(shade, at_anchor, out=shade)
    xp.clip(shade, SHADE_RATIO[0], SHADE_RATIO[1], out=shade)
    if own is not None:
        xp.minimum(shade, gained, out=shade)
    xp.subtract(shade, 1.0, out=shade)
    xp.multiply(gain, widen(shade, 3, wide), out=out)
    xp.add(out, fill_minus_photo, out=out)
    xp.multiply(out, widen(revealed, 3, wide), out=out)
    xp.add(out, photo, out=out)
    return out


class RevealedTexture:
    """revealed_texture for a frame loop: the texture at each step's pose in one buffer of its own,
    rewritten only on the texels where the fill differs from the photo's texture (the untrusted
    and hidden ones, a fraction of the map), with fixed shapes (CUDA graphs replay them).

    photo, fill: [S,S,3] host textures (disocclusion.fill_unreliable); layout: the host UV layout; xp: NumPy
    or CuPy (arrays are put there once); shading: None or a poce_rt.shading.FillShading (the
    fill shaded at each step's pose: its light is passed to each call); seen_filled: None, or
    (mask [S,S] the sampled visibility, filled [S,S] disocclusion.fill_unreliable's share of fill): then `own`
    [S,S,1] holds each texel's share of the photo's own sample in the texture at each call's pose
    (poce_rt.photo_warp; photo_warp.own_share of fill_share), and `fill` [S,S,1] the share of
    fill the pose revealed (revealed_fill's, which poce_rt.motion counts as motion)."""

    def __init__(self, photo: np.ndarray, fill: np.ndarray, layout: ops.UVLayout, xp=np, shading=None,
                 seen_filled=None):
        s = layout.size
        diff = (np.asarray(fill, np.float32) - np.asarray(photo, np.float32)).reshape(-1, 3)
        changes = np.any(diff != 0, axis=1)
        if shading is not None:   # a texel the photo did not see is its fill: shading changes it
            changes |= np.any(shading.gain.reshape(-1, 3) != 0, axis=1)
        far = None if shading is None else shading.far
        if far is not None:   # a texel the far light relights (poce_rt.far_light) changes with the pose
            changes |= far.gate.reshape(-1) > 0
        if seen_filled is not None:   # a texel with a share of fill: its revealed fill (and own share) changes
            seen = (np.asarray(seen_filled[0]) >= 0.5).reshape(-1)
            filled = np.asarray(seen_filled[1], np.float32).reshape(-1)
            changes |= filled > 0
        idx = np.flatnonzero(changes & (layout.tri_id.reshape(-1) >= 0))
        self.xp = xp
        self.idx = xp.asarray(idx.astype(np.int64))
        # the texels' channels in the flat texture: a 1-D scatter (NumPy's scatter of [K,3] rows
        # into [S*S,3] cost 4x more)
        self.idx3 = xp.asarray((idx.astype(np.int64)[:, None] * 3 + np.arange(3)).reshape(-1))
        tri = layout.tri_id.reshape(-1)[idx]
        self.vidx = xp.asarray(np.ascontiguousarray(layout.tris[tri], np.int32))        # [K,3]
        self.bary = xp.asarray(np.ascontiguousarray(layout.bary.reshape(-1, 3)[idx], np.float32))
        self.photo = xp.asarray(np.ascontiguousarray(photo, np.float32).reshape(-1, 3)[idx])
        self.diff = xp.asarray(np.ascontiguousarray(diff[idx]))
        # a copy of its own: the scatter below writes into it (asarray would alias a NumPy photo)
        self.texture = xp.array(np.asarray(photo, np.float32).reshape(s, s, 3), copy=True)
        k = len(idx)
        self._w, self._r, self._vals = (xp.empty((k, 3), xp.float32), xp.empty((k, 1), xp.float32),
                                        xp.empty((k, 3), xp.float32))
        self.shaded = None if shading is None else tuple(
            None if m is None else xp.asarray(np.ascontiguousarray(m.reshape(-1, m.shape[-1])[idx], np.float32))
            for m in (shading.normal, shading.anchor, shading.gain, shading.own))
        self._work = (xp.empty(k, xp.float32), xp.empty((k, 1), xp.float32), xp.empty((k, 1), xp.float32),
                      xp.empty((k, 3), xp.float32), xp.empty((k, 1), xp.float32))
        self.far = None
        if far is not None:   # (phi, own, gate) of the far light on the texels, and the gain's buffers
            self.far = tuple(xp.asarray(np.ascontiguousarray(m.reshape(-1, m.shape[-1])[idx], np.float32))
                             for m in (far.phi, far.own, far.gate)) + (xp.asarray(far.tint), far.full)
            self._far_share, self._far_gain = xp.empty((k, 1), xp.float32), xp.empty((k, 3), xp.float32)
            self._far_work = (xp.empty((k, 1), xp.float32), xp.empty((k, 1), xp.float32))
        self.own = self.fill = None
        if seen_filled is not None:
            self.own = xp.asarray(np.ascontiguousarray(seen.reshape(s, s, 1), np.float32))
            self.fill = xp.zeros((s, s, 1), xp.float32)
            self._own_seen = xp.asarray(np.ascontiguousarray(seen[idx].reshape(-1, 1), np.float32))
            self._own_filled = xp.asarray(np.ascontiguousarray(filled[idx].reshape(-1, 1), np.float32))
            self._own_vals = xp.empty((k, 1), xp.float32)

    def __call__(self, reveal_values, light=None, far_light=None):
        """reveal_values [N] float32 (reveal(), on xp), light [4] (FillShading.light, on xp; with
        a shading), far_light [11,3] (FarLight.light, on xp; with a shading's far light) -> the
        [S,S,3] texture buffer at that pose."""
        xp = self.xp
        if len(self._w):
            xp.take(reveal_values, self.vidx, out=self._w)
            xp.multiply(self._w, self.bary, out=self._w)
            ops.channel_sum(self._w, self._r)
            revealed_texture(self.photo, self.diff, self._r, self._vals, self.shaded, light, self._work)
            if self.far is not None:   # relit, the photo's texels with the fill (stages.texture_at's)
                phi, own, gate, tint, full = self.far
                far_share(gate, far_light, self._far_share)
                far_gain(phi, own, far_light, tint, full, self._far_share, self._far_gain, self._far_work)
                xp.multiply(self._vals, self._far_gain, out=self._vals)
            self.texture.reshape(-1)[self.idx3] = self._vals.reshape(-1)
            if self.own is not None:   # filled * r (fill), seen * (1 - filled * r) (own)
                xp.multiply(self._own_filled, self._r, out=self._own_vals)
                self.fill.reshape(-1)[self.idx] = self._own_vals.reshape(-1)
                xp.subtract(np.float32(1.0), self._own_vals, out=self._own_vals)
                xp.multiply(self._own_vals, self._own_seen, out=self._own_vals)
                if self.far is not None:   # the relit texels are the texture's (stages.far_read)
                    xp.multiply(self._own_vals, photo_read(self._far_gain, self._far_work[0]), out=self._own_vals)
                self.own.reshape(-1)[self.idx] = self._own_vals.reshape(-1)
        return self.texture


def fill_share(filled: np.ndarray, mask: np.ndarray, revealed: np.ndarray) -> np.ndarray:
    """[S,S] share of fill in the texture drawn at one pose: filled where a pose change revealed
    the texel (revealed [S,S] or [S,S,1]), all of it where the photo did not see the texel."""
    r = np.asarray(revealed, np.float32).reshape(filled.shape)
    return np.where(mask >= 0.5, filled * r, filled).astype(np.float32)


def revealed_fill(filled: np.ndarray, revealed: np.ndarray, coverage: np.ndarray) -> np.ndarray:
    """[S,S,1] float32 share of fill that a pose change revealed in the texture drawn at one pose:
    filled [S,S] (disocclusion.fill_unreliable's) times revealed [S,S,1] (reveal spread over the texels), on
    the layout's coverage [S,S] bool. Unlike fill_share, none at the photo's own pose: what the
    photo did not see is then drawn only where the photo shows something else (RevealedTexture.fill
    is the same, bit for bit)."""
    f = np.where(coverage, np.asarray(filled, np.float32), np.float32(0.0))[..., None]
    return (f * np.asarray(revealed, np.float32).reshape(f.shape)).astype(np.float32)


def filled_pixels(uv_filled: np.ndarray, verts: np.ndarray, layout: ops.UVLayout, weight: np.ndarray) -> np.ndarray:
    """The [h,w] float32 map of how much of each output pixel's colour came from filled texels:
    uv_filled [S,S] (disocclusion.fill_unreliable) drawn with the face's [N,3] vertices (in the h x w frame of
    `weight`) by the same `render` op as the face, times `weight` [h,w] (the render's share of the
    output there: coverage times poce_rt.motion's `moved`). Rendered over the vertices' box only."""
    h, w = weight.shape
    out = np.zeros((h, w), np.float32)
    x0, y0 = np.maximum(np.floor(verts[:, :2].min(0)).astype(int) - 1, 0)
    x1, y1 = np.minimum(np.ceil(verts[:, :2].max(0)).astype(int) + 2, (w, h))
    if x1 <= x0 or y1 <= y0:
        return out
    local = np.ascontiguousarray(verts, np.float32).copy()
    local[:, 0] -= x0
    local[:, 1] -= y0
    tex = np.ascontiguousarray(uv_filled, np.float32)[..., None]
    rgb, _ = ops.render(tex, local, layout.tris, layout.uvs, int(y1 - y0), int(x1 - x0))
    out[y0:y1, x0:x1] = np.clip(rgb[..., 0], 0.0, 1.0) * weight[y0:y1, x0:x1]
    return out
