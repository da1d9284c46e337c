"""What a face's moving outline uncovers in the photo, drawn as what lay behind it (issue 15).

An expression moves the face mesh away from where the photo shows the face: an opening jaw drops
the chin, and on a face seen near profile it slides the lower lip and the chin back along the
profile (t1.jpg's face at x~906, yaw -50: the chin 17 px back, 12 px down). Where neither the
moved face nor a moving part of the ring around it (poce_rt.surround) is drawn, the photo's own
pixels stay, and those were the face's: the ring reaches only to its fixed outer ring about the
face oval, which a face near profile passes on its far side (nose, lips, chin lie beyond the
oval there), and where the ring does not move it keeps the photo's pixels. The old lower lip and
chin stayed as a pale strip in front of the open mouth, and the profile still read as a closed
jaw. The photo's edge of the face also lies a pixel or two beyond the mesh's outline (its
antialiased edge, the fit), so the old edge stayed as a line even where the outline slid along
itself.

The rule is the one for the background a turn uncovers beside the head (ring_photo.revealed_background):
what lay behind the face is drawn there, never the face, and it is marked as fill. Behind the
face is the plate: the photo around the face continued over it (push-pull from the pixels beyond
the face's coverage grown by UNCOVER_GROW of its radius). It is drawn where the source's face
(that grown coverage) moves away by more than UNCOVER_PX (its motion drawn where the photo shows
it, poce_rt.motion; beyond the outline, the outline's own: Uncover.weight) and neither the moved
face nor a moving part of the ring is drawn: weight = uncovered * (1 - face alpha) * (1 - ring
alpha * ring moved). A still face is left alone, and so is what the ring draws where it moves
(the hair and background a turn brings in beside the head). Under the face, in the composite's
soft edge, the photo stays: the plate there (the hair's colour) drew a dark rim along a turned
face's border and, where a raised brow moves the skin beside a still temple, a dark line. On
t1.jpg's profile face the old lips and chin in front of the open mouth become the shirt and the
sky behind them; on a three-quarter view (45-m7-di-ph.jpg, -43) a turn or an opening jaw no
longer leaves a pale ghost of the old chin over the background. It is drawn within the face's
box (FrameLoop's canvas, blend_face's: the moved face, the feather's width and 3 px around it),
as the face is.
"""
from __future__ import annotations

import cv2
import numpy as np

from . import ops
from .motion import motion_texture
from .layers import mix_into, widen

UNCOVER_GROW = 0.04   # x the face oval's mean radius: the photo's edge of the face beyond the mesh's outline
PLATE_MARGIN = 16     # photo pixels beyond the grown face that the plate is pulled from
# a face that moves less than this (px) past a pixel uncovers none of it, fully from 1 px more:
# the antialiased edge of a still outline stays (single_face.jpg's raised brows stretch the skin
# beside the still temple, whose edge pixels move ~1.2 px; at 1 px they drew a dark line there)
UNCOVER_PX = 2.0


