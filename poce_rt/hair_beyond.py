"""The head's hair past the head proxy's silhouette (poce_rt.silhouette.silhouette_scales), read
from the photo once per source: the fringe of loose strands and curl tips beyond it that goes with
the silhouette (fringe_widths), and the hair that hangs below a silhouette grown beside the jaw,
along which the outer ring reaches on down the photo (hanging_hair, hang_share). HeadProxy
(poce_rt.proxy_pose) takes them as its fringe and hang.
"""
from __future__ import annotations

import numpy as np

from .colour_classes import HAIR_SPREAD_MIN
from .face_colours import face_colours
from .head_proxy import FACE_OVAL, PROXY_REACH, PROXY_SCALES, head_proxy, oval_radius, ramp
from .head_reach import HAIR_D, PERSON_ON, fringe_reach, hair_at, run_end, strand_reach
from .lab_colour import robust_colour
from .photo_rays import ray_points, ray_samples
from .silhouette import BACKDROP_ROWS_CM, HAIR_ROWS_CM, SILHOUETTE_GROW

# Hanging hair (hanging_hair): below a silhouette grown beside the jaw, hair that hangs past it
# turns with the head at the top and less and less down its length (its lower part lies on the
# shoulders). The outer ring, fixed, lay just beyond the silhouette there, so all of the shift
# between the turned hair above and the still hair below fell into the few band triangles at jaw
# height: t1.jpg's face 0 turned -25 showed a notch in her hair's outer edge and zigzag strands
# under it (silhouette vertices 27 .. 24 moving 23, 20, 9.5, 2 px with the outer ring 12-20 px
# beyond them). There the outer ring reaches on down the photo (gravity), along the hair, so the
# shift fades over its length (strand bends under her jaw, 90th percentile, -25: 51 -> 23
# degrees, +25: 29 -> 10): by HANG_REACH x the oval's mean radius at most, as far as the photo
# shows the hair (the colour of the hair in the inner part, HANG_REF, of the grown band beside
# the cheek, within HAIR_D, where the person segmenter sees a person: a shoulder, a collar, the
# wall end it), and across to below the silhouette by the same share (straight down from where
# it lay, its band took in the wall's grey band beside her hair, whose top edge the head's rise
# at -25 lifted by 1-4 px from 12 px short of the hair; across, the band follows the hair down
# and that edge moves by 0-3 px, in the strip beside the hair the turn reveals), on oval vertices whose
# silhouette grew by HANG_GROWTH of SILHOUETTE_GROW's growth (fully at [1]) and HANG_SPAN further
# down the ring (tapered), below canonical y = HANG_ROWS_CM[0] (fully from [1]: above, the hair
# beside the temple hangs on, past the jaw, with the next vertices'). Only on a group photo (the
# segmenter read): where the head's hair is measured by colour alone, the silhouette's growth
# beside the jaw is an ear or a neighbour as often as hair.
HANG_GROWTH = (0.1, 0.3)
HANG_SPAN = 4
HANG_ROWS_CM = (-3.5, 0.5)
HANG_REACH = 1.6
HANG_REF = (0.2, 0.6)   # shares of the rays from the oval to the grown silhouette: its outer part may be a neighbour
# The hair's fringe beyond the silhouette (issue 15, 0-f1-su-ph.jpg and multi_face.jpg's face 0 at
# -25): the silhouette lies where the hair's solid edge ends, and loose strands and curl tips
# reach past it into the band to the fixed outer ring. On the side a turn takes away from the
# camera the silhouette moves in, by the turn's foreshortening and, as it lies ~4 cm behind the
# pose's pivot (the tracker's canonical origin), sideways against the face's move (0-f1: 58 px
# while the oval moves 36), and that band was drawn 2-3x wider than the photo shows it: the strands
# in it were smeared into long streaks flying off the head. A fringe ring FRINGE[1] of the way to
# the outer ring goes with the silhouette as far as the band would be stretched outwards (never
# wider than the photo shows it; narrowed with the band where a turn compresses it): the strands
# keep their length, and the band beyond, on the background, takes the stretch. A strand a pixel
# wide reads as backdrop seen through it, so the fringe is not where strands are found but the
# band short of the background's own things (fringe_widths: a wall's edge, a ceiling, a
# neighbour, which run on to the outer ring; FRINGE_GAP x the oval's mean radius short of them):
# carried with the head they bent the wall's edge above 0-f1's head. Only where the head reaches
# the silhouette (FRINGE_HAIR): beyond a silhouette on the backdrop there are no strands, and
# carried there the backdrop beside Tom_Hanks_54745.png's far cheek read 4 degrees less turn by
# dlib's judge. FRINGE[0]: at least this share (a band of no width reads no photo).
FRINGE = (0.05, 0.5)
FRINGE_GAP = 0.1
FRINGE_HAIR = 0.25   # ... only where at least this share of the proxy's last band is unlike the backdrop
FRINGE_SPAN = 2   # oval vertices either side whose reach bounds a vertex's fringe
# ... and out past the curl tips the hair reaches beyond FRINGE[1] (head_reach.strand_reach, read out to
# TIP_REACH of the band; TIP_PX past a tip's last pixel: the photo's blur of it), to FRINGE_TIPS at
# most (the band beyond keeps some of the photo to stretch), still short of the background's own
# things; only where silhouette_scales grew the silhouette to the head's measured reach: there it
# lies on the hair's solid edge, while at the default the hair's body runs on past it (carried as
# a fringe, Image_with_alpha.png's was smeared at +25). multi_face.jpg's young man: curls reach
# 0.62-0.65 of the band at his top-left, between two oval vertices, past the fringe (0.34-0.5);
# turned -25 (the silhouette 15-19 px in, the outer ring still) the band beyond drew them ~3x
# their length, streaks swept into the sky.
FRINGE_TIPS = 0.8
TIP_PX = 1.5
TIP_REACH = 1.5   # ... read out to this share of the band: a tip that touches the outer ring is not the background's


