// Shared, header-only pieces of the kernels: compiled into both the CPU (.cpp) and CUDA (.cu)
// translation units so the two implementations run the very same arithmetic.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#ifdef __CUDACC__
#define POCE_HD __host__ __device__ __forceinline__
#else
#define POCE_HD inline
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

POCE_HD bool finite3(float a, float b, float c) {
  return std::isfinite(a) && std::isfinite(b) && std::isfinite(c);
}

// A screen-space triangle ready for edge tests. The vertices are reordered to one winding
// (so the edge functions are positive inside); `swapped` remembers it to give barycentrics
// back in the caller's vertex order.
struct Tri2D {
  float x0, y0, x1, y1, x2, y2;
  float z0, z1, z2;
  float inv_area;
  bool swapped;
  int xmin, xmax, ymin, ymax;  // pixel bounding box, clipped to the image, inclusive
};

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

// Top-left fill rule for the positive winding (image y grows down): a pixel centre that lies
// exactly on an edge belongs to the triangle only if the edge is a top or a left edge, so
// shared edges are drawn once.
POCE_HD bool top_left(float ax, float ay, float bx, float by) {
  float dx = bx - ax, dy = by - ay;
  return (dy == 0.f && dx > 0.f) || dy < 0.f;
}

// Reads triangle t and prepares it. Returns false for triangles to skip: indices out of range,
// non-finite coordinates, zero area, or entirely off-screen.
POCE_HD bool setup_tri(const float* verts, int nverts, const int* tris, int t, int height, int width,
                       Tri2D& s) {
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
  float fxmin = fminf(s.x0, fminf(s.x1, s.x2)), fxmax = fmaxf(s.x0, fmaxf(s.x1, s.x2));
  float fymin = fminf(s.y0, fminf(s.y1, s.y2)), fymax = fmaxf(s.y0, fmaxf(s.y1, s.y2));
  // Pixel (x, y) has its centre at (x + 0.5, y + 0.5).
  if (fxmax < 0.f || fymax < 0.f || fxmin > float(width) || fymin > float(height)) return false;
  s.xmin = (int)fmaxf(0.f, ceilf(fxmin - 0.5f));
  s.xmax = (int)fminf(float(width - 1), floorf(fxmax - 0.5f));
  s.ymin = (int)fmaxf(0.f, ceilf(fymin - 0.5f));
  s.ymax = (int)fminf(float(height - 1), floorf(fymax - 0.5f));
  return s.xmin <= s.xmax && s.ymin <= s.ymax;
}

// Barycentrics of point (px, py) in the caller's vertex order; no inside test.
POCE_HD void barycentric(const Tri2D& s, float px, float py, float& b0, float& b1, float& b2) {
  float w0 = edge_fn(s.x1, s.y1, s.x2, s.y2, px, py) * s.inv_area;
  float w1 = edge_fn(s.x2, s.y2, s.x0, s.y0, px, py) * s.inv_area;
  float w2 = edge_fn(s.x0, s.y0, s.x1, s.y1, px, py) * s.inv_area;
  b0 = w0;
  b1 = s.swapped ? w2 : w1;
  b2 = s.swapped ? w1 : w2;
}

// Inside test with the fill rule at pixel centre (px, py); on success writes the depth.
POCE_HD bool cover(const Tri2D& s, float px, float py, float& z) {
  float w0 = edge_fn(s.x1, s.y1, s.x2, s.y2, px, py);
  float w1 = edge_fn(s.x2, s.y2, s.x0, s.y0, px, py);
  float w2 = edge_fn(s.x0, s.y0, s.x1, s.y1, px, py);
  bool in0 = w0 > 0.f || (w0 == 0.f && top_left(s.x1, s.y1, s.x2, s.y2));
  bool in1 = w1 > 0.f || (w1 == 0.f && top_left(s.x2, s.y2, s.x0, s.y0));
  bool in2 = w2 > 0.f || (w2 == 0.f && top_left(s.x0, s.y0, s.x1, s.y1));
  if (!(in0 && in1 && in2)) return false;
  z = (w0 * s.z0 + w1 * s.z1 + w2 * s.z2) * s.inv_area;
  return std::isfinite(z);
}

// Second pass for one pixel: the packed word -> triangle id, barycentrics, depth.
POCE_HD void resolve_pixel(uint64_t word, const float* verts, int nverts, const int* tris, int height,
                           int width, int x, int y, int* tri_out, float* bary_out, float* depth_out) {
  int t = (word == kEmptyWord) ? -1 : int(uint32_t(word & 0xffffffffu));
  Tri2D s;
  if (t >= 0 && setup_tri(verts, nverts, tris, t, height, width, s)) {
    float b0, b1, b2;
    float px = x + 0.5f, py = y + 0.5f;
    barycentric(s, px, py, b0, b1, b2);
    const float* a = verts + 3 * tris[3 * t];
    const float* b = verts + 3 * tris[3 * t + 1];
    const float* c = verts + 3 * tris[3 * t + 2];
    *tri_out = t;
    bary_out[0] = b0; bary_out[1] = b1; bary_out[2] = b2;
    *depth_out = b0 * a[2] + b1 * b[2] + b2 * c[2];
  } else {
    *tri_out = -1;
    bary_out[0] = bary_out[1] = bary_out[2] = 0.f;
    *depth_out = INFINITY;
  }
}

// Bilinear sample of an HxWxC float image at continuous pixel coordinates where pixel (i, j)
// has its centre at (j + 0.5, i + 0.5); clamps at the borders.
template <typename T>
POCE_HD void bilinear(const T* img, int h, int w, int c, float x, float y, float scale, float* out) {
  float fx = x - 0.5f, fy = y - 0.5f;
  fx = fminf(fmaxf(fx, 0.f), float(w - 1));
  fy = fminf(fmaxf(fy, 0.f), float(h - 1));
  int x0 = (int)floorf(fx), y0 = (int)floorf(fy);
  int x1 = x0 + 1 < w ? x0 + 1 : w - 1;
  int y1 = y0 + 1 < h ? y0 + 1 : h - 1;
  float ax = fx - x0, ay = fy - y0;
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
