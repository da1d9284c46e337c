// transfer (Eq. 8), CUDA: one thread per output cell (transfer_cell, transfer.h).
#include "cuda_utils.h"
#include "kernels.h"
#include "transfer.h"

namespace poce {

__global__ void transfer_kernel(const float* e_src, const float* e_ref, const float* mask, int n,
                                int c, int h, int w, int hm, int wm, float* out) {
  int64_t q = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (q >= int64_t(n) * h * w) return;
  transfer_cell(e_src, e_ref, mask, c, h, w, hm, wm, q, out);
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
