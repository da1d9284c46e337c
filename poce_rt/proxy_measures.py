"""What the head proxy reads from the photo about a face, once per source, in the order
poce_rt.proxy_pose's HeadProxy takes them (proxy_measures): how far its silhouette reaches
(poce_rt.silhouette), the hair's fringe beyond it and hanging below it (poce_rt.hair_beyond), the
skin strip past the oval, the oval past the head's edge, the backdrop beside it and the face's
strip out to it (poce_rt.past_oval), with how much of the photo beside the oval is hair
(poce_rt.band_content). The geometry is poce_rt.head_proxy's, the photo's colour classes
poce_rt.colour_classes' (poce_rt.face_colours).
"""
from __future__ import annotations

import numpy as np

from .band_content import band_hair
from .face_colours import face_colours
from .hair_beyond import fringe_widths, hanging_hair
from .past_oval import backdrop_beside, edge_overshoot, edge_strip, skin_strip
from .silhouette import silhouette_scales


def proxy_measures(image: np.ndarray, face, colours=None) -> tuple:
    """What the head proxy reads from the photo about a face (its [468,3] vertices, canonical shape
    and Pose: a tracker Face), once per source, in HeadProxy's argument order:
    (silhouette [K] silhouette_scales', strip [K] skin_strip's, or less edge_overshoot's where
    that is 0 (the oval past the head's edge: negative), beside [K] backdrop_beside's, fringe [K]
    fringe_widths', hang [K] hanging_hair's, hair [K] band_hair's, edge [K] edge_strip's). image
    [H,W,3] uint8; colours: face_colours' (None: read here)."""
    colours = face_colours(image, face.vertices) if colours is None else colours
    sil = silhouette_scales(image, face.vertices, face.shape, face.pose, colours)
    strip = skin_strip(image, face.vertices, colours)
    strip = np.where(strip > 0, strip, -edge_overshoot(image, face.vertices))
    return (sil, strip, backdrop_beside(image, face.vertices, colours),
            fringe_widths(image, face.vertices, face.shape, face.pose, sil, colours),
            hanging_hair(image, face.vertices, face.shape, face.pose, sil, colours),
            band_hair(image, face.vertices, face.shape, face.pose, sil, colours),
            edge_strip(image, face.vertices, colours, strip))
