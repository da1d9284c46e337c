"""Shading of the revealed texels at the target pose (issue 15: a turned face drawn like a flat disc).

The fill of texels the photo did not see (poce_rt.disocclusion) carries the colour of the trusted
skin beside the hole, and with it that skin's shading at the photo's pose: a cheek that a turn
reveals was drawn as a flat band of one brightness out to the new outline, where a real head's
skin falls off as its normal turns away from the camera and the light. A turning head keeps its
light fixed in the camera's frame, so the photo's skin is fitted with first-order spherical
harmonics of its normal at the source pose (image space, light fixed):

    Y = a + b . n        (luma of trusted skin texels, a robust least-squares fit)

and a filled texel at a target pose is shaded by how much more or less light its turned normal
R n takes than the trusted skin its colour came from (its anchor, n_a: the trusted texels' normals
carried into the hole as the fill carries their colour):

    fill' = fill * clip(shade(R n) / shade(R n_a), SHADE_RATIO),   shade(m) = a + b . m = a + (R^T b) . n

on each texel's untrusted share (1 - t). Trusted photo texels keep their baked shading (the fill
starts at the trusted skin's brightness and falls off towards the outline), and per pose only
the 4-vector light = (a, R^T b) changes: the frame loop uploads it like the reveal values
(revealed.revealed_texture draws it).

The photo's evidence: at the source pose (R = I) that ratio, m = shade(n) / shade(n_a), is the
fit's word for how much darker than its anchor a texel looked in the photo. A texel the photo saw,
if only edge-on, shows how it did look: its fill either carries the border's light (then m is
right) or the photo's own light there (the relit mirror, the light of a texel that yielded: then
the fill already holds its source shading, and shading it by m again darkens it twice). Such a
texel is drawn at the source pose at the brightness b the photo shows relative to its fill (both
averaged over the seen texels nearby), held between the two models, m and 1 (the fill as it is),
and at a target pose changed from there by the turn:

    fill' = fill * clip(shade(R n) / (shade(R n_a) * (m / b) ** w))      (w: the seen share)

Image_with_alpha.png (edge-on nose flank beside the moustache, photo 220-230, fill 200-215, m
0.55-0.7) turned -25 drew a hard-edged grey streak there, its texels at 0.6-0.8 of their fill
while the turn changes their light by ~1.1. b is held to [m, 1]: past 1 it brightened t1.jpg's
warm-lit cheek (revealed +25) to a saturated orange patch; below m it darkened skin-coloured fill
towards whatever darker matter the photo saw there (a beard, a crease, a shadow: grey patches on
t1.jpg's face 1 at +25). Texels the photo did not see (w = 0) are shaded as the fit says.

A filled texel is drawn brighter than its anchor only as far as the turn brings the texel itself
more light than the photo's pose did (FillShading.own, its shade there):

    ratio <= max(1, shade(R n) / shade(n))

The fill carries its anchor's colour, and where the anchor's normal is far from the texel's the
ratio reads the difference of the normals, not light the photo showed: Tom_Hanks_54745.png (lit
from his far side) turned -25 drew the fill by his far brow's end and nose wing, whose anchors
are trusted skin facing down (the eyelid under the brow, the nostril), 1.4x their fill: white
specks up to +57 levels, where the turn itself adds ~1.07x. The fall-off (ratio below 1) is as was.

A first-order fit of strong light from one side dips below the light's floor where the skin turns
away from it (Tom_Hanks_54745.png's shadowed near cheek: -0.005, where the photo shows 0.09):
the fit is held at the darkest skin it kept there (fit_shading), not refused.

Where the fit is unreliable (few skin texels, light that does not depend on the normal) there is
no shading (FillShading is None): the fill is drawn as before.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .colour_classes import texel_skin
from .complete import LUMA, low_pass, nearest_known
from .fit import Pose
from .lab_colour import lab
from .revealed import SHADE_EPS, SHADE_RATIO

MIN_TEXELS = 0.05       # skin texels the fit needs, a fraction of the layout's coverage
FIT_TEXELS = 8000       # at most about this many of them are fitted
SKIN_D = 2.5            # robust Lab distance from the skin's median (in spreads): skin for the fit
TRIM = 2.5              # residuals beyond this many robust spreads leave the fit (3 rounds)
MIN_CONTRAST = 0.05     # |b| / a below this: light that does not follow the normal, no shading
ANCHOR_SIGMA = 0.01     # the anchor normals' smoothing, a fraction of S
# the photo's and the fill's brightness on the texels the photo saw are compared over this fraction
# of S (a Gaussian over the seen texels; seen_calibration): ~3 texels at 256, the scale of the
# fill's own light (the relit mirror's, yielded_light's), finer than the fit's shading over a cheek
SEEN_SIGMA = 0.012
# the share of the fitted skin's luma variance the fit explains (R^2 over the texels it kept):
# none of its light's dependence on the normal (b) below the first, all of it from the second
# (smoothstep between). The photos here read 0.44-0.89, multi_face.jpg's young man (sunglasses,
# against the sky) 0.04: his trusted skin faces the camera on his near side only, where a pale
# outline reads as light from that side or from behind the head alike (b_z +0.2: skin facing the
# camera darker), and turned -25 the fit drew his far jaw's fill 1.13x brighter towards the new
# outline, a pale edge against the sky
EXPLAINED = (0.1, 0.3)
_EPS = 1e-3


def skin_texels(uv: np.ndarray, trusted: np.ndarray, skin=None) -> np.ndarray:
    """[S,S] bool: the trusted texels whose colour is the face's skin (robust Lab distance from
    the trusted texels' median within SKIN_D spreads: no brows, lips, eyes, hair). skin:
    poce_rt.colour_classes.texel_skin(uv, trusted) when the caller has it (None: worked out here)."""
    out = np.zeros(trusted.shape, bool)
    skin = texel_skin(uv, trusted) if skin is None else skin
    if skin is None:
        return out
    med, spread = skin
    out[trusted] = np.sqrt((((lab(uv[trusted]) - med) / spread) ** 2).sum(-1)) <= SKIN_D
    return out


def fit_shading(luma: np.ndarray, normals: np.ndarray):
    """Y = a + b . n by least squares with outliers trimmed, its shade at the kept texels'
    normals held at or above the darkest kept luma (floored_fit) -> [4] float64 (a, b) or None when
    the light does not follow the normal (|b| < MIN_CONTRAST * a, or the fit explains too little of
    the kept texels' luma variance: EXPLAINED) or a is not positive; b shrunk by the share it
    explains (EXPLAINED).
    luma [K], normals [K,3] unit."""
    x = np.concatenate([np.ones((len(luma), 1)), np.asarray(normals, np.float64)], 1)
    y = np.asarray(luma, np.float64)
    keep = np.ones(len(y), bool)
    for _ in range(3):
        coef = np.linalg.lstsq(x[keep], y[keep], rcond=None)[0]
        res = y - x @ coef
        mad = 1.4826 * np.median(np.abs(res[keep])) + 1e-6
        keep = np.abs(res) <= TRIM * mad
    # the shade at the normals it was fitted on stays positive (a ratio of shades follows): no
    # darker than the darkest skin kept, the light's floor (module docstring)
    coef = floored_fit(x[keep], y[keep], max(float(y[keep].min()), _EPS))
    if coef is None or coef[0] <= 0 or np.linalg.norm(coef[1:]) < MIN_CONTRAST * coef[0]:
        return None
    t = np.clip((explained(y[keep], x[keep] @ coef) - EXPLAINED[0]) / (EXPLAINED[1] - EXPLAINED[0]), 0.0, 1.0)
    if t <= 0:
        return None
    return np.concatenate([coef[:1], coef[1:] * (t * t * (3.0 - 2.0 * t))])


def floored_fit(x: np.ndarray, y: np.ndarray, floor: float):
    """The least-squares c of x [K,4] c = y [K] whose shade x c is at least `floor` at every row,
    or None: the unconstrained fit where it is, else the constraint held as an equality at the
    rows it binds on, added one at a time (the lowest first; at most the 4 unknowns).
    Written here: the runtime has no SciPy, and an active set over 4 unknowns is a few lines."""
    c = np.linalg.lstsq(x, y, rcond=None)[0]
    gram, rhs, bound = x.T @ x, x.T @ y, []
    while True:
        low = int(np.argmin(x @ c))
        if x[low] @ c >= floor - 1e-9:
            return c
        if len(bound) == len(c) - 1:
            return None
        bound.append(low)
        a = x[bound]
        kkt = np.block([[gram, a.T], [a, np.zeros((len(bound), len(bound)))]])
        c = np.linalg.lstsq(kkt, np.concatenate([rhs, np.full(len(bound), floor)]), rcond=None)[0][:len(c)]


def explained(luma: np.ndarray, fitted: np.ndarray) -> float:
    """The share of the variance of luma [K] that fitted [K] (its least-squares fit) explains,
    R^2 (0 where luma does not vary)."""
    var = float(np.var(luma))
    return 1.0 - float(np.var(luma - fitted)) / var if var > 0 else 0.0


def anchor_normals(normals: np.ndarray, trusted: np.ndarray, coverage: np.ndarray) -> np.ndarray:
    """[S,S,3] unit normals -> [S,S,3] float32: the normal of the trusted texel nearest to each
    texel (its own where trusted), smoothed over ANCHOR_SIGMA of S (no Voronoi edges). The fill
    carries the colour of its hole's border inwards (Telea, the mirror relit to its
    neighbourhood), and with it the border's shading; a wider average (push-pull) reached the
    face's middle, which faces the camera more: the whole fill drawn darker."""
    s = trusted.shape[0]
    near, _ = low_pass(nearest_known(normals, trusted), coverage, max(1.0, ANCHOR_SIGMA * s))
    return (near / np.maximum(np.linalg.norm(near, axis=-1, keepdims=True), 1e-6)).astype(np.float32)