class Uncover:
    """One source face's side, worked out once: its coverage in the photo and the plate behind it,
    over a box of the photo about the face (box: (x0, y0, x1, y1) frame pixels).

    image: [H,W,3] uint8 photo; posed: [N,3] the face mesh's vertices in the photo (Geometry.posed);
    tris [T,3], uvs [N,2]: the mesh's layout; radius: the face oval's mean radius (px). keep_raster:
    the raster of the motion drawn where the photo shows the face (a mesh that stays put) is kept
    from call to call while the moving box stays (ops.RasterKeep: the frame loop, which asks every
    step; a one-off caller need not keep its buffer)."""

    def __init__(self, image: np.ndarray, posed: np.ndarray, tris: np.ndarray, uvs: np.ndarray, radius: float,
                 keep_raster: bool = False):
        from .complete import push_pull

        h, w = image.shape[:2]
        v = np.asarray(posed, np.float32)
        r = max(1, int(round(UNCOVER_GROW * float(radius))))
        lo = np.maximum(np.floor(v[:, :2].min(0)).astype(int) - r - PLATE_MARGIN, 0)
        hi = np.minimum(np.ceil(v[:, :2].max(0)).astype(int) + r + PLATE_MARGIN + 1, (w, h))
        self.box = (int(lo[0]), int(lo[1]), int(hi[0]), int(hi[1]))
        bh, bw = int(hi[1] - lo[1]), int(hi[0] - lo[0])
        self.local = v.copy()
        self.local[:, 0] -= np.float32(lo[0])
        self.local[:, 1] -= np.float32(lo[1])
        self.tris, self.uvs = np.ascontiguousarray(tris, np.int32), np.ascontiguousarray(uvs, np.float32)
        self.kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
        self._plate_box, self._plate_crop = None, None
        self._raster = ops.RasterKeep() if keep_raster else None
        if bh <= 0 or bw <= 0:
            self.cover = self.near = self.rim = self.beyond = np.zeros((max(bh, 0), max(bw, 0)), np.float32)
            self.plate = np.zeros((max(bh, 0), max(bw, 0), 3), np.float32)
            return
        _, self.cover = ops.render(np.ones((4, 4, 1), np.float32), self.local, self.tris, self.uvs, bh, bw)
        self.near = cv2.dilate(self.cover, self.kernel)
        # the outline's own pixels
        self.rim = (self.cover > cv2.erode(self.cover, np.ones((3, 3), np.uint8))).astype(np.float32)
        # each pixel's distance (px) beyond the coverage (0 inside)
        self.beyond = cv2.distanceTransform((self.cover < 0.5).astype(np.uint8), cv2.DIST_L2, 3)
        photo = image[lo[1]:hi[1], lo[0]:hi[0]].astype(np.float32) * np.float32(1 / 255)
        beyond = self.near <= 0.0
        self.plate = push_pull(photo, beyond) if beyond.any() else photo

    def weight(self, texels, vmotion: np.ndarray):
        """[h,w] float32 over the box: how much of each pixel is the source's face moving away, or
        None where nothing does. Inside the source's coverage: by how far the surface the photo
        shows there moves, past UNCOVER_PX. Beyond it (the photo's edge of the face, within the
        grown outline): by how far the outline's own pixels within the growth move (the largest;
        not the face's inside: a raised brow moves the forehead beside a still temple) past the
        pixel's distance from the outline, and UNCOVER_PX: an outline that retreats or slides
        along itself (a lower lip seen near profile) leaves its edge behind, one that advances
        covers it. texels: the layout's motion.TexelMotion (host); vmotion [N] float32: each
        vertex's motion (motion.vertex_motion)."""
        sub = self._moving(texels, vmotion)
        if sub is None:
            return None
        values, (x0, y0, x1, y1) = sub
        out = np.zeros(self.cover.shape, np.float32)
        out[y0:y1, x0:x1] = values
        return out

    def weight_over(self, texels, vmotion: np.ndarray, box, texture: np.ndarray | None = None):
        """weight cropped to frame box (x0, y0, x1, y1) -> [h,w] float32, or None where nothing
        moves: crop(weight(...), box), without the weight over this whole box (the step's).
        texture: None, or motion_texture(texels, vmotion) worked out already ([S,S,1] host)."""
        sub = self._moving(texels, vmotion, texture)
        if sub is None:
            return None
        values, (sx0, sy0, _, _) = sub
        return _crop(values, (self.box[0] + sx0, self.box[1] + sy0), box)

    def plate_over(self, box) -> np.ndarray:
        """crop(plate, box), kept for the last box (the plate is the source's: a still face box
        crops it once). Read-only: the caller copies it."""
        box = tuple(int(c) for c in box)
        if self._plate_box != box:
            self._plate_crop, self._plate_box = self.crop(self.plate, box), box
        return self._plate_crop

    def _moving(self, texels, vmotion: np.ndarray, texture: np.ndarray | None = None):
        """weight's nonzero part: ([h',w'] float32, (x0, y0, x1, y1) its sub-box of this box), or None."""
        bh, bw = self.cover.shape
        vmotion = np.asarray(vmotion, np.float32)
        fast = vmotion > UNCOVER_PX
        if bh == 0 or bw == 0 or not fast.any():
            return None
        # Only triangles with a vertex past UNCOVER_PX uncover anything (the motion is linear over
        # each): the motion is drawn over their box alone (all triangles, for the depth test),
        # grown by the growth and two pixels
        # (their corners' extent: min and max need no np.unique of the indices, ~0.1 ms a step)
        pts = self.local[self.tris[fast[self.tris].any(1)].ravel(), :2]
        g = self.kernel.shape[0] // 2 + 2
        x0, y0 = np.maximum(np.floor(pts.min(0)).astype(int) - g, 0)
        x1, y1 = np.minimum(np.ceil(pts.max(0)).astype(int) + g + 1, (bw, bh))
        if x1 <= x0 or y1 <= y0:
            return None
        local = self.local - np.float32([x0, y0, 0])
        if texture is None:
            texture = motion_texture(texels, vmotion, lambda name, shape: np.empty(shape, np.float32))
        motion, _ = ops.render(texture, local, self.tris, self.uvs, y1 - y0, x1 - x0, keep=self._raster)
        motion = motion[..., 0]
        sub = (slice(y0, y1), slice(x0, x1))
        cover = self.cover[sub]
        edge = cv2.dilate(motion * self.rim[sub], self.kernel)
        # cover * clip(motion - UNCOVER_PX, 0, 1) + (1 - cover) * near * clip(edge - beyond - UNCOVER_PX, 0, 1),
        # in place
        values = motion - np.float32(UNCOVER_PX)
        np.clip(values, 0.0, 1.0, out=values)
        values *= cover
        edge -= self.beyond[sub]
        edge -= np.float32(UNCOVER_PX)
        np.clip(edge, 0.0, 1.0, out=edge)
        outside = 1.0 - cover
        outside *= self.near[sub]
        outside *= edge
        values += outside
        return (values, (int(x0), int(y0), int(x1), int(y1))) if values.any() else None

    def crop(self, a: np.ndarray, box) -> np.ndarray:
        """An array over this box (weight's [h,w] or plate's [h,w,3]) -> the same over frame box
        (x0, y0, x1, y1), zero where this box does not reach."""
        return _crop(a, self.box[:2], box)


