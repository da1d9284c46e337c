// composite, CPU: separable box blur of alpha (work: 2*H*W floats), then the feathered blend.
#include "composite.h"
#include "kernels.h"

namespace poce {

void composite_cpu(const uint8_t* frame, const float* rgb, const float* alpha, int height, int width,
                   int feather_px, float* work, uint8_t* out) {
  const int64_t npix = int64_t(height) * width;
  float* tmp = work;
  float* blurred = work + npix;
  if (feather_px > 0) {
#pragma omp parallel for schedule(static)
    for (int64_t p = 0; p < npix; ++p) {
      int y = int(p / width), x = int(p % width);
      tmp[p] = box_mean(alpha + int64_t(y) * width, width, 1, x, feather_px);
    }
#pragma omp parallel for schedule(static)
    for (int64_t p = 0; p < npix; ++p) {
      int y = int(p / width), x = int(p % width);
      blurred[p] = box_mean(tmp + x, height, width, y, feather_px);
    }
  }
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < npix; ++p) {
    float a = alpha[p];
    if (!(a >= 0.f)) a = 0.f;  // NaN-safe
    a = fminf(a, 1.f);
    if (feather_px > 0) a = feather(a, blurred[p]);
    for (int k = 0; k < 3; ++k) out[3 * p + k] = blend_pixel(frame[3 * p + k], rgb[3 * p + k], a);
  }
}

}  // namespace poce
