"""The geometric stages of one frame (POCE Fig. 1), on top of the ops and the face model:
sample_face (Eq. 15), complete (weight-free here; the network lives in the pipeline),
render_face (Eq. 16) and repose (all of them plus composite)."""
from __future__ import annotations

import functools
from typing import NamedTuple
from dataclasses import dataclass, field

import numpy as np

from . import limits, ops
from .camera import CAMERA_DISTANCE_CM, perspective_shape
from .accessories import completion_input, glasses_holes, lens_card, ring_glasses, skin_core, sunglasses
from .complete import complete_uv_fallback, push_pull
from .backdrop_rim import backdrop_rim, held_reach, rim_glow
from .disocclusion import (C_KEEP, fill_unreliable, on_skin, pixel_texels, resolution_trust, texel_positions,
                           texel_silhouette_distance, texel_values, trusted_maps, unlike_backdrop, unlike_facing,
                           visibility_confidence)
from .edge_cover import edge_cover, shade_edges
from .facemodel import FaceModel, facing_cosine, load_face_model, subdivide
from .far_light import far_gain, far_light, far_share, photo_read
from .far_side import far_side_offset, revealed_far_side
from .fill_light import relights
from .fit import Pose, pose_vertices
from .colour_classes import PhotoColours, texel_skin
from .hair import face_beard, hair_over_face
from .head_proxy import FACE_OVAL, oval_radius
from .layers import render_layers
from .masks import eye_regions
from .rim_light import RimLight, rim_border
from .shading import FillShading, fill_shading, skin_light
from .mouth.draw import draw_interior
from .mouth.gap import gap_lips, mouth_gap_texels, under_card
from .mouth.light import skin_tone
from .mouth.mesh import interior_tris
from .mouth.photo import MouthInterior, mouth_interior
from .motion import TexelMotion, hold, keep_still, moved_map, vertex_motion
from .occluder import UNREAD, arm_beside, occluder_maps, revealed_beside, ring_hold as ring_hold_for
from .outline import gauss_taps, outline_soft, soft_texture, soften_outline
from .edge_strip import edge_on_light
from .photo_warp import keep_photo, lookup_positions, lookup_texture, outside_mouth, own_share
from .neck import jaw_shadow, neck_layer
from .profile_edge import PROFILE_FEATHER_PX, own_edge_of, sharpen_profile, turned_edge, turned_profile
from .band_content import band_arm, band_head_armless
from .face_colours import face_colours
from .past_oval import cheek_outline
from .proxy_measures import proxy_measures
from .skin_run import SkinRun
from .proxy_pose import HeadProxy
from .revealed import PoseReveal, fill_share, filled_pixels, revealed_fill, revealed_texture, vertex_normals
from .surround import warp_surround
from .tracker import Face
from .uncover import UNCOVER_PX, Uncover, fill_uncovered
from .yield_edges import held_holes, yield_join

# Texels seen at more than ~81 degrees from the view ("edge-on") are a smear of a few pixels;
# rendered facing the camera after a pose change they show as blurred streaks, so completion never
# reads them (complete_face) and a pose change that turns them towards the camera draws its fill
# (poce_rt.disocclusion). At the photo's pose, and where a pose change turns them away, they are
# drawn as the photo saw them: their fill drew a band of skin over the hair or the backdrop along
# the face's outline at the source pose (1-2% of its pixels, 50-90% of its round-trip error).
MIN_FACING_COS = 0.15
BORDER_PX = 1.0         # texels closer than this to the photo's border are unknown (off_photo)
ERODE_BELOW_COS = 0.6   # texels of triangles turned further than ~53 degrees lose their border


@dataclass(frozen=True, eq=False)
class Geometry:
    """A face mesh (possibly subdivided) and its UV layout: fixed per topology, built once."""

    model: FaceModel
    layout: ops.UVLayout

    @property
    def size(self) -> int:
        return self.layout.size

    def posed(self, base_vertices: np.ndarray) -> np.ndarray:
        """[468,3] image-space vertices -> [N,3] float32 C-contiguous vertices of this mesh."""
        v = np.asarray(base_vertices, np.float32)
        if v.shape != (468, 3):
            raise ValueError(f"expected [468,3] vertices, got {list(v.shape)}")
        if not np.isfinite(v).all():
            raise ValueError("vertices contain NaN or inf")
        return np.ascontiguousarray(self.model.pose_from_base(v), dtype=np.float32)


@functools.lru_cache(maxsize=8)
def geometry(size: int = 256, subdivisions: int = 0, scheme: str = "loop") -> Geometry:
    """The canonical mesh (subdivided `subdivisions` times, 0-3) and its S x S layout (S in
    16-4096), cached. Out-of-range values raise InputError (poce_rt.limits)."""
    size = limits.check_int("UV size", size, *limits.UV_SIZE)
    subdivisions = limits.check_int("subdivisions", subdivisions, *limits.SUBDIVISIONS)
    model = load_face_model()
    if subdivisions:
        model = subdivide(model, subdivisions, scheme)
    tris = np.ascontiguousarray(model.tris, np.int32)
    uvs = np.ascontiguousarray(model.uvs, np.float32)
    return Geometry(model, ops.uv_layout(uvs, tris, int(size)))


