// soften_folds, CPU (poce_rt.surround.soften_folds' host path): the ring's fold edges antialiased
// in place. Each pixel's largest photo-space step to a 4-neighbour, where that step exceeds the
// fold threshold (both pixels fully covered), makes it a fold end, blended with the 3x3 binomial
// blur of the ring by how far the step exceeds it; a pixel past the face (under < 1) blurs the
// pixels past the face alone. The NumPy version (surround._soften_folds_host, the reference this
// is tested against) makes whole-box passes for the steps and gathers the ends' neighbourhoods;
// here one pass finds the ends (each pixel reads its own four pairs) and a second blends them, the
// same float32 operations in the same order (-ffp-contract=off; np.clip and np.nan_to_num's
// rules), so the same values bit for bit.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "kernels.h"
#include "parallel.h"
#include "scratch.h"

namespace poce {

namespace {

// np.clip(v, 0, 1) (NaN kept)
inline float clip01(float v) {
  v = (v > 0.f || v != v) ? v : 0.f;
  return (v < 1.f || v != v) ? v : 1.f;
}

// np.nan_to_num for float32: NaN -> 0, +-inf -> +-FLT_MAX
inline float nan_to_num(float v) {
  if (v != v) return 0.f;
  if (std::isinf(v)) return v > 0.f ? FLT_MAX : -FLT_MAX;
  return v;
}

// _soften_folds_host's binomial at one end: v[column][row] (columns left, at, right; rows above,
// at, below), the horizontal pass on each row where the end has both columns, then the vertical.
inline float binomial3(const float v[3][3], bool inner_x, bool inner_y) {
  float row[3];
  for (int j = 0; j < 3; ++j) {
    float m = v[1][j];
    row[j] = inner_x ? (((v[0][j] + v[2][j]) + m) + m) * 0.25f : m;
  }
  float mid = row[1];
  return inner_y ? (((row[0] + row[2]) + mid) + mid) * 0.25f : mid;
}

}  // namespace

void soften_folds_cpu(float* rgb, const float* alpha, const float* pos, const float* under, int height, int width,
                      const FoldParams& f) {
  const int64_t n = int64_t(height) * width;
  // each candidate pixel's largest step (0 until a pair touches it) and whether it is listed
  float* largest = scratch<float>(kScratchFoldLargest, size_t(n));
  uint8_t* listed = scratch<uint8_t>(kScratchFoldListed, size_t(n));
  int64_t* ends = scratch<int64_t>(kScratchFoldEnds, size_t(n));         // the pixels pairs touched
  uint8_t* over = scratch<uint8_t>(kScratchFoldOver, 2 * size_t(width));  // a row's per-channel steps past lo
  std::fill_n(largest, n, 0.f);
  std::fill_n(listed, n, uint8_t(0));
  int64_t count = 0;
  auto full = [&](int64_t i) { return clip01((alpha[i] - f.full_at) * f.full_scale); };
  // the pair (first pixel b, second a) with a channel past the threshold: its step on both
  auto pair = [&](int64_t b, int64_t a) {
    float d0 = std::fabs(pos[2 * a] - pos[2 * b]), d1 = std::fabs(pos[2 * a + 1] - pos[2 * b + 1]);
    float e = (d0 > d1 || d0 != d0) ? d0 : d1;   // np.maximum
    e = (e * full(a)) * full(b);
    for (int64_t i : {b, a}) {
      if (!listed[i]) {
        listed[i] = 1;
        ends[count++] = i;
      }
      largest[i] = (largest[i] > e || largest[i] != largest[i]) ? largest[i] : e;   // np.maximum.at
    }
  };
  // the pairs a row's channels step past lo in, found a channel at a time in loops the compiler
  // vectorizes, skipped 8 channels at a time where none does (a fold touches ~1% of a box)
  auto scan = [&](int m, int64_t first, int64_t step) {
    uint64_t word;
    for (int j = 0; j < m; j += 8) {
      std::memcpy(&word, over + j, 8);
      if (!word) continue;
      for (int k = j; k < j + 8 && k < m; ++k)
        if (over[k] && !(k & 1 && over[k - 1])) pair(first + k / 2, first + k / 2 + step);  // once a pair
    }
  };
  for (int64_t y = 0; y < height; ++y) {
    const float* p = pos + 2 * y * width;
    const int m = 2 * (width - 1);   // to the right: channel k of pixel k / 2 and the next
    for (int k = 0; k < m; ++k) over[k] = std::fabs(p[k + 2] - p[k]) > f.lo;
    std::fill_n(over + m, 2 * width + 8 - m > 0 ? std::min<int64_t>(2 * width - m, 2) : 0, uint8_t(0));
    scan(m, y * width, 1);
    if (y == height - 1) break;
    const float* q = p + 2 * width;  // down: channel k of pixel k / 2 and the one below
    for (int k = 0; k < 2 * width; ++k) over[k] = std::fabs(q[k] - p[k]) > f.lo;
    scan(2 * width, y * width, width);
  }
  float* blended = scratch<float>(kScratchFoldOut, 3 * size_t(count));
  int64_t kept = 0;   // the ends (largest > lo) first in `ends`, their new colours in `blended`
  for (int64_t c = 0; c < count; ++c) {
    const int64_t i = ends[c];
    listed[i] = 0;
    if (!(largest[i] > f.lo)) continue;
    const float weight = clip01((largest[i] - f.lo) * f.inv_range);
    const int x = int(i % width), y = int(i / width);
    const int left = x > 0, right = x < width - 1, up = y > 0, down = y < height - 1;
    const bool inner_x = left && right, inner_y = up && down;
    int64_t hood[3][3];
    const int dx[3] = {-left, 0, right}, dy[3] = {-up, 0, down};
    for (int cc = 0; cc < 3; ++cc)
      for (int r = 0; r < 3; ++r) hood[cc][r] = i + dx[cc] + int64_t(dy[r]) * width;
    float blur[3], v[3][3];
    for (int k = 0; k < 3; ++k) {
      for (int cc = 0; cc < 3; ++cc)
        for (int r = 0; r < 3; ++r) v[cc][r] = rgb[3 * hood[cc][r] + k];
      blur[k] = binomial3(v, inner_x, inner_y);
    }
    if (under) {  // past the face: the blur of the pixels past it
      float past[3][3];
      bool near = false;
      for (int cc = 0; cc < 3; ++cc)
        for (int r = 0; r < 3; ++r) {
          float u = under[hood[cc][r]];
          near = near || u > 0.f;
          past[cc][r] = 1.f - u;
        }
      if (near && past[1][1] > 0.f) {
        const float share = binomial3(past, inner_x, inner_y);
        for (int k = 0; k < 3; ++k) {
          for (int cc = 0; cc < 3; ++cc)
            for (int r = 0; r < 3; ++r) v[cc][r] = rgb[3 * hood[cc][r] + k] * past[cc][r];
          const float masked = binomial3(v, inner_x, inner_y) / share;
          blur[k] = blur[k] + nan_to_num(masked - blur[k]) * past[1][1];
        }
      }
    }
    for (int k = 0; k < 3; ++k) {
      const float here = rgb[3 * i + k];
      blended[3 * kept + k] = here + (blur[k] - here) * weight;
    }
    ends[kept++] = i;
  }
  for (int64_t c = 0; c < kept; ++c)   // written once every end has read the ring as it was
    for (int k = 0; k < 3; ++k) rgb[3 * ends[c] + k] = blended[3 * c + k];
}

}  // namespace poce