def hanging_hair(image: np.ndarray, src_vertices: np.ndarray, shape: np.ndarray, pose, silhouette: np.ndarray,
                 colours=None) -> np.ndarray:
    """How far the head proxy's outer ring reaches on down the photo below each oval vertex, along
    the hair that hangs past a silhouette grown beside the jaw (HANG_GROWTH .. HANG_REACH) -> [K]
    float64 photo pixels (0: the outer ring where it was). image [H,W,3] uint8, the face's
    [468,3] vertices in it, its canonical shape and Pose, silhouette [K] silhouette_scales';
    colours as silhouette_scales' (zeros unless it holds the person segmenter's map). ~1 ms."""
    from .fit import pose_vertices

    sv = np.asarray(src_vertices, np.float64)
    if not np.isfinite(sv).all():
        raise ValueError("vertices contain NaN or inf")
    k = len(FACE_OVAL)
    colours = face_colours(image, sv) if colours is None else colours
    sil = np.asarray(silhouette, np.float64)
    grown = ramp((sil / PROXY_SCALES[-1] - 1.0) / (SILHOUETTE_GROW - 1.0), HANG_GROWTH)
    if colours.person is None or not grown.any():
        return np.zeros(k)
    y = np.asarray(shape, np.float64)[list(FACE_OVAL), 1]
    if not hang_share(grown, y).any():
        return np.zeros(k)
    image = np.asarray(image)[..., :3]
    oval = sv[list(FACE_OVAL), :2]
    rim = pose_vertices(head_proxy(shape, silhouette=sil)[-1], pose)[:, :2].astype(np.float64)
    # the hair's colour: across the grown band beside the cheek and temple, where it hangs from
    ref = (grown >= 0.5) & (y > BACKDROP_ROWS_CM[1]) & (y < HAIR_ROWS_CM[1])
    if not ref.any():
        return np.zeros(k)
    t, lab, inside, _ = ray_samples(image, oval[ref], rim[ref])
    med, spread = robust_colour(lab[inside & (t[None, :] > HANG_REF[0]) & (t[None, :] < HANG_REF[1])], HAIR_SPREAD_MIN)
    length = HANG_REACH * oval_radius(sv)
    down = rim + np.array([0.0, length])
    t, lab, inside, ray = ray_samples(image, rim, down)
    pts = ray_points(rim, down, image.shape)[1]
    hair = (np.sqrt((((lab - med) / spread) ** 2).sum(-1)) <= HAIR_D) & (colours.person.at(pts) >= PERSON_ON)
    reach = run_end(hair & inside, t, inside, ray, np.full(k, 0.1), ends_on_ray=False)
    # read below the grown vertices, where the hair hangs from, and carried down the ring with them
    return hang_share(grown * reach, y) * length


