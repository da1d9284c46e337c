// composite, CPU: over the box where alpha > 0 only (the blur, then the feathered blend); the
// rest of the frame is copied, or left alone when compositing in place.
#include <algorithm>
#include <cstring>

#include "composite.h"
#include "kernels.h"
#include "parallel.h"
#include "scratch.h"

namespace poce {

namespace {

// Rows and columns where alpha > 0 (NaN and negative alphas blend as 0).
Box alpha_box(const float* alpha, int height, int width) {
  int y0 = height, y1 = -1;
  int x0 = width, x1 = -1;
  for (int y = 0; y < height; ++y) {
    const float* row = alpha + int64_t(y) * width;
    int first = -1, last = -1;
    for (int x = 0; x < width; ++x)
      if (row[x] > 0.f) { first = x; break; }
    if (first < 0) continue;
    for (int x = width - 1; x >= first; --x)
      if (row[x] > 0.f) { last = x; break; }
    y0 = std::min(y0, y); y1 = y;
    x0 = std::min(x0, first); x1 = std::max(x1, last);
  }
  if (y1 < 0) return Box{0, 0, 0, 0};
  return Box{x0, y0, x1 + 1, y1 + 1};
}

}  // namespace

void composite_cpu(const uint8_t* frame, const float* rgb, const float* alpha, int height, int width,
                   int feather_px, uint8_t* out) {
  const Box box = alpha_box(alpha, height, width);
  const int bw = box.w(), r = feather_px;
  if (out != frame) {  // outside the box out = frame (alpha 0); inside it is overwritten below
    parallel_for(height, grain_for(height, 0.3 * width), [&](int64_t b, int64_t e) {
      std::memcpy(out + b * width * 3, frame + b * width * 3, size_t(e - b) * width * 3);
    });
  }
  if (box.empty()) return;
  // Column pass input: the row blur over the box's columns, on the rows the column blur reads.
  const int ty0 = std::max(0, box.y0 - r), ty1 = std::min(height, box.y1 + r);
  float* tmp = scratch<float>(kScratchWork, size_t(bw) * (ty1 - ty0));
  if (r > 0) {
    parallel_for(ty1 - ty0, grain_for(ty1 - ty0, bw * (2.0 * r + 2)), [&](int64_t b, int64_t e) {
      for (int y = ty0 + int(b); y < ty0 + int(e); ++y) {
        float* trow = tmp + int64_t(y - ty0) * bw;
        if (y < box.y0 || y >= box.y1) {  // alpha is 0 on these rows
          std::fill_n(trow, bw, 0.f);
          continue;
        }
        for (int x = box.x0; x < box.x1; ++x)
          trow[x - box.x0] = box_mean(alpha + int64_t(y) * width, width, 1, x, r);
      }
    });
  }
  parallel_for(box.h(), grain_for(box.h(), bw * (2.0 * r + 12)), [&](int64_t b, int64_t e) {
    for (int y = box.y0 + int(b); y < box.y0 + int(e); ++y)
      for (int x = box.x0; x < box.x1; ++x) {
        int64_t p = int64_t(y) * width + x;
        float a = alpha[p];
        if (!(a >= 0.f)) a = 0.f;  // NaN-safe
        a = fminf(a, 1.f);
        if (r > 0) {
          // box_mean over rows ty0..ty1 of the tmp column, clipped to the image as before
          int lo = y - r < 0 ? 0 : y - r, hi = y + r >= height ? height - 1 : y + r;
          float s = 0.f;
          for (int k = lo; k <= hi; ++k) s += tmp[int64_t(k - ty0) * bw + (x - box.x0)];
          a = feather(a, s / float(hi - lo + 1));
        }
        for (int k = 0; k < 3; ++k) out[3 * p + k] = blend_pixel(frame[3 * p + k], rgb[3 * p + k], a);
      }
  });
}

}  // namespace poce