@dataclass
class FillShading:
    """What shades the fill at any target pose (module docstring). Maps [S,S,C] float32:
    normal (1, n) of each texel at the source pose, anchor (1, n_a) of the trusted skin its fill
    colour came from (times seen_calibration's scale where the photo saw the texel), gain the
    fill's untrusted share (1 - t) * fill, whose shading changes; own the texel's shade at the
    source pose, which bounds how much brighter than its anchor it is drawn."""

    coeffs: np.ndarray           # [4] (a, b): luma = a + b . n at the source pose
    source_rotation: np.ndarray  # [3,3] the photo's head rotation
    normal: np.ndarray           # [S,S,4]
    anchor: np.ndarray           # [S,S,4]
    gain: np.ndarray             # [S,S,3]
    own: np.ndarray | None = None   # [S,S,1] each texel's shade at the source pose (>= SHADE_EPS); None: no bound
    # poce_rt.far_light.FarLight: a three-quarter view's far half relit at the target pose, the
    # photo's texels and the fill alike (None: not a three-quarter view; stages.complete_face)
    far: object = None

    def light(self, target: Pose) -> np.ndarray:
        """[4] float32 (a, R^T b), R the rotation from the source's pose to `target`: so that
        (1, n) . light is the shade at `target` of a texel whose normal at the source is n."""
        rel = np.asarray(target.rotation, np.float64) @ np.asarray(self.source_rotation, np.float64).T
        return np.concatenate([[self.coeffs[0]], rel.T @ self.coeffs[1:]]).astype(np.float32)


