// Shared, header-only pieces of the kernels: compiled into both the CPU (.cpp) and CUDA (.cu)
// translation units so the two implementations run the very same arithmetic.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#ifdef __CUDACC__
#define POCE_HD __host__ __device__ __forceinline__
#else
// Forced: a small helper left out of line returns its struct through the stack, and the
// store-to-load forwarding stall of that copy cost the rasterizer a third of its time.
#define POCE_HD inline __attribute__((always_inline))
#endif

namespace poce {

constexpr uint64_t kEmptyWord = ~0ull;

POCE_HD uint32_t float_bits(float f) {
#ifdef __CUDA_ARCH__
  return __float_as_uint(f);
#else
  uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  return u;
#endif
}

// Map a float to a uint32 whose unsigned order is the float order, so that a 64-bit
// (depth << 32 | triangle id) word can be depth-tested with one integer min, and equal depths
// fall back to the lower triangle id (deterministic ties on CPU and GPU alike).
POCE_HD uint32_t ordered_depth(float z) {
  uint32_t u = float_bits(z);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

POCE_HD uint64_t pack_depth_tri(float z, int tri) {
  return (uint64_t(ordered_depth(z)) << 32) | uint64_t(uint32_t(tri));
}

// min, max, floor and ceil for finite values: plain compares and conversions, where fminf and
// friends are libm calls on the CPU (they honour NaN; the callers here have ruled NaN out).
POCE_HD float min_f(float a, float b) { return a < b ? a : b; }
POCE_HD float max_f(float a, float b) { return a > b ? a : b; }
POCE_HD int floor_i(float v) { int i = (int)v; return i - (v < float(i) ? 1 : 0); }  // |v| < 2^31
POCE_HD int ceil_i(float v) { int i = (int)v; return i + (v > float(i) ? 1 : 0); }

POCE_HD bool finite3(float a, float b, float c) {
  return std::isfinite(a) && std::isfinite(b) && std::isfinite(c);
}

POCE_HD float edge_raw(float ax, float ay, float bx, float by, float px, float py) {
  return (bx - ax) * (py - ay) - (by - ay) * (px - ax);
}

// Edge function evaluated from a canonical endpoint order, so the two triangles sharing an edge
// get exactly opposite values (float rounding depends on which end is the reference point);
// with the fill rule this makes shared edges watertight.
POCE_HD float edge_fn(float ax, float ay, float bx, float by, float px, float py) {
  bool flip = (ax > bx) || (ax == bx && ay > by);
  return flip ? -edge_raw(bx, by, ax, ay, px, py) : edge_raw(ax, ay, bx, by, px, py);
}

// An edge prepared once per triangle: edge_fn's canonical endpoint order (origin o, direction d)
// and its sign, so that edge_at(e, p) equals edge_fn(a, b, p) bit for bit (the same operations in
// the same order; the sign flip is exact) without the per-pixel branch.
struct Edge {
  float ox, oy, dx, dy, sign;
  bool tl;  // top or left edge (fill rule)
};

// A screen-space triangle ready for edge tests. The vertices are reordered to one winding
// (so the edge functions are positive inside); `swapped` remembers it to give barycentrics
// back in the caller's vertex order.
struct Tri2D {
  float x0, y0, x1, y1, x2, y2;
  float z0, z1, z2;
  float inv_area;
  bool swapped;
  int xmin, xmax, ymin, ymax;  // pixel bounding box, clipped to the image, inclusive
  Edge e0, e1, e2;             // v1->v2, v2->v0, v0->v1
};

POCE_HD float edge_at(const Edge& e, float px, float py) {
  return e.sign * (e.dx * (py - e.oy) - e.dy * (px - e.ox));
}

// Top-left fill rule for the positive winding (image y grows down): a pixel centre that lies
// exactly on an edge belongs to the triangle only if the edge is a top or a left edge, so
// shared edges are drawn once.
POCE_HD bool top_left(float ax, float ay, float bx, float by) {
  float dx = bx - ax, dy = by - ay;
  return (dy == 0.f && dx > 0.f) || dy < 0.f;
}

// Branch-free (bitwise tests, selects): on a mesh the flips are data-dependent and a mispredicted
// branch per edge cost more than the rest of the setup.
POCE_HD Edge make_edge(float ax, float ay, float bx, float by) {
  bool flip = (ax > bx) | ((ax == bx) & (ay > by));
  Edge e;
  e.ox = flip ? bx : ax;
  e.oy = flip ? by : ay;
  e.dx = (flip ? ax : bx) - (flip ? bx : ax);
  e.dy = (flip ? ay : by) - (flip ? by : ay);
  e.sign = flip ? -1.f : 1.f;
  float dx = bx - ax, dy = by - ay;
  e.tl = ((dy == 0.f) & (dx > 0.f)) | (dy < 0.f);
  return e;
}

// Reads triangle t and prepares its edges. Returns false for triangles to skip: indices out of
// range, non-finite coordinates or zero area. (Sub-sample tests use it as is: a sliver that owns
// no pixel centre still covers sub-samples.)
POCE_HD bool setup_shape(const float* verts, int nverts, const int* tris, int t, Tri2D& s) {
  int i0 = tris[3 * t], i1 = tris[3 * t + 1], i2 = tris[3 * t + 2];
  if (i0 < 0 || i1 < 0 || i2 < 0 || i0 >= nverts || i1 >= nverts || i2 >= nverts) return false;
  const float* a = verts + 3 * i0;
  const float* b = verts + 3 * i1;
  const float* c = verts + 3 * i2;
  if (!finite3(a[0], a[1], a[2]) || !finite3(b[0], b[1], b[2]) || !finite3(c[0], c[1], c[2]))
    return false;
  float area = edge_fn(a[0], a[1], b[0], b[1], c[0], c[1]);
  if (!(area != 0.f) || !std::isfinite(area)) return false;
  s.swapped = area < 0.f;
  const float* v1 = s.swapped ? c : b;
  const float* v2 = s.swapped ? b : c;
  s.x0 = a[0]; s.y0 = a[1]; s.z0 = a[2];
  s.x1 = v1[0]; s.y1 = v1[1]; s.z1 = v1[2];
  s.x2 = v2[0]; s.y2 = v2[1]; s.z2 = v2[2];
  s.inv_area = 1.f / fabsf(area);
  s.e0 = make_edge(s.x1, s.y1, s.x2, s.y2);
  s.e1 = make_edge(s.x2, s.y2, s.x0, s.y0);
  s.e2 = make_edge(s.x0, s.y0, s.x1, s.y1);
  return true;
}

// setup_shape, plus the box of pixel centres it can cover; false also when that is empty
// (entirely off-screen, or a sliver between pixel centres).
POCE_HD bool setup_tri(const float* verts, int nverts, const int* tris, int t, int height, int width,
                       Tri2D& s) {
  if (!setup_shape(verts, nverts, tris, t, s)) return false;
  float fxmin = min_f(s.x0, min_f(s.x1, s.x2)), fxmax = max_f(s.x0, max_f(s.x1, s.x2));
  float fymin = min_f(s.y0, min_f(s.y1, s.y2)), fymax = max_f(s.y0, max_f(s.y1, s.y2));
  // Pixel (x, y) has its centre at (x + 0.5, y + 0.5). The clamps keep the conversions in range
  // without changing the clipped result.
  if (fxmax < 0.f || fymax < 0.f || fxmin > float(width) || fymin > float(height)) return false;
  s.xmin = ceil_i(max_f(fxmin - 0.5f, -1.f));
  s.xmax = floor_i(min_f(fxmax - 0.5f, float(width)));
  s.ymin = ceil_i(max_f(fymin - 0.5f, -1.f));
  s.ymax = floor_i(min_f(fymax - 0.5f, float(height)));
  s.xmin = s.xmin < 0 ? 0 : s.xmin;
  s.ymin = s.ymin < 0 ? 0 : s.ymin;
  s.xmax = s.xmax > width - 1 ? width - 1 : s.xmax;
  s.ymax = s.ymax > height - 1 ? height - 1 : s.ymax;
  return s.xmin <= s.xmax && s.ymin <= s.ymax;
}

// Barycentrics of point (px, py) in the caller's vertex order; no inside test.
POCE_HD void barycentric(const Tri2D& s, float px, float py, float& b0, float& b1, float& b2) {
  float w0 = edge_at(s.e0, px, py) * s.inv_area;
  float w1 = edge_at(s.e1, px, py) * s.inv_area;
  float w2 = edge_at(s.e2, px, py) * s.inv_area;
  b0 = w0;
  b1 = s.swapped ? w2 : w1;
  b2 = s.swapped ? w1 : w2;
}

// Inside test with the fill rule at point (px, py); w receives the three edge values
// (barycentrics times the area).
POCE_HD bool inside(const Tri2D& s, float px, float py, float* w) {
  w[0] = edge_at(s.e0, px, py);
  w[1] = edge_at(s.e1, px, py);
  w[2] = edge_at(s.e2, px, py);
  bool in0 = w[0] > 0.f || (w[0] == 0.f && s.e0.tl);
  bool in1 = w[1] > 0.f || (w[1] == 0.f && s.e1.tl);
  bool in2 = w[2] > 0.f || (w[2] == 0.f && s.e2.tl);
  return in0 && in1 && in2;
}

// Whether point (px, py) passes edge e's test of inside() (the fill rule's tie included).
POCE_HD bool edge_passes(const Edge& e, float px, float py) {
  float v = edge_at(e, px, py);
  return v > 0.f || (v == 0.f && e.tl);
}

// The row crossing of edge e's line, x = ox + run * (y - oy): run = dx / dy, 0 for an edge along
// the rows (edge_run's starting point; float is close enough for that).
POCE_HD float edge_slant(const Edge& e) { return e.dy != 0.f ? e.dx / e.dy : 0.f; }

// Narrows [lo, hi] to the pixels x whose point (x + off, py) passes edge e's test (lo > hi when
// none does); run: edge_slant(e). Along a row the float edge value is monotonic in x (x + off, the
// subtraction, the product and the difference each round monotonically; no fused multiply-add:
// -ffp-contract=off, --fmad=false), so the pixels that pass
// are one run open on one side: its end is found exactly by the test itself, stepped to from where
// the edge's line crosses the row (a step or two away). A scan of the row finds the same run pixel
// by pixel; this costs a few edge values a row however long the row (issue 15: the head proxy's
// long, slanted ring triangles scanned most of their boxes).
POCE_HD void edge_run(const Edge& e, float run, float off, float py, int& lo, int& hi) {
  if (lo > hi) return;
  const float slope = -e.sign * e.dy;  // the sign of d(value)/dx
  if (slope == 0.f) {                   // along the row: all of it passes or none
    if (!edge_passes(e, float(lo) + off, py)) hi = lo - 1;
    return;
  }
  float cross = e.ox + run * (py - e.oy) - off;
  // kept in [lo - 1, hi + 1] (NaN at lo - 1) before the conversion; only a starting point
  float c = cross >= float(lo - 1) ? (cross <= float(hi + 1) ? cross : float(hi + 1)) : float(lo - 1);
  int x = floor_i(c);
  if (slope > 0.f) {  // passes from some x on: the first that does
    x = x + 1 < lo ? lo : (x + 1 > hi + 1 ? hi + 1 : x + 1);
    if (x > hi || edge_passes(e, float(x) + off, py)) {
      while (x > lo && edge_passes(e, float(x - 1) + off, py)) --x;
    } else {
      do ++x; while (x <= hi && !edge_passes(e, float(x) + off, py));
    }
    lo = x;
  } else {            // passes up to some x: the last that does
    x = x < lo - 1 ? lo - 1 : (x > hi ? hi : x);
    if (x < lo || edge_passes(e, float(x) + off, py)) {
      while (x < hi && edge_passes(e, float(x + 1) + off, py)) ++x;
    } else {
      do --x; while (x >= lo && !edge_passes(e, float(x) + off, py));
    }
    hi = x;
  }
}

// Triangles whose box is narrower than this are scanned pixel by pixel: edge_run's few edge values
// a row cost about what the scan does there (measured on the head proxy's smaller rings).
constexpr int kRunMinWidth = 16;
// Vertex coordinates up to this size keep every edge value finite (no inf - inf), which
// edge_run's monotonic values need; a mesh past it is scanned.
constexpr float kRunMaxCoord = 1e7f;

// Whether triangle s's rows are narrowed with edge_run: boxes wide enough, coordinates sane.
POCE_HD bool runs_pay(const Tri2D& s, int xmin, int xmax) {
  float m = max_f(max_f(max_f(fabsf(s.x0), fabsf(s.y0)), max_f(fabsf(s.x1), fabsf(s.y1))),
                  max_f(fabsf(s.x2), fabsf(s.y2)));
  return xmax - xmin + 1 >= kRunMinWidth && m < kRunMaxCoord;
}

// Depth at a point inside, from its edge values; false if not finite.
POCE_HD bool depth_at(const Tri2D& s, const float* w, float& z) {
  z = (w[0] * s.z0 + w[1] * s.z1 + w[2] * s.z2) * s.inv_area;
  return std::isfinite(z);
}

// Inside test with the fill rule at pixel centre (px, py); on success writes the depth.
POCE_HD bool cover(const Tri2D& s, float px, float py, float& z) {
  float w[3];
  return inside(s, px, py, w) && depth_at(s, w, z);
}

// The pixels a mesh can touch: those whose footprint [x, x+1) x [y, y+1) meets the bounding box
// of its finite vertices, clipped to the frame (half-open). Every pixel centre and sub-sample a
// triangle covers lies inside, so the kernels work, clear and resolve over this box only.
struct Box {
  int x0, y0, x1, y1;
  POCE_HD int w() const { return x1 > x0 ? x1 - x0 : 0; }
  POCE_HD int h() const { return y1 > y0 ? y1 - y0 : 0; }
  POCE_HD bool empty() const { return w() == 0 || h() == 0; }
};

// A vertex coordinate -> the pixel whose footprint holds it, kept in [-1, n] (no int overflow).
POCE_HD int pixel_of(float v, int n) { return floor_i(min_f(max_f(v, -1.f), float(n))); }

// Box of pixels [lo, hi] (inclusive footprints) clipped to the frame.
POCE_HD Box clip_box(int xlo, int ylo, int xhi, int yhi, int height, int width) {
  Box b;
  b.x0 = xlo < 0 ? 0 : xlo;
  b.y0 = ylo < 0 ? 0 : ylo;
  b.x1 = xhi + 1 > width ? width : xhi + 1;
  b.y1 = yhi + 1 > height ? height : yhi + 1;
  if (b.x1 < b.x0) b.x1 = b.x0;
  if (b.y1 < b.y0) b.y1 = b.y0;
  return b;
}

// Triangle t (set up in `s`) won a pixel whose centre has edge values w: its id, barycentrics
// (as barycentric() computes them) and depth, in the caller's vertex order.
POCE_HD void hit_pixel(const Tri2D& s, int t, const float* w, int* tri_out, float* bary_out,
                       float* depth_out) {
  float b0 = w[0] * s.inv_area, c1 = w[1] * s.inv_area, c2 = w[2] * s.inv_area;
  float b1 = s.swapped ? c2 : c1, b2 = s.swapped ? c1 : c2;
  *tri_out = t;
  bary_out[0] = b0; bary_out[1] = b1; bary_out[2] = b2;
  if (depth_out) *depth_out = b0 * s.z0 + b1 * (s.swapped ? s.z2 : s.z1) + b2 * (s.swapped ? s.z1 : s.z2);
}

POCE_HD void empty_pixel(int* tri_out, float* bary_out, float* depth_out) {
  *tri_out = -1;
  bary_out[0] = bary_out[1] = bary_out[2] = 0.f;
  if (depth_out) *depth_out = INFINITY;
}

// Second pass for one pixel: the packed word -> triangle id, barycentrics, depth. `cache` holds
// the last triangle set up (consecutive pixels mostly share one): pass cache_t = -1 first.
POCE_HD void resolve_pixel(uint64_t word, const float* verts, int nverts, const int* tris, int height,
                           int width, int x, int y, Tri2D& cache, int& cache_t, int* tri_out,
                           float* bary_out, float* depth_out) {
  int t = (word == kEmptyWord) ? -1 : int(uint32_t(word & 0xffffffffu));
  if (t >= 0 && t != cache_t) cache_t = setup_tri(verts, nverts, tris, t, height, width, cache) ? t : -1;
  if (t >= 0 && t == cache_t) {
    float px = x + 0.5f, py = y + 0.5f;
    float w[3] = {edge_at(cache.e0, px, py), edge_at(cache.e1, px, py), edge_at(cache.e2, px, py)};
    hit_pixel(cache, t, w, tri_out, bary_out, depth_out);
  } else
    empty_pixel(tri_out, bary_out, depth_out);
}

// The four texels a bilinear read of an HxW image at continuous pixel coordinates (x, y) takes,
// where pixel (i, j) has its centre at (j + 0.5, i + 0.5), and their weights; clamps at the borders.
struct BilinearTaps {
  int x0, y0, x1, y1;
  float ax, ay;
};

POCE_HD BilinearTaps bilinear_taps(int h, int w, float x, float y) {
  // max_f first: it turns NaN into 0 as fmaxf does (without the libm call); then fx >= 0, so
  // truncation is the floor.
  float fx = min_f(max_f(x - 0.5f, 0.f), float(w - 1));
  float fy = min_f(max_f(y - 0.5f, 0.f), float(h - 1));
  BilinearTaps t;
  t.x0 = (int)fx;
  t.y0 = (int)fy;
  t.x1 = t.x0 + 1 < w ? t.x0 + 1 : w - 1;
  t.y1 = t.y0 + 1 < h ? t.y0 + 1 : h - 1;
  t.ax = fx - t.x0;
  t.ay = fy - t.y0;
  return t;
}

// Bilinear sample of an HxWxC float image at continuous pixel coordinates (bilinear_taps').
template <typename T>
POCE_HD void bilinear(const T* img, int h, int w, int c, float x, float y, float scale, float* out) {
  const BilinearTaps t = bilinear_taps(h, w, x, y);
  const int x0 = t.x0, y0 = t.y0, x1 = t.x1, y1 = t.y1;
  const float ax = t.ax, ay = t.ay;
  for (int k = 0; k < c; ++k) {
    float v00 = float(img[(size_t(y0) * w + x0) * c + k]);
    float v01 = float(img[(size_t(y0) * w + x1) * c + k]);
    float v10 = float(img[(size_t(y1) * w + x0) * c + k]);
    float v11 = float(img[(size_t(y1) * w + x1) * c + k]);
    float top = v00 + (v01 - v00) * ax;
    float bot = v10 + (v11 - v10) * ax;
    out[k] = (top + (bot - top) * ay) * scale;
  }
}

}  // namespace poce
