"""The expression rig: fitted offsets plus the jaw joint."""
import dataclasses

import numpy as np
import pytest

from poce_rt.rig import MAX_OPENING_CM, load_rig


@pytest.fixture(scope="module")
def rig(bundle):
    return load_rig()


def code(**named):
    from poce_rt.codes import BLENDSHAPE_NAMES

    c = np.zeros(len(BLENDSHAPE_NAMES), np.float32)
    for k, v in named.items():
        c[BLENDSHAPE_NAMES.index(k)] = v
    return c


def test_zero_code_moves_nothing(rig):
    assert np.abs(rig.delta(code())).max() == 0.0


def test_jaw_joint_opens_the_mouth_like_a_jaw(rig):
    d = rig.jaw.delta(1.0)
    w = rig.jaw.weights
    assert w[10] == 0.0 and w[1] == 0.0 and w[13] == 0.0          # forehead, nose tip, upper lip stay
    assert w[14] == 1.0 and w[152] == 1.0                            # lower lip and chin turn fully
    assert d[14, 1] > 1.0 and d[152, 1] > 1.0 and d[152, 2] > 0.5   # down, and the chin back
    # one rig unit of jawOpen parts the lips by about an adult's widest opening
    full = dataclasses.replace(rig, jaw_curve=None).delta(code(jawOpen=1.0))
    gap = (full[14, 1] - full[13, 1])
    assert gap == pytest.approx(MAX_OPENING_CM, abs=1e-3)
    # fully weighted vertices move rigidly: distances among them are kept
    rigid = np.flatnonzero(w == 1.0)[:50]
    c = rig.jaw.canonical[rigid]
    moved = c + d[rigid]
    dist = lambda x: np.linalg.norm(x[:, None] - x[None], axis=-1)
    np.testing.assert_allclose(dist(moved), dist(c), atol=1e-6)


def test_jaw_joint_moves_the_whole_lower_lip(rig):
    from poce_rt.rig import INNER_LOWER, INNER_UPPER

    w = rig.jaw.weights
    assert (w[list(INNER_UPPER[1:-1])] < 1e-6).all()
    assert (w[list(INNER_LOWER[1:-1])] > 1 - 1e-6).all()   # no V: its sides go down with the middle
    assert w[INNER_LOWER[0]] == pytest.approx(0.5) and w[INNER_LOWER[-1]] == pytest.approx(0.5)


def test_jaw_calibration_curve(rig):
    x, u = rig.jaw_curve
    assert x[0] == 0 and u[0] == 0 and (np.diff(x) > 0).all() and (np.diff(u) >= 0).all()
    assert u.max() <= 1.0                          # never wider than the widest opening
    # the tracker hardly sees small openings: small commands need more of the rig's units
    assert rig.jaw_units(0.05) > 2 * 0.05
    assert rig.jaw_units(-0.2) == -rig.jaw_units(0.2)   # closing undoes opening
    assert rig.jaw_units(0.0) == 0.0 and rig.jaw_units(5.0) == u[-1]
    bare = dataclasses.replace(rig, jaw_curve=None)
    assert bare.jaw_units(0.3) == pytest.approx(0.3)
    np.testing.assert_allclose(rig.delta(code(jawOpen=0.3)), bare.delta(code(jawOpen=rig.jaw_units(0.3))), atol=1e-6)


def test_calibrated_jaw_reads_back_in_order(editor, judge, prepared):
    """Small commands register on the re-tracked output, and larger ones read back larger."""
    for img, src in (prepared("astronaut"), prepared("single_face.jpg")):
        j0 = judge.track_one(img).blendshape("jawOpen")
        rise = [judge.track_one(editor.edit(img, expression={"jawOpen": x}, source=src).image)
                .blendshape("jawOpen") - j0 for x in (0.1, 0.3, 0.7)]
        assert rise[0] >= 0.05 and rise[0] < rise[1] < rise[2] + 0.02, rise


def test_jaw_joint_is_left_right_symmetric(rig, face_model):
    d = rig.jaw.delta(0.7)
    m = face_model.mirror_vertices
    np.testing.assert_allclose(d[m, 0], -d[:, 0], atol=1e-3)
    np.testing.assert_allclose(d[m, 1:], d[:, 1:], atol=1e-3)


def test_closing_is_the_inverse_rotation(rig):
    c = rig.jaw.canonical
    opened = c + rig.jaw.delta(0.5)
    w = rig.jaw.weights == 1.0
    from poce_rt.rig import JawJoint

    back = JawJoint(opened, rig.jaw.weights, rig.jaw.degrees_per_unit).delta(-0.5)
    np.testing.assert_allclose((opened + back)[w], c[w], atol=1e-6)


def test_bad_codes_and_files(rig, tmp_path):
    with pytest.raises(ValueError, match="52"):
        rig.delta(np.zeros(3))
    with pytest.raises(ValueError, match="NaN"):
        rig.delta(code(jawOpen=float("nan")))
    bad = tmp_path / "rig.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(RuntimeError, match="cannot read"):
        load_rig(str(bad))
    np.savez(tmp_path / "small.npz", offsets=np.zeros((52, 10, 3)), support=np.zeros(52))
    with pytest.raises(RuntimeError, match="malformed"):
        load_rig(str(tmp_path / "small.npz"))
    np.savez(tmp_path / "curve.npz", offsets=rig.offsets, support=rig.support,
             jaw_calibration=np.array([[0.0, 0.5, 0.4], [0.0, 0.5, 1.0]]))
    with pytest.raises(RuntimeError, match="jaw_calibration"):
        load_rig(str(tmp_path / "curve.npz"))
