// composite, CPU: separable box blur of alpha (work: 2*H*W floats), then the feathered blend.
#include "composite.h"
#include "kernels.h"

#include <vector>

namespace poce {
namespace {

// dst[i * step] = box_mean(src, n, step, i, r) for every i, from running sums (sums: n + 1).
void box_means(const float* src, int n, int64_t step, int r, double* sums, float* dst) {
  sums[0] = 0.0;
  for (int k = 0; k < n; ++k) sums[k + 1] = sums[k] + double(src[int64_t(k) * step]);
  for (int i = 0; i < n; ++i) {
    int lo = i - r < 0 ? 0 : i - r, hi = i + r >= n ? n - 1 : i + r;
    dst[int64_t(i) * step] = float((sums[hi + 1] - sums[lo]) / double(hi - lo + 1));
  }
}

}  // namespace

void composite_cpu(const uint8_t* frame, const float* rgb, const float* alpha, int height, int width,
                   int feather_px, float* work, uint8_t* out) {
  const int64_t npix = int64_t(height) * width;
  float* tmp = work;
  float* blurred = work + npix;
  if (feather_px > 0) {
    // The same (2r+1) box means as box_mean (composite.h, which the GPU runs per pixel), from
    // running sums: O(1) per pixel, so a wide feather costs no more than a narrow one (a direct
    // sum took ~1 min at 2048x2048 with r=4096). Sums in double keep the means within float
    // rounding of the direct ones.
#pragma omp parallel
    {
      std::vector<double> sums(size_t(height > width ? height : width) + 1);
#pragma omp for schedule(static)
      for (int y = 0; y < height; ++y)
        box_means(alpha + int64_t(y) * width, width, 1, feather_px, sums.data(), tmp + int64_t(y) * width);
#pragma omp for schedule(static)
      for (int x = 0; x < width; ++x)
        box_means(tmp + x, height, width, feather_px, sums.data(), blurred + x);
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
