"""The head proxy in the ring around the face (issue 15, items 1 and 4): rings that continue the
face oval over the hair, ears and neck turn with the face; the neck and the outer ring stay."""
import numpy as np
import pytest

from poce_rt import surround
from poce_rt.fit import pose_vertices


@pytest.fixture(scope="module")
def face(tracker, single_face):
    return tracker.track_one(single_face)


def test_proxy_rings_lie_beyond_the_oval_and_behind_it(face):
    rings = surround.head_proxy(face.shape)
    oval = face.shape[list(surround.FACE_OVAL)]
    c = oval[:, :2].mean(0)
    r0 = np.linalg.norm(oval[:, :2] - c, axis=1)
    for ring, sc in zip(rings, surround.PROXY_SCALES):
        np.testing.assert_allclose(np.linalg.norm(ring[:, :2] - c, axis=1), sc * r0, rtol=1e-6)
        assert (ring[:, 2] > oval[:, 2]).all()          # further from the camera


@pytest.mark.parametrize("yaw", [-25, 25])
def test_proxy_turns_with_the_face_and_keeps_neck_and_background(face, yaw):
    dst_pose = face.pose.offset(yaw=yaw)
    dst = pose_vertices(face.shape, dst_pose)
    verts, tris, src = surround.proxy_mesh(face.vertices, dst, face.shape, face.pose, dst_pose)
    k = len(surround.FACE_OVAL)
    n_rings = len(surround.PROXY_SCALES) + 2
    assert verts.shape == (n_rings * k, 3) and src.shape == (n_rings * k, 2)
    assert tris.max() == n_rings * k - 1
    np.testing.assert_allclose(verts[-k:, :2], src[-k:], atol=1e-3)        # the background stays
    rings = surround.head_proxy(face.shape)
    head = rings[0][:, 1] <= surround.NECK_CM[0]            # hair cap, ears, sides: turn rigidly
    np.testing.assert_allclose(verts[k:2 * k][head], pose_vertices(rings[0], dst_pose)[head], atol=1e-3)
    # in front of the pivot (the hair line) they follow the nose, behind it (the ears) go the other way
    move = verts[k:2 * k, 0] - src[k:2 * k, 0]
    front, back = head & (rings[0][:, 2] < -1), head & (rings[0][:, 2] > 3)
    assert np.sign(move[front].mean()) == np.sign(yaw) == -np.sign(move[back].mean())
    assert np.abs(move[head]).max() > 10
    neck = rings[0][:, 1] >= surround.NECK_CM[1]
    assert neck.any() and np.abs(verts[k:2 * k][neck, :2] - src[k:2 * k][neck]).max() < 1e-3


def test_expression_only_leaves_the_proxy_where_it_was(face, single_face):
    """Same pose: only the band between the oval and the first proxy ring can change."""
    dst = face.vertices.copy()
    dst[152, 1] += 6.0          # the chin drops (a jaw opening)
    band = surround.ring_band(face.vertices, dst, *single_face.shape[:2],
                              proxy=(face.shape, face.pose, face.pose))
    verts, _, src, _ = band
    k = len(surround.FACE_OVAL)
    np.testing.assert_allclose(verts[k:, :2], src[k:], atol=1e-3)
    out = surround.warp_surround(single_face, face.vertices, dst, proxy=(face.shape, face.pose, face.pose))
    ring1 = verts[k:2 * k, :2]
    lo, hi = np.floor(ring1.min(0)).astype(int) - 2, np.ceil(ring1.max(0)).astype(int) + 2
    changed = np.argwhere(np.any(out != single_face, axis=2))
    assert len(changed) > 0
    assert (changed[:, 1] >= lo[0]).all() and (changed[:, 1] <= hi[0]).all()
    assert (changed[:, 0] >= lo[1]).all() and (changed[:, 0] <= hi[1]).all()
