// composite, CUDA: the two blur passes and the blend as three pixel-parallel kernels.
#include "composite.h"
#include "cuda_utils.h"
#include "kernels.h"

namespace poce {

__global__ void blur_rows_kernel(const float* src, int height, int width, int r, float* dst) {
  int64_t p = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (p >= int64_t(height) * width) return;
  int y = int(p / width), x = int(p % width);
  dst[p] = box_mean(src + int64_t(y) * width, width, 1, x, r);
}

__global__ void blur_cols_kernel(const float* src, int height, int width, int r, float* dst) {
  int64_t p = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (p >= int64_t(height) * width) return;
  int y = int(p / width), x = int(p % width);
  dst[p] = box_mean(src + x, height, width, y, r);
}

__global__ void blend_kernel(const uint8_t* frame, const float* rgb, const float* alpha,
                             const float* blurred, int64_t npix, int feather_px, uint8_t* out) {
  int64_t p = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (p >= npix) return;
  composite_pixel(frame, rgb, alpha, blurred + p, feather_px, p, out);
}

void composite_cuda(const uint8_t* frame, const float* rgb, const float* alpha, int height, int width,
                    int feather_px, float* work, uint8_t* out, uintptr_t stream) {
  cudaStream_t st = reinterpret_cast<cudaStream_t>(stream);
  int64_t npix = int64_t(height) * width;
  if (npix == 0) return;
  if (feather_px > 0) {
    blur_rows_kernel<<<grid_for(npix), kBlock, 0, st>>>(alpha, height, width, feather_px, work);
    blur_cols_kernel<<<grid_for(npix), kBlock, 0, st>>>(work, height, width, feather_px, work + npix);
  }
  blend_kernel<<<grid_for(npix), kBlock, 0, st>>>(frame, rgb, alpha, work + npix, npix, feather_px, out);
  check_launch("composite");
}

}  // namespace poce
