"""The rasterizer's and render's row runs (common.h edge_run: each row's covered pixels found from
where the edges cross it, not by a scan of the triangle's box) against an exact float32 emulation
of the per-pixel test the scan applies: the same pixels, bit for bit, on long slanted triangles,
slivers, wedges, edges through pixel centres (the fill rule's ties) and a fan; and render's
one-texel, fixed-channel and `positions` paths against its general one."""
import numpy as np
import pytest

from poce_rt import ops

F = np.float32
SAMPLES = ((0.375, 0.125), (0.875, 0.375), (0.625, 0.875), (0.125, 0.625))   # render.h subsample_x / _y


def edge(ax, ay, bx, by):
    """common.h make_edge, in float32: (ox, oy, dx, dy, sign, tl)."""
    flip = (ax > bx) | ((ax == bx) & (ay > by))
    ox, oy = np.where(flip, bx, ax), np.where(flip, by, ay)
    dx = np.where(flip, ax, bx) - np.where(flip, bx, ax)
    dy = np.where(flip, ay, by) - np.where(flip, by, ay)
    sign = np.where(flip, F(-1), F(1))
    tl = ((by - ay == 0) & (bx - ax > 0)) | (by - ay < 0)
    return ox, oy, dx, dy, sign, tl


def setup(verts, tri):
    """common.h setup_shape for one triangle: (edges, z, inv_area, swapped) or None."""
    a, b, c = (verts[i] for i in tri)
    if not np.isfinite(np.concatenate([a, b, c])).all():
        return None
    ox, oy, dx, dy, sign, _ = edge(a[0], a[1], b[0], b[1])
    area = sign * (dx * (c[1] - oy) - dy * (c[0] - ox))
    if area == 0 or not np.isfinite(area):
        return None
    swapped = area < 0
    v1, v2 = (c, b) if swapped else (b, c)
    edges = [edge(v1[0], v1[1], v2[0], v2[1]), edge(v2[0], v2[1], a[0], a[1]), edge(a[0], a[1], v1[0], v1[1])]
    return edges, (a[2], v1[2], v2[2]), F(1) / np.abs(area)


def cover(s, px, py):
    """common.h cover at float32 points: (inside and finite depth, depth)."""
    edges, (z0, z1, z2), inv_area = s
    w, ok = [], True
    for ox, oy, dx, dy, sign, tl in edges:
        v = sign * (dx * (py - oy) - dy * (px - ox))
        ok = ok & ((v > 0) | ((v == 0) & tl))
        w.append(v)
    with np.errstate(all="ignore"):
        z = (w[0] * z0 + w[1] * z1 + w[2] * z2) * inv_area
    return ok & np.isfinite(z), z


def ordered(z):
    u = z.astype(F).view(np.uint32)
    return np.where(u & 0x80000000, ~u, u | 0x80000000).astype(np.uint64)


def ceil_i(v):
    return int(np.ceil(v))