def _crop(a: np.ndarray, origin, box) -> np.ndarray:
    """a [h,w,...] over frame pixels from origin (x, y) -> [y1-y0,x1-x0,...] float32 over frame box
    (x0, y0, x1, y1), zero where a does not reach."""
    x0, y0, x1, y1 = (int(c) for c in box)
    out = np.zeros((y1 - y0, x1 - x0) + a.shape[2:], np.float32)
    bx0, by0 = (int(c) for c in origin)
    bx1, by1 = bx0 + a.shape[1], by0 + a.shape[0]
    ix0, iy0, ix1, iy1 = max(x0, bx0), max(y0, by0), min(x1, bx1), min(y1, by1)
    if ix1 > ix0 and iy1 > iy0:
        out[iy0 - y0:iy1 - y0, ix0 - x0:ix1 - x0] = a[iy0 - by0:iy1 - by0, ix0 - bx0:ix1 - bx0]
    return out


def fill_uncovered(base, plate, uncovered, alpha, ring, weight, work, wide=None):
    """Draw the plate where the face's move uncovers the photo, in place: base [h,w,3] uint8 (the
    frame under the face, ring drawn) becomes base + weight * (plate * 255 - base), weight [h,w,1]
    = uncovered * (1 - alpha) * (1 - ring): plate [h,w,3] and uncovered [h,w,1] (Uncover's, cropped
    to the box), alpha [h,w] the face render's coverage at the target, ring [h,w,1] the ring's
    coverage times its moved weight (None: no ring). The face's composite goes over it afterwards
    (keep_still before it: a pixel the face partly covers keeps the photo's own under the face).
    weight and work ([h,w,3]) are float32 buffers; NumPy or CuPy, nothing allocated. wide: None, or
    on the host a [h,w,3] float32 buffer the weight is widened into for the blend (layers.widen:
    NumPy's multiply by the broadcast [h,w,1] took 0.16-0.38 ms of a frame-loop step at 640x480 and
    1280x720, the widened one with the widening 0.07-0.15; the same values). Returns weight (each
    pixel's share of plate under the face)."""
    xp = ops.array_module(base)
    xp.subtract(np.float32(1.0), alpha[..., None], out=weight)
    xp.multiply(weight, uncovered, out=weight)
    if ring is not None:
        xp.multiply(weight, ring, out=work[..., :1])
        xp.subtract(weight, work[..., :1], out=weight)
    xp.multiply(plate, np.float32(255.0), out=work)
    mix_into(base, work, weight if wide is None else widen(weight, 3, out=wide))
    return weight
