// sample_uv, CPU: rasterize the posed mesh into a depth buffer, then one pass over the texels.
#include "kernels.h"
#include "sample_uv.h"

namespace poce {

void sample_uv_cpu(const uint8_t* image, int height, int width, const float* verts, int nverts,
                   const int* tris, int ntris, const float* uvs, const int* layout_tri,
                   const float* layout_bary, int size, float depth_tol, uint64_t* zbuf,
                   int* tri_id, float* bary, float* depth, float* uv_out, float* mask_out) {
  rasterize_cpu(verts, nverts, tris, ntris, height, width, zbuf, tri_id, bary, depth);
  const int64_t ntex = int64_t(size) * size;
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < ntex; ++k)
    sample_texel(int(k), image, height, width, verts, nverts, tris, ntris, uvs, layout_tri,
                 layout_bary, depth_tol, tri_id, depth, uv_out, mask_out);
}

}  // namespace poce
