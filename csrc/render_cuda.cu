// render, CUDA: the CPU version's passes as kernels on the stream. Temporaries come from the
// caller's workspace: tri_id and bary box-local, the depth buffer reused as the coverage words
// (render needs no depth), zbuf's words as the nearest sub-sample where a centre is empty.
#include "cuda_utils.h"
#include "kernels.h"
#include "raster_cuda.h"
#include "render.h"

namespace poce {

__global__ void coverage_seed_kernel(const int* raw, int height, int width, const int* tri_id,
                                     uint32_t* cov) {
  Box box = device_box(raw, height, width);
  int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i >= int64_t(box.w()) * box.h()) return;
  cov[i] = coverage_seed(tri_id, box.w(), box.h(), int(i % box.w()), int(i / box.w()));
}

__global__ void subsample_kernel(const float* verts, int nverts, const int* tris, int ntris, int height,
                                 int width, const int* raw, const int* tri_id, uint32_t* cov,
                                 unsigned long long* sub) {
  int t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= ntris) return;
  Box box = device_box(raw, height, width);
  subsample_triangle(
      verts, nverts, tris, t, box, tri_id, cov, [&](int64_t q, uint32_t bits) { atomicOr(cov + q, bits); },
      [&](int64_t q, uint64_t w) { atomicMin(sub + q, (unsigned long long)w); });
}

__global__ void render_kernel(const float* texture, int size, int channels, const float* verts,
                              int nverts, const int* tris, const float* uvs, int height, int width,
                              const int* raw, const int* tri_id, const float* bary, const uint32_t* cov,
                              const uint64_t* sub, float* rgb, float* alpha) {
  Box box = device_box(raw, height, width);
  int64_t p = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (p >= int64_t(height) * width) return;
  int y = int(p / width), x = int(p % width);
  if (x < box.x0 || x >= box.x1 || y < box.y0 || y >= box.y1) {
    for (int k = 0; k < channels; ++k) rgb[p * channels + k] = 0.f;
    alpha[p] = 0.f;
    return;
  }
  render_pixel(x, y, box, texture, size, channels, verts, nverts, tris, uvs, tri_id, bary, cov, sub, p,
               rgb, alpha);
}

void render_cuda(const RenderParams& p, const RasterBuffers& ws, uintptr_t stream) {
  cudaStream_t st = reinterpret_cast<cudaStream_t>(stream);
  int64_t npix = int64_t(p.height) * p.width;
  raster_cuda(p.mesh.verts, p.mesh.nverts, p.mesh.tris, p.mesh.ntris, p.height, p.width, ws.zbuf, false,
              ws.tri_id, ws.bary, nullptr, st);
  const int* raw = box_words(ws.zbuf, p.height, p.width);
  uint32_t* cov = reinterpret_cast<uint32_t*>(ws.depth);
  coverage_seed_kernel<<<grid_for(npix), kBlock, 0, st>>>(raw, p.height, p.width, ws.tri_id, cov);
  if (p.mesh.ntris > 0)
    subsample_kernel<<<grid_for(p.mesh.ntris), kBlock, 0, st>>>(
        p.mesh.verts, p.mesh.nverts, p.mesh.tris, p.mesh.ntris, p.height, p.width, raw, ws.tri_id, cov,
        reinterpret_cast<unsigned long long*>(ws.zbuf));
  render_kernel<<<grid_for(npix), kBlock, 0, st>>>(p.texture, p.size, p.channels, p.mesh.verts,
                                                   p.mesh.nverts, p.mesh.tris, p.uvs, p.height, p.width, raw,
                                                   ws.tri_id, ws.bary, cov, ws.zbuf, p.rgb, p.alpha);
  check_launch("render");
}

}  // namespace poce
