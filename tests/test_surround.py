"""The warp of the head's surroundings that follows the face oval on a pose change."""
import numpy as np
import pytest

from poce_rt import stages, surround
from poce_rt.facemodel import signed_area_px
from poce_rt.fit import pose_vertices


@pytest.fixture(scope="module")
def face(tracker, single_face):
    return tracker.track_one(single_face)


def test_no_motion_is_the_identity(single_face, face):
    assert surround.warp_surround(single_face, face.vertices, face.vertices) is single_face


@pytest.mark.parametrize("yaw", [-40, -25, 25, 40])
def test_band_never_folds_and_keeps_its_outer_ring(face, yaw):
    dst = pose_vertices(face.shape, face.pose.offset(yaw=yaw))
    oval = list(surround.FACE_OVAL)
    verts, tris, src = surround.surround_mesh(face.vertices[oval, :2], dst[oval, :2])
    area = signed_area_px(verts, tris)
    assert (area > 0).all() or (area < 0).all()          # one winding: no triangle flipped over
    k = len(oval)
    np.testing.assert_allclose(verts[k:, :2], src[k:], atol=1e-3)   # outer ring stays put


def test_warp_changes_only_the_band(single_face, face):
    dst = pose_vertices(face.shape, face.pose.offset(yaw=25))
    out = surround.warp_surround(single_face, face.vertices, dst)
    assert out.shape == single_face.shape and out.dtype == np.uint8
    oval = list(surround.FACE_OVAL)
    verts, _, _ = surround.surround_mesh(face.vertices[oval, :2], dst[oval, :2])
    outer = verts[len(oval):, :2]
    lo, hi = np.floor(outer.min(0)).astype(int) - 2, np.ceil(outer.max(0)).astype(int) + 2
    changed = np.argwhere(np.any(out != single_face, axis=2))
    assert len(changed) > 1000
    assert (changed[:, 1] >= lo[0]).all() and (changed[:, 1] <= hi[0]).all()
    assert (changed[:, 0] >= lo[1]).all() and (changed[:, 0] <= hi[1]).all()


def test_face_near_the_image_border(face, single_face):
    """A face cut by the frame: the band reads edge-replicated pixels, never out of bounds."""
    shift = np.array([-face.bbox[0] - 40, 0, 0], np.float32)   # oval partly left of the image
    src = face.vertices + shift
    dst = pose_vertices(face.shape, face.pose.offset(yaw=25)) + shift
    out = surround.warp_surround(single_face, src, dst)
    assert out.shape == single_face.shape


def test_rejects_nan(single_face, face):
    bad = face.vertices.copy()
    bad[10] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        surround.warp_surround(single_face, face.vertices, bad)


def test_round_trip_is_untouched_by_the_warp(single_face, face):
    out = stages.repose(single_face, face, geom=stages.geometry(256))
    assert out.extras == {}
    np.testing.assert_array_equal(surround.warp_surround(single_face, face.vertices,
                                                         pose_vertices(face.shape, face.pose)), single_face)
