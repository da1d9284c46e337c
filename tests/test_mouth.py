"""The inside of an open mouth (issue 15, item 3): teeth, tongue and the dark back, drawn as a small
mesh inside the inner lips, lit like the face; checked on the card, the mesh and a real photo."""
import cv2
import numpy as np
import pytest

import poce_rt
from poce_rt.fit import pose_vertices
from poce_rt.mouth import (CARD_ROWS, INNER_LOWER, INNER_UPPER, LO_EDGE, LOWER_TEETH_CM, MAX_LOWER, MAX_UPPER, REVEAL, UP_EDGE,
                           UPPER_TEETH_CM, interior_mesh, interior_tris, interior_uvs, interior_verts, mouth_card)
from poce_rt.rig import INNER_LOWER as RIG_LOWER, INNER_UPPER as RIG_UPPER


def luma(a):
    return a @ np.array([0.299, 0.587, 0.114], np.float32)


def test_card_has_teeth_a_dark_back_and_follows_the_light():
    bright, dark = mouth_card(np.array([0.8, 0.62, 0.52])), mouth_card(np.array([0.35, 0.24, 0.2]))
    s = bright.shape[0]
    mid = slice(s // 2 - 4, s // 2 + 4)
    upper_teeth = luma(bright[int(0.2 * s), mid]).mean()
    back = luma(bright[int(0.42 * s), mid]).mean()
    assert upper_teeth > 0.6 and back < 0.08
    assert luma(bright[int(0.2 * s), 2]) < 0.2            # no teeth in the corners
    assert luma(dark[int(0.2 * s), mid]).mean() < 0.7 * upper_teeth   # lit like the face
    tongue = bright[int(0.72 * s), mid].mean(0)
    assert tongue[0] > 1.5 * tongue[1]                     # red, not grey


def lips(gap_px):
    """[468,3] vertices with straight inner lips 100 px wide, `gap_px` apart but at the corners."""
    v = np.zeros((468, 3), np.float32)
    for i, (u, lo) in enumerate(zip(INNER_UPPER, INNER_LOWER)):
        v[u] = (10.0 * i, 100.0, 0.0)
        v[lo] = (10.0 * i, 100.0 + (0.0 if i in (0, 10) else gap_px), 0.0)
    return v


def test_interior_mesh_keeps_the_teeth_their_size():
    assert INNER_UPPER == RIG_UPPER and INNER_LOWER == RIG_LOWER
    verts, uvs = interior_mesh(lips(60.0), scale=20.0)
    m, uv = verts.reshape(6, 11, 3), uvs.reshape(6, 11, 2)
    assert np.allclose(m[0, 5, 1], 100) and np.allclose(m[5, 5, 1], 160)
    assert np.isclose(m[1, 5, 1] - 100, UPPER_TEETH_CM * 20)   # the crowns at their size in cm
    assert np.isclose(160 - m[3, 5, 1], LOWER_TEETH_CM * 20)
    assert np.allclose(uv[:, 5, 1], CARD_ROWS)                 # 3 cm open: shown whole, the tongue too
    assert (np.diff(m[:, 5, 1]) >= 0).all()
    assert np.isfinite(m).all() and np.isfinite(uv).all()      # corners (no gap) too
    assert np.array_equal(interior_verts(lips(60.0), 20.0), verts)
    t = interior_tris()
    assert t.max() < 66 and len(t) == 2 * 10 * 5 and interior_uvs().shape == (66, 2)


def test_a_narrow_opening_crops_the_teeth_instead_of_squashing_them():
    m, uv = (a.reshape(6, 11, -1) for a in interior_mesh(lips(10.0), scale=20.0))
    # 10 px of opening: each row fills at most its share, and shows its incisal end only
    assert np.isclose(m[1, 5, 1] - 100, MAX_UPPER * 10) and np.isclose(110 - m[3, 5, 1], MAX_LOWER * 10)
    # half a cm: the dark back between the teeth, not the tongue (low in the mouth)
    assert np.isclose(uv[3, 5, 1], UP_EDGE + (LO_EDGE - UP_EDGE) * REVEAL) and uv[3, 5, 1] < 0.5
    shown_up = MAX_UPPER * 10 / (UPPER_TEETH_CM * 20)
    assert np.isclose(uv[0, 5, 1], UP_EDGE * (1 - shown_up)) and np.isclose(uv[1, 5, 1], UP_EDGE)
    shown_lo = MAX_LOWER * 10 / (LOWER_TEETH_CM * 20)
    assert np.isclose(uv[5, 5, 1], LO_EDGE + (1 - LO_EDGE) * shown_lo) and np.isclose(uv[4, 5, 1], LO_EDGE)
    # per-column heights (a photo's own teeth): a column without teeth shows none
    cm = np.full(11, 0.5)
    cm[2] = 0.0
    m2 = interior_mesh(lips(60.0), 20.0, upper_cm=cm)[0].reshape(6, 11, 3)
    assert np.isclose(m2[1, 2, 1], 100) and np.isclose(m2[1, 5, 1] - 100, 10)


@pytest.mark.parametrize("name", ["single_face", "astronaut"])
def test_open_mouth_shows_teeth_and_a_dark_back(tracker, request, name):
    img = request.getfixturevalue(name)
    with poce_rt.Editor(tracker=tracker) as ed:
        src = ed.prepare(img)
        plan = ed.plan(src, expression={"jawOpen": 0.7})
        res = ed.edit(img, expression={"jawOpen": 0.7}, source=src)
    v = pose_vertices(plan.shape, plan.target_pose)
    loop = np.concatenate([v[list(INNER_UPPER), :2], v[list(INNER_LOWER[::-1]), :2]])
    inside = np.zeros(img.shape[:2], np.uint8)
    cv2.fillPoly(inside, [np.round(loop).astype(np.int32)], 1)
    inside = cv2.erode(inside, np.ones((3, 3), np.uint8)).astype(bool)
    y = luma(res.image.astype(np.float32) / 255)[inside]
    assert inside.sum() > 200
    assert (y > 0.45).mean() > 0.05      # teeth
    assert (y < 0.08).mean() > 0.25      # the dark back
