"""The ring's texture relit along the face's oval where the face's far half is drawn relit.

A far half that yielded to its mirror is drawn brought to the photo's light at the scale of the
lighting (poce_rt.fill_light.yielded_light), not with the photo's own shading at its outline:
the edge-on rim of a three-quarter view's far temple and cheek, darker than the skin in front of
it. The head proxy's ring beside it reads the photo there (poce_rt.ring_photo.photo_texture), its
shaded rim and what lies on the oval (the far eye's corner), and a turn that reveals that side
draws them stretched beside a face that no longer has them: on t1.jpg's face 1 (yaw -33, lit from
her near side) at +25, a brown wedge by her far temple (the ring's band to its second ring read
the temple's shaded rim, RGB (191,127,92), which no colour measure tells from the orange wall)
and a dark line along her far outline (the eye's corner under the face's feather); the step in
luma from the face's outermost 3 px to the ring's 3 px beside them at her temple (rows 165-191,
x 255-299) was 14 levels against the photo's 6. Relit in the composite, the rim could not be
told from the wall there (a pale halo); relit by a constant gain, the texels under the face's
feather drew a bright patch.

So the ring's texels about the oval take the face's own relit border colour: per oval vertex,
the completion's fill texture about the vertex's UV (rim_border, on the half of the face that
yielded), and each texel from RIM_IN inside the oval out to the photo's shaded rim beyond it
(rim_widths: where the photo's colour still steps away from the colour further out, unlike the
hair and darker than the border) is brought to it, per channel, over the photo's colour about
the texel (its finer detail kept; RIM_GAIN). The gain is scaled at each pose by how far the pose
reveals the vertex (revealed.reveal: the face draws photo + reveal * (fill - photo) there).
It is done in the ring's texture, so that stages.blend_face and the frame loop
(poce_rt.frame_loop.ring_texture, a K-vector a step) draw the same; a face whose far half was not
relit keeps its texture bit for bit (no RimLight), and so does any pose that reveals none of its
relit half (t1.jpg's face 1 at -25). Her temple's step at +25 (the box above): 14 -> 6 levels;
within REACH of its oval vertex by the hair, where the face is drawn and her hair left out
(tests/test_rim_light.py): unrelit +5.0, now -1.2. The ring's band under the face's feather takes
the ring's relit colour beside it (RIM_BESIDE). The dark line along her far eye's outline is not
this: the face's outermost pixels there are as before.
"""
from __future__ import annotations

import cv2
import numpy as np

from .head_proxy import FACE_OVAL, oval_inner, oval_normals
from .head_reach import HAIR_D
from .lab_colour import lab as to_lab

# px inside the oval: the ring's texels under the face's border (its feather mixes them into the
# face's outermost pixels). Deeper, the relight took in wall texels that her far jaw's oval runs
# through, and a band triangle under the border drawn beside the turned jaw showed them: a pale
# speck on its outline (4 px: +35 levels, 2 px: +17, 1 px: +3); and it brightened her temple's
# outermost pixels through the feather more than the ring beside them (the luma step there, the
# photo's 4.1: 1 px 2.5, 2 px 7.2, unrelit 10.3)
RIM_IN = 1.0
# ... and where the photo's shaded rim lies beyond the oval (its ring relit beside the face), the
# ring's band inside the oval, which lies under the face's feathered border (the head proxy's
# first band, from the oval to the face's own vertices beside it, head_proxy.oval_inner, as the
# photo's pose reads it), takes the ring's own relit colour just beside the oval (RIM_BESIDE px
# out, per vertex), not the face's border colour: the feather then blends the face into the ring
# it meets. That band read the rim's shading inside the oval (t1.jpg's face 1 at +25, her far
# temple: L* 52-58) and the feather drew it as a dark diagonal join between the face (70-73) and
# the ring beside it (67-76), from her brow up to the hair: over x 276-292 the feather's pixels
# 4.6 L* on average below the mean of the two, 11.7 at worst; now 2.3 and 9.0, what is left a
# 2-3 px notch where the hair meets the relit ring (there the band beside, under the hair, keeps
# its photo: relit, it drew a pale pixel between the hair and the face). (A deeper RIM_IN, to the
# border's colour, drew the feather lighter than the ring it meets: the border is lighter than the
# relit rim, whose gain is clipped at RIM_GAIN[1].) The band's texels go with the segment whose
# band draws them, not the nearest one: by the hair the face's vertices lie deep below the oval's
# corner, in texels nearer the next segment, which were left unrelit (a dark wedge under the
# feather).
RIM_BESIDE = 3.0
RIM_EDGE = 1.0        # px over which the relight fades, inside both ends of its reach: stretched by a
                      # turn, a relit texel beyond the oval beside the wall drew a pale line along the outline
