"""Who is a person about a head (poce_rt.person) and the backdrop read where none is
(poce_rt.colour_classes.backdrop_around): on t1.jpg, a group photo whose side borders show other people's
skin and an orange wall, the colours the head's hair, skin and backdrop are told apart by come
from the wall behind each head, not from the borders."""
import warnings

import numpy as np
import pytest

from poce_rt import colour_classes, head_reach, lab_colour
from poce_rt import person
from poce_rt.head_proxy import FACE_OVAL


def _oval(face):
    return np.asarray(face.vertices, np.float64)[list(FACE_OVAL), :2]


@pytest.fixture(scope="module")
def t1(editor, real_image):
    img = real_image("t1.jpg")
    return img, editor.faces(img, 0)[0], editor.faces(img, 1)[0]


def test_the_segmenter_calls_the_face_a_person_and_the_wall_beside_it_none(t1):
    img, _, face = t1   # the woman in three-quarter view before the orange wall
    pm = person.person_map(img, _oval(face))
    assert pm is not None and pm.prob.dtype == np.float32 and pm.prob.shape[0] == pm.prob.shape[1]
    oval = _oval(face)
    c, r = oval.mean(0), np.linalg.norm(oval - oval.mean(0), axis=1).mean()
    assert pm.at(c[None])[0] > 0.9                                    # her face
    assert pm.at(oval + 0.0 * r).mean() > 0.5                         # its outline (hair, cheek)
    wall = c + np.array([-2.2 * r, -1.0 * r])                         # the wall past her far cheek
    assert pm.at(wall[None])[0] < 0.1
    assert pm.at(np.array([[-10.0 ** 6, 0.0]]))[0] == 0.0             # beyond the square: none


def test_the_backdrop_about_a_group_photos_head_holds_no_skin(t1):
    """The borders of t1.jpg hold a bare arm's skin tone, so 91% of face 1's own pixels were
    "backdrop-like" (within BACKDROP_D of a backdrop colour); read about her head where the
    segmenter sees no person, the backdrop is the wall's, and her face is not like it."""
    img, _, face = t1
    oval = _oval(face)
    skin, _ = colour_classes.photo_skin(img, oval)
    borders = colour_classes.backdrop_colours(img)
    around = colour_classes.backdrop_around(img, oval, person.person_map(img, oval))
    assert around is not None and 2 <= len(around) <= colour_classes.AROUND_SECTORS
    assert lab_colour.backdrop_distance(skin[None], borders)[0] < colour_classes.BACKDROP_D[0]      # the old read: skin
    assert lab_colour.backdrop_distance(skin[None], around)[0] > colour_classes.BACKDROP_D[1]       # the new one: none
    assert colour_classes.photo_colours(img, oval).backdrop.tolist() == around.tolist()


def test_blonde_hair_is_hair_against_the_backdrop_about_her_head(t1, monkeypatch):
    """Face 0's light-brown hair lay within BACKDROP_D of the borders' orange tones, so it read as
    backdrop and the head proxy's silhouette stayed at REACH (1.4 oval radii) above the forehead; about her
    head the backdrop is the window and the wall, and above the forehead the silhouette grows to
    her hair's top."""
    from poce_rt import head_proxy, proxy_measures

    img, face, _ = t1
    grown = proxy_measures.proxy_measures(img, face)[0]
    monkeypatch.setenv("POCE_RT_PERSON", "0")
    borders = proxy_measures.proxy_measures(img, face)[0]
    assert head_proxy.FACE_OVAL[0] == 10                       # the oval's top, above the forehead
    assert borders[0] == pytest.approx(head_proxy.REACH) and borders.max() < head_proxy.REACH + 0.1
    assert grown[0] > head_proxy.REACH + 0.3


def test_without_a_segmenter_the_borders_are_read(t1, monkeypatch):
    img, _, face = t1
    monkeypatch.setenv("POCE_RT_PERSON", "0")
    assert person.person_map(img, _oval(face)) is None and not person.available()
    assert (colour_classes.photo_colours(img, _oval(face)).backdrop.tolist()
            == colour_classes.backdrop_colours(img).tolist())


def test_a_segmenter_that_cannot_load_is_said_once_and_the_borders_are_read(t1, monkeypatch):
    img, _, face = t1
    monkeypatch.setattr(person, "_failed", [])
    from poce_rt import assets

    def broken(**kw):
        raise assets.AssetError("no copy of the model here")
    monkeypatch.setattr(assets, "segmenter_path", broken)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert person.person_map(img, _oval(face)) is None
        assert person.person_map(img, _oval(face)) is None
    said = [x for x in w if "no person segmenter" in str(x.message)]
    assert len(said) == 1 and "no copy of the model here" in str(said[0].message)
    assert (colour_classes.photo_colours(img, _oval(face)).backdrop.tolist()
            == colour_classes.backdrop_colours(img).tolist())


