// render, CPU: rasterize the posed mesh over its box, test the sub-samples of the pixels off the
// interior, shade the box; outside it the outputs are plain zeros.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "kernels.h"
#include "parallel.h"
#include "raster.h"
#include "render.h"
#include "scratch.h"

namespace poce {

namespace {

// coverage_seed over row ly of the box, into row[bw]: the same words, in one branch-free pass a
// compiler vectorizes (tri_id is negative where a centre is empty: an OR of the 3x3 ids is
// negative exactly where one of them is empty); and the row's kNeedsTest pixels as bits of
// tested[(bw + 63) / 64] (bit x % 64 of word x / 64), for next_tested.
void coverage_seed_row(const int* tri_id, int bw, int bh, int ly, uint32_t* row, uint64_t* tested) {
  if (ly == 0 || ly == bh - 1 || bw < 3) {  // a neighbour off the box: tested
    std::fill_n(row, bw, kNeedsTest);
  } else {
    const int* a = tri_id + int64_t(ly - 1) * bw;
    const int* b = a + bw;
    const int* c = b + bw;
    row[0] = row[bw - 1] = kNeedsTest;
    for (int x = 1; x < bw - 1; ++x) {
      int any = a[x - 1] | a[x] | a[x + 1] | b[x - 1] | b[x] | b[x + 1] | c[x - 1] | c[x] | c[x + 1];
      row[x] = any < 0 ? kNeedsTest : kAllSamples;
    }
  }
  for (int w = 0; w < (bw + 63) / 64; ++w) {
    uint64_t m = 0;
    for (int j = 0, n = std::min(64, bw - 64 * w); j < n; ++j)
      m |= uint64_t((row[64 * w + j] & kNeedsTest) != 0) << j;
    tested[w] = m;
  }
}

// The first pixel at or after box-local x whose bit is set in a row of coverage_seed_row's
// `tested` words, bw if none: subsample_triangle visits only the pixels it tests (on the head
// proxy's rings, the pixels inside the mesh are most of each triangle's rows).
inline int next_tested(const uint64_t* row, int words, int bw, int x) {
  if (x >= bw) return bw;
  int w = x >> 6;
  uint64_t m = row[w] & (~0ull << (x & 63));
  while (m == 0) {
    if (++w >= words) return bw;
    m = row[w];
  }
  return (w << 6) + __builtin_ctzll(m);
}

constexpr int kMaxFlatChannels = 8;

// render_pixel for a texture of one texel, its colour given: the same outputs, bit for bit.
inline void flat_pixel(int x, int y, const Box& box, const float* colour, int channels, const MeshParams& mesh,
                       const int* tri_id, const uint32_t* cov, const uint64_t* sub, int64_t p, float* rgb,
                       float* alpha) {
  int64_t q = int64_t(y - box.y0) * box.w() + (x - box.x0);
  float* out = rgb + p * channels;
  uint32_t c = cov[q] & kAllSamples;
  float a = float((c & 1u) + ((c >> 1) & 1u) + ((c >> 2) & 1u) + ((c >> 3) & 1u)) * 0.25f;
  bool shaded;
  if (tri_id[q] >= 0) {
    alpha[p] = a < 0.25f ? 0.25f : a;
    shaded = true;
  } else {
    alpha[p] = a;
    uint64_t w = sub[q];
    Tri2D s;  // render_pixel shades from the nearest sub-sample's triangle if it sets up
    shaded = w != kEmptyWord && setup_shape(mesh.verts, mesh.nverts, mesh.tris, int(uint32_t(w & 0xffffffffu)) >> 2, s);
  }
  for (int k = 0; k < channels; ++k) out[k] = shaded ? colour[k] : 0.f;
}

// The raster of render over its box: triangle ids and barycentrics of the pixel centres, the
// sub-sample coverage words and, in zbuf, each empty centre's nearest sub-sample.
void raster_box(const RenderParams& p, const Box& box, uint64_t* zbuf, int* tri_id, float* bary, uint32_t* cov) {
  const int bw = box.w(), bh = box.h();
  const int words = (bw + 63) / 64;
  uint64_t* tested = scratch<uint64_t>(kScratchTested, size_t(words) * bh);
  raster_cpu(p.mesh.verts, p.mesh.nverts, p.mesh.tris, p.mesh.ntris, p.height, p.width, box, zbuf,
             PixelMap{bw, box.x0, box.y0}, tri_id, bary, nullptr);
  parallel_for(bh, grain_for(bh, 2.0 * bw), [&](int64_t b, int64_t e) {
    for (int ly = int(b); ly < int(e); ++ly)
      coverage_seed_row(tri_id, bw, bh, ly, cov + int64_t(ly) * bw, tested + int64_t(ly) * words);
  });
  // zbuf now serves as `sub`: its words are empty exactly where the centre is.
  parallel_for(p.mesh.ntris, grain_for(p.mesh.ntris, 60.0), [&](int64_t b, int64_t e) {
    bool alone = b == 0 && e == p.mesh.ntris;
    for (int64_t t = b; t < e; ++t)
      subsample_triangle(
          p.mesh.verts, p.mesh.nverts, p.mesh.tris, int(t), box, tri_id, cov,
          [&](int64_t q, uint32_t bits) {
            if (alone) cov[q] |= bits; else __atomic_fetch_or(cov + q, bits, __ATOMIC_RELAXED);
          },
          [&](int64_t q, uint64_t w) {
            if (alone) { if (w < zbuf[q]) zbuf[q] = w; } else atomic_min_u64(zbuf + q, w);
          },
          [&](int x, int y) {
            return box.x0 + next_tested(tested + int64_t(y - box.y0) * words, words, bw, x - box.x0);
          });
  });
}

// Row y of the box shaded with the positions split off (RenderParams::pos): each pixel's
// channels, texel centres last, as render_pixel writes them into rgb's row, then moved out: the
// same values bit for bit, without a pass over [H,W,C + 2] to split them (surround.draw_ring).
void split_row(const RenderParams& p, const Box& box, int y, const uint64_t* zbuf, const int* tri_id,
               const float* bary, const uint32_t* cov) {
  const int c = p.channels - 2;
  float* rrow = p.rgb + int64_t(y) * p.width * c;
  float* prow = p.pos + int64_t(y) * p.width * 2;
  std::fill_n(prow, int64_t(box.x0) * 2, 0.f);
  std::fill_n(prow + int64_t(box.x1) * 2, int64_t(p.width - box.x1) * 2, 0.f);
  auto pixels = [&](auto channels) {
    float px[kMaxSplitChannels];
    for (int x = box.x0; x < box.x1; ++x) {
      const int64_t i = int64_t(y) * p.width + x;
      render_pixel(x, y, box, p.texture, p.size, int(channels), p.mesh.verts, p.mesh.nverts, p.mesh.tris, p.uvs,
                   tri_id, bary, cov, zbuf, 0, px, p.alpha + i, true);
      for (int k = 0; k < int(channels) - 2; ++k) rrow[int64_t(x) * c + k] = px[k];
      prow[2 * x] = px[int(channels) - 2];
      prow[2 * x + 1] = px[int(channels) - 1];
    }
  };
  if (p.channels == 5)
    pixels(std::integral_constant<int, 5>());
  else
    pixels(p.channels);
}

// The outputs shaded from raster_box's buffers: the box's pixels, zeros around it.
void shade_box(const RenderParams& p, const Box& box, const uint64_t* zbuf, const int* tri_id, const float* bary,
               const uint32_t* cov) {
  // A 1x1 texture: bilinear's clamps pin both coordinates to its one texel whatever the UV, so
  // every pixel drawn gets the same colour, worked out once by the same arithmetic (shade's, at
  // any UV), without the pixel's barycentrics (the head proxy's under-face mask: issue 15).
  const bool flat = p.size == 1 && !p.positions && p.channels <= kMaxFlatChannels;
  float flat_colour[kMaxFlatChannels] = {};
  if (flat) bilinear(p.texture, 1, 1, p.channels, 0.f, 0.f, 1.f, flat_colour);
  parallel_for(p.height, grain_for(p.height, 12.0 * p.width), [&](int64_t b, int64_t e) {
    for (int y = int(b); y < int(e); ++y) {
      const int rc = p.pos ? p.channels - 2 : p.channels;   // rgb's channels
      float* rrow = p.rgb + int64_t(y) * p.width * rc;
      float* arow = p.alpha + int64_t(y) * p.width;
      if (box.empty() || y < box.y0 || y >= box.y1) {
        std::fill_n(rrow, int64_t(p.width) * rc, 0.f);
        std::fill_n(arow, p.width, 0.f);
        if (p.pos) std::fill_n(p.pos + int64_t(y) * p.width * 2, int64_t(p.width) * 2, 0.f);
        continue;
      }
      std::fill_n(rrow, int64_t(box.x0) * rc, 0.f);
      std::fill_n(arow, box.x0, 0.f);
      std::fill_n(rrow + int64_t(box.x1) * rc, int64_t(p.width - box.x1) * rc, 0.f);
      std::fill_n(arow + box.x1, p.width - box.x1, 0.f);
      if (p.pos) {
        split_row(p, box, y, zbuf, tri_id, bary, cov);
        continue;
      }
      if (flat) {
        for (int x = box.x0; x < box.x1; ++x)
          flat_pixel(x, y, box, flat_colour, p.channels, p.mesh, tri_id, cov, zbuf, int64_t(y) * p.width + x,
                     p.rgb, p.alpha);
        continue;
      }
      // the channel counts the frame loop draws as constants: the texel loops unrolled (the same
      // arithmetic, fewer loop branches per pixel)
      auto row = [&](auto channels) {
        for (int x = box.x0; x < box.x1; ++x)
          render_pixel(x, y, box, p.texture, p.size, int(channels), p.mesh.verts, p.mesh.nverts, p.mesh.tris,
                       p.uvs, tri_id, bary, cov, zbuf, int64_t(y) * p.width + x, p.rgb, p.alpha, p.positions);
      };
      switch (p.channels) {
        case 1: row(std::integral_constant<int, 1>()); break;   // poce_rt.uncover's motion, shaded alone (RasterKeep)
        case 3: row(std::integral_constant<int, 3>()); break;
        case 5: row(std::integral_constant<int, 5>()); break;
        case 7: row(std::integral_constant<int, 7>()); break;
        default: row(p.channels);
      }
    }
  });
}

// render_keep_bytes' layout: a header (the box), then the box's sub-sample words, triangle ids,
// barycentrics and coverage words, each at most height x width of them.
constexpr size_t kKeepHeader = 64;   // bytes: kKeepInts ints (kernels.h), what follows kept 8-byte aligned

struct KeptRaster {
  uint64_t* zbuf;
  int* tri_id;
  float* bary;
  uint32_t* cov;
};

KeptRaster kept_raster(uint8_t* keep, int height, int width) {
  const size_t n = size_t(height) * width;
  uint8_t* at = keep + kKeepHeader;
  KeptRaster k;
  k.zbuf = reinterpret_cast<uint64_t*>(at);
  k.tri_id = reinterpret_cast<int*>(at + 8 * n);
  k.bary = reinterpret_cast<float*>(at + 12 * n);
  k.cov = reinterpret_cast<uint32_t*>(at + 24 * n);
  return k;
}

// render_cpu(_kept): the raster drawn into the per-thread scratch (keep null) or into keep, or
// read from keep (reuse), then shaded.
void render_impl(const RenderParams& p, uint8_t* keep, bool reuse) {
  int* kept_box = reinterpret_cast<int*>(keep);
  Box box;
  if (reuse) {
    box = Box{kept_box[0], kept_box[1], kept_box[2], kept_box[3]};
  } else {
    box = p.mesh.ntris > 0 ? mesh_box_cpu(p.mesh.verts, p.mesh.nverts, p.height, p.width) : Box{0, 0, 0, 0};
    if (keep) {
      const int header[kKeepInts] = {box.x0, box.y0, box.x1, box.y1, p.height, p.width, p.mesh.nverts, p.mesh.ntris,
                                     kKeepMagic};
      std::copy_n(header, kKeepInts, kept_box);
    }
  }
  const size_t nbox = size_t(box.w()) * box.h();
  KeptRaster k = keep ? kept_raster(keep, p.height, p.width)
                      : KeptRaster{scratch<uint64_t>(kScratchZbuf, nbox), scratch<int>(kScratchTriId, nbox),
                                   scratch<float>(kScratchBary, 3 * nbox), scratch<uint32_t>(kScratchCov, nbox)};
  if (!reuse) raster_box(p, box, k.zbuf, k.tri_id, k.bary, k.cov);
  shade_box(p, box, k.zbuf, k.tri_id, k.bary, k.cov);
}

}  // namespace

size_t render_keep_bytes(int height, int width) { return kKeepHeader + 28 * size_t(height) * width; }

// The raster a reuse would shade from, read as untrusted bytes (keep is a caller's array): its box
// inside the frame, every triangle id it names (the centre's, the nearest sub-sample's) a
// triangle of this mesh, every barycentric finite. shade_box indexes the mesh and texture with
// them, so a buffer written by anything but render_cpu_kept must be refused before, not read out
// of bounds. One pass over the box's words: ~5% of the shading it guards.
bool render_keep_valid(const uint8_t* keep, int height, int width, int ntris) {
  int box[4];
  std::memcpy(box, keep, sizeof(box));
  if (box[0] < 0 || box[1] < 0 || box[2] > width || box[3] > height || box[0] > box[2] || box[1] > box[3])
    return false;
  const size_t nbox = size_t(box[2] - box[0]) * size_t(box[3] - box[1]);
  KeptRaster k = kept_raster(const_cast<uint8_t*>(keep), height, width);
  for (size_t q = 0; q < nbox; ++q) {
    const int t = k.tri_id[q];
    if (t >= ntris) return false;
    if (t >= 0) {
      const float* b = k.bary + 3 * q;
      if (!std::isfinite(b[0]) || !std::isfinite(b[1]) || !std::isfinite(b[2])) return false;
    } else if (k.zbuf[q] != kEmptyWord) {
      const int u = int(uint32_t(k.zbuf[q] & 0xffffffffu)) >> 2;
      if (u < 0 || u >= ntris) return false;
    }
  }
  return true;
}

void render_cpu(const RenderParams& p) { render_impl(p, nullptr, false); }

void render_cpu_kept(const RenderParams& p, uint8_t* keep, bool reuse) { render_impl(p, keep, reuse); }

}  // namespace poce
