"""Which layer draws each pixel of a turned face: its maps in the image and in UV space (issue 15).

    python scripts/layer_maps.py t1.jpg:1 --yaw 25 --box 130 215 250 340 --out /tmp/maps

For the face NAME[:K] (the K-th face from the left; the largest without it) turned by --yaw
degrees, drawn as Editor.edit draws it (the frame loop), over the image box y0 y1 x0 x1 (--box;
default the face's box), zoomed --zoom times, into --out:

- image_layers.png: the output | its contours of the face render's layers: the face's coverage
  (red), the layout's midline, where complete.py's mirror fill meets itself (green), the texels'
  share of fill at 0.5 (magenta: the fill against the photo's texels, disocclusion's trust), the
  photo warp's weight at 0.5 (yellow: photo_warp), the far light's relight share at 0.05 (blue:
  far_light's gate);
- image_fill.png: the output | the photo read at each texel's photo position | their Lab
  difference over the face (L*, a*, b*: grey 128 +- 3, 6, 6 per unit), which is 0 wherever the
  face draws the photo's own pixels;
- ring_cells.png: the head proxy's band cells coloured by their drawn / photo area (red
  stretched, blue squeezed, pure red mirrored; the face's coverage grey), and labelled
  "ring.oval vertex" over the output;
- ring_relit.png: the output | how much the ring's texel at each pixel was relit about the oval
  (poce_rt.rim_light: grey 128 + 600 x the mean change of its RGB in [0,1]) | the photo the ring
  reads at each pixel (its read position: where the band's cells fold or squeeze, the photo is
  read far from where it is drawn);
- uv_layers.png: UV space, rows and columns --uv-box (default all): the sampled photo | the
  completed texture | the fill | the texture drawn at the pose, over the sampling mask | the
  share of fill | the far light's share | the photo warp's weight (the midline dotted green).
"""
from __future__ import annotations

import argparse
import os
import warnings

import cv2
import numpy as np

import poce_rt
from poce_rt import ops
from poce_rt.assets import data_path, load_image
from poce_rt.fit import pose_vertices
from poce_rt.head_proxy import FACE_OVAL
from poce_rt.stages import relit_share
from poce_rt.surround import ring_band

CONTOURS = (("u", 0.0, (0, 255, 0)), ("fill", 0.5, (255, 0, 255)), ("warp", 0.5, (255, 255, 0)),
            ("relit", 0.05, (0, 128, 255)))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("name", help="photo[:K], K the face from the left")
    ap.add_argument("--yaw", type=float, default=25.0)
    ap.add_argument("--box", type=int, nargs=4, metavar=("Y0", "Y1", "X0", "X1"))
    ap.add_argument("--uv-box", type=int, nargs=4, metavar=("R0", "R1", "C0", "C1"))
    ap.add_argument("--zoom", type=int, default=4)
    ap.add_argument("--out", default="layer_maps")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    os.makedirs(args.out, exist_ok=True)
    file, _, index = args.name.partition(":")
    img = load_image(data_path(file))
    with poce_rt.Editor() as ed:
        src = ed.prepare(img, ed.faces(img, int(index))[0] if index else None)
        frame, image, alpha, band, uv, relit_ring = drawn_layers(ed, img, src, args.yaw)
    lay = ed.geometry.layout
    x0, y0, x1, y1 = (int(v) for v in src.face.bbox)
    box = args.box or (y0, y1, x0, x1)
    z = args.zoom
    crop = zoomed(frame, box, z)
    cv2.imwrite(os.path.join(args.out, "image_layers.png"),
                bgr(np.hstack([crop, contoured(crop.copy(), image, alpha, box, z)])))
    cv2.imwrite(os.path.join(args.out, "image_fill.png"), bgr(fill_difference(frame, img, image, alpha, box, z)))
    if band is not None:
        cv2.imwrite(os.path.join(args.out, "ring_cells.png"), bgr(ring_cells(frame, band, alpha, box, z)))
    if relit_ring is not None:
        change, read = relit_ring
        grey = cv2.cvtColor(zoomed(np.clip(128 + 600 * change, 0, 255).astype(np.uint8), box, z, True),
                            cv2.COLOR_GRAY2RGB)
        cv2.imwrite(os.path.join(args.out, "ring_relit.png"), bgr(np.hstack([crop, grey, zoomed(read, box, z)])))
    cv2.imwrite(os.path.join(args.out, "uv_layers.png"), bgr(uv_layers(uv, args.uv_box, lay)))
    print("wrote", args.out)


