"""interpolate (per-vertex attributes over the rasterizer's output) against its NumPy reference:
random meshes, real tracked faces, 1..8 channels, the box, caller-owned outputs and bad input."""
import numpy as np
import pytest

from poce_rt import ops, stages
from poce_rt.ops.interpolate import drawn_box
from poce_rt.ops.ref import interpolate_ref, rasterize_ref


def random_mesh(rng, n=40, f=60, h=48, w=64):
    verts = np.stack([rng.uniform(-5, w + 5, n), rng.uniform(-5, h + 5, n), rng.uniform(0, 10, n)], 1)
    tris = rng.integers(0, n, (f, 3)).astype(np.int32)
    return verts.astype(np.float32), tris


@pytest.mark.parametrize("channels", range(1, 9))
def test_random_meshes_match_reference(channels):
    rng = np.random.default_rng(channels)
    verts, tris = random_mesh(rng)
    attr = rng.normal(size=(len(verts), channels)).astype(np.float32)
    tri_id, bary, _ = ops.rasterize(verts, tris, 48, 64)
    out, mask = ops.interpolate(attr, tris, tri_id, bary)
    ref, ref_mask = interpolate_ref(attr, tris, tri_id, bary)
    assert out.shape == (48, 64, channels) and mask.shape == (48, 64)
    assert mask.sum() > 100  # the meshes cover something
    np.testing.assert_array_equal(mask, ref_mask)
    np.testing.assert_array_equal(out, ref)  # same float32 arithmetic, same order


def test_attribute_equal_to_position_gives_the_pixel_centre():
    # Interpolating the vertices' own (x, y) at a covered pixel centre gives that centre back:
    # checks the barycentric weights against the reference rasterizer's, not just the gather.
    rng = np.random.default_rng(0)
    verts, tris = random_mesh(rng, n=30, f=40)
    tri_id, bary, _ = rasterize_ref(verts, tris, 48, 64)
    xy, mask = ops.interpolate(np.ascontiguousarray(verts[:, :2]), tris, tri_id, bary)
    ys, xs = np.nonzero(mask)
    np.testing.assert_allclose(xy[ys, xs], np.stack([xs, ys], 1) + 0.5, atol=2e-3)


@pytest.mark.parametrize("name", ["astronaut", "single_face.jpg"])
def test_real_tracked_faces(tracker, real_image, name):
    img = real_image(name)
    face = tracker.track_one(img)
    geom = stages.geometry(256)
    verts = geom.posed(face.vertices)
    h, w = img.shape[:2]
    ws = ops.Workspace()
    tri_id, bary, _ = ops.rasterize(verts, geom.layout.tris, h, w, workspace=ws)
    box = drawn_box(ws)
    assert box is not None and box[2] - box[0] < w
    for c in (1, 3, 8):
        attr = np.random.default_rng(c).normal(size=(len(verts), c)).astype(np.float32)
        out, mask = ops.interpolate(attr, geom.layout.tris, tri_id, bary, box=box)
        ref, ref_mask = interpolate_ref(attr, geom.layout.tris, tri_id, bary)
        np.testing.assert_array_equal(mask, ref_mask)
        np.testing.assert_array_equal(out, ref)
    assert 0.01 < mask.mean() < 0.9


def test_out_buffers_are_written_whole():
    rng = np.random.default_rng(3)
    verts, tris = random_mesh(rng)
    attr = rng.normal(size=(len(verts), 2)).astype(np.float32)
    tri_id, bary, _ = ops.rasterize(verts, tris, 48, 64)
    out = np.full((48, 64, 2), np.nan, np.float32)
    mask = np.full((48, 64), 7, np.float32)
    res = ops.interpolate(attr, tris, tri_id, bary, out=(out, mask))
    assert res[0] is out and res[1] is mask
    ref, ref_mask = interpolate_ref(attr, tris, tri_id, bary)
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_array_equal(mask, ref_mask)


def test_box_limits_what_is_read():
    rng = np.random.default_rng(4)
    verts, tris = random_mesh(rng)
    attr = rng.normal(size=(len(verts), 3)).astype(np.float32)
    tri_id, bary, _ = ops.rasterize(verts, tris, 48, 64)
    out, mask = ops.interpolate(attr, tris, tri_id, bary, box=(10, 5, 30, 20))
    ref, ref_mask = interpolate_ref(attr, tris, tri_id, bary)
    inside = np.zeros((48, 64), bool)
    inside[5:20, 10:30] = True
    np.testing.assert_array_equal(out[inside], ref[inside])
    assert not out[~inside].any() and not mask[~inside].any()


@pytest.mark.parametrize("kwargs, err, msg", [
    (dict(attr=np.zeros((4, 0), np.float32)), ValueError, "channels"),
    (dict(attr=np.zeros((4, 3), np.float64)), TypeError, "attr"),
    (dict(tris=np.array([[0, 1, 9]], np.int32)), ValueError, "tris"),
    (dict(tri_id=np.full((8, 8), 5, np.int32)), ValueError, "tri_id"),
    (dict(bary=np.zeros((8, 9, 3), np.float32)), ValueError, "bary"),
    (dict(box=(0, 0, 9, 8)), ValueError, "box"),
    (dict(box=(4, 0, 2, 8)), ValueError, "box"),
    (dict(box="abcd"), TypeError, "box"),
])
def test_bad_input_is_a_clear_error(kwargs, err, msg):
    args = dict(attr=np.zeros((4, 3), np.float32), tris=np.array([[0, 1, 2]], np.int32),
                tri_id=np.zeros((8, 8), np.int32), bary=np.zeros((8, 8, 3), np.float32))
    box = kwargs.pop("box", None)
    args.update(kwargs)
    with pytest.raises(err, match=msg):
        ops.interpolate(**args, box=box)


def test_raw_binding_checks_ids_itself():
    # poce_rt._C is importable on its own: a bad id must not reach the kernel from there either.
    from poce_rt.ops._arrays import native

    with pytest.raises(ValueError, match="tri_id"):
        native().interpolate(np.zeros((4, 1), np.float32), np.array([[0, 1, 2]], np.int32),
                             np.full((2, 2), 3, np.int32), np.zeros((2, 2, 3), np.float32))
