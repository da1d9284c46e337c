// transfer (Eq. 8), CPU: pool the mask once per output cell, then blend every channel there.
#include "kernels.h"
#include "transfer.h"

namespace poce {

void transfer_cpu(const float* e_src, const float* e_ref, const float* mask, int n, int c, int h,
                  int w, int hm, int wm, float* out) {
  const int64_t hw = int64_t(h) * w;
#pragma omp parallel for schedule(static)
  for (int64_t q = 0; q < int64_t(n) * hw; ++q) {
    int b = int(q / hw);
    int64_t ij = q % hw;
    float m = pooled_mask(mask + int64_t(b) * hm * wm, hm, wm, h, w, int(ij / w), int(ij % w));
    for (int k = 0; k < c; ++k) {
      int64_t idx = (int64_t(b) * c + k) * hw + ij;
      out[idx] = blend(e_src[idx], e_ref[idx], m);
    }
  }
}

}  // namespace poce
