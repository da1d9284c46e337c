"""What the photo shows just past the face oval, along the ray from the oval's centre through each
oval vertex, read once per source (_past_oval; below_eyes: the vertices of the cheeks and the jaw):
the skin strip between the oval and the hair (skin_strip), the face's strip out to the backdrop
(edge_strip) and its own cheek past its mesh (cheek_outline), the oval past the head's edge
(edge_overshoot) and the backdrop beside it (backdrop_beside). poce_rt.proxy_pose's HeadProxy
draws its rings from them (the constants it reads are here, with the notes on what they mend:
REVEAL_MOVE, BESIDE_*), poce_rt.arm_rings the far cheek (cheek_outline), poce_rt.neck reads the
photo past the oval as backdrop_beside does.

Skin strip (issue 15, 15-f13-anc-ph.jpg at +25): where hair covers the cheek, the photo shows a
strip of skin a few pixels wide between the tracked oval and the hair, and on the side a turn
reveals the proxy's first band drew it outwards from the moved oval, a pale crescent beside the
face. skin_strip measures it per oval vertex once per source, and HeadProxy has the oval ring read
the photo past it there (STRIP_MAX, REVEAL_MOVE).
"""
from __future__ import annotations

import numpy as np

from . import masks
from .colour_classes import SKIN_D, hair_like, own_hair
from .face_colours import backdrop_like, face_colours
from .head_proxy import FACE_OVAL, face_past_oval, oval_radius, ramp
from .lab_colour import lab, skin_distance

