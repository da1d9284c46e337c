// crop, CUDA: one thread per output pixel of every box.
#include "crop.h"
#include "cuda_utils.h"
#include "kernels.h"

namespace poce {

template <typename T>
__global__ void crop_kernel(const T* image, int height, int width, int channels, const float* theta,
                            int boxes, int out_h, int out_w, int sr, float* out) {
  int64_t p = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (p >= int64_t(boxes) * out_h * out_w) return;
  int box = int(p / (int64_t(out_h) * out_w));
  int rem = int(p % (int64_t(out_h) * out_w));
  crop_pixel(image, height, width, channels, theta + 6 * box, rem % out_w, rem / out_w, sr,
             out + p * channels);
}

void crop_cuda(const void* image, bool u8, int height, int width, int channels, const float* theta, int boxes,
               int out_h, int out_w, int sr, float* out, uintptr_t stream) {
  cudaStream_t st = reinterpret_cast<cudaStream_t>(stream);
  int64_t n = int64_t(boxes) * out_h * out_w;
  if (n == 0) return;
  if (u8)
    crop_kernel<<<grid_for(n), kBlock, 0, st>>>(static_cast<const uint8_t*>(image), height, width, channels,
                                                theta, boxes, out_h, out_w, sr, out);
  else
    crop_kernel<<<grid_for(n), kBlock, 0, st>>>(static_cast<const float*>(image), height, width, channels,
                                                theta, boxes, out_h, out_w, sr, out);
  check_launch("crop");
}

}  // namespace poce
