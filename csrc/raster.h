// The rasterizer's passes, shared by the CPU and CUDA versions: a depth test into 64-bit
// (depth << 32 | triangle id) words over the mesh's box (row stride box.w()), then a resolve of
// the words into triangle ids, barycentrics and depths.
#pragma once
#include "common.h"

namespace poce {

// Where a pass writes pixel (x, y): index (y - oy) * stride + (x - ox).
struct PixelMap {
  int64_t stride;
  int ox, oy;
  POCE_HD int64_t at(int x, int y) const { return int64_t(y - oy) * stride + (x - ox); }
};

// Depth-tests triangle t's covered pixel centres: depth_min(index by `map`, packed word, s, w)
// (w: the centre's edge values, for hit_pixel)
// for each (an atomic min where threads share the words; the packed min is order-independent,
// so the result is the same either way).
// Only rows [ylo, yhi) are drawn.
template <typename MinFn>
POCE_HD void raster_triangle(const float* verts, int nverts, const int* tris, int t, int height,
                             int width, int ylo, int yhi, const PixelMap& map, MinFn&& depth_min) {
  Tri2D s;
  if (!setup_tri(verts, nverts, tris, t, height, width, s)) return;
  int y0 = s.ymin > ylo ? s.ymin : ylo, y1 = s.ymax < yhi - 1 ? s.ymax : yhi - 1;
  const bool runs = runs_pay(s, s.xmin, s.xmax);
  const float r0 = runs ? edge_slant(s.e0) : 0.f, r1 = runs ? edge_slant(s.e1) : 0.f,
              r2 = runs ? edge_slant(s.e2) : 0.f;
  for (int y = y0; y <= y1; ++y) {
    float py = y + 0.5f;
    int xlo = s.xmin, xhi = s.xmax;
    if (runs) {  // the row's run of covered centres, found exactly (what the scan below finds)
      edge_run(s.e0, r0, 0.5f, py, xlo, xhi);
      edge_run(s.e1, r1, 0.5f, py, xlo, xhi);
      edge_run(s.e2, r2, 0.5f, py, xlo, xhi);
    }
    bool entered = false;
    for (int x = xlo; x <= xhi; ++x) {
      float z, w[3];
      if (!inside(s, x + 0.5f, py, w)) {
        // Along a row each float edge value is monotonic in x (so is the fill rule's test), so
        // the covered centres are one run: past it nothing more is covered.
        if (entered) break;
        continue;
      }
      entered = true;
      if (depth_at(s, w, z)) depth_min(map.at(x, y), pack_depth_tri(z, t), s, w, x, y);
    }
  }
}

}  // namespace poce
