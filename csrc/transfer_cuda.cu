// transfer (Eq. 8), CUDA: one thread per output cell, looping over channels like the CPU version.
#include "cuda_utils.h"
#include "kernels.h"
#include "transfer.h"

namespace poce {

__global__ void transfer_kernel(const float* e_src, const float* e_ref, const float* mask, int n,
                                int c, int h, int w, int hm, int wm, float* out) {
  int64_t hw = int64_t(h) * w;
  int64_t q = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (q >= int64_t(n) * hw) return;
  int b = int(q / hw);
  int64_t ij = q % hw;
  float m = pooled_mask(mask + int64_t(b) * hm * wm, hm, wm, h, w, int(ij / w), int(ij % w));
  for (int k = 0; k < c; ++k) {
    int64_t idx = (int64_t(b) * c + k) * hw + ij;
    out[idx] = blend(e_src[idx], e_ref[idx], m);
  }
}

void transfer_cuda(const float* e_src, const float* e_ref, const float* mask, int n, int c, int h,
                   int w, int hm, int wm, float* out, uintptr_t stream) {
  int64_t cells = int64_t(n) * h * w;
  if (cells == 0) return;
  transfer_kernel<<<grid_for(cells), kBlock, 0, reinterpret_cast<cudaStream_t>(stream)>>>(
      e_src, e_ref, mask, n, c, h, w, hm, wm, out);
  check_launch("transfer");
}

}  // namespace poce
