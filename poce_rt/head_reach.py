"""How far the head reaches beyond the face along rays from its oval, read on the photo by its
colour classes (poce_rt.colour_classes; issue 15): its hair (hair_reach), whatever is unlike the
backdrop (backdrop_reach), the person segmenter's person (person_reach), and how far past the
silhouette the band holds nothing of the background's own (fringe_reach) and the hair's loose
strands reach (strand_reach); each ray's share of hair or head (hair_share, hair_at). All of them
end a run of samples where run_end finds it ending. poce_rt.silhouette sizes the head proxy's
silhouette by them, so that all of the hair turns with the head, and poce_rt.hair_beyond its fringe
ring, which carries the hair's loose strands with the head.
"""
from __future__ import annotations

import numpy as np

from .colour_classes import BACKDROP_D, HAIR_REF_MIN, HAIR_SPREAD_MIN, hair_like
from .complete import smoothstep
from .lab_colour import backdrop_distance, robust_colour
from .photo_rays import ray_points, ray_samples

HAIR_GAP_PX = 4                  # this many pixels in a row that are not hair end the hair along a ray
HAIR_D = 3.5                     # robust distance from the hair's colour (in spreads): still hair
TIP_STEP_PX = 1.0                # strand_reach: rays across each vertex's band about this far apart (a strand is a pixel or two wide)
PERSON_ON = 0.5                  # person_reach: the segmenter's chance of a person that is the head


def run_end(on: np.ndarray, t: np.ndarray, inside: np.ndarray, length: np.ndarray, begin, ends_on_ray: bool,
            gap_px=HAIR_GAP_PX) -> np.ndarray:
    """Where a run of `on` samples that starts before share `begin` [K] of each ray ends -> [K]
    float64, the share of the last `on` sample before the first gap_px (a scalar or [K]; default
    HAIR_GAP_PX) pixels in a row that are not (a stray gap of fewer is bridged), or the photo's
    edge; 0 where no run starts before
    `begin` and where the run runs to the photo's edge (where it ends is unknown). on, inside
    [K,n] bool and t [n], length [K] (ray_samples'). ends_on_ray: the gap must lie on the ray
    (False: the run may end at the ray's end, beyond which nothing is `on`)."""
    k, n = on.shape
    rows = np.arange(k)
    early = t[None, :] < np.asarray(begin, np.float64)[:, None]
    start_at = on.argmax(1)                      # each ray's first `on` sample
    starts = on[rows, start_at] & early[rows, start_at]
    g = np.clip(np.ceil(gap_px * (n - 1) / np.maximum(length, 1e-6)), 1, n).astype(int)    # samples
    count = np.zeros((k, 2 * n + 1))
    count[:, 1:n + 1] = np.cumsum(~on, axis=1)
    # beyond the ray: not `on` (the run ends at the ray's end), or unknown (no gap found there)
    count[:, n + 1:] = count[:, n:n + 1] + (0 if ends_on_ray else np.arange(1, n + 1))
    i = np.arange(n)[None, :]
    runs = (count[rows[:, None], i + g[:, None]] - count[rows[:, None], i] >= g[:, None]) | ~inside
    runs &= i > start_at[:, None]
    ended = runs.any(1)
    first = np.where(ended, runs.argmax(1), n)       # the first sample of the ending run
    at_edge = ~inside[rows, np.minimum(first, n - 1)]
    return np.where(starts & ~at_edge & (ended | (not ends_on_ray)), t[np.maximum(first - 1, 0)], 0.0)