def emulate(verts, tris, h, w):
    """The rasterizer's triangle ids and render's coverage (alpha) as the per-pixel scan gives them."""
    verts = np.asarray(verts, F)
    word = np.full((h, w), np.iinfo(np.uint64).max, np.uint64)
    ys, xs = np.mgrid[0:h, 0:w]
    px, py = xs.astype(F) + F(0.5), ys.astype(F) + F(0.5)
    shapes = [setup(verts, t) for t in tris]
    for t, s in enumerate(shapes):
        if s is None:
            continue
        v = verts[tris[t]]
        lo, hi = v[:, :2].min(0), v[:, :2].max(0)   # setup_tri's box of pixel centres
        if hi[0] < 0 or hi[1] < 0 or lo[0] > w or lo[1] > h:
            continue
        x0, y0 = max(ceil_i(max(lo[0] - F(0.5), F(-1))), 0), max(ceil_i(max(lo[1] - F(0.5), F(-1))), 0)
        x1 = min(int(np.floor(min(hi[0] - F(0.5), F(w)))), w - 1)
        y1 = min(int(np.floor(min(hi[1] - F(0.5), F(h)))), h - 1)
        if x0 > x1 or y0 > y1:
            continue
        box = (slice(y0, y1 + 1), slice(x0, x1 + 1))
        ok, z = cover(s, px[box], py[box])
        wd = (ordered(z) << np.uint64(32)) | np.uint64(t)
        sub = word[box]
        sub[ok] = np.minimum(sub[ok], wd[ok])
    tri_id = np.where(word == np.iinfo(np.uint64).max, -1, (word & np.uint64(0xffffffff)).astype(np.int64))
    # render's coverage over the mesh's box: interior pixels full, the others' four sub-samples tested
    fin = verts[np.isfinite(verts).all(1), :2]
    pix = lambda v, n: int(np.floor(min(max(v, F(-1)), F(n))))
    bx0, by0 = max(pix(fin[:, 0].min(), w), 0), max(pix(fin[:, 1].min(), h), 0)
    bx1, by1 = min(pix(fin[:, 0].max(), w) + 1, w), min(pix(fin[:, 1].max(), h) + 1, h)
    alpha = np.zeros((h, w), F)
    covered = tri_id >= 0
    bits = np.zeros((h, w), np.uint8)
    for t, s in enumerate(shapes):
        if s is None:
            continue
        v = verts[tris[t]]
        x0, x1 = max(pix(v[:, 0].min(), bx1), bx0), min(pix(v[:, 0].max(), bx1), bx1 - 1)
        y0, y1 = max(pix(v[:, 1].min(), by1), by0), min(pix(v[:, 1].max(), by1), by1 - 1)
        if x0 > x1 or y0 > y1:
            continue
        box = (slice(y0, y1 + 1), slice(x0, x1 + 1))
        for k, (sx, sy) in enumerate(SAMPLES):
            ok, _ = cover(s, xs[box].astype(F) + F(sx), ys[box].astype(F) + F(sy))
            bits[box] |= ok.astype(np.uint8) << k
    inner = np.zeros((h, w), bool)
    c = covered[by0:by1, bx0:bx1]
    if c.shape[0] >= 3 and c.shape[1] >= 3:
        inner[by0 + 1:by1 - 1, bx0 + 1:bx1 - 1] = np.all(
            [c[1 + dy:c.shape[0] - 1 + dy, 1 + dx:c.shape[1] - 1 + dx] for dy in (-1, 0, 1) for dx in (-1, 0, 1)], 0)
    count = np.unpackbits(bits[..., None], axis=-1).sum(-1).astype(F)
    a = np.where(inner, F(1), count * F(0.25))
    a = np.where(covered, np.maximum(a, F(0.25)), a)
    alpha[by0:by1, bx0:bx1] = a[by0:by1, bx0:bx1]
    return tri_id.astype(np.int32), alpha


def slanted(rng, n, h, w, z_spread=50.0):
    """Long, thin, slanted triangles and wedges across the frame (the ring's and the fan's shapes),
    some vertices on pixel centres and edges (ties) and some past the frame."""
    verts = []
    for _ in range(n):
        p = rng.uniform([-10, -10], [w + 10, h + 10])
        d = rng.normal(size=2)
        d *= rng.uniform(20, 2 * max(h, w)) / np.linalg.norm(d)
        q = p + d
        r = p + rng.uniform(0.02, 1.0) * d + rng.normal(size=2) * rng.choice([0.05, 1.0, 6.0])
        tri = np.stack([p, q, r])
        if rng.uniform() < 0.3:   # on pixel centres / corners: the fill rule's ties along the rows
            tri = np.round(tri * 2) / 2
        verts.extend(np.column_stack([tri, rng.uniform(-z_spread, z_spread, 3)]))
    return np.asarray(verts, F), np.arange(3 * n, dtype=np.int32).reshape(-1, 3)


