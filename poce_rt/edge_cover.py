"""Coverage of the face's own occlusion edges (issue 15: a turned nose's far edge was stair-stepped).

The render draws one sample a pixel for the colour (its coverage, alpha, antialiases only the
outline against what lies outside the mesh), so where the face covers itself (a nose turned over
the far cheek, a chin over its own underside) each pixel along the edge is wholly the nearer
surface or wholly the farther one: a staircase.

Here each pixel the edge passes within half a pixel of gets the share of it the nearer surface
covers, from the projected fold edge's signed distance d to the pixel centre (a box filter across
a straight edge: 0.5 + d), and its colour is that mix of the nearer surface's pixel and the
farther one's across the edge (its 4-neighbour along the edge normal's longer axis):

    rgb[p] = share * rgb[near] + (1 - share) * rgb[far]

Only those pixels change (a blur of the edge's surroundings moved the far eye beside a turned nose
bridge, and the face's identity with it). The plan is worked out on the host from the posed
vertices alone, before the render (stages.render_face and the frame loop alike: the same pixels,
bit for bit), and applied by array code on NumPy or CuPy. It costs what the edges cover, not the
face: the mesh's fold edges (between a triangle facing the camera and one facing away) from an
edge adjacency kept per mesh, the pixels beside them found analytically (in the edge's frame, as
complex numbers: a few dozen array ops whatever the face's size), and the depth test that tells
which of them lie over another surface of the face (not the backdrop: the outline has its
coverage; not the same surface past a small pleat at an eyelid or a lip, which a test on the
render's coverage alone let through, 2-3x the pixels and worse than one sample a pixel there) and
in front of everything read from a rasterization of only the triangles over the TILE_PX tiles
those pixels lie in.

Against a render of 4x4 samples a pixel (the coverage and the texture filtered over each pixel),
the pixels about the occlusion edges of six faces turned +-25 err by 1.54 levels where one sample
a pixel erred by 2.05 (a rasterization of the edges' whole box, pairs of pixels found by their
depth jump: 1.72). A frame loop step at 640x480 (one face turned +20) plans it in ~0.4 ms warm,
0.8-0.9 ms within the step on the busy 2-core dev machine (that rasterization: ~1.8 ms there).
"""
from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from . import ops

# a neighbour farther by this share of the mesh's depth range is another surface (a nose's far
# edge over the cheek: ~25% at -25; across one pixel of a smooth surface <2%)
EDGE_JUMP = 0.05
# the depth is read in tiles of this many pixels about the edge pixels: the triangles over no such
# tile are not rasterized (a rasterization costs what its triangles cover)
TILE_PX = 8
# the frame loop's device buffers hold this many edge pixels (a fixed size a CUDA graph replays)
EDGE_CAPACITY = 8192


class EdgeCover(NamedTuple):
    """at [K] int64 flat pixel indices in the render's box, near [K] / far [K] the pixels whose
    colours they mix, share [K,1] float32 the nearer surface's share."""

    at: np.ndarray
    near: np.ndarray
    far: np.ndarray
    share: np.ndarray


class Adjacency(NamedTuple):
    """A mesh's interior edges: ends [M,2] vertex ids, faces [M,2] the two triangles on them,
    third [M] the vertex of faces[:, 0] off the edge; corners [3,F] each triangle's vertex ids
    (a gather of each corner is ~10x cheaper than NumPy's reductions over a [F,3,2] array)."""

    ends: np.ndarray
    faces: np.ndarray
    third: np.ndarray
    corners: np.ndarray


def _adjacent(t: np.ndarray) -> Adjacency:
    e = np.concatenate([t[:, [0, 1]], t[:, [1, 2]], t[:, [2, 0]]])
    third = np.concatenate([t[:, 2], t[:, 0], t[:, 1]])
    face = np.tile(np.arange(len(t)), 3)
    key = np.sort(e, 1)
    order = np.lexsort((key[:, 1], key[:, 0]))
    key, e, third, face = key[order], e[order], third[order], face[order]
    pair = np.flatnonzero((key[1:] == key[:-1]).all(1))   # an interior edge: rows pair and pair + 1
    return Adjacency(e[pair], np.stack([face[pair], face[pair + 1]], 1), third[pair], np.ascontiguousarray(t.T))


# the adjacency of the index arrays seen, by identity (a frame loop passes its mesh's every step:
# hashing its bytes cost ~15 us a step); each array is held, so its id is not reused
_ADJACENCY: dict[int, tuple[np.ndarray, Adjacency]] = {}
_ADJACENCY_KEPT = 8


def adjacency(tris: np.ndarray) -> Adjacency:
    """The interior edges of the mesh `tris` [F,3] (worked out once an index array; an array
    rewritten in place is not seen again)."""
    kept = _ADJACENCY.get(id(tris))
    if kept is not None and kept[0] is tris:
        return kept[1]
    adj = _adjacent(np.asarray(tris, np.int64))
    if len(_ADJACENCY) >= _ADJACENCY_KEPT:
        _ADJACENCY.clear()
    _ADJACENCY[id(tris)] = (tris, adj)
    return adj


