// Entry points of the kernels. CPU versions take host pointers; CUDA versions take device
// pointers and a cudaStream_t (as uintptr_t) and never allocate: the caller (Python, CuPy)
// owns every buffer, workspaces included. Shapes and dtypes are checked by the callers
// (poce_rt/ops/*.py and bindings.cpp); these functions trust them.
#pragma once
#include <cstdint>

namespace poce {

// ---- rasterize: verts [N,3] (x, y px; depth), tris [F,3] -> tri_id [H,W], bary [H,W,3], depth [H,W]
void rasterize_cpu(const float* verts, int nverts, const int* tris, int ntris, int height, int width,
                   uint64_t* zbuf, int* tri_id, float* bary, float* depth);
// ---- sample_uv: image [H,W,3] u8 -> uv [S,S,3] f32 in [0,1], mask [S,S]
void sample_uv_cpu(const uint8_t* image, int height, int width, const float* verts, int nverts,
                   const int* tris, int ntris, const float* uvs, const int* layout_tri,
                   const float* layout_bary, int size, float depth_tol, uint64_t* zbuf,
                   int* tri_id, float* bary, float* depth, float* uv_out, float* mask_out);
// ---- render: texture [S,S,C] -> rgb [H,W,C], alpha [H,W]
void render_cpu(const float* texture, int size, int channels, const float* verts, int nverts,
                const int* tris, int ntris, const float* uvs, int height, int width, uint64_t* zbuf,
                int* tri_id, float* bary, float* depth, float* rgb, float* alpha);
// ---- modulate: x, gamma, beta [N,C,H,W] -> out [N,C,H,W]
void modulate_cpu(const float* x, const float* gamma, const float* beta, int64_t planes,
                  int64_t plane_size, float eps, float* out);
// ---- transfer: e_src, e_ref [N,C,H,W], mask [N,Hm,Wm] -> out [N,C,H,W]
void transfer_cpu(const float* e_src, const float* e_ref, const float* mask, int n, int c, int h,
                  int w, int hm, int wm, float* out);
// ---- composite: frame [H,W,3] u8, rgb [H,W,3] f32 in [0,1], alpha [H,W] -> out [H,W,3] u8
void composite_cpu(const uint8_t* frame, const float* rgb, const float* alpha, int height, int width,
                   int feather_px, float* work, uint8_t* out);

#ifdef POCE_WITH_CUDA
bool cuda_device_count(int* count);
void rasterize_cuda(const float* verts, int nverts, const int* tris, int ntris, int height, int width,
                    uint64_t* zbuf, int* tri_id, float* bary, float* depth, uintptr_t stream);
void sample_uv_cuda(const uint8_t* image, int height, int width, const float* verts, int nverts,
                    const int* tris, int ntris, const float* uvs, const int* layout_tri,
                    const float* layout_bary, int size, float depth_tol, uint64_t* zbuf,
                    int* tri_id, float* bary, float* depth, float* uv_out, float* mask_out,
                    uintptr_t stream);
void render_cuda(const float* texture, int size, int channels, const float* verts, int nverts,
                 const int* tris, int ntris, const float* uvs, int height, int width, uint64_t* zbuf,
                 int* tri_id, float* bary, float* depth, float* rgb, float* alpha, uintptr_t stream);
void modulate_cuda(const float* x, const float* gamma, const float* beta, int64_t planes,
                   int64_t plane_size, float eps, float* out, uintptr_t stream);
void transfer_cuda(const float* e_src, const float* e_ref, const float* mask, int n, int c, int h,
                   int w, int hm, int wm, float* out, uintptr_t stream);
void composite_cuda(const uint8_t* frame, const float* rgb, const float* alpha, int height, int width,
                    int feather_px, float* work, uint8_t* out, uintptr_t stream);
#endif

}  // namespace poce
