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
in front of everything read from a rasterization, over the box of the TILE_PX tiles those pixels
lie in, of only the triangles that may cover one of them (whose box spans a SELECT_PX cell holding
one: a rasterization costs what its triangles cover, not its box).

Against a render of 4x4 samples a pixel (the coverage and the texture filtered over each pixel),
the pixels about the occlusion edges of six faces turned +-25 err by 1.54 levels where one sample
a pixel erred by 2.05 (a rasterization of the edges' whole box, pairs of pixels found by their
depth jump: 1.72). A frame loop step at 640x480 (one face turned +20) plans it in ~0.3 ms warm,
~0.6 ms within the step on the busy 2-core dev machine (that rasterization: ~1.8 ms there); of
that ~1/3 is the depth test's rasterization, the rest ~160 Python-level calls (NumPy's own
overhead per call: a gather by np.take is ~10x cheaper than fancy indexing of rows).
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
# the triangles rasterized are those whose box spans a cell of this many pixels holding one of the
# pixels read (a power of two: each vertex's cell is exact); a rasterization costs what its
# triangles cover, and cells of 2 px draw ~30% fewer than the tiles of 8 px (the same depths)
SELECT_PX = 2


class EdgeCover(NamedTuple):
    """at [K] int64 flat pixel indices in the render's box, near [K] / far [K] the pixels whose
    colours they mix, share [K,1] float32 the nearer surface's share."""

    at: np.ndarray
    near: np.ndarray
    far: np.ndarray
    share: np.ndarray


class Adjacency(NamedTuple):
    """A mesh's interior edges and the index arrays a step gathers by, in rows (a gather by one
    index array is one call, each row of what it returns contiguous): ends [3,M] each edge's two
    vertex ids and the vertex of faces[0] off it, faces [2,M] the two triangles on each edge,
    corners [3,F] each triangle's vertex ids (a gather of each corner is ~10x cheaper than
    NumPy's reductions over a [F,3,2] array), tris [F,3] int32 (what the rasterizer reads)."""

    ends: np.ndarray
    faces: np.ndarray
    corners: np.ndarray
    tris: np.ndarray


def _adjacent(t: np.ndarray) -> Adjacency:
    e = np.concatenate([t[:, [0, 1]], t[:, [1, 2]], t[:, [2, 0]]])
    third = np.concatenate([t[:, 2], t[:, 0], t[:, 1]])
    face = np.tile(np.arange(len(t)), 3)
    key = np.sort(e, 1)
    order = np.lexsort((key[:, 1], key[:, 0]))
    key, e, third, face = key[order], e[order], third[order], face[order]
    pair = np.flatnonzero((key[1:] == key[:-1]).all(1))   # an interior edge: rows pair and pair + 1
    return Adjacency(np.stack([e[pair, 0], e[pair, 1], third[pair]]), np.stack([face[pair], face[pair + 1]]),
                     np.ascontiguousarray(t.T), np.ascontiguousarray(t, np.int32))


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


def fold_edges(verts: np.ndarray, adj: Adjacency) -> Folds | None:
    """verts [N,3] posed vertices, the mesh's Adjacency -> its Folds (None: no edge folds)."""
    # x + iy (the pairs of a float64 copy read as complex: what x + 1j * y sums, but for the sign
    # of a zero coordinate, which no test or sum below tells apart)
    xy = verts[:, :2].astype(np.float64).view(np.complex128)[:, 0]
    a, b, c = xy[adj.corners]
    facing = ((b - a) * np.conj(c - a)).imag > 0
    one, other = facing[adj.faces]
    fold = (one != other).nonzero()[0]
    if len(fold) == 0:
        return None
    ends = adj.ends[:, fold]
    (start, end, third), (z, z_end) = xy[ends], verts[ends[:2], 2]
    step = end - start
    length = np.maximum(np.abs(step), 1e-9)
    unit = step / length
    side = np.where(((third - start) * np.conj(unit)).imag > 0, 1.0, -1.0)
    return Folds(start, unit, length, side, z, z_end - z)


# the 2 x 2 pixel centres nearest a point, from the one up and left of it (x + iy)
_QUAD = np.array([0, 1, 1j, 1 + 1j])


def _beside(folds: Folds, height: int, width: int):
    """The pixels whose centres the fold edges pass within half a pixel of, each once, by its
    nearest edge -> (x, y) int64, that edge's index, the signed distance (+ on the nearer
    surface's side) and the edge's depth at the point nearest the pixel centre."""
    # points along each edge a pixel apart or less: a centre within half a pixel of the edge lies
    # within 0.71 px on each axis of one of them, among the 2 x 2 centres nearest it
    count = np.ceil(folds.length).astype(np.int64) + 1
    k = np.arange(len(count)).repeat(count)   # edge by edge, point by point
    at = np.arange(len(k)) - (count.cumsum() - count).repeat(count)
    spaced = folds.unit * (folds.length / np.maximum(count - 1, 1))
    pts = folds.start[k] + spaced[k] * at
    # the centres as x + iy (half-integers: exact whichever way they are summed)
    corner = (np.floor(pts.view(np.float64) - 0.5) + 0.5).view(np.complex128)
    centre = (corner[:, None] + _QUAD).ravel()
    k = k.repeat(4)
    # the centre in the edge's frame: along it from its start (real), across it (imag)
    rel = (centre - folds.start[k]) * np.conj(folds.unit)[k]
    along = np.minimum(np.maximum(rel.real, 0.0), folds.length[k])
    gap = np.abs(rel - along)
    cx, cy = centre.real, centre.imag
    keep = ((gap < 0.5) & (cx > 0) & (cy > 0) & (cx < width) & (cy < height)).nonzero()[0]
    x, y = (cx[keep] - 0.5).astype(np.int64), (cy[keep] - 0.5).astype(np.int64)
    flat = y * width + x
    order = np.lexsort((gap[keep], flat))
    flat = flat[order]
    first = order[np.concatenate(([True], flat[1:] != flat[:-1]))]
    at = keep[first]
    k = k[at]
    return (x[first], y[first], k, rel.imag[at] * folds.side[k],
            folds.z[k] + folds.dz[k] * (along[at] / folds.length[k]))


