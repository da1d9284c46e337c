// render, CUDA: the rasterizer on the stream, then one thread per pixel.
#include "cuda_utils.h"
#include "kernels.h"
#include "render.h"

namespace poce {

__global__ void render_kernel(const float* texture, int size, int channels, const float* verts,
                              int nverts, const int* tris, const float* uvs, int height, int width,
                              const int* tri_id, const float* bary, const float* depth, float* rgb,
                              float* alpha) {
  int64_t p = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (p >= int64_t(height) * width) return;
  render_pixel(int(p % width), int(p / width), texture, size, channels, verts, nverts, tris, uvs,
               height, width, tri_id, bary, depth, rgb, alpha);
}

void render_cuda(const float* texture, int size, int channels, const float* verts, int nverts,
                 const int* tris, int ntris, const float* uvs, int height, int width, uint64_t* zbuf,
                 int* tri_id, float* bary, float* depth, float* rgb, float* alpha, uintptr_t stream) {
  rasterize_cuda(verts, nverts, tris, ntris, height, width, zbuf, tri_id, bary, depth, stream);
  int64_t npix = int64_t(height) * width;
  render_kernel<<<grid_for(npix), kBlock, 0, reinterpret_cast<cudaStream_t>(stream)>>>(
      texture, size, channels, verts, nverts, tris, uvs, height, width, tri_id, bary, depth, rgb,
      alpha);
  check_launch("render");
}

}  // namespace poce