def hang_share(grown: np.ndarray, y: np.ndarray) -> np.ndarray:
    """hanging_hair's share of the full reach per oval vertex: grown [K] in [0,1] (HANG_GROWTH's
    ramp of each silhouette vertex's growth, or that times the share of the reach the hair hangs
    below it), y [K] the oval's canonical rows -> [K] in [0,1]: the vertex's own or that of one
    up to HANG_SPAN above it along the ring (tapered by how far), from HANG_ROWS_CM's rows on."""
    share = grown.copy()
    for d in range(1, HANG_SPAN + 1):
        for step in (d, -d):
            above = np.roll(grown, step) * (np.roll(y, step) < y)
            share = np.maximum(share, above * (HANG_SPAN + 1 - d) / HANG_SPAN)
    return share * ramp(y, HANG_ROWS_CM)


def fringe_widths(image: np.ndarray, src_vertices: np.ndarray, shape: np.ndarray, pose, silhouette: np.ndarray,
                  colours=None) -> np.ndarray:
    """The hair's fringe beyond the head proxy's silhouette -> [K] float64 photo pixels
    (HeadProxy's fringe): FRINGE[1] of the way from each silhouette vertex (head_proxy with
    silhouette [K], silhouette_scales', posed) to the outer ring, but short of the background's
    own things (poce_rt.head_reach.fringe_reach, FRINGE_GAP x the oval's mean radius short, no further
    than its FRINGE_SPAN neighbours); only where the head reaches the silhouette (FRINGE_HAIR of
    the proxy's last band unlike the backdrop, poce_rt.head_reach.hair_at) and above the jaw
    (HAIR_ROWS_CM, as the silhouette's growth: beside the jaw and the neck lie a collar,
    shoulders, a neighbour's arm, which do not turn with the head). image
    [H,W,3] uint8, the face's [468,3] vertices in it, its canonical shape and Pose; colours as
    silhouette_scales'. Once per source: ~1 ms."""
    from .fit import pose_vertices

    sv = np.asarray(src_vertices, np.float64)
    if not np.isfinite(sv).all():
        raise ValueError("vertices contain NaN or inf")
    oval = sv[list(FACE_OVAL), :2]
    c = oval.mean(0)
    sil = np.asarray(silhouette, np.float64)
    rings = head_proxy(shape, silhouette=sil)
    rim, last = (pose_vertices(rings[i], pose)[:, :2].astype(np.float64) for i in (-1, -2))
    outer = c + (sil + PROXY_REACH - PROXY_SCALES[-1])[:, None] * (oval - c)
    colours = face_colours(image, sv) if colours is None else colours
    image = np.asarray(image)[..., :3]
    reach = fringe_reach(image, rim, outer, colours.backdrop, FRINGE_GAP * oval_radius(sv))
    # each vertex no further than its neighbours' (FRINGE_SPAN): a triangle between a ray that
    # meets the background's things and one that does not would still stretch them
    reach = np.min(np.stack([np.roll(reach, i) for i in range(-FRINGE_SPAN, FRINGE_SPAN + 1)]), 0)
    reach *= hair_at(image, last, rim, colours.backdrop) >= FRINGE_HAIR
    rows = ramp(-np.asarray(shape, np.float64)[list(FACE_OVAL), 1], (-HAIR_ROWS_CM[1], -HAIR_ROWS_CM[0]))
    band = np.linalg.norm(outer - rim, axis=1)
    grown = (sil > PROXY_SCALES[-1]) & (rows > 0) & (reach > FRINGE[1])
    tips = TIP_REACH * strand_reach(image, rim, rim + TIP_REACH * (outer - rim), colours.backdrop, grown)
    tips = np.where(tips > 0, np.minimum(tips + TIP_PX / np.maximum(band, 1e-6), FRINGE_TIPS), 0.0)
    return rows * np.maximum(np.minimum(reach, FRINGE[1]), np.minimum(tips, reach)) * band
