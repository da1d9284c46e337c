"""scripts/sunglasses_judge.py: the MediaPipe judge on faces with rigid sunglasses painted where a
turned head carries them (issue 15: how much of the sunglasses face's +25 shortfall, 81%, is the
judge's response to sunglasses)."""
import numpy as np
import pytest


@pytest.fixture(scope="module")
def sj():
    from conftest import script_module

    return script_module("sunglasses_judge")


@pytest.fixture(scope="module")
def lenses(sj, editor):
    """[468] bool: the sunglasses face's lens vertices (multi_face.jpg:0's lens card)."""
    return sj.lens_vertices(editor)


def test_photo_specs_name_face_and_scale(sj):
    assert sj.parse_photo("single_face.jpg@0.5") == ("single_face.jpg", None, 0.5)
    assert sj.parse_photo("multi_face.jpg:2") == ("multi_face.jpg", 2, 1.0)
    assert sj.parse_photo("t1.jpg:1@0.25") == ("t1.jpg", 1, 0.25)


def test_the_lenses_cover_both_eyes_and_turn_as_a_rigid_card(sj, lenses, face_model):
    """On the canonical mesh at +10 the painted lenses cover both eyes' corners and nothing far
    from them; turned to +35 the lens the turn carries away is drawn narrower than the near one
    (a card foreshortened with the head), and every lens pixel is dark."""
    from poce_rt.fit import Pose, pose_vertices

    assert 50 < lenses.sum() < 300 and lenses[[33, 133, 263, 362]].all()
    shape = np.asarray(face_model.vertices, np.float64)
    blank = np.full((400, 400, 3), 200, np.uint8)
    widths = []
    for yaw in (10.0, 35.0):
        pose = Pose(yaw=yaw, tx=200.0, ty=200.0, scale=12.0)
        v = pose_vertices(shape, pose)
        out = sj.painted(blank, shape, pose, lenses, 180.0)
        dark = out.mean(-1) < 60
        if yaw == 10.0:
            assert all(dark[int(round(v[i, 1])), int(round(v[i, 0]))] for i in (33, 133, 263, 362))
            assert not dark[int(v[1, 1]) + 5:].any()            # nothing below the nose tip
        cols = np.flatnonzero(dark.any(0))
        mid = int(round(v[6, 0]))                                # the bridge parts the two lenses
        widths.append(((cols < mid).sum(), (cols > mid).sum()))
    (near0, far0), (near1, far1) = widths   # yaw > 0 carries canonical x > 0 (image right) away
    assert far1 < far0 and far1 < near1


def test_painted_sunglasses_cost_the_judge_a_small_turn(sj, lenses, editor, judge):
    """single_face.jpg at half size (a ~90 px face, as the sunglasses face's) turned +10: the judge
    reads the edit >= 90% bare, and < 85% with the sunglasses painted exactly where the turned
    head carries them (2026-12-06: 94% / 64%) -- a shortfall the drawing has no part in."""
    import cv2
    from poce_rt.assets import data_path, load_image

    img = load_image(data_path("single_face.jpg"))
    img = cv2.resize(img, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    src = editor.prepare(img)
    plan = editor.plan(src, pose=(0, 10, 0))
    out = editor.edit(img, pose=(0, 10, 0), source=src).image
    face = src.face
    width = float(np.linalg.norm(face.vertices[234, :2] - face.vertices[454, :2]))

    def change(a, b):
        return (sj.judged(judge, b, face.bbox).pose.yaw - sj.judged(judge, a, face.bbox).pose.yaw) / 10.0

    assert change(img, out) >= 0.9
    assert change(sj.painted(img, face.shape, face.pose, lenses, width),
                  sj.painted(out, plan.shape, plan.target_pose, lenses, width)) < 0.85