def drawn_layers(ed, img: np.ndarray, src, yaw: float):
    """src (a Source of the photo img, prepared by the Editor ed) turned by yaw degrees, drawn as
    Editor.edit draws it -> (the frame [H,W,3] uint8, the face's layers drawn over the frame
    ({name: [H,W]}: uv_maps' names), the face render's coverage [H,W], the head proxy's band
    (surround.ring_band's, or None), the [S,S] layers (uv_maps), ring_relight's pair or None)."""
    plan = ed.plan(src, pose=(0, yaw, 0))
    loop = ed.frame_loop(src)
    loop.step(plan.rel, plan.shape, plan.target_pose, mouth=plan.mouth)
    frame = loop.frame_to_host().copy()
    uv = uv_maps(src, loop, plan, ed.geometry)
    target = pose_vertices(plan.shape, plan.target_pose)
    band = ring_band(src.face.vertices, target, *img.shape[:2],
                     proxy=None if loop._proxy is None else (loop._proxy, plan.target_pose))
    relit_ring = ring_relight(loop, img) if band is not None else None
    lay = ed.geometry.layout
    names = list(uv)
    drawn, alpha = ops.render(np.ascontiguousarray(np.dstack([uv[n] for n in names]), np.float32),
                              np.ascontiguousarray(ed.geometry.posed(target), np.float32), lay.tris, lay.uvs,
                              *img.shape[:2])
    return frame, {n: drawn[..., k] for k, n in enumerate(names)}, alpha, band, uv, relit_ring


def photo_read(photo: np.ndarray, image: dict, alpha: np.ndarray) -> np.ndarray:
    """[H,W,3] uint8: the photo read at the photo position of the texel drawn at each pixel of
    the face (drawn_layers' image maps and coverage; 0 off the face)."""
    read = cv2.remap(photo, image["lx"].astype(np.float32), image["ly"].astype(np.float32), cv2.INTER_LINEAR)
    read[alpha <= 0.5] = 0
    return read


def uv_maps(src, loop, plan, geom) -> dict:
    """The face's [S,S] layers at the step's pose: texel coordinates, sampling mask, share of fill
    (the step's), photo warp weight, far light share, and the textures' channels."""
    s = geom.size
    v, u = np.mgrid[0:s, 0:s].astype(np.float32)
    mid = geom.layout.uvs[FACE_OVAL[0], 0]   # the forehead's midline vertex
    rt = getattr(loop, "_revealed_texture", None)
    fill = np.zeros((s, s), np.float32) if rt is None or rt.fill is None else np.asarray(rt.fill)[..., 0]
    lookup = loop._lookup
    relit = relit_share(src.shading, plan.target_pose)
    maps = {"u": u / (s - 1) - mid, "mask": np.asarray(src.mask, np.float32), "fill": fill,
            "warp": np.zeros((s, s), np.float32) if lookup is None else np.asarray(lookup)[..., 2],
            "relit": np.zeros((s, s), np.float32) if relit is None else relit[..., 0],
            "lx": np.zeros((s, s), np.float32) if lookup is None else np.asarray(lookup)[..., 0],
            "ly": np.zeros((s, s), np.float32) if lookup is None else np.asarray(lookup)[..., 1]}
    textures = {"sampled": src.uv_sampled, "completed": src.uv_completed,
                "fill_texture": src.uv_completed if src.uv_fill is None else src.uv_fill,
                "drawn": np.asarray(loop.texture)}
    for name, t in textures.items():
        for c in range(3):
            maps[f"{name}{c}"] = np.asarray(t, np.float32)[..., c]
    return maps


