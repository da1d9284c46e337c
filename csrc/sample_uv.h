// Per-texel work of sample_uv (Eq. 15), shared by the CPU and CUDA versions.
#pragma once
#include "common.h"

namespace poce {

// Signed doubled area of triangle t in a 2D point set with the given stride (image verts: 3, uvs: 2).
POCE_HD float signed_area2(const float* pts, int stride, const int* tri) {
  const float* a = pts + stride * tri[0];
  const float* b = pts + stride * tri[1];
  const float* c = pts + stride * tri[2];
  return edge_raw(a[0], a[1], b[0], b[1], c[0], c[1]);
}

// Texel k: find its surface point through the UV layout, project it, and keep the image colour
// only where that point is what the camera sees:
//  - in front: the triangle keeps the winding it has in the UV layout (both spaces have y down,
//    so a flipped winding means we look at its back);
//  - not occluded: the depth buffer at that pixel holds this triangle, or a depth no nearer than
//    the point's own minus `depth_tol` (pixel units; absorbs the slope of the depth inside a pixel).
// `tri_id` and `depth` cover the mesh's box (box-local, row stride box.w()); outside it the
// depth buffer is empty.
POCE_HD void sample_texel(int k, const uint8_t* image, int height, int width, const float* verts,
                          int nverts, const int* tris, int ntris, const float* uvs,
                          const int* layout_tri, const float* layout_bary, float depth_tol,
                          const Box& box, const int* tri_id, const float* depth, float* uv_out,
                          float* mask_out) {
  uv_out[3 * k] = uv_out[3 * k + 1] = uv_out[3 * k + 2] = 0.f;
  mask_out[k] = 0.f;
  int t = layout_tri[k];
  if (t < 0 || t >= ntris) return;
  const int* tri = tris + 3 * t;
  if (tri[0] < 0 || tri[1] < 0 || tri[2] < 0 || tri[0] >= nverts || tri[1] >= nverts ||
      tri[2] >= nverts)
    return;
  const float* b = layout_bary + 3 * k;
  const float* v0 = verts + 3 * tri[0];
  const float* v1 = verts + 3 * tri[1];
  const float* v2 = verts + 3 * tri[2];
  float px = b[0] * v0[0] + b[1] * v1[0] + b[2] * v2[0];
  float py = b[0] * v0[1] + b[1] * v1[1] + b[2] * v2[1];
  float pz = b[0] * v0[2] + b[1] * v1[2] + b[2] * v2[2];
  if (!finite3(px, py, pz)) return;
  if (px < 0.f || py < 0.f || px >= float(width) || py >= float(height)) return;
  float a_img = signed_area2(verts, 3, tri);
  float a_uv = signed_area2(uvs, 2, tri);
  if (!(a_img * a_uv > 0.f)) return;
  int ix = (int)px, iy = (int)py;
  int tid = -1;
  float d = INFINITY;
  if (ix >= box.x0 && ix < box.x1 && iy >= box.y0 && iy < box.y1) {
    int64_t q = int64_t(iy - box.y0) * box.w() + (ix - box.x0);
    tid = tri_id[q];
    d = depth[q];
  }
  if (tid != t && !(pz <= d + depth_tol)) return;
  bilinear(image, height, width, 3, px, py, 1.f / 255.f, uv_out + 3 * k);
  mask_out[k] = 1.f;
}

}  // namespace poce