class Folds(NamedTuple):
    """The fold edges of a posed mesh (those between a triangle facing the camera and one facing
    away), E of them, in the image plane as complex numbers x + iy: start [E], unit direction
    [E], length [E], side [E] +1 / -1 where the folded, nearer surface lies left / right of the
    direction (both triangles lie on that side), depth at the start [E] and its change to the end."""

    start: np.ndarray
    unit: np.ndarray
    length: np.ndarray
    side: np.ndarray
    z: np.ndarray
    dz: np.ndarray


def fold_edges(verts: np.ndarray, adj: Adjacency) -> Folds:
    """verts [N,3] posed vertices, the mesh's Adjacency -> its Folds."""
    xy = verts[:, 0] + 1j * verts[:, 1].astype(np.float64)
    a, b, c = (xy[i] for i in adj.corners)
    facing = ((b - a) * np.conj(c - a)).imag > 0
    fold = np.flatnonzero(facing[adj.faces[:, 0]] != facing[adj.faces[:, 1]])
    (i, j), third = adj.ends[fold].T, adj.third[fold]
    start, step = xy[i], xy[j] - xy[i]
    length = np.maximum(np.abs(step), 1e-9)
    unit = step / length
    side = np.where(((xy[third] - start) * np.conj(unit)).imag > 0, 1.0, -1.0)
    return Folds(start, unit, length, side, verts[i, 2], verts[j, 2] - verts[i, 2])


def _beside(folds: Folds, height: int, width: int):
    """The pixels whose centres the fold edges pass within half a pixel of, each once, by its
    nearest edge -> (x, y) int64, that edge's index, the signed distance (+ on the nearer
    surface's side) and the edge's depth at the point nearest the pixel centre."""
    # points along each edge a pixel apart or less: a centre within half a pixel of the edge lies
    # within 0.71 px on each axis of one of them, among the 2 x 2 centres nearest it
    count = np.ceil(folds.length).astype(np.int64) + 1
    k = np.repeat(np.arange(len(count)), count)
    at = np.arange(len(k)) - np.repeat(np.cumsum(count) - count, count)
    pts = folds.start[k] + folds.unit[k] * (folds.length / (count - 1).clip(1))[k] * at
    k = np.repeat(k, 4)
    x = (np.floor(pts.real - 0.5).astype(np.int64)[:, None] + (0, 1, 0, 1)).ravel()
    y = (np.floor(pts.imag - 0.5).astype(np.int64)[:, None] + (0, 0, 1, 1)).ravel()
    # the centre in the edge's frame: along it from its start (real), across it (imag)
    rel = (x + 0.5 + 1j * (y + 0.5) - folds.start[k]) * np.conj(folds.unit[k])
    along = np.clip(rel.real, 0.0, folds.length[k])
    gap = np.abs(rel - along)
    keep = np.flatnonzero((gap < 0.5) & (x >= 0) & (y >= 0) & (x < width) & (y < height))
    flat = (y * width + x)[keep]
    order = np.lexsort((gap[keep], flat))
    first = keep[order[np.concatenate(([True], flat[order][1:] != flat[order][:-1]))]]
    k = k[first]
    return (x[first], y[first], k, rel.imag[first] * folds.side[k],
            folds.z[k] + folds.dz[k] * (along[first] / folds.length[k]))


def _depth_at(verts: np.ndarray, tris: np.ndarray, adj: Adjacency, xs: np.ndarray, ys: np.ndarray,
              height: int, width: int):
    """The rasterized depth (inf off the mesh) at pixels (xs, ys), from a rasterization of only the
    triangles over the TILE_PX tiles they lie in, over those tiles' box."""
    tx, ty = xs // TILE_PX, ys // TILE_PX
    x0, y0, x1, y1 = int(tx.min()), int(ty.min()), int(tx.max()) + 1, int(ty.max()) + 1
    grid = np.zeros((y1 - y0 + 1, x1 - x0 + 1), np.uint8)
    grid[ty - y0 + 1, tx - x0 + 1] = 1
    sums = cv2.integral(grid)[1:, 1:]   # [i, j]: the tiles at rows <= i, columns <= j
    # the tiles each triangle's box spans (those holding a pixel centre it may cover), looked up
    # in the occupancy grid's summed-area table
    a, b, c = (verts[i, :2] for i in adj.corners)
    lo = np.floor((np.minimum(np.minimum(a, b), c) - 0.5) / TILE_PX).astype(np.int64) - (x0, y0)
    hi = np.floor((np.maximum(np.maximum(a, b), c) - 0.5) / TILE_PX).astype(np.int64) - (x0, y0) + 1
    (lx, ly), (hx, hy) = np.clip(lo, 0, (x1 - x0, y1 - y0)).T, np.clip(hi, 0, (x1 - x0, y1 - y0)).T
    over = sums[hy, hx] - sums[ly, hx] - sums[hy, lx] + sums[ly, lx]
    bx0, by0 = x0 * TILE_PX, y0 * TILE_PX
    tri, _, depth = ops.rasterize(verts - np.float32([bx0, by0, 0]), np.asarray(tris, np.int32)[over > 0],
                                  min(y1 * TILE_PX, height) - by0, min(x1 * TILE_PX, width) - bx0)
    at = (ys - by0, xs - bx0)
    return np.where(tri[at] >= 0, depth[at], np.inf)