def fan(rng, h, w, k=36):
    """The head proxy's under-face fan: a centre to an oval, the first k triangles degenerate."""
    c = np.array([w / 2 + rng.uniform(-3, 3), h / 2 + rng.uniform(-3, 3)])
    ang = np.linspace(0, 2 * np.pi, k, endpoint=False) + rng.uniform(0, 0.1)
    oval = c + np.column_stack([0.4 * w * np.cos(ang), 0.45 * h * np.sin(ang)]) * rng.uniform(0.9, 1.1, (k, 1))
    verts = np.zeros((2 * k, 3), F)
    verts[:k, :2], verts[k:, :2] = c, oval
    tris = []
    for i in range(k):   # poce_rt.surround band order: (inner i, inner i+1, outer i), (inner i+1, outer i+1, outer i)
        j = (i + 1) % k
        tris += [[i, j, k + i], [j, k + j, k + i]]
    return verts, np.asarray(tris, np.int32)


CASES = [("slanted", s) for s in range(6)] + [("fan", s) for s in range(3)]


@pytest.mark.parametrize("kind,seed", CASES)
def test_runs_draw_what_the_scan_draws(kind, seed):
    rng = np.random.default_rng(seed)
    h, w = 97, 131
    verts, tris = slanted(rng, 40, h, w) if kind == "slanted" else fan(rng, h, w)
    ref_id, ref_alpha = emulate(verts, tris, h, w)
    assert (ref_id >= 0).mean() > 0.05 and ((ref_alpha > 0) & (ref_alpha < 1)).sum() > 50
    tri_id, _, _ = ops.rasterize(verts, tris, h, w)
    np.testing.assert_array_equal(tri_id, ref_id)
    _, alpha = ops.render(np.ones((1, 1, 1), F), verts, tris, np.zeros((len(verts), 2), F), h, w)
    np.testing.assert_array_equal(alpha, ref_alpha)


def test_runs_past_the_coordinate_limit_scan():
    # vertices past common.h kRunMaxCoord: those triangles are scanned, the same pixels
    verts = np.array([[-3e7, 10.3, 1], [40.7, 60.2, 1], [90.1, 20.9, 1], [5, 5, 2], [120, 30, 2], [60, 90, 2]], F)
    tris = np.array([[0, 1, 2], [3, 4, 5]], np.int32)
    ref_id, ref_alpha = emulate(verts, tris, 97, 131)
    assert (ref_id == 0).sum() > 100
    np.testing.assert_array_equal(ops.rasterize(verts, tris, 97, 131)[0], ref_id)
    np.testing.assert_array_equal(ops.render(np.ones((1, 1, 1), F), verts, tris, np.zeros((6, 2), F), 97, 131)[1],
                                  ref_alpha)


@pytest.mark.parametrize("channels", [1, 3, 5])
def test_one_texel_texture_draws_as_the_general_path(channels):
    # render_cpu's flat path (a 1x1 texture) against the same colour in a 2x2 texture, which the
    # general path reads (bilinear between equal texels gives the texel back)
    rng = np.random.default_rng(7)
    verts, tris = fan(rng, 80, 90)
    verts = np.concatenate([verts, slanted(rng, 10, 80, 90)[0]])
    tris = np.concatenate([tris, np.arange(72, len(verts), dtype=np.int32).reshape(-1, 3)])
    uvs = rng.uniform(0, 1, (len(verts), 2)).astype(F)
    colour = rng.uniform(0.1, 1.0, channels).astype(F)
    one = ops.render(colour.reshape(1, 1, -1), verts, tris, uvs, 80, 90)
    two = ops.render(np.tile(colour, (2, 2, 1)), verts, tris, uvs, 80, 90)
    assert (one[1] > 0).mean() > 0.3
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("channels", [3, 5, 7])
def test_fixed_channel_counts_draw_each_channel_as_alone(channels):
    # render_cpu's rows for 3, 5 and 7 channels (the texel loop unrolled) against each channel drawn
    # on its own (the general loop)
    rng = np.random.default_rng(channels)
    verts, tris = slanted(rng, 30, 70, 60)
    uvs = rng.uniform(-0.1, 1.1, (len(verts), 2)).astype(F)
    tex = rng.uniform(0, 1, (33, 33, channels)).astype(F)
    rgb, alpha = ops.render(tex, verts, tris, uvs, 70, 60)
    assert (alpha > 0).mean() > 0.05
    for k in range(channels):
        one, a = ops.render(np.ascontiguousarray(tex[..., k:k + 1]), verts, tris, uvs, 70, 60)
        np.testing.assert_array_equal(rgb[..., k], one[..., 0])
        np.testing.assert_array_equal(alpha, a)


