"""The inside of an open mouth (issue 15, item 3): teeth, tongue and the dark back, drawn as a small
mesh inside the inner lips, lit like the face; checked on the card, the mesh and a real photo."""
import cv2
import numpy as np
import pytest

import poce_rt
from poce_rt.fit import pose_vertices
from poce_rt.mouth import (INNER_LOWER, INNER_UPPER, interior_tris, interior_uvs, interior_verts, mouth_card)
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


def test_interior_mesh_keeps_the_teeth_their_size():
    assert INNER_UPPER == RIG_UPPER and INNER_LOWER == RIG_LOWER
    v = np.zeros((468, 3), np.float32)
    for i, (u, lo) in enumerate(zip(INNER_UPPER, INNER_LOWER)):
        v[u] = (10.0 * i, 100.0, 0.0)
        v[lo] = (10.0 * i, 100.0 + (0.0 if i in (0, 10) else 60.0), 0.0)
    m = interior_verts(v, scale=20.0).reshape(5, 11, 3)
    assert np.allclose(m[0, 5, 1], 100) and np.allclose(m[4, 5, 1], 160)
    assert np.isclose(m[1, 5, 1] - 100, 0.8 * 20)       # upper teeth: 0.8 cm at 20 px/cm
    assert np.isclose(160 - m[3, 5, 1], 0.4 * 20)
    assert (np.diff(m[:, 5, 1]) >= 0).all()
    assert np.isfinite(m).all()                          # corners (no gap) too
    t = interior_tris()
    assert t.max() < 55 and len(t) == 2 * 10 * 4 and interior_uvs().shape == (55, 2)


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