# The photo's skin strip beside the oval (issue 15, 15-f13-anc-ph.jpg at +25: a bob of dark hair
# over both cheeks): the tracked oval runs a few pixels inside the face's visible edge, and where
# hair covers the cheek beyond it a strip of skin 4-6 px wide lies between the oval and the hair.
# On the side a turn reveals, the proxy's first band drew that strip from the moved oval outwards,
# a pale crescent 6-8 px wide beside the re-rendered face (row 330: L 44-54 where the photo has
# hair and backdrop at 27-37), which reads as a flat disc pasted on the head. skin_strip measures
# the strip along each oval vertex's ray (hair found within STRIP_MAX of the oval's mean radius,
# skin before it); HeadProxy moves the oval ring's photo position out across it, by how much the
# turn reveals there (REVEAL_MOVE: the oval vertex's outward move by the turn, past the oval's
# mean move, in oval radii; an expression's move of the oval reveals nothing beside it), so the
# first band reads the hair from the face's new outline and the strip is pressed into the ring
# under the face's feathered border.
STRIP_MAX = 0.1
REVEAL_MOVE = (0.05, 0.1)
# The face's edge past the oval against the backdrop (issue 15, single_face.jpg, yaw -8, turned
# +25): below the eyes the tracked oval can run inside the face's visible edge with the backdrop
# beyond it, his near cheek's from the ear down to the jaw's corner by 8-10 px (his face mesh
# reaches 3.6 px of it: head_proxy.face_past_oval, under proxy_pose.BEHIND_FACE's 5% of the radius),
# a strip ending in the photo's lit rim (L* 79-83 on a cheek of 64-70). On the side the turn
# reveals, the proxy's first band drew strip and rim from the moved oval outwards, past the face's
# outline: a pale bulge over the backdrop (skin-like pixels past the outline 7.4 px wide on average
# over those rows, 12 at most; 166 of them paler than the cheek beside them). edge_strip measures
# it along each oval vertex's ray, out to the backdrop's own colour (backdrop_like >= 0.5: past the
# rim) within STRIP_MAX of the oval's mean radius, no nearer than STRIP_BACKDROP_MIN px (nearer, the
# oval lies on the head's edge or past it: edge_overshoot's case), where skin_strip finds no hair;
# HeadProxy.mesh draws the rings that much nearer the moved oval there (poce_rt.proxy_pose's
# module comment: the edge strip). Read past by the oval ring alone, as the hair's strip is, the
# read went past the first proxy ring's (8 px out at his cheek) and the band between, folded, was
# filled with the head's colours: a paler, wider film.
STRIP_BACKDROP_MIN = 3
# ... only where the face mesh too reaches past the oval (face_past_oval, x the oval's mean radius:
# none at EDGE_PAST[0], fully from [1]): there the tracker's fit wraps the cheek past its oval and
# what the photo shows out to the backdrop is that cheek (single_face.jpg from the ear down: 0.032-
# 0.037). Where the oval lies on the face's outline (0-0.018) what lies beyond it short of the
# backdrop is an ear's lobe, an earring (multi_face.jpg's face 0, Image_with_alpha.png and t1.jpg
# at -25: 3-8 px of it), which turns with the head.
EDGE_PAST = (0.02, 0.03)
# The oval past the head's edge (issue 15, held-out multi_face.jpg's face 0, sunglasses, against
# the sky, turned -25): the tracked oval can run a few pixels outside the head, there along his far
# jaw by ~2 px onto the sky (the pixels at the oval vertex L* 88, the sky's; the jaw's edge 2-3 px
# in). On the side a turn reveals, the face's new outline moves out past the photo's edge, and the
# oval ring read the photo from the oval vertex: its band under the face's feathered border was
# the sky, and the feather drew the jaw's edge as a pale rim on it (L* 74 within 2 px of the
# outline, the photo's own jaw edge 61). edge_overshoot measures per oval vertex how far in from
# it the photo still shows what lies beyond the head (within OVERSHOOT_LIKE Lab of the median
# colour BESIDE_SKIP_PX .. BESIDE_REACH out along its ray), where OVERSHOOT_MAX of the oval's mean
# radius in the photo shows something else (OVERSHOOT_STEP Lab from it: the head); HeadProxy
# has the oval ring read the photo that far in, past the mix at the edge (a pixel more), and
# the ring inside the oval lies under the border there (under_border), so that the feather blends
# the face with the photo's own edge, moved with the oval (his jaw's edge at -25: L* 69, and 33% of
# it within 20 Lab of the sky where 56% was). Only below the eyes (above them what lies past the
# oval is mostly hair: below_eyes); a head whose oval lies on its skin, on hair or on a textured
# backdrop is drawn as before.
OVERSHOOT_MAX = 0.1
OVERSHOOT_LIKE = 10.0
OVERSHOOT_STEP = 20.0
# The backdrop beside the oval (issue 15, held-out Tom_Hanks_54745.png, yaw +18, turned -25
# towards frontal): where the photo sees a side of the face edge-on against its backdrop, the head
# as the photo saw it ends at the face's outline, a few pixels past the oval, and the proxy's
# rings beyond read the backdrop, squeezed into a strip 4-10 px wide. Where the turn widens that
# side, they were drawn turned with the head, out to 1.4x the oval: the strip stretched to ~20 px,
# which the stretched-strip fill painted with the head's colours, a flat pale crescent with an
# oval edge bulging into the backdrop beside the cheek, the photo's own cheek contour gone.
# backdrop_beside measures per oval vertex the share of the photo's pixels from BESIDE_SKIP_PX to
# BESIDE_REACH of the oval's mean radius out along its ray that are backdrop (backdrop_like) or,
# the larger, that are not the face's skin (lab_colour.skin_distance past the middle of colour_classes.SKIN_D);
# from a share of BESIDE_SHARE[0] (fully from [1]), where the turn draws the band from the oval
# to the silhouette wider than the photo shows it (BESIDE_GROWTH, the ratio of the two, along the
# oval's normal), HeadProxy.mesh draws the proxy's rings only as far out from the moved oval as
# the photo shows them: the photo's own cheek edge is the head's outline at the face's new
# outline, and beyond it the backdrop, warped by the outer band, stays backdrop. An ear, a neck,
# or the cheek running on past an oval tracked inside the face's outline (45-m7-di-ph.jpg's far
# side) are skin beside the oval: there the proxy turns as before. Not the backdrop's colours
# alone (t1.jpg's face 1, yaw -33, turned +25: her far side lies against a wooden wall that the
# photo's side borders do not show, which the colour classes took for hair; and the head's hair
# read beside the face, colour_classes.photo_hair, was that wall): on a side the photo sees edge-on
# (BESIDE_EDGE_ON) what lies beyond the outline is never the side of the head, which the outline
# hides, but the backdrop or hair behind the head, and turned with the head the proxy stretched
# a strip a few pixels wide out to 1.4x the oval, which the stretched-strip fill painted with the
# face's outline and the wall pulled together: a pale translucent film bulging into the wall,
# 35 px (0.73 oval radii) past the face's edge. Also where the photo shows the silhouette's ring
# behind the face (there the band of her far temple was drawn turned, and filled: HIDDEN_FILL):
# drawn at the photo's offsets (none) from the moved oval, the band collapses onto the face's
# new outline. The fringe ring goes with the silhouette so drawn (fringe_ring), and the outer
# band, on the backdrop, takes the stretch: left where the turned silhouette was, the fringe's
# band was drawn from the followed silhouette out to it and filled, a pale wedge beside her jaw.
# A still head widens nothing.
BESIDE_REACH = 0.15
BESIDE_SKIP_PX = 2
BESIDE_SHARE = (0.3, 0.6)
BESIDE_GROWTH = (1.0, 1.5)   # ... by how much wider than the photo shows it the turn draws that band
# ... and the photo sees that side edge-on: it shows the band from the oval to the silhouette at
# most BESIDE_EDGE_ON[0] (fully; from [1] not at all) of its width seen from the front (the
# silhouette's scale - 1, times the oval's mean radius). Seen from the front (a frontal face's
# sides: the band ~1x that), the photo shows the head's side and what lies beside it, and a turn
# widens the band by a little: turned with the head there, the side of a frontal head (curls
# against the sky, multi_face.jpg's face 0 at +25: MediaPipe 81% of the turn, 72% when it followed
# the oval) reads as turned.
BESIDE_EDGE_ON = (0.6, 0.9)
# ... where the proxy's outer facet turns towards the camera (its facing cosine gains this much:
# none .. fully). A side turning away can widen that band too (the oval moving in faster than the
# silhouette: Tom_Hanks at +25, beside his jaw), which uncovers what lay beside the head: the
# outer band draws that, as before.
BESIDE_TOWARD = (0.0, 0.05)
# ... and where the silhouette turns with the pose (NECK_CM), fully where it turns at least
# BESIDE_NECK of it: under the chin the neck does not turn, and there a band the turn widens is
# the chin sliding over the still neck, which shows no side of the head. Followed, the rings under
# t1.jpg's face 1 (yaw -33, turned +20) at three oval vertices moved 15-19 px with the chin while
# their neighbours stayed, and the outer band between them was drawn 3.65x its area and filled
# (STRETCH_FILL): a flat pale patch over the neck with a straight edge. (By the turn itself, the
# lower cheek of Tom_Hanks_54745.png at -25, whose silhouette turns 0.76 of the pose, followed
# less, and its outline past the face's edge was no longer the photo's own.)
BESIDE_NECK = 0.5


