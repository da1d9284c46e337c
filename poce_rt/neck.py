"""The neck under a jaw that turns out over the backdrop (issue 15).

A face seen a little turned away (held-out multi_face.jpg's face 0, yaw +10) shows the backdrop
right beside and under its far jaw: the side of the neck is behind the jaw there. Turned towards
that side (-25), the head proxy (poce_rt.surround) drew its rings beside the jaw at the photo's
own offsets from the moved oval (backdrop_beside), so the jaw swelled out over the sky and only
sky lay under it down to the T-shirt: no neck. A head turned that way shows the side of its neck
under the jaw and the ear, running down to the shoulder; the photo has none of it to show.

So where a turn reveals such a side (HeadProxy.reveal), the proxy's rings under that jaw are
drawn as a neck (jaw_rings.JawRings.neck_rings): each oval vertex's rings hang straight down the photo
from the moved jaw to the first of the photo's pixels below it that steps away from the backdrop
(the collar, the shoulder: NeckLayer.foot; the neck does not turn, NECK_CM), as far as the turn
reveals the side. They read the face's own skin inside that jaw (NECK_READ), drawn larger than
the photo shows it and from behind the face's outline: the ring's texture fills those texels
(poce_rt.band_stretch: STRETCH_FILL, feature_mask.HIDDEN_FILL) with the head's fill, pulled from the skin about
the jaw, and marks them as fill (EditResult.filled). The vertex nearest the ear, the neck's side,
reads the photo where it did, beside the jaw: the band from it inwards reads across the jaw's edge
and draws the neck's side against the backdrop. Only a far jaw (NECK_FAR) that the photo shows
bare (NECK_BARE) against the backdrop along its length (NECK_RUN) gets a neck; every other face, a
still head and a turn the other way are drawn as before, bit for bit (of the held-out and the
repository's photos, only multi_face.jpg's face 0 has one).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .colour_classes import SKIN_D, hair_like
from .head_proxy import FACE_OVAL, NECK_CM, facing, head_proxy, outer_normals, oval_radius, ramp
from .lab_colour import lab, skin_distance

# the oval vertices whose rings may be drawn as neck: the sides of the jaw, where the proxy's first
# ring turns with the head in part (between head_proxy.NECK_CM's canonical y values: below the cheek,
# above the chin, under which the proxy's rings stay with the neck and the collar)
# ... where the photo shows what lies behind the head beside the vertex: the share of the pixels
# along past_oval.backdrop_beside's ray that are neither skin nor hair-like (behind();
# backdrop_beside counts a beard beside a jaw), none from NECK_BACKDROP[0], fully from [1]
# (multi_face.jpg's face 0: 0.57-1.0 beside his far jaw from the ear to the chin, 0.29 beside the
# ear, 0 beside his neck under the chin; at 0.5 the jaw's vertex next to the chin, 0.57, was drawn
# a quarter: the sky stayed between his chin and the neck)
NECK_BACKDROP = (0.3, 0.55)
# ... along NECK_RUN or more oval vertices in a row (at least half the gate each): a jaw turned out
# over the backdrop along its length; one vertex beside the backdrop is a gap by an ear or beside
# a beard (multi_face.jpg's near ear at +25, Image_with_alpha.png's beard beside his arm at +25: a
# neck drawn there was a thin skin-coloured streak)
NECK_RUN = 3
# ... on the far side of a face seen turned (the side the photo sees its neck behind the jaw):
# the proxy's outer facet there faces the camera less than its mirror's by NECK_FAR[0] (cosine,
# the side's mean), fully from [1] (multi_face.jpg's face 0, yaw +10: 0.19 under his far jaw).
# Seen frontally, the photo shows a neck under either jaw, which does not turn with the head
# (NECK_CM): drawn down from a turned jaw, the neck of the astronaut (yaw -1, 0.02 nearer) was
# filled from her pale skin and the backdrop about it, a ragged pale patch beside her jaw.
NECK_FAR = (0.05, 0.12)
# ... under a jaw the photo shows bare: at least NECK_BARE of its strip inside the oval (JAW_IN of
# the way to the oval's centre, JAW_SAMPLES a vertex) skin-like (lab_colour.skin_distance under SKIN_D[0]);
# under a beard, what a turn brings out is the beard's
NECK_BARE = 0.5
JAW_IN = (0.05, 0.25)
JAW_SAMPLES = 8
# the neck runs down from the moved jaw to the collar: the first pixel, within NECK_MAX of the
# oval's mean radius, that steps NECK_STEP (Lab) from the first pixel under the jaw and is not
# behind() (the sky to his dark T-shirt: ~70; a cloud in the sky steps less, and is behind()),
# to the collar's edge above it (edge(): half that step, between pixel centres).
# None where the column finds nothing behind the head within NECK_START radii under the jaw (the
# photo's own neck, chin or shirt lie there) or no collar within NECK_MAX.
NECK_MAX = 1.0
NECK_START = 0.25
NECK_STEP = 25.0
# the neck's rings (the proxy's, PROXY_SCALES' order) as shares of the way from the jaw down to the
# collar, the first just under the jaw (the face's feathered border lies over it)
NECK_SHARES = (0.04, 0.3, 0.55, 0.8, 1.0)
# ... reading the photo on the face inside the oval at the same vertex, from NECK_READ[0] of the way
# to the oval's centre (the top of the neck) to [1] (at the collar): the jaw's own skin. Nearer the
# oval, the rings read the jaw's outline itself (a dark line down the neck) and, where the tracked
# oval runs past the head's edge (multi_face.jpg's far jaw: edge_overshoot), the sky.
NECK_READ = (0.1, 0.3)


class NeckLayer(NamedTuple):
    """A source face's neck, measured once (neck_layer): gate [K] in [0,1] how far each oval vertex's
    rings are drawn as neck where the turn reveals its side (side [K]: -1, 1 either side of the
    chin, 0 the chin); start [h,w] bool and lab [h,w,3] float32 (photo_columns') over box (x0, y0,
    x1, y1) of the photo, where the neck's foot is looked for; radius: the oval's mean radius."""

    gate: np.ndarray
    side: np.ndarray
    start: np.ndarray
    lab: np.ndarray
    box: tuple
    radius: float

    def weight(self, reveal: np.ndarray) -> np.ndarray:
        """[K] how far each oval vertex's rings are drawn as neck where the turn reveals the oval's
        vertices by reveal [K] (proxy_pose.HeadProxy.reveal): the gate times the most its side is
        revealed (beside the chin a turn hardly moves the oval out, yet the neck under the jaw
        reaches there)."""
        w = np.zeros(len(self.gate))
        for s in (-1, 1):
            on = (self.side == s) & (self.gate > 0)
            if on.any():
                w[on] = self.gate[on] * reveal[on].max()
        return w

    def foot(self, top: np.ndarray) -> np.ndarray:
        """[K,2] points (the moved jaw, photo pixels) -> [K] px: how far straight down the photo from
        each (where the gate is open) the neck runs to the collar's edge (NECK_MAX's note), 0 where
        none."""
        x0, y0, x1, y1 = self.box
        steps = np.arange(1, int(np.ceil(NECK_MAX * self.radius)) + 1)
        out = np.zeros(len(top))
        for k in np.flatnonzero(self.gate > 0):
            x, y = int(np.floor(top[k, 0])), np.floor(top[k, 1]).astype(int) + steps
            rows = np.flatnonzero((y >= y0) & (y < y1))
            if not x0 <= x < x1 or not rows.size:
                continue
            start = self.start[y[rows] - y0, x - x0]
            first = np.flatnonzero(start)
            if not first.size or steps[rows[first[0]]] > NECK_START * self.radius:
                continue
            col = self.lab[y[rows] - y0, x - x0]
            i = first[0]
            d = np.linalg.norm(col[i:] - col[i], axis=1)
            stop = np.flatnonzero((d > NECK_STEP) & ~start[i:])
            if stop.size:
                out[k] = edge(d[:stop[0] + 1]) + y[rows[i]] - top[k, 1]
        return out


def edge(d: np.ndarray) -> float:
    """[n] Lab distances from the first backdrop pixel down a column to the collar's first pixel
    (d[-1]) -> px below the first pixel's top: where the column crosses half that step, between
    pixel centres. The pixels between the backdrop and the collar mix the two (multi_face.jpg's
    sky over his T-shirt: 1-3 of them, read as behind the head): the neck drawn down to the
    collar's first pixel covered them and ended 1-4 px inside the T-shirt, by how many the column
    had (a stair-stepped collar under the neck)."""
    e = int(np.flatnonzero(d >= 0.5 * d[-1])[0])
    if e == 0:
        return 0.0
    return e - 0.5 + float((0.5 * d[-1] - d[e - 1]) / max(d[e] - d[e - 1], 1e-6))


def neck_layer(image: np.ndarray, face, colours=None, silhouette: np.ndarray | None = None) -> NeckLayer | None:
    """The source face's NeckLayer, or None where no side of its jaw shows the backdrop beside it
    along its length (NECK_RUN) and bare (NECK_BARE). image [H,W,3] uint8; face: a tracker Face
    (vertices, shape, pose); colours: face_colours.face_colours' (None: read here); silhouette: [K]
    silhouette_scales' (head_proxy's). Once per source."""
    from .face_colours import face_colours
    from .past_oval import BESIDE_REACH, BESIDE_SKIP_PX, _past_oval

    image = np.asarray(image)[..., :3]
    sv = np.asarray(face.vertices, np.float64)
    colours = face_colours(image, sv) if colours is None else colours
    rings = head_proxy(face.shape, silhouette=silhouette)
    low = (rings[0, :, 1] > NECK_CM[0]) & (rings[0, :, 1] < NECK_CM[1])
    # how much more each vertex's side of the head turns away from the camera than its mirror's
    towards = facing(outer_normals(rings), face.pose)
    away = towards[(-np.arange(len(towards))) % len(towards)] - towards
    _, _, px, inside = _past_oval(image, sv, BESIDE_SKIP_PX, BESIDE_REACH)
    gate = along_jaw(ramp((behind(px, colours) & inside).mean(1), NECK_BACKDROP) * low)
    oval = sv[list(FACE_OVAL), :2]
    chin = int(np.argmax(oval[:, 1]))
    side = np.sign(np.arange(len(oval)) - chin)
    for s in (-1, 1):
        on = (side == s) & (gate > 0)
        if not on.any():
            continue
        far = ramp(np.array(away[on].mean()), NECK_FAR)
        gate = np.where(side == s, gate * far * (jaw_bare(image, oval, on, colours) >= NECK_BARE), gate)
    if not gate.any():
        return None
    radius = oval_radius(sv)
    h, w = image.shape[:2]
    margin = int(np.ceil((NECK_MAX + 1.0) * radius))
    box = (max(int(oval[:, 0].min()) - margin, 0), max(int(oval[:, 1].min()), 0),
           min(int(oval[:, 0].max()) + margin, w), min(int(oval[:, 1].max()) + margin, h))
    start, lab = photo_columns(image, box, colours)
    return NeckLayer(gate, side, start, lab, box, radius)


def along_jaw(gate: np.ndarray) -> np.ndarray:
    """[K] gate -> the gate where NECK_RUN or more oval vertices in a row reach half of it (and at
    the run's two neighbours), 0 elsewhere."""
    full = np.asarray(gate) >= 0.5
    keep = np.zeros(len(gate), bool)
    k = 0
    while k < len(gate):
        end = k
        while full[k] and end + 1 < len(gate) and full[end + 1]:
            end += 1
        if full[k] and end - k + 1 >= NECK_RUN:
            keep[max(k - 1, 0):end + 2] = True
        k = end + 1
    return np.where(keep, gate, 0.0)


def jaw_bare(image: np.ndarray, oval: np.ndarray, on: np.ndarray, colours) -> float:
    """The share of the photo's pixels on the face inside the oval [K,2] at the vertices on [K]
    (JAW_IN of the way to its centre: the tracked neighbours inside a far jaw seen edge-on can lie
    past the oval, on the sky) that are skin-like (lab_colour.skin_distance under SKIN_D[0])."""
    o = np.asarray(oval, np.float64)
    t = np.linspace(*JAW_IN, JAW_SAMPLES)[:, None, None]
    pts = (o[on][None] + t * (o.mean(0) - o[on])[None]).reshape(-1, 2)
    h, w = image.shape[:2]
    x = np.clip(np.floor(pts[:, 0]).astype(int), 0, w - 1)
    y = np.clip(np.floor(pts[:, 1]).astype(int), 0, h - 1)
    px = image[y, x, :3].astype(np.float32) / 255
    return float((skin_distance(lab(px), colours.skin) < SKIN_D[0]).mean())


def photo_columns(image: np.ndarray, box, colours):
    """The photo over box (x0, y0, x1, y1) of image [H,W,3] uint8 as NeckLayer.foot scans it ->
    (start [h,w] bool: behind(); lab [h,w,3] float32: its Lab)."""
    x0, y0, x1, y1 = box
    crop = image[y0:y1, x0:x1].astype(np.float32) / 255
    return behind(crop, colours), lab(crop)


def behind(rgb: np.ndarray, colours) -> np.ndarray:
    """[...,3] float32 RGB in [0,1] -> [...] bool: what may lie behind the head: unlike the face's
    skin (colour_classes.SKIN_D's middle, as backdrop_beside tells it) and not hair-like (colour_classes.hair_like:
    darker than the skin, unlike it and the backdrop: a beard, dark clothing). Not by the backdrop's
    colours: a group photo's, read on its borders, take in other people's skin and leave out the
    clouds (multi_face.jpg's sky beside his jaw)."""
    c = lab(np.asarray(rgb, np.float32))
    return (skin_distance(c, colours.skin) >= np.mean(SKIN_D)) & (hair_like(c, colours.skin, colours.backdrop) < 0.5)


# The shadow a jaw casts on the neck (issue 15, held-out t1.jpg's face 1, yaw -33, turned +25): under
# her near jaw the photo shows a dark band on the neck (L* 39-55 over the 5-6 px from the oval to the
# proxy's first ring, her lit neck beyond it 72-80). There the proxy's first ring stays with the
# neck (NECK_CM) while the turn moves her jaw 5-10 px towards it along the neck, and the band from
# the moved jaw to the ring, which reads that shadow, was drawn 1.7-2.3 px wide: a thin dark line
# with the lit neck right under the jaw, the turned face a pasted mask. A cast shadow moves with
# what casts it (jaw_rings.JawRings.under_chin: the ring is drawn as far out from the moved jaw as
# the photo shows it). It is told by the band from the oval to the first ring being darker than
# the photo further out (to the proxy's third ring), by SHADOW_DL[0] L* (none) .. [1] (fully) in
# median: t1.jpg's face 1 14-25 under her near jaw; along NECK_RUN or more vertices in a row
# (along_jaw: a jaw's shadow runs along the jaw; a dark lock beside it does not: t1.jpg's face 0,
# 15 beside her chin at two vertices, her cards beyond; multi_face.jpg's face 0, 18 at the chin's
# vertex alone), where the photo further out is not the backdrop (a dark beard on a pale wall:
# Image_with_alpha.png, 16-24 at two vertices). The other held-out faces are below it (under 10)
# or off the run. The repository's 0-f15-hao-ph.jpg, 15-f13-anc-ph.jpg and 45-m7-di-ph.jpg show
# such a shadow under one jaw too (three vertices each): turned +25, the L* profile 0-12 px out
# from their drawn jaws there, against the photo's from theirs, rms 5.2 -> 1.5, 7.3 -> 1.4 and
# 4.9 -> 1.9 (t1.jpg's face 1: 10.4 -> 6.1); multi_face.jpg's face 1's, under a jaw that moves
# away from the neck at +-25, is drawn as before.
SHADOW_DL = (10.0, 14.0)
# the samples a photo strip (the band, and the neck beyond it) is read with, per oval vertex
SHADOW_SAMPLES = 12


def jaw_shadow(image: np.ndarray, face, silhouette: np.ndarray | None = None, colours=None) -> np.ndarray | None:
    """[K] in [0,1]: how surely the photo shows a shadow the jaw casts on the neck past each oval
    vertex whose proxy rings stay with the neck (SHADOW_DL's note), or None where none does. image
    [H,W,3] uint8; face: a tracker Face (vertices, shape, pose); silhouette: [K] silhouette_scales'
    (head_proxy's); colours: face_colours.face_colours' (None: read here). Once per source."""
    from .fit import pose_vertices
    from .head_proxy import outward, oval_normals
    from .face_colours import backdrop_like, face_colours

    image = np.asarray(image)[..., :3]
    sv = np.asarray(face.vertices, np.float64)
    rings = head_proxy(face.shape, silhouette=silhouette)
    under = rings[0, :, 1] > NECK_CM[0]   # the first ring stays with the neck in part
    if not under.any():
        return None
    p = sv[list(FACE_OVAL), :2]
    n = oval_normals(p)
    first, third = (outward(pose_vertices(rings[j], face.pose)[:, :2], p, n) for j in (0, 2))
    t = np.linspace(0.0, 1.0, SHADOW_SAMPLES)[None, :]
    band = photo_along(image, p, n, np.maximum(first, 0.0)[:, None] * t)
    beyond = photo_along(image, p, n, np.maximum(first[:, None] + (third - first)[:, None] * t, 0.0))
    colours = face_colours(image, sv) if colours is None else colours
    dl = np.median(lab(beyond)[..., 0], 1) - np.median(lab(band)[..., 0], 1)
    shown = (first > 0) & (third > first) & (backdrop_like(beyond, colours.backdrop).mean(1) < 0.5)
    gate = along_jaw(ramp(dl, SHADOW_DL) * under * shown)
    return gate if gate.any() else None


def photo_along(image: np.ndarray, p: np.ndarray, n: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The photo image [H,W,3] uint8 at t [K,S] px out from each oval vertex p [K,2] along its normal
    n [K,2] (bilinear, clamped to the border) -> [K,S,3] float32 RGB in [0,1]."""
    import cv2

    h, w = image.shape[:2]
    pts = np.clip(p[:, None] + t[..., None] * n[:, None], 0.0, [w - 1, h - 1])
    # only the box the samples span, in float (the whole photo's conversion took 10 ms)
    x0, y0 = np.floor(pts.reshape(-1, 2).min(0)).astype(int)
    x1, y1 = np.floor(pts.reshape(-1, 2).max(0)).astype(int) + 2
    rgb = np.ascontiguousarray(image[y0:y1, x0:x1, :3], np.float32) / 255
    pts = (pts - [x0, y0]).astype(np.float32)
    return cv2.remap(rgb, pts[..., 0], pts[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