def skin_light(uv: np.ndarray, trusted: np.ndarray, normals: np.ndarray, coverage: np.ndarray, skin=None):
    """The photo's light on the face's skin at the source pose: fit_shading of the luma of its
    skin_texels (uv [S,S,3], trusted [S,S] bool, skin as skin_texels') on their unit normals
    [S,S,3] -> [4] (a, b), or None (too few skin texels, MIN_TEXELS of coverage [S,S] bool, or no
    reliable fit). fill_shading's, and poce_rt.hair's (the skin in shade is not hair)."""
    skin = skin_texels(uv, trusted & coverage, skin)
    if skin.sum() < MIN_TEXELS * coverage.sum():
        return None
    rows, cols = np.nonzero(skin)
    every = slice(None, None, max(1, len(rows) // FIT_TEXELS))   # (a sample fits the same 4 numbers)
    return fit_shading(uv[rows[every], cols[every]] @ LUMA, normals[rows[every], cols[every]])


def fill_shading(uv: np.ndarray, trusted: np.ndarray, trust: np.ndarray, fill: np.ndarray,
                 normals: np.ndarray, coverage: np.ndarray, source_pose: Pose, skin=None,
                 seen: np.ndarray | None = None) -> FillShading | None:
    """Fit the photo's shading and lay out what shades the fill (FillShading), or None where the
    fit is unreliable (module docstring). uv [S,S,3] the sampled texels, trusted [S,S] bool the
    ones the completion kept, trust [S,S] t in [0,1] (each texel's share of photo in fill),
    fill [S,S,3] (disocclusion.fill_unreliable), normals [S,S,3] each texel's normal at the
    source pose (the vertex normals spread over the texels), coverage [S,S] bool. skin:
    poce_rt.colour_classes.texel_skin(uv, trusted & coverage) when the caller has it (None: worked out).
    seen: None, or [S,S] the photo's visibility (sample_face's mask): the anchors of the texels it
    saw are scaled by what it showed (seen_calibration; None: the fit's shading alone)."""
    n = normals / np.maximum(np.linalg.norm(normals, axis=-1, keepdims=True), 1e-6)
    coeffs = skin_light(uv, trusted, n, coverage, skin)
    if coeffs is None:
        return None
    anchor = anchor_normals(n, trusted, coverage)
    one = np.ones(n.shape[:2] + (1,), np.float32)
    normal4 = np.concatenate([one, n], -1).astype(np.float32)
    anchor4 = np.concatenate([one, anchor], -1).astype(np.float32)
    if seen is not None:
        anchor4 *= seen_calibration(uv, fill, normal4, anchor4, coeffs, seen, coverage)[..., None]
    gain = (1.0 - np.asarray(trust, np.float32))[..., None] * coverage[..., None] * fill
    own = np.maximum(normal4 @ np.asarray(coeffs, np.float32), SHADE_EPS)[..., None]
    return FillShading(coeffs, np.asarray(source_pose.rotation), normal4, anchor4,
                       np.ascontiguousarray(gain, np.float32), np.ascontiguousarray(own, np.float32))


def seen_calibration(uv: np.ndarray, fill: np.ndarray, normal: np.ndarray, anchor: np.ndarray,
                     coeffs: np.ndarray, seen: np.ndarray, coverage: np.ndarray) -> np.ndarray:
    """[S,S] float32: what each texel's anchor shade is scaled by (module docstring, "the photo's
    evidence"): (m / b) ** w, m = clip(shade(n) / shade(n_a), SHADE_RATIO) the fit's shading at
    the source pose, b = clip(low(photo) / low(fill), m .. 1) the brightness the texel is drawn at
    there, w the seen share (all low-passed over SEEN_SIGMA of S). uv, fill [S,S,3]; normal,
    anchor [S,S,4] (1, n); coeffs [4]; seen [S,S] the photo's visibility (>= 0.5: it saw the
    texel); coverage [S,S] bool."""
    s = seen.shape[0]
    sigma = max(1.0, SEEN_SIGMA * s)
    vis = (seen >= 0.5) & coverage
    at_source = np.asarray(coeffs, np.float32)   # FillShading.light at the source pose
    m = np.clip((normal @ at_source) / np.maximum(anchor @ at_source, SHADE_EPS), *SHADE_RATIO)
    # the photo's and the fill's luma averaged over the seen texels, and the seen share
    low, _ = low_pass(np.stack([(uv @ LUMA) * vis, (fill @ LUMA) * vis, vis], -1), coverage, sigma)
    drawn = np.clip(low[..., 0] / np.maximum(low[..., 1], _EPS), np.minimum(m, 1.0), np.maximum(m, 1.0))
    return np.power(m / drawn, low[..., 2]).astype(np.float32)