def hair_reach(image: np.ndarray, start: np.ndarray, end: np.ndarray, begin: np.ndarray, skin,
               backdrop: np.ndarray) -> np.ndarray:
    """How far the head's hair reaches along rays from start [K,2] to end [K,2] (photo pixels) ->
    [K] float64 in [0,1], the share of each ray where it ends. Hair: hair_like >= 0.5 and within
    HAIR_D spreads of the hair's own colours, read on the rays' hair before share `begin` [K] of
    the way (the head's hair: a teal curtain or a dark frame behind it is neither skin nor the side
    borders' backdrop either). On each ray the hair must start before `begin` (skin, a forehead,
    an ear may come first) and ends at the last hair pixel before HAIR_GAP_PX in a row that are
    not (backdrop, skin: a neighbour's face or arm, something of another colour; run_end). 0 where
    no hair starts before `begin`, where the hair runs to the photo's edge (a dark ceiling or frame
    beyond the hair, which the side borders do not show, reads as hair too: where it ends is
    unknown), and on all rays where the rays see less than HAIR_REF_MIN hair samples before
    `begin`. image [H,W,3] uint8; skin and backdrop as hair_like's."""
    t, colours, inside, length = ray_samples(image, start, end)
    hair = (hair_like(colours, skin, backdrop) >= 0.5) & inside
    early = t[None, :] < np.asarray(begin, np.float64)[:, None]
    if (hair & early).sum() < HAIR_REF_MIN:
        return np.zeros(len(length))
    med, spread = robust_colour(colours[hair & early], HAIR_SPREAD_MIN)
    hair &= np.sqrt((((colours - med) / spread) ** 2).sum(-1)) <= HAIR_D
    return run_end(hair, t, inside, length, begin, ends_on_ray=False)


def backdrop_reach(image: np.ndarray, start: np.ndarray, end: np.ndarray, begin: np.ndarray,
                   backdrop: np.ndarray) -> np.ndarray:
    """How far the head reaches along rays from start [K,2] to end [K,2] (photo pixels) against
    the backdrop -> [K] float64 in [0,1], the share of each ray where it ends: the head is what is
    not the backdrop (Lab distance to the nearest of `backdrop` [K',3], backdrop_colours', past
    BACKDROP_D: hair of any colour, hair as red as the skin that hair_like cannot tell from it
    included), from before share `begin` [K] (run_end) to the last such pixel before HAIR_GAP_PX
    in a row of backdrop. 0 where the head does not start before `begin`, runs to the photo's
    edge, or runs on to the ray's end: there something unlike the side borders lies beyond the
    head (a ceiling, a lamp, a backdrop of another colour above it), and where the head ends is
    unknown. A backdrop of the hair's colour ends the head where its hair starts (within the
    default silhouette: nothing is measured). image [H,W,3] uint8."""
    t, colours, inside, length = ray_samples(image, start, end)
    head = (smoothstep(backdrop_distance(colours, backdrop), *BACKDROP_D) >= 0.5) & inside
    return run_end(head, t, inside, length, begin, ends_on_ray=True)


def person_reach(start: np.ndarray, end: np.ndarray, begin: np.ndarray, person, shape) -> np.ndarray:
    """How far the head reaches along rays from start [K,2] to end [K,2] (photo pixels) by the
    person segmenter -> [K] float64 in [0,1], backdrop_reach's read with the segmenter's person
    (person: poce_rt.person.PersonMap, prob >= PERSON_ON) for the head: where the hair has the
    colour of something behind it (t1.jpg's face 0: her darker strands are the orange wall's),
    its colour ends the head at the first such strand, the segmenter does not. shape: the
    photo's (H, W, ...)."""
    t, pts, inside, length = ray_points(start, end, shape)
    on = (person.at(pts) >= PERSON_ON) & inside
    return run_end(on, t, inside, length, begin, ends_on_ray=True)


def fringe_reach(image: np.ndarray, start: np.ndarray, end: np.ndarray, backdrop: np.ndarray, gap_px) -> np.ndarray:
    """How far the band beyond the head's silhouette holds nothing of the background's own along
    rays from start [K,2] (the silhouette in the photo) to end [K,2] (pixels) -> [K] float64 in
    [0,1], a share of each ray: up to gap_px (scalar or [K]) before the last run of samples
    unlike the backdrop (BACKDROP_D from each of `backdrop` [K',3] Lab, as backdrop_reach's) that
    goes on to the ray's end or past the photo's edge after some backdrop (a wall's edge, a
    ceiling, a neighbour), 1 where there is none (the band is backdrop and loose strands, which a
    pixel or two wide read as backdrop seen through, or the head's own hair all the way), 0 on a
    ray that leaves the photo with no backdrop on it. image [H,W,3] uint8."""
    t, colours, inside, length = ray_samples(image, start, end)
    on = (smoothstep(backdrop_distance(colours, backdrop), *BACKDROP_D) >= 0.5) | ~inside
    n = on.shape[1]
    off = ~on
    tail = n - np.argmax(off[:, ::-1], axis=1)          # the first sample of the last run of `on`
    tail = np.where(on[:, -1] & off.any(1), tail, n)
    short = t[np.minimum(tail, n - 1)] - np.asarray(gap_px, np.float64) / np.maximum(length, 1e-6)
    # no backdrop at all on a ray that leaves the photo: what lies there is unknown
    return np.where(tail < n, np.clip(short, 0.0, 1.0), np.where(inside.all(1), 1.0, 0.0))


