"""A hand over the face's outline stays in the photo where the turn draws fill (issue 15: the hand
over the brow).

Image_with_alpha.png is a laughing man with his palm on his brow, its heel over his far temple and
his forearm running off beside his head. The photo saw that temple edge-on, a strip a few pixels
wide under the heel (untrusted: poce_rt.disocclusion), and turned +25 the strip is drawn 40-50 px
wide, with the face beside it moved 30-55 px: over the heel the render drew the strip's fill, the
mirror of his near temple (brown hair and skin), while his fingers (trusted texels) moved with the
face and the heel and the arm beyond the outline stayed in the photo. The palm's lower edge became
the mesh's smooth outline drawn across his face, with a brown wedge and a grey smear where the heel
was: a hand torn in two (2459 pixels of the face's render beside his far eye that the photo shows
as the palm drawn darker than luma 0.68). Nothing here tells a hand from skin by its colour (the
same Lab as his lit cheek; the heel, lit to near white, lies 8-11 Lab from a grey of the photo's
borders), and the person segmenter calls it a person.

What does tell it: skin-coloured pixels that run from the face out past its outline, beside the
head and above its eyes, further than the head's own skin reaches (an arm). Beside and above the
eyes the head ends against the backdrop or its hair within a few silhouette distances D
(disocclusion's SILHOUETTE_FRAC of the face's width) of the tracked outline: a three-quarter
view's far forehead lies ~2 D past it (t1.jpg's face 1); an ear, the neck and the shoulders lie
below the eyes. So:

    1. skin: a pixel within SKIN_D[0] robust spreads of the photo's skin (colour_classes.photo_skin), nearer
       the skin than any backdrop colour by OCCLUDER_MARGIN spreads, not hair (colour_classes.hair_like, the
       photo's own hair colour past RIM_HAIR) nor the backdrop in a shadow, above the eye corners'
       line (down to EYE_BELOW D under it); read over the face and OCCLUDER_ZONE D past its outline;
    2. an arm: a connected run of such pixels with OCCLUDER_ARM D^2 or more of them beside the head
       (more sideways from the face's centre than up or down) OCCLUDER_BEYOND D or more past the
       outline: Image_with_alpha.png 25.7; Tom_Hanks_54745.png, t1.jpg's six faces and the other
       portraits here at most 1.95, multi_face.jpg's faces 0 and 2 0 and 3.4 (none: the segmenter
       is not run, nothing changes, bit for bit).
       multi_face.jpg's faces 1 and 3 (6.5, 9.5) have their neighbours' arm and neck beside them:
       held, but where their turns draw no fill (their edits are the same, bit for bit);
    3. the hand: where the segmenter runs, the run is redrawn by it (a person there, skin by
       colour: the near-white heel, 1.4-2.3 spreads from the skin but nearer a border grey than
       the skin by Lab, is the hand's), closed over half a D;
    4. held: the hand's pixels within OCCLUDER_HOLD D of where it crosses the outline beside the
       arm (all .. none). The fingers across the face from the arm are not held: turned the other
       way (-25), the fill drawn beside his fingertips at his near temple would have kept the
       photo's fingertips, a copy beside the moved ones; and held out to 6 D, the hold reached his
       far eye, whose yielded fill is drawn turned away too (92 pixels of his -25 changed).
       Nor is the backdrop in the hand's shadow below the heel held, nor the heel's last pixels
       above it, its mixes with it (GAP_BLUR).

The render's fill is then drawn only where the photo does not show the hand there (motion.hold:
the `moved` weight times 1 - held * the render's share of revealed fill): the heel and the arm stay
in the photo, the fingers (the photo's own texels) move with the face, and the kept heel meets the
moved palm where the fill begins, palm against palm: 764 torn pixels at +25 (left: the backdrop in
the hand's shadow below the heel, a grey smear); his -25 is the same, bit for bit. Where the turn
reveals the outline beside the hand (RingHold), the face holds it whatever its render draws there
(the heel met the render's palm moved ~6 px lower where the fill ended: a notch), and the ring
around the face keeps it too (surround.hold_ring): the frame the face keeps there is the photo's,
not the ring's hand moved with the outline, and the hand is one piece from the arm to the palm.
The skin the hand is one run with (3), where it is not held, is no backdrop either: its texels
are the photo's own along the outline (occluder_maps; disocclusion.on_skin), and his
fingertips over his near temple, turned -25, are drawn whole.
"""
from __future__ import annotations

import cv2
import numpy as np

