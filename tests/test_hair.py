"""Hair over the face's outline (poce_rt.hair): untrusted texels near the layout's border that show
the photo's hair are kept as hair in the fill of revealed texels, not painted over with skin; the
backdrop read across the silhouette is not taken for hair. Synthetic maps here; the real photos
are in test_disocclusion.py ("hair over the outline")."""
import cv2
import numpy as np

from poce_rt import disocclusion as D
from poce_rt import colour_classes, head_reach, lab_colour, photo_rays
from poce_rt import hair as H
from poce_rt import stages

SKIN, HAIR, BLUE = (np.array(c, np.float32) for c in ([0.82, 0.62, 0.55], [0.16, 0.11, 0.09], [0.35, 0.45, 0.75]))


def test_backdrop_colours_are_medians_of_the_side_borders():
    img = np.zeros((200, 160, 3), np.uint8)
    img[:] = (BLUE * 255).astype(np.uint8)
    img[:8] = 20                       # a dark ceiling along the top border: not sampled
    img[130:] = (200, 30, 30)          # clothes below the upper 60% of the sides: not sampled
    img[40:43, :4] = 0                 # a stray strand in the left border: outvoted
    cols = colour_classes.backdrop_colours(img)
    assert cols.shape == (2 * colour_classes.SEGMENTS, 3)
    want = lab_colour.lab(img[100, 0].astype(np.float32) / 255)
    # the top 8 rows fall into the first stretch of each side: its median stays blue
    np.testing.assert_allclose(cols, np.broadcast_to(want, cols.shape), atol=0.6)
    tiny = colour_classes.backdrop_colours(img[:2, :2])     # fewer rows than stretches: no empty median
    assert len(tiny) == 4 and np.isfinite(tiny).all()


def test_backdrop_colours_leave_out_a_border_through_the_head():
    """A face near the left border: its head (the oval scaled by HEAD_SCALE about its centre)
    reaches over three of the four stretches of that border (rows 0-89 of the upper 120), which
    show its hair, not what lies behind it: they are left out, the fourth (rows 90-119, below the
    head) kept. A head clear of the borders leaves the read as it was, and one over every stretch
    too (nothing else to read)."""
    img = np.zeros((200, 160, 3), np.uint8)
    img[:] = (BLUE * 255).astype(np.uint8)
    img[:, :20] = (HAIR * 255).astype(np.uint8)
    t = np.linspace(0, 2 * np.pi, 36, endpoint=False)
    oval = np.column_stack([30 + 25 * np.cos(t), 50 + 30 * np.sin(t)])   # its head: x -5..65, y 8..92
    plain = colour_classes.backdrop_colours(img)
    assert len(plain) == 2 * colour_classes.SEGMENTS
    np.testing.assert_allclose(colour_classes.backdrop_colours(img, oval), plain[3:])
    np.testing.assert_allclose(colour_classes.backdrop_colours(img, oval + [60, 0]), plain)   # clear of them
    wide = np.column_stack([80 + 100 * np.cos(t), 60 + 90 * np.sin(t)])
    np.testing.assert_allclose(colour_classes.backdrop_colours(img, wide), plain)   # over them all


def test_segment_distance_matches_dense_sampling():
    rng = np.random.default_rng(3)
    x, a, b = rng.normal(size=(50, 3)) * 10, rng.normal(size=3) * 10, rng.normal(size=(4, 3)) * 10
    t = np.linspace(0, 1, 20001)[:, None]
    ref = np.array([min(np.linalg.norm(a + t * (bk - a) - xi, axis=1).min() for bk in b) for xi in x])
    np.testing.assert_allclose(lab_colour.segment_distance(x, a, b), ref, atol=2e-3)


def _inside(layout):
    """Distance of each texel from the layout's border (texels), as hair.py measures it."""
    cov = layout.coverage.astype(np.uint8)
    return cv2.distanceTransform(np.pad(cov, 1), cv2.DIST_L2, 5)[1:-1, 1:-1]


