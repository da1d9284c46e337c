"""The revealed fill shaded at the target pose (poce_rt.shading; issue 15: the cheek a turn reveals
was a flat band of one brightness out to the new outline, the face a flat pale disc)."""
import dataclasses

import cv2
import numpy as np
import pytest

from poce_rt import shading as S
from poce_rt.fit import Pose


def _hemisphere(n, rng):
    """[n,3] unit normals facing the camera (z < 0), facing cosine 0.4..1 like trusted texels."""
    v = rng.normal(size=(n, 3))
    v[:, 2] = -np.abs(v[:, 2]) - 1.2
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_fit_recovers_the_light_and_refuses_flat_light():
    rng = np.random.default_rng(0)
    n = _hemisphere(4000, rng)
    coef = np.array([0.45, 0.06, -0.11, -0.27])
    y = coef[0] + n @ coef[1:] + rng.normal(0, 0.01, len(n))
    y[:400] = rng.random(400)   # brows, lips, a strand: outliers
    np.testing.assert_allclose(S.fit_shading(y, n), coef, atol=0.01)
    assert S.fit_shading(0.6 + rng.normal(0, 0.01, len(n)), n) is None   # light that ignores the normal
    assert S.fit_shading(-0.1 + 0.01 * n[:, 2], n) is None


def test_light_is_the_shade_of_the_turned_normal():
    rng = np.random.default_rng(1)
    src, tgt = Pose(pitch=5, yaw=-20, roll=3), Pose(pitch=5, yaw=5, roll=3)
    coef = np.array([0.45, 0.06, -0.11, -0.27])
    sh = S.FillShading(coef, src.rotation, None, None, None)
    n = _hemisphere(50, rng)
    turned = n @ (tgt.rotation @ src.rotation.T).T   # the normals at the target, light fixed
    np.testing.assert_allclose(np.c_[np.ones(50), n] @ sh.light(tgt), coef[0] + turned @ coef[1:], atol=1e-5)
    np.testing.assert_allclose(sh.light(src), coef, atol=1e-6)


def _bands(res, mask, layout, hair=None):
    """Median luma of the drawn texture (uv_edited) over the revealed fill texels within 2% of S
    of the layout's outline (outer), of the photo's texels (inner), and over those photo texels
    beside the fill (beside). hair: None, or [S,S] bool texels left out of the fill (the hair
    layer over the outline, poce_rt.hair: not skin that falls off)."""
    cov, s = layout.coverage, layout.size
    y = res.uv_edited @ S.LUMA
    fill = (res.uv_filled > 0.9) & cov & (mask >= 0.5)   # revealed: the photo saw them, badly
    if hair is not None:
        fill &= ~hair
    photo = (res.uv_filled < 0.1) & cov
    border = cv2.distanceTransform(np.pad(cov.astype(np.uint8), 1), cv2.DIST_L2, 5)[1:-1, 1:-1]
    to_photo = cv2.distanceTransform((~photo).astype(np.uint8), cv2.DIST_L2, 5)
    beside = photo & (cv2.distanceTransform(photo.astype(np.uint8), cv2.DIST_L2, 5) <= 0.02 * s) \
        & (cv2.distanceTransform((~fill).astype(np.uint8), cv2.DIST_L2, 5) <= 0.04 * s)
    outer, inner = fill & (border <= 0.02 * s), fill & (to_photo <= 0.02 * s)
    return np.median(y[outer]), np.median(y[inner]), np.median(y[beside])


@pytest.mark.parametrize("yaw", [25, -25])
def test_revealed_cheek_falls_off_towards_the_outline(editor, prepared, yaw):
    """0-f15 at +-25: the fill by the new outline was as bright as by the photo's skin (outer/inner
    1.02-1.03, a flat band); shaded at the target pose it falls off towards the outline, by what
    the photo's own light says, from the brightness of the skin beside it (no step there), and a
    still head draws exactly what it drew."""
    img, src = prepared("0-f15-hao-ph.jpg")
    assert src.shading is not None
    lay = editor.geometry.layout
    flat = editor.edit(img, pose=(0, yaw, 0), source=dataclasses.replace(src, shading=None))
    # the hair over the outline (drawn darker than half the skin's luma unshaded) is no skin
    hair = flat.uv_edited @ S.LUMA < 0.5 * np.median((flat.uv_edited @ S.LUMA)[(flat.uv_filled < 0.1) & lay.coverage])
    outer, inner, beside = _bands(editor.edit(img, pose=(0, yaw, 0), source=src), src.mask, lay, hair)
    plain = _bands(flat, src.mask, lay, hair)
    assert outer / inner < 0.99 and outer / inner < plain[0] / plain[1] - 0.03, (outer / inner, plain)
    assert 0.93 < inner / beside < 1.07, inner / beside
    still = editor.edit(img, expression={"mouthSmileLeft": 0.5}, source=src).image
    np.testing.assert_array_equal(
        still, editor.edit(img, expression={"mouthSmileLeft": 0.5}, source=dataclasses.replace(src, shading=None)).image)