def face_box(base_vertices: np.ndarray, height: int, width: int, margin: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1): the frame pixels within `margin` of the [468,3] vertices' bounding box.

    Render and composite cost per output pixel and a face is a small part of a frame, so both run
    on this box only. A subdivided mesh stays inside its base mesh's bounding box (Loop
    subdivision only averages vertices), so the base vertices bound it."""
    xy = np.asarray(base_vertices, np.float64)[:, :2]
    x0, y0 = np.clip(np.floor(xy.min(0)).astype(int) - margin, 0, (width, height))
    x1, y1 = np.clip(np.ceil(xy.max(0)).astype(int) + 1 + margin, 0, (width, height))
    return int(x0), int(y0), int(max(x1, x0)), int(max(y1, y0))


def sample_face(image, face: Face | np.ndarray, geom: Geometry | None = None, stream=None,
                edge_on: bool = True):
    """Eq. 15: image [H,W,3] uint8 + tracked face (or its [468,3] vertices) ->
    uv [S,S,3] float32 in [0,1], mask [S,S] float32 (1 = visible). edge_on: the mask keeps the
    texels seen edge-on (MIN_FACING_COS; seen_well drops them again); False: they are dropped
    before the erosion along the steep parts (the mask seen_well gives).

    A CuPy (or other CUDA) image is sampled on the GPU, on `stream`, and gives CuPy maps; the
    code after the kernel is the same array code on both devices, so the CPU tests cover it."""
    geom = geom or geometry()
    base = face.vertices if isinstance(face, Face) else face
    verts = geom.posed(base)
    gpu = ops.is_device_array(image)
    xp = ops.array_module(image)
    image = xp.asarray(image)
    layout = geom.layout.to_device() if gpu else geom.layout
    # The visibility depth buffer costs per image pixel: rasterize only the face's box (offset
    # vertices, same pixels), with a margin for the bilinear reads at its edge.
    h, w = image.shape[:2] if getattr(image, "ndim", 0) == 3 else (0, 0)
    x0, y0, x1, y1 = face_box(base, h, w, margin=2)
    local = verts
    if x1 > x0 and y1 > y0:
        local = verts.copy()
        local[:, 0] -= x0
        local[:, 1] -= y0
    tol = ops.sample_uv_depth_tol(local)   # from the host vertices: no device read-back
    with ops.on_stream(stream):   # every copy and kernel on `stream`, in order
        if x1 > x0 and y1 > y0:
            image = xp.ascontiguousarray(image[y0:y1, x0:x1])
        uv, mask = ops.sample_uv(image, xp.asarray(local), layout.tris, layout, tol, stream=stream)
        tri_id = layout.tri_id
        cosine = facing_cosine(verts, geom.layout.tris)
        on_tri = xp.maximum(tri_id, 0)
        if not edge_on:
            drop = xp.asarray(cosine < MIN_FACING_COS)[on_tri] & (tri_id >= 0)
            mask = xp.where(drop, xp.float32(0), mask)
        # Tracked meshes fold over themselves near the silhouette, which leaves thin stripes of
        # alternately visible and back-facing texels there; one erosion drops those unreliable
        # grazing-angle texels so completion fills them. Only there: on the face's border where it
        # faces the camera (the forehead under the hair line) the border texels are good photo,
        # and a completed ring of them drew a dark line along the border on a pose change.
        steep = xp.asarray(cosine < ERODE_BELOW_COS)[on_tri]
        mask = xp.where(steep, erode3(mask), mask)
        off = off_photo(verts, geom, h, w)
        if off is not None:
            mask = xp.where(xp.asarray(off), xp.float32(0), mask)
        uv = uv * (mask >= 0.5)[..., None]
    return uv, mask


def seen_well(mask: np.ndarray, face: Face, geom: Geometry | None = None,
              cosine: np.ndarray | None = None) -> np.ndarray:
    """sample_face's mask [S,S] of `face` as sample_face(edge_on=False) gives it: without the
    texels seen edge-on (MIN_FACING_COS) nor, where the erosion runs, the texels beside them
    (dropped first, they were absent to it): what completion and the fill read. -> [S,S] float32.
    cosine: [F] facing_cosine of the posed mesh when the caller has it (None: worked out here)."""
    geom = geom or geometry()
    layout = geom.layout
    if cosine is None:
        cosine = facing_cosine(geom.posed(face.vertices), layout.tris)
    cosine = cosine[np.maximum(layout.tri_id, 0)]
    drop = (cosine < MIN_FACING_COS) & (layout.tri_id >= 0)
    beside = (cosine < ERODE_BELOW_COS) & (erode3((~drop).astype(np.float32)) < 0.5)
    return np.where(drop | beside, np.float32(0), np.asarray(mask, np.float32))


def off_photo(verts: np.ndarray, geom: Geometry, height: int, width: int):
    """[S,S] bool: the texels whose photo position lies within BORDER_PX of the photo's border (or
    beyond it), whose bilinear read is clamped to the edge pixels: a face cut by the border (a
    close crop) then mirrored its edge as an arc over the far cheek. They count as unknown
    (completed, marked as fill). None when the mesh keeps clear of the border (the usual case).
    verts: [N,3] the drawn mesh's image-space vertices in the height x width photo."""
    lo, hi = verts[:, :2].min(0), verts[:, :2].max(0)
    if lo.min() >= BORDER_PX and hi[0] <= width - 1 - BORDER_PX and hi[1] <= height - 1 - BORDER_PX:
        return None
    pos = texel_positions(np.asarray(verts, np.float32), geom.layout, texel_motion(geom))
    edge = np.minimum(np.minimum(pos[..., 0], width - 1 - pos[..., 0]),
                      np.minimum(pos[..., 1], height - 1 - pos[..., 1]))
    return (edge < BORDER_PX) & geom.layout.coverage


def erode3(mask):
    """3x3 minimum filter (pixels outside count as absent, like cv2.erode's default border) of an
    [S,S] NumPy or CuPy array. Written with array slicing rather than cv2/cupyx so that the CPU
    and the GPU run the same lines and one test covers both."""
    xp = ops.array_module(mask)
    p = xp.pad(mask, 1, mode="edge")
    out = p[1:-1, 1:-1].copy()
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            xp.minimum(out, p[dy:dy + mask.shape[0], dx:dx + mask.shape[1]], out=out)
    return out