def ring_relight(loop, photo: np.ndarray):
    """Over the frame, from the loop's last step (its ring's buffers, host only): ([H,W] the mean
    change the rim light made to the ring texel drawn at each pixel, [H,W,3] uint8 the photo at the
    ring's read position), both 0 where the ring draws nothing."""
    ring = loop._written[1]
    h, w = photo.shape[:2]
    current = loop.ring_texture.current
    tex = np.asarray(current.texture)[..., :3]
    side, lo = current.side, current.lo
    plain = np.zeros_like(tex)
    ys = slice(max(lo[1], 0), min(lo[1] + side, h))
    xs = slice(max(lo[0], 0), min(lo[0] + side, w))
    plain[ys.start - lo[1]:ys.stop - lo[1], xs.start - lo[0]:xs.stop - lo[0]] = photo[ys, xs] / np.float32(255)
    change = (tex - plain).mean(-1).astype(np.float32)
    pos = np.asarray(loop.ws.take("ring.pos", (ring.height, ring.width, 2), np.float32))
    drawn = np.asarray(loop.ws.take("ring.alpha", (ring.height, ring.width), np.float32)) > 0.5
    px = np.clip(pos[..., 0] - 0.5, 0, side - 1).astype(np.float32)
    py = np.clip(pos[..., 1] - 0.5, 0, side - 1).astype(np.float32)
    out_change, out_read = np.zeros((h, w), np.float32), np.zeros((h, w, 3), np.uint8)
    out_change[ring.y0:ring.y1, ring.x0:ring.x1] = cv2.remap(change, px, py, cv2.INTER_NEAREST) * drawn
    read = cv2.remap(np.ascontiguousarray(plain), px, py, cv2.INTER_LINEAR) * drawn[..., None]
    out_read[ring.y0:ring.y1, ring.x0:ring.x1] = np.clip(read * 255, 0, 255).astype(np.uint8)
    return out_change, out_read


def zoomed(a: np.ndarray, box, z: int, nearest: bool = False) -> np.ndarray:
    y0, y1, x0, x1 = box
    return cv2.resize(np.ascontiguousarray(a[y0:y1, x0:x1]), None, fx=z, fy=z,
                      interpolation=cv2.INTER_NEAREST if nearest else cv2.INTER_CUBIC)


def contoured(crop: np.ndarray, image: dict, alpha: np.ndarray, box, z: int) -> np.ndarray:
    """crop with the face's coverage and each CONTOURS layer's level drawn over it."""
    inside = zoomed((alpha > 0.5).astype(np.uint8), box, z, True)
    crop[edge(inside)] = (255, 0, 0)
    deep = cv2.erode(inside, np.ones((2 * z - 1, 2 * z - 1), np.uint8)) > 0
    for name, level, colour in CONTOURS:
        above = zoomed(np.where(alpha > 0.5, image[name], -1e3).astype(np.float32), box, z) > level
        crop[edge(above.astype(np.uint8)) & deep] = colour
    return crop


def edge(mask: np.ndarray) -> np.ndarray:
    return cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_GRADIENT, np.ones((2, 2), np.uint8)) > 0


def fill_difference(frame, photo, image: dict, alpha, box, z: int) -> np.ndarray:
    """output | the photo read at each texel's photo position | their Lab difference over the face."""
    warp = photo_read(photo, image, alpha)
    diff = cv2.cvtColor(frame, cv2.COLOR_RGB2LAB).astype(np.float32) - cv2.cvtColor(warp, cv2.COLOR_RGB2LAB)
    diff = np.where((alpha > 0.99)[..., None], diff, 0.0)
    tiles = [zoomed(frame, box, z), zoomed(warp, box, z)]
    grey = [np.clip(128 + g * diff[..., c], 0, 255).astype(np.uint8) for c, g in ((0, 3), (1, 6), (2, 6))]
    row = [cv2.cvtColor(zoomed(g, box, z, True), cv2.COLOR_GRAY2RGB) for g in grey]
    return np.vstack([np.hstack(tiles + [np.zeros_like(tiles[0])]), np.hstack(row)])


