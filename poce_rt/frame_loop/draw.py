"""The device work of a frame loop step (FrameLoop's FaceDraw): the ring around the face, then
the face rendered, kept still where it does not move, drawn over what its move uncovers and
composited into the frame, every op on the loop's stream into workspace buffers (what a CUDA graph
captures). On the host one render draws the face's texture, its photo lookup and its texel motion
together (poce_rt.layers); the GPU draws each on its own.
"""
from __future__ import annotations

import functools

import numpy as np

from .. import ops
from ..edge_cover import EdgeCover, edge_cover, padded, shade_edges
from ..layers import render_layers
from ..motion import fill_moves, keep_still, motion_texture, moved_map, moved_weight
from ..mouth.draw import draw_interior
from ..photo_warp import keep_photo
from ..profile_edge import PROFILE_FEATHER_PX, sharpen_profile
from ..profiling import stage
from ..surround import draw_ring, hold_ring, keep_ring_still
from ..uncover import fill_uncovered
from .canvas import Box


class FaceDraw:
    """FrameLoop's drawing (module docstring), mixed into it: its state is the loop's."""

    # -- device work
    def _draw(self, face: Box, ring: Box | None, given_texture: bool, edit: bool, steps: int,
              uncovered: bool = False, profile: bool = False):
        """The device work of a step: every op on this loop's stream, into workspace buffers
        (uncovered: draw what the face's move uncovers, poce_rt.uncover, from the step's inputs;
        profile: the face's own profile without the feather, poce_rt.profile_edge, by the step's
        weight). Returns the texture buffer drawn."""
        ws, st = self.ws, self.stream
        with stage("edit_uv"):
            tex = self._texture(given_texture, edit, steps)
        fy, fx = face.slices()
        base = ws.take("face.base", (face.height, face.width, 3), np.uint8)
        if ring is not None:
            # the face box back to the photo first: the ring's box may not cover all of it
            self.frame[fy, fx] = self._image[fy, fx]
            with stage("surround"):
                ry, rx = ring.slices()
                photo = ws.take("ring.photo", (ring.height, ring.width, 3), np.uint8)
                photo[...] = self._image[ry, rx]
                take = functools.partial(ws.take, dtype=np.float32)
                rgb, alpha, pos = draw_ring(self.ring_texture.current.texture, self._ring_verts, self._ring_tris,
                                            self._ring_uvs, ring.height, ring.width, take, stream=st, workspace=ws)
                centres = self._ring_centres(ring)
                kept, ring_moved = keep_ring_still(photo, rgb, pos, self._ring_lo[rx], centres, take)
                ops.composite(photo, kept, alpha, 1, stream=st, out=photo, workspace=ws)
                # the held hand stays in the photo (occluder.RingHold); a step that holds none leaves
                # the frame as it is, bit for bit, and its box-sized passes are skipped (as
                # stages.blend_face does: 16-21 ms a step on Image_with_alpha.png's photo turned -25)
                if self._ring_hold is not None and not self._ring_hold_zero:
                    hold_ring(photo, self._image, self._ring_hold_weight, self._ring_hold.box[:2], pos,
                              self._ring_lo[rx], centres, alpha, ring_moved, take)
                ring_cover = (alpha, ring_moved)
                self.frame[ry, rx] = photo
            base[...] = self.frame[fy, fx]
        else:
            base[...] = self._image[fy, fx]
        if face.empty:
            return tex
        warp = self._lookup is not None and not given_texture and not edit

        def take(name, shape):
            return ws.take(name, shape, np.float32)

        moved = None
        with stage("render"):
            rgb = take("face.rgb", (face.height, face.width, 3))
            alpha = take("face.alpha", (face.height, face.width))
            if self.xp is np:
                drawn, moved = self._render_host(face, tex, warp, rgb, alpha, self._fill(given_texture))
            else:
                ops.render(tex, self._verts, self._tris, self._uvs, face.height, face.width, stream=st,
                           out=(rgb, alpha), workspace=ws)
        if warp:
            with stage("photo_warp"):
                if self.xp is np:
                    keep_photo(rgb, drawn, self._image, ws.take)
                else:
                    self._keep_photo(face, rgb)
        with stage("edge_cover"):
            shade_edges(rgb, self._edges, take)
        if self.draws_mouth:
            with stage("mouth"):
                draw_interior(rgb, self._mouth_card, self._mouth_verts, self._mouth_tris, self._mouth_uvs,
                              self._mouth[2:3], take, stream=st, workspace=ws)
        with stage("keep_still"):
            if moved is None:
                fill = self._fill(given_texture)
                moved = moved_map(self._texels, self._vmotion, self._verts, self._tris, self._uvs,
                                  face.height, face.width, take, stream=st, workspace=ws, fill=fill)
                if self._held is not None and fill is not None:
                    drawn_fill = take("face.fill_drawn", (face.height, face.width, 1))
                    ops.render(fill, self._verts, self._tris, self._uvs, face.height, face.width, stream=st,
                               out=(drawn_fill, take("face.fill_alpha", (face.height, face.width))), workspace=ws)
                    self._hold(face, moved, drawn_fill)
            still = self._still(face, fy, fx, base, ring is not None)
            kept = keep_still(still, rgb, moved, take("face.kept", rgb.shape), take("face.kept_work", rgb.shape),
                              None if self.gpu else take("face.moved_wide", rgb.shape))
        if uncovered:   # after keep_still: where the face is drawn partly, the photo stays under it
            with stage("uncover"):
                self._fill_uncovered(face, base, alpha, ring, ring_cover if ring is not None else None)
        with stage("composite"):
            # into its own buffer: the frame under the face stays readable (under_face)
            out = ws.take("face.out", (face.height, face.width, 3), np.uint8)
            ops.composite(base, kept, alpha, self.feather_px, stream=st, out=out, workspace=ws)
            if profile:
                sharp = ws.take("face.profile_out", (face.height, face.width, 3), np.uint8)
                ops.composite(base, kept, alpha, PROFILE_FEATHER_PX, stream=st, out=sharp, workspace=ws)
                sharpen_profile(out, sharp, take("in.profile", (face.height, face.width, 1)),
                                take("face.profile_work", (face.height, face.width, 3)),
                                None if self.gpu else take("face.profile_wide", (face.height, face.width, 3)))
            self._soften(face, out, alpha, given_texture)
            self.frame[fy, fx] = out
        return tex

    def _edge_inputs(self, face: Box, local: np.ndarray) -> None:
        """The face's own occlusion edges in its box (poce_rt.edge_cover; stages.render_face's),
        from its box-local vertices; on the GPU and on a fixed canvas in buffers of a fixed size
        (padded) on the loop's device, which a captured graph replays."""
        cover = None if face.empty else edge_cover(local, self.geometry.layout.tris, face.height, face.width)
        if not (self.gpu or self.static):
            self._edges = cover
            return
        cover = padded(cover)
        bufs = [self.ws.take(f"in.edge_{name}", a.shape, a.dtype) for name, a in zip(EdgeCover._fields, cover)]
        for buf, a in zip(bufs, cover):
            self._put(buf, a)
        self._edges = EdgeCover(*bufs)

    def _still(self, face: Box, fy, fx, base, ring: bool):
        """The photo a still face keeps (motion.keep_still) over the face's box [h,w,3] uint8: the
        frame under the face (base) before the ring drew over it. The ring's inner band lies under
        the face's outline, and where it moves and the face does not (an opening jaw pulls the
        ring's band about the jaw in with the outline, the cheek above it still) the face is
        drawn over it as the photo, not as the ring: Tom_Hanks_54745.png at jawOpen 0.8 kept the
        backdrop the ring carried inward (its shade beside his far jaw) on his lit cheek, a grey
        blob up to 70 levels below the photo over ~6 px inside the outline.
        (stages.blend_face keeps the same photo.)"""
        # keep_still reads it through ufuncs: the photo's own box, a view, no copy a step
        return self._image[fy, fx] if ring else base

    def _fill_uncovered(self, face: Box, base, alpha, ring: Box | None, ring_cover) -> None:
        """The plate where the face's move uncovers the photo (poce_rt.uncover.fill_uncovered),
        into the face's base in place; ring_cover: the ring's (alpha [h,w], moved [h,w,1]) over
        its box, or None."""
        ws, xp = self.ws, self.xp
        h, w = face.height, face.width
        cover = None
        if ring_cover is not None:
            cover = ws.take("face.ring_cover", (h, w, 1), np.float32)
            cover[...] = 0.0
            x0, y0, x1, y1 = max(face.x0, ring.x0), max(face.y0, ring.y0), min(face.x1, ring.x1), min(face.y1, ring.y1)
            if x1 > x0 and y1 > y0:
                r_alpha, r_moved = ring_cover
                fs = (slice(y0 - face.y0, y1 - face.y0), slice(x0 - face.x0, x1 - face.x0))
                rs = (slice(y0 - ring.y0, y1 - ring.y0), slice(x0 - ring.x0, x1 - ring.x0))
                xp.multiply(r_alpha[rs][..., None], r_moved[rs], out=cover[fs])
        fill_uncovered(base, ws.take("in.plate", (h, w, 3), np.float32), ws.take("in.uncovered", (h, w, 1), np.float32),
                       alpha, cover, ws.take("face.uncover", (h, w, 1), np.float32),
                       ws.take("face.uncover_work", (h, w, 3), np.float32),
                       None if self.gpu else ws.take("face.uncover_wide", (h, w, 3), np.float32))

    def _render_host(self, face: Box, tex, warp: bool, rgb, alpha, fill=None):
        """On the host, the face texture tex [S,S,C], the photo lookup (warp: poce_rt.photo_warp)
        and the texel motion (poce_rt.motion; with the revealed fill [S,S,1] counted where given,
        fill_moves) drawn by one render (poce_rt.layers: each the same, bit for bit, as a render
        of its own), the colour into rgb [h,w,C] and the coverage into alpha [h,w] -> (the drawn
        lookup [h,w,3] or None, the `moved` weight [h,w,1])."""
        ws = self.ws

        def take(name, shape):
            return ws.take(name, shape, np.float32)

        h, w = face.height, face.width
        motion = self._motion if self._motion is not None else motion_texture(self._texels, self._vmotion, take)
        if fill is not None:   # into a buffer of its own: the uncover weight read the step's motion
            motion = fill_moves(motion, fill, take("motion.fill_moves", motion.shape))
        if warp:
            self._lookup_weight()
        layers = [tex, self._lookup, motion] if warp else [tex, motion]
        outs = [rgb] + [None] * (len(layers) - 1)
        at_motion = len(layers) - 1   # the layers drawn past it: the fill's share, the outline's
        holds = self._held is not None and fill is not None
        if holds:   # the fill's share drawn too: where the photo shows a hand over it, it is not (_hold)
            layers.append(fill)
            outs.append(None)
        # and the outline's softening share (_soften), into a buffer of its own: read at the composite;
        # none where the step's fill reveals none of the softened outline (it would draw 0: no change)
        self._outline_drawn = None
        soft = self._outline_share(fill)
        if soft is not None and not soft.any():
            soft = None
        if soft is not None:
            self._outline_drawn = take("outline.drawn", (h, w, 1))
            layers.append(soft)
            outs.append(self._outline_drawn)
        drawn, _ = render_layers(layers, self._verts, self._tris, self._uvs, h, w, take, "face.layers", alpha=alpha,
                                 outs=outs)
        moved = moved_weight(drawn[at_motion], take("face.moved", (h, w, 1)), take("face.moved_work", (h, w, 1)))
        if holds:
            self._hold(face, moved, drawn[at_motion + 1])
        return (drawn[1] if warp else None), moved
