// Rasterizer, CUDA: the same two passes as rasterize_cpu.cpp, one thread per triangle for the
// depth test (64-bit atomicMin) and one thread per pixel for the resolve.
#include "common.h"
#include "cuda_utils.h"
#include "kernels.h"

namespace poce {

__global__ void clear_zbuf_kernel(uint64_t* zbuf, int64_t n) {
  int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i < n) zbuf[i] = kEmptyWord;
}

__global__ void raster_kernel(const float* verts, int nverts, const int* tris, int ntris, int height,
                              int width, unsigned long long* zbuf) {
  int t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= ntris) return;
  Tri2D s;
  if (!setup_tri(verts, nverts, tris, t, height, width, s)) return;
  for (int y = s.ymin; y <= s.ymax; ++y)
    for (int x = s.xmin; x <= s.xmax; ++x) {
      float z;
      if (cover(s, x + 0.5f, y + 0.5f, z))
        atomicMin(&zbuf[int64_t(y) * width + x], (unsigned long long)pack_depth_tri(z, t));
    }
}

__global__ void resolve_kernel(const uint64_t* zbuf, const float* verts, int nverts, const int* tris,
                               int height, int width, int* tri_id, float* bary, float* depth) {
  int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i >= int64_t(height) * width) return;
  int y = int(i / width), x = int(i % width);
  resolve_pixel(zbuf[i], verts, nverts, tris, height, width, x, y, &tri_id[i], &bary[3 * i], &depth[i]);
}

void rasterize_cuda(const float* verts, int nverts, const int* tris, int ntris, int height, int width,
                    uint64_t* zbuf, int* tri_id, float* bary, float* depth, uintptr_t stream) {
  cudaStream_t st = reinterpret_cast<cudaStream_t>(stream);
  int64_t npix = int64_t(height) * width;
  clear_zbuf_kernel<<<grid_for(npix), kBlock, 0, st>>>(zbuf, npix);
  if (ntris > 0)
    raster_kernel<<<grid_for(ntris), kBlock, 0, st>>>(verts, nverts, tris, ntris, height, width,
                                                      reinterpret_cast<unsigned long long*>(zbuf));
  resolve_kernel<<<grid_for(npix), kBlock, 0, st>>>(zbuf, verts, nverts, tris, height, width, tri_id,
                                                    bary, depth);
  check_launch("rasterize");
}

}  // namespace poce