# The photo's shaded rim beyond the oval, per vertex: from the oval outwards along its normal, the
# first step whose Lab colour lies within RIM_STEP[1] of the colour further out (RIM_FAR px on),
# where the oval's own is at least RIM_STEP[0] from it (else none: the ring's own background).
# t1.jpg's face 1: 12 px at her far temple (the shaded rim against the wall), 0 on the rest of
# her far side; up to RIM_MAX. A step of fewer than RIM_MIN px is the outline's own edge, the oval
# a little inside the silhouette (her far jaw: 3 px), no rim: brought to the border's colour, the
# wall's texels there drew a pale speck on the jaw's outline.
RIM_STEP = (20.0, 10.0)
RIM_MAX = 12
RIM_MIN = 6
# ... and a step whose reach is at least RIM_HAIR the photo's hair colour (within head_reach.HAIR_D of
# it) is hair over the outline, no shaded skin: t1.jpg's faces 3 and 5 (brown and blonde hair
# over their far temples and cheeks) had their hair drawn as pale skin-coloured patches with a
# hard edge across it. Her far temple's rim is 0.0 her black hair's colour. Nor is a step that
# is no darker than the face's border (Lab L, on average over its reach) a shaded rim: face 5's
# lit jaw beside her hair took a dark orange blotch, brought down to her border's colour.
RIM_HAIR = 0.5
RIM_FAR = (14, 18)    # px from the oval: the colour further out (averaged)
RIM_TEXELS = 3.0      # texels about an oval vertex's UV whose fill is the face's border colour there (a disc)
RIM_SMOOTH = 1.0      # the border colours smoothed along the oval, a Gaussian of this many vertices
# Each relit texel is brought to the face's border colour (interpolated along the oval) over the
# photo's colour about it (a Gaussian of RIM_BLUR px: its finer detail is kept), per channel: the
# photo's rim is not the border's colour times a gain. Its shading deepens away from the oval,
# and on t1.jpg's face 1 it takes the wall's warm light: the photo at her far oval reads RGB
# (176,117,76)-(204,153,109) where her relit border is drawn about (225,182,141). Clipped to
# RIM_GAIN[:2]; a texel that needs more (up to RIM_GAIN[2]: none of it) is no shaded skin but a
# shadow or hair: t1.jpg's face 5's dark shadow under her jaw, beside her hair, drew orange streaks
# brought up by 2x (her temple's rim needs at most ~1.5).
RIM_BLUR = 2.0
RIM_GAIN = (0.67, 1.6, 2.0)
# ... the photo's colour about the texel is its skin's: the photo's hair (within head_reach.HAIR_D of its
# colour) is left out of that Gaussian, and the hair's own texels keep the photo's colour.
# Measured against a Gaussian that took in her black hair, the texels of t1.jpg's face 1's far
# temple beside the hairline read darker than themselves and were lit past the border (texels up
# to L* 83 against the border's 73 and the forehead's 77; drawn at +25, the brightest relit pixel
# within 2 px of the hair 77.6, now 68.2): a pale line along the hair, brightest at its edge (face
# 5's blonde parting: 88.6 -> 83.5). A texel whose skin weighs less than RIM_SKIN_NEAR in that
# Gaussian (hair all about it) is not relit.
RIM_SKIN_NEAR = 0.05
# Only the half of the face that yielded (its side of the layout's midline, u = 0.5) takes the
# relight, fully from RIM_MIDLINE / 2 of u beyond the midline: the fill differs from the photo
# along all of a turned face's outline (its texels there are seen edge-on), and t1.jpg's face 1
# at -25 reveals her near side's outline (oval vertices 4-15), whose ring keeps its photo. (Her
# yielded texels lie inside the far half, 0.15 S and more from most of its outline: a share of
# them about each vertex left it unrelit.)
RIM_MIDLINE = 0.1


