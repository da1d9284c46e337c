"""The ring's band triangles as maps from the photo to where they are drawn (issue 15): each
triangle's affine map (affine_maps; the inverses of the photo's triangles kept across a frame
loop's steps, _source_inverse), how many times larger it is drawn (stretch, its largest singular
value; area_stretch, its area), a barycentric grid to read the photo under each triangle
(barycentric_grid), and which of the head proxy's triangles lie in its outer bands, beyond its
silhouette (outer_band). poce_rt.band_stretch weighs a triangle's fill by them,
poce_rt.feature_mask and poce_rt.stretched_patch read the photo under them.
"""
from __future__ import annotations

import collections
import functools
import threading

import numpy as np

from .head_proxy import FACE_OVAL, PROXY_RINGS, SILHOUETTE_RING, band_triangles, read_only


def affine_maps(verts: np.ndarray, tris: np.ndarray, src: np.ndarray):
    """([T,2,2] float64 affine map of each triangle from src [N,2] (photo) to verts [N,>=2]
    (target), [T] bool: its source triangle is not degenerate (the map is defined))."""
    b = np.asarray(verts, np.float64)[tris][..., :2]
    B = np.stack([b[:, 1] - b[:, 0], b[:, 2] - b[:, 0]], 2)
    inverse, ok = _source_inverse(np.asarray(src, np.float64)[tris])
    return B @ inverse, ok


#: the last few (source triangles' bytes -> (inverse, ok)), most recent last: one per face of a
#: frame loop with several faces (a single entry was replaced at every face, every step)
_SOURCE_INVERSE: collections.OrderedDict = collections.OrderedDict()
_SOURCE_INVERSE_KEEP = 8
_SOURCE_INVERSE_LOCK = threading.Lock()


def _source_inverse(a: np.ndarray):
    """a [T,3,2] float64 source triangles -> ([T,2,2] inverse of each one's edge matrix (the
    identity's where degenerate), [T] bool not degenerate), read-only. Recent results are kept:
    a frame loop's ring reads the photo at the same positions step after step (only its target
    moves), and the determinants and inverses were half of stretch_weights' maps."""
    key = a.tobytes()
    with _SOURCE_INVERSE_LOCK:
        kept = _SOURCE_INVERSE.get(key)
        if kept is not None:
            _SOURCE_INVERSE.move_to_end(key)
            return kept
    A = np.stack([a[:, 1] - a[:, 0], a[:, 2] - a[:, 0]], 2)       # [T,2,2], edges as columns
    ok = np.abs(np.linalg.det(A)) > 1e-9
    inverse = np.linalg.inv(np.where(ok[:, None, None], A, np.eye(2)))
    inverse.flags.writeable = ok.flags.writeable = False
    with _SOURCE_INVERSE_LOCK:
        _SOURCE_INVERSE[key] = (inverse, ok)
        while len(_SOURCE_INVERSE) > _SOURCE_INVERSE_KEEP:
            _SOURCE_INVERSE.popitem(last=False)
    return inverse, ok


def stretch(verts: np.ndarray, tris: np.ndarray, src: np.ndarray) -> np.ndarray:
    """[T] float64 how many times larger each triangle is drawn than the photo shows it: the largest
    singular value of its affine map from src [N,2] (photo) to verts [N,>=2] (target); inf where
    the source triangle is degenerate (a line or a point read out over an area)."""
    return largest_singular(*affine_maps(verts, tris, src))


def largest_singular(m: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """stretch of affine_maps' maps m [T,2,2] (inf where not ok)."""
    # a 2x2 map's largest singular value: sqrt((F + sqrt(F^2 - 4 det^2)) / 2), F its squared norm
    fro = (m * m).sum((1, 2))
    det_m = np.linalg.det(m)
    top = np.sqrt(0.5 * (fro + np.sqrt(np.maximum(fro * fro - 4.0 * det_m * det_m, 0.0))))
    return np.where(ok, top, np.inf)


def area_stretch(verts: np.ndarray, tris: np.ndarray, src: np.ndarray) -> np.ndarray:
    """[T] float64 how many times more area each triangle covers drawn (verts [N,>=2], target) than
    in the photo (src [N,2]): |det| of its affine map, the photo pixels each drawn pixel has
    fewer of; inf where the source triangle is degenerate. A shear (one ring sliding along the
    next) keeps it at 1 however far the largest singular value (stretch) goes."""
    return area_scale(*affine_maps(verts, tris, src))


def area_scale(m: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """area_stretch of affine_maps' maps m [T,2,2] (inf where not ok)."""
    return np.where(ok, np.abs(np.linalg.det(m)), np.inf)


@functools.lru_cache(maxsize=4)
def barycentric_grid(n: int) -> np.ndarray:
    """[P,3] float64 barycentric weights of a triangle's grid of n steps per edge."""
    i, j = np.meshgrid(np.arange(n + 1), np.arange(n + 1))
    keep = i + j <= n
    return read_only(np.stack([i[keep], j[keep], n - i[keep] - j[keep]], 1) / n)


def outer_band(n_verts: int) -> np.ndarray:
    """[T] bool over band_triangles(n_verts): the head proxy's outer bands, from its silhouette
    (SILHOUETTE_RING) by the fringe to the fixed outer ring (beside the head: background); none
    for the plain band."""
    tris = band_triangles(n_verts)
    out = np.zeros(len(tris), bool)
    if n_verts == PROXY_RINGS * len(FACE_OVAL):
        out[-2 * (PROXY_RINGS - 1 - SILHOUETTE_RING) * len(FACE_OVAL):] = True
    return out
