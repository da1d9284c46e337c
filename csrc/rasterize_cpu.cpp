// Rasterizer, CPU: work over the mesh's box only (clear, depth test, outputs), in buffers kept
// across calls (no allocation or page fault in a steady state), on the pool of parallel.h.
#include <algorithm>
#include <cmath>
#include <memory>

#include "kernels.h"
#include "parallel.h"
#include "raster.h"
#include "scratch.h"

namespace poce {

namespace {

// Fills pixels [x0, x1) of row y with the empty values.
void fill_empty(const PixelMap& m, int y, int x0, int x1, int* tri_id, float* bary, float* depth) {
  if (x1 <= x0) return;
  int64_t i = m.at(x0, y);
  std::fill_n(tri_id + i, x1 - x0, -1);
  std::fill_n(bary + 3 * i, 3 * (x1 - x0), 0.f);
  if (depth) std::fill_n(depth + i, x1 - x0, INFINITY);
}

}  // namespace

Box mesh_box_cpu(const float* verts, int nverts, int height, int width) {
  float xlo = INFINITY, ylo = INFINITY, xhi = -INFINITY, yhi = -INFINITY;
  for (int i = 0; i < nverts; ++i) {
    const float* v = verts + 3 * i;
    if (!finite3(v[0], v[1], v[2])) continue;
    xlo = min_f(xlo, v[0]); xhi = max_f(xhi, v[0]);
    ylo = min_f(ylo, v[1]); yhi = max_f(yhi, v[1]);
  }
  if (!(xlo <= xhi)) return Box{0, 0, 0, 0};
  return clip_box(pixel_of(xlo, width), pixel_of(ylo, height), pixel_of(xhi, width),
                  pixel_of(yhi, height), height, width);
}

// Rows a triangle's vertices span (a superset of the rows it covers), [lo, hi]; empty if its
// indices are out of range.
void triangle_rows(const float* verts, int nverts, const int* tris, int t, int height, int* rows) {
  const int* ix = tris + 3 * t;
  rows[0] = 1; rows[1] = 0;
  if (ix[0] < 0 || ix[1] < 0 || ix[2] < 0 || ix[0] >= nverts || ix[1] >= nverts || ix[2] >= nverts) return;
  float a = verts[3 * ix[0] + 1], b = verts[3 * ix[1] + 1], c = verts[3 * ix[2] + 1];
  rows[0] = pixel_of(min_f(a, min_f(b, c)), height) - 1;
  rows[1] = pixel_of(max_f(a, max_f(b, c)), height) + 1;
}

void raster_cpu(const float* verts, int nverts, const int* tris, int ntris, int height, int width,
                const Box& box, uint64_t* zbuf, const PixelMap& out, int* tri_id, float* bary,
                float* depth) {
  // Threads split the box into bands of rows, each band drawn whole by one thread: no atomics,
  // and a pixel's outputs are written as soon as its word drops (the last write is the final
  // word's triangle: what a resolve pass would write), so there is no resolve pass. Every band
  // skips the triangles outside it by their row span; with one band that list is not needed.
  const int bw = box.w(), bh = box.h();
  const PixelMap local{bw, box.x0, box.y0};
  const double cost_ns = ntris * 80.0 + double(bw) * bh * 3.0;
  int nbands = cost_ns < 200e3 || num_threads() == 1 ? 1 : std::min(bh / 8, 4 * num_threads());
  nbands = std::max(nbands, 1);
  int* rows = nullptr;
  if (nbands > 1) {
    rows = scratch<int>(kScratchRows, 2 * size_t(ntris));
    parallel_for(ntris, grain_for(ntris, 4.0), [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t) triangle_rows(verts, nverts, tris, int(t), height, rows + 2 * t);
    });
  }
  parallel_for(nbands, 1, [&](int64_t b, int64_t e) {
    for (int64_t band = b; band < e; ++band) {
      const int y0 = box.y0 + int(bh * band / nbands), y1 = box.y0 + int(bh * (band + 1) / nbands);
      std::fill(zbuf + int64_t(y0 - box.y0) * bw, zbuf + int64_t(y1 - box.y0) * bw, kEmptyWord);
      for (int t = 0; t < ntris; ++t) {
        if (rows && (rows[2 * t + 1] < y0 || rows[2 * t] >= y1)) continue;
        raster_triangle(verts, nverts, tris, t, height, width, y0, y1, local,
                        [&](int64_t i, uint64_t w, const Tri2D& s, int x, int y) {
                          if (w >= zbuf[i]) return;
                          zbuf[i] = w;
                          int64_t o = out.at(x, y);
                          hit_pixel(s, t, verts, tris, x, y, tri_id + o, bary + 3 * o,
                                    depth ? depth + o : nullptr);
                        });
      }
      for (int y = y0; y < y1; ++y) {
        const uint64_t* row = zbuf + int64_t(y - box.y0) * bw - box.x0;
        for (int x = box.x0; x < box.x1; ++x)
          if (row[x] == kEmptyWord) {
            int64_t o = out.at(x, y);
            empty_pixel(tri_id + o, bary + 3 * o, depth ? depth + o : nullptr);
          }
      }
    }
  });
}

void rasterize_cpu(const float* verts, int nverts, const int* tris, int ntris, int height, int width,
                   int* tri_id, float* bary, float* depth, int* drawn) {
  Box box = mesh_box_cpu(verts, nverts, height, width);
  if (ntris == 0) box = Box{0, 0, 0, 0};
  uint64_t* zbuf = scratch<uint64_t>(kScratchZbuf, size_t(box.w()) * box.h());
  const PixelMap frame{width, 0, 0};
  raster_cpu(verts, nverts, tris, ntris, height, width, box, zbuf, frame, tri_id, bary, depth);
  // Empty values outside the box, over what may hold an earlier call's values (the whole frame
  // when unknown): rows of it outside the box whole, rows inside it left and right of the box.
  Box old{0, 0, width, height};
  if (drawn && drawn[0] == height && drawn[1] == width)
    old = clip_box(drawn[3], drawn[2], drawn[5] - 1, drawn[4] - 1, height, width);
  parallel_for(old.h(), grain_for(old.h(), 2.0 * old.w()), [&](int64_t b, int64_t e) {
    for (int y = old.y0 + int(b); y < old.y0 + int(e); ++y) {
      if (box.empty() || y < box.y0 || y >= box.y1) {
        fill_empty(frame, y, old.x0, old.x1, tri_id, bary, depth);
      } else {
        fill_empty(frame, y, old.x0, std::min(old.x1, box.x0), tri_id, bary, depth);
        fill_empty(frame, y, std::max(old.x0, box.x1), old.x1, tri_id, bary, depth);
      }
    }
  });
  if (drawn) {
    drawn[0] = height; drawn[1] = width;
    drawn[2] = box.y0; drawn[3] = box.x0; drawn[4] = box.y1; drawn[5] = box.x1;
  }
}

}  // namespace poce
