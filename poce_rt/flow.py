"""Facial flows: the mesh motion between two face states, rendered into image space by `interpolate`.

Two flows feed the flow-guided systems:

* **Facial flow** (F3A-GAN Sec. III-A): the 3D motion target mesh minus source mesh (x, y, z per
  vertex) rendered at the *source's* pose, one channel per axis, where the nearer surface wins (the
  rasterizer's depth test). Pixels the source mesh does not cover hold 0 and mask 0. The paper
  writes the difference the other way round (x_s - x_t); the sign is a convention the network learns.
* **Motion flow** (GaFET Sec. 3.1, "Flow"): the image-space 2D motion that deforms source features
  into the target's geometry. It is a *backward* flow, defined on the target's pixels: for each pixel
  the target mesh covers, the offset (source x, y minus target x, y) to where the same surface point
  lies in the source, which is what grid sampling needs (out(p) = in(p + flow(p))). 0 elsewhere
  (an identity warp off the face).

Where the meshes come from: the papers reconstruct them with a 3DMM regressor (F3A-GAN: BFM) and
EMOCA + FLAME (GaFET). None of these is available here. The engine's own geometry stands in: the
tracker's 468-vertex mesh of the source (its canonical-frame shape and similarity pose, poce_rt.fit)
and the linear expression rig (poce_rt.rig) that moves that shape by a relative 52-d blendshape code.
So a face state P is (shape, code, pose), the target mesh is rig(shape, code_t - code_s) posed by
pose_t, and the identity never changes between the two (as F3A-GAN's alpha_id is kept fixed).

Continuous flows (F3A-GAN Eq. 3): P_m = theta * P_s + (1 - theta) * P_t, interpolating the code and
the pose (angles, translation, scale) linearly; theta = 1 is the source (zero flow), 0 the target.

Coordinates are image pixels (x right, y down, depth: smaller = nearer), so every flow is in pixels
of the image it is rendered into (an aligned face crop for the networks); `to_network` scales them
to the [-1, 1] grid units that grid_sample and the networks use.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import ops
from .fit import Pose, pose_vertices

__all__ = ["FaceState", "lerp_states", "face_mesh", "facial_flow", "motion_flow", "geometry_map",
           "continuous_flows", "to_network", "f3a_input", "gafet_inputs"]


@dataclass(frozen=True)
class FaceState:
    """P: one face's parameters. shape [468,3] canonical-frame shape *at* `code` (the tracked one),
    code [52] blendshape scores, pose: where it sits in the image."""

    shape: np.ndarray
    code: np.ndarray
    pose: Pose


def lerp_states(p_s: FaceState, p_t: FaceState, theta: float) -> FaceState:
    """F3A-GAN Eq. 3, P_m = theta * P_s + (1 - theta) * P_t (shape kept: one identity).

    Angles are lerped as numbers: between two tracked poses of one head they differ by far less than
    the 180 degrees where that would take the long way round."""
    t = float(theta)
    if not np.isfinite(t):
        raise ValueError(f"theta must be finite, got {theta}")
    fields = ("pitch", "yaw", "roll", "tx", "ty", "scale", "tz")   # Pose's order, in float64
    a = np.array([getattr(p_s.pose, k) for k in fields], np.float64)
    b = np.array([getattr(p_t.pose, k) for k in fields], np.float64)
    m = t * a + (1 - t) * b
    code = t * np.asarray(p_s.code, np.float64) + (1 - t) * np.asarray(p_t.code, np.float64)
    return FaceState(p_s.shape, code.astype(np.float32), Pose(*(float(v) for v in m)))


def face_mesh(shape, source_code, code, pose: Pose, rig=None) -> np.ndarray:
    """The source identity's shape moved by the rig from its own code to `code`, posed -> [468,3] float32."""
    from .rig import load_rig

    rig = rig or load_rig()
    rel = np.asarray(code, np.float32) - np.asarray(source_code, np.float32)
    return pose_vertices(rig.apply(shape, rel), pose)


def _tris():
    from .facemodel import load_face_model

    return np.ascontiguousarray(load_face_model().tris, np.int32)


def _check_pair(src, tgt):
    src = np.ascontiguousarray(src, np.float32)
    tgt = np.ascontiguousarray(tgt, np.float32)
    if src.ndim != 2 or src.shape[1] != 3 or src.shape != tgt.shape:
        raise ValueError(f"expected two [N,3] meshes of one topology, got {src.shape} and {tgt.shape}")
    if not (np.isfinite(src).all() and np.isfinite(tgt).all()):
        raise ValueError("mesh vertices contain NaN or inf")
    return src, tgt


