"""Sampling (POCE Eq. 15): the photo read into the face's UV (sample_face), the texels
completion and the fill may read (seen_well), those off the photo's border (off_photo) and the
erosion along the steep parts (erode3)."""
from __future__ import annotations

import numpy as np

from .. import ops
from ..disocclusion import texel_positions
from ..facemodel import facing_cosine
from ..tracker import Face
from .mesh import Geometry, face_box, geometry, texel_motion


# Texels seen at more than ~81 degrees from the view ("edge-on") are a smear of a few pixels;
# rendered facing the camera after a pose change they show as blurred streaks, so completion never
# reads them (complete_face) and a pose change that turns them towards the camera draws its fill
# (poce_rt.disocclusion). At the photo's pose, and where a pose change turns them away, they are
# drawn as the photo saw them: their fill drew a band of skin over the hair or the backdrop along
# the face's outline at the source pose (1-2% of its pixels, 50-90% of its round-trip error).
MIN_FACING_COS = 0.15
BORDER_PX = 1.0         # texels closer than this to the photo's border are unknown (off_photo)
ERODE_BELOW_COS = 0.6   # texels of triangles turned further than ~53 degrees lose their border


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