def render_face(texture: np.ndarray, shape: np.ndarray, pose: Pose, height: int, width: int,
                geom: Geometry | None = None, photo: tuple[np.ndarray, np.ndarray] | None = None):
    """Eq. 16: texture [S,S,3] + canonical-frame shape [468,3] at `pose` -> rgb [H,W,3], alpha [H,W]
    (zero outside the face's box). photo: None, or (image [H,W,3] uint8 the photo the texture
    was sampled from, lookup [S,S,3] photo_warp.lookup_texture): where the drawn texels are the
    photo's own, the photo is read once at their position instead (poce_rt.photo_warp)."""
    geom = geom or geometry()
    base = pose_vertices(shape, pose)
    verts = geom.posed(base)
    rgb = np.zeros((height, width, 3), np.float32)
    alpha = np.zeros((height, width), np.float32)
    x0, y0, x1, y1 = face_box(base, height, width, margin=2)
    if x1 > x0 and y1 > y0:
        verts[:, 0] -= x0
        verts[:, 1] -= y0
        texture = np.ascontiguousarray(texture, np.float32)
        if photo is None:
            local, alpha[y0:y1, x0:x1] = ops.render(texture, verts, geom.layout.tris, geom.layout, y1 - y0, x1 - x0)
        else:   # the colour and the lookup drawn by one render (poce_rt.layers)
            image, lookup = photo
            local = np.empty((y1 - y0, x1 - x0, texture.shape[2]), np.float32)
            (local, drawn), alpha[y0:y1, x0:x1] = render_layers(
                [texture, lookup], verts, geom.layout.tris, geom.layout.uvs, y1 - y0, x1 - x0,
                lambda name, sh: np.empty(sh, np.float32), outs=[local, None])
            keep_photo(local, drawn, np.ascontiguousarray(image[..., :3], np.uint8), lambda name, sh, dt: np.empty(sh, dt))
        # the face's own occlusion edges by their coverage (poce_rt.edge_cover; the frame loop's FaceDraw too)
        rgb[y0:y1, x0:x1] = shade_edges(local, edge_cover(verts, geom.layout.tris, y1 - y0, x1 - x0))
    return rgb, alpha


def photo_lookup(face: Face, mask: np.ndarray, uv_filled: np.ndarray, geom: Geometry | None = None,
                 keep: np.ndarray | None = None) -> np.ndarray:
    """render_face's `photo` lookup texture [S,S,3] of a source (poce_rt.photo_warp): the photo
    position of each texel of `face`'s mesh and its share of the photo's own sample at one pose,
    from the sampled mask [S,S] and the share of fill there, uv_filled [S,S] (fill_share); keep
    [S,S] (or [S,S,1]): 0 where the photo is not read (the mouth's opening, which poce_rt.mouth
    draws; FrameLoop's mouth gap), None: 1 everywhere."""
    geom = geom or geometry()
    own = own_share(mask, uv_filled)
    if keep is not None:
        own = own * np.asarray(keep, np.float32).reshape(own.shape)
    return lookup_texture(lookup_positions(geom.posed(face.vertices), geom.layout, texel_motion(geom)), own)


class Completion(NamedTuple):
    """complete_face's maps: photo [S,S,3] the texture at the source's pose, fill [S,S,3] the
    texture where a pose change reveals texels, filled [S,S] each texel's share of fill, shading
    (poce_rt.shading.FillShading or None), rim_light: the ring's relight beside a relit far half
    (poce_rt.rim_light.RimLight), None where no far half was relit or without the photo."""

    photo: np.ndarray
    fill: np.ndarray
    filled: np.ndarray
    shading: FillShading | None
    rim_light: RimLight | None


