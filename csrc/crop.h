// Batch crop-and-resize (ROI-align style), shared by the CPU and CUDA versions.
#pragma once
#include "common.h"

namespace poce {

// One tap of the bilinear filter: image pixel (x, y) scaled to [0, 1] floats, 0 outside the image
// (so a crop that reaches past the border fades to 0 there, and a pasted alpha channel with it).
template <typename T>
POCE_HD float crop_tap(const T* img, int height, int width, int channels, int x, int y, int c) {
  if (x < 0 || y < 0 || x >= width || y >= height) return 0.f;
  float v = float(img[(int64_t(y) * width + x) * channels + c]);
  return sizeof(T) == 1 ? v * (1.f / 255.f) : v;
}

// Output pixel (ox, oy) of box b: the mean of sr x sr bilinear samples spread over the pixel's bin,
// each at theta_b @ (u, v, 1) in input pixel coordinates (pixel centres at i + 0.5). theta [2,3] maps
// output coordinates to input ones, so a box, a rotated face crop and the inverse paste-back are
// all the same kernel. NaN or infinite coordinates read 0.
template <typename T>
POCE_HD void crop_pixel(const T* img, int height, int width, int channels, const float* theta, int ox,
                        int oy, int sr, float* out) {
  for (int c = 0; c < channels; ++c) out[c] = 0.f;
  const float inv = 1.f / float(sr);
  for (int sy = 0; sy < sr; ++sy) {
    for (int sx = 0; sx < sr; ++sx) {
      float u = float(ox) + (float(sx) + 0.5f) * inv, v = float(oy) + (float(sy) + 0.5f) * inv;
      float x = theta[0] * u + theta[1] * v + theta[2] - 0.5f;
      float y = theta[3] * u + theta[4] * v + theta[5] - 0.5f;
      if (!(x > -2.f && x < float(width) + 1.f && y > -2.f && y < float(height) + 1.f)) continue;
      int x0 = floor_i(x), y0 = floor_i(y);
      float fx = x - float(x0), fy = y - float(y0);
      for (int c = 0; c < channels; ++c) {
        float top = crop_tap(img, height, width, channels, x0, y0, c) * (1.f - fx) +
                    crop_tap(img, height, width, channels, x0 + 1, y0, c) * fx;
        float bot = crop_tap(img, height, width, channels, x0, y0 + 1, c) * (1.f - fx) +
                    crop_tap(img, height, width, channels, x0 + 1, y0 + 1, c) * fx;
        out[c] += top * (1.f - fy) + bot * fy;
      }
    }
  }
  const float norm = inv * inv;
  for (int c = 0; c < channels; ++c) out[c] *= norm;
}

}  // namespace poce
