// sample_uv, CPU: rasterize the posed mesh over its box, then one pass over the texels.
#include "kernels.h"
#include "parallel.h"
#include "raster.h"
#include "sample_uv.h"
#include "scratch.h"

namespace poce {

void sample_uv_cpu(const uint8_t* image, int height, int width, const float* verts, int nverts,
                   const int* tris, int ntris, const float* uvs, const int* layout_tri,
                   const float* layout_bary, int size, float depth_tol, float* uv_out,
                   float* mask_out) {
  Box box = ntris > 0 ? mesh_box_cpu(verts, nverts, height, width) : Box{0, 0, 0, 0};
  const size_t nbox = size_t(box.w()) * box.h();
  uint64_t* zbuf = scratch<uint64_t>(kScratchZbuf, nbox);
  int* tri_id = scratch<int>(kScratchTriId, nbox);
  float* bary = scratch<float>(kScratchBary, 3 * nbox);
  float* depth = scratch<float>(kScratchDepth, nbox);
  raster_cpu(verts, nverts, tris, ntris, height, width, box, zbuf, PixelMap{box.w(), box.x0, box.y0},
             tri_id, bary, depth);
  const int64_t ntex = int64_t(size) * size;
  parallel_for(ntex, grain_for(ntex, 25.0), [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k)
      sample_texel(int(k), image, height, width, verts, nverts, tris, ntris, uvs, layout_tri,
                   layout_bary, depth_tol, box, tri_id, depth, uv_out, mask_out);
  });
}

}  // namespace poce
