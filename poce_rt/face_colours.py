"""The photo's colours about one face, read once per source, which every measure of what the head
proxy reads past the face's oval takes (poce_rt.silhouette, poce_rt.past_oval, poce_rt.hair_beyond,
poce_rt.band_content; pipeline.Source.colours keeps them): the photo's colour classes with the
face's skin read inside its oval (face_colours), and how like the photo's backdrop a colour is
(backdrop_like; also what poce_rt.stretched_patch and poce_rt.neck read).
"""
from __future__ import annotations

import numpy as np

from . import masks
from .colour_classes import BACKDROP_D, photo_colours
from .head_proxy import FACE_OVAL
from .lab_colour import backdrop_distance, lab


def face_colours(image: np.ndarray, src_vertices: np.ndarray):
    """poce_rt.colour_classes.photo_colours of the face with these [468,3] vertices in image [H,W,3] uint8
    (its skin read inside its FACE_OVAL): silhouette_scales' and skin_strip's, once per source."""
    sv = np.asarray(src_vertices, np.float64)
    eyes = [sv[list(eye), :2] for eye in (masks.LEFT_EYE, masks.RIGHT_EYE)]   # sunglasses: photo_skin
    return photo_colours(image, sv[list(FACE_OVAL), :2], eyes)


def backdrop_like(colours: np.ndarray, backdrop: np.ndarray) -> np.ndarray:
    """[...,3] float32 colours in [0,1], backdrop [K,3] Lab (poce_rt.colour_classes.backdrop_colours) ->
    [...] float32 in [0,1]: 1 for the backdrop's colours, 0 past colour_classes.BACKDROP_D from all of them."""
    from .complete import smoothstep

    d = backdrop_distance(lab(np.asarray(colours, np.float32).reshape(-1, 3)), backdrop)
    return (1.0 - smoothstep(d, *BACKDROP_D)).reshape(np.shape(colours)[:-1]).astype(np.float32)