def complete_face(uv: np.ndarray, mask: np.ndarray, face: Face, height: int, width: int,
                  geom: Geometry | None = None, complete=complete_uv_fallback, image: np.ndarray | None = None,
                  colours: PhotoColours | None = None, lenses: np.ndarray | None = None,
                  held: np.ndarray | None = None, skin: np.ndarray | None = None) -> Completion:
    """Completion of a sampled face that trusts texels by how they were seen (poce_rt.disocclusion):
    uv [S,S,3], mask [S,S] from sample_face of a height x width photo -> (photo [S,S,3] the
    texture at the source's pose, fill [S,S,3] the texture where a pose change reveals texels,
    filled [S,S] float32 in [0,1] each texel's share of fill in it, shading: the fill's shading at
    a target pose, poce_rt.shading.FillShading, or None where the photo's light could not be
    fitted). complete(uv, mask, layout): the completion that fills the untrusted texels (default:
    mirror + inpainting). image: the photo [H,W,3] uint8; given, the photo's hair over the face's
    outline is kept (poce_rt.hair). colours: the photo's colour_classes.photo_colours when the caller has
    them (None: read here; its backdrop and hair's colour are used). The completion reads the lenses of glasses at the
    temples as skin, and the sunglasses' own texels are the photo's wherever it saw them, trusted
    or not (poce_rt.accessories). What several steps read (the facing cosines, the
    texels' photo positions, the trust, the skin's colour) is worked out once. The photo texture
    has the texels seen edge-on as the photo saw them; nothing else reads them (seen_well) but the
    sunglasses' fill. lenses: accessories.sunglasses' map when the caller has it (None: read here;
    lens_card takes the same). held: None, or [H,W] the photo's hand over the outline (poce_rt.occluder's occluder_map):
    beside it, texels that mixed its shadow with the skin yield too (backdrop_rim.shadow_mix). skin: None, or
    [H,W] bool the person's skin such a hand is one run with, where it is not held (occluder_maps'): the seen
    texels on it count as unlike the backdrop (disocclusion.on_skin: the fingertips over a temple)."""
    geom = geom or geometry()
    lay, spread = geom.layout, texel_motion(geom)
    verts = geom.posed(face.vertices)
    cosine = facing_cosine(verts, lay.tris)
    drawn, mask = mask, seen_well(mask, face, geom, cosine)
    positions = texel_positions(verts, lay, spread)
    distance = texel_silhouette_distance(verts, lay, height, width, positions)
    face_width = face.bbox[2] - face.bbox[0]
    pixel = pixel_texels(verts, lay, cosine)
    confidence = visibility_confidence(mask, verts, lay, height, width, face_width, spread, cosine, positions,
                                       distance)
    backdrop = None
    if image is not None:   # near the silhouette, texels unlike the backdrop are the head's own
        image = np.asarray(image)
        colours = face_colours(image, face.vertices) if colours is None else colours
        backdrop = colours.backdrop
        texel_cos = cosine[np.maximum(lay.tri_id, 0)]
        facing = unlike_facing(cosine, lay, len(verts), spread)   # (continuous across the triangles' edges)
        unlike = unlike_backdrop(uv, mask, confidence, lay.coverage, image, backdrop)
        if skin is not None:   # and so are those on the skin a held hand is one run with (on_skin)
            unlike = np.maximum(unlike, on_skin(skin, positions, mask))
        confidence = np.maximum(confidence, facing * unlike)
    normals = texel_values(vertex_normals(verts, lay.tris), lay, spread)
    keep, t = trusted_maps(mask, confidence)
    # a texel the photo saw foreshortened yields to its mirror texel seen better: its trust (t) and
    # its fill (which the completion of the hole beside it reads); what the rest reads (the hair,
    # the skin, the light) is as was
    facing = -normals[..., 2] / np.maximum(np.linalg.norm(normals, axis=-1), np.float32(1e-6))
    yielding = confidence * resolution_trust(facing, confidence, uv, mask >= 0.5, lay.coverage, pixel,
                                                eye_regions(lay))
    # the trusted skin's colour: hair_over_face's, fill_shading's and backdrop_rim's (keep is
    # confidence >= C_KEEP wherever hair_over_face reads it: from 16 such texels)
    skin = texel_skin(uv, keep & lay.coverage)
    rim = None
    if image is not None:   # and so does one that read the backdrop across the silhouette
        beside = held_reach(held, positions, face_width)
        rim = backdrop_rim(uv, mask, confidence, lay.coverage, texel_cos, distance, face_width, backdrop, skin,
                           colours.hair, pixel, beside)
        yielding = yielding * (1.0 - rim)
        # and so does one that holds the light along the far outline, not the skin's colour
        yielding = yielding * (1.0 - rim_glow(uv, mask, confidence, lay.coverage, texel_cos, distance, face_width,
                                              backdrop, pixel, colours.hair))
        # and beside a hand held over the outline, what the yield encloses yields with it
        yielding = held_holes(yielding, lay.coverage, beside, pixel)
    # and the kept texels beside what yielded, so that the fill meets the photo over a few pixels
    yielding = yielding * yield_join(yielding, keep, lay.coverage, pixel, uv)
    _, t = trusted_maps(mask, yielding)
    glasses = sunglasses(uv, (drawn >= 0.5) & lay.coverage) if lenses is None else lenses
    if glasses.any():   # sunglasses are not skin: the photo's wherever it saw them (poce_rt.accessories)
        t = np.maximum(t, glasses)
    yielded = keep & (yielding < C_KEEP)
    shade = None if image is None else skin_shade(uv, keep, normals, lay.coverage, skin)
    hair = None if image is None else \
        hair_over_face(uv, mask >= 0.5, confidence >= C_KEEP, lay, image,
                       # photo array positions: sample_uv reads pixel centres at vertex coordinates i + 0.5
                       positions - np.float32(0.5), backdrop, skin, colours.hair, pixel, shade)
    # the completion borrows no colour from the glasses beside its hole (poce_rt.accessories)
    core = skin_core(uv, keep & lay.coverage)
    sources = completion_input(uv, keep, lay.coverage & ~keep, core, pixel)
    without = keep & ~yielded
    yielded = (yielded, completion_input(uv, without, lay.coverage & ~without, core, pixel)) if yielded.any() else None
    photo, fill, filled = fill_unreliable(uv, mask, yielding, lay, complete, hair, pixel, (keep, t), sources,
                                          yielded, rim, backdrop, normals)
    if image is not None and face_beard(uv, keep & lay.coverage) is None:
        # the strip both halves saw edge-on takes the photo's light (poce_rt.edge_strip); on a
        # bearded face it is the beard's, hair_over_face's beard layer
        fill = edge_on_light(fill, t, lay.coverage, normals, image, positions - np.float32(0.5), skin, shade,
                             () if colours.hair is None else (colours.hair[0],))
    if glasses.any():   # and what the sampling missed inside them is theirs too
        holes = glasses_holes(glasses, drawn >= 0.5, lay.coverage)
        fill = np.where(holes[..., None], push_pull(uv, glasses), fill).astype(np.float32)
    photo = np.where((drawn >= 0.5)[..., None], uv, photo)
    shading = fill_shading(uv, keep, t, fill, normals, lay.coverage, face.pose, skin, drawn)
    if shading is not None:   # a three-quarter view's far half lit as it turns (poce_rt.far_light)
        shading.far = far_light(uv, (drawn >= 0.5) & lay.coverage, normals, lay.coverage,
                                np.logical_or.reduce(eye_regions(lay)), face.pose)
    # the ring beside a relit far half takes its light (poce_rt.rim_light)
    relit = image is not None and yielded is not None and relights(yielded[0], lay.coverage)
    rim_light = RimLight(image, face.vertices, *rim_border(fill, lay.uvs[list(FACE_OVAL)], lay.coverage, yielded[0]),
                         colours.hair) if relit else None
    return Completion(photo, fill, filled, shading, rim_light)