@pytest.mark.parametrize("side", [1, 2, 37])
def test_positions_draw_what_a_texture_with_them_draws(side):
    # ops.render's positions (the ring's texture on the host, surround.draw_ring) against the same
    # colour with the texel centres stored (ring_photo.with_positions), UVs past the square included
    from poce_rt.ring_photo import with_positions

    rng = np.random.default_rng(side)
    verts, tris = slanted(rng, 30, 70, 60)
    fv, ft = fan(rng, 70, 60)
    verts, tris = np.concatenate([verts, fv]), np.concatenate([tris, ft + len(verts)])
    uvs = rng.uniform(-0.1, 1.1, (len(verts), 2)).astype(F)
    colour = rng.uniform(0, 1, (side, side, 3)).astype(F)
    rgb, alpha = ops.render(colour, verts, tris, uvs, 70, 60, positions=True)
    ref_rgb, ref_alpha = ops.render(with_positions(colour), verts, tris, uvs, 70, 60)
    assert rgb.shape == (70, 60, 5) and (alpha > 0).mean() > 0.3
    np.testing.assert_array_equal(rgb, ref_rgb)
    np.testing.assert_array_equal(alpha, ref_alpha)
    out = (np.full((70, 60, 5), np.nan, F), np.full((70, 60), np.nan, F))   # into given buffers too
    ops.render(colour, verts, tris, uvs, 70, 60, out=out, positions=True)
    np.testing.assert_array_equal(out[0], ref_rgb)
    with pytest.raises(ValueError):
        ops.render(colour, verts, tris, uvs, 70, 60, out=(np.empty((70, 60, 3), F), out[1]), positions=True)


def test_one_channel_draws_as_the_general_path():
    # render_cpu's row for one channel (poce_rt.uncover's motion) against the same channel drawn
    # beside another (two channels: the general loop)
    rng = np.random.default_rng(11)
    verts, tris = slanted(rng, 30, 70, 60)
    uvs = rng.uniform(-0.1, 1.1, (len(verts), 2)).astype(F)
    tex = rng.uniform(0, 1, (33, 33, 2)).astype(F)
    two, alpha = ops.render(tex, verts, tris, uvs, 70, 60)
    one, a = ops.render(np.ascontiguousarray(tex[..., :1]), verts, tris, uvs, 70, 60)
    assert (alpha > 0).mean() > 0.05
    np.testing.assert_array_equal(one[..., 0], two[..., 0])
    np.testing.assert_array_equal(a, alpha)


