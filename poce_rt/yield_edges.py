"""Where what yields meets what is kept (issue 15, item 1): once texels have yielded their trust to
their mirror texels (disocclusion.resolution_trust, poce_rt.backdrop_rim), beside a hand held over
the outline what the yield encloses yields with it (held_holes, whole_specks), and the kept texels
beside a region of fill that holds yielded texels yield by their distance to it, so that the fill
meets the photo over a few pixels (yield_join), starting past the photo's shaded edge beside the
region (shaded_edge). stages.complete_face applies both, in that order.
"""
from __future__ import annotations

import cv2
import numpy as np

from .complete import LUMA, low_pass, smoothstep
from .disocclusion import C_DROP, C_KEEP, disc
from .fill_light import YIELD_MIN

# A region of fill that holds yielded texels (a three-quarter view's far eye and cheek, with the
# nose's hidden far flank beside them) meets the kept photo along lines the photo drew as edges:
# t1.jpg's face 1's nose ridge was her nose's outline, its kept border texels 10-40 levels darker
# than the bridge 2-3 texels in (the shaded far flank behind it). Turned +25, the mirrored far
# half met them at once (t from 0 to 1 in a texel) and drew the old outline as a hard line down
# the nose bridge. The kept texels beside such a region yield too, by their distance to it in
# photo pixels (YIELD_JOIN: all .. none of the trust kept), so that the fill takes the old edge
# and meets the photo over a few pixels. Only beside a yield: a face whose texels yield nothing
# is drawn as before, bit for bit.
YIELD_JOIN = (1.0, 6.0)
# Beside a hand held over the outline (poce_rt.occluder), the far temple under its heel yields
# in runs with kept specks and slivers between them (Image_with_alpha.png: the light band between
# his sideburn and skin, 0.8-1 trusted, 1-4 texels across). Turned +25 each is stretched ~1.7x
# and drawn moved where the fill around it is held in the photo: grey streaks below the heel (70
# grey pixels; 22 closed). There the yield is closed over HELD_CLOSE photo pixels (held_holes).
# Only beside a held hand: nothing else changes. A speck the closing takes is taken whole where
# any of it lies beside the hand: cut at the reach's edge (backdrop_rim.MIX_HELD, 35 px there), 13 texels of a
# sliver below the heel that read the neutral grey stroke there mixed with his skin (0.5-0.84
# trusted, 35-42 px from the heel) stayed kept and drew a grey-blue speck at +25
HELD_CLOSE = 6.0
# ... a texel the closing lowers by more than this (of confidence) is taken: partial trust beside
# the yield is lowered a little everywhere along it, and chained through that, the speck's piece
# ran on 868 texels to 69 px from the heel (4 D); the specks it takes are 23 and 65 texels there
HELD_TAKEN = 0.1
# photo pixels from a yielded texel within which the region's texels count: on t1.jpg's face 1
# the nose's outline is 0-6 px from her yielded far eye and cheek; a near-frontal face whose few
# texels yield (single_face.jpg: 53) is drawn as before beyond that
YIELD_REACH = 8.0
# The photo's own shaded edge beside the region is no part of the skin the fill meets. t1.jpg's
# face 1: between her brows the far side of her nose's bridge, turned from the light, rises from
# luma 0.33 to 0.75 over ~9 photo pixels away from her yielded far eye; the join ran over it, and
# the fill (the relit mirror of her lit near side) met its dark texels halfway: turned +25, a dark
# line from her far brow's inner end to the bridge (across the filled map's contour between the
# brows the luma profile fell 24.6 levels below both its ends at worst, 13.3 over the 5 worst).
# Kept texels within EDGE_REACH photo pixels of the region, darker than the kept texels beyond
# them (EDGE_REACH .. 2 EDGE_REACH px out) by EDGE_DARK of luma or more and joined to the region
# through such texels, count as the region (shaded_edge), and the join starts past them: 9.8 and
# 5.2 (on her, 460 texels along her midline, forehead to chin). At 0.04 of luma the edge took 993
# texels and her far cheek took their shade with her far half's light (yielded_light): within 6
# Lab of the wall 0.25, the photo's own far cheek 0.19. Where the photo beside the region is no
# darker than beyond it, nothing changes, bit for bit (t1.jpg's largest face: 84 texels; of the
# held-out faces only t1.jpg's two change, the other four yield no region).
EDGE_REACH = 4.0
EDGE_DARK = 0.08
EDGE_NEAR = 0.05   # the weight of the kept texels beyond in that Gaussian: none .. enough to tell


