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
  // The box is drawn in bands of rows, each band whole by one thread: no atomics, and a pixel's
  // outputs are written as soon as its word drops (the last write is the final word's triangle:
  // what a resolve pass would write), so there is no resolve pass. Triangles are binned to the
  // bands their rows span. Bands keep their depth words in cache (~512 KB) where triangles are
  // large (per-pixel work dominates), and feed the threads where the work is worth splitting;
  // a dense mesh on one thread is drawn as one band (binning would cost more than it saves).
  const int bw = box.w(), bh = box.h();
  const PixelMap local{bw, box.x0, box.y0};
  const double npix = double(bw) * bh, cost_ns = ntris * 80.0 + npix * 3.0;
  int want = 1;
  if (npix > 16.0 * ntris) want = int(npix / 65536) + 1;
  const int threads = usable_threads();
  if (threads > 1 && cost_ns > 300e3) want = std::max(want, 2 * threads);
  const int band_rows = std::max(8, (bh + want - 1) / std::max(want, 1));
  const int nbands = std::max(1, (bh + band_rows - 1) / band_rows);
  const int* order = nullptr;  // triangles of band b: order[start[b] .. start[b + 1])
  const int* start = nullptr;
  if (nbands > 1) {
    int* rows = scratch<int>(kScratchRows, 2 * size_t(ntris));
    int* first = scratch<int>(kScratchBins, size_t(nbands) + 1);
    std::fill_n(first, nbands + 1, 0);
    auto band_of = [&](int y) { return std::clamp((y - box.y0) / band_rows, 0, nbands - 1); };
    parallel_for(ntris, grain_for(ntris, 10.0), [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t) {
        int* r = rows + 2 * t;
        triangle_rows(verts, nverts, tris, int(t), height, r);
        if (r[1] < box.y0 || r[0] >= box.y1 || r[0] > r[1]) { r[0] = 1; r[1] = 0; }  // no band
      }
    });
    for (int t = 0; t < ntris; ++t)
      if (rows[2 * t] <= rows[2 * t + 1])
        for (int b = band_of(rows[2 * t]); b <= band_of(rows[2 * t + 1]); ++b) ++first[b + 1];
    for (int b = 0; b < nbands; ++b) first[b + 1] += first[b];
    int* list = scratch<int>(kScratchOrder, size_t(first[nbands]) + 1);
    int* fill = scratch<int>(kScratchFill, size_t(nbands));
    std::copy_n(first, nbands, fill);
    for (int t = 0; t < ntris; ++t) {
      if (rows[2 * t] > rows[2 * t + 1]) continue;
      for (int b = band_of(rows[2 * t]); b <= band_of(rows[2 * t + 1]); ++b) list[fill[b]++] = t;
    }
    order = list;
    start = first;
  }
  parallel_for(nbands, grain_for(nbands, cost_ns / nbands), [&](int64_t b, int64_t e) {
    for (int64_t band = b; band < e; ++band) {
      const int y0 = box.y0 + int(band) * band_rows, y1 = std::min(box.y1, y0 + band_rows);
      std::fill(zbuf + int64_t(y0 - box.y0) * bw, zbuf + int64_t(y1 - box.y0) * bw, kEmptyWord);
      const int n = order ? start[band + 1] - start[band] : ntris;
      for (int k = 0; k < n; ++k) {
        const int t = order ? order[start[band] + k] : k;
        raster_triangle(verts, nverts, tris, t, height, width, y0, y1, local,
                        [&](int64_t i, uint64_t word, const Tri2D& s, const float* w, int x, int y) {
                          if (word >= zbuf[i]) return;
                          zbuf[i] = word;
                          int64_t o = out.at(x, y);
                          hit_pixel(s, t, w, tri_id + o, bary + 3 * o, depth ? depth + o : nullptr);
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
