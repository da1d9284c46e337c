// composite, CPU: over the box where alpha > 0 only (the blur, then the feathered blend); the
// rest of the frame is copied, or left alone when compositing in place.
#include <algorithm>
#include <cstring>
#include <vector>

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

// The same (2r+1) box means as box_mean (composite.h, which the GPU runs per pixel), from running
// sums: O(1) per pixel, so a wide feather costs no more than a narrow one (a direct sum took ~1 min
// at 2048x2048 with r=4096). Sums in double keep the means within float rounding of the direct ones.
// src[(k - k0) * step] for k in [k0, k1) are samples k0..k1 of a line of n; dst gets the means at
// [i0, i1), whose windows (clipped to [0, n)) must lie inside [k0, k1).
void box_means(const float* src, int64_t step, int n, int k0, int k1, int i0, int i1, int r, float* dst,
               int64_t dstep) {
  thread_local std::vector<double> sums;
  if (sums.size() < size_t(k1 - k0 + 1)) sums.resize(size_t(k1 - k0 + 1));
  sums[0] = 0.0;
  for (int k = k0; k < k1; ++k) sums[k - k0 + 1] = sums[k - k0] + double(src[int64_t(k - k0) * step]);
  auto clipped = [&](int i) {
    int lo = i - r < 0 ? 0 : i - r, hi = i + r >= n ? n - 1 : i + r;
    dst[int64_t(i - i0) * dstep] = float((sums[hi - k0 + 1] - sums[lo - k0]) / double(hi - lo + 1));
  };
  // the windows inside the line, [ia, ib), have all 2r + 1 samples: the same expression with its
  // constant count, in a loop that vectorizes (the divisions were most of the row pass)
  const int ia = std::min(std::max(i0, r), i1), ib = std::max(std::min(i1, n - r), ia);
  for (int i = i0; i < ia; ++i) clipped(i);
  if (ib > ia) {   // then ia >= r, and the windows lie in [k0, k1) (the contract above)
    const double count = double(2 * r + 1);
    const double* top = sums.data() + (ia - r - k0);      // the window's sums before and after it
    const double* bot = sums.data() + (ia + r - k0 + 1);
    if (dstep == 1) {
      float* d = dst + (ia - i0);
      for (int j = 0; j < ib - ia; ++j) d[j] = float((bot[j] - top[j]) / count);
    } else {
      for (int j = 0; j < ib - ia; ++j) dst[int64_t(ia + j - i0) * dstep] = float((bot[j] - top[j]) / count);
    }
  }
  for (int i = ib; i < i1; ++i) clipped(i);
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
  // Row pass over the box's columns, on the rows the column pass reads (alpha is 0 outside the box,
  // so the windows only need the columns within r of it).
  const int ty0 = std::max(0, box.y0 - r), ty1 = std::min(height, box.y1 + r);
  const int cx0 = std::max(0, box.x0 - r), cx1 = std::min(width, box.x1 + r);
  float* tmp = scratch<float>(kScratchWork, size_t(bw) * (ty1 - ty0));
  float* blurred = scratch<float>(kScratchRows, size_t(bw) * box.h());
  if (r > 0) {
    parallel_for(ty1 - ty0, grain_for(ty1 - ty0, 2.0 * (cx1 - cx0)), [&](int64_t b, int64_t e) {
      for (int y = ty0 + int(b); y < ty0 + int(e); ++y) {
        float* trow = tmp + int64_t(y - ty0) * bw;
        if (y < box.y0 || y >= box.y1) {  // alpha is 0 on these rows
          std::fill_n(trow, bw, 0.f);
          continue;
        }
        box_means(alpha + int64_t(y) * width + cx0, 1, width, cx0, cx1, box.x0, box.x1, r, trow, 1);
      }
    });
    // The column pass: box_means down each column, its running sums kept for all columns row
    // by row (the same additions in the same order per column, so the same means bit for bit;
    // walking each column on its own read one float per cache line).
    const int rows = ty1 - ty0;
    double* sums = scratch<double>(kScratchPrefix, size_t(rows + 1) * bw);
    parallel_for(bw, grain_for(bw, 2.0 * rows), [&](int64_t b, int64_t e) {
      std::fill(sums + b, sums + e, 0.0);
      for (int k = 0; k < rows; ++k) {  // tmp's rows are image rows ty0..ty1
        const double* prev = sums + int64_t(k) * bw;
        double* next = sums + int64_t(k + 1) * bw;
        const float* trow = tmp + int64_t(k) * bw;
        for (int64_t x = b; x < e; ++x) next[x] = prev[x] + double(trow[x]);
      }
      for (int i = box.y0; i < box.y1; ++i) {
        int lo = i - r < 0 ? 0 : i - r, hi = i + r >= height ? height - 1 : i + r;
        const double* top = sums + int64_t(lo - ty0) * bw;
        const double* bot = sums + int64_t(hi - ty0 + 1) * bw;
        const double n = double(hi - lo + 1);
        float* brow = blurred + int64_t(i - box.y0) * bw;
        for (int64_t x = b; x < e; ++x) brow[x] = float((bot[x] - top[x]) / n);
      }
    });
  }
  // composite_pixel (composite.h, the GPU's per-pixel code) in runs of pixels along a row: the
  // feathered alpha of each pixel, widened onto its three channels, then the blend of every
  // channel with the same float operations in the same order, branch-free: a pixel with alpha <= 0
  // takes its frame value, which the final rounding gives back exactly (f + 0.5 truncates to f),
  // as composite_pixel returns it (its blend, computed there and clamped, is dropped). The run's
  // frame values are copied first (out may be frame itself), so the blend loop vectorizes. The
  // per-pixel branches and index arithmetic were half the host composite's time.
  parallel_for(box.h(), grain_for(box.h(), bw * 4.0), [&](int64_t b, int64_t e) {
    constexpr int kRun = 256;
    float a3[3 * kRun];
    uint8_t f[3 * kRun];
    for (int y = box.y0 + int(b); y < box.y0 + int(e); ++y) {
      const float* brow = blurred + int64_t(y - box.y0) * bw - box.x0;
      for (int x0 = box.x0; x0 < box.x1; x0 += kRun) {
        const int n = box.x1 - x0 < kRun ? box.x1 - x0 : kRun;
        const int64_t p0 = int64_t(y) * width + x0;
        for (int i = 0; i < n; ++i) {
          float a = alpha[p0 + i];
          a = a >= 0.f ? a : 0.f;  // NaN-safe
          a = min_f(a, 1.f);
          if (r > 0) a = feather(a, brow[x0 + i]);
          a3[3 * i] = a3[3 * i + 1] = a3[3 * i + 2] = a;
        }
        std::memcpy(f, frame + 3 * p0, size_t(3 * n));
        const float* c = rgb + 3 * p0;
        uint8_t* o = out + 3 * p0;
        for (int j = 0; j < 3 * n; ++j) {
          const float a = a3[j];
          const float fj = float(f[j]);
          float v = fj * (1.f - a) + c[j] * 255.f * a;   // blend_pixel's
          v = min_f(max_f(v, 0.f), 255.f);
          v = a > 0.f ? v : fj;
          o[j] = uint8_t(int(v + 0.5f));
        }
      }
    }
  });
}

}  // namespace poce
