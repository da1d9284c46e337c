// Entry points of the kernels. CPU versions take host pointers; CUDA versions take device
// pointers and a cudaStream_t (as uintptr_t) and never allocate: the caller (Python, CuPy)
// owns every buffer, workspaces included. Shapes and dtypes are checked by the callers
// (poce_rt/ops/*.py and bindings.cpp); these functions trust them.
#pragma once
#include <cstddef>
#include <cstdint>

namespace poce {

// CPU kernels keep their temporaries in per-thread buffers (scratch.h) and work over the mesh's
// box (common.h: Box); outputs outside it get their empty values.
// ---- rasterize: verts [N,3] (x, y px; depth), tris [F,3] -> tri_id [H,W], bary [H,W,3], depth [H,W].
// `drawn` (optional, 6 ints [H, W, y0, x0, y1, x1]): in, where these output buffers may still hold
// an earlier call's values (ignored unless H, W match: then the whole frame is cleared); out, the
// box this call drew. With it a steady state clears only what the last call drew.
void rasterize_cpu(const float* verts, int nverts, const int* tris, int ntris, int height, int width,
                   int* tri_id, float* bary, float* depth, int* drawn);
// The posed mesh: verts [N,3] (x, y px; depth), tris [F,3].
struct MeshParams {
  const float* verts;
  int nverts;
  const int* tris;
  int ntris;
};
// ---- sample_uv: image [H,W,3] u8 -> uv [S,S,3] f32 in [0,1], mask [S,S]; the layout's uvs [N,2],
// tri_id [S,S] and bary [S,S,3] (UVLayout).
struct SampleUVParams {
  const uint8_t* image;
  int height, width;
  MeshParams mesh;
  const float* uvs;
  const int* layout_tri;
  const float* layout_bary;
  int size;
  float depth_tol;
  float* uv_out;
  float* mask_out;
};
void sample_uv_cpu(const SampleUVParams& p);
// ---- render: texture [S,S,C], uvs [N,2] -> rgb [H,W,C], alpha [H,W]
struct RenderParams {
  const float* texture;
  int size, channels;  // channels: the output's (the texture's, 2 more with positions)
  MeshParams mesh;
  const float* uvs;
  int height, width;
  float* rgb;
  float* alpha;
  bool positions = false;  // the texture has channels - 2; the last two are its texel centres (render.h)
  // CPU only, with positions: null, or [H,W,2] the texel centres are written into instead of rgb's
  // last two channels (rgb then [H,W,channels - 2]; channels at most kMaxSplitChannels)
  float* pos = nullptr;
};
constexpr int kMaxSplitChannels = 16;
void render_cpu(const RenderParams& p);
// render_cpu with its raster (the mesh's box, triangle ids, barycentrics, sub-sample coverage and
// nearest sub-samples) kept in a caller's buffer of render_keep_bytes(h, w): reuse=false draws
// it there, reuse=true shades from what an earlier call drew there (the same mesh, size and
// vertices: the caller's to ensure; only the texture and uvs may change). A mesh that stays put
// while its texture changes (poce_rt.uncover's motion drawn where the photo shows the face) is
// then shaded alone: most of a host render is its raster.
// The buffer's first ints (its header): the box drawn (x0, y0, x1, y1), then the height, width,
// vertex and triangle counts it was drawn for and kKeepMagic once drawn (the binding checks them
// before a reuse).
constexpr int kKeepInts = 9;
constexpr int kKeepMagic = 0x6b656570;
std::size_t render_keep_bytes(int height, int width);
void render_cpu_kept(const RenderParams& p, uint8_t* keep, bool reuse);
// Whether keep holds a raster render_cpu_kept could shade from for a mesh of ntris triangles at
// this size (its box in the frame, its triangle ids in range, its barycentrics finite).
bool render_keep_valid(const uint8_t* keep, int height, int width, int ntris);
// ---- modulate: x, gamma, beta [N,C,H,W] -> out [N,C,H,W]
void modulate_cpu(const float* x, const float* gamma, const float* beta, int64_t planes,
                  int64_t plane_size, float eps, float* out);
// ---- transfer: e_src, e_ref [N,C,H,W], mask [N,Hm,Wm] -> out [N,C,H,W]
void transfer_cpu(const float* e_src, const float* e_ref, const float* mask, int n, int c, int h,
                  int w, int hm, int wm, float* out);
// ---- composite: frame [H,W,3] u8, rgb [H,W,3] f32 in [0,1], alpha [H,W] -> out [H,W,3] u8
void composite_cpu(const uint8_t* frame, const float* rgb, const float* alpha, int height, int width,
                   int feather_px, uint8_t* out);
// ---- ring_keep_still: photo [H,W,3] u8, rgb [H,W,3], pos [H,W,2], offset [W,2], centres [H,W,2]
// -> kept [H,W,3], moved [H,W] (poce_rt.surround.keep_ring_still; CPU only: on the GPU its CuPy
// lines are one elementwise kernel each, captured in the frame loop's CUDA graph)
void ring_keep_still_cpu(const uint8_t* photo, const float* rgb, const float* pos, const float* offset,
                         const float* centres, int height, int width, float still, float inv_range, float scale,
                         float* kept, float* moved);
// ---- soften_folds: rgb [H,W,3] in place, alpha [H,W], pos [H,W,2], under [H,W] or null
// (poce_rt.surround.soften_folds' host path; CPU only: on the GPU its CuPy lines)
struct FoldParams {
  float lo, inv_range;       // FOLD_PX[0], 1 / (FOLD_PX[1] - FOLD_PX[0])
  float full_at, full_scale;  // FOLD_FULL, its ramp's scale
};
void soften_folds_cpu(float* rgb, const float* alpha, const float* pos, const float* under, int height, int width,
                      const FoldParams& f);
// ---- interpolate: attr [N,C] over the rasterizer's tri_id [H,W], bary [H,W,3] (tris [F,3]) ->
// out [H,W,C], mask [H,W] (1 where a triangle covers the pixel centre). Only pixels in `box`
// (x0, y0, x1, y1; half-open, within the frame) are read; the rest are written empty.
struct InterpolateParams {
  const float* attr;
  int nverts, channels;
  const int* tris;
  int ntris;
  const int* tri_id;
  const float* bary;
  int height, width;
  int box[4];
  float* out;
  float* mask;
};
void interpolate_cpu(const InterpolateParams& p);
// ---- crop: image [H,W,C] (u8, read as /255, or f32), theta [B,2,3] (output -> input pixel
// coordinates), sr x sr samples per output pixel -> out [B,OH,OW,C] f32 (0 outside the image)
void crop_cpu(const void* image, bool u8, int height, int width, int channels, const float* theta, int boxes,
              int out_h, int out_w, int sr, float* out);

// ---- the CPU rasterizer's passes (rasterize_cpu.cpp), shared by render and sample_uv
struct Box;
struct PixelMap;
Box mesh_box_cpu(const float* verts, int nverts, int height, int width);
// Depth test over `box` into zbuf (box-local, row stride box.w()), then the triangle ids,
// barycentrics and depths (depth may be null) of the box's pixels at `out`. zbuf keeps the
// depth test's words (empty exactly where no centre is covered).
void raster_cpu(const float* verts, int nverts, const int* tris, int ntris, int height, int width,
                const Box& box, uint64_t* zbuf, const PixelMap& out, int* tri_id, float* bary,
                float* depth);

inline void atomic_min_u64(uint64_t* addr, uint64_t value) {
  uint64_t cur = __atomic_load_n(addr, __ATOMIC_RELAXED);
  while (value < cur &&
         !__atomic_compare_exchange_n(addr, &cur, value, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
}

#ifdef POCE_WITH_CUDA
// zbuf holds H*W + 2 words: the depth test's words, then the mesh's box (computed on the device).
bool cuda_device_count(int* count);
void rasterize_cuda(const float* verts, int nverts, const int* tris, int ntris, int height, int width,
                    uint64_t* zbuf, int* tri_id, float* bary, float* depth, uintptr_t stream);
// The rasterizer's device temporaries (H*W each, zbuf + 2 words), from the caller's workspace.
struct RasterBuffers {
  uint64_t* zbuf;
  int* tri_id;
  float* bary;
  float* depth;
};
void sample_uv_cuda(const SampleUVParams& p, const RasterBuffers& ws, uintptr_t stream);
void render_cuda(const RenderParams& p, const RasterBuffers& ws, uintptr_t stream);
void modulate_cuda(const float* x, const float* gamma, const float* beta, int64_t planes,
                   int64_t plane_size, float eps, float* out, uintptr_t stream);
void transfer_cuda(const float* e_src, const float* e_ref, const float* mask, int n, int c, int h,
                   int w, int hm, int wm, float* out, uintptr_t stream);
void composite_cuda(const uint8_t* frame, const float* rgb, const float* alpha, int height, int width,
                    int feather_px, float* work, uint8_t* out, uintptr_t stream);
void interpolate_cuda(const InterpolateParams& p, uintptr_t stream);
void crop_cuda(const void* image, bool u8, int height, int width, int channels, const float* theta, int boxes,
               int out_h, int out_w, int sr, float* out, uintptr_t stream);
#endif

}  // namespace poce