def _depth_at(verts: np.ndarray, adj: Adjacency, xs: np.ndarray, ys: np.ndarray, height: int, width: int):
    """The rasterized depth (inf off the mesh) at pixels (xs, ys), from a rasterization over the
    box of the TILE_PX tiles they lie in of only the triangles that may cover one of them."""
    tx, ty = xs // TILE_PX, ys // TILE_PX
    x0, y0 = int(tx.min()) * TILE_PX, int(ty.min()) * TILE_PX
    w, h = min((int(tx.max()) + 1) * TILE_PX, width) - x0, min((int(ty.max()) + 1) * TILE_PX, height) - y0
    # the SELECT_PX cells of the box holding a pixel, in a summed-area table: sums[i, j] the
    # cells at rows < i, columns < j
    cols, rows = -(-w // SELECT_PX), -(-h // SELECT_PX)
    grid = np.zeros((rows, cols), np.uint8)
    xs, ys = xs - x0, ys - y0
    grid[ys // SELECT_PX, xs // SELECT_PX] = 1
    sums = cv2.integral(grid).ravel()
    # the cells each triangle's box spans (those holding a pixel centre it may cover), from each
    # vertex's (the floor of a min is the min of the floors; a power of two divides exactly), as
    # the columns and the rows (flat offsets in the table) its triangles' spans start and end at;
    # the least start and the greatest end of each triangle's corners
    cell = np.floor((verts[:, :2] - 0.5) / SELECT_PX).astype(np.int64) - (x0 // SELECT_PX, y0 // SELECT_PX)
    ends = np.concatenate([cell, cell + 1], 1)
    np.minimum(np.maximum(ends, 0, out=ends), (cols, rows, cols, rows), out=ends)
    ends *= (1, cols + 1, 1, cols + 1)
    a, b, c = np.take(ends, adj.corners, 0)
    (lx, ly), (hx, hy) = np.minimum(np.minimum(a, b), c).T[:2], np.maximum(np.maximum(a, b), c).T[2:]
    over = sums.take(hy + hx) - sums.take(ly + hx) - sums.take(hy + lx) + sums.take(ly + lx)
    _, _, depth = ops.rasterize(verts - np.float32([x0, y0, 0]), adj.tris[over > 0], h, w)
    return depth[ys, xs]   # +inf where no triangle is drawn


def edge_cover(verts: np.ndarray, tris: np.ndarray, height: int, width: int) -> EdgeCover | None:
    """verts [N,3] the render's posed vertices in its box (x, y px, pixel centres at +0.5; depth,
    smaller = nearer), tris [F,3], the box's height x width -> the EdgeCover of the face's own
    occlusion edges there (module docstring), or None where there are none."""
    v = np.asarray(verts, np.float32)
    adj = adjacency(tris)
    folds = fold_edges(v, adj)
    if folds is None:
        return None
    height, width = int(height), int(width)
    x, y, k, d, z = _beside(folds, height, width)
    # the 4-neighbour across the edge, along its normal's longer axis (the normal towards the
    # nearer surface: i * unit * side, so its x is -unit.y * side and its y unit.x * side); the
    # far side lies + along that axis where the normal's component there and d differ in sign
    ux, uy = folds.unit.real, folds.unit.imag
    along_x = np.abs(uy) >= np.abs(ux)
    toward = np.where(along_x, -uy, ux) * folds.side
    step = np.where(toward[k] * d < 0, 1, -1)
    along_x = along_x[k]
    qx, qy = x + step * along_x, y + step * ~along_x
    ok = ((qx >= 0) & (qy >= 0) & (qx < width) & (qy < height)).nonzero()[0]
    if len(ok) == 0:
        return None
    x, y, qx, qy, d, z = x[ok], y[ok], qx[ok], qy[ok], d[ok], z[ok]
    depth = _depth_at(v, adj, np.concatenate([x, qx]), np.concatenate([y, qy]), height, width)
    on_near = d > 0
    at_p, at_q = depth[:len(x)], depth[len(x):]
    zn, zf = np.where(on_near, at_p, at_q), np.where(on_near, at_q, at_p)
    jump = EDGE_JUMP * float(v[:, 2].max() - v[:, 2].min())
    # the edge is seen (the near pixel shows its surface) over another surface of the face
    with np.errstate(invalid="ignore"):   # inf - inf off the mesh
        seen = ((zf < np.inf) & (zf - zn > jump) & (zn <= z + 0.5 * jump) & (zf >= z + 0.5 * jump)).nonzero()[0]
    if len(seen) == 0:
        return None
    p, q, on_near = (y * width + x)[seen], (qy * width + qx)[seen], on_near[seen]
    return EdgeCover(p, np.where(on_near, p, q), np.where(on_near, q, p),
                     np.minimum(np.maximum(0.5 + d[seen], 0.0), 1.0).astype(np.float32)[:, None])


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
