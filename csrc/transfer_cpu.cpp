// transfer (Eq. 8), CPU: the output cells (transfer_cell, transfer.h) across threads.
#include "kernels.h"
#include "transfer.h"

namespace poce {

void transfer_cpu(const float* e_src, const float* e_ref, const float* mask, int n, int c, int h,
                  int w, int hm, int wm, float* out) {
  const int64_t cells = int64_t(n) * h * w;
#pragma omp parallel for schedule(static)
  for (int64_t q = 0; q < cells; ++q) transfer_cell(e_src, e_ref, mask, c, h, w, hm, wm, q, out);
}

}  // namespace poce
