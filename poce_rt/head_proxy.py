"""The head proxy's geometry in the canonical frame: the face oval continued outwards and backwards
to the head's silhouette, ring by ring, and the band meshes between rings.

Head proxy (issue 15, items 1 and 4; DESIGN.md "Head, not face"): given the poses, the band gets
rings of a per-photo head proxy between the oval and the fixed outer ring. They continue the
subject's own face oval outwards and backwards in the canonical frame (the hair cap above the
forehead, the ears and the sides of the head, the neck under the chin), are posed with the face's
pose like the mesh (the neck less, fading to not at all under the chin, where the collar is), and
so turn with the face as one 3D surface: the silhouette (cheek contour,
ears, hair) moves the way a rotating head's does, and only the outermost ring, in the
background, stays put. Each proxy vertex reads the photo where it lies at the source pose.

This module is the geometry alone: poce_rt.silhouette sizes the silhouette per photo,
poce_rt.proxy_pose poses the rings (HeadProxy), and poce_rt.surround draws the ring with the photo
(poce_rt.ring_photo).
"""
from __future__ import annotations

import functools

import cv2
import numpy as np

# MediaPipe's FACE_LANDMARKS_FACE_OVAL connections, as one closed loop (clockwise on screen).
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
             152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)

# the neck and the collar under the chin do not turn with the head: the proxy's rings follow the
# pose fully above canonical y = NECK_CM[0] (the cheeks) and not at all below NECK_CM[1] (chin)
NECK_CM = (3.0, 8.0)

REACH = 1.4    # outer ring radius / oval radius: out to the ears and hair
INSET = 1.04   # the band's inner edge samples just outside the old oval, skipping its contour line
# head proxy rings: scale about the oval's centre (canonical x, y); the last one is the head's
# silhouette (hair cap, ears), where the surface has turned edge-on to the camera
PROXY_SCALES = (1.1, 1.22, 1.28, 1.34, 1.4)
# Where the head turns away, the proxy is the head as the photo saw it: head_proxy(view=) at the
# source's rotation, every ring at least as far out as the photo sees the frontal one and its
# profile edge-on to the photo's line of sight. The frontal proxy of a turned photo (Tom_Hanks_54745.png,
# yaw +18, pitch +23) put the far temple's hair on a band within a few degrees of edge-on, and
# its outer facet (one flat facet from 1.22 to 1.4) turned past edge-on all at once: from +15 on,
# all of that hair went behind the forehead, which ran flat and bright to the outline. The bend
# rings (the scales between CHORD_SCALES) let the outer part hide first and the rest narrow, as
# a curved surface does. Where the head turns towards the camera (the outer facet's facing cosine
# drops by less than BEND_AWAY[0] from the source's; the seen proxy fully from a drop of [1]) the
# rings are the frontal ones, the bend rings on the chord of their neighbours: the bend's steep
# outer facet would spread the photo's outline (hair mixed with backdrop) over what the turn
# reveals, a filled wing beside single_face.jpg's hair at +25, where the chord spreads the hair;
# and a still head is drawn as before.
CHORD_SCALES = (1.1, 1.22, 1.4)
BEND_AWAY = (0.03, 0.1)
# the silhouette lies in the head's mid-depth plane: this far behind the face oval's rearmost
# point (its sides, in front of the ears; the ear canal is ~1.5 cm further back)
HEAD_MID_CM = 1.5
# the depth profile from the oval to the silhouette: 1 - (1 - t)^p, p from the face's own slope
# at the oval, kept in [P_MIN, P_MAX] (p < 1: edge-on at the silhouette)
P_MIN, P_MAX = 0.15, 0.9
PROXY_REACH = 1.75   # the fixed outer ring around a head proxy
# each oval vertex's neighbours inside the face (MediaPipe's topology): the face's slope there
OVAL_INNER = ((108, 151, 337), (299, 337), (299, 333), (298, 333), (298, 301), (301, 368), (264, 368),
              (264, 447), (366, 447), (366, 401), (401,), (401, 435), (367, 435), (364, 367), (364, 394),
              (369, 394, 395), (369, 396), (396,), (171, 175, 396), (171,), (140, 171), (140, 169, 170),
              (135, 169), (135, 138), (138, 215), (177, 215), (177,), (137, 177), (137, 227), (34, 227),
              (34, 139), (71, 139), (68, 71), (68, 104), (69, 104), (69, 108))
