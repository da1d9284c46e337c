"""The texture a frame loop step draws (FrameLoop's TextureStage): the source's completed UV,
with the fill where the step's pose reveals texels the photo saw badly (poce_rt.disocclusion,
shaded at the pose), the networks' edit of it, or, weight-free, its mouth gap darkened towards the
cavity, with the inside of the mouth (poce_rt.mouth) drawn over the render after.

Weight-free the edit changes only the mouth gap's texels, so a step writes those alone, by index,
into a copy of the source texture (bit for bit the formula over the whole map).
"""
from __future__ import annotations

import numpy as np

from ..fit import Pose
from ..head_proxy import FACE_OVAL
from ..mouth.gap import gap_lips
from ..mouth.light import in_photo_colour, skin_tone
from ..mouth.mesh import interior_tris
from ..mouth.photo import mouth_interior
from ..revealed import PoseReveal, RevealedTexture
from .canvas import Box

MOUTH_COLOUR = np.array([0.22, 0.07, 0.07], np.float32)  # a dark mouth cavity


class TextureStage:
    """FrameLoop's texture (module docstring), mixed into it: its buffers are the loop's (ws, xp),
    set up by the _init_ methods in FrameLoop.__init__'s order."""

    def _init_mouth_gap(self, source, geometry, mouth_gap, mouth_colour):
        """The weight-free mouth gap's texels and the cavity's colour -> the skin's tone (the
        mouth's inside is lit by it: _init_mouth)."""
        xp, s = self.xp, geometry.size
        # the weight-free edit changes only the mouth gap's texels (_texture): them alone, by index
        gap = np.zeros(s * s, np.float32) if mouth_gap is None else \
            np.asarray(mouth_gap, np.float32).reshape(-1)
        idx = np.flatnonzero(gap != 0)
        # the cavity in the photo's colour (grey in a greyscale portrait: mouth.light.in_photo_colour)
        skin = skin_tone(source.uv_completed, geometry.layout.coverage)
        colour = in_photo_colour(np.asarray(MOUTH_COLOUR if mouth_colour is None else mouth_colour, np.float32),
                                 skin)
        self._gap_idx = xp.asarray(idx.astype(np.int64))
        self._gap = xp.asarray(gap[idx, None])
        self._not_gap = xp.asarray(1.0 - gap[idx, None])
        self._mouth_colour = xp.asarray(np.ascontiguousarray(
            colour.reshape(-1, 3)[idx] if colour.ndim == 3 else colour))
        return skin

    def _init_reveal(self, source, geometry, n: int) -> None:
        """The fill drawn where a step's pose reveals texels (n: the mesh's vertices)."""
        xp = self.xp
        # where a pose change reveals texels the photo saw badly, their fill is drawn
        # (poce_rt.disocclusion): per step, how far each vertex is revealed
        fill = getattr(source, "uv_fill", None)
        self._reveal = None if fill is None else PoseReveal(
            geometry.posed, geometry.layout.tris, source.face.shape, source.face.pose)
        if self._reveal is not None:
            # the fill shaded at each step's pose (poce_rt.shading): a 4-vector light per step
            self._shading = getattr(source, "shading", None)
            self._revealed_texture = RevealedTexture(
                source.uv_completed, fill, geometry.layout, xp, self._shading,
                None if getattr(source, "mask", None) is None or getattr(source, "filled", None) is None
                else (source.mask, np.where(geometry.layout.coverage, source.filled, 0)))
            self._revealed = self.ws.take("in.reveal", (n,), np.float32)
            self._revealed_host = np.zeros(n, np.float32)
            self._light = None if self._shading is None else self.ws.take("in.light", (4,), np.float32)
            # a three-quarter view's far half relit at the pose (poce_rt.far_light): 33 numbers per step
            far = None if self._shading is None else self._shading.far
            self._far_light = None if far is None else self.ws.take("in.far_light", (11, 3), np.float32)

    def _init_mouth(self, source, geometry, mouth_gap, networks, skin) -> None:
        """The inside of the mouth drawn weight-free, and the gap's lips under the photo's opening."""
        xp, s = self.xp, geometry.size
        # weight-free: the inside of an opening mouth is drawn as teeth, tongue and the dark
        # back (poce_rt.mouth), lit by this face's skin; with networks the texture edit does it
        self.draws_mouth = networks is None
        if self.draws_mouth:
            self.mouth = mouth_interior(source.image, source.face, skin)
            self._mouth_card = xp.asarray(self.mouth.card)
            tris = interior_tris()
            self._mouth_tris = xp.asarray(tris)
            self._mouth_verts = self.ws.take("in.mouth_verts", (tris.max() + 1, 3), np.float32)
            self._mouth_uvs = self.ws.take("in.mouth_uvs", (tris.max() + 1, 2), np.float32)
        # under the photo's own opening its gap's texels are drawn in their lips' colours, by
        # the card's coverage (mouth.gap.gap_lips: the card's soft edge showed the photo's teeth)
        self._gap_lips = None
        if self.draws_mouth and self.mouth.from_photo and len(self._gap_idx):
            self._gap_lips = xp.asarray(gap_lips(np.asarray(mouth_gap).reshape(s, s) > 0.5,
                                                 geometry.layout.coverage))

    def _reveal_inputs(self, target_pose: Pose) -> None:
        """How far the step's pose reveals each vertex, the fill's light at it, and the held
        hand's ring hold beside the revealed outline (HeldHand._hold_step)."""
        if self._reveal is not None:
            self._revealed_host = self._reveal(target_pose)
            self._put(self._revealed, self._revealed_host)
            self._hold_step(self._revealed_host[list(FACE_OVAL)])
            if self._light is not None:
                self._put(self._light, self._shading.light(target_pose))
            if self._far_light is not None:
                self._put(self._far_light, self._shading.far.light(target_pose))

    def _mouth_inputs(self, face: Box, base: np.ndarray, target_pose: Pose, mouth: float, given: bool) -> None:
        """The mouth's inside posed in the face's box (weight-free), and the step's amounts: the
        gap's darkening and how much of the inside is drawn."""
        if self.draws_mouth:
            mv, mu = self.mouth.mesh(base, target_pose.scale)
            mv[:, 0] -= face.x0
            mv[:, 1] -= face.y0
            self._put(self._mouth_verts, mv)
            self._put(self._mouth_uvs, mu)
        amount = float(np.clip(mouth, 0.0, 1.0))
        # a given texture (a feature transfer) brings its own mouth: the photo's opening only by `mouth`
        inside = self.mouth.coverage(amount, base, target_pose.scale) if self.draws_mouth and not given \
            else amount
        self._put(self._mouth, np.array([amount, 1.0 - amount, inside], np.float32))

    def _fill(self, given_texture: bool):
        """The texture's share of fill this step's pose revealed, [S,S,1] on the loop's device
        (RevealedTexture.fill, written by _texture), which counts as motion (motion.fill_moves);
        None where there is none: no fill, or a given texture drawn instead of the source's."""
        rt = getattr(self, "_revealed_texture", None) if self._reveal is not None else None
        return None if given_texture or rt is None else rt.fill

    def _source_texture(self):
        """The source's texture at this step's pose: the photo's, with the fill where the pose
        change reveals texels (poce_rt.disocclusion)."""
        if self._reveal is None:
            return self._uv_completed
        return self._revealed_texture(self._revealed, self._light, self._far_light)

    def _texture(self, given: bool, edit: bool, steps: int):
        """The texture this step draws ([S,S,3] on the loop's device): the given one (uploaded by
        step), the networks' edit of the source's, or the source's with its mouth gap darkened."""
        xp, ws = self.xp, self.ws
        s = self.geometry.size
        if given:
            return ws.take("in.texture", (s, s, 3), np.float32)
        source = self._source_texture()
        if self.networks is not None:
            if not edit:
                return source
            return self._edit(source, steps)
        # weight-free: uv * keep + colour * amount on the gap texels (keep = gap * (1 - amount) +
        # 1 - gap), the source's texels elsewhere, as that formula gives them there bit for bit
        tex = ws.take("tex.out", (s, s, 3), np.float32)
        xp.copyto(tex, source)
        k = len(self._gap_idx)
        if k:
            keep = ws.take("tex.keep", (k, 1), np.float32)
            xp.multiply(self._gap, self._mouth[1:2], out=keep)
            xp.add(keep, self._not_gap, out=keep)
            dark = ws.take("tex.dark", (k, 1), np.float32)
            xp.multiply(self._gap, self._mouth[0:1], out=dark)
            texels = ws.take("tex.gap", (k, 3), np.float32)
            colour = ws.take("tex.colour", (k, 3), np.float32)
            xp.take(source.reshape(-1, 3), self._gap_idx, axis=0, out=texels)
            xp.multiply(texels, keep, out=texels)
            xp.multiply(dark, self._mouth_colour, out=colour)
            xp.add(texels, colour, out=texels)
            if self._gap_lips is not None:
                lips = ws.take("tex.lips", (k, 3), np.float32)
                xp.take(source.reshape(-1, 3), self._gap_lips, axis=0, out=lips)
                xp.subtract(lips, texels, out=lips)
                xp.multiply(lips, self._mouth[2:3], out=lips)
                xp.add(texels, lips, out=texels)
            tex.reshape(-1, 3)[self._gap_idx] = texels
        return tex

    def _edit(self, source, steps: int):
        """The networks' texture edit (Eq. 11), cascaded over `steps`, in the networks' NCHW [-1,1]
        layout between steps."""
        xp, ws = self.xp, self.ws
        s = self.geometry.size
        a = ws.take("net.a", (1, 3, s, s), np.float32)
        b = ws.take("net.b", (1, 3, s, s), np.float32)
        code = ws.take("net.code", (1, 52), np.float32)
        xp.multiply(self._code, np.float32(1.0 / steps), out=code)
        xp.multiply(source.transpose(2, 0, 1)[None], np.float32(2.0), out=a)
        xp.subtract(a, np.float32(1.0), out=a)
        for _ in range(steps):
            self.networks.edit_into(a, code, b, stream=self.stream)
            a, b = b, a
        tex = ws.take("tex.out", (s, s, 3), np.float32)
        xp.add(a[0].transpose(1, 2, 0), np.float32(1.0), out=tex)
        xp.multiply(tex, np.float32(0.5), out=tex)
        xp.clip(tex, 0.0, 1.0, out=tex)
        return tex
