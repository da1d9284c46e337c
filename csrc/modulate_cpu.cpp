// modulate (Eq. 7), CPU: per (n, c) plane, instance-norm statistics then gamma * x_hat + beta,
// in one pass over the output. Statistics accumulate in double (planes reach 256x256 values), as in
// modulate_cuda.cu, so CPU and GPU agree.
#include <cmath>

#include "kernels.h"

namespace poce {

void modulate_cpu(const float* x, const float* gamma, const float* beta, int64_t planes,
                  int64_t plane_size, float eps, float* out) {
#pragma omp parallel for schedule(static)
  for (int64_t pl = 0; pl < planes; ++pl) {
    const float* xp = x + pl * plane_size;
    double sum = 0.0;
    for (int64_t i = 0; i < plane_size; ++i) sum += xp[i];
    double mean = sum / double(plane_size);
    double sq = 0.0;
    for (int64_t i = 0; i < plane_size; ++i) {
      double d = xp[i] - mean;
      sq += d * d;
    }
    float m = float(mean);
    float inv_std = float(1.0 / std::sqrt(sq / double(plane_size) + double(eps)));
    const float* g = gamma + pl * plane_size;
    const float* b = beta + pl * plane_size;
    float* o = out + pl * plane_size;
    for (int64_t i = 0; i < plane_size; ++i) o[i] = g[i] * ((xp[i] - m) * inv_std) + b[i];
  }
}

}  // namespace poce