def _past_oval(image: np.ndarray, src_vertices: np.ndarray, first: int, reach: float):
    """The photo along the ray from the face oval's centre through each oval vertex, from `first`
    pixels past the vertex out to `reach` x the oval's mean radius (at least to `first`):
    (oval [K,2] float64, steps [S] int (pixels past the vertex), colours [K,S,3] float32 in [0,1],
    inside [K,S] bool (the pixel lies in the photo; clamped to its border where not))."""
    oval = np.asarray(src_vertices, np.float64)[list(FACE_OVAL), :2]
    if not np.isfinite(oval).all():
        raise ValueError("vertices contain NaN or inf")
    radial = oval - oval.mean(0)
    u = radial / (np.linalg.norm(radial, axis=1, keepdims=True) + 1e-9)
    steps = np.arange(first, max(int(np.ceil(reach * np.linalg.norm(radial, axis=1).mean())), first) + 1)
    h, w = image.shape[:2]
    pts = np.round(oval[:, None] + steps[None, :, None] * u[:, None]).astype(int)      # [K,S,2]
    inside = (pts[..., 0] >= 0) & (pts[..., 0] < w) & (pts[..., 1] >= 0) & (pts[..., 1] < h)
    px = image[np.clip(pts[..., 1], 0, h - 1), np.clip(pts[..., 0], 0, w - 1), :3].astype(np.float32) / 255.0
    return oval, steps, px, inside