def test_outward_carries_a_weight_to_the_border_not_inwards():
    lay = stages.geometry(64).layout
    s, cov = lay.size, lay.coverage
    ys, xs = np.nonzero(cov)
    cy, cx = int(round(ys.mean())), int(round(xs.mean()))
    left = xs[ys == cy].min()                   # the border on the centre's row, to the left
    blob = np.zeros((s, s), np.float32)
    bx = left + 6
    blob[cy - 2:cy + 3, bx - 1:bx + 2] = 1.0
    out = H.outward(blob, lay)
    assert out.shape == (s, s) and out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1
    assert (out[cy, left + 1:bx] > 0.5).all()   # between the blob and the border: under the hair
    assert (out[cy, bx + 6:cx] < 0.05).all()    # inwards of it: not
    assert (out[cy, cx + 5:][cov[cy, cx + 5:]] < 0.05).all()   # the other side: not


def _synthetic_face(s=64):
    """A skin-coloured layout with a hair band on its left border, the backdrop (and a mix of skin
    and backdrop) on its right border, and a photo with the backdrop on its sides."""
    lay = stages.geometry(s).layout
    cov = lay.coverage
    rng = np.random.default_rng(0)
    uv = np.where(cov[..., None], SKIN + rng.normal(0, 0.01, (s, s, 3)).astype(np.float32), 0).astype(np.float32)
    inside = _inside(lay)
    j = np.arange(s)[None, :].repeat(s, 0)
    band = cov & (inside < 0.06 * s)
    hair, blue = band & (j < s // 2 - 6), band & (j >= s // 2 + 6)   # (apart where they would meet)
    uv[hair] = HAIR
    uv[blue] = np.where((inside[blue] < 0.03 * s)[:, None], BLUE, 0.5 * (BLUE + SKIN))
    seen = cov.copy()
    trusted = cov & (inside >= 0.12 * s)
    img = np.zeros((120, 120, 3), np.uint8)
    img[:] = (BLUE * 255).astype(np.uint8)
    return lay, uv, seen, trusted, img, hair, blue


def test_hair_over_face_finds_the_hair_not_the_backdrop():
    lay, uv, seen, trusted, img, hair, blue = _synthetic_face()
    weight, colour, photo = H.hair_over_face(uv, seen, trusted, lay, img)
    assert weight.shape == seen.shape and weight.dtype == np.float32
    assert np.median(weight[hair]) > 0.9 and weight[hair].mean() > 0.8
    assert weight[blue].max() < 0.05            # the backdrop and its mix with skin stay filled
    assert (weight[trusted] == 0).all()
    assert photo[hair].mean() > 0.9 and not photo[blue].any() and not photo[trusted].any()
    np.testing.assert_array_equal(colour[photo], uv[photo])   # the photo's own hair texels
    # a backdrop of the hair's colour: the hair is taken for backdrop and filled (as before)
    img[:] = (HAIR * 255).astype(np.uint8)
    assert H.hair_over_face(uv, seen, trusted, lay, img)[0][hair].max() < 0.05


def test_the_skin_in_shade_is_not_hair():
    """The hair band's texels as dark as the photo's light makes the skin at their facing (shade:
    stages.skin_shade; a cheek turning away, poce_rt.hair's SHADED) and of the skin's own
    chromaticity (SHADE_CHROMA) are the skin in shade and leave the layer; where the light leaves
    the skin bright (their luma well under it), or where they are as dark but of another
    chromaticity (the hair, or its strands over the backdrop), they stay hair, their colours read
    as before."""
    lay, uv, seen, trusted, img, hair, _ = _synthetic_face()
    shaded = uv.copy()
    shaded[hair] = 0.3 * SKIN                      # the skin's chromaticity, as dark as hair
    luma = np.float32([0.299, 0.587, 0.114])
    for band, colour, leaves in ((shaded, 0.3 * SKIN, True), (uv, HAIR, False)):
        y = float(colour @ luma)
        plain = H.hair_over_face(band, seen, trusted, lay, img)
        lit = H.hair_over_face(band, seen, trusted, lay, img, shade=np.full(seen.shape, 4.0 * y, np.float32))
        dim = H.hair_over_face(band, seen, trusted, lay, img, shade=np.full(seen.shape, 1.1 * y, np.float32))
        assert plain[0][hair].mean() > 0.8
        np.testing.assert_array_equal(lit[0], plain[0])
        if leaves:
            assert dim[0][hair].max() < 0.05
        else:
            np.testing.assert_array_equal(dim[0], plain[0])
        np.testing.assert_array_equal(dim[2], plain[2])   # (the photo's own hair texels: as before)


def test_edge_on_texels_are_read_from_the_photo_at_their_position():
    """Texels the photo saw edge-on (not sampled) beyond a hair texel are hair by outward; ones
    with no sampled texel inwards are read from the photo where they lie."""
    lay, uv, seen, trusted, img, hair, _ = _synthetic_face()
    s = lay.size
    unseen = hair & (_inside(lay) < 0.03 * s)
    seen2 = seen & ~unseen
    uv2 = uv * seen2[..., None]
    # every texel lies on one photo pixel that shows hair: the unsampled band is read there
    img2 = img.copy()
    img2[10, 10] = (HAIR * 255).astype(np.uint8)
    pos = np.full((s, s, 2), 10.0, np.float32)
    pos[~unseen] = 60.0                         # (the others' position: the backdrop)
    weight, colour, photo = H.hair_over_face(uv2, seen2, trusted, lay, img2, pos)
    assert weight[unseen].mean() > 0.8
    assert not photo[unseen].any()              # not the photo's own texel: the hair's colour
    np.testing.assert_allclose(colour[unseen].mean(0), HAIR, atol=0.02)


def test_fill_keeps_the_hair_layer_and_does_not_mark_it_filled():
    lay, uv, seen, trusted, img, hair, blue = _synthetic_face()
    conf = np.where(trusted, 1.0, 0.0).astype(np.float32)
    mask = seen.astype(np.float32)
    layer = H.hair_over_face(uv, seen, trusted, lay, img)
    _, plain_fill, plain_filled = D.fill_unreliable(uv, mask, conf, lay)
    photo, fill, filled = D.fill_unreliable(uv, mask, conf, lay, hair=layer)
    core = hair & (layer[0] > 0.95)
    assert core.sum() > 20
    np.testing.assert_allclose(fill[core], uv[core], atol=0.05)        # the photo's hair
    assert np.abs(plain_fill[core] - uv[core]).mean() > 0.3            # (skin was painted over it)
    assert filled[core].max() < 0.06 and plain_filled[core].min() > 0.98
    np.testing.assert_allclose(fill[blue], plain_fill[blue], atol=0.02)   # the backdrop: filled
    np.testing.assert_array_equal(photo, D.fill_unreliable(uv, mask, conf, lay)[0])   # at the photo's pose


def test_hair_reach_runs_through_the_hair_to_the_backdrop_and_stops_at_skin():
    """hair_reach along rows of a synthetic photo, from the skin (x = 10) on: hair from x = 20 to
    59 on a blue backdrop; on the second row skin (a neighbour's face, an arm) follows the hair, on
    the third the hair runs out of the photo (where it ends is unknown: not measured), on the
    fourth a teal curtain (not the hair's colour) follows it; the fifth meets no hair before
    `begin`."""
    teal = np.array([0.2, 0.5, 0.5], np.float32)
    img = np.empty((50, 100, 3), np.uint8)
    img[:] = (BLUE * 255).astype(np.uint8)
    img[:, 10:20] = (SKIN * 255).astype(np.uint8)
    img[:40, 20:60] = (HAIR * 255).astype(np.uint8)
    img[10:20, 60:70] = (SKIN * 255).astype(np.uint8)
    img[10:20, 70:90] = (HAIR * 255).astype(np.uint8)      # hair again beyond the skin: not reached
    img[20:30, 60:] = (HAIR * 255).astype(np.uint8)
    img[30:40, 60:] = (teal * 255).astype(np.uint8)
    img[5, 40:42] = (BLUE * 255).astype(np.uint8)           # a 2-pixel gap in the hair: bridged
    skin = (lab_colour.lab(SKIN), np.array(colour_classes.SKIN_SPREAD_MIN, np.float32))
    backdrop = lab_colour.lab(BLUE)[None]
    start = np.array([[10.0, 5.0], [10.0, 15.0], [10.0, 25.0], [10.0, 35.0], [10.0, 45.0]])
    end = start + [[80.0, 0.0], [80.0, 0.0], [100.0, 0.0], [80.0, 0.0], [80.0, 0.0]]
    begin = np.full(5, 0.3)
    got = head_reach.hair_reach(img, start, end, begin, skin, backdrop)
    want = [(59 - 10) / 80, (59 - 10) / 80, 0.0, (59 - 10) / 80, 0.0]
    np.testing.assert_allclose(got, want, atol=1.5 / 80)
    # the hair starts only past `begin`: not the head's
    assert (head_reach.hair_reach(img, start, end, np.full(5, 0.1), skin, backdrop) == 0).all()
    # the backdrop has the hair's colour too: the hair is taken for backdrop, nothing is measured on
    # its rows (the teal row's curtain is a hair of its own then)
    assert (head_reach.hair_reach(img, start, end, begin, skin, lab_colour.lab(np.stack([HAIR, BLUE]))) == 0)[:3].all()


def test_backdrop_reach_runs_to_the_backdrop_whatever_the_hair_colour():
    """backdrop_reach along rows of a synthetic photo, from the skin (x = 10) on: on a blue
    backdrop, red hair hardly darker than the skin (which hair_like cannot tell from it) from x = 20 to
    59; on the second row the hair runs to the ray's end (a ceiling unlike the side borders beyond
    it: where the head ends is unknown), on the third out of the photo, on the fourth a 2-pixel gap
    of backdrop in the hair is bridged, the fifth meets the head only past `begin`. A backdrop of
    the hair's colour ends the head at once: nothing is measured (today's silhouette)."""
    red_hair = np.array([0.7, 0.45, 0.35], np.float32)
    img = np.empty((50, 100, 3), np.uint8)
    img[:] = (BLUE * 255).astype(np.uint8)
    img[:40, 10:20] = (SKIN * 255).astype(np.uint8)
    img[:40, 20:60] = (red_hair * 255).astype(np.uint8)
    img[10:20, 60:] = (red_hair * 255).astype(np.uint8)
    img[20:30, 60:] = (red_hair * 255).astype(np.uint8)
    img[35, 40:42] = (BLUE * 255).astype(np.uint8)
    img[40:, 50:70] = (red_hair * 255).astype(np.uint8)
    # the skin's spread as multi_face.jpg's face 0 reads it (sunglasses among the skin's pixels)
    skin = (lab_colour.lab(SKIN), np.array([31.7, 11.2, 9.1], np.float32))
    # not hair by colour
    assert colour_classes.hair_like(lab_colour.lab(red_hair), skin, lab_colour.lab(BLUE)[None]) < 0.5
    start = np.array([[10.0, 5.0], [10.0, 15.0], [10.0, 25.0], [10.0, 35.0], [10.0, 45.0]])
    end = start + [[80.0, 0.0], [80.0, 0.0], [100.0, 0.0], [80.0, 0.0], [80.0, 0.0]]
    begin = np.full(5, 0.3)
    got = head_reach.backdrop_reach(img, start, end, begin, lab_colour.lab(BLUE)[None])
    want = [(59 - 10) / 80, 0.0, 0.0, (59 - 10) / 80, 0.0]
    np.testing.assert_allclose(got, want, atol=1.5 / 80)
    # the skin (x = 10..19) is not backdrop either, so the fifth row's head starts at x = 50,
    # past begin: nothing; with the backdrop in the hair's colour the head ends at the skin's edge
    assert (head_reach.backdrop_reach(img, start, end, begin, lab_colour.lab(np.stack([red_hair, BLUE]))) < 0.3).all()


def test_ray_samples_reads_more_rays_than_remap_takes_rows():
    """hair_beside casts a ray from every texel of the layer (S=512: more than remap's 32767 rows);
    the read is the same as remap's row by row."""
    rng = np.random.default_rng(5)
    img = rng.integers(0, 256, (40, 50, 3), np.uint8)
    a = rng.uniform(-3, 53, (33000, 2))
    b = a + rng.uniform(-8, 8, (33000, 2))
    t, colours, inside, length = photo_rays.ray_samples(img, a, b)
    pts = (a[:, None] + t[None, :, None] * (b - a)[:, None]).astype(np.float32)
    ref = np.concatenate([cv2.remap(img, p[..., 0], p[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
                          for p in np.array_split(pts, 40)])
    np.testing.assert_array_equal(colours, lab_colour.lab(ref.astype(np.float32) / 255))
    assert colours.shape == (33000, len(t), 3) and inside.shape == (33000, len(t))


def test_photo_hair_is_the_hair_beside_the_face_not_the_collar():
    """photo_hair reads the hair around the face oval (a dark brown cap and sides), not the dark
    green collar under the chin (rays pointing down are left out) nor the skin/backdrop."""
    img = np.empty((200, 200, 3), np.uint8)
    img[:] = (BLUE * 255).astype(np.uint8)
    cv2.circle(img, (100, 95), 75, tuple(int(v) for v in HAIR * 255), -1)
    img[150:] = (20, 60, 25)                      # the collar
    cv2.ellipse(img, (100, 100), (50, 65), 0, 0, 360, tuple(int(v) for v in SKIN * 255), -1)
    ang = np.linspace(0, 2 * np.pi, 36, endpoint=False)
    oval = np.c_[100 + 50 * np.cos(ang), 100 + 65 * np.sin(ang)]
    colours = colour_classes.photo_colours(img, oval)
    assert colours.hair is not None
    np.testing.assert_allclose(colours.hair[0], lab_colour.lab(HAIR), atol=1.0)
    img[:] = (BLUE * 255).astype(np.uint8)       # no hair: none
    cv2.ellipse(img, (100, 100), (50, 65), 0, 0, 360, tuple(int(v) for v in SKIN * 255), -1)
    assert colour_classes.photo_colours(img, oval).hair is None


def test_the_layer_over_a_hair_skin_mix_takes_the_hair_beside_it():
    """The outline runs along the hair's edge: its texels there are a mix of hair and skin, which
    the layer drew as a grey band over a revealed cheek (15-f13-anc-ph.jpg at +25). Given the
    photo's hair colour (photo_hair), the mixed texels take the hair the photo shows beside them
    (outwards from their photo position) and are not the photo's own; the hair texels keep theirs."""
    lay, uv, seen, trusted, _, hair, _ = _synthetic_face()
    s = lay.size
    mix = hair & (_inside(lay) >= 0.03 * s)
    uv[mix] = 0.5 * (HAIR + SKIN)
    # the photo: the map three times larger on the backdrop, 40 px from its borders, hair beside
    # the layout on the left
    def big(a):
        a = cv2.resize(a, (3 * s, 3 * s), interpolation=cv2.INTER_NEAREST)
        return np.pad(a, ((40, 40), (40, 40)) + ((0, 0),) * (a.ndim - 2))
    img = big((uv * 255).astype(np.uint8))
    cov = big(lay.coverage.astype(np.uint8))
    beside = (cv2.dilate(cov, np.ones((31, 31), np.uint8)) > 0) & (cov == 0) \
        & (np.arange(img.shape[1])[None, :] < 40 + 1.5 * s)
    img[cov == 0] = (BLUE * 255).astype(np.uint8)
    img[beside] = (HAIR * 255).astype(np.uint8)
    pos = (np.stack(np.meshgrid(np.arange(s), np.arange(s)), -1) * 3 + 41).astype(np.float32)
    plain = H.hair_over_face(uv, seen, trusted, lay, img, pos)
    weight, colour, photo = H.hair_over_face(uv, seen, trusted, lay, img, pos,
                                             hair_colour=(lab_colour.lab(HAIR), (8.0, 3.0, 3.0)))
    assert weight[mix].mean() > 0.8
    np.testing.assert_allclose(np.median(plain[1][mix], 0), 0.5 * (HAIR + SKIN), atol=0.02)   # (before: the mix)
    np.testing.assert_allclose(np.median(colour[mix], 0), HAIR, atol=0.03)
    assert not photo[mix].any() and plain[2][mix].all()
    own = hair & ~mix
    np.testing.assert_array_equal(colour[own & photo], uv[own & photo])
    assert photo[own].mean() > 0.9


def test_face_beard_is_a_beard_not_shade_or_lips():
    """face_beard: a beard over most of the face below the nose tip (Image_with_alpha.png's: L 45
    against his skin's 78) is found, with its colour; the same lower face in shade (the skin's
    hue, darker) or with only its lips red and dark is not a beard."""
    from poce_rt.facemodel import load_face_model

    s = 64
    cov = stages.geometry(s).layout.coverage
    low = cov & ((np.arange(s) + 0.5) / s >= load_face_model().uvs[H.NOSE_TIP][1])[:, None]
    rng = np.random.default_rng(0)
    uv = np.where(cov[..., None], SKIN + rng.normal(0, 0.01, (s, s, 3)), 0).astype(np.float32)
    beard = low & (rng.random((s, s)) < 0.8)
    brown = np.float32([0.45, 0.38, 0.30])
    for colour, where, found in ((brown, beard, True), (0.55 * SKIN, beard, False),
                                 (np.float32([0.55, 0.25, 0.25]), low & (rng.random((s, s)) < 0.25), False)):
        got = H.face_beard(np.where(where[..., None], colour, uv), cov)
        assert (got is not None) == found, colour
        if found:
            np.testing.assert_allclose(got[1][0], lab_colour.lab(brown), atol=2.0)