def skin_shade(uv: np.ndarray, keep: np.ndarray, normals: np.ndarray, coverage: np.ndarray, skin) -> np.ndarray | None:
    """[S,S] float32: the luma the photo's light (shading.skin_light, fitted on the kept skin
    texels, keep [S,S] bool, of uv [S,S,3]) gives the skin at each texel's normal at the source
    pose (normals [S,S,3]), or None where it was not fitted: what hair_over_face tells the skin in
    shade from hair by."""
    n = normals / np.maximum(np.linalg.norm(normals, axis=-1, keepdims=True), 1e-6)
    light = skin_light(uv, keep, n, coverage, skin)
    return None if light is None else (light[0] + n @ light[1:]).astype(np.float32)


class SourceMaps(NamedTuple):
    """What a source is prepared with once (complete_source): the photo's colour classes
    (colour_classes.PhotoColours), the completion (Completion), the sunglasses as a card in front
    of the eyes ([468,3], accessories.lens_card, or None), the hand over the face's outline ([H,W],
    occluder's occluder_map, or None) and the arm beside the head it was read from
    (occluder.arm_beside's result, None where there is none), which head_proxy_of takes too."""

    colours: PhotoColours
    completion: Completion
    lens_card: np.ndarray | None
    held: np.ndarray | None
    arm: tuple | None


def complete_source(image: np.ndarray, face: Face, uv: np.ndarray, mask: np.ndarray, geom: Geometry,
                    complete=complete_uv_fallback) -> SourceMaps:
    """Steps 3-4 for a sampled source (uv [S,S,3], mask [S,S] of the photo image [H,W,3] uint8):
    the maps read once per source, in the order they need each other (Editor.prepare and repose)."""
    colours = face_colours(image, face.vertices)   # the completion's and the ring's
    lenses = sunglasses(uv, (mask >= 0.5) & geom.layout.coverage)   # the completion's and the card's
    arm = arm_beside(image, face, geom, colours)   # the held hand's and the head proxy's (occluder.UNREAD)
    held, skin = occluder_maps(image, face, geom, colours, arm)   # a hand over the outline (poce_rt.occluder)
    completion = complete_face(uv, mask, face, *image.shape[:2], geom, complete, image, colours, lenses, held,
                               skin)
    card = lens_card(uv, mask, geom.layout.coverage, face.shape, face.pose, lenses)
    return SourceMaps(colours, completion, card, held, arm)


def texture_at(photo: np.ndarray, fill: np.ndarray | None, face: Face, target: Pose,
               geom: Geometry | None = None, shading: FillShading | None = None):
    """The texture drawn at `target` (complete_face's photo and fill textures of `face`): the
    fill where the pose change reveals texels (poce_rt.disocclusion), shaded at `target` by
    `shading` (complete_face's) -> ([S,S,3] float32, revealed [S,S,1] float32). fill None: the
    photo's texture, nothing revealed."""
    geom = geom or geometry()
    s = geom.size
    revealed = texel_motion(geom)(PoseReveal(geom.posed, geom.layout.tris, face.shape, face.pose)(target),
                                  np.empty((s, s, 1), np.float32), np.empty((s, s, 3), np.float32))
    if fill is None:
        return np.asarray(photo, np.float32), revealed * 0
    shaded = None if shading is None else (shading.normal, shading.anchor, shading.gain, shading.own)
    light = None if shading is None else shading.light(target)
    texture = revealed_texture(photo, fill - photo, revealed, np.empty_like(photo), shaded, light)
    share = relit_share(shading, target)
    if share is not None:   # the far half relit, the photo's texels with the fill (poce_rt.far_light)
        far = shading.far
        texture *= far_gain(far.phi, far.own, far.light(target), far.tint, far.full, share, np.empty_like(texture))
    return texture, revealed


def far_read(keep: np.ndarray, shading: FillShading | None, target: Pose) -> np.ndarray:
    """photo_lookup's keep [S,S,1] (photo_warp.outside_mouth's) less the texels the far light
    relights at `target`, which the texture draws relit and the photo warp leaves to it
    (far_light.photo_read); keep itself where the source has no far light."""
    relit = relit_share(shading, target)
    if relit is None:
        return keep
    far = shading.far
    gain = far_gain(far.phi, far.own, far.light(target), far.tint, far.full, relit, np.empty(far.own.shape, np.float32))
    return keep * photo_read(gain, relit)


def relit_share(shading: FillShading | None, target: Pose) -> np.ndarray | None:
    """[S,S,1] float32: each texel's share of the far light's relight at `target`
    (poce_rt.far_light.far_share), which the photo warp leaves to the texture; None where the
    source has no far light."""
    far = None if shading is None else shading.far
    return None if far is None else far_share(far.gate, far.light(target), np.empty_like(far.gate))


@functools.lru_cache(maxsize=8)
def texel_motion(geom: Geometry) -> TexelMotion:
    """The host TexelMotion of a geometry's layout (built once per geometry)."""
    return TexelMotion(geom.layout)


def draw_mouth(rgb: np.ndarray, shape: np.ndarray, pose: Pose, amount: float, inside: MouthInterior) -> np.ndarray:
    """The inside of the mouth (poce_rt.mouth) over a face render rgb [H,W,3] of (shape, pose),
    in place, by `amount` in [0,1] (Plan.mouth; all of it where the photo's own opening is drawn,
    MouthInterior.coverage); inside from mouth.photo.mouth_interior. Returns rgb."""
    base = pose_vertices(shape, pose)
    verts, uvs = inside.mesh(base, pose.scale)
    return draw_interior(rgb, np.asarray(inside.card, np.float32), verts, interior_tris(), uvs,
                         np.array([inside.coverage(amount, base, pose.scale)], np.float32),
                         lambda name, sh: np.empty(sh, np.float32))