PROXY_RINGS = len(PROXY_SCALES) + 4   # HeadProxy.mesh's rings: inside the oval, oval, proxy, fringe, outer
SILHOUETTE_RING = len(PROXY_SCALES) + 1   # the index of the proxy's last ring, its silhouette, among them
# OVAL_INNER as index columns (a group's first vertex repeated past its end) and group sizes
_INNER_IDX = np.array([g + (g[0],) * (max(map(len, OVAL_INNER)) - len(g)) for g in OVAL_INNER])
_INNER_N = np.array([len(g) for g in OVAL_INNER])


def oval_radius(vertices: np.ndarray) -> float:
    """The face oval's mean radius (px) of a face's [468,>=2] vertices."""
    oval = np.asarray(vertices, np.float64)[list(FACE_OVAL), :2]
    return float(np.linalg.norm(oval - oval.mean(0), axis=1).mean())


def surround_mesh(src_oval: np.ndarray, dst_oval: np.ndarray, reach: float = REACH,
                  inset: float = INSET):
    """The band between the moving oval and the fixed outer ring.

    src_oval, dst_oval: [K,2] oval positions in the photo and at the target pose (pixels).
    Returns verts [2K,3] float32 (target positions; inner ring first), tris [2K,3] int32 and
    src [2K,2] float64 (where each vertex reads the photo).
    """
    p = np.asarray(src_oval, np.float64)
    q = np.asarray(dst_oval, np.float64)
    k = len(p)
    c = p.mean(0)
    r_src = np.linalg.norm(p - c, axis=1) + 1e-6
    # keep the outer ring outside the moved oval, or the band would fold over itself
    r_dst = np.linalg.norm(q - c, axis=1)
    scale = np.maximum(reach, 1.15 * r_dst / r_src)[:, None]
    outer = c + scale * (p - c)
    verts = np.zeros((2 * k, 3), np.float32)
    verts[:k, :2], verts[k:, :2] = q, outer
    src = np.concatenate([c + inset * (p - c), outer])
    return verts, band_tris(k), src


@functools.lru_cache(maxsize=8)
def band_tris(k: int) -> np.ndarray:
    """[2K,3] int32 triangles of the band between two K-vertex rings (inner ring first); cached,
    read-only (every frame asks for the same)."""
    i = np.arange(k)
    j = (i + 1) % k
    return read_only(np.concatenate([np.stack([i, k + i, k + j], 1), np.stack([i, k + j, j], 1)]).astype(np.int32))


@functools.lru_cache(maxsize=8)
def rings_tris(k: int, rings: int) -> np.ndarray:
    """[2K(R-1),3] int32 triangles of bands between R consecutive K-vertex rings (ring r's
    vertices at r*K..r*K+K-1); cached, read-only."""
    return read_only(np.concatenate([band_tris(k) + r * k for r in range(rings - 1)]).astype(np.int32))


def read_only(a: np.ndarray) -> np.ndarray:
    """a, made read-only (a cached array: lru_cache hands the same one to every caller)."""
    a.flags.writeable = False   # shared by every caller (lru_cache)
    return a


def oval_inner(vertices: np.ndarray) -> np.ndarray:
    """[N,3] face vertices -> [K,3] float64: the mean of each oval vertex's OVAL_INNER neighbours,
    the same values as a per-group mean(0) (added in order, divided by the count) without its
    Python loop of K means (~0.3 ms a frame for the head proxy's inner ring)."""
    v = np.asarray(vertices, np.float64)
    s = v[_INNER_IDX[:, 0]]
    for j in range(1, _INNER_IDX.shape[1]):
        s = np.where(_INNER_N[:, None] > j, s + v[_INNER_IDX[:, j]], s)
    return s / _INNER_N[:, None]


