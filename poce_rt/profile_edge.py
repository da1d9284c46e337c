"""A face's edge where the face is its own profile, or seen against the backdrop a turn brings
under it, drawn without the composite's feather (issue 15).

The composite feathers the face's coverage over feather_px (0.03 of the face's width) inside its
edge, so that the face's border blends with what lies under it: at the face oval that is the head
proxy's ring, which continues the same surface there (its inner ring lies under the feathered
border: proxy_pose.INNER_MIN, under_border). Turned towards profile, the face's edge is no longer
its oval: the brow, the nose and the lips stand out as its silhouette, beyond the far oval, which
the turn hides behind them (t1.jpg's face 1, yaw -33 turned -25: the nose up to 0.7 of the oval's
mean radius from it). What the ring draws under that edge is its band about the far oval, which
reads the photo's far eye and cheek, and the feather blended them into the profile (the far
eye's lashes along the nose bridge, the old cheek beside the nose tip): from the profile's edge
to the feather's width inside it the output lay 28.9 levels off the face's render on average
(9.5 now, the rasterizer's antialiased pixel included). dlib's identity distance of that turn
from the source was 0.558 (median of scripts/ied_spread.py's 20 crops 0.554, all over 0.5); with
the profile's edge composited over 1 px, 0.482 (median 0.496).

There the face is composited with the rasterizer's own antialiased edge and a feather of 1 px
(the least the Editor uses), by a weight that ramps in with each pixel's distance from the
projected oval (PROFILE_GAP of its mean radius). A far cheek seen edge-on on a turn of 10 or 25
degrees bulges past its oval by less (at most 0.27 of the radius on the other nine faces here;
proxy_pose's face_past_oval: 0.11-0.16 at the source's pose) and keeps its feather: a face whose
outline stays within PROFILE_GAP[0] of its oval is composited exactly as before (profile_weight
is None). Those that reach past it: t1.jpg's face 1 at -20 and -25, the three-quarter
45-m7-di-ph.jpg (-43) at -10 and +10, Tom_Hanks_54745.png (+18) at +20 and +25 - each a nose,
lips or chin drawn as the silhouette against the backdrop. A profile the photo already shows and
an edit leaves where it is (45-m7's smile, t1.jpg's near-profile face opening its jaw) keeps its
feather (TURN_DEG): under its edge lies the photo's own surroundings of it.

The same edge where a turn draws the face over the backdrop beside the head (own_edge_of,
turned_edge, edge_weight). The turn moves the far side in, and the head proxy with it: the ring
draws the photo's backdrop in past the photo's face edge, while the face's render reaches past
its moved oval by the far cheek's bulge and the sunglasses' end piece (multi_face.jpg's face 0,
sky behind, turned +25: ~10 px past the face the ring draws). The feather blended that render
with the sky under it: 2-3 px inside the face's edge on its far side (what a 1 px edge leaves to
the render) the output lay 17.2 levels off the render on average, 79 of 231 pixels over 20, and
the far lens's black rim (render L* 21.8) was composited at L* 35.0; with its own edge 4.7, 14
and 25.1. A bulge that small stays within PROFILE_GAP, so the oval's distance does not tell it.
What does: the photo beside the oval vertex is backdrop (HeadProxy.bare: the face's edge seen
edge-on against what lies beside the head, no hair beyond it; and the person segmenter sees no
one there, BESIDE), and the turn does not move that side's oval out (OUTWARD: there the ring
draws the side of the head the turn reveals, or the neck, under the face's border, and the
feather blends like with like). Beside a jaw the photo may show the shirt, not the backdrop:
`bare` marks it too, the segmenter does not (t1.jpg's largest face: its jaw against his dark
shirt at -25 went jagged with the face's own edge), and the feather stays there, as along the
hair, the neck and the face's border the ring continues. The photo's colours do not tell the
backdrop there: read beside face 0's far side against the photo's border colours (colour_classes.BACKDROP_D;
a sunset sky), its sky is 0.0-0.4 backdrop, and patches of its pale skin 1. The faces this
changes (turns only): multi_face.jpg's 0, 2 and 4, t1.jpg's 1, single_face.jpg,
astronaut.png, Image_with_alpha.png, Tom_Hanks_54745.png; expression edits none.
"""
from __future__ import annotations

import cv2
import numpy as np

from . import ops
from .head_proxy import ramp
from .layers import mix_into, widen

