// Per-pixel work of interpolate (as nvdiffrast's): the vertex attributes of the triangle under a
// pixel, weighted by its barycentrics. Shared by the CPU and CUDA versions, so both run the very
// same float arithmetic (b0 * a0 + b1 * a1 + b2 * a2, in that order).
#pragma once
#include "common.h"

namespace poce {

// Pixel p: out[p, :C] and mask[p] (1 covered, 0 empty). An id outside 0..ntris-1 (-1 = empty) or a
// triangle whose vertex indices fall outside 0..nverts-1 gives an empty pixel: a device kernel
// cannot raise, so it never reads outside the buffers instead.
POCE_HD void interpolate_pixel(const float* attr, int nverts, int channels, const int* tris, int ntris,
                               const int* tri_id, const float* bary, int64_t p, float* out, float* mask) {
  float* o = out + p * channels;
  int t = tri_id[p];
  const int* ix = tris + 3 * int64_t(t < 0 ? 0 : t);
  if (t < 0 || t >= ntris || ix[0] < 0 || ix[1] < 0 || ix[2] < 0 || ix[0] >= nverts ||
      ix[1] >= nverts || ix[2] >= nverts) {
    for (int k = 0; k < channels; ++k) o[k] = 0.f;
    mask[p] = 0.f;
    return;
  }
  const float* b = bary + 3 * p;
  const float* a0 = attr + int64_t(ix[0]) * channels;
  const float* a1 = attr + int64_t(ix[1]) * channels;
  const float* a2 = attr + int64_t(ix[2]) * channels;
  for (int k = 0; k < channels; ++k) o[k] = b[0] * a0[k] + b[1] * a1[k] + b[2] * a2[k];
  mask[p] = 1.f;
}

}  // namespace poce