def band_triangles(n_verts: int) -> np.ndarray:
    """The triangles of a ring band with n_verts vertices (ring_band's: the head proxy's rings or
    the plain band) that draw photo texture around the face: the proxy's first band, between the
    face's own vertices inside the oval and the oval, lies under the face and is left out."""
    k = len(FACE_OVAL)
    if n_verts == PROXY_RINGS * k:
        return rings_tris(k, PROXY_RINGS)[2 * k:]
    return band_tris(k)


def ramp(x: np.ndarray, lo_hi) -> np.ndarray:
    """0 below lo_hi[0], 1 above lo_hi[1], linear between."""
    return np.clip((x - lo_hi[0]) / (lo_hi[1] - lo_hi[0]), 0.0, 1.0)


def head_proxy(shape: np.ndarray, scales=PROXY_SCALES, silhouette: np.ndarray | None = None,
               view: np.ndarray | None = None) -> np.ndarray:
    """[468,3] canonical-frame shape (cm) -> [R,K,3] canonical rings of the head proxy beyond its
    face oval: ring r is the oval scaled about its centre in x, y by scales[r] (silhouette: None,
    or [K] the last ring's scale per oval vertex, silhouette_scales'; the rings between keep their
    share of the way to it); its depth follows
    the face's own surface out of the oval (same slope there: no crease where face and proxy
    meet, which drew an arc over the forehead) and curves back to edge-on at the last ring, the
    silhouette, which lies in the head's mid-depth plane (HEAD_MID_CM behind the oval's sides).
    The profile, t = 0 at the oval and 1 at the silhouette: depth = mid * (1 - (1 - t)^p).
    view: None (the head seen from the front), or the [3,3] rotation a photo sees the head at
    (the source's Pose.rotation): the same construction as that view sees the face, turned back
    into the canonical frame: each ring out along the view's own radial direction (as far as the
    frontal ring reaches that way), the profile along its line of sight, edge-on to it at the
    silhouette in the mid-depth plane through the head's centre as that view sees it. All that
    the photo shows from the oval out to the outline then lies on the proxy's front side."""
    s = np.asarray(shape, np.float64)
    o = s[list(FACE_OVAL)]
    inner = oval_inner(s)
    c = o[:, :2].mean(0)
    radial = o[:, :2] - c
    r_o = np.linalg.norm(radial, axis=1) + 1e-9
    last = np.full(len(o), float(scales[-1])) if silhouette is None else np.asarray(silhouette, np.float64)
    t = [(sc - 1.0) / (scales[-1] - 1.0) for sc in scales]
    out = np.empty((len(scales), len(o), 3))
    for r, tr in enumerate(t):
        out[r, :, :2] = c + (1.0 + tr * (last - 1.0))[:, None] * radial
    centre = head_centre(s)
    out[..., 2] = profile(out, o, inner, t, centre[2])
    if view is None:
        return out
    rot = np.asarray(view, np.float64)
    out, o, inner, centre = out @ rot.T, o @ rot.T, inner @ rot.T, centre @ rot.T
    c = o[:, :2].mean(0)
    radial = o[:, :2] - c
    r_o = np.linalg.norm(radial, axis=1) + 1e-9
    u = radial / r_o[:, None]
    for r, tr in enumerate(t):
        far = np.maximum(((out[r, :, :2] - c) * u).sum(1), (1.0 + tr * (last - 1.0)) * r_o)
        out[r, :, :2] = c + far[:, None] * u
    out[..., 2] = profile(out, o, inner, t, centre[2])
    return out @ rot


def head_centre(shape: np.ndarray) -> np.ndarray:
    """[3] float64: the head's centre in the canonical frame (cm): the face oval's centre (x, y) on
    the head's mid-depth plane, HEAD_MID_CM behind the oval's rearmost point (head_proxy's)."""
    o = np.asarray(shape, np.float64)[list(FACE_OVAL)]
    return np.array([*o[:, :2].mean(0), o[:, 2].max() + HEAD_MID_CM])


