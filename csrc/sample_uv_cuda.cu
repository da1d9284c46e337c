// sample_uv, CUDA: the rasterizer over the mesh's box on the stream, then one thread per texel.
#include "cuda_utils.h"
#include "kernels.h"
#include "raster_cuda.h"
#include "sample_uv.h"

namespace poce {

__global__ void sample_uv_kernel(const uint8_t* image, int height, int width, const float* verts,
                                 int nverts, const int* tris, int ntris, const float* uvs,
                                 const int* layout_tri, const float* layout_bary, int64_t ntex,
                                 float depth_tol, const int* raw, const int* tri_id, const float* depth,
                                 float* uv_out, float* mask_out) {
  int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (k >= ntex) return;
  Box box = device_box(raw, height, width);
  sample_texel(int(k), image, height, width, verts, nverts, tris, ntris, uvs, layout_tri, layout_bary,
               depth_tol, box, tri_id, depth, uv_out, mask_out);
}

void sample_uv_cuda(const SampleUVParams& p, const RasterBuffers& ws, uintptr_t stream) {
  cudaStream_t st = reinterpret_cast<cudaStream_t>(stream);
  raster_cuda(p.mesh.verts, p.mesh.nverts, p.mesh.tris, p.mesh.ntris, p.height, p.width, ws.zbuf, false,
              ws.tri_id, ws.bary, ws.depth, st);
  int64_t ntex = int64_t(p.size) * p.size;
  sample_uv_kernel<<<grid_for(ntex), kBlock, 0, st>>>(
      p.image, p.height, p.width, p.mesh.verts, p.mesh.nverts, p.mesh.tris, p.mesh.ntris, p.uvs,
      p.layout_tri, p.layout_bary, ntex, p.depth_tol, box_words(ws.zbuf, p.height, p.width), ws.tri_id,
      ws.depth, p.uv_out, p.mask_out);
  check_launch("sample_uv");
}

}  // namespace poce