# x the face oval's mean radius: an edge pixel this far from the projected oval is the face's own
# profile, fully from the second value (module docstring)
PROFILE_GAP = (0.3, 0.4)
# the profile's soft edge (px): the least feather the Editor uses (Editor.feather_px)
PROFILE_FEATHER_PX = 1
# degrees the head turns (its largest angle's change): none of the profile's own edge below the
# first, all of it from the second. A head left where the photo has it (an expression edit) draws
# under its profile's edge the photo's own surroundings of that same edge, and the feather blends
# like with like, as everywhere else on the face's border (t1.jpg's near-profile face opening its
# jaw: its judge read 0.215 feathered, 0.203 unfeathered); a ramp, not a step, so that a driver's
# pose jitter about the source's does not switch the edge on and off from frame to frame.
TURN_DEG = (0.5, 2.0)
# x the face oval's mean radius: how far out from each oval vertex (along its ray from the oval's
# centre) the person segmenter's map is read for what lies beside it, at BESIDE_SAMPLES points;
# nearer, its soft edge (a 256 px map about the head) still reads the face
BESIDE = (0.1, 0.3)
BESIDE_SAMPLES = 6
# the segmenter's mean chance of a person there: the backdrop below the first, a person from the
# second (a shirt, an arm, a neighbour: multi_face.jpg's face 0 reads 0.0-0.1 on its far side's
# sky, t1.jpg's largest face 1.0 on the shirt beside its jaw)
PERSON = (0.2, 0.5)
# x the oval's mean radius: how far an oval vertex moves out from the photo's (along its ray) for
# the ring to draw what the turn reveals beside it, not the backdrop: all of the face's own edge
# below the first, none from the second (multi_face.jpg's face 0 at -25: its near jaw corner moves
# out 0.035, and the ring draws the neck under it; its far side at +25 moves in 0.06-0.32)
OUTWARD = (0.01, 0.03)
# px: edge_weight reads each pixel's angle about the oval's centre on a grid this coarse (the
# weight changes over 10 degrees between two oval vertices, ~9 px apart on a 50 px radius; one
# flagged vertex alone peaks at ~0.9, at 4 px ~0.75): 0.22 -> 0.08 ms a step on a 150x140 face
# box (300x280: 1.42 -> 0.23)
EDGE_STEP = 2


