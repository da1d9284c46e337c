// Feathered alpha blend, shared by the CPU and CUDA versions.
#pragma once
#include "common.h"

namespace poce {

// One 1D pass of a (2r+1) box mean along a row (step 1) or a column (step = width), averaging
// only the samples inside the image so the face is not faded where it touches the border.
POCE_HD float box_mean(const float* src, int n, int64_t step, int i, int r) {
  int lo = i - r < 0 ? 0 : i - r, hi = i + r >= n ? n - 1 : i + r;
  float s = 0.f;
  for (int k = lo; k <= hi; ++k) s += src[int64_t(k) * step];
  return s / float(hi - lo + 1);
}

// Feathered alpha: a linear ramp over `r` pixels inward from the coverage edge (blurred alpha
// is 0.5 on the edge and reaches 1 r pixels inside), never outside the rendered coverage.
POCE_HD uint8_t blend_pixel(uint8_t f, float rgb01, float a) {
  // Uncovered pixels keep the frame exactly: a finite but huge render value would otherwise give
  // 255 * v = inf, inf * 0 = NaN, and a black pixel (found by scripts/fuzz_ops.py).
  // min_f/max_f clamp as fminf/fmaxf do here (max_f(NaN, 0) is 0, like fmaxf), without the libm
  // calls that gcc leaves in the per-pixel loop (~9 a pixel: half the host composite's time).
  if (!(a > 0.f)) return f;
  float v = float(f) * (1.f - a) + rgb01 * 255.f * a;
  v = min_f(max_f(v, 0.f), 255.f);
  return uint8_t(v + 0.5f);
}

POCE_HD float feather(float alpha, float blurred) {
  float ramp = min_f(max_f(2.f * blurred - 1.f, 0.f), 1.f);  // NaN -> 0
  return alpha * ramp;
}

// Pixel p of the frame: alpha clamped to [0, 1] (NaN blends as 0), feathered by the blurred alpha
// when feather_px > 0 (`blurred` then points at this pixel's value), then the three channels.
POCE_HD void composite_pixel(const uint8_t* frame, const float* rgb, const float* alpha,
                             const float* blurred, int feather_px, int64_t p, uint8_t* out) {
  float a = alpha[p];
  if (!(a >= 0.f)) a = 0.f;  // NaN-safe
  a = min_f(a, 1.f);
  if (feather_px > 0) a = feather(a, *blurred);
  for (int k = 0; k < 3; ++k) out[3 * p + k] = blend_pixel(frame[3 * p + k], rgb[3 * p + k], a);
}

}  // namespace poce