def head_proxy_of(image: np.ndarray, face: Face, colours: PhotoColours, geom: Geometry,
                  lens_card: np.ndarray | None = None, camera_distance_cm: float = CAMERA_DISTANCE_CM,
                  arm=UNREAD) -> HeadProxy:
    """The head proxy of a source face (poce_rt.proxy_pose.HeadProxy) with all it reads from the
    photo image [H,W,3] uint8 (proxy_measures, the neck, the sunglasses' frame, the skin past the
    silhouette, whether the far band shows the head or an arm, the jaw's shadow on the neck), as blend_face
    and the frame loop draw it.
    colours: the photo's face_colours; geom: the Geometry the face is drawn with; lens_card: the source's sunglasses (accessories.lens_card) or None; camera_distance_cm: the
    camera the rings are projected with (poce_rt.camera); arm: the source's occluder.arm_beside (SourceMaps.arm)
    where the caller has it (UNREAD: read here)."""
    measures = proxy_measures(image, face, colours)
    if arm is UNREAD:   # the far band: the head's, or an arm's beside it
        arm = arm_beside(image, face, geom, colours)
    proxy = HeadProxy(face.vertices, face.shape, face.pose, camera_distance_cm, *measures,
                      neck=neck_layer(image, face, colours, measures[0]),
                      glasses=ring_glasses(image, face.vertices, lens_card), skin=SkinRun(image, colours.skin),
                      head=band_head_armless(image, face, measures[0], colours, arm),
                      shadow=jaw_shadow(image, face, measures[0], colours),
                      arm=band_arm(image, face, measures[0], arm))
    # where the face's edge is seen against the backdrop beside the head (poce_rt.profile_edge)
    proxy.own_edge = own_edge_of(image, np.asarray(face.vertices)[list(FACE_OVAL), :2], proxy.bare, colours.person)
    if proxy.arm is not None:   # the far cheek past the face's mesh beside the arm (arm_rings.ArmRings.past_cheek)
        proxy.arm.cheek = cheek_outline(image, face.vertices, colours)
    return proxy


def blend_face(image: np.ndarray, face: Face, shape: np.ndarray, pose: Pose, rgb: np.ndarray,
               alpha: np.ndarray, feather_px: int, geom: Geometry | None = None,
               moved_out: np.ndarray | None = None, head_proxy: bool = True,
               camera_distance_cm: float = CAMERA_DISTANCE_CM, ring_filled_out: np.ndarray | None = None,
               uncovered_out: np.ndarray | None = None, fill: np.ndarray | None = None,
               colours: PhotoColours | None = None, held: np.ndarray | None = None,
               rim_light: RimLight | None = None, lens_card: np.ndarray | None = None, arm=UNREAD) -> np.ndarray:
    """Blend a face rendered with (shape, pose) back into the photo it was tracked in: the ring
    around the face (ears, hair, jaw line) first follows the moved face oval, then the render is
    kept only where the surface moved (poce_rt.motion) and composited with a feather (none along
    the face's own profile: poce_rt.profile_edge), over the face's box only (the render is zero
    outside it). geom: the mesh the render was drawn with
    (default geometry()). moved_out: an optional [H,W] float32 array that receives the `moved`
    weight (zero outside the box). head_proxy: the ring carries the head proxy's rings, which turn
    with the face (poce_rt.surround); False: the plain band of the oval. camera_distance_cm: the
    camera the proxy's rings are projected with (poce_rt.camera; `shape` has it folded in already,
    as perspective_shape gives it). ring_filled_out: an optional [H,W] float32 array that receives
    the ring's share of texels filled beyond the photo (warp_surround's filled_out). Where the face's
    move uncovers the photo, what lay behind the face is drawn under it (poce_rt.uncover);
    uncovered_out: an optional [H,W] float32 array that receives its share (zero where none).
    fill: None, or [S,S,1] the texture's share of fill the pose revealed (revealed.revealed_fill),
    which counts as moved (poce_rt.motion.fill_moves). colours: the photo's face_colours when the
    caller has them (None: read here; on a group photo that runs the person segmenter). held:
    None, or [H,W] float32 the photo's share held where the render draws that fill (a hand over
    the face's outline: poce_rt.occluder's occluder_map; motion.hold). rim_light: None, or the
    source's poce_rt.rim_light.RimLight (Completion.rim_light): the ring's texture about the
    oval relit as far as the pose reveals it. lens_card: None, or the source's sunglasses
    (accessories.lens_card): the ring moves their frame past the oval with them
    (accessories.ring_glasses). arm: the source's occluder.arm_beside (SourceMaps.arm), or UNREAD:
    head_proxy_of reads it. -> [H,W,3] uint8."""
    geom = geom or geometry()
    target = pose_vertices(shape, pose)
    if head_proxy and colours is None:
        colours = face_colours(image, face.vertices)
    elif not head_proxy:
        colours = None
    h, w = image.shape[:2]
    ring_moving = np.zeros((h, w), np.float32)
    proxy = None
    if head_proxy:
        proxy = (head_proxy_of(image, face, colours, geom, lens_card, camera_distance_cm, arm), pose)
    holds = held is not None and fill is not None
    reveal = PoseReveal(geom.posed, geom.layout.tris, face.shape, face.pose)(pose)[list(FACE_OVAL)] \
        if holds or (rim_light is not None and head_proxy) else None
    rim = None if rim_light is None or not head_proxy else (rim_light, reveal)
    # where the pose reveals the outline beside the held hand, the ring keeps it, and the face (occluder.RingHold)
    ring_hold = ring_hold_for(held, np.asarray(face.vertices)[list(FACE_OVAL), :2]) if holds else None
    share = None if ring_hold is None else ring_hold.share(reveal)
    weight = None if ring_hold is None else ring_hold.weight(share)
    base = warp_surround(image, face.vertices, target, proxy=proxy,
                         filled_out=ring_filled_out, moving_out=ring_moving,
                         backdrop=None if colours is None else colours.backdrop, rim=rim,
                         hold=None if weight is None else (weight, ring_hold.box[:2]))
    for name, a in (("rgb", rgb), ("alpha", alpha)):
        if getattr(a, "shape", (None, None))[:2] != (h, w):
            raise ValueError(f"{name} must cover the {h}x{w} image, got shape {getattr(a, 'shape', None)}")
    # the feather reaches feather_px inside the coverage: a wider margin keeps it exact
    x0, y0, x1, y1 = face_box(target, h, w, margin=int(feather_px) + 3)
    out = base.copy() if base is image else base
    if x1 > x0 and y1 > y0:
        src, dst = geom.posed(face.vertices), geom.posed(target)
        local = dst.copy()
        local[:, 0] -= x0
        local[:, 1] -= y0
        vmotion = vertex_motion(src, dst)
        moved = moved_map(texel_motion(geom), vmotion, local, geom.layout.tris, geom.layout.uvs,
                          y1 - y0, x1 - x0, lambda name, sh: np.empty(sh, np.float32), fill=fill)
        if held is not None and fill is not None:   # the hand over the outline stays in the photo
            fill_px, _ = ops.render(np.ascontiguousarray(fill, np.float32), local, geom.layout.tris, geom.layout.uvs,
                                    y1 - y0, x1 - x0)
            if ring_hold is not None:
                revealed_beside(fill_px, share, ring_hold.box, (x0, y0))
            hold(moved, np.ascontiguousarray(held[y0:y1, x0:x1, None], np.float32), fill_px, moved,
                 np.empty(moved.shape, np.float32))
        if moved_out is not None:
            moved_out[y0:y1, x0:x1] = moved[..., 0]
        photo = np.ascontiguousarray(out[y0:y1, x0:x1])   # out: never the caller's image (filled in place)
        # a still face keeps the photo, not the ring drawn under it (FrameLoop._still)
        kept = keep_still(np.ascontiguousarray(image[y0:y1, x0:x1, :3]), np.ascontiguousarray(rgb[y0:y1, x0:x1]), moved,
                          np.empty(photo.shape, np.float32), np.empty(photo.shape, np.float32))
        uncover = Uncover(image, src, geom.layout.tris, geom.layout.uvs, oval_radius(face.vertices)) \
            if float(vmotion.max(initial=0.0)) > UNCOVER_PX else None
        box = (x0, y0, x1, y1)
        uncovered = None if uncover is None else uncover.weight_over(texel_motion(geom), vmotion, box)
        if uncovered is not None:   # after keep_still, as FrameLoop draws it
            ring = None if base is image else ring_moving[y0:y1, x0:x1, None]
            share = fill_uncovered(photo, uncover.plate_over(box), uncovered[..., None],
                                   np.ascontiguousarray(alpha[y0:y1, x0:x1]), ring,
                                   np.empty(photo.shape[:2] + (1,), np.float32), np.empty(photo.shape, np.float32))
            if uncovered_out is not None:
                uncovered_out[y0:y1, x0:x1] = share[..., 0]
        cover = np.ascontiguousarray(alpha[y0:y1, x0:x1])
        drawn = ops.composite(photo, kept, cover, feather_px)
        profile = None if feather_px <= PROFILE_FEATHER_PX else \
            turned_profile(face.pose, pose, target[list(FACE_OVAL), :2] - (x0, y0), target[:, :2] - (x0, y0),
                           y1 - y0, x1 - x0, turned_edge(None if proxy is None else proxy[0], target[list(FACE_OVAL)]),
                           (x0, y0))
        if profile is not None:   # the face's own profile without the feather (poce_rt.profile_edge)
            sharpen_profile(drawn, ops.composite(photo, kept, cover, PROFILE_FEATHER_PX), profile[..., None],
                            np.empty(drawn.shape, np.float32))
        out[y0:y1, x0:x1] = drawn
        soften_revealed(out, box, local, alpha, fill, image, face, geom)
    return out


