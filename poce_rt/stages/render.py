"""Rendering (POCE Eq. 16): a texture drawn at a pose (render_face), the photo read once where the
drawn texels are its own (photo_lookup) and the mouth's inside over the render (draw_mouth)."""
from __future__ import annotations

import numpy as np

from .. import ops
from ..edge_cover import edge_cover, shade_edges
from ..fit import Pose, pose_vertices
from ..layers import render_layers
from ..mouth.draw import draw_interior
from ..mouth.mesh import interior_tris
from ..mouth.photo import MouthInterior
from ..photo_warp import keep_photo, lookup_positions, lookup_texture, own_share
from ..tracker import Face
from .mesh import Geometry, face_box, geometry, texel_motion


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


def draw_mouth(rgb: np.ndarray, shape: np.ndarray, pose: Pose, amount: float, inside: MouthInterior) -> np.ndarray:
    """The inside of the mouth (poce_rt.mouth) over a face render rgb [H,W,3] of (shape, pose),
    in place, by `amount` in [0,1] (Plan.mouth; all of it where the photo's own opening is drawn,
    MouthInterior.coverage); inside from mouth.photo.mouth_interior. Returns rgb."""
    base = pose_vertices(shape, pose)
    verts, uvs = inside.mesh(base, pose.scale)
    return draw_interior(rgb, np.asarray(inside.card, np.float32), verts, interior_tris(), uvs,
                         np.array([inside.coverage(amount, base, pose.scale)], np.float32),
                         lambda name, sh: np.empty(sh, np.float32))
