"""The face's own occlusion edges by their coverage (poce_rt.edge_cover): a turned nose's far edge
over the cheek, on a real photo."""
import cv2
import numpy as np
import pytest

from poce_rt import ops, stages
from poce_rt.edge_cover import EDGE_JUMP, edge_cover, padded, shade_edges
from poce_rt.fit import pose_vertices


SAMPLES = 4   # the reference render's samples a pixel along each axis


def supersampled(texture, verts, layout, h, w):
    """The render of SAMPLES x SAMPLES samples a pixel, averaged: the coverage and the texture
    filtered over each pixel (the image one sample a pixel approximates) -> (rgb, alpha)."""
    big = np.array(verts, np.float32)
    big[:, :2] *= SAMPLES
    rgb, alpha = ops.render(texture, big, layout.tris, layout, h * SAMPLES, w * SAMPLES)
    return (rgb.reshape(h, SAMPLES, w, SAMPLES, 3).mean((1, 3)),
            alpha.reshape(h, SAMPLES, w, SAMPLES).mean((1, 3)))


def self_occluding(verts, tris, h, w):
    """[h,w] bool: the pixels beside an edge where the face covers itself (a 4-neighbour is a
    surface farther by edge_cover.EDGE_JUMP of the mesh's depth range) and 1 px about them."""
    tri, _, depth = ops.rasterize(verts, tris, h, w)
    depth = np.where(tri >= 0, depth, np.nan)
    jump = np.zeros((h, w), np.uint8)
    gap = EDGE_JUMP * float(np.ptp(verts[:, 2]))
    with np.errstate(invalid="ignore"):
        down, right = np.abs(np.diff(depth, axis=0)) > gap, np.abs(np.diff(depth, axis=1)) > gap
    jump[:-1] |= down
    jump[1:] |= down
    jump[:, :-1] |= right
    jump[:, 1:] |= right
    return cv2.dilate(jump, np.ones((3, 3), np.uint8)) > 0


@pytest.mark.parametrize("name, yaw, at_most", [("Image_with_alpha.png", -25.0, 0.6), ("multi_face.jpg:0", 25.0, 0.8),
                                                 ("single_face.jpg", 25.0, 0.75)])
def test_occlusion_edges_come_near_the_supersampled_render(editor, real_image, name, yaw, at_most):
    """The face's own occlusion edges turned (the bearded face's nose over his far cheek at -25, the
    sunglasses face's nose over the far lens at +25, the held-out frontal face's nose at +25):
    about them (the face whole there) stages.render_face's error against a render of 4x4 samples
    a pixel is at most `at_most` of one sample a pixel's (2.80 -> 1.56 levels over 1309 pixels;
    4.05 -> 3.02 over 407: a dark lens beside a lit nose, the edge across both at a slant; 1.79 ->
    1.14 over 522)."""
    file, _, k = name.partition(":")
    img = real_image(file)
    src = editor.prepare(img, editor.faces(img, int(k))[0] if k else None)
    plan = editor.plan(src, pose=(0, yaw, 0))
    tex = np.ascontiguousarray(src.uv_completed, np.float32)
    lay = editor.geometry.layout
    verts = editor.geometry.posed(pose_vertices(plan.shape, plan.target_pose))
    (x0, y0), (x1, y1) = np.floor(verts[:, :2].min(0)).astype(int) - 2, np.ceil(verts[:, :2].max(0)).astype(int) + 2
    assert x0 >= 0 and y0 >= 0 and x1 <= img.shape[1] and y1 <= img.shape[0]
    h, w = int(y1 - y0), int(x1 - x0)
    local = (verts - np.array([x0, y0, 0], np.float32)).astype(np.float32)
    one, _ = ops.render(tex, local, lay.tris, lay, h, w)
    drawn, _ = stages.render_face(tex, plan.shape, plan.target_pose, img.shape[0], img.shape[1], editor.geometry)
    drawn = drawn[y0:y1, x0:x1]
    ref, alpha = supersampled(tex, local, lay, h, w)
    near = self_occluding(local, lay.tris, h, w) & (alpha > 0.999)
    assert near.sum() > 200
    err_one, err = np.abs(one - ref)[near].mean(), np.abs(drawn - ref)[near].mean()
    assert err < at_most * err_one, (err, err_one)