def edge_cover(verts: np.ndarray, tris: np.ndarray, height: int, width: int) -> EdgeCover | None:
    """verts [N,3] the render's posed vertices in its box (x, y px, pixel centres at +0.5; depth,
    smaller = nearer), tris [F,3], the box's height x width -> the EdgeCover of the face's own
    occlusion edges there (module docstring), or None where there are none."""
    v = np.asarray(verts, np.float32)
    adj = adjacency(tris)
    folds = fold_edges(v, adj)
    if len(folds.start) == 0:
        return None
    x, y, k, d, z = _beside(folds, int(height), int(width))
    # the 4-neighbour across the edge, along its normal's longer axis (the normal towards the
    # nearer surface: i * unit * side)
    normal = 1j * folds.unit[k] * folds.side[k]
    along_x = np.abs(normal.real) >= np.abs(normal.imag)
    ahead = np.where(along_x, normal.real, normal.imag) * d < 0   # the far side lies + along that axis
    step = np.where(ahead, 1, -1)
    qx, qy = x + step * along_x, y + step * ~along_x
    ok = np.flatnonzero((qx >= 0) & (qy >= 0) & (qx < width) & (qy < height))
    if len(ok) == 0:
        return None
    x, y, qx, qy, d, z = x[ok], y[ok], qx[ok], qy[ok], d[ok], z[ok]
    depth = _depth_at(v, tris, adj, np.concatenate([x, qx]), np.concatenate([y, qy]), int(height), int(width))
    on_near = d > 0
    at_p, at_q = depth[:len(x)], depth[len(x):]
    zn, zf = np.where(on_near, at_p, at_q), np.where(on_near, at_q, at_p)
    jump = EDGE_JUMP * float(v[:, 2].max() - v[:, 2].min())
    # the edge is seen (the near pixel shows its surface) over another surface of the face
    with np.errstate(invalid="ignore"):   # inf - inf off the mesh
        seen = np.flatnonzero((zf < np.inf) & (zf - zn > jump) & (zn <= z + 0.5 * jump) & (zf >= z + 0.5 * jump))
    if len(seen) == 0:
        return None
    p, q, on_near = (y * width + x)[seen], (qy * width + qx)[seen], on_near[seen]
    return EdgeCover(p, np.where(on_near, p, q), np.where(on_near, q, p),
                     np.clip(0.5 + d[seen], 0.0, 1.0).astype(np.float32)[:, None])


def shade_edges(rgb, cover: EdgeCover | None, take=None):
    """rgb [h,w,C] float32 (NumPy or CuPy; C-contiguous), in place: each edge pixel of `cover`
    (arrays on rgb's device) the mix of its near and far pixels. take(name, shape) -> a float32
    scratch buffer (a frame loop's workspace; None: fresh arrays). Returns rgb."""
    if cover is None:
        return rgb
    xp = ops.array_module(rgb)
    take = take or (lambda name, shape: xp.empty(shape, np.float32))
    flat = rgb.reshape(-1, rgb.shape[2])
    shape = (int(cover.at.shape[0]), int(rgb.shape[2]))
    near, far = take("edge.near", shape), take("edge.far", shape)
    xp.take(flat, cover.near, axis=0, out=near)   # gathered before any pixel is written
    xp.take(flat, cover.far, axis=0, out=far)
    xp.subtract(near, far, out=near)
    xp.multiply(near, cover.share, out=near)
    xp.add(near, far, out=near)
    flat[cover.at] = near
    return rgb


def padded(cover: EdgeCover | None, capacity: int = EDGE_CAPACITY) -> EdgeCover:
    """cover in arrays of `capacity` entries (a CUDA graph's fixed buffers): the first ones
    cover's (those past the capacity dropped), the rest pixel 0 mixed with itself (left as it
    is: the render's box has the feather's margin about the mesh, no edge there)."""
    k = 0 if cover is None else min(len(cover.at), capacity)
    at, near, far = (np.zeros(capacity, np.int64) for _ in range(3))
    share = np.ones((capacity, 1), np.float32)
    if k:
        at[:k], near[:k], far[:k], share[:k] = (a[:k] for a in cover)
    return EdgeCover(at, near, far, share)