def _segment_distances(points: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """[P] each point's distance (px) from the closed polyline poly [K,2]."""
    a, b = poly, np.roll(poly, -1, axis=0)
    ab = b - a
    t = np.clip(np.einsum("pkc,kc->pk", points[:, None] - a[None], ab) / np.maximum((ab * ab).sum(1), 1e-12), 0, 1)
    near = a[None] + t[..., None] * ab[None]
    return np.sqrt(((points[:, None] - near) ** 2).sum(-1)).min(1)


def profile_weight(oval: np.ndarray, vertices: np.ndarray, height: int, width: int) -> np.ndarray | None:
    """[height,width] float32 in [0,1]: how far each pixel of a box is the face's own profile
    (PROFILE_GAP) rather than its oval's border, or None where the face's outline stays within
    PROFILE_GAP[0] of its oval (then nothing changes). oval [K,2] the face oval's projected
    positions and vertices [N,2] the face's, both in the box's pixels. The outline is the convex
    hull of the vertices (a nose or lips in profile lie on it)."""
    oval = np.asarray(oval, np.float64)[:, :2]
    radius = float(np.linalg.norm(oval - oval.mean(0), axis=1).mean())
    if radius <= 0.0 or height <= 0 or width <= 0:
        return None
    hull = cv2.convexHull(np.ascontiguousarray(np.asarray(vertices, np.float32)[:, :2])).reshape(-1, 2).astype(np.float64)
    if _segment_distances(hull, oval).max(initial=0.0) <= PROFILE_GAP[0] * radius:
        return None
    line = np.full((height, width), 255, np.uint8)
    cv2.polylines(line, [np.round(oval).astype(np.int32)], True, 0, 1)
    far = cv2.distanceTransform(line, cv2.DIST_L2, 3) / radius
    return ramp(far, PROFILE_GAP).astype(np.float32)


def turn_share(src_pose, dst_pose) -> float:
    """How far a pose change from src_pose to dst_pose (poce_rt.fit.Pose) turns the head for its
    profile's own edge (TURN_DEG), 0..1."""
    turn = max(abs(dst_pose.pitch - src_pose.pitch), abs(dst_pose.yaw - src_pose.yaw),
               abs(dst_pose.roll - src_pose.roll))
    return float(ramp(turn, TURN_DEG))


def own_edge_of(image: np.ndarray, oval: np.ndarray, bare: np.ndarray | None, person=None) -> np.ndarray | None:
    """[K] float64 in [0,1]: how far the photo beside each face oval vertex is the backdrop the
    face's edge is seen against (module docstring): bare [K] (HeadProxy.bare) where the person
    segmenter sees no one BESIDE it (PERSON). image [H,W,3] uint8; oval [K,2] the photo's face
    oval (px); person: the segmenter's poce_rt.person.PersonMap about this head where the caller
    has one (PhotoColours.person), else it is run here (only where a vertex is bare). None where
    no vertex is bare or no segmenter runs."""
    from .person import person_map

    if bare is None or not np.any(bare):
        return None
    oval = np.asarray(oval, np.float64)[:, :2]
    person = person_map(image, oval) if person is None else person
    if person is None:
        return None
    c = oval.mean(0)
    radius = np.linalg.norm(oval - c, axis=1)
    u = (oval - c) / np.maximum(radius, 1e-9)[:, None]
    out = np.linspace(BESIDE[0], BESIDE[1], BESIDE_SAMPLES) * radius.mean()
    at = np.round(oval[:, None] + out[None, :, None] * u[:, None] - np.asarray(person.origin, np.float64)).astype(int)
    n = person.prob.shape[0]
    prob = person.prob[np.clip(at[..., 1], 0, n - 1), np.clip(at[..., 0], 0, n - 1)].mean(1)
    edge = np.asarray(bare, np.float64) * (1.0 - ramp(prob, PERSON))
    return edge if edge.any() else None


def edge_weight(edge: np.ndarray, oval: np.ndarray, height: int, width: int, origin=(0, 0)) -> np.ndarray | None:
    """[height,width] float32: edge [K] (one per oval vertex) spread over a box about the face's
    oval [K,2] (the box's pixels) by each pixel's angle about the oval's centre, interpolated
    between the vertices' (no step along the outline), or None where edge is 0 everywhere. The
    angles are read every EDGE_STEP pixels of the photo and the weight resized (linear) to the
    box: origin (x0, y0), the box's corner in the photo, puts the reads on the photo's grid, so
    that any box about the face (the frame loop's canvas, blend_face's) draws the same weight."""
    edge = np.asarray(edge, np.float64)
    if height <= 0 or width <= 0 or not edge.any():
        return None
    oval = np.asarray(oval, np.float64)[:, :2]
    c = oval.mean(0)
    at = np.arctan2(oval[:, 1] - c[1], oval[:, 0] - c[0])
    order = np.argsort(at)
    s, (x0, y0) = EDGE_STEP, (int(v) for v in origin)
    # the reads at the centres of the photo's s x s blocks that the box touches, where cv2.resize
    # puts them (a read at block k's centre, s * k + (s - 1) / 2 in the photo)
    ky, kx = y0 // s, x0 // s
    rows, cols = -(-(y0 + height) // s) - ky, -(-(x0 + width) // s) - kx
    half = (s - 1) / 2.0
    ys = (np.arange(rows, dtype=np.float32) * s + np.float32(s * ky + half - y0 - c[1]))[:, None]
    xs = (np.arange(cols, dtype=np.float32) * s + np.float32(s * kx + half - x0 - c[0]))[None, :]
    theta = np.arctan2(np.broadcast_to(ys, (rows, cols)), np.broadcast_to(xs, (rows, cols)))
    coarse = np.interp(theta, at[order], edge[order], period=2 * np.pi).astype(np.float32)
    fine = cv2.resize(coarse, (cols * s, rows * s), interpolation=cv2.INTER_LINEAR)
    return np.ascontiguousarray(fine[y0 - s * ky:y0 - s * ky + height, x0 - s * kx:x0 - s * kx + width])


def turned_edge(proxy, oval: np.ndarray) -> np.ndarray | None:
    """[K] float64: the proxy's own_edge (poce_rt.proxy_pose.HeadProxy's, own_edge_of's) where the
    face's oval at the target [K,>=2] (the photo's pixels) does not move out past the photo's
    (OUTWARD), or None where that is 0 everywhere (or the proxy is None or has none)."""
    own = None if proxy is None else proxy.own_edge
    if own is None:
        return None
    out = ((np.asarray(oval, np.float64)[:, :2] - proxy.p[:, :2]) * proxy.u).sum(1) / proxy.r_src.mean()
    edge = own * (1.0 - ramp(out, OUTWARD))
    return edge if edge.any() else None


def turned_profile(src_pose, dst_pose, oval: np.ndarray, vertices: np.ndarray, height: int,
                   width: int, edge: np.ndarray | None = None, origin=(0, 0)) -> np.ndarray | None:
    """profile_weight's, or where edge [K] (turned_edge's, one per oval vertex) is given the
    larger of it and edge_weight's (origin: the box's corner in the photo), times turn_share's
    for the pose change (None where that or both are none)."""
    share = turn_share(src_pose, dst_pose)
    if share <= 0.0:
        return None
    weight = profile_weight(oval, vertices, height, width)
    spread = None if edge is None else edge_weight(edge, oval, height, width, origin)
    if spread is not None:
        weight = spread if weight is None else np.maximum(weight, spread)
    if weight is not None and share < 1.0:
        weight *= np.float32(share)
    return weight


def sharpen_profile(out, sharp, weight, work, wide=None):
    """out [h,w,3] uint8 (the feathered composite) moved to sharp [h,w,3] uint8 (the composite
    over PROFILE_FEATHER_PX) by weight [h,w,1] float32, in place; work [h,w,3] float32; wide: on
    the host, a [h,w,3] float32 buffer the weight is widened into (layers.widen: NumPy's multiply
    by a broadcast [h,w,1] is ~2x slower; None: allocated). NumPy or CuPy, nothing allocated on
    the device; out is unchanged where weight is 0. Returns out."""
    ops.array_module(out).copyto(work, sharp)
    return mix_into(out, work, widen(weight, 3, out=wide))