def facial_flow(src_verts, tgt_verts, height: int, width: int, tris=None):
    """F3A-GAN's facial flow: (tgt - src) per vertex rendered at the source pose.

    src_verts, tgt_verts: [N,3] image-space meshes of one topology (default: the canonical 468 one).
    -> flow [H,W,3] float32 (dx, dy, dz in pixels), mask [H,W] float32 (1 where the source mesh is)."""
    src, tgt = _check_pair(src_verts, tgt_verts)
    tris = _tris() if tris is None else tris
    tri_id, bary, _ = ops.rasterize(src, tris, height, width)
    return ops.interpolate(np.ascontiguousarray(tgt - src), tris, tri_id, bary)


def motion_flow(src_verts, tgt_verts, height: int, width: int, tris=None):
    """GaFET's motion flow (backward, on the target's pixels): (src - tgt) x, y per vertex rendered
    at the target pose. -> flow [H,W,2] float32 in pixels, mask [H,W] float32."""
    src, tgt = _check_pair(src_verts, tgt_verts)
    tris = _tris() if tris is None else tris
    tri_id, bary, _ = ops.rasterize(tgt, tris, height, width)
    return ops.interpolate(np.ascontiguousarray(src[:, :2] - tgt[:, :2]), tris, tri_id, bary)


def geometry_map(verts, height: int, width: int, shape=None, tris=None):
    """The 3D geometry a network sees (GaFET's E_e input): the canonical-frame position of the
    surface under each pixel of `verts` (so expression shows as shape, independently of pose),
    divided by the shape's extent into about [-1, 1]. `shape` [N,3]: the canonical-frame shape
    (default: `verts` brought back by a similarity fit to the canonical mesh, poce_rt.fit).
    -> [H,W,3] float32, mask [H,W] float32."""
    verts = np.ascontiguousarray(verts, np.float32)
    if shape is None:
        from .facemodel import load_face_model
        from .fit import fit_similarity

        shape = fit_similarity(verts, load_face_model().vertices)[1]
    shape = np.asarray(shape, np.float32)
    tris = _tris() if tris is None else tris
    centre = 0.5 * (shape.max(0) + shape.min(0))
    half = max(float(0.5 * (shape.max(0) - shape.min(0)).max()), 1e-6)
    attr = np.ascontiguousarray((shape - centre) / half, np.float32)
    tri_id, bary, _ = ops.rasterize(verts, tris, height, width)
    return ops.interpolate(attr, tris, tri_id, bary)


def continuous_flows(p_s: FaceState, p_t: FaceState, thetas, height: int, width: int, to_crop=None,
                     rig=None):
    """Facial flows from P_s to each P_m (Eq. 3) for `thetas`, one per frame of an animation.

    to_crop: optional callable [N,3] image-space vertices -> [N,3] crop-pixel vertices (the crop the
    network sees; default: identity). -> list of (flow [H,W,3], mask [H,W])."""
    place = to_crop or (lambda v: v)
    src = place(face_mesh(p_s.shape, p_s.code, p_s.code, p_s.pose, rig))
    out = []
    for theta in thetas:
        m = lerp_states(p_s, p_t, theta)
        out.append(facial_flow(src, place(face_mesh(p_s.shape, p_s.code, m.code, m.pose, rig)), height, width))
    return out


def to_network(flow: np.ndarray, mask: np.ndarray, size: int) -> np.ndarray:
    """[H,W,C] pixel flow + [H,W] mask -> [C+1,H,W] float32 network input: the flow in grid units
    (2 / size per pixel, so a shift of the whole crop is 2, as grid_sample counts) and the mask
    (which tells "no motion" apart from "no face")."""
    f = np.asarray(flow, np.float32) * np.float32(2.0 / size)
    return np.concatenate([f.transpose(2, 0, 1), np.asarray(mask, np.float32)[None]], 0)


def f3a_input(src_verts, tgt_verts, size: int, tris=None) -> np.ndarray:
    """F3A-GAN's flow input [4,S,S]: the facial flow of two crop-pixel meshes in grid units + mask."""
    f, m = facial_flow(src_verts, tgt_verts, size, size, tris)
    return to_network(f, m, size)


def gafet_inputs(src_verts, tgt_verts, size: int, tris=None) -> tuple[np.ndarray, np.ndarray]:
    """GaFET's geometry [4,S,S] (the target's canonical x, y, z in [-1, 1] + mask) and motion
    [3,S,S] (backward flow in grid units + mask) of a source and a target mesh in crop pixels."""
    g, gm = geometry_map(tgt_verts, size, size, tris=tris)
    m, mm = motion_flow(src_verts, tgt_verts, size, size, tris)
    geo = np.concatenate([g.transpose(2, 0, 1), gm[None]], 0).astype(np.float32)
    return geo, to_network(m, mm, size)
