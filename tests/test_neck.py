"""The neck under a jaw that turns out over the backdrop (poce_rt.neck, issue 15): multi_face.jpg's
face 0 (sunglasses, yaw +10) turned -25 showed only sky under his far jaw down to his T-shirt."""
import numpy as np
import pytest

from poce_rt import neck, silhouette, stages
from poce_rt.lab_colour import lab, skin_distance
from poce_rt.colour_classes import SKIN_D
from poce_rt.head_proxy import FACE_OVAL, oval_radius


@pytest.fixture(scope="module")
def sunglasses(editor, real_image):
    """multi_face.jpg's leftmost face: a young man with sunglasses (source yaw about +10)."""
    img = real_image("multi_face.jpg")
    return img, editor.prepare(img, editor.faces(img, 0)[0])


def under_far_jaw(face):
    """The photo's box under his far jaw (image right, below his left ear), towards his T-shirt:
    columns from oval vertex 13 to 10 (FACE_OVAL's order), rows from vertex 12 down 0.6 radii."""
    o = np.asarray(face.vertices, np.float64)[list(FACE_OVAL), :2]
    r = oval_radius(face.vertices)
    return slice(int(o[12, 1]), int(o[12, 1] + 0.6 * r)), slice(int(o[13, 0]), int(o[10, 0]) + 1)


def test_a_turn_towards_the_far_jaw_draws_a_neck_under_it(editor, sunglasses):
    """The photo shows sky there (78% of the box within 15 Lab of its median); turned -25, the jaw
    swelled out over it with sky under it (70%; the box's median the sky's): now his neck, down to
    the T-shirt (0%), the colour of his skin."""
    img, src = sunglasses
    box = under_far_jaw(src.face)
    sky = np.median(lab(img[box].astype(np.float32) / 255).reshape(-1, 3), 0)
    assert (np.linalg.norm(lab(img[box].astype(np.float32) / 255) - sky, axis=-1) < 15).mean() > 0.6
    out = editor.edit(img, pose=(0, -25, 0), source=src).image[box].astype(np.float32) / 255
    share = (np.linalg.norm(lab(out) - sky, axis=-1) < 15).mean()
    assert share < 0.2, share
    median = np.median(lab(out).reshape(-1, 3), 0)
    assert skin_distance(median, src.colours.skin) < SKIN_D[1], median


def test_a_turn_away_from_it_and_other_faces_draw_no_neck(editor, sunglasses, real_image, prepared, monkeypatch):
    """Turned +25 (his far jaw further away) he is drawn bit for bit as without the neck layer; and
    the only face of the held-out and repository photos with a neck layer is his: a frontal face
    (single_face.jpg, the astronaut: the photo shows their neck, which does not turn), a beard
    (Image_with_alpha.png), a three-quarter face (t1.jpg's face 1, 45-m7) get none."""
    img, src = sunglasses
    with_neck = editor.edit(img, pose=(0, 25, 0), source=src).image
    monkeypatch.setattr(stages.blend, "neck_layer", lambda *a, **k: None)   # stages.head_proxy_of's
    plain = editor.prepare(img, editor.faces(img, 0)[0])
    assert np.array_equal(editor.edit(img, pose=(0, 25, 0), source=plain).image, with_neck)
    assert neck.neck_layer(img, src.face, src.colours) is not None
    for name in ("single_face.jpg", "astronaut", "Image_with_alpha.png", "45-m7-di-ph.jpg"):
        photo, other = prepared(name)
        assert neck.neck_layer(photo, other.face, other.colours) is None, name
    t1 = real_image("t1.jpg")
    face = editor.prepare(t1, editor.faces(t1, 1)[0])
    assert neck.neck_layer(t1, face.face, face.colours) is None


def test_the_neck_runs_down_to_the_collar(sunglasses):
    """NeckLayer.foot: from the jaw's vertices beside the sky straight down to his T-shirt's edge
    (half way from the sky to the photo's first pixel there that steps from the sky and is not
    behind the head: the sky's rows above it, his T-shirt's below), none
    where the photo shows his face or neck under the vertex."""
    img, src = sunglasses
    layer = neck.neck_layer(img, src.face, src.colours, silhouette.silhouette_scales(
        img, src.face.vertices, src.face.shape, src.face.pose, src.colours))
    o = np.asarray(src.face.vertices, np.float64)[list(FACE_OVAL), :2]
    foot = layer.foot(o)
    assert (layer.gate[11:14] == 1).all() and not layer.gate[15:].any()
    for k in np.flatnonzero(foot):
        x, y = int(o[k, 0]), int(o[k, 1] + foot[k])
        light = lab(img[y - 2:y + 5, x].astype(np.float32) / 255)[:, 0]
        assert light[:2].min() > 60 and light[3:].min() < 50, (k, light)   # the sky, then his T-shirt
    assert foot[11:14].min() > 0.2 * oval_radius(src.face.vertices)


def test_the_neck_ends_at_the_collar_edge(editor, sunglasses):
    """The neck ends where the photo's column crosses half the step from the sky to his T-shirt
    (neck.edge), not at the T-shirt's first pixel that is not behind the head: drawn down to
    that, it covered 1-4 rows of his T-shirt (the dark pixels between the sky's and its own read
    as behind), a stair-stepped collar under the neck (11 of its pixels drawn over at -25)."""
    img, src = sunglasses
    box = under_far_jaw(src.face)
    out = editor.edit(img, pose=(0, -25, 0), source=src).image[box]
    light, drawn = (lab(a.astype(np.float32) / 255)[..., 0] for a in (img[box], out))
    assert ((light < 35) & (drawn - light > 15)).sum() == 0


def test_the_sky_beside_the_neck_stays_the_photos(editor, sunglasses):
    """The neck's side reads the photo where it is drawn (the sky: the neck hangs behind the head
    to the collar), so the band from it to the ear's vertex draws the sky in place: read beside
    the jaw, the paler sky there was drawn down beside the neck and met the still sky under it
    along a pale diagonal line (L +3.1 on average right of the neck, 0.3 now)."""
    img, src = sunglasses
    o = np.asarray(src.face.vertices, np.float64)[list(FACE_OVAL), :2]
    r = oval_radius(src.face.vertices)
    box = (slice(int(o[10, 1] + 0.2 * r), int(o[10, 1] + 0.55 * r)), slice(int(o[10, 0]) + 8, int(o[10, 0] + 8 + 0.25 * r)))
    out = editor.edit(img, pose=(0, -25, 0), source=src).image[box]
    light, drawn = (lab(a.astype(np.float32) / 255)[..., 0] for a in (img[box], out))
    assert (drawn - light).mean() < 1.0, (drawn - light).mean()


def test_no_sky_by_the_collar_beside_the_neck(editor, sunglasses):
    """Under his chin the tracked oval runs past the chin over the sky between it and the collar's
    V (oval vertex 15, which draws no neck: its column has the collar under it). Turned -25, the
    face's border there read that sky in place and the border from the neck's last vertex (14)
    spread it: a pale patch by the collar's V (Lab b* under 15 in 67% of the box between the two
    vertices; his neck's skin 20+). It reads the neck's top as vertex 14 does: 30%."""
    img, src = sunglasses
    o = np.asarray(src.face.vertices, np.float64)[list(FACE_OVAL), :2]
    box = slice(int(o[14, 1]) + 1, int(o[15, 1]) + 2), slice(int(o[15, 0]) - 4, int(o[15, 0]) + 2)
    out = editor.edit(img, pose=(0, -25, 0), source=src).image[box].astype(np.float32) / 255
    pale = (lab(out)[..., 2] < 15).mean()
    assert pale < 0.5, pale