def rim_widths(image: np.ndarray, oval: np.ndarray, hair=None, border: np.ndarray | None = None) -> np.ndarray:
    """[K] float64 px: how far beyond each vertex of the oval [K,2] (photo positions) the photo's
    shaded rim reaches (module comment at RIM_STEP), none where it is the hair's colour (hair:
    None, or the photo's (median [3], spread [3]) Lab, colour_classes.PhotoColours'; RIM_HAIR) or no darker
    than the face's border there (border: None, or [K,3] RGB in [0,1], rim_border's). image:
    [H,W,3] uint8 RGB."""
    n = oval_normals(oval)
    steps = np.arange(0, RIM_FAR[1] + 1, dtype=np.float64)
    pts = oval[:, None, :] + steps[None, :, None] * n[:, None, :] - 0.5   # pixel centres at i + 0.5
    lo = np.maximum(np.floor(pts.reshape(-1, 2).min(0)).astype(int) - 1, 0)
    hi = np.minimum(np.ceil(pts.reshape(-1, 2).max(0)).astype(int) + 2, image.shape[1::-1])
    if (hi <= lo).any():
        return np.zeros(len(oval))
    rgb = np.ascontiguousarray(image[lo[1]:hi[1], lo[0]:hi[0], :3]).astype(np.float32) / 255
    p = (pts - lo).astype(np.float32)
    lab = cv2.cvtColor(cv2.remap(rgb, p[..., 0], p[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE),
                       cv2.COLOR_RGB2Lab)   # [K,D,3]
    reach = np.arange(1, RIM_MAX + 1)[None, :]
    far = lab[:, RIM_FAR[0]:RIM_FAR[1] + 1].mean(1)
    step = np.linalg.norm(lab[:, :RIM_MAX + 1] - far[:, None], axis=2)    # [K,RIM_MAX+1]
    within = step < RIM_STEP[1]
    first = np.where(within.any(1), within.argmax(1), RIM_MAX)
    widths = np.where((step[:, 0] >= RIM_STEP[0]) & (first >= RIM_MIN), first, 0)
    if hair is not None:
        med, spread = (np.asarray(a, np.float32) for a in hair)
        like = np.sqrt((((lab[:, 1:RIM_MAX + 1] - med) / spread) ** 2).sum(-1)) <= HAIR_D    # [K,RIM_MAX]
        share = (like & (reach <= widths[:, None])).sum(1) / np.maximum(widths, 1)
        widths = np.where(share < RIM_HAIR, widths, 0)
    if border is not None:
        lightness = (lab[:, 1:RIM_MAX + 1, 0] * (reach <= widths[:, None])).sum(1) / np.maximum(widths, 1)
        widths = np.where(lightness < to_lab(np.asarray(border, np.float32))[:, 0], widths, 0)
    return widths.astype(np.float64)


def rim_border(fill: np.ndarray, uvs: np.ndarray, coverage: np.ndarray, yielded: np.ndarray):
    """The face's relit border along its oval -> ([K,3] float64 RGB in [0,1]: per oval vertex, the
    fill texture's ([S,S,3]) mean on the covered texels (coverage [S,S] bool) within RIM_TEXELS of
    its UV (uvs [K,2]), smoothed along the oval (RIM_SMOOTH); [K] float64 in [0,1] how much each
    vertex lies on the half of the face that yielded (yielded [S,S] bool; RIM_MIDLINE))."""
    s = fill.shape[0]
    i, j = np.mgrid[0:s, 0:s]
    at = np.asarray(uvs, np.float64)
    side = np.sign(j[yielded & coverage].mean() / s - 0.5) if (yielded & coverage).any() else 0.0
    share = np.clip(0.5 + side * (at[:, 0] - 0.5) / RIM_MIDLINE, 0.0, 1.0)
    out = np.zeros((len(uvs), 3))
    for k, (u, v) in enumerate(at * s - 0.5):
        near = coverage & ((j - u) ** 2 + (i - v) ** 2 <= RIM_TEXELS ** 2)
        if near.any():
            out[k] = fill[near].mean(0)
        else:
            share[k] = 0.0
    return np.clip(along_oval(out), 0.0, 1.0), share


def along_oval(values: np.ndarray) -> np.ndarray:
    """[K,C] values per oval vertex smoothed along the closed oval (a Gaussian of RIM_SMOOTH)."""
    r = int(np.ceil(3 * RIM_SMOOTH))
    kernel = np.exp(-0.5 * (np.arange(-r, r + 1) / RIM_SMOOTH) ** 2)
    kernel /= kernel.sum()
    wrapped = np.concatenate([values[-r:], values, values[:r]])
    return np.stack([np.convolve(wrapped[:, c], kernel, "valid") for c in range(values.shape[1])], 1)


class RimLight:
    """The relight of a source's ring texture about its oval: image [H,W,3] uint8 the photo,
    src_vertices [468,>=2] the face in it (photo pixels), (border [K,3], share [K]) rim_border's,
    hair: the photo's hair colour (rim_widths'; and _skin's: each relit texel is measured against
    the skin about it, the hair left out). Its texels are worked out once per texture square
    (texels)."""

    def __init__(self, image: np.ndarray, src_vertices: np.ndarray, border: np.ndarray, share: np.ndarray,
                 hair=None):
        self.oval = np.asarray(src_vertices, np.float64)[list(FACE_OVAL), :2]
        self.inner = oval_inner(src_vertices)[:, :2]   # the head proxy's ring under the face's border
        self.image = np.asarray(image)
        self.border, self.share = np.asarray(border, np.float64), np.asarray(share, np.float64)
        self.hair = hair
        self.widths = rim_widths(self.image, self.oval, hair, self.border)
        self._texels = {}

    def texels(self, lo, side: int):
        """The square's (lo (x, y), side) texels that the relight reaches -> (flat index [M] int64,
        first and second vertex [M] int64, t [M] float32 the share of the second, gain [M,3]
        float32 its gain minus 1 when the pose reveals it all, times how much of it is relit),
        kept per square."""
        key = (int(lo[0]), int(lo[1]), int(side))
        kept = self._texels.get(key)
        if kept is None:
            kept = self._texels[key] = self._measure(np.asarray(lo, int), int(side))
        return kept

    def _measure(self, lo: np.ndarray, side: int):
        oval, k = self.oval, len(self.oval)
        reach = RIM_EDGE + max(float(self.widths.max()), 0.0) + 1
        a = np.maximum(np.floor(oval.min(0) - reach).astype(int) - lo, 0)
        b = np.minimum(np.ceil(oval.max(0) + reach).astype(int) + 1 - lo, side)
        if (b <= a).any():
            return (np.zeros(0, np.int64),) * 3 + (np.zeros(0, np.float32), np.zeros((0, 3), np.float32))
        i, j = np.mgrid[a[1]:b[1], a[0]:b[0]]
        shift = 4
        pts = np.round((oval - lo - a - 0.5) * (1 << shift)).astype(np.int32)
        inside = np.zeros((b[1] - a[1], b[0] - a[0]), np.uint8)
        cv2.fillPoly(inside, [pts], 1, shift=shift)
        # only the texels about each segment of the oval, as far as the relight reaches there, are
        # measured against the segments (a [P,K] measure over the oval's whole box: ~40 ms a square)
        band = np.zeros_like(inside)
        for v in range(k):
            far = max(self.widths[v], self.widths[(v + 1) % k], RIM_IN) + RIM_EDGE
            cv2.line(band, tuple(int(c) for c in pts[v]), tuple(int(c) for c in pts[(v + 1) % k]), 1,
                     thickness=2 * int(np.ceil(far)) + 3, shift=shift)
        under = self._under_band(np.round((self.inner - lo - a - 0.5) * (1 << shift)).astype(np.int32), pts,
                                 inside, shift)
        band |= under > 0
        at = np.flatnonzero(band.ravel())
        p = np.stack([j.ravel()[at] + lo[0] + 0.5, i.ravel()[at] + lo[1] + 0.5], 1)   # texel centres, photo positions
        e0, e1 = oval, np.roll(oval, -1, 0)
        d = e1 - e0
        t = np.clip(((p[:, None] - e0) * d).sum(2) / np.maximum((d * d).sum(1), 1e-12), 0, 1)   # [P,K]
        dist = np.linalg.norm(p[:, None] - (e0 + t[..., None] * d), axis=2)
        near = dist.argmin(1)
        seg = under.ravel()[at].astype(np.int64) - 1
        banded = seg >= 0
        banded[banded] = self._between_sides(p[banded], seg[banded])
        near[banded] = seg[banded]
        rows = np.arange(len(p))
        dist, t = dist[rows, near], t[rows, near]
        signed = np.where(inside.ravel()[at] > 0, -dist, dist)
        second = (near + 1) % k
        width = (1 - t) * self.widths[near] + t * self.widths[second]
        # the band under the face's border where the rim beside it is relit: all of it (RIM_BESIDE)
        w = np.where(banded, 1.0,
                     np.clip((RIM_IN + signed) / RIM_EDGE, 0, 1) * np.clip((width - signed) / RIM_EDGE, 0, 1))
        w *= (1 - t) * self.share[near] + t * self.share[second]
        about, skin, photo = self._about(lo + a, b - a, at)
        gain = self._gain(self._along(self.border, near, second, t), about, skin)
        if banded.any():
            target = self._along(self._beside(photo, gain, w, signed, near, second, t), near, second, t)
            gain[banded] = self._gain(target[banded], about[banded], skin[banded])
        relit = w > 0
        keep = np.zeros(inside.size, bool)
        keep[at[relit]] = True
        gain = (gain[relit] - 1.0) * w[relit, None]
        return (flat_index(i, j, side)[keep], near[relit].astype(np.int64), second[relit].astype(np.int64),
                t[relit].astype(np.float32), gain.astype(np.float32))

    def _under_band(self, inner: np.ndarray, pts: np.ndarray, inside: np.ndarray, shift: int) -> np.ndarray:
        """[h,w] uint8 over the box of `inside` ([h,w], 1 inside the oval): 1 + the oval's segment
        whose band under the face's border (from the oval pts [K,2] to the face's vertices beside
        it, inner [K,2], fixed point by shift) draws each texel inside the oval, where the photo's
        shaded rim is relit beside the segment (module comment at RIM_BESIDE); 0 elsewhere."""
        k = len(pts)
        out = np.zeros_like(inside)
        for v in np.flatnonzero((self.widths > 0) | (np.roll(self.widths, -1) > 0)):
            n = (v + 1) % k
            cv2.fillPoly(out, [np.stack([pts[v], pts[n], inner[n], inner[v]])], int(v) + 1, shift=shift)
        return out * inside

    def _between_sides(self, p: np.ndarray, seg: np.ndarray) -> np.ndarray:
        """[P] bool: whether the texel centres p [P,2] lie between the sides of segment seg's [P]
        band under the face's border (from each end of the segment on the oval to the face's
        vertex beside it): cv2.fillPoly takes in the texels its sides graze, which the next band
        draws (by her hair, the ring beside that band is her hair, and a texel relit there drew
        a pale pixel between it and the face)."""
        k = len(self.oval)
        ok = np.ones(len(p), bool)
        for end, other in ((seg, (seg + 1) % k), ((seg + 1) % k, seg)):
            a, d = self.oval[end], self.inner[end] - self.oval[end]
            ok &= cross(d, p - a) * cross(d, self.oval[other] - a) >= 0
        return ok

    @staticmethod
    def _along(values: np.ndarray, near, second, t) -> np.ndarray:
        """[M,3] per-vertex values [K,3] between the vertices near and second, by t."""
        return (1 - t)[:, None] * values[near] + t[:, None] * values[second]

    def _beside(self, photo, gain, w, signed, near, second, t) -> np.ndarray:
        """[K,3] float64: per oval vertex, the ring's colour drawn just beside the oval (RIM_BESIDE
        px out; the photo's colours `photo` [P,3] relit by gain [P,3] as far as w [P]) where its
        shaded rim is relit (RimLight.widths), the face's border colour elsewhere (module comment
        at RIM_BESIDE)."""
        k = len(self.oval)
        drawn = np.minimum(photo * (1 + w[:, None] * (gain - 1)), 1.0)
        out = (signed > 0) & (signed <= RIM_BESIDE)
        at = np.concatenate([near[out], second[out]])
        weight = np.concatenate([(1 - t)[out], t[out]])
        total = np.bincount(at, weight, k)
        sums = np.stack([np.bincount(at, weight * np.concatenate([drawn[out, c]] * 2), k) for c in range(3)], 1)
        known = (self.widths > 0) & (total > 0)
        beside = self.border.copy()
        beside[known] = sums[known] / total[known, None]
        return beside

    def _about(self, origin: np.ndarray, size: np.ndarray, at: np.ndarray):
        """The texels at flat index `at` of the box of size (w, h) from photo pixel origin (x, y) ->
        ([P,3] float64 the photo's skin colour about each (RIM_BLUR), [P] how far each is measured
        (0 on the hair, or with no skin about it), [P,3] float32 its own photo colour)."""
        h, w = self.image.shape[:2]
        m = int(np.ceil(3 * RIM_BLUR))
        a = np.maximum(origin - m, 0)
        b = np.minimum(origin + size + m, (w, h))
        box = np.zeros((int(size[1]) + 2 * m, int(size[0]) + 2 * m, 3), np.float32)
        if (b > a).all():
            box[a[1] - origin[1] + m:b[1] - origin[1] + m, a[0] - origin[0] + m:b[0] - origin[0] + m] = \
                self.image[a[1]:b[1], a[0]:b[0], :3] * np.float32(1 / 255)
        skin = self._skin(box)
        inner = (slice(m, m + int(size[1])), slice(m, m + int(size[0])))
        blur = cv2.GaussianBlur(box * skin[..., None], (0, 0), RIM_BLUR)[inner].reshape(-1, 3)[at]
        weight = cv2.GaussianBlur(skin, (0, 0), RIM_BLUR)[inner].reshape(-1)[at]
        about = blur / np.maximum(weight, RIM_SKIN_NEAR)[:, None]
        return about, skin[inner].reshape(-1)[at] * (weight >= RIM_SKIN_NEAR), box[inner].reshape(-1, 3)[at]

    @staticmethod
    def _gain(target: np.ndarray, about: np.ndarray, skin: np.ndarray) -> np.ndarray:
        """[M,3] float64 the gain of texels whose photo colour about them (RimLight._about's about
        and skin) is brought to target [M,3]: their ratio, clipped and faded by RIM_GAIN."""
        gain = (target + 1e-3) / (about + 1e-3)
        # a texel that needs more than RIM_GAIN[1] is no shaded skin: its relight fades out; nor is
        # the hair's own texel, nor one with no skin about it to measure against
        fade = np.clip((RIM_GAIN[2] - gain.max(1)) / (RIM_GAIN[2] - RIM_GAIN[1]), 0, 1)
        fade *= skin
        return 1.0 + fade[:, None] * (np.clip(gain, RIM_GAIN[0], RIM_GAIN[1]) - 1.0)

    def _skin(self, box: np.ndarray) -> np.ndarray:
        """[h,w] float32: 1 on the pixels of box [h,w,3] (RGB in [0,1]) the relight measures
        against, 0 on the photo's hair (within head_reach.HAIR_D of its colour); all 1 where the photo's
        hair colour is not known."""
        if self.hair is None:
            return np.ones(box.shape[:2], np.float32)
        med, spread = (np.asarray(a, np.float32) for a in self.hair)
        d = np.sqrt((((to_lab(box) - med) / spread) ** 2).sum(-1))
        return (d > HAIR_D).astype(np.float32)

    def texel_gains(self, lo, side: int, reveal: np.ndarray):
        """(flat index [M], [M,3] float32 gain) of the square's texels at a pose that reveals the
        oval's vertices by reveal [K] (revealed.reveal), or None where it relights none."""
        r = np.asarray(reveal, np.float32)
        if not r.any():
            return None
        flat, first, second, t, gain = self.texels(lo, side)
        if not len(flat):
            return None
        return flat, texel_gain(np, r, first, second, t, gain)


def cross(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """[N] the 2D cross products of [N,2] vectors u and v (its sign: which side of u v lies on)."""
    return u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]


def flat_index(i: np.ndarray, j: np.ndarray, side: int) -> np.ndarray:
    """[P] int64 flat texel index of rows i and columns j of a side x side square."""
    return (i.ravel() * side + j.ravel()).astype(np.int64)


def texel_gain(xp, reveal, first, second, t, gain):
    """[M,3] float32 gain of the texels (RimLight.texels' first, second, t, gain) at a pose that
    reveals the oval's vertices by reveal [K] float32: the face draws photo + reveal * (fill -
    photo) there. NumPy or CuPy (xp): the same operations on both, so that the frame loop's
    texture is stages.blend_face's."""
    r = xp.take(reveal, first)
    r *= 1 - t
    r += xp.take(reveal, second) * t
    out = gain * r[:, None]
    out += np.float32(1.0)
    return out


def relight_texels(xp, texture, flat, base, gain) -> None:
    """texture [side,side,C] (NumPy or CuPy, C-contiguous) texels at flat index flat [M] set to
    base [M,3] x gain [M,3], at most 1."""
    rgb = texture.reshape(-1, texture.shape[-1])
    rgb[flat, :3] = xp.minimum(base * gain, np.float32(1.0))


def relit(texture: np.ndarray, lo, side: int, rim) -> None:
    """texture [side,side,>=3] host float32 ring texture relit in place by rim: None, or (RimLight,
    reveal [K]) at a pose."""
    if rim is None:
        return
    got = rim[0].texel_gains(lo, side, rim[1])
    if got is None:
        return
    flat, gain = got
    relight_texels(np, texture, flat, texture.reshape(-1, texture.shape[-1])[flat, :3], gain)