def test_a_face_the_segmenter_does_not_call_a_person_reads_the_borders():
    """A flat grey square holds no person: backdrop_around gives None (the caller reads the
    borders); a bad oval is a clear error."""
    img = np.full((200, 200, 3), 128, np.uint8)
    t = np.linspace(0, 2 * np.pi, 36, endpoint=False)
    oval = np.stack([100 + 30 * np.cos(t), 100 + 40 * np.sin(t)], 1)
    pm = person.person_map(img, oval)
    assert pm is not None and colour_classes.backdrop_around(img, oval, pm) is None
    with pytest.raises(ValueError, match="oval"):
        person.person_map(img, np.full((36, 2), np.nan))


def test_a_portrait_keeps_its_borders_read_and_runs_no_segmenter(editor, real_image, monkeypatch):
    """A portrait's side borders are what lies behind the head: where they hold nothing like the
    face's skin (Image_with_alpha.png: sky blue and a white strip, 22 Lab from it), the colour
    classes are read there as before, and the segmenter is not run."""
    img = real_image("Image_with_alpha.png")
    oval = _oval(editor.faces(img)[0])

    def not_run(*a):
        raise AssertionError("the segmenter ran on a portrait")
    monkeypatch.setattr(colour_classes, "person_map", not_run)
    assert colour_classes.photo_colours(img, oval).backdrop.tolist() == colour_classes.backdrop_colours(img).tolist()


def test_person_reach_runs_to_where_the_segmenter_sees_no_one():
    """person_reach along rows of a map whose person is a band from x = 10 to 49: from x = 10 on
    the head ends at the band's end (a 2-pixel hole in it bridged); a ray on which the person runs
    on past its end, one that meets it only past `begin`, and one that leaves the photo on it
    measure nothing (where the head ends is unknown)."""
    prob = np.zeros((60, 60), np.float32)
    prob[:, 10:50] = 1.0
    prob[25, 30:32] = 0.0                     # the second row: a hole
    prob[35:45, 50:] = 1.0                    # the third: the person runs on past the ray's end
    prob[45:55, :40] = 0.0                    # the fourth: the person starts at x = 40, past begin
    prob[10:20, 50:] = 1.0                    # the fifth: on to the photo's edge (58 wide)
    pm = person.PersonMap(prob, (0, 0))
    start = np.array([[10.0, 5.0], [10.0, 25.0], [10.0, 40.0], [10.0, 50.0], [10.0, 15.0]])
    end = start + [[45.0, 0.0], [45.0, 0.0], [45.0, 0.0], [45.0, 0.0], [60.0, 0.0]]
    got = head_reach.person_reach(start, end, np.full(5, 0.3), pm, (60, 58, 3))
    np.testing.assert_allclose(got, [(49 - 10) / 45, (49 - 10) / 45, 0.0, 0.0, 0.0], atol=1.5 / 45)


def test_her_hair_reaches_the_segmenters_outline_where_it_has_the_walls_colour(t1, monkeypatch):
    """Face 0's darker strands at her forehead's upper corner (oval vertices 31-35) are as orange
    as the wall beside her neighbour, part of the backdrop read about her head: backdrop_reach
    ended her head at the first of them, inside the default silhouette, which stayed there (1.4
    oval radii) beside the grown top (1.8 at the parting), a cliff the turn drew as chevrons. The
    segmenter sees her hair to its outline, and the silhouette grows there too (1.5-1.8). A
    portrait carries no segmenter's map (its colour classes are read as before)."""
    from poce_rt import face_colours, head_proxy, proxy_measures

    img, face, _ = t1
    colours = face_colours.face_colours(img, face.vertices)
    assert colours.person is not None
    sil = proxy_measures.proxy_measures(img, face, colours)[0]
    corner = [31, 32, 33, 34, 35]
    assert (sil[corner] > head_proxy.REACH + 0.08).all() and sil[corner[-2:]].min() > head_proxy.REACH + 0.3
    without = proxy_measures.proxy_measures(img, face, colours._replace(person=None))[0]
    np.testing.assert_allclose(without[corner], head_proxy.REACH)
    monkeypatch.setenv("POCE_RT_PERSON", "0")
    assert face_colours.face_colours(img, face.vertices).person is None