def profile(rings: np.ndarray, o: np.ndarray, inner: np.ndarray, t, mid_depth: float) -> np.ndarray:
    """head_proxy's depths of its rings [R,K,3] (x, y across a view; z, its depth, not read) over
    the oval o [K,3] and the face's vertices next to it inner [K,3] (OVAL_INNER), at shares t [R]
    of the way to the last ring, the silhouette, at depth mid_depth -> [R,K]: the face's own
    slope at the oval, outwards, continued (d/dt of mid * (1 - (1 - t)^p) at t = 0 is p * mid,
    which must be slope * reach) up to edge-on at the silhouette."""
    toward = rings[-1, :, :2] - o[:, :2]
    reach = np.linalg.norm(toward, axis=1) + 1e-9
    dr = np.maximum(((o[:, :2] - inner[:, :2]) * toward / reach[:, None]).sum(1), 1e-3)
    slope = np.maximum(o[:, 2] - inner[:, 2], 0.0) / dr      # depth gained per cm, outwards
    mid = np.maximum(mid_depth - o[:, 2], 0.1)                # depth to the silhouette
    p = np.clip(slope * reach / mid, P_MIN, P_MAX)
    return np.stack([o[:, 2] + mid * (1.0 - (1.0 - tr) ** p) for tr in t])


def shortened(offset: np.ndarray, by: np.ndarray) -> np.ndarray:
    """[K,2] offsets each made `by` [K] shorter (pixels), none shorter than 0."""
    length = np.linalg.norm(offset, axis=1)
    return offset * (np.maximum(length - by, 0.0) / np.maximum(length, 1e-9))[:, None]


def outward(ring: np.ndarray, oval: np.ndarray, normals: np.ndarray | None = None) -> np.ndarray:
    """[K] float64: how far each vertex of a ring [K,>=2] lies out from the oval [K,>=2] (pixels),
    along the oval's outward normal at the vertex's oval vertex (its neighbours' chord turned
    away from the oval's centre); < 0 inside it. normals: the oval's oval_normals, where the
    caller has them (an oval measured against again and again)."""
    o = np.asarray(oval, np.float64)[:, :2]
    return ((np.asarray(ring, np.float64)[:, :2] - o) * (oval_normals(o) if normals is None else normals)).sum(1)


def oval_normals(oval: np.ndarray) -> np.ndarray:
    """[K,2] float64 unit outward normals of an oval [K,>=2]: at each vertex its neighbours'
    chord turned away from the oval's centre."""
    o = np.asarray(oval, np.float64)[:, :2]
    chord = np.roll(o, -1, 0) - np.roll(o, 1, 0)
    n = np.stack([chord[:, 1], -chord[:, 0]], 1)
    n *= np.sign(((o - o.mean(0)) * n).sum(1) + 1e-12)[:, None]
    n /= np.linalg.norm(n, axis=1, keepdims=True) + 1e-12
    return n


def face_past_oval(vertices: np.ndarray) -> np.ndarray:
    """[K] float64: how far (pixels) the face itself reaches past each oval vertex in the photo,
    along the oval's outward normal (oval_normals) to the convex hull of its [468,>=2] vertices.
    A face seen frontally ends at its oval (0); seen edge-on, its far cheek bulges past the oval
    tracked on it, which then lies behind that cheek (Tom_Hanks_54745.png, yaw +18: 5.5-6.8 px
    of a 44 px oval radius beside the far cheek)."""
    v = np.asarray(vertices, np.float64)[:, :2]
    o = v[list(FACE_OVAL)]
    n = oval_normals(o)
    hull = cv2.convexHull(v.astype(np.float32)).reshape(-1, 2).astype(np.float64)
    a, b = hull, np.roll(hull, -1, 0)
    m = np.stack([(b - a)[:, 1], -(b - a)[:, 0]], 1)
    m *= np.sign(((a - hull.mean(0)) * m).sum(1) + 1e-12)[:, None]   # each edge's outward normal
    towards = n @ m.T                                      # [K,E]: the ray's approach to each edge
    room = ((a[None] - o[:, None]) * m[None]).sum(-1)      # [K,E]: >= 0, the oval lies inside the hull
    exit_at = np.where(towards > 1e-9, room / np.where(towards > 1e-9, towards, 1.0), np.inf)
    return np.clip(exit_at.min(1), 0.0, None)


