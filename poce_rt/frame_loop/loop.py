"""Steps 5-7 of a frame (edit_uv, render, blend) for one prepared source, on one device.

    loop = FrameLoop(source, geometry, feather_px, device="cuda")   # or "cpu"
    frame = loop.step(rel_code, shape, target_pose)                  # CuPy on the GPU, NumPy on the CPU

A loop owns a source's buffers: the photo, its completed UV and the texture of the ring around the
face are put on the device once; a step uploads only what changes per frame (posed vertices, the
ring's vertices, the relative code, the mouth amount), runs every stage on one stream into buffers
of a Workspace, and returns the frame buffer (valid until the next step: copy it to keep it).

On the GPU the stages draw into fixed canvases around the face and the ring around it, so every
shape is static and the step's device work is captured once as a CUDA graph and replayed; a canvas
grows (and the graph is captured again) only when the face leaves it. On the CPU the same code runs
on NumPy arrays and the C++ kernels, drawing into the exact boxes each frame; there one render draws
the face's texture, its photo lookup and its texel motion together (poce_rt.layers: rasterizing is
most of a host render), where the GPU draws each on its own. Either way the result is the one of
stages.render_face + stages.blend_face (tests compare them).
"""
from __future__ import annotations

import functools

import numpy as np

from .. import ops
from ..camera import CAMERA_DISTANCE_CM
from ..fit import Pose, pose_vertices
from ..layers import render_layers
from ..motion import (TexelMotion, fill_moves, hold, keep_still, motion_texture, moved_map, moved_weight,
                      pixel_centres, vertex_motion)
from ..mouth import draw_interior, gap_lips, in_photo_colour, interior_tris, mouth_interior, skin_tone
from ..ops._arrays import Workspace, on_stream, to_host
from ..photo_warp import keep_photo, lookup_positions, lookup_texture, outside_mouth
from ..profile_edge import PROFILE_FEATHER_PX, sharpen_profile, turned_edge, turned_profile
from ..revealed import PoseReveal, RevealedTexture, fill_share, filled_pixels
from ..profiling import stage
from ..stages import Geometry, face_box, head_proxy_of, texel_motion
from ..head_proxy import FACE_OVAL, PROXY_RINGS, band_tris, oval_radius, rings_tris
from ..occluder import revealed_beside, ring_hold
from ..outline import gauss_taps, outline_soft, soft_texture, soften_outline
from ..ring_photo import ring_filled
from ..silhouette import face_colours
from ..surround import draw_ring, hold_ring, keep_ring_still, ring_band
from ..uncover import Uncover, fill_uncovered
from .canvas import EMPTY, Box, Canvases, Ring
from .graph_cache import GraphCache, StepKey
from .ring_texture import RingTextureCache

MOUTH_COLOUR = np.array([0.22, 0.07, 0.07], np.float32)  # a dark mouth cavity


def step_capturable(networks) -> bool:
    """Whether a step's device work can be captured as a CUDA graph with these networks (None: the
    weight-free edit, pure device work). Host work (ONNX Runtime, the unfused mapping network on
    host copies) would fail the capture or record a stale copy; torch's allocator hands out memory
    a foreign graph would keep using after torch has freed it (torch.cuda.graph has its own pool)."""
    return networks is None or bool(getattr(networks, "capturable", False))


