"""What the photo holds in the band between the face oval and the head proxy's silhouette beyond it
(poce_rt.silhouette.silhouette_scales), per oval vertex, read once per source along the rays from
each oval vertex to its silhouette vertex (_band_ends): how much of it is hair (band_hair), the
head whatever its colour (band_head; band_head_armless where no arm lies beside the head), or the
arm beside the head (band_arm). poce_rt.proxy_pose's HeadProxy (BAND_HAIR, BAND_HEAD) and
poce_rt.arm_rings (BAND_ARM) decide from them how the far band turns.
"""
from __future__ import annotations

import numpy as np

from .colour_classes import BACKDROP_D
from .face_colours import face_colours
from .head_proxy import FACE_OVAL, head_proxy
from .head_reach import hair_share
from .lab_colour import backdrop_distance
from .photo_rays import ray_points, ray_samples


def band_hair(image: np.ndarray, src_vertices: np.ndarray, shape: np.ndarray, pose, silhouette: np.ndarray,
              colours=None) -> np.ndarray:
    """[K] float64 in [0,1]: the share of the photo between each face oval vertex and the head
    proxy's silhouette beyond it (head_proxy with silhouette [K], silhouette_scales', posed) that
    is hair (poce_rt.head_reach.hair_share: darker than the skin and unlike it and the backdrop): how
    far the head's outline there is its hair (poce_rt.proxy_pose's BAND_HAIR). image [H,W,3] uint8,
    the face's [468,3] vertices in it, its canonical shape and Pose; colours as silhouette_scales'.
    Once per source: ~1 ms."""
    sv, rim = _band_ends(src_vertices, shape, pose, silhouette)
    colours = face_colours(image, sv) if colours is None else colours
    return hair_share(np.asarray(image)[..., :3], sv[list(FACE_OVAL), :2], rim, colours.skin, colours.backdrop)


def band_head(image: np.ndarray, src_vertices: np.ndarray, shape: np.ndarray, pose, silhouette: np.ndarray,
              colours=None) -> np.ndarray:
    """[K] float64 in [0,1]: the share of the photo between each face oval vertex and the head
    proxy's silhouette beyond it (as band_hair's) that is not the backdrop (backdrop_like under
    0.5): the head, whatever its colour (poce_rt.proxy_pose's BAND_HEAD: red curls that
    poce_rt.hair reads as skin). Arguments as band_hair's; once per source, < 1 ms."""
    sv, rim = _band_ends(src_vertices, shape, pose, silhouette)
    colours = face_colours(image, sv) if colours is None else colours
    _, px, inside, _ = ray_samples(np.asarray(image)[..., :3], sv[list(FACE_OVAL), :2], rim)
    backdrop = backdrop_distance(px.reshape(-1, 3), colours.backdrop).reshape(inside.shape) < np.mean(BACKDROP_D)
    return (inside & ~backdrop).sum(1) / np.maximum(inside.sum(1), 1)


def band_head_armless(image: np.ndarray, face, silhouette: np.ndarray, colours, arm) -> np.ndarray | None:
    """band_head's of a tracker Face (its silhouette [K] silhouette_scales', colours
    face_colours') where the photo shows no arm beside the head (arm: poce_rt.occluder.arm_beside's
    result, None where it finds none), else None: what HeadProxy's `head` takes."""
    if arm is not None:
        return None
    return band_head(image, face.vertices, face.shape, face.pose, silhouette, colours)


def band_arm(image: np.ndarray, face, silhouette: np.ndarray, arm) -> np.ndarray | None:
    """[K] float64 in [0,1]: the share of the photo between each face oval vertex and the head
    proxy's silhouette beyond it (as band_hair's rays) that is the arm beside the head (arm:
    poce_rt.occluder.arm_beside's result, its runs of skin; poce_rt.arm_rings' BAND_ARM), or
    None where it finds none."""
    if arm is None:
        return None
    skin, (x0, y0, x1, y1) = arm[0], arm[-1]
    sv, rim = _band_ends(face.vertices, face.shape, face.pose, silhouette)
    _, pts, inside, _ = ray_points(sv[list(FACE_OVAL), :2], rim, np.shape(image))
    x, y = np.round(pts[..., 0]).astype(int) - x0, np.round(pts[..., 1]).astype(int) - y0
    in_box = inside & (x >= 0) & (y >= 0) & (x < x1 - x0) & (y < y1 - y0)
    on = np.zeros(inside.shape, bool)
    on[in_box] = skin[y[in_box], x[in_box]]
    return on.sum(1) / np.maximum(inside.sum(1), 1)


def _band_ends(src_vertices: np.ndarray, shape: np.ndarray, pose, silhouette: np.ndarray):
    """band_hair's and band_head's rays: (the face's [468,3] vertices as float64, [K,2] float64
    the head proxy's silhouette ring posed at pose)."""
    from .fit import pose_vertices

    sv = np.asarray(src_vertices, np.float64)
    if not np.isfinite(sv).all():
        raise ValueError("vertices contain NaN or inf")
    rim = pose_vertices(head_proxy(shape, silhouette=np.asarray(silhouette, np.float64))[-1], pose)[:, :2]
    return sv, rim.astype(np.float64)
