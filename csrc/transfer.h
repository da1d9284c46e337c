// Feature transfer (Eq. 8), shared by the CPU and CUDA versions.
#pragma once
#include "common.h"

namespace poce {

// Max of the mask over the adaptive pooling window of output cell (i, j) - the same windows as
// torch.nn.functional.adaptive_max_pool2d: rows [floor(i*Hm/h), ceil((i+1)*Hm/h)).
POCE_HD float pooled_mask(const float* mask, int hm, int wm, int h, int w, int i, int j) {
  int r0 = int((int64_t(i) * hm) / h), r1 = int((int64_t(i + 1) * hm + h - 1) / h);
  int c0 = int((int64_t(j) * wm) / w), c1 = int((int64_t(j + 1) * wm + w - 1) / w);
  if (r0 >= r1 || c0 >= c1) return 0.f;  // an empty mask (bindings reject it): nothing to transfer
  float m = -INFINITY;
  for (int r = r0; r < r1; ++r)
    for (int c = c0; c < c1; ++c) m = fmaxf(m, mask[int64_t(r) * wm + c]);
  return m;
}

POCE_HD float blend(float src, float ref, float m) { return m * ref + (1.f - m) * src; }

// Output cell q of n*h*w (batch-major): pool the mask once, then blend every channel there.
POCE_HD void transfer_cell(const float* e_src, const float* e_ref, const float* mask, int c, int h,
                           int w, int hm, int wm, int64_t q, float* out) {
  const int64_t hw = int64_t(h) * w;
  int b = int(q / hw);
  int64_t ij = q % hw;
  float m = pooled_mask(mask + int64_t(b) * hm * wm, hm, wm, h, w, int(ij / w), int(ij % w));
  for (int k = 0; k < c; ++k) {
    int64_t idx = (int64_t(b) * c + k) * hw + ij;
    out[idx] = blend(e_src[idx], e_ref[idx], m);
  }
}

}  // namespace poce