from . import ops
from .complete import smoothstep
from .backdrop_rim import RIM_BACKDROP, RIM_HAIR
from .colour_classes import SHADOW_TELL_HELD, SKIN_D, hair_like, in_shadow
from .disocclusion import SILHOUETTE_FRAC, disc, silhouette_distance
from .head_proxy import FACE_OVAL
from .lab_colour import backdrop_distance, lab as to_lab, skin_distance
from .person import person_map

OCCLUDER_ZONE = 6.0      # D: how far past the outline the photo is read
OCCLUDER_BEYOND = 3.0    # D: past this, skin beside the head is not the head's own (a far forehead: ~2 D)
OCCLUDER_ARM = 4.0       # D^2: that much of it makes an arm (Image_with_alpha.png 25.7, heads' own <= 1.95)
OCCLUDER_MARGIN = 1.0    # robust skin spreads: how much nearer the skin than the backdrop a hand's pixel is
OCCLUDER_HOLD = (2.0, 4.0)   # D from where the hand crosses the outline beside the arm: held .. not
EYE_CORNERS = (33, 263)  # MediaPipe's outer eye corners: the hand is read above their line
EYE_BELOW = 1.0          # D: down to this below their line (the heel of a palm over a far eye)
PERSON_ON = 0.5          # the segmenter's chance of a person that is the hand's
# The backdrop in the hand's shadow (colour_classes.in_shadow, told as beside a held hand: SHADOW_TELL_HELD;
# not the backdrop itself: RIM_BACKDROP[1] Lab from it) lies between the heel and the cheek, and
# the heel's last photo pixels above it are mixes of the two: Image_with_alpha.png's, L 50-63 /
# a -2..5 / b 2-8 over ~5 px, 0.7-0.8 held. Turned +25 the render draws the revealed temple
# there, and the kept mixes were a grey-blue patch at the heel's lower edge. A hand's pixel is
# held none .. all from this far from that gap (photo pixels: its blur, not the face's size)
GAP_BLUR = (1.0, 5.0)
RING_HOLD_REACH = 1.0   # D: how far past the held hand the ring's hold reaches (RingHold)
# arm_beside's result not yet read (None is one: no arm). It costs ~4-5 ms a source (47 ms on
# Image_with_alpha.png's photo) and the held hand and the head proxy's far band both read it, so a
# prepared source carries it from the first to the second (stages.SourceMaps, pipeline.Source)
UNREAD = object()


def skin_pixels(lab: np.ndarray, colours) -> np.ndarray:
    """[N,3] Lab -> [N] bool: the skin's colour (module docstring, 1), not the backdrop's nor the
    hair's. colours: the photo's colour_classes.PhotoColours. The cheap test first, the rest on what passes."""
    med, spread = colours.skin
    skin_d = skin_distance(lab, colours.skin)
    out = skin_d < SKIN_D[0]
    c, near = lab[out], skin_d[out]
    backdrop_d = np.full(len(c), np.inf, np.float32)
    for b in np.asarray(colours.backdrop, np.float32):   # in the skin's spreads, as skin_d
        backdrop_d = np.minimum(backdrop_d, np.sqrt((((c - b) / spread) ** 2).sum(-1)))
    keep = (near + OCCLUDER_MARGIN < backdrop_d) & not_hair(c, colours)
    keep[keep] = in_shadow(c[keep], colours.backdrop, med) < 0.5
    out[out] = keep
    return out


def not_hair(lab: np.ndarray, colours) -> np.ndarray:
    """[...,3] Lab -> [...] bool: neither hair_like nor within RIM_HAIR[1] of the photo's hair."""
    out = hair_like(lab, colours.skin, colours.backdrop) < 0.5
    if colours.hair is not None:
        out &= skin_distance(lab, colours.hair) > RIM_HAIR[1]
    return out


def occluder_map(image: np.ndarray, face, geom, colours) -> np.ndarray | None:
    """The hand over the face's outline (module docstring) -> [H,W] float32 in [0,1], the share of
    the photo held at each pixel where the render draws fill, or None where there is none. image
    [H,W,3] uint8 the photo; face: its tracker.Face; geom: the stages.Geometry it is drawn with;
    colours: the photo's colour_classes.PhotoColours (surround.face_colours)."""
    return occluder_maps(image, face, geom, colours)[0]