def soften_revealed(out: np.ndarray, box, local: np.ndarray, alpha: np.ndarray, fill: np.ndarray | None,
                    image: np.ndarray, face: Face, geom: Geometry) -> None:
    """blend_face's frame out [H,W,3] uint8 over the face's box (x0, y0, x1, y1), in place: blurred
    across the drawn outline where the revealed fill [S,S,1] is drawn and the photo shows that side
    softer (poce_rt.outline; the frame loop's _soften). local: the render's box-local vertices."""
    soft = None if fill is None else outline_soft(image, face.vertices, face.pose.yaw)
    if soft is None or not soft.any():
        return
    x0, y0, x1, y1 = box
    share = soft_texture(soft, geom.layout) * np.asarray(fill, np.float32)
    drawn, _ = ops.render(np.ascontiguousarray(share, np.float32), local, geom.layout.tris, geom.layout.uvs,
                          y1 - y0, x1 - x0)
    frame = np.ascontiguousarray(out[y0:y1, x0:x1])
    soften_outline(frame, np.ascontiguousarray(alpha[y0:y1, x0:x1]), drawn, gauss_taps(float(soft.max())),
                   lambda name, shape: np.empty(shape, np.float32))
    out[y0:y1, x0:x1] = frame


def poisson_blend(base: np.ndarray, rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Poisson editing of a rendered face into a frame (POCE Sec. IV-C, "Face blending"): the
    face's gradients inside its coverage, the frame's colours on its border (OpenCV's
    seamlessClone, on the host). base [H,W,3] uint8 is the frame under the face (the photo, ring
    warped), rgb [H,W,3] / alpha [H,W] the render. -> [H,W,3] uint8; base where nothing is drawn."""
    import cv2

    h, w = base.shape[:2]
    if rgb.shape[:2] != (h, w) or alpha.shape != (h, w):
        raise ValueError(f"rgb {rgb.shape} and alpha {alpha.shape} must cover the {h}x{w} frame")
    # fully covered pixels only, off the antialiased edge, and off the frame's border (OpenCV
    # needs the region strictly inside the destination)
    mask = cv2.erode((alpha >= 0.999).astype(np.uint8) * 255, np.ones((3, 3), np.uint8), iterations=2)
    mask[[0, -1], :] = 0
    mask[:, [0, -1]] = 0
    if not mask.any():
        return base.copy()
    x, y, bw, bh = cv2.boundingRect(mask)
    face = (np.clip(rgb, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    inside = mask > 0
    # seamlessClone centres the mask's bounding box on this point: its own centre keeps it in place.
    # It writes into the mask it is given (OpenCV 5.0), hence the copy.
    cloned = cv2.seamlessClone(face, np.ascontiguousarray(base), mask.copy(), (x + bw // 2, y + bh // 2),
                               cv2.NORMAL_CLONE)
    # it also touches its bounding box outside the mask (by a few levels): keep the frame there
    out = base.copy()
    out[inside] = cloned[inside]
    return out


@dataclass
class Reposed:
    """Output of :func:`repose` and the maps it went through."""

    image: np.ndarray          # [H,W,3] uint8, the edited frame
    uv_sampled: np.ndarray     # [S,S,3]
    mask: np.ndarray           # [S,S]
    uv_completed: np.ndarray   # [S,S,3]
    rendered: np.ndarray       # [H,W,3] float32 in [0,1]
    alpha: np.ndarray          # [H,W]
    source_pose: Pose
    target_pose: Pose
    extras: dict = field(default_factory=dict)
    uv_filled: np.ndarray | None = None   # [S,S] each texel's share of fill (poce_rt.disocclusion)
    filled: np.ndarray | None = None      # [H,W] share of each output pixel's colour from filled texels


def repose(image: np.ndarray, face: Face, pitch: float = 0.0, yaw: float = 0.0, roll: float = 0.0,
           geom: Geometry | None = None, feather_px: int | None = None,
           camera_distance_cm: float = CAMERA_DISTANCE_CM, neck_pivot_cm: float = 0.0) -> Reposed:
    """Re-render the face at its pose plus (pitch, yaw, roll) degrees and blend it into the photo.

    With no offsets this is the round trip sample -> complete -> render -> composite; with offsets
    the ring around the face (ears, hair, jaw line) is first warped to follow the face oval. The
    turned head is drawn as a pinhole camera camera_distance_cm from it sees it (poce_rt.camera),
    turned about the axis neck_pivot_cm behind the canonical origin (EditorConfig.neck_pivot_cm).
    Offsets and the pose they lead to must be within poce_rt.limits.POSE_DEG (else InputError)."""
    limits.check_angles(pitch, yaw, roll, "offset")
    target = face.pose.offset(pitch=pitch, yaw=yaw, roll=roll, center=(0.0, 0.0, neck_pivot_cm))
    limits.check_angles(target.pitch, target.yaw, target.roll, "target pose")
    geom = geom or geometry()
    uv, mask = sample_face(image, face, geom)
    h, w = image.shape[:2]
    colours, (photo, fill, filled_uv, shading, rim_light), card, held, arm = complete_source(image, face, uv, mask,
                                                                                            geom)
    completed, revealed = texture_at(photo, fill, face, target, geom, shading)
    uv_filled = fill_share(filled_uv, mask, revealed)
    # sunglasses drawn as a card in front of the eyes, as Editor.plan draws them (poce_rt.accessories)
    shape = revealed_far_side(face.shape if card is None else face.shape + card,
                              far_side_offset(face.shape, face.pose), face.pose, target)   # (poce_rt.far_side)
    shape = perspective_shape(shape, face.pose, target, camera_distance_cm)
    # the mouth's opening as Editor.edit draws it (FrameLoop): the photo's own where its lips are
    # parted, turned with the head (the map has only a sliver of texels across the opening)
    gap = mouth_gap_texels(geom.layout)
    inside = mouth_interior(image, face, skin_tone(photo, geom.layout.coverage))
    if inside.from_photo:   # under the card the gap's texels in their lips' colours (mouth.gap.gap_lips)
        completed = under_card(completed, np.flatnonzero(gap), gap_lips(gap, geom.layout.coverage),
                               inside.coverage(0.0, pose_vertices(shape, target), target.scale))
    read = far_read(outside_mouth(gap, geom.size), shading, target)
    rgb, alpha = render_face(completed, shape, target, h, w, geom,
                             photo=(image, photo_lookup(face, mask, uv_filled, geom, read)))
    draw_mouth(rgb, shape, target, 0.0, inside)
    if feather_px is None:  # about 3% of the face's width: hides the seam without eating the face
        feather_px = max(1, int(round(0.03 * (face.bbox[2] - face.bbox[0]))))
    moved, ring_filled, uncovered = (np.zeros((h, w), np.float32) for _ in range(3))
    out = blend_face(image, face, shape, target, rgb, alpha, feather_px, geom, moved_out=moved,
                     camera_distance_cm=camera_distance_cm, ring_filled_out=ring_filled, uncovered_out=uncovered,
                     fill=revealed_fill(filled_uv, revealed, geom.layout.coverage), colours=colours,
                     held=held, rim_light=rim_light, lens_card=card, arm=arm)
    drawn = moved * alpha
    filled = filled_pixels(uv_filled, geom.posed(pose_vertices(shape, target)), geom.layout, drawn)
    # the ring's fill beyond the photo and what the face's move uncovered, where the face, still or
    # moved, leaves them (blend_face keeps the photo under a still face)
    filled += (1.0 - (1.0 - ring_filled) * (1.0 - uncovered)) * (1.0 - alpha)
    return Reposed(out, uv, mask, completed, rgb, alpha, face.pose, target, uv_filled=uv_filled, filled=filled)
