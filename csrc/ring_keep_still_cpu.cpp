// keep_ring_still, CPU (poce_rt.surround.keep_ring_still's host path): how far each pixel of the
// ring reads the photo from itself (motion.read_motion), its weight (motion.moved_weight) and the
// ring blended over the photo by it (motion.keep_still), in one pass over the ring's box. The
// NumPy version (CuPy's on the GPU, and the reference) makes ~15 passes through [h,w,1..3] float32
// temporaries. The same float32 operations in the same order (-ffp-contract=off: no fused
// multiply-add; sqrtf rounds as NumPy's sqrt; the clip lets NaN through as np.clip does), so the
// same values bit for bit.
#include <cmath>

#include "kernels.h"
#include "parallel.h"

namespace poce {

void ring_keep_still_cpu(const uint8_t* photo, const float* rgb, const float* pos, const float* offset,
                         const float* centres, int height, int width, float still, float inv_range, float scale,
                         float* kept, float* moved) {
  parallel_for(height, grain_for(height, 6.0 * width), [&](int64_t b, int64_t e) {
    constexpr int kRun = 256;   // pixels per run: their weights widened onto 3 channels on the stack
    float m3[3 * kRun];
    for (int64_t y = b; y < e; ++y)
      for (int x0 = 0; x0 < width; x0 += kRun) {
        const int n = width - x0 < kRun ? width - x0 : kRun;
        const int64_t i0 = y * width + x0;
        for (int j = 0; j < n; ++j) {
          const int64_t i = i0 + j;
          float dx = pos[2 * i] + offset[2 * (x0 + j)];       // work = pos + offset
          float dy = pos[2 * i + 1] + offset[2 * (x0 + j) + 1];
          dx = dx - centres[2 * i];                           // work -= centres
          dy = dy - centres[2 * i + 1];
          dx = dx * dx;                                       // work *= work
          dy = dy * dy;
          float t = std::sqrt(dx + dy);                       // channel_sum, sqrt
          t = (t - still) * inv_range;                        // moved_weight
          t = (t > 0.f || t != t) ? t : 0.f;                  // np.clip: max then min, NaN kept
          t = (t < 1.f || t != t) ? t : 1.f;
          const float t2 = t * t;
          float m = t * -2.f;
          m = m + 3.f;
          m = m * t2;
          moved[i] = m;
          m3[3 * j] = m3[3 * j + 1] = m3[3 * j + 2] = m;
        }
        const uint8_t* ph = photo + 3 * i0;
        const float* c = rgb + 3 * i0;
        float* o = kept + 3 * i0;
        for (int j = 0; j < 3 * n; ++j) {                     // keep_still
          const float p = float(ph[j]) * scale;
          o[j] = (c[j] - p) * m3[j] + p;                      // ((rgb - work) * moved) + work
        }
      }
  });
}

}  // namespace poce
