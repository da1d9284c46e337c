"""How far the photo's skin runs along given ways (SkinRun.run), and where the sharpest colour step
on a way lies (SkinRun.edge): where a turn draws the head proxy's silhouette ring on the face's
outline, HeadProxy.past_skin (poce_rt.proxy_pose) has the band beyond it read the photo past the
skin there, and poce_rt.glasses_rings has the oval ring read from where what lies over the face's
rim meets the skin. stages.head_proxy_of builds one per photo and face; they read it per pose.
"""
from __future__ import annotations

import numpy as np

from .colour_classes import SKIN_D
from .lab_colour import lab, skin_distance

# SkinRun: the photo read at most this many pixels apart along a way
SKIN_RUN_STEP = 0.5


class SkinRun:
    """How far the photo's skin runs from given photo positions towards others (run): the head
    proxy's silhouette ring where a turn draws it on the face's outline reads the band beyond it
    past the skin there (HeadProxy.past_skin). image [H,W,3] uint8, skin: the face's (median,
    spread) Lab (colour_classes.PhotoColours.skin)."""

    def __init__(self, image: np.ndarray, skin):
        self.image, self.skin = np.asarray(image), skin

    def run(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """[N] float64 in [0,1): the share of the way from start [N,2] to end [N,2] (photo
        positions, pixel centres at i + 0.5) over which the photo is skin (colour_classes.SKIN_D's far bound,
        read at most SKIN_RUN_STEP px apart), up to the first pixel that is not; 0 where none is on
        the way (nothing tells where the skin ends: hair as red as the skin) or the first is not."""
        start, end = np.asarray(start, np.float64), np.asarray(end, np.float64)
        length = np.linalg.norm(end - start, axis=1)
        n = max(int(np.ceil(length.max(initial=0.0) / SKIN_RUN_STEP)), 1)
        t = np.arange(n) / n                                     # [S] shares of each way
        pts = start[:, None] + t[None, :, None] * (end - start)[:, None]
        h, w = self.image.shape[:2]
        x = np.clip(np.floor(pts[..., 0]).astype(int), 0, w - 1)
        y = np.clip(np.floor(pts[..., 1]).astype(int), 0, h - 1)
        other = skin_distance(lab(self.image[y, x].astype(np.float32) / 255), self.skin) >= SKIN_D[1]
        return np.where(other.any(1), t[np.argmax(other, axis=1)], 0.0)   # at the first that is not skin

    def edge(self, start: np.ndarray, end: np.ndarray, least: float) -> np.ndarray:
        """[N] float64 px: how far from start [N,2] towards end [N,2] (photo positions, pixel
        centres at i + 0.5) the photo's sharpest colour step lies, to its sample on start's side
        (the Lab distance between samples a pixel apart, at least `least`; 0 where none is): where
        what lies at start (hair over the face's rim, glasses_rings.GLASSES_BESIDE) meets the skin."""
        start, end = np.asarray(start, np.float64), np.asarray(end, np.float64)
        n = max(int(np.ceil(np.linalg.norm(end - start, axis=1).max(initial=0.0))), 1)
        way = (end - start) / np.maximum(np.linalg.norm(end - start, axis=1, keepdims=True), 1e-9)
        pts = start[:, None] + np.arange(n + 1)[None, :, None] * way[:, None]   # a pixel apart
        h, w = self.image.shape[:2]
        x = np.clip(np.floor(pts[..., 0]).astype(int), 0, w - 1)
        y = np.clip(np.floor(pts[..., 1]).astype(int), 0, h - 1)
        c = lab(self.image[y, x, :3].astype(np.float32) / 255)
        step = np.linalg.norm(np.diff(c, axis=1), axis=-1)   # [N,n]
        # within each way's own length
        step = np.where(np.arange(n)[None] < np.linalg.norm(end - start, axis=1)[:, None], step, 0.0)
        at = np.argmax(step, axis=1)
        return np.where(step[np.arange(len(step)), at] >= least, at.astype(np.float64), 0.0)
