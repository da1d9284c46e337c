// crop, CPU: one task per output row of every box.
#include "crop.h"
#include "kernels.h"
#include "parallel.h"

namespace poce {
namespace {

template <typename T>
void crop_rows(const T* image, int height, int width, int channels, const float* theta, int boxes,
               int out_h, int out_w, int sr, float* out) {
  const int64_t rows = int64_t(boxes) * out_h;
  parallel_for(rows, grain_for(rows, double(out_w) * sr * sr * channels * 8.0), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      int box = int(r / out_h), oy = int(r % out_h);
      float* row = out + r * out_w * channels;
      for (int ox = 0; ox < out_w; ++ox)
        crop_pixel(image, height, width, channels, theta + 6 * box, ox, oy, sr, row + int64_t(ox) * channels);
    }
  });
}

}  // namespace

void crop_cpu(const void* image, bool u8, int height, int width, int channels, const float* theta, int boxes,
              int out_h, int out_w, int sr, float* out) {
  if (u8)
    crop_rows(static_cast<const uint8_t*>(image), height, width, channels, theta, boxes, out_h, out_w, sr, out);
  else
    crop_rows(static_cast<const float*>(image), height, width, channels, theta, boxes, out_h, out_w, sr, out);
}

}  // namespace poce
