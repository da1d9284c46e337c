// sample_uv, CPU: rasterize the posed mesh over its box, then one pass over the texels.
#include "kernels.h"
#include "parallel.h"
#include "raster.h"
#include "sample_uv.h"
#include "scratch.h"

namespace poce {

void sample_uv_cpu(const SampleUVParams& p) {
  Box box =
      p.mesh.ntris > 0 ? mesh_box_cpu(p.mesh.verts, p.mesh.nverts, p.height, p.width) : Box{0, 0, 0, 0};
  const size_t nbox = size_t(box.w()) * box.h();
  uint64_t* zbuf = scratch<uint64_t>(kScratchZbuf, nbox);
  int* tri_id = scratch<int>(kScratchTriId, nbox);
  float* bary = scratch<float>(kScratchBary, 3 * nbox);
  float* depth = scratch<float>(kScratchDepth, nbox);
  raster_cpu(p.mesh.verts, p.mesh.nverts, p.mesh.tris, p.mesh.ntris, p.height, p.width, box, zbuf,
             PixelMap{box.w(), box.x0, box.y0}, tri_id, bary, depth);
  const int64_t ntex = int64_t(p.size) * p.size;
  parallel_for(ntex, grain_for(ntex, 25.0), [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k)
      sample_texel(int(k), p.image, p.height, p.width, p.mesh.verts, p.mesh.nverts, p.mesh.tris,
                   p.mesh.ntris, p.uvs, p.layout_tri, p.layout_bary, p.depth_tol, box, tri_id, depth,
                   p.uv_out, p.mask_out);
  });
}

}  // namespace poce