def face_reach(vertices: np.ndarray, centre) -> np.ndarray:
    """[K] float64: how far (pixels) the face itself reaches from centre [2] (inside it) along the
    ray through each oval vertex, to the convex hull of its [468,>=2] vertices in the photo. A face
    seen frontally ends at its oval; seen at three-quarters its nose and lips stand out past the
    oval on the far side (45-m7-di-ph.jpg, -43 degrees: the nose tip 50-60 px past the far cheek's
    oval vertices), past the head proxy's silhouette there too."""
    v = np.asarray(vertices, np.float64)[:, :2]
    c = np.asarray(centre, np.float64)
    u = v[list(FACE_OVAL)] - c
    u /= np.maximum(np.linalg.norm(u, axis=1, keepdims=True), 1e-9)
    hull = cv2.convexHull(v.astype(np.float32)).reshape(-1, 2).astype(np.float64)
    a, b = hull, np.roll(hull, -1, 0)
    m = np.stack([(b - a)[:, 1], -(b - a)[:, 0]], 1)
    m *= np.sign(((a - hull.mean(0)) * m).sum(1) + 1e-12)[:, None]   # each edge's outward normal
    towards = u @ m.T                                      # [K,E]: the ray's approach to each edge
    room = ((a - c) * m).sum(-1)[None]                     # [1,E]: >= 0, centre inside the hull
    exit_at = np.where(towards > 1e-9, room / np.where(towards > 1e-9, towards, 1.0), np.inf)
    return np.clip(exit_at.min(1), 0.0, None)


def face_outline_reach(vertices: np.ndarray, edges: np.ndarray, centre, u: np.ndarray) -> np.ndarray:
    """[K] float64: how far (pixels) the face's mesh reaches from centre [2] (inside it) along each
    unit ray u [K,2]: the farthest crossing of the ray with one of the mesh's edges [E,2] (vertex
    index pairs) at its [468,>=2] vertices, the outline itself, hollows and all. face_reach's
    convex hull bridges the hollow beside a turned face's far eye from the brow to the nose tip
    (Image_with_alpha.png at -25: 49-60 px past the moved oval at the heel of the hand beside it,
    the drawn face 43-51). 0 where a ray crosses none."""
    return face_outline_at(vertices, edges, centre, u)[0]


def face_outline_at(vertices: np.ndarray, edges: np.ndarray, centre, u: np.ndarray, read=None):
    """face_outline_reach's [K] reach, and where the outline reads read [468,>=2] (the same
    vertices elsewhere: in the photo): [K,2] float64, the crossing's point on its edge there
    (None where read is None; the ray's centre where it crosses none)."""
    v = np.asarray(vertices, np.float64)[:, :2]
    a, d = v[edges[:, 0]] - np.asarray(centre, np.float64), v[edges[:, 1]] - v[edges[:, 0]]
    u = np.asarray(u, np.float64)
    if not len(edges):
        return np.zeros(len(u)), None
    cross = u[:, None, 0] * d[None, :, 1] - u[:, None, 1] * d[None, :, 0]   # [K,E]
    ok = np.abs(cross) > 1e-9
    den = np.where(ok, cross, 1.0)
    t = (a[None, :, 0] * d[None, :, 1] - a[None, :, 1] * d[None, :, 0]) / den   # along the ray
    s = (a[None, :, 0] * u[:, None, 1] - a[None, :, 1] * u[:, None, 0]) / den   # along the edge
    hit = ok & (s >= 0.0) & (s <= 1.0) & (t >= 0.0)
    t = np.where(hit, t, 0.0)
    if read is None:
        return t.max(1), None
    at = t.argmax(1)
    r = np.asarray(read, np.float64)[:, :2]
    e, share = edges[at], np.clip(s[np.arange(len(u)), at], 0.0, 1.0)[:, None]
    return t.max(1), r[e[:, 0]] + share * (r[e[:, 1]] - r[e[:, 0]])