def skin_strip(image: np.ndarray, src_vertices: np.ndarray, colours=None) -> np.ndarray:
    """[K] float64 photo pixels: the width of the photo's skin strip beyond each face oval vertex
    where hair covers the head beyond it (image [H,W,3] uint8, the face's [468,3] vertices in it):
    the distance along the ray from the oval's centre through the vertex to the first pixel within
    STRIP_MAX of the oval's mean radius that is hair (poce_rt.colour_classes.hair_like >= 0.5, read on the
    photo's own skin and backdrop), of the hair's own colour where some is (poce_rt.colour_classes.own_hair:
    past the hair/skin mix at its edge, which the oval ring drew as a pale rim under the face's
    feathered border, 15-f13-anc-ph.jpg at +25; else the read starts on the mix); 0 where
    no hair is found (a neck, an ear, a backdrop). colours: as silhouette_scales'. Once per
    source: ~1 ms."""
    image = np.asarray(image)
    oval, steps, px, inside = _past_oval(image, src_vertices, 1, STRIP_MAX)
    colours = face_colours(image, src_vertices) if colours is None else colours
    px = lab(px)
    hair = (hair_like(px, colours.skin, colours.backdrop) >= 0.5) & inside
    if colours.hair is not None:   # past the hair's mix with the skin where the hair itself follows
        own = hair & own_hair(px, colours.hair)
        hair = np.where(own.any(1, keepdims=True), own, hair)
    first = np.argmax(hair, axis=1)
    return np.where(hair.any(1), steps[first].astype(np.float64), 0.0)


def edge_strip(image: np.ndarray, src_vertices: np.ndarray, colours=None, strip=None) -> np.ndarray:
    """[K] float64 photo pixels: below the eyes, how far the face's strip beyond each face oval
    vertex runs out to the backdrop (STRIP_BACKDROP_MIN's note): the distance along the ray from the
    oval's centre through the vertex to its first pixel of the backdrop's own colour within
    STRIP_MAX of the oval's mean radius, if that is at least STRIP_BACKDROP_MIN, as far as the face
    mesh reaches past the oval there (EDGE_PAST); 0 where skin_strip finds hair first, above the
    eyes, or where no backdrop is found (a neck, an ear, a collar).
    image [H,W,3] uint8, the face's [468,3] vertices in it; colours: as silhouette_scales'; strip:
    skin_strip's when the caller has it (proxy_measures passes its own, negative where the oval lies
    past the head's edge: 0 there too, where the backdrop lies nearer than STRIP_BACKDROP_MIN
    anyway). Once per source: ~1 ms."""
    image = np.asarray(image)
    _, steps, px, inside = _past_oval(image, src_vertices, 1, STRIP_MAX)
    colours = face_colours(image, src_vertices) if colours is None else colours
    back = (backdrop_like(px, colours.backdrop) >= 0.5) & inside
    at = steps[np.argmax(back, axis=1)].astype(np.float64)
    hair = skin_strip(image, src_vertices, colours) if strip is None else np.asarray(strip)
    on = back.any(1) & (at >= STRIP_BACKDROP_MIN) & below_eyes(src_vertices) & (hair == 0)
    wraps = ramp(face_past_oval(src_vertices) / oval_radius(src_vertices), EDGE_PAST)
    return np.where(on, at * wraps, 0.0)


# The face's own far cheek past its mesh (issue 15, Image_with_alpha.png, yaw -10, turned -25):
# below the eyes the photo's face runs on past where the tracker's mesh ends beside the oval, out
# to its own rounded outline against the backdrop (his far cheek beside the heel of his hand, oval
# vertices 26-28: the mesh 6 px past the oval, the photo's face 20-24, a dark shadowed rim between).
# cheek_outline measures it along each oval vertex's ray out to the backdrop's own colour within
# CHEEK_REACH of the oval's mean radius (the beard under his far cheek: 31 px); arm_rings
# (ArmRings.past_cheek) draws that strip, turned away, past the turned face's outline.
CHEEK_REACH = 0.2


def cheek_outline(image: np.ndarray, src_vertices: np.ndarray, colours=None) -> np.ndarray:
    """[K] float64 photo pixels: below the eyes, how far the photo's face runs past each face
    oval vertex to its own outline (CHEEK_REACH's note): the distance along the ray from the
    oval's centre through the vertex to its first pixel of the backdrop's own colour
    (backdrop_like >= 0.5) within CHEEK_REACH of the oval's mean radius, at least
    STRIP_BACKDROP_MIN; 0 above the eyes or where no backdrop is found. image [H,W,3] uint8, the
    face's [468,3] vertices in it; colours: as silhouette_scales'. Once per source: ~1 ms."""
    image = np.asarray(image)
    _, steps, px, inside = _past_oval(image, src_vertices, 1, CHEEK_REACH)
    colours = face_colours(image, src_vertices) if colours is None else colours
    back = (backdrop_like(px, colours.backdrop) >= 0.5) & inside
    at = steps[np.argmax(back, axis=1)].astype(np.float64)
    on = back.any(1) & (at >= STRIP_BACKDROP_MIN) & below_eyes(src_vertices)
    return np.where(on, at, 0.0)


