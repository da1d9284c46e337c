// Per-pixel work of render (Eq. 16), shared by the CPU and CUDA versions. Everything reads the
// mesh's raster over its box, in box-local pixels (row stride box.w()).
#pragma once
#include "common.h"

namespace poce {

// Four rotated-grid sub-samples per pixel (the pattern of 4x MSAA), as offsets in the pixel.
POCE_HD float subsample_x(int s) { return s == 0 ? 0.375f : s == 1 ? 0.875f : s == 2 ? 0.625f : 0.125f; }
POCE_HD float subsample_y(int s) { return s == 0 ? 0.125f : s == 1 ? 0.375f : s == 2 ? 0.875f : 0.625f; }

// The sub-sample pattern's extreme offsets (of subsample_x and subsample_y alike).
constexpr float kSampleMin = 0.125f, kSampleMax = 0.875f;

// Narrows [lo, hi] to the pixels of row y with a sub-sample that may pass edge e: those whose
// pattern corner furthest inside the edge passes it (edge values are monotonic in x and in y
// alike, so a sub-sample that passes means that corner passes too): edge_run's exact run of it.
// run: edge_slant(e).
POCE_HD void sample_run(const Edge& e, float run, int y, int& lo, int& hi) {
  float ox = -e.sign * e.dy > 0.f ? kSampleMax : kSampleMin;  // the value grows with x: the right
  float oy = e.sign * e.dx > 0.f ? kSampleMax : kSampleMin;   // ... with y: the bottom
  edge_run(e, run, ox, float(y) + oy, lo, hi);
}

// Per-pixel coverage word: bits 0-3 = sub-samples covered; kNeedsTest marks the pixels whose
// sub-samples are tested against the triangles (all but the interior ones).
constexpr uint32_t kAllSamples = 0xFu, kNeedsTest = 0x10u;

// bilinear (scale 1) into c channels of a texture of c - 2, the last two each texel's centre
// (j + 0.5, i + 0.5) (what poce_rt.ring_photo.with_positions stores there) worked out from the
// texel indices by bilinear's own arithmetic: the same values, bit for bit, from a texture a third
// smaller (the ring's: its reads from memory were a tenth of its render).
POCE_HD void bilinear_positions(const float* img, int h, int w, int c, float x, float y, float* out) {
  const int tc = c - 2;
  bilinear(img, h, w, tc, x, y, 1.f, out);
  const BilinearTaps t = bilinear_taps(h, w, x, y);
  const int x0 = t.x0, y0 = t.y0, x1 = t.x1, y1 = t.y1;
  const float ax = t.ax, ay = t.ay;
  float cx0 = float(x0) + 0.5f, cx1 = float(x1) + 0.5f, cy0 = float(y0) + 0.5f, cy1 = float(y1) + 0.5f;
  float top = cx0 + (cx1 - cx0) * ax;  // x: both rows alike (bot == top)
  out[tc] = (top + (top - top) * ay) * 1.f;
  float upper = cy0 + (cy0 - cy0) * ax, lower = cy1 + (cy1 - cy1) * ax;  // y: alike along each row
  out[tc + 1] = (upper + (lower - upper) * ay) * 1.f;
}

// Colour of triangle `tri` at barycentrics (b0, b1, b2): interpolate the vertex UVs, then a
// bilinear texture read (texel centres at (i + 0.5) / S) into `channels`; positions: the texture
// has channels - 2, the last two worked out (bilinear_positions).
POCE_HD void shade(const float* texture, int size, int channels, const float* uvs, const int* tri,
                   float b0, float b1, float b2, float* out, bool positions = false) {
  const float* u0 = uvs + 2 * tri[0];
  const float* u1 = uvs + 2 * tri[1];
  const float* u2 = uvs + 2 * tri[2];
  float u = b0 * u0[0] + b1 * u1[0] + b2 * u2[0];
  float v = b0 * u0[1] + b1 * u1[1] + b2 * u2[1];
  if (positions)
    bilinear_positions(texture, size, size, channels, u * size, v * size, out);
  else
    bilinear(texture, size, size, channels, u * size, v * size, 1.f, out);
}

// Interior pixels (the centres of all 3x3 neighbours covered, deep inside the face) are fully
// covered; every other pixel of the box gets its sub-samples tested.
POCE_HD uint32_t coverage_seed(const int* tri_id, int bw, int bh, int lx, int ly) {
  for (int dy = -1; dy <= 1; ++dy)
    for (int dx = -1; dx <= 1; ++dx) {
      int xx = lx + dx, yy = ly + dy;
      if (xx < 0 || yy < 0 || xx >= bw || yy >= bh || tri_id[int64_t(yy) * bw + xx] < 0) return kNeedsTest;
    }
  return kAllSamples;
}

// Sub-sample coverage of triangle t, as MSAA counts it: every sub-sample of a tested pixel
// that t covers (fill rule) sets its bit, whichever triangle owns the pixel centre (on a dense
// mesh many edge sub-samples belong to triangles that own no centre). Where the centre is empty,
// `sub` keeps the nearest (depth, t, sub-sample) for the pixel's colour; it starts empty there
// (the depth test's own empty word).
// tested(x, y): the first pixel at or after x on row y that may need its sub-samples tested (x
// itself will do; the CPU skips the ones kNeedsTest leaves out), past the box if none.
template <typename OrFn, typename MinFn, typename NextFn>
POCE_HD void subsample_triangle(const float* verts, int nverts, const int* tris, int t, const Box& box,
                                const int* tri_id, const uint32_t* cov, OrFn&& cov_or, MinFn&& sub_min,
                                NextFn&& tested) {
  Tri2D s;
  if (!setup_shape(verts, nverts, tris, t, s)) return;
  const int bw = box.w();
  int x0 = pixel_of(min_f(s.x0, min_f(s.x1, s.x2)), box.x1), x1 = pixel_of(max_f(s.x0, max_f(s.x1, s.x2)), box.x1);
  int y0 = pixel_of(min_f(s.y0, min_f(s.y1, s.y2)), box.y1), y1 = pixel_of(max_f(s.y0, max_f(s.y1, s.y2)), box.y1);
  x0 = x0 < box.x0 ? box.x0 : x0; y0 = y0 < box.y0 ? box.y0 : y0;
  x1 = x1 >= box.x1 ? box.x1 - 1 : x1; y1 = y1 >= box.y1 ? box.y1 - 1 : y1;
  const bool runs = runs_pay(s, x0, x1);
  const float r0 = runs ? edge_slant(s.e0) : 0.f, r1 = runs ? edge_slant(s.e1) : 0.f,
              r2 = runs ? edge_slant(s.e2) : 0.f;
  for (int y = y0; y <= y1; ++y) {
    const int first = tested(x0, y);
    if (first > x1) continue;  // nothing to test on this row (inside the mesh)
    int xlo = first, xhi = x1;
    if (runs) {  // skip the pixels where no sub-sample can pass all three edges
      sample_run(s.e0, r0, y, xlo, xhi);
      sample_run(s.e1, r1, y, xlo, xhi);
      sample_run(s.e2, r2, y, xlo, xhi);
    }
    for (int x = tested(xlo, y); x <= xhi; x = tested(x + 1, y)) {
      int64_t q = int64_t(y - box.y0) * bw + (x - box.x0);
      uint32_t c = cov[q];
      if (!(c & kNeedsTest)) continue;
      bool centre = tri_id[q] >= 0;
      if (centre && (c & kAllSamples) == kAllSamples) continue;
      uint32_t bits = 0;
      for (int k = 0; k < 4; ++k) {
        float z;
        if (!cover(s, x + subsample_x(k), y + subsample_y(k), z)) continue;
        bits |= 1u << k;
        if (!centre && t < (1 << 29)) sub_min(q, pack_depth_tri(z, t * 4 + k));
      }
      if (bits & ~c) cov_or(q, bits);
    }
  }
}

template <typename OrFn, typename MinFn>
POCE_HD void subsample_triangle(const float* verts, int nverts, const int* tris, int t, const Box& box,
                                const int* tri_id, const uint32_t* cov, OrFn&& cov_or, MinFn&& sub_min) {
  subsample_triangle(verts, nverts, tris, t, box, tri_id, cov, cov_or, sub_min, [](int x, int) { return x; });
}

// Pixel (x, y) of the box, written at index p of the frame's outputs: colour from the triangle
// under the centre; alpha = covered sub-samples / 4 (at least 1/4 where the centre is covered,
// so a sliver owning a centre is never fully transparent). Silhouette pixels whose centre misses
// the mesh take the colour of the nearest triangle covering one of their sub-samples, so the soft
// edge carries the face's colour rather than black.
POCE_HD void render_pixel(int x, int y, const Box& box, const float* texture, int size, int channels,
                          const float* verts, int nverts, const int* tris, const float* uvs,
                          const int* tri_id, const float* bary, const uint32_t* cov,
                          const uint64_t* sub, int64_t p, float* rgb, float* alpha, bool positions = false) {
  int64_t q = int64_t(y - box.y0) * box.w() + (x - box.x0);
  float* out = rgb + p * channels;
  for (int k = 0; k < channels; ++k) out[k] = 0.f;
  uint32_t c = cov[q] & kAllSamples;
  float a = float((c & 1u) + ((c >> 1) & 1u) + ((c >> 2) & 1u) + ((c >> 3) & 1u)) * 0.25f;
  int t = tri_id[q];
  if (t >= 0) {
    const float* b = bary + 3 * q;
    shade(texture, size, channels, uvs, tris + 3 * t, b[0], b[1], b[2], out, positions);
    alpha[p] = a < 0.25f ? 0.25f : a;
    return;
  }
  alpha[p] = a;
  uint64_t w = sub[q];
  if (w == kEmptyWord) return;
  int u = int(uint32_t(w & 0xffffffffu)) >> 2, k = int(w & 3u);
  Tri2D s;
  if (!setup_shape(verts, nverts, tris, u, s)) return;
  float b0, b1, b2;
  barycentric(s, x + subsample_x(k), y + subsample_y(k), b0, b1, b2);
  shade(texture, size, channels, uvs, tris + 3 * u, b0, b1, b2, out, positions);
}

}  // namespace poce