class FrameLoop:
    """Draws a prepared source at a new expression and pose, frame after frame.

    Args:
        source: a pipeline.Source (image, face, uv_completed; device_image if the caller's photo
            already lives on the GPU: it is used without a copy).
        geometry: the stages.Geometry the source was sampled with.
        feather_px: soft edge of the face composite.
        networks: poce_rt.networks.Networks for the texture edit, or None (the completed UV is
            drawn as it is, with the mouth gap darkened by `step`'s `mouth`).
        mouth_gap: [S,S] bool texels of the mouth opening (weight-free darkening), or None.
        device: 'cpu' (NumPy, C++ kernels) or 'cuda' (CuPy, CUDA kernels, one stream).
        graphs: capture the step as a CUDA graph and replay it (default: on for 'cuda'; the CPU
            has nothing to capture).
        static: draw into a fixed canvas that grows only when the face leaves it (default: with
            graphs, which replay fixed shapes); else into the face's exact box each step.
        stream: the CuPy stream to run on ('cuda'; default: a new non-blocking one).
        mouth_colour: [S,S,3] (or [3]) colour the mouth gap is blended towards by `mouth`
            (default: MOUTH_COLOUR everywhere).
        head_proxy: the ring around the face carries the head proxy's rings, which turn with the
            face (poce_rt.surround); False: the plain band of the face oval (the path before).
        camera_distance_cm: the camera the head proxy's rings are projected with (poce_rt.camera;
            the face's own shape comes with it folded in, Editor.plan).
    """

    def __init__(self, source, geometry: Geometry, feather_px: int, networks=None,
                 mouth_gap: np.ndarray | None = None, device: str = "cpu", graphs: bool | None = None,
                 static: bool | None = None, stream=None, mouth_colour: np.ndarray | None = None,
                 head_proxy: bool = True, camera_distance_cm: float = CAMERA_DISTANCE_CM):
        if device not in ("cpu", "cuda"):
            raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
        self.gpu = device == "cuda"
        if graphs and not self.gpu:
            raise ValueError("CUDA graphs need device='cuda'")
        capturable = step_capturable(networks)
        self.graphs = (self.gpu and capturable) if graphs is None else bool(graphs)
        if self.graphs and not capturable:
            raise ValueError("CUDA graphs need networks whose edit is pure device work (TensorRT "
                             f"with the fused editing graph), not {networks.backend!r} with graphs "
                             f"{sorted(networks.graphs)}")
        if self.graphs and static is False:
            raise ValueError("CUDA graphs replay fixed shapes: they need static=True")
        self.static = self.graphs if static is None else bool(static)
        self.source = source
        self.geometry = geometry
        self.feather_px = int(feather_px)
        self.networks = networks
        self.head_proxy = bool(head_proxy)
        self.camera_distance_cm = float(camera_distance_cm)
        # the proxy's silhouette sized to the photo's hair and the skin strip beside the oval, once per source
        face = source.face
        self._proxy = colours = None
        if self.head_proxy:
            colours = getattr(source, "colours", None)
            colours = face_colours(source.image, face.vertices) if colours is None else colours
            self._proxy = head_proxy_of(source.image, face, colours, geometry, getattr(source, "lens_card", None),
                                        self.camera_distance_cm)
        self.ws = Workspace(gpu=self.gpu)
        if self.gpu:
            import cupy as cp

            self.xp = cp
            # a stream of our own by default: capture cannot use the legacy default stream
            self.stream = stream if stream is not None else cp.cuda.Stream(non_blocking=True)
        else:
            self.xp = np
            self.stream = None
        xp = self.xp
        image = getattr(source, "device_image", None) if self.gpu else None
        image = source.image if image is None else image
        h, w = source.image.shape[:2]
        self.height, self.width = h, w
        s = geometry.size
        with on_stream(self.stream):
            # asarray: no copy for a CuPy/torch CUDA photo or a NumPy one on the CPU
            self._image = xp.ascontiguousarray(xp.asarray(image, dtype=xp.uint8))
            layout = geometry.layout.to_device() if self.gpu else geometry.layout
            self._tris, self._uvs = layout.tris, layout.uvs   # copied to the GPU once per layout
            self._uv_completed = xp.asarray(np.ascontiguousarray(source.uv_completed, np.float32))
            # the weight-free edit changes only the mouth gap's texels (_texture): them alone, by index
            gap = np.zeros(s * s, np.float32) if mouth_gap is None else \
                np.asarray(mouth_gap, np.float32).reshape(-1)
            idx = np.flatnonzero(gap != 0)
            # the cavity in the photo's colour (grey in a greyscale portrait: mouth.in_photo_colour)
            skin = skin_tone(source.uv_completed, geometry.layout.coverage)
            colour = in_photo_colour(np.asarray(MOUTH_COLOUR if mouth_colour is None else mouth_colour, np.float32),
                                     skin)
            self._gap_idx = xp.asarray(idx.astype(np.int64))
            self._gap = xp.asarray(gap[idx, None])
            self._not_gap = xp.asarray(1.0 - gap[idx, None])
            self._mouth_colour = xp.asarray(np.ascontiguousarray(
                colour.reshape(-1, 3)[idx] if colour.ndim == 3 else colour))
            self.frame = self.ws.take("frame", (h, w, 3), np.uint8)
            self.frame[...] = self._image
            # per-step inputs, uploaded into these fixed buffers before the device work; allocated
            # and filled on the loop's stream, whose kernels read them (the caller's stream may
            # not be ordered with it)
            n = len(geometry.model.uvs)
            self._verts = self.ws.take("in.verts", (n, 3), np.float32)
            rings = PROXY_RINGS if self.head_proxy else 2
            k = rings * len(FACE_OVAL)
            self._ring_verts = self.ws.take("in.ring_verts", (k, 3), np.float32)
            self._ring_uvs = self.ws.take("in.ring_uvs", (k, 2), np.float32)
            # the ring texture's corner in the photo, and each frame pixel's centre: where the ring
            # leaves a pixel in place it keeps the photo's own (surround.keep_ring_still)
            self._ring_lo = self.ws.take("in.ring_lo", (w, 2), np.float32)   # on each column (read_motion)
            self._centres = xp.asarray(pixel_centres(h, w))
            self._ring_tris = xp.asarray(rings_tris(len(FACE_OVAL), rings) if self.head_proxy
                                         else band_tris(len(FACE_OVAL)))
            # (amount, 1 - amount, how much of the mouth's inside is drawn)
            self._mouth = self.ws.take("in.mouth", (3,), np.float32)
            self._code = self.ws.take("in.code", (1, 52), np.float32)
            # how far each vertex moved from the photo (keep the photo where nothing moves)
            self._vmotion = self.ws.take("in.vmotion", (n,), np.float32)
            self._texels = TexelMotion(layout, xp)
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
            # the revealed fill's outline blurred as soft as the photo shows that side (poce_rt.outline):
            # (soft_texture on the device, the Gaussian's taps), or None where no side is softer
            self._outline = None
            if self._reveal is not None:
                soft = outline_soft(source.image, source.face.vertices, source.face.pose.yaw)
                if soft.any():
                    self._outline = (xp.asarray(soft_texture(soft, geometry.layout)), gauss_taps(float(soft.max())))
            # a hand over the face's outline stays in the photo where the fill is drawn (poce_rt.occluder)
            held = getattr(source, "held", None)
            self._held = None if held is None or self._reveal is None else \
                xp.asarray(np.ascontiguousarray(np.asarray(held, np.float32)[..., None]))
            # and the ring keeps it too where the pose reveals the outline beside it (occluder.RingHold)
            self._ring_hold = None if self._held is None else \
                ring_hold(held, np.asarray(source.face.vertices)[list(FACE_OVAL), :2])
            if self._ring_hold is not None:
                hx0, hy0, hx1, hy1 = self._ring_hold.box
                self._ring_hold_weight = self.ws.take("in.ring_hold", (hy1 - hy0, hx1 - hx0, 1), np.float32)
                self._ring_hold_share = self.ws.take("in.ring_hold_share", (hy1 - hy0, hx1 - hx0, 1), np.float32)
                # a step that holds none writes these zeros, once until a step holds some (_hold_weight)
                self._ring_hold_none = np.zeros(self._ring_hold_weight.shape, np.float32)
                self._ring_hold_zero = False   # the buffer as taken holds anything
            # where the drawn texels are the photo's own, the render reads the photo once at their
            # position (poce_rt.photo_warp): (x, y) fixed, the weight written per step
            self._lookup = None
            mask = getattr(source, "mask", None)
            if mask is not None:
                seen = (np.asarray(mask) >= 0.5).astype(np.float32)
                self._lookup = self.ws.take("in.lookup", (s, s, 3), np.float32)
                self._put(self._lookup, lookup_texture(
                    lookup_positions(geometry.posed(source.face.vertices), geometry.layout, texel_motion(geometry)),
                    seen))
                self._seen = xp.asarray(seen.reshape(s, s, 1))
                self._read_photo = xp.asarray(outside_mouth(None if mouth_gap is None else np.asarray(mouth_gap) > 0.5, s))
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
            # the card's coverage (mouth.gap_lips: the card's soft edge showed the photo's teeth)
            self._gap_lips = None
            if self.draws_mouth and self.mouth.from_photo and len(idx):
                self._gap_lips = xp.asarray(gap_lips(np.asarray(mouth_gap).reshape(s, s) > 0.5,
                                                     geometry.layout.coverage))
        self._src_verts = geometry.posed(source.face.vertices)
        # what the face's move uncovers is drawn as what lay behind it (poce_rt.uncover)
        self._uncover = Uncover(source.image, self._src_verts, geometry.layout.tris, geometry.layout.uvs,
                                oval_radius(source.face.vertices))
        self._uncovered = False   # whether the last step drew any of it
        self._profile = False     # whether the last step drew the face's profile unfeathered
        self._outline_drawn = None   # on the host: the step's outline share drawn with the face (_soften)
        self._motion = None       # the step's host motion_texture (None: on the GPU, or no face drawn)
        self.ring_texture = RingTextureCache(self._image, source.face.vertices, xp, self.ws, self.stream,
                                             None if colours is None else colours.backdrop,
                                             getattr(source, "rim_light", None) if self.head_proxy else None,
                                             None if self._proxy is None else self._proxy.ring_glasses)
        self.canvases = Canvases(h, w, self.static)
        self.graph_cache = GraphCache(self.stream, self.ws) if self.graphs else None
        self._written: tuple[Box | None, ...] = ()   # the (face, ring) boxes the last step drew in
        self._ring_src = None   # the last ring's photo positions (filled())
        self.texture = self._uv_completed   # the texture drawn by the last step
        self.last_box = EMPTY
        self.last_ring = False
        self._events = None

    def time_device_work(self, on: bool = True) -> None:
        """Record CUDA events around each step's device work (after the host planning and the
        uploads); `device_ms()` reads the last step's."""
        if self.gpu:
            import cupy as cp

            self._events = (cp.cuda.Event(), cp.cuda.Event()) if on else None

    def device_ms(self) -> float:
        """Milliseconds of the last step's device work (time_device_work must be on)."""
        if self._events is None:
            raise RuntimeError("call time_device_work() first (GPU loops only)")
        import cupy as cp

        self._events[1].synchronize()
        return float(cp.cuda.get_elapsed_time(*self._events))

    @property
    def photo(self):
        """The source photo on this loop's device (do not write to it)."""
        return self._image

    # -- the per-frame entry point
    def step(self, rel_code, shape: np.ndarray, target_pose: Pose, mouth: float = 0.0,
             texture=None, steps: int = 1, sync: bool = True):
        """Draw the source with `shape` (canonical frame, the rig's geometry) at `target_pose`.

        rel_code: [52] relative code for the networks' texture edit (ignored without networks).
        mouth: weight-free darkening of the mouth gap in [0, 1] (ignored with networks).
        texture: an [S,S,3] texture to draw instead of editing one (e.g. a feature transfer).
        steps: cascade of the texture edit (Cascade EF-GAN).
        sync: on the GPU, wait for the step before returning, so the frame can be read from any
            stream; sync=False leaves it queued on `self.stream` (order your own work after it).
        Returns the [H,W,3] uint8 frame buffer (NumPy or CuPy; overwritten by the next step).
        """
        h, w = self.height, self.width
        base = pose_vertices(shape, target_pose)
        verts = self.geometry.posed(base)
        ring = self._ring(base, target_pose)
        # Two boxes, as in stages.render_face/blend_face: the face's (with room for the feather)
        # and the ring's; render and composite cost per pixel, and the ring's box is ~2x the face's.
        face = self.canvases.for_role("face", Box(*face_box(base, h, w, margin=self.feather_px + 3)))
        ring_box = self.canvases.for_role("ring", ring.box) if ring is not None else None
        boxes = (face, ring_box)
        self.last_box = face.union(ring_box) if ring_box is not None else face
        self.last_ring = ring is not None
        with on_stream(self.stream):
            for old in self._written:   # what earlier steps drew elsewhere goes back to the photo
                if old is not None and not old.empty and old not in boxes:
                    ys, xs = old.slices()
                    self.frame[ys, xs] = self._image[ys, xs]
            self._written = boxes
            if face.empty and ring_box is None:
                if sync:
                    self.synchronize()
                return self.frame
            local = verts.copy()
            local[:, 0] -= face.x0
            local[:, 1] -= face.y0
            self._put(self._verts, local)
            vmotion = vertex_motion(self._src_verts, verts)
            self._put(self._vmotion, vmotion)
            box = (face.x0, face.y0, face.x1, face.y1)
            # on the host the texel motion is spread once a step: the uncover weight and the face's
            # render (_render_host) draw the same texture
            self._motion = None if face.empty or self.gpu else motion_texture(self._texels, vmotion, self._take)
            uncovered = None if face.empty else self._uncover.weight_over(texel_motion(self.geometry), vmotion, box,
                                                                          self._motion)
            self._uncovered = uncovered is not None
            if self._uncovered:
                self._put(self.ws.take("in.uncovered", (face.height, face.width, 1), np.float32), uncovered[..., None])
                self._put(self.ws.take("in.plate", (face.height, face.width, 3), np.float32),
                          self._uncover.plate_over(box))
            # the face's own profile, composited without the feather (poce_rt.profile_edge)
            profile = None if face.empty or self.feather_px <= PROFILE_FEATHER_PX else \
                turned_profile(self.source.face.pose, target_pose, base[list(FACE_OVAL), :2] - (face.x0, face.y0),
                               base[:, :2] - (face.x0, face.y0), face.height, face.width,
                               turned_edge(self._proxy, base[list(FACE_OVAL)]), (face.x0, face.y0))
            self._profile = profile is not None
            if self._profile:
                self._put(self.ws.take("in.profile", (face.height, face.width, 1), np.float32), profile[..., None])
            if self._reveal is not None:
                self._revealed_host = self._reveal(target_pose)
                self._put(self._revealed, self._revealed_host)
                if self._ring_hold is not None:
                    share = self._ring_hold.share(self._revealed_host[list(FACE_OVAL)])
                    self._hold_weight(self._ring_hold.weight(share))
                    self._put(self._ring_hold_share, share)
                if self._light is not None:
                    self._put(self._light, self._shading.light(target_pose))
            if self.draws_mouth:
                mv, mu = self.mouth.mesh(base, target_pose.scale)
                mv[:, 0] -= face.x0
                mv[:, 1] -= face.y0
                self._put(self._mouth_verts, mv)
                self._put(self._mouth_uvs, mu)
            if ring is not None:
                rv = ring.verts.copy()
                rv[:, 0] -= ring_box.x0
                rv[:, 1] -= ring_box.y0
                self._put(self._ring_verts, rv)
                ring_texture = self.ring_texture.for_ring(
                    ring, None if self._reveal is None else self._revealed_host[list(FACE_OVAL)])
                uvs = ring_texture.uvs(ring.src)
                self._put(self._ring_uvs, uvs)
                self._put(self._ring_lo, np.tile(ring_texture.lo.astype(np.float32), (self.width, 1)))
                self._ring_src = ring.src   # where each vertex reads the photo (host; for filled())
            amount = float(np.clip(mouth, 0.0, 1.0))
            # a given texture (a feature transfer) brings its own mouth: the photo's opening only by `mouth`
            inside = self.mouth.coverage(amount, base, target_pose.scale) if self.draws_mouth and texture is None \
                else amount
            self._put(self._mouth, np.array([amount, 1.0 - amount, inside], np.float32))
            edit = self.networks is not None and texture is None and bool(np.any(np.asarray(rel_code) != 0))
            if edit:
                self._put(self._code, np.asarray(rel_code, np.float32).reshape(1, 52))
            if texture is not None:
                self._put(self.ws.take("in.texture", self._uv_completed.shape, np.float32),
                          np.asarray(texture, np.float32))
            ring_side = self.ring_texture.current.side if ring is not None else 0
            key = StepKey(face, ring_box, ring_side, "texture" if texture is not None else edit, int(steps),
                          self._uncovered, self._profile)
            if self._events is not None:
                self._events[0].record(self.stream)
            draw = functools.partial(self._draw, face, ring_box, texture is not None, edit, int(steps),
                                     self._uncovered, self._profile)
            self.texture = draw() if self.graph_cache is None else self.graph_cache.run(key, draw)
            if self._events is not None:
                self._events[1].record(self.stream)
        if sync:
            self.synchronize()
        return self.frame

    # -- host-side planning
    def _ring(self, target: np.ndarray, target_pose: Pose) -> Ring | None:
        """The ring warp of poce_rt.surround for this step, or None when the face oval does not
        move (then the photo around the face is left as it is)."""
        proxy = None if self._proxy is None else (self._proxy, target_pose)
        band = ring_band(self.source.face.vertices, target, self.height, self.width, proxy=proxy)
        if band is None:
            return None
        verts, _, src, box = band
        return Ring(verts, src, Box(*box))

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
                kept, ring_moved = keep_ring_still(photo, rgb, pos, self._ring_lo[rx], self._centres[ry, rx], take)
                ops.composite(photo, kept, alpha, 1, stream=st, out=photo, workspace=ws)
                # the held hand stays in the photo (occluder.RingHold); a step that holds none leaves
                # the frame as it is, bit for bit, and its box-sized passes are skipped (as
                # stages.blend_face does: 16-21 ms a step on Image_with_alpha.png's photo turned -25)
                if self._ring_hold is not None and not self._ring_hold_zero:
                    hold_ring(photo, self._image, self._ring_hold_weight, self._ring_hold.box[:2], pos,
                              self._ring_lo[rx], self._centres[ry, rx], alpha, ring_moved, take)
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

    def _soften(self, face: Box, out, alpha, given_texture: bool) -> None:
        """The composited face's box out [h,w,3] uint8 blurred across the outline where the step
        draws revealed fill the photo shows softer (poce_rt.outline.soften_outline), in place."""
        ws = self.ws
        h, w = face.height, face.width
        if self.xp is np:   # drawn with the face (_render_host), or None where nothing is softened
            drawn = self._outline_drawn
            if drawn is None:
                return
        else:
            share = self._outline_share(self._fill(given_texture))
            if share is None:
                return
            drawn = ws.take("outline.drawn", (h, w, 1), np.float32)
            ops.render(share, self._verts, self._tris, self._uvs, h, w, stream=self.stream,
                       out=(drawn, ws.take("outline.drawn_alpha", (h, w), np.float32)), workspace=ws)
        soften_outline(out, alpha, drawn, self._outline[1], lambda name, shape: ws.take(name, shape, np.float32))

    def _outline_share(self, fill):
        """[S,S,1] the revealed fill's share of the outline's softening (soft_texture times the
        step's fill, _soften), or None where nothing is softened."""
        if self._outline is None or fill is None:
            return None
        texture = self._outline[0]
        return self.xp.multiply(texture, fill, out=self.ws.take("outline.texture", texture.shape, np.float32))

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
                       ws.take("face.uncover_work", (h, w, 3), np.float32))

    def _keep_photo(self, face: Box, rgb) -> None:
        """The photo's own pixels in the face render rgb [h,w,3], in place (poce_rt.photo_warp),
        the lookup drawn by a render of its own (the device's: graph-capturable as it was)."""
        ws = self.ws
        self._lookup_weight()
        drawn = ws.take("face.lookup", (face.height, face.width, 3), np.float32)
        ops.render(self._lookup, self._verts, self._tris, self._uvs, face.height, face.width, stream=self.stream,
                   out=(drawn, ws.take("face.lookup_alpha", (face.height, face.width), np.float32)), workspace=ws)
        keep_photo(rgb, drawn, self._image, ws.take)

    def _lookup_weight(self) -> None:
        """The lookup's weight at this step's pose: each texel's share of the photo's own sample,
        none in and around the mouth's opening (photo_warp.outside_mouth)."""
        rt = getattr(self, "_revealed_texture", None) if self._reveal is not None else None
        own = rt.own if rt is not None and rt.own is not None else self._seen
        self.xp.multiply(own, self._read_photo, out=self._lookup[..., 2:3])

    def _fill(self, given_texture: bool):
        """The texture's share of fill this step's pose revealed, [S,S,1] on the loop's device
        (RevealedTexture.fill, written by _texture), which counts as motion (motion.fill_moves);
        None where there is none: no fill, or a given texture drawn instead of the source's."""
        rt = getattr(self, "_revealed_texture", None) if self._reveal is not None else None
        return None if given_texture or rt is None else rt.fill

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

    def _hold(self, face: Box, moved, drawn_fill) -> None:
        """The `moved` weight [h,w,1] of the face's box, in place, held where the photo shows a hand
        over the face's outline and the render draws fill (motion.hold; drawn_fill [h,w,1] the
        render's share of revealed fill)."""
        fy, fx = face.slices()
        if self._ring_hold is not None:   # and where the outline beside it is revealed (RingHold.share)
            revealed_beside(drawn_fill, self._ring_hold_share, self._ring_hold.box, (face.x0, face.y0))
        hold(moved, self._held[fy, fx], drawn_fill, moved, self.ws.take("face.hold_work", moved.shape, np.float32))

    def _source_texture(self):
        """The source's texture at this step's pose: the photo's, with the fill where the pose
        change reveals texels (poce_rt.disocclusion)."""
        if self._reveal is None:
            return self._uv_completed
        return self._revealed_texture(self._revealed, self._light)

    def _texture(self, given: bool, edit: bool, steps: int):
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

    # -- helpers
    def _take(self, name: str, shape):
        return self.ws.take(name, shape, np.float32)

    def _hold_weight(self, weight: np.ndarray | None) -> None:
        """The ring's held share this step (RingHold.weight's) into its buffer. None (nothing
        revealed beside the hand): zeros, which leave the ring's frame as it is (hold_ring), from
        a buffer allocated once, and not written again while the buffer holds them."""
        if weight is not None:
            self._put(self._ring_hold_weight, weight)
        elif not self._ring_hold_zero:
            self._put(self._ring_hold_weight, self._ring_hold_none)
        self._ring_hold_zero = weight is None

    def _put(self, dst, host: np.ndarray) -> None:
        if self.gpu:
            dst.set(np.ascontiguousarray(host, dst.dtype), stream=self.stream)
        else:
            np.copyto(dst, host, casting="same_kind")

    def maps(self):
        """(rgb [H,W,3] float32, alpha [H,W] float32) of the last step's face render as host
        arrays over the whole frame (zero outside the face's box)."""
        h, w = self.height, self.width
        rgb = np.zeros((h, w, 3), np.float32)
        alpha = np.zeros((h, w), np.float32)
        box = self._written[0] if self._written else EMPTY
        if not box.empty:
            ys, xs = box.slices()
            rgb[ys, xs] = self.host(self.ws.take("face.rgb", (box.height, box.width, 3), np.float32))
            alpha[ys, xs] = self.host(self.ws.take("face.alpha", (box.height, box.width), np.float32))
        return rgb, alpha

    def moved(self) -> np.ndarray:
        """[H,W] float32 host map of the last step's `moved` weight (poce_rt.motion): 0 where the
        photo was kept, 1 where the re-render was drawn fully (zero outside the face's box)."""
        out = np.zeros((self.height, self.width), np.float32)
        box = self._written[0] if self._written else EMPTY
        if not box.empty:
            ys, xs = box.slices()
            out[ys, xs] = self.host(self.ws.take("face.moved", (box.height, box.width, 1), np.float32))[..., 0]
        return out

    def filled(self):
        """Where the last step drew fill (poce_rt.disocclusion) -> (uv [S,S] float32 each texel's
        share of fill in the texture drawn, or None when the source has no fill; [H,W] float32
        host map of each pixel's share of colour from filled texels: the former drawn at the
        step's pose, times the render's coverage and `moved` weight, plus the ring's texels filled
        beyond the photo where the face does not cover it)."""
        out = self._ring_filled()
        box = self._written[0] if self._written else EMPTY
        if not box.empty:   # the ring's fill counts only where the face does not cover it
            ys, xs = box.slices()
            alpha = self.host(self.ws.take("face.alpha", (box.height, box.width), np.float32))
            weight = self.moved()[ys, xs] * alpha
            if self._uncovered:   # the plate drawn where the face's move uncovered the photo
                plate = self.host(self.ws.take("face.uncover", (box.height, box.width, 1), np.float32))[..., 0]
                out[ys, xs] = 1.0 - (1.0 - out[ys, xs]) * (1.0 - plate)
            out[ys, xs] *= 1.0 - alpha   # the face's composite draws over both, still or moved (_still)
        filled = getattr(self.source, "filled", None)
        if self._reveal is None or filled is None:
            return None, out
        s = self.geometry.size
        revealed = texel_motion(self.geometry)(self._revealed_host, np.empty((s, s, 1), np.float32),
                                               np.empty((s, s, 3), np.float32))
        uv = fill_share(filled, self.source.mask, revealed)
        if not box.empty:
            out[ys, xs] += filled_pixels(uv, self.host(self._verts), self.geometry.layout, weight)
        return uv, out

    def _ring_filled(self) -> np.ndarray:
        """[H,W] float32: the last step's ring's share of fill (ring_photo.ring_filled: texels filled
        beyond the photo or for a stretched strip, background the turn uncovered)."""
        out = np.zeros((self.height, self.width), np.float32)
        ring = self._written[1] if len(self._written) > 1 else None
        tex = self.ring_texture.current
        if ring is not None and not ring.empty and tex is not None:
            ys, xs = ring.slices()
            out[ys, xs] = ring_filled(tex.known, self.host(self._ring_verts), self.host(self._ring_tris),
                                      self.host(self._ring_uvs), self._ring_src, (ring.x0, ring.y0),
                                      ring.height, ring.width)
            # where the ring kept the photo's own pixel, none of it is fill
            out[ys, xs] *= self.host(self.ws.take("ring.moved", (ring.height, ring.width, 1), np.float32))[..., 0]
        return out

    def under_face(self) -> np.ndarray:
        """[H,W,3] uint8 host copy of the last frame without the face: the photo with the ring
        warped (what the face was composited onto), e.g. for another blend (Poisson)."""
        out = self.frame_to_host()
        box = self._written[0] if self._written else EMPTY
        if not box.empty:
            ys, xs = box.slices()
            out[ys, xs] = self.host(self.ws.take("face.base", (box.height, box.width, 3), np.uint8))
        return out

    def host(self, a) -> np.ndarray:
        """A host copy of one of this loop's arrays (a fresh NumPy array either way)."""
        return to_host(a, self.stream)

    def frame_to_host(self) -> np.ndarray:
        """A host copy of the last frame."""
        return self.host(self.frame)

    def synchronize(self) -> None:
        if self.stream is not None:
            self.stream.synchronize()
