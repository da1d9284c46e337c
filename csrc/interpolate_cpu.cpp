// interpolate, CPU: per-pixel attribute interpolation over the rasterizer's box only (the box the
// rasterizer drew, or the frame); outside it the outputs are plain zeros, written row by row on
// the pool of parallel.h.
#include <algorithm>

#include "interpolate.h"
#include "kernels.h"
#include "parallel.h"

namespace poce {

void interpolate_cpu(const InterpolateParams& p) {
  const Box box{p.box[0], p.box[1], p.box[2], p.box[3]};
  const int C = p.channels;
  parallel_for(p.height, grain_for(p.height, (2.0 + C) * p.width), [&](int64_t b, int64_t e) {
    for (int y = int(b); y < int(e); ++y) {
      const int64_t row = int64_t(y) * p.width;
      float* orow = p.out + row * C;
      float* mrow = p.mask + row;
      if (box.empty() || y < box.y0 || y >= box.y1) {
        std::fill_n(orow, int64_t(p.width) * C, 0.f);
        std::fill_n(mrow, p.width, 0.f);
        continue;
      }
      std::fill_n(orow, int64_t(box.x0) * C, 0.f);
      std::fill_n(mrow, box.x0, 0.f);
      std::fill_n(orow + int64_t(box.x1) * C, int64_t(p.width - box.x1) * C, 0.f);
      std::fill_n(mrow + box.x1, p.width - box.x1, 0.f);
      for (int x = box.x0; x < box.x1; ++x)
        interpolate_pixel(p.attr, p.nverts, C, p.tris, p.ntris, p.tri_id, p.bary, row + x, p.out, p.mask);
    }
  });
}

}  // namespace poce