def occluder_maps(image: np.ndarray, face, geom, colours, arm=UNREAD):
    """occluder_map's arguments -> (held: occluder_map's, skin: [H,W] bool the person's skin the
    hand is one run with, pixel by pixel, where it is not held (module docstring, 3: the fingers
    across the face and the face's own skin above the eyes, not the backdrop)); (None, None)
    where no arm is beside the head. arm: arm_beside's result where the caller has it (UNREAD:
    read here)."""
    image = np.asarray(image)[..., :3]
    found = arm_beside(image, face, geom, colours) if arm is UNREAD else arm
    if found is None:
        return None, None
    arm, lab, zone, face_px, beyond, side, above, d, (bx0, by0, bx1, by1) = found
    h, w = image.shape[:2]
    skin = _by_person(arm, image, face, lab, colours, zone, (bx0, by0))
    hand = cv2.morphologyEx(skin.astype(np.uint8), cv2.MORPH_CLOSE, disc(0.5 * d)) > 0
    # held near where it crosses the outline beside the arm, not across the face from it
    far = hand & (beyond >= OCCLUDER_BEYOND * d) & side
    to_far = cv2.distanceTransform((~far).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    crossing = hand & ~face_px & (to_far <= OCCLUDER_BEYOND * d)
    apart = cv2.distanceTransform((~crossing).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    held = hand * (1.0 - smoothstep(apart, OCCLUDER_HOLD[0] * d, OCCLUDER_HOLD[1] * d)) * above * \
        _off_gap(lab, zone, colours)
    out = np.zeros((h, w), np.float32)
    out[by0:by1, bx0:bx1] = held
    # each pixel's own (not the closing's, which may bridge a gap of the backdrop), and not where
    # the hand is held: there the photo's hand is kept over the fill (motion.hold), whose texels
    # yield as they did (held_holes, shadow_mix)
    own = np.zeros((h, w), bool)
    own[by0:by1, bx0:bx1] = skin & (held <= 0)
    return out if out.any() else None, own


def arm_beside(image: np.ndarray, face, geom, colours):
    """The arm beside the head (module docstring, 1-2), occluder_map's arguments -> None where
    there is none, else (arm [h,w] bool, lab [N,3] the zone's colours, zone, face_px, beyond
    [h,w] float32 (D from the face), side [h,w] bool, above [h,w] float32 (_above_eyes), d,
    (x0, y0, x1, y1) the box of the photo those maps cover). Without the segmenter: ~4 ms."""
    image = np.asarray(image)[..., :3]
    h, w = image.shape[:2]
    verts = geom.posed(face.vertices)
    d = max(1.0, SILHOUETTE_FRAC * float(face.bbox[2] - face.bbox[0]))
    inside, (x0, y0) = silhouette_distance(verts, geom.layout.tris, geom.layout.uvs, h, w)
    pad = int(np.ceil((OCCLUDER_ZONE + 1) * d))
    bx0, by0 = max(x0 - pad, 0), max(y0 - pad, 0)
    bx1, by1 = min(x0 + inside.shape[1] + pad, w), min(y0 + inside.shape[0] + pad, h)
    if bx1 <= bx0 or by1 <= by0:
        return None
    face_px = np.zeros((by1 - by0, bx1 - bx0), bool)
    face_px[y0 - by0:y0 - by0 + inside.shape[0], x0 - bx0:x0 - bx0 + inside.shape[1]] = inside > 0
    beyond = cv2.distanceTransform((~face_px).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    gy, gx = np.mgrid[by0:by1, bx0:bx1].astype(np.float32)
    above = _above_eyes(face.vertices, gx, gy, d)
    centre = np.asarray(face.vertices, np.float64)[:, :2].mean(0)
    side = np.abs(gx - centre[0]) >= np.abs(gy - centre[1])
    zone = (above > 0) & (face_px | (beyond <= OCCLUDER_ZONE * d))
    lab = to_lab(image[by0:by1, bx0:bx1][zone].astype(np.float32) / np.float32(255.0))   # [N,3] of the zone
    skin = np.zeros(zone.shape, bool)
    skin[zone] = skin_pixels(lab, colours)
    arm = _arm(skin, beyond >= OCCLUDER_BEYOND * d, side, d)
    if arm is None:
        return None
    return arm, lab, zone, face_px, beyond, side, above, d, (bx0, by0, bx1, by1)


def _off_gap(lab: np.ndarray, zone: np.ndarray, colours) -> np.ndarray | float:
    """[h,w] float32: how far each pixel lies from the backdrop in the hand's shadow (GAP_BLUR:
    none .. all of it held), read over `zone` [h,w] bool (lab [N,3]: its colours); 1.0 where the
    zone shows none."""
    gap = np.zeros(zone.shape, np.uint8)
    gap[zone] = (in_shadow(lab, colours.backdrop, colours.skin[0], SHADOW_TELL_HELD) > 0.5) & \
        (backdrop_distance(lab, colours.backdrop) > RIM_BACKDROP[1])
    if not gap.any():
        return 1.0
    far = cv2.distanceTransform(1 - gap, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return smoothstep(far, *GAP_BLUR).astype(np.float32)


def _above_eyes(vertices: np.ndarray, gx: np.ndarray, gy: np.ndarray, d: float) -> np.ndarray:
    """[h,w] float32: how far each pixel (gx, gy) lies above the line through the eye corners,
    smoothstep over one D from EYE_BELOW D under it (0 below that)."""
    a, b = (np.asarray(vertices, np.float64)[i, :2] for i in EYE_CORNERS)
    up = np.array([b[1] - a[1], a[0] - b[0]])
    up /= max(float(np.linalg.norm(up)), 1e-6)
    if up[1] > 0:   # towards the top of the face (image rows grow downwards)
        up = -up
    mid = 0.5 * (a + b)
    height = (gx - mid[0]) * up[0] + (gy - mid[1]) * up[1]
    return smoothstep(height, -EYE_BELOW * d, (1.0 - EYE_BELOW) * d).astype(np.float32)


def _arm(skin: np.ndarray, past: np.ndarray, side: np.ndarray, d: float) -> np.ndarray | None:
    """[h,w] bool: the connected runs of `skin` with OCCLUDER_ARM D^2 pixels or more `past` the
    outline beside the head (`side`), or None where there is none."""
    n, labels = cv2.connectedComponents(skin.astype(np.uint8), connectivity=8)
    count = np.bincount(labels[skin & past & side], minlength=n)
    count[0] = 0
    arm = count >= OCCLUDER_ARM * d * d
    return arm[labels] if arm.any() else None


def _by_person(arm: np.ndarray, image: np.ndarray, face, lab: np.ndarray, colours, zone: np.ndarray,
               origin) -> np.ndarray:
    """The hand as the person segmenter sees it (module docstring, 3): its runs of a person with
    the skin's colour (SKIN_D[0], not hair) in `zone` that meet `arm` ([h,w] bool over the box at
    origin (x0, y0) of the photo; lab [N,3] the zone's colours); `arm` itself where no segmenter
    runs."""
    person = person_map(image, np.asarray(face.vertices, np.float64)[list(FACE_OVAL), :2])
    if person is None:
        return arm
    ys, xs = np.nonzero(zone)
    on = np.zeros(zone.shape, bool)
    on[zone] = (person.at(np.stack([xs + origin[0], ys + origin[1]], -1)) >= PERSON_ON) & \
        (skin_distance(lab, colours.skin) < SKIN_D[0]) & not_hair(lab, colours)
    n, labels = cv2.connectedComponents(on.astype(np.uint8), connectivity=8)
    meets = np.bincount(labels[arm & on], minlength=n) > 0
    meets[0] = False
    return meets[labels] | arm


class RingHold:
    """The held hand as the ring around the face draws it (poce_rt.surround: the band past the
    face's outline warped with the moved oval). The face keeps the photo where the hand is held
    and the render draws fill (motion.hold), but the frame under it was the ring's, which moved
    the hand with the outline: turned +25, Image_with_alpha.png's heel was drawn lifted by the
    ring (its lower edge up to 17.6 px above the photo's) up to where the ring's band ends under
    the face, then stepped 14 px onto the photo's. So the ring keeps the photo's hand too
    (surround.hold_ring), where the pose reveals the outline beside it (where the render draws
    the fill the face holds): the held share, grown RING_HOLD_REACH D past the hand and blurred
    (_soft_reach), times the reveal of the oval's vertices (revealed.PoseReveal) read about
    the face's centre at each pixel's angle, linear between the two vertices either side. Turned
    the other way the outline is not revealed, the face draws the palm moved, and the ring moves
    the heel with it as before, bit for bit. held [H,W] float32 (occluder_map's), oval [K,2] the
    source's FACE_OVAL vertices (x, y). Only a hand over the outline is held so (crosses): a
    neighbour's arm or neck beside a face, held where no fill is drawn (multi_face.jpg's faces 1
    and 3), crosses no vertex of the oval, and kept by the ring it left slivers of the backdrop
    between it and the hair the ring moves beside it."""

    def __init__(self, held: np.ndarray, oval: np.ndarray):
        oval = np.asarray(oval, np.float64)
        h, w = held.shape[:2]
        self.crosses = crosses_outline(held, oval)
        d = max(1.0, SILHOUETTE_FRAC * float(np.ptp(oval[:, 0])))
        pad = int(np.ceil(3 * RING_HOLD_REACH * d)) + 1   # the soft reach, and an empty pixel past it
        ys, xs = np.nonzero(held > 0)
        self.box = (max(int(xs.min()) - pad, 0), max(int(ys.min()) - pad, 0),
                    min(int(xs.max()) + 1 + pad, w), min(int(ys.max()) + 1 + pad, h))   # x0, y0, x1, y1
        x0, y0, x1, y1 = self.box
        self.held = _soft_reach(np.ascontiguousarray(held[y0:y1, x0:x1], np.float32), d)
        # a read clipped to the box past it reads none
        self.held[[0, -1]] = 0.0
        self.held[:, [0, -1]] = 0.0
        centre = oval.mean(0)
        angle = np.arctan2(oval[:, 1] - centre[1], oval[:, 0] - centre[0])
        order = np.argsort(angle)
        k = len(order)
        at = np.concatenate([[angle[order[-1]] - 2 * np.pi], angle[order], [angle[order[0]] + 2 * np.pi]])
        gy, gx = np.mgrid[y0:y1, x0:x1] + 0.5
        pos = np.interp(np.arctan2(gy - centre[1], gx - centre[0]), at, np.arange(-1, k + 1)) % k
        lo = np.floor(pos).astype(np.int64)
        self.near = order[lo % k], order[(lo + 1) % k]     # [h,w] the oval vertices either side
        self.t = (pos - lo).astype(np.float32)

    def share(self, reveal: np.ndarray) -> np.ndarray:
        """The reveal [K] at the oval's vertices this step -> [h,w,1] float32 over self.box: how far
        the outline beside each pixel is revealed. The face holds the hand by it too, not only by
        the fill its render draws (motion.hold's fill: the most of the two): the render's fill
        share fell from 0.3 to 0 within 2 px across Image_with_alpha.png's palm at +25, where the
        held heel met the render's palm moved ~6 px lower, a dark notch in its lower edge."""
        r = np.asarray(reveal, np.float32)
        a, b = r[self.near[0]], r[self.near[1]]
        return (a + self.t * (b - a))[..., None]

    def weight(self, share: np.ndarray) -> np.ndarray | None:
        """share [h,w,1] (self.share's) -> [h,w,1] float32 over self.box: the photo's share the
        ring keeps; None where none is (nothing revealed beside the hand)."""
        out = self.held[..., None] * share
        return out if out.any() else None


def _soft_reach(held: np.ndarray, d: float) -> np.ndarray:
    """held [h,w] float32 grown RING_HOLD_REACH D past the hand and blurred over as far: the ring's
    read is pulled back towards each pixel's own by this share (surround.hold_ring), and a share
    that falls more slowly than the ring moves (its moves reach ~1 D) keeps that one warp, with
    no fold."""
    r = RING_HOLD_REACH * d
    grown = cv2.dilate(held, disc(r))
    return cv2.GaussianBlur(grown, (0, 0), r / 2).astype(np.float32)


def revealed_beside(fill, share, box, origin) -> None:
    """fill [h,w,1] float32 (the render's fill share over a box at origin (x0, y0) of the photo),
    in place = the most of it and share [bh,bw,1] (RingHold.share's, over `box` (x0, y0, x1, y1))
    where the two boxes meet. NumPy or CuPy, nothing allocated."""
    xp = ops.array_module(fill)
    h, w = fill.shape[:2]
    x0, y0 = max(box[0], origin[0]), max(box[1], origin[1])
    x1, y1 = min(box[2], origin[0] + w), min(box[3], origin[1] + h)
    if x1 <= x0 or y1 <= y0:
        return
    at = fill[y0 - origin[1]:y1 - origin[1], x0 - origin[0]:x1 - origin[0]]
    xp.maximum(at, share[y0 - box[1]:y1 - box[1], x0 - box[0]:x1 - box[0]], out=at)


def crosses_outline(held: np.ndarray, oval: np.ndarray) -> bool:
    """Whether the held map [H,W] covers a pixel under one of the oval's vertices [K,2] (x, y)."""
    h, w = held.shape[:2]
    at = np.clip(np.floor(np.asarray(oval, np.float64)).astype(int), 0, (w - 1, h - 1))
    return bool((held[at[:, 1], at[:, 0]] > 0).any())


def ring_hold(held: np.ndarray | None, oval: np.ndarray) -> RingHold | None:
    """RingHold(held, oval) where a held hand crosses the face's outline, else None (the soft
    reach is not worked out then)."""
    if held is None or not crosses_outline(held, oval):
        return None
    return RingHold(held, oval)
