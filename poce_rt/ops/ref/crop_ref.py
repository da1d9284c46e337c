import numpy as np


def crop_ref(image, theta, out_h, out_w, samples=1):
    """ROI-align crop: the mean of samples x samples bilinear taps per output pixel at theta @ (u, v, 1)
    (pixel centres at i + 0.5), taps outside the image reading 0. -> [B,out_h,out_w,C] float32."""
    img = image.astype(np.float64) / (255.0 if image.dtype == np.uint8 else 1.0)
    h, w, c = img.shape
    pad = np.zeros((h + 4, w + 4, c))
    pad[2:-2, 2:-2] = img
    out = np.zeros((len(theta), out_h, out_w, c))
    off = (np.arange(samples) + 0.5) / samples
    for b, t in enumerate(np.asarray(theta, np.float64)):
        for sy in off:
            for sx in off:
                v, u = np.meshgrid(np.arange(out_h) + sy, np.arange(out_w) + sx, indexing="ij")
                x = t[0, 0] * u + t[0, 1] * v + t[0, 2] - 0.5
                y = t[1, 0] * u + t[1, 1] * v + t[1, 2] - 0.5
                inside = (x > -2) & (x < w + 1) & (y > -2) & (y < h + 1)
                x, y = np.where(inside, x, -10), np.where(inside, y, -10)
                x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
                fx, fy = (x - x0)[..., None], (y - y0)[..., None]

                def tap(xx, yy):
                    ok = (xx >= 0) & (xx < w) & (yy >= 0) & (yy < h)
                    return np.where(ok[..., None], pad[np.clip(yy, -2, h + 1) + 2, np.clip(xx, -2, w + 1) + 2], 0)

                val = ((tap(x0, y0) * (1 - fx) + tap(x0 + 1, y0) * fx) * (1 - fy)
                       + (tap(x0, y0 + 1) * (1 - fx) + tap(x0 + 1, y0 + 1) * fx) * fy)
                out[b] += np.where(inside[..., None], val, 0)
    return (out / samples ** 2).astype(np.float32)
