"""Completion (weight-free here; the network lives in the pipeline): the sampled texture
completed by how each texel was seen (Completion, complete_face, skin_shade), the maps a
source is prepared with once (SourceMaps, complete_source) and the texture drawn at a target
pose (texture_at, with the far light: far_read, relit_share)."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..accessories import completion_input, glasses_holes, lens_card, skin_core, sunglasses
from ..complete import complete_uv_fallback, push_pull
from ..backdrop_rim import backdrop_rim, held_reach, rim_glow
from ..disocclusion import (C_KEEP, fill_unreliable, on_skin, pixel_texels, resolution_trust, texel_positions,
                            texel_silhouette_distance, texel_values, trusted_maps, unlike_backdrop, unlike_facing,
                            visibility_confidence)
from ..facemodel import facing_cosine
from ..far_light import far_gain, far_light, far_share, photo_read
from ..fill_light import relights
from ..fit import Pose
from ..colour_classes import PhotoColours, texel_skin
from ..edge_strip import edge_on_light
from ..hair import face_beard, hair_over_face
from ..head_proxy import FACE_OVAL
from ..masks import eye_regions
from ..rim_light import RimLight, rim_border
from ..shading import FillShading, fill_shading, skin_light
from ..occluder import arm_beside, occluder_maps
from ..face_colours import face_colours
from ..revealed import PoseReveal, revealed_texture, vertex_normals
from ..tracker import Face
from ..yield_edges import held_holes, yield_join
from .mesh import Geometry, geometry, texel_motion
from .sample import seen_well


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