def held_holes(yielding: np.ndarray, coverage: np.ndarray, beside: np.ndarray | None,
               pixel: float = 1.0) -> np.ndarray:
    """yielding [S,S] (the confidence after the yields) with what its yield encloses beside a hand
    held over the outline yielding too (beside [S,S] bool, backdrop_rim.held_reach's; module comment at
    HELD_CLOSE) -> [S,S] float32: there at most 1 - the yield (1 - yielding, clipped, on the
    coverage [S,S] bool) closed over HELD_CLOSE photo pixels (of `pixel` texels, disocclusion.pixel_texels),
    each speck the closing takes (lowers by over HELD_TAKEN) whole where any of it lies beside
    (whole_specks); the same values elsewhere; yielding itself where nothing is held (beside
    None)."""
    if beside is None:
        return yielding
    out = np.array(yielding, np.float32)
    fill = np.where(coverage, 1.0 - np.clip(out, 0.0, 1.0), 0.0).astype(np.float32)
    closed = cv2.morphologyEx(fill, cv2.MORPH_CLOSE, disc(HELD_CLOSE * pixel))
    beside = whole_specks(beside, out - (1.0 - closed) > HELD_TAKEN)
    out[beside] = np.minimum(out[beside], 1.0 - closed[beside])
    return out


def whole_specks(beside: np.ndarray, taken: np.ndarray) -> np.ndarray:
    """beside [S,S] bool grown by every speck of `taken` [S,S] bool (8-connected) any of whose
    texels lies in it: held_holes takes a speck whole, not cut at the reach's edge."""
    n, labels = cv2.connectedComponents(taken.astype(np.uint8), connectivity=8)
    hit = np.zeros(n, bool)
    hit[labels[beside & taken]] = True
    hit[0] = False
    return beside | hit[labels]


def yield_join(yielding: np.ndarray, keep: np.ndarray, coverage: np.ndarray, pixel: float = 1.0,
               uv: np.ndarray | None = None) -> np.ndarray:
    """[S,S] float32 in [0,1]: the share of its trust a kept texel keeps beside a region of fill
    that holds yielded texels (at least YIELD_MIN of the layout's texels; module comment at
    YIELD_JOIN): smoothstep of its distance in
    photo pixels (of `pixel` texels, disocclusion.pixel_texels) to that region's texels that are all fill
    (yielding below C_DROP) within YIELD_REACH of a yielded texel, over YIELD_JOIN; 1 elsewhere,
    and everywhere on a face whose texels yield nothing. yielding [S,S] the confidence after
    the yields (disocclusion.resolution_trust, poce_rt.backdrop_rim); keep [S,S] bool the texels kept before them
    (confidence >= C_KEEP); coverage [S,S] bool. uv: None, or [S,S,3] the sampled texture: the
    photo's shaded edge beside the region counts as the region (shaded_edge)."""
    out = np.ones(keep.shape, np.float32)
    fill = coverage & (yielding < C_KEEP)
    yielded = fill & keep
    if not yielded.any():
        return out
    n, labels = cv2.connectedComponents(fill.astype(np.uint8), connectivity=8)
    held = np.bincount(labels[yielded], minlength=n) >= YIELD_MIN * coverage.sum()
    held[0] = False
    if not held.any():
        return out
    px = max(1.0, float(pixel))
    # measured from its texels that are all fill (a sliver of its own kept at a yielded texel's
    # partial trust, the nose's outline, is joined like the rest) within YIELD_REACH of a
    # yielded texel (the silhouette's untrusted band runs around the whole face: a few texels
    # that yield on a frontal face join it)
    beside = cv2.distanceTransform((~yielded).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    region = held[labels] & (yielding < C_DROP) & (beside <= YIELD_REACH * px)
    if uv is not None:   # and the photo's shaded edge beside it, which the fill takes too
        region = region | shaded_edge(region, uv, keep & coverage, px)
    far = cv2.distanceTransform((~region).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    share = smoothstep(far, YIELD_JOIN[0] * px, YIELD_JOIN[1] * px)
    return np.where(coverage, share, out).astype(np.float32)


def shaded_edge(region: np.ndarray, uv: np.ndarray, kept: np.ndarray, px: float) -> np.ndarray:
    """[S,S] bool: the kept texels (kept [S,S] bool) within EDGE_REACH photo pixels (of px texels)
    of the region of fill (region [S,S] bool) that are darker (luma of uv [S,S,3]) than the kept
    texels beyond them (EDGE_REACH .. 2 EDGE_REACH px out, a Gaussian of EDGE_REACH px) by
    EDGE_DARK or more, and joined to the region through such texels (8-connected): the photo's
    shaded edge that the join is carried past (module comment at EDGE_REACH)."""
    far = cv2.distanceTransform((~region).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    reach = EDGE_REACH * px
    lum = (np.asarray(uv, np.float32) @ LUMA)[..., None]
    level, weight = low_pass(lum, kept & (far > reach) & (far <= 2 * reach), reach)
    dark = kept & (far > 0) & (far <= reach) & (weight >= EDGE_NEAR) & (lum[..., 0] < level[..., 0] - EDGE_DARK)
    n, labels = cv2.connectedComponents((dark | region).astype(np.uint8), connectivity=8)
    joined = np.zeros(n, bool)
    joined[labels[region]] = True
    joined[0] = False
    return dark & joined[labels]
