// interpolate, CUDA: one thread per pixel; pixels outside the box get the empty values, as on the CPU.
#include "cuda_utils.h"
#include "interpolate.h"
#include "kernels.h"

namespace poce {

__global__ void interpolate_kernel(InterpolateParams p) {
  int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i >= int64_t(p.height) * p.width) return;
  int y = int(i / p.width), x = int(i % p.width);
  const Box box{p.box[0], p.box[1], p.box[2], p.box[3]};
  if (x < box.x0 || x >= box.x1 || y < box.y0 || y >= box.y1) {
    for (int k = 0; k < p.channels; ++k) p.out[i * p.channels + k] = 0.f;
    p.mask[i] = 0.f;
    return;
  }
  interpolate_pixel(p.attr, p.nverts, p.channels, p.tris, p.ntris, p.tri_id, p.bary, i, p.out, p.mask);
}

void interpolate_cuda(const InterpolateParams& p, uintptr_t stream) {
  int64_t npix = int64_t(p.height) * p.width;
  interpolate_kernel<<<grid_for(npix), kBlock, 0, reinterpret_cast<cudaStream_t>(stream)>>>(p);
  check_launch("interpolate");
}

}  // namespace poce