def strand_reach(image: np.ndarray, start: np.ndarray, end: np.ndarray, backdrop: np.ndarray, only=None) -> np.ndarray:
    """How far the head's hair reaches on past a ring start [K,2] (the silhouette in the photo)
    towards end [K,2] (pixels) -> [K] float64 in [0,1], a share of each vertex's ray: its last
    sample unlike the backdrop (backdrop_reach's classes) short of the background's own things
    (a last run of such samples that goes on to the ray's end, as fringe_reach's), over rays
    across the ring's band TIP_STEP_PX apart, from half the way to the vertex before to half the
    way to the one after (a curl's tip between two vertices, a few pixels of sky between it and the
    rest, is missed by their own rays); 0 where there is none. only: None, or [K] bool, the
    vertices to read (0 elsewhere: a large face's bands take ~0.1 s all round). image [H,W,3] uint8."""
    a, b = np.asarray(start, np.float64), np.asarray(end, np.float64)
    out = np.zeros(len(a))
    only = np.ones(len(a), bool) if only is None else np.asarray(only, bool)
    if not only.any():
        return out
    prev, after = (np.roll(np.stack([a, b]), s, 1)[:, only] for s in (1, -1))
    a, b = a[only], b[only]
    span = max(np.linalg.norm(x - y, axis=1).max() for x, y in ((a, prev[0]), (a, after[0]), (b, prev[1]), (b, after[1])))
    rays = 2 * int(np.ceil(0.5 * span / TIP_STEP_PX)) + 1
    f = np.linspace(-0.5, 0.5, rays)[None, :, None]

    def across(x, before, next_):   # [k,2] -> [k,rays,2]: towards each neighbour by |f| of the way
        return x[:, None] + np.where(f < 0, -f * (before - x)[:, None], f * (next_ - x)[:, None])

    t, colours, inside, _ = ray_samples(image, across(a, prev[0], after[0]).reshape(-1, 2),
                                        across(b, prev[1], after[1]).reshape(-1, 2))
    on = (smoothstep(backdrop_distance(colours, backdrop), *BACKDROP_D) >= 0.5) & inside
    n = on.shape[1]
    tail = n - np.argmax(~on[:, ::-1], axis=1)          # the first sample of the last run of `on`
    tail = np.where(on[:, -1] & (~on).any(1), tail, np.where(on[:, -1], 0, n))
    strands = on & (np.arange(n)[None, :] < tail[:, None])
    last = n - 1 - np.argmax(strands[:, ::-1], axis=1)
    out[only] = np.where(strands.any(1), t[last], 0.0).reshape(len(a), rays).max(1)
    return out


def hair_at(image: np.ndarray, start: np.ndarray, end: np.ndarray, backdrop: np.ndarray) -> np.ndarray:
    """[K] float64: the share of each ray from start [K,2] to end [K,2] (pixels) on the photo that
    is unlike the backdrop (backdrop_reach's classes; `backdrop` [K',3] Lab): whether the head
    (its hair) reaches there. image [H,W,3] uint8."""
    _, colours, inside, _ = ray_samples(image, start, end)
    head = (smoothstep(backdrop_distance(colours, backdrop), *BACKDROP_D) >= 0.5) & inside
    return head.sum(1) / np.maximum(inside.sum(1), 1)


def hair_share(image: np.ndarray, start: np.ndarray, end: np.ndarray, skin, backdrop: np.ndarray) -> np.ndarray:
    """[K] float64: the share of each ray from start [K,2] to end [K,2] (pixels) on the photo that
    is hair (hair_like >= 0.5; skin: photo_skin's, backdrop [K',3] Lab). image [H,W,3] uint8."""
    _, colours, inside, _ = ray_samples(image, start, end)
    hair = (hair_like(colours, skin, backdrop) >= 0.5) & inside
    return hair.sum(1) / np.maximum(inside.sum(1), 1)
