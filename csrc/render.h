// Per-pixel work of render (Eq. 16), shared by the CPU and CUDA versions.
#pragma once
#include "common.h"

namespace poce {

// Colour of triangle `tri` at barycentrics (b0, b1, b2): interpolate the vertex UVs, then a
// bilinear texture read (texel centres at (i + 0.5) / S).
POCE_HD void shade(const float* texture, int size, int channels, const float* uvs, const int* tri,
                   float b0, float b1, float b2, float* out) {
  const float* u0 = uvs + 2 * tri[0];
  const float* u1 = uvs + 2 * tri[1];
  const float* u2 = uvs + 2 * tri[2];
  float u = b0 * u0[0] + b1 * u1[0] + b2 * u2[0];
  float v = b0 * u0[1] + b1 * u1[1] + b2 * u2[1];
  bilinear(texture, size, size, channels, u * size, v * size, 1.f, out);
}

// Pixel (x, y): colour from the triangle under its centre; alpha = fraction of 4 rotated-grid
// sub-samples covered by a triangle of the 3x3 neighbourhood (cheap analytic-free antialiasing,
// exact wherever silhouette triangles are wider than a pixel). Silhouette pixels whose centre
// misses the mesh take their colour from the nearest neighbouring triangle that covers one of
// their sub-samples, so the soft edge carries the face's colour rather than black.
POCE_HD void render_pixel(int x, int y, const float* texture, int size, int channels,
                          const float* verts, int nverts, const int* tris, const float* uvs,
                          int height, int width, const int* tri_id, const float* bary,
                          const float* depth, float* rgb, float* alpha) {
  const float sx[4] = {0.375f, 0.875f, 0.625f, 0.125f};
  const float sy[4] = {0.125f, 0.375f, 0.875f, 0.625f};
  int64_t p = int64_t(y) * width + x;
  float* out = rgb + p * channels;
  for (int k = 0; k < channels; ++k) out[k] = 0.f;
  int t = tri_id[p];
  int neigh[9];
  bool interior = t >= 0;
  for (int dy = -1, n = 0; dy <= 1; ++dy)
    for (int dx = -1; dx <= 1; ++dx, ++n) {
      int xx = x + dx, yy = y + dy;
      bool in = xx >= 0 && yy >= 0 && xx < width && yy < height;
      neigh[n] = in ? tri_id[int64_t(yy) * width + xx] : -1;
      if (neigh[n] < 0) interior = false;
    }
  if (interior) {  // the common case: deep inside the face
    const float* b = bary + 3 * p;
    shade(texture, size, channels, uvs, tris + 3 * t, b[0], b[1], b[2], out);
    alpha[p] = 1.f;
    return;
  }
  int covered = 0, best = -1;
  float best_z = INFINITY, best_b[3] = {0.f, 0.f, 0.f};
  for (int s = 0; s < 4; ++s) {
    float qx = x + sx[s], qy = y + sy[s];
    bool hit = false;
    for (int n = 0; n < 9; ++n) {
      int u = neigh[n];
      if (u < 0) continue;
      Tri2D tri;
      // Height/width are only used to clip the bounding box, which we don't need here.
      if (!setup_tri(verts, nverts, tris, u, 1 << 30, 1 << 30, tri)) continue;
      float b0, b1, b2;
      barycentric(tri, qx, qy, b0, b1, b2);
      if (b0 < 0.f || b1 < 0.f || b2 < 0.f) continue;
      hit = true;
      const int* iv = tris + 3 * u;
      float z = b0 * verts[3 * iv[0] + 2] + b1 * verts[3 * iv[1] + 2] + b2 * verts[3 * iv[2] + 2];
      if (t < 0 && (z < best_z || (z == best_z && u < best))) {
        best = u; best_z = z; best_b[0] = b0; best_b[1] = b1; best_b[2] = b2;
      }
      if (t >= 0) break;  // coverage is all we need when the centre has a triangle
    }
    covered += hit ? 1 : 0;
  }
  alpha[p] = covered * 0.25f;
  if (t >= 0) {
    const float* b = bary + 3 * p;
    shade(texture, size, channels, uvs, tris + 3 * t, b[0], b[1], b[2], out);
    // The centre is covered but a sub-sample was not caught by a neighbour (e.g. a sliver):
    // never let a covered centre be fully transparent.
    if (alpha[p] < 0.25f) alpha[p] = 0.25f;
  } else if (best >= 0) {
    shade(texture, size, channels, uvs, tris + 3 * best, best_b[0], best_b[1], best_b[2], out);
  }
}

}  // namespace poce