def cell_areas(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """[K] signed areas of the quads between two closed rings a, b [K,2] (cell i: a_i, a_i+1, b_i+1, b_i)."""
    d1, d2 = np.roll(b, -1, axis=0) - a, b - np.roll(a, -1, axis=0)
    return 0.5 * (d1[:, 0] * d2[:, 1] - d1[:, 1] * d2[:, 0])


def ring_cells(frame, band, alpha, box, z: int) -> np.ndarray:
    """The band's cells coloured by drawn / photo area | the output with them outlined and labelled."""
    verts, _, read, _ = band
    k = len(FACE_OVAL)
    drawn = verts[:, :2].astype(np.float64).reshape(-1, k, 2)
    photo = np.asarray(read, np.float64).reshape(-1, k, 2)
    y0, y1, x0, x1 = box
    colours = np.full(((y1 - y0) * z, (x1 - x0) * z, 3), 128, np.uint8)
    out = zoomed(frame, box, z)

    def at(p):
        return np.round([(p[0] - x0 + 0.5) * z, (p[1] - y0 + 0.5) * z]).astype(np.int32)

    for r in range(len(drawn) - 1):
        d, p = cell_areas(drawn[r], drawn[r + 1]), cell_areas(photo[r], photo[r + 1])
        for i in range(k):
            j = (i + 1) % k
            quad = np.array([at(drawn[r, i]), at(drawn[r, j]), at(drawn[r + 1, j]), at(drawn[r + 1, i])])
            ratio = d[i] / p[i] if abs(p[i]) > 0.3 else 1.0
            if ratio < 0:
                colour = (255, 0, 0)
            else:
                t = float(np.clip(np.log2(max(ratio, 1e-3)) / 1.5, -1, 1))
                colour = (int(128 + 127 * t), int(128 - 100 * abs(t)), int(128 - 127 * t))
            cv2.fillPoly(colours, [quad], colour)
            cv2.polylines(out, [quad], True, (0, 255, 0), 1)
            centre = quad.mean(0).astype(int)
            if 0 <= centre[0] < out.shape[1] and 0 <= centre[1] < out.shape[0] and z >= 8:
                cv2.putText(out, f"{r}.{FACE_OVAL[i]}", tuple(int(c) for c in centre), cv2.FONT_HERSHEY_SIMPLEX,
                            0.3, (255, 0, 0), 1)
    face = zoomed((alpha > 0.5).astype(np.uint8), box, z, True) > 0
    colours[face] = (0.3 * colours[face] + 0.7 * 180).astype(np.uint8)
    return np.hstack([colours, out])


def uv_layers(uv: dict, uv_box, layout) -> np.ndarray:
    """UV space: the four textures over the four shares (module docstring), 4x, the midline dotted."""
    s = uv["u"].shape[0]
    r0, r1, c0, c1 = uv_box or (0, s, 0, s)
    z = 4

    def rgb(name):
        return np.clip(np.dstack([uv[f"{name}{c}"] for c in range(3)]) * 255, 0, 255).astype(np.uint8)

    def grey(name):
        return np.dstack([np.clip(uv[name] * 255, 0, 255).astype(np.uint8)] * 3)

    tiles = [rgb(n) for n in ("sampled", "completed", "fill_texture", "drawn")] + \
        [grey(n) for n in ("mask", "fill", "relit", "warp")]
    mid = int(round((layout.uvs[FACE_OVAL[0], 0] * (s - 1) - c0 + 0.5) * z))
    out = []
    for t in tiles:
        t = cv2.resize(t[r0:r1, c0:c1], None, fx=z, fy=z, interpolation=cv2.INTER_NEAREST)
        if 0 <= mid < t.shape[1]:
            t[::3, mid] = (0, 255, 0)
        out.append(t)
    return np.vstack([np.hstack(out[:4]), np.hstack(out[4:])])


def bgr(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR)


if __name__ == "__main__":
    main()
