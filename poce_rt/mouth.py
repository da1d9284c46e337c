"""Mouth geometry of the MediaPipe mesh: the inner-lip opening and the weight-free mouth cavity.

Used with the expression rig: when the rig opens the jaw without trained networks, the texels
spanning the lips are painted as a cavity (POCE leaves this to the texture-editing network).
"""
from __future__ import annotations

import numpy as np

__all__ = ["LIP_PAIRS", "LIP_CORNERS", "mouth_opening", "mouth_amount", "mouth_gap_texels", "mouth_cavity"]

# Inner-lip loop of the MediaPipe mesh, as (upper, lower) vertex pairs facing each other. The
# triangles spanning the mouth opening use only these vertices.
LIP_PAIRS = ((13, 14), (82, 87), (312, 317), (81, 178), (311, 402), (80, 88), (310, 318),
             (191, 95), (415, 324))
LIP_CORNERS = (78, 308)
MOUTH_EDGE = np.array([0.40, 0.16, 0.15], np.float32)  # the cavity just inside the lips
MOUTH_DEEP = np.array([0.05, 0.015, 0.015], np.float32)  # and deep inside


def mouth_opening(shape: np.ndarray) -> float:
    """Mean gap between the inner lips of a canonical-frame shape, in canonical units (cm)."""
    up, lo = np.array(LIP_PAIRS).T
    return float(np.linalg.norm(shape[up] - shape[lo], axis=1).mean())


def mouth_gap_texels(layout) -> np.ndarray:
    """[S,S] bool: texels of the triangles that span the mouth opening (base mesh layout)."""
    inner = set(np.array(LIP_PAIRS).ravel()) | set(LIP_CORNERS)
    gap = np.array([i for i, t in enumerate(layout.tris) if set(t.tolist()) <= inner])
    import cv2

    m = np.isin(layout.tri_id, gap).astype(np.uint8)
    return cv2.dilate(m, np.ones((3, 3), np.uint8)).astype(bool)


def mouth_cavity(gap: np.ndarray) -> np.ndarray:
    """[S,S,3] float32 colour of the weight-free mouth cavity on the gap texels: dark red at the
    lips, near black deep inside (by distance from the gap's border), zero elsewhere. The gap
    triangles stretch across the opening, so this is a gradient from the lips to the middle."""
    import cv2

    d = cv2.distanceTransform(gap.astype(np.uint8), cv2.DIST_L2, 3)
    t = np.clip(d / max(float(d.max()), 1e-6), 0.0, 1.0)[..., None]
    colour = MOUTH_EDGE * (1.0 - t) + MOUTH_DEEP * t
    return (colour * gap[..., None]).astype(np.float32)


def mouth_amount(shape_src: np.ndarray, shape_dst: np.ndarray) -> float:
    """Weight-free stand-in for the texture edit of an opening mouth: the triangles spanning
    the lips stretch when the rig opens the jaw, and without the cavity they would show the
    stretched lip line (or teeth) of a closed mouth instead of an open mouth."""
    opening = mouth_opening(shape_dst) - mouth_opening(shape_src)
    return float(np.clip(opening / 0.5, 0.0, 1.0))  # all cavity by ~5 mm of extra opening


# -- the inside of an open mouth (issue 15, item 3) -------------------------------------------------
# Drawn as its own small mesh over the face render, inside the inner-lip loop: per column of the
# lips (corner to corner), rows from the upper lip down to the lower one. The upper teeth hang a
# fixed height (in cm, scaled by the pose) below the upper lip and the lower teeth stand on the
# lower lip, so they keep their size however far the jaw opens; between them the dark back of
# the mouth and the tongue. The mesh's texture is a "card": teeth on its top and bottom quarter,
# the cavity and the tongue between, lit by the source face's own skin tone.
INNER_UPPER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)   # = rig.INNER_UPPER
INNER_LOWER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)   # = rig.INNER_LOWER
CARD_ROWS = (0.0, 0.25, 0.5, 0.75, 1.0)   # card v of the mesh rows: lip, teeth edge, middle, teeth edge, lip
UPPER_TEETH_CM, LOWER_TEETH_CM = 0.8, 0.4   # visible height of the incisors below / above the lips
MAX_TEETH = 0.42   # a tooth row never fills more than this fraction of the opening
CARD_SIZE = 128
TEETH = np.array([0.93, 0.90, 0.82], np.float32)
TONGUE = np.array([0.62, 0.27, 0.27], np.float32)
BACK = np.array([0.06, 0.02, 0.02], np.float32)


def interior_tris(cols: int = len(INNER_UPPER), rows: int = len(CARD_ROWS)) -> np.ndarray:
    """[2(C-1)(R-1),3] int32 triangles of the interior grid (vertex index = row * C + col)."""
    out = []
    for r in range(rows - 1):
        for c in range(cols - 1):
            a, b = r * cols + c, r * cols + c + 1
            out += [(a, b, a + cols), (b, b + cols, a + cols)]
    return np.array(out, np.int32)


def interior_uvs(cols: int = len(INNER_UPPER)) -> np.ndarray:
    """[R*C,2] float32 card coordinates of the interior grid (u across the lips, v down)."""
    u, v = np.meshgrid(np.linspace(0.0, 1.0, cols), np.array(CARD_ROWS))
    return np.stack([u.ravel(), v.ravel()], 1).astype(np.float32)


