// Rasterizer, CPU: pass 1 depth-tests every covered pixel with a 64-bit atomic min of
// (depth | triangle id), one OpenMP thread per block of triangles; pass 2 unpacks the words.
#include "common.h"
#include "kernels.h"

namespace poce {

static inline void atomic_min_u64(uint64_t* addr, uint64_t value) {
  uint64_t cur = __atomic_load_n(addr, __ATOMIC_RELAXED);
  while (value < cur &&
         !__atomic_compare_exchange_n(addr, &cur, value, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
}

void rasterize_cpu(const float* verts, int nverts, const int* tris, int ntris, int height, int width,
                   uint64_t* zbuf, int* tri_id, float* bary, float* depth) {
  const int64_t npix = int64_t(height) * width;
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < npix; ++i) zbuf[i] = kEmptyWord;

#pragma omp parallel for schedule(dynamic, 64)
  for (int t = 0; t < ntris; ++t) {
    Tri2D s;
    if (!setup_tri(verts, nverts, tris, t, height, width, s)) continue;
    for (int y = s.ymin; y <= s.ymax; ++y) {
      for (int x = s.xmin; x <= s.xmax; ++x) {
        float z;
        if (cover(s, x + 0.5f, y + 0.5f, z))
          atomic_min_u64(&zbuf[int64_t(y) * width + x], pack_depth_tri(z, t));
      }
    }
  }

#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < npix; ++i) {
    int y = int(i / width), x = int(i % width);
    resolve_pixel(zbuf[i], verts, nverts, tris, height, width, x, y, &tri_id[i], &bary[3 * i],
                  &depth[i]);
  }
}

}  // namespace poce
