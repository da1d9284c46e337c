// render, CPU: rasterize the posed mesh over its box, test the sub-samples of the pixels off the
// interior, shade the box; outside it the outputs are plain zeros.
#include <algorithm>

#include "kernels.h"
#include "parallel.h"
#include "raster.h"
#include "render.h"
#include "scratch.h"

namespace poce {

void render_cpu(const RenderParams& p) {
  Box box =
      p.mesh.ntris > 0 ? mesh_box_cpu(p.mesh.verts, p.mesh.nverts, p.height, p.width) : Box{0, 0, 0, 0};
  const int bw = box.w(), bh = box.h();
  const size_t nbox = size_t(bw) * bh;
  uint64_t* zbuf = scratch<uint64_t>(kScratchZbuf, nbox);
  int* tri_id = scratch<int>(kScratchTriId, nbox);
  float* bary = scratch<float>(kScratchBary, 3 * nbox);
  uint32_t* cov = scratch<uint32_t>(kScratchCov, nbox);
  raster_cpu(p.mesh.verts, p.mesh.nverts, p.mesh.tris, p.mesh.ntris, p.height, p.width, box, zbuf,
             PixelMap{bw, box.x0, box.y0}, tri_id, bary, nullptr);
  parallel_for(bh, grain_for(bh, 4.0 * bw), [&](int64_t b, int64_t e) {
    for (int ly = int(b); ly < int(e); ++ly)
      for (int lx = 0; lx < bw; ++lx) cov[int64_t(ly) * bw + lx] = coverage_seed(tri_id, bw, bh, lx, ly);
  });
  // zbuf now serves as `sub`: its words are empty exactly where the centre is.
  parallel_for(p.mesh.ntris, grain_for(p.mesh.ntris, 60.0), [&](int64_t b, int64_t e) {
    bool alone = b == 0 && e == p.mesh.ntris;
    for (int64_t t = b; t < e; ++t)
      subsample_triangle(
          p.mesh.verts, p.mesh.nverts, p.mesh.tris, int(t), box, tri_id, cov,
          [&](int64_t q, uint32_t bits) {
            if (alone) cov[q] |= bits; else __atomic_fetch_or(cov + q, bits, __ATOMIC_RELAXED);
          },
          [&](int64_t q, uint64_t w) {
            if (alone) { if (w < zbuf[q]) zbuf[q] = w; } else atomic_min_u64(zbuf + q, w);
          });
  });
  parallel_for(p.height, grain_for(p.height, 12.0 * p.width), [&](int64_t b, int64_t e) {
    for (int y = int(b); y < int(e); ++y) {
      float* rrow = p.rgb + int64_t(y) * p.width * p.channels;
      float* arow = p.alpha + int64_t(y) * p.width;
      if (box.empty() || y < box.y0 || y >= box.y1) {
        std::fill_n(rrow, int64_t(p.width) * p.channels, 0.f);
        std::fill_n(arow, p.width, 0.f);
        continue;
      }
      std::fill_n(rrow, int64_t(box.x0) * p.channels, 0.f);
      std::fill_n(arow, box.x0, 0.f);
      std::fill_n(rrow + int64_t(box.x1) * p.channels, int64_t(p.width - box.x1) * p.channels, 0.f);
      std::fill_n(arow + box.x1, p.width - box.x1, 0.f);
      for (int x = box.x0; x < box.x1; ++x)
        render_pixel(x, y, box, p.texture, p.size, p.channels, p.mesh.verts, p.mesh.nverts, p.mesh.tris,
                     p.uvs, tri_id, bary, cov, zbuf, int64_t(y) * p.width + x, p.rgb, p.alpha);
    }
  });
}

}  // namespace poce