def interior_verts(base_verts: np.ndarray, scale: float) -> np.ndarray:
    """[468,3] image-space vertices of the posed face, `scale` px per cm -> [R*C,3] float32
    vertices of the interior grid (rows as CARD_ROWS: lip, upper teeth edge, middle, lower teeth
    edge, lip)."""
    v = np.asarray(base_verts, np.float64)
    up, lo = v[list(INNER_UPPER)], v[list(INNER_LOWER)]
    gap = np.maximum(np.linalg.norm((lo - up)[:, :2], axis=1), 1e-6)
    t_up = np.minimum(UPPER_TEETH_CM * scale / gap, MAX_TEETH)
    t_lo = np.minimum(LOWER_TEETH_CM * scale / gap, MAX_TEETH)
    ts = np.stack([np.zeros_like(gap), t_up, 0.5 * (t_up + 1 - t_lo), 1 - t_lo, np.ones_like(gap)])
    out = up[None] + ts[..., None] * (lo - up)[None]          # [R,C,3]
    return np.ascontiguousarray(out.reshape(-1, 3), np.float32)


def skin_tone(uv: np.ndarray, coverage: np.ndarray) -> np.ndarray:
    """[3] median colour of a face's texture over the layout's coverage (the light the mouth gets)."""
    px = np.asarray(uv, np.float32)[np.asarray(coverage, bool)]
    return np.median(px, axis=0).astype(np.float32) if len(px) else np.full(3, 0.6, np.float32)


def mouth_card(skin: np.ndarray, size: int = CARD_SIZE) -> np.ndarray:
    """[size,size,3] float32 texture of the mouth's inside, lit like a face of colour `skin` [3]:
    upper teeth on v < 0.25 and lower teeth on v > 0.75 (separated, shaded towards the lips and
    the corners), the dark back between them and the tongue rising behind the lower teeth."""
    skin = np.clip(np.asarray(skin, np.float32), 0.02, 1.0)
    light = float(np.clip(skin @ np.array([0.299, 0.587, 0.114], np.float32) / 0.62, 0.35, 1.2))
    cast = (skin / skin.mean()) ** 0.25
    c = (np.arange(size, dtype=np.float32) + 0.5) / size
    v, u = np.meshgrid(c, c, indexing="ij")
    side = np.abs(u - 0.5) * 2.0                                  # 0 in the middle, 1 at the corners
    corner_shade = np.clip(1.2 - side, 0.0, 1.0) ** 1.5           # the cheeks shadow the side teeth
    # the teeth stop short of the corners (the cheeks hide the molars): dark back there
    show_up = np.clip((0.75 - side) / 0.3, 0.0, 1.0)
    show_lo = np.clip((0.55 - side) / 0.25, 0.0, 1.0)   # the lower lip hides the lower side teeth
    # tooth boundaries: narrower towards the corners, as the arch turns away; thin dark gaps
    arch = np.arcsin(np.clip((u - 0.5) * 1.9, -0.999, 0.999)) / np.pi * 2.0
    seam = np.abs(((arch * 4.0 + 0.5) % 1.0) - 0.5) * 2.0        # 1 mid-tooth, 0 between teeth
    tooth = 0.6 + 0.4 * np.clip(seam * 8.0, 0.0, 1.0)
    upper = np.clip(1.0 - v / 0.25, 0.0, 1.0)                    # 1 at the lip, 0 at the teeth edge
    lower = np.clip((v - 0.75) / 0.25, 0.0, 1.0)
    in_up, in_lo = v < 0.25, v > 0.75
    out = np.empty((size, size, 3), np.float32)
    # the back of the mouth: darkest in the middle, a little of the lips' red near them
    depth = 1.0 - np.minimum(np.abs(v - 0.5) / 0.25, 1.0)
    out[:] = (BACK + (MOUTH_EDGE - BACK) * (0.35 * (1 - depth) ** 2)[..., None] * (1 - 0.5 * side[..., None]))
    # the tongue: a rounded hump behind the lower teeth, darker further back (up)
    tongue = ((u - 0.5) / 0.36) ** 2 + ((v - 0.78) / 0.2) ** 2 < 1.0
    shade_t = np.clip((v - 0.55) / 0.2, 0.15, 1.0) * corner_shade
    out[tongue] = (TONGUE * light * cast)[None] * shade_t[tongue][:, None]
    # teeth: shaded under the upper lip and above the lower one, towards the edge a little brighter
    up_shade = (0.6 + 0.4 * (1 - upper) ** 0.5) * tooth * corner_shade
    lo_shade = (0.4 + 0.3 * (1 - lower) ** 0.5) * tooth * corner_shade   # in the upper lip's shadow
    teeth = TEETH * light * cast
    for rows, shade, show in ((in_up, up_shade, show_up), (in_lo, lo_shade, show_lo)):
        k = show[rows][:, None]
        out[rows] = k * teeth[None] * shade[rows][:, None] + (1 - k) * out[rows]
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def draw_interior(rgb, card, verts, tris, uvs, amount, take, stream=None, workspace=None):
    """Blend the mouth's inside over a face render, in place: rgb += amount * coverage * (mouth - rgb).
    rgb [h,w,3] float32 (NumPy or CuPy), card [T,T,3], verts [R*C,3] offset to rgb's box, tris,
    uvs (interior_*), amount: a [1] float32 array (0 = closed, 1 = all mouth); take(name, shape)
    -> a float32 buffer. Returns rgb."""
    from . import ops

    xp = ops.array_module(rgb)
    h, w = rgb.shape[:2]
    mouth, cover = take("mouth.rgb", (h, w, 3)), take("mouth.alpha", (h, w, 1))
    ops.render(card, verts, tris, uvs, h, w, stream=stream, out=(mouth, cover.reshape(h, w)), workspace=workspace)
    xp.multiply(cover, amount, out=cover)
    xp.subtract(mouth, rgb, out=mouth)
    xp.multiply(mouth, cover, out=mouth)
    xp.add(rgb, mouth, out=rgb)
    return rgb