def edge_overshoot(image: np.ndarray, src_vertices: np.ndarray) -> np.ndarray:
    """[K] float64 photo pixels: how far each face oval vertex lies outside the head's edge in
    image [H,W,3] uint8 (the face's [468,3] vertices in it), module comment at OVERSHOOT_MAX: the
    pixels from the vertex inwards along the ray from the oval's centre that are like what lies
    beyond it, plus the one of the edge's mix; 0 where the vertex is not like what lies beyond,
    where the photo inside is like it too (no edge), or where the ray leaves the photo. Once per
    source: < 1 ms."""
    image = np.asarray(image)
    oval, _, beyond, beyond_on = _past_oval(image, src_vertices, BESIDE_SKIP_PX, BESIDE_REACH)
    far = np.median(lab(beyond), axis=1)   # [K,3]
    radial = oval - oval.mean(0)
    u = radial / (np.linalg.norm(radial, axis=1, keepdims=True) + 1e-9)
    n = max(1, int(np.ceil(OVERSHOOT_MAX * np.linalg.norm(radial, axis=1).mean())))
    h, w = image.shape[:2]
    pts = np.round(oval[:, None] - np.arange(n + 1)[None, :, None] * u[:, None]).astype(int)   # [K,n+1,2]
    on = (pts[..., 0] >= 0) & (pts[..., 0] < w) & (pts[..., 1] >= 0) & (pts[..., 1] < h)
    px = lab(image[np.clip(pts[..., 1], 0, h - 1), np.clip(pts[..., 0], 0, w - 1), :3].astype(np.float32) / 255.0)
    d = np.linalg.norm(px - far[:, None], axis=-1)
    like = d < OVERSHOOT_LIKE
    lead = np.where(like.all(1), 0, np.argmin(like, axis=1))   # the vertex's own pixel first
    edge = (d[:, -1] > OVERSHOOT_STEP) & beyond_on.all(1) & on.all(1)
    return np.where(edge & (lead > 0) & below_eyes(src_vertices), lead + 1.0, 0.0)


def below_eyes(src_vertices: np.ndarray) -> np.ndarray:
    """[K] bool: the face oval vertices below the line through the eyes' centres (the cheeks and
    the jaw: above it, what lies past the oval is mostly hair) of the face's [468,3] vertices."""
    v = np.asarray(src_vertices, np.float64)[:, :2]
    eyes = np.stack([v[list(masks.LEFT_EYE)].mean(0), v[list(masks.RIGHT_EYE)].mean(0)])
    across = eyes[1] - eyes[0]
    down = np.array([-across[1], across[0]])
    down *= np.sign(np.dot(down, v[152] - eyes.mean(0))) / (np.linalg.norm(down) + 1e-9)   # towards the chin
    return (v[list(FACE_OVAL)] - eyes.mean(0)) @ down > 0


def backdrop_beside(image: np.ndarray, src_vertices: np.ndarray, colours=None) -> np.ndarray:
    """[K] float64 in [0,1]: per face oval vertex, the share of the photo's pixels along the ray
    from the oval's centre through it, from BESIDE_SKIP_PX past it (its own edge, a mix) out to
    BESIDE_REACH of the oval's mean radius, that are the photo's backdrop (backdrop_like >= 0.5)
    or, the larger of the two, that are not the face's skin (lab_colour.skin_distance from the middle
    of SKIN_D: a greyscale photo's grey backdrop can be as near the skin as its skin's spread);
    pixels beyond the photo are neither: ~1 where the photo sees the face's outline against what
    lies behind the head, 0 beside an ear, a neck, more of the cheek. image [H,W,3] uint8, the
    face's [468,3] vertices in it; colours: as silhouette_scales'. Once per source: < 1 ms."""
    image = np.asarray(image)
    oval, _, px, inside = _past_oval(image, src_vertices, BESIDE_SKIP_PX, BESIDE_REACH)
    colours = face_colours(image, src_vertices) if colours is None else colours
    backdrop = (backdrop_like(px, colours.backdrop) >= 0.5) & inside
    not_skin = (skin_distance(lab(px), colours.skin) >= np.mean(SKIN_D)) & inside
    return np.maximum(backdrop.mean(1), not_skin.mean(1)).astype(np.float64)