def test_raster_keep_shades_what_a_render_draws():
    # ops.RasterKeep: a render of the same mesh with other textures and uvs shades from the raster
    # the first one kept, the same outputs bit for bit; a moved vertex, another size or other
    # triangles draw the raster again
    rng = np.random.default_rng(5)
    verts, tris = slanted(rng, 30, 70, 60)
    fv, ft = fan(rng, 70, 60)
    verts, tris = np.concatenate([verts, fv]), np.concatenate([tris, ft + len(verts)])
    keep = ops.RasterKeep()
    for step in range(4):
        uvs = rng.uniform(-0.1, 1.1, (len(verts), 2)).astype(F)
        tex = rng.uniform(0, 1, (17, 17, 1 + step % 3)).astype(F)
        v = verts.copy()
        if step == 2:
            v[5, 0] += 0.25
        h, w = (70, 60) if step < 3 else (71, 60)
        ref = ops.render(tex, v, tris, uvs, h, w)
        out = (np.full(ref[0].shape, np.nan, F), np.full((h, w), np.nan, F))
        got = ops.render(tex, v, tris, uvs, h, w, out=out, keep=keep)
        assert (ref[1] > 0).mean() > 0.3
        for a, b in zip(got, ref):
            np.testing.assert_array_equal(a, b)
        if step == 0:   # kept: the raster is reused, not drawn (a tampered one shows it)
            buffer, reuse = keep.prepare(verts, tris, 70, 60)
            assert reuse
    # the kernel checks what it reuses: a raster for another size or mesh is refused
    from poce_rt.ops._arrays import native

    buffer, _ = keep.prepare(verts, tris, 70, 60)
    with pytest.raises(ValueError):
        native().render(tex, verts, tris[:-1], uvs, 70, 60, None, None, False, buffer, True)
    with pytest.raises(ValueError):
        native().render(tex, verts, tris, uvs, 70, 61, None, None, False, buffer, True)
    # ... and so is a raster whose bytes were written by anything else (the keep is a caller's
    # array): a triangle id past the mesh, a box past the frame, a barycentric not finite; the
    # buffer as drawn is still taken
    native().render(tex, verts, tris, uvs, 70, 60, None, None, False, buffer, False)
    header = buffer[:16].view(np.int32)
    x0, y0, x1, y1 = header.copy()
    n = 70 * 60
    ids = buffer[64 + 8 * n:64 + 12 * n].view(np.int32)[:(x1 - x0) * (y1 - y0)]
    bary = buffer[64 + 12 * n:64 + 24 * n].view(np.float32)
    drawn = int(np.flatnonzero(ids >= 0)[0])
    for tamper in ("id", "box", "bary"):
        saved = buffer.copy()
        if tamper == "id":
            ids[drawn] = len(tris)
        elif tamper == "box":   # (one past the frame the size check refuses first)
            header[0] = x1 + 1
        else:
            bary[3 * drawn] = np.nan
        with pytest.raises(ValueError, match="corrupt"):
            native().render(tex, verts, tris, uvs, 70, 60, None, None, False, buffer, True)
        buffer[:] = saved
    native().render(tex, verts, tris, uvs, 70, 60, None, None, False, buffer, True)


def test_positions_into_their_own_buffer():
    # ops.render's positions written into a buffer of their own (out's third: surround.draw_ring on
    # the host) against the same render's last two channels
    rng = np.random.default_rng(3)
    verts, tris = slanted(rng, 30, 70, 60)
    uvs = rng.uniform(-0.1, 1.1, (len(verts), 2)).astype(F)
    colour = rng.uniform(0, 1, (37, 37, 3)).astype(F)
    both, alpha = ops.render(colour, verts, tris, uvs, 70, 60, positions=True)
    out = (np.full((70, 60, 3), np.nan, F), np.full((70, 60), np.nan, F), np.full((70, 60, 2), np.nan, F))
    rgb, a, pos = ops.render(colour, verts, tris, uvs, 70, 60, out=out, positions=True)
    assert rgb is out[0] and pos is out[2] and (alpha > 0).mean() > 0.2
    np.testing.assert_array_equal(rgb, both[..., :3])
    np.testing.assert_array_equal(pos, both[..., 3:])
    np.testing.assert_array_equal(a, alpha)
    with pytest.raises(ValueError):   # the positions need positions=True
        ops.render(colour, verts, tris, uvs, 70, 60, out=out)
