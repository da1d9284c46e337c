"""The usual Python way to unwrap a face texture or paint it back: one cv2.warpAffine per
triangle, masked copy into the destination. Baseline for the kernel benchmarks only (it has no
depth test, so it also copies texels hidden behind the nose)."""
import cv2
import numpy as np


def _warp_triangles(src, src_tris_xy, dst_tris_xy, dst_shape):
    out = np.zeros(dst_shape, np.float32)
    h, w = dst_shape[:2]
    for s, d in zip(src_tris_xy, dst_tris_xy):
        x0, y0 = np.floor(d.min(0)).astype(int)
        x1, y1 = np.ceil(d.max(0)).astype(int)
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        if x1 <= x0 or y1 <= y0:
            continue
        m = cv2.getAffineTransform(s.astype(np.float32), (d - [x0, y0]).astype(np.float32))
        patch = cv2.warpAffine(src, m, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REFLECT)
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillConvexPoly(mask, np.round(d - [x0, y0]).astype(np.int32), 1)
        region = out[y0:y1, x0:x1]
        region[mask > 0] = patch.reshape(region.shape)[mask > 0]
    return out


def unwrap_cv2(image, verts, tris, uvs, size):
    """image -> [S,S,3] texture (no visibility)."""
    return _warp_triangles(image.astype(np.float32) / 255.0, verts[tris][..., :2], uvs[tris] * size,
                           (size, size, 3))


def paint_cv2(texture, verts, tris, uvs, height, width):
    """texture -> [H,W,3] image (painter's order by depth, far to near)."""
    order = np.argsort(-verts[tris][..., 2].mean(1))
    t = tris[order]
    return _warp_triangles(texture, uvs[t] * texture.shape[0], verts[t][..., :2], (height, width, 3))