def test_padded_cover_draws_the_same(editor, prepared):
    """The fixed-size buffers the frame loop's fixed canvas (the GPU's graphs) replays draw the
    same render, bit for bit, as the cover itself; the cover changes only pixels beside an edge
    the face covers itself (the nose's far edge at -25: a few hundred)."""
    _, src = prepared("Image_with_alpha.png")
    plan = editor.plan(src, pose=(0, -25.0, 0))
    verts = editor.geometry.posed(pose_vertices(plan.shape, plan.target_pose))
    lo = np.floor(verts[:, :2].min(0)).astype(int) - 4
    local = (verts - np.array([lo[0], lo[1], 0], np.float32)).astype(np.float32)
    h, w = (np.ceil(verts[:, :2].max(0)).astype(int) - lo + 4)[::-1]
    cover = edge_cover(local, editor.geometry.layout.tris, int(h), int(w))
    assert cover is not None and 100 < len(cover.at) < 2000
    rgb, _ = ops.render(np.ascontiguousarray(src.uv_completed, np.float32), local, editor.geometry.layout.tris,
                        editor.geometry.layout, int(h), int(w))
    a, b = shade_edges(rgb.copy(), cover), shade_edges(rgb.copy(), padded(cover))
    np.testing.assert_array_equal(a, b)
    changed = np.abs(a - rgb).max(2) > 0
    assert changed.sum() <= len(cover.at)
    assert np.array_equal(np.flatnonzero(changed), np.intersect1d(np.flatnonzero(changed), cover.at))


def test_frame_loop_covers_the_same_edges(editor, real_image, monkeypatch):
    """Editor.edit (the frame loop) draws the turned nose's far edge by its coverage too: at -25
    the bearded face's output differs from the one drawn without the edges' coverage at a few
    hundred pixels (231), every one of them a pixel of the step's EdgeCover."""
    from poce_rt.frame_loop import draw

    img = real_image("Image_with_alpha.png")
    src = editor.prepare(img)
    covers = []

    def recorded(*args):
        covers.append(edge_cover(*args))
        return covers[-1]

    monkeypatch.setattr(draw, "edge_cover", recorded)
    loop = editor.frame_loop(src)
    covered = editor.edit(img, pose=(0, -25.0, 0), source=src).image
    cover = covers[-1]
    monkeypatch.setattr(draw, "edge_cover", lambda *a, **k: None)
    plain = editor.edit(img, pose=(0, -25.0, 0), source=src).image
    changed = np.flatnonzero((covered != plain).any(-1))
    assert 100 < len(changed) <= len(cover.at)
    # the cover's pixels (in the face's box) in the frame: the face's box is the first the step drew in
    face = loop._written[0]
    ys, xs = np.divmod(cover.at, face.width)
    assert np.isin(changed, (ys + face.y0) * img.shape[1] + xs + face.x0).all()


def test_depth_test_reads_the_whole_mesh_depth(editor, prepared, monkeypatch):
    """The depth test rasterizes only the triangles whose box spans a SELECT_PX cell holding a pixel
    it reads, over the TILE_PX tiles' box: at those pixels (the edges' and their neighbours', the
    bearded face turned both ways) the depth is the whole mesh's, bit for bit, from under half of
    its triangles (132-364 of 898)."""
    from poce_rt import edge_cover as ec

    _, src = prepared("Image_with_alpha.png")
    tris = editor.geometry.layout.tris
    adj = ec.adjacency(tris)
    drawn = []
    real = ops.rasterize

    def counted(verts, t, h, w):
        drawn.append(len(t))
        return real(verts, t, h, w)

    for yaw in (-25.0, 10.0, 25.0):
        plan = editor.plan(src, pose=(0, yaw, 0))
        verts = editor.geometry.posed(pose_vertices(plan.shape, plan.target_pose))
        lo = np.floor(verts[:, :2].min(0)).astype(int) - 4
        local = (verts - np.array([lo[0], lo[1], 0], np.float32)).astype(np.float32)
        h, w = (int(n) for n in (np.ceil(verts[:, :2].max(0)).astype(int) - lo + 4)[::-1])
        x, y = ec._beside(ec.fold_edges(local, adj), h, w)[:2]
        assert len(x) > 100
        xs, ys = np.concatenate([x, np.minimum(x + 1, w - 1)]), np.concatenate([y, np.minimum(y + 1, h - 1)])
        _, _, whole = ops.rasterize(local, tris, h, w)
        with monkeypatch.context() as m:
            m.setattr(ec.ops, "rasterize", counted)
            depth = ec._depth_at(local, adj, xs, ys, h, w)
        np.testing.assert_array_equal(depth, whole[ys, xs])
        assert drawn[-1] < 0.5 * len(tris), drawn