def face_read_at(points: np.ndarray, vertices: np.ndarray, read: np.ndarray, tris: np.ndarray):
    """Where the face's mesh, its triangles tris [T,3] drawn at vertices [468,3] (depth: smaller
    nearer, as ops.render's), reads read [468,>=2] (the same vertices in the photo) at points
    [P,2]: the nearest triangle over each, read at its barycentrics -> ([P,2] float64, [P] bool
    whether one covers it; 0 where none does)."""
    v, pts = np.asarray(vertices, np.float64), np.asarray(points, np.float64)[:, :2]
    a, b, c = (v[tris[:, j]] for j in range(3))
    e1, e2 = b[:, :2] - a[:, :2], c[:, :2] - a[:, :2]
    den = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]                      # [T]
    ok = np.abs(den) > 1e-12
    den = np.where(ok, den, 1.0)
    w = pts[:, None] - a[None, :, :2]                                      # [P,T,2]
    l1 = (w[..., 0] * e2[:, 1] - w[..., 1] * e2[:, 0]) / den
    l2 = (e1[:, 0] * w[..., 1] - e1[:, 1] * w[..., 0]) / den
    l0 = 1.0 - l1 - l2
    over = ok & (l0 >= 0.0) & (l1 >= 0.0) & (l2 >= 0.0)
    depth = np.where(over, l0 * a[:, 2] + l1 * b[:, 2] + l2 * c[:, 2], np.inf)
    t, rows = depth.argmin(1), np.arange(len(pts))
    r = np.asarray(read, np.float64)[:, :2]
    got = l0[rows, t, None] * r[tris[t, 0]] + l1[rows, t, None] * r[tris[t, 1]] + l2[rows, t, None] * r[tris[t, 2]]
    covered = over[rows, t]
    return np.where(covered[:, None], got, 0.0), covered


def chord_rings(rings: np.ndarray) -> list:
    """head_proxy's rings [R,K,3] (at PROXY_SCALES) -> [R] list: None for a ring at one of
    CHORD_SCALES, else [K,3] the ring on the straight line between its neighbours there (by its
    share of the way in scale)."""
    out = []
    for sc in PROXY_SCALES:
        if sc in CHORD_SCALES:
            out.append(None)
            continue
        lo = max(x for x in CHORD_SCALES if x < sc)
        hi = min(x for x in CHORD_SCALES if x > sc)
        a, b = rings[PROXY_SCALES.index(lo)], rings[PROXY_SCALES.index(hi)]
        out.append(a + (sc - lo) / (hi - lo) * (b - a))
    return out


def outer_normals(rings: np.ndarray) -> np.ndarray:
    """[R,K,3] canonical rings -> [K,3] unit normals of the proxy's outer facet (from the last
    ring of CHORD_SCALES before the silhouette to the silhouette) at each oval vertex, outwards
    (away from the head: their x, y along the way out)."""
    a, b = rings[PROXY_SCALES.index(CHORD_SCALES[-2])], rings[-1]
    along = np.roll(a, -1, axis=0) - np.roll(a, 1, axis=0) + np.roll(b, -1, axis=0) - np.roll(b, 1, axis=0)
    n = np.cross(b - a, along)
    n *= np.sign(((n[:, :2] * (b - a)[:, :2]).sum(1) + 1e-12))[:, None]
    return n / (np.linalg.norm(n, axis=1, keepdims=True) + 1e-12)


def facing(normals: np.ndarray, pose) -> np.ndarray:
    """[K,3] canonical unit normals -> [K] their cosine with the direction towards the camera at
    `pose` (depth grows away from it: the camera lies along -z of the camera frame)."""
    return -(normals @ pose.rotation.T)[:, 2]
