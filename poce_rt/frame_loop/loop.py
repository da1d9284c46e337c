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

This module holds the set-up and the host half of a step (what it plans and uploads); the rest of
FrameLoop is mixed in from the modules named after their job (texture, draw, held, photo_lookup,
soften, read_back), which share its buffers: one state, split by what reads it.
"""
from __future__ import annotations

import functools

import numpy as np

from ..camera import CAMERA_DISTANCE_CM
from ..fit import Pose, pose_vertices
from ..motion import TexelMotion, motion_texture, pixel_centres, vertex_motion
from ..ops._arrays import Workspace, on_stream
from ..profile_edge import PROFILE_FEATHER_PX, turned_edge, turned_profile
from ..stages import Geometry, face_box, head_proxy_of, texel_motion
from ..head_proxy import FACE_OVAL, PROXY_RINGS, band_tris, oval_radius, rings_tris
from ..face_colours import face_colours
from ..surround import ring_band
from ..uncover import Uncover
from .canvas import EMPTY, Box, Canvases, Ring
from .draw import FaceDraw
from .graph_cache import GraphCache, StepKey
from .held import HeldHand
from .photo_lookup import PhotoLookup
from .read_back import ReadBack
from .ring_texture import RingTextureCache
from .soften import OutlineSoftening
from .texture import TextureStage


def step_capturable(networks) -> bool:
    """Whether a step's device work can be captured as a CUDA graph with these networks (None: the
    weight-free edit, pure device work). Host work (ONNX Runtime, the unfused mapping network on
    host copies) would fail the capture or record a stale copy; torch's allocator hands out memory
    a foreign graph would keep using after torch has freed it (torch.cuda.graph has its own pool)."""
    return networks is None or bool(getattr(networks, "capturable", False))


class FrameLoop(TextureStage, FaceDraw, HeldHand, PhotoLookup, OutlineSoftening, ReadBack):
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
            colours = source.colours
            colours = face_colours(source.image, face.vertices) if colours is None else colours
            self._proxy = head_proxy_of(source.image, face, colours, geometry, source.lens_card,
                                        self.camera_distance_cm, source.arm)
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
        with on_stream(self.stream):
            # asarray: no copy for a CuPy/torch CUDA photo or a NumPy one on the CPU
            self._image = xp.ascontiguousarray(xp.asarray(image, dtype=xp.uint8))
            layout = geometry.layout.to_device() if self.gpu else geometry.layout
            self._tris, self._uvs = layout.tris, layout.uvs   # copied to the GPU once per layout
            self._uv_completed = xp.asarray(np.ascontiguousarray(source.uv_completed, np.float32))
            skin = self._init_mouth_gap(source, geometry, mouth_gap, mouth_colour)
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
            self._ring_lo_put = None   # the corner last put in it
            self._centres = xp.asarray(pixel_centres(h, w))
            self._ring_tris = xp.asarray(rings_tris(len(FACE_OVAL), rings) if self.head_proxy
                                         else band_tris(len(FACE_OVAL)))
            # (amount, 1 - amount, how much of the mouth's inside is drawn)
            self._mouth = self.ws.take("in.mouth", (3,), np.float32)
            self._code = self.ws.take("in.code", (1, 52), np.float32)
            # how far each vertex moved from the photo (keep the photo where nothing moves)
            self._vmotion = self.ws.take("in.vmotion", (n,), np.float32)
            self._texels = TexelMotion(layout, xp)
            self._init_reveal(source, geometry, n)
            self._init_outline(source, geometry)
            self._init_held(source)
            self._init_lookup(source, geometry, mouth_gap)
            self._init_mouth(source, geometry, mouth_gap, networks, skin)
        self._src_verts = geometry.posed(source.face.vertices)
        # what the face's move uncovers is drawn as what lay behind it (poce_rt.uncover)
        self._uncover = Uncover(source.image, self._src_verts, geometry.layout.tris, geometry.layout.uvs,
                                oval_radius(source.face.vertices), keep_raster=True)
        self._uncovered = False   # whether the last step drew any of it
        self._profile = False     # whether the last step drew the face's profile unfeathered
        self._outline_drawn = None   # on the host: the step's outline share drawn with the face (_soften)
        self._motion = None       # the step's host motion_texture (None: on the GPU, or no face drawn)
        self._edges = None        # the step's occlusion edges in the face's box (poce_rt.edge_cover)
        self.ring_texture = RingTextureCache(self._image, source.face.vertices, xp, self.ws, self.stream,
                                             None if colours is None else colours.backdrop,
                                             getattr(source, "rim_light", None) if self.head_proxy else None,
                                             None if self._proxy is None else self._proxy.ring_glasses)
        self.canvases = Canvases(h, w, self.static)
        self.graph_cache = GraphCache(self.stream, self.ws) if self.graphs else None
        self._written: tuple[Box | None, ...] = ()   # the (face, ring) boxes the last step drew in
        self._ring_src = None   # the last ring's photo positions (filled())
        self._centres_box = None   # the ring box _ring_centres last copied the pixel centres of
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
            self._face_inputs(face, base, verts, target_pose)
            self._reveal_inputs(target_pose)
            self._mouth_inputs(face, base, target_pose, mouth, texture is not None)
            if ring is not None:
                self._ring_inputs(ring, ring_box)
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

    # -- a step's inputs, planned on the host and uploaded before its device work
    def _face_inputs(self, face: Box, base: np.ndarray, verts: np.ndarray, target_pose: Pose) -> None:
        """The face's posed vertices in its box, how far each moved, and the weights of what its
        move uncovers (poce_rt.uncover) and of its own profile (poce_rt.profile_edge)."""
        local = verts.copy()
        local[:, 0] -= face.x0
        local[:, 1] -= face.y0
        self._put(self._verts, local)
        self._edge_inputs(face, local)
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

    def _ring_inputs(self, ring: Ring, ring_box: Box) -> None:
        """The ring's vertices in its box and where they read its texture (the one cached for the
        step's reveal about the oval: RingTextureCache)."""
        rv = ring.verts.copy()
        rv[:, 0] -= ring_box.x0
        rv[:, 1] -= ring_box.y0
        self._put(self._ring_verts, rv)
        ring_texture = self.ring_texture.for_ring(
            ring, None if self._reveal is None else self._revealed_host[list(FACE_OVAL)])
        uvs = ring_texture.uvs(ring.src)
        self._put(self._ring_uvs, uvs)
        lo = ring_texture.lo.astype(np.float32)
        if self._ring_lo_put is None or not np.array_equal(lo, self._ring_lo_put):   # the texture's, kept a while
            self._put(self._ring_lo, np.tile(lo, (self.width, 1)))
            self._ring_lo_put = lo
        self._ring_src = ring.src   # where each vertex reads the photo (host; for filled())

    def _ring_centres(self, ring: Box):
        """The pixel centres over the ring's box [h,w,2] (keep_ring_still, hold_ring): on the host a
        contiguous copy kept while the box stays (the extension reads contiguous arrays: the view
        was copied into a fresh box-sized array every step), on the GPU a view."""
        ry, rx = ring.slices()
        if self.gpu:
            return self._centres[ry, rx]
        out = self.ws.take("ring.centres", (ring.height, ring.width, 2), np.float32)
        if self._centres_box != ring:
            out[...] = self._centres[ry, rx]
            self._centres_box = ring
        return out

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

    # -- helpers
    def _take(self, name: str, shape):
        return self.ws.take(name, shape, np.float32)

    def _put(self, dst, host: np.ndarray) -> None:
        if self.gpu:
            dst.set(np.ascontiguousarray(host, dst.dtype), stream=self.stream)
        else:
            np.copyto(dst, host, casting="same_kind")

    def synchronize(self) -> None:
        if self.stream is not None:
            self.stream.synchronize()
