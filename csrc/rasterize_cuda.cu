// Rasterizer, CUDA: the CPU version's work over the mesh's box, as kernels on one stream. The
// box is computed on the device into the two words after the H*W depth-buffer words (zbuf holds
// H*W + 2), so nothing is read back; launches are sized for the frame and threads past the box
// return at once, so clears, depth words and the resolve touch only the box.
#include <climits>

#include "cuda_utils.h"
#include "kernels.h"
#include "raster.h"
#include "raster_cuda.h"

namespace poce {

__global__ void box_init_kernel(int* raw) {
  raw[0] = INT_MAX; raw[1] = INT_MAX; raw[2] = INT_MIN; raw[3] = INT_MIN;
}

__global__ void box_kernel(const float* verts, int nverts, int height, int width, int* raw) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= nverts) return;
  const float* v = verts + 3 * i;
  if (!finite3(v[0], v[1], v[2])) return;
  atomicMin(raw + 0, pixel_of(v[0], width));
  atomicMin(raw + 1, pixel_of(v[1], height));
  atomicMax(raw + 2, pixel_of(v[0], width));
  atomicMax(raw + 3, pixel_of(v[1], height));
}

__global__ void clear_box_kernel(uint64_t* zbuf, const int* raw, int height, int width) {
  Box box = device_box(raw, height, width);
  int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i < int64_t(box.w()) * box.h()) zbuf[i] = kEmptyWord;
}

__global__ void raster_kernel(const float* verts, int nverts, const int* tris, int ntris, int height,
                              int width, unsigned long long* zbuf, const int* raw) {
  int t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= ntris) return;
  Box box = device_box(raw, height, width);
  raster_triangle(verts, nverts, tris, t, height, width, 0, height, PixelMap{box.w(), box.x0, box.y0},
                  [&](int64_t i, uint64_t word, const Tri2D&, const float*, int, int) {
                    atomicMin(zbuf + i, (unsigned long long)word);
                  });
}

// `frame`: outputs cover the frame (pixels outside the box get the empty values); otherwise they
// are box-local (row stride box.w()), as render and sample_uv read them.
__global__ void resolve_kernel(const uint64_t* zbuf, const int* raw, const float* verts, int nverts,
                               const int* tris, int height, int width, bool frame, int* tri_id,
                               float* bary, float* depth) {
  Box box = device_box(raw, height, width);
  int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  int x, y;
  if (frame) {
    if (i >= int64_t(height) * width) return;
    y = int(i / width); x = int(i % width);
    if (x < box.x0 || x >= box.x1 || y < box.y0 || y >= box.y1) {
      empty_pixel(tri_id + i, bary + 3 * i, depth ? depth + i : nullptr);
      return;
    }
  } else {
    if (i >= int64_t(box.w()) * box.h()) return;
    y = box.y0 + int(i / box.w()); x = box.x0 + int(i % box.w());
  }
  Tri2D cache;
  int cache_t = -1;
  uint64_t word = zbuf[int64_t(y - box.y0) * box.w() + (x - box.x0)];
  resolve_pixel(word, verts, nverts, tris, height, width, x, y, cache, cache_t, tri_id + i, bary + 3 * i,
                depth ? depth + i : nullptr);
}

void raster_cuda(const float* verts, int nverts, const int* tris, int ntris, int height, int width,
                 uint64_t* zbuf, bool frame, int* tri_id, float* bary, float* depth, cudaStream_t st) {
  int64_t npix = int64_t(height) * width;
  int* raw = box_words(zbuf, height, width);
  box_init_kernel<<<1, 1, 0, st>>>(raw);
  if (ntris > 0 && nverts > 0) box_kernel<<<grid_for(nverts), kBlock, 0, st>>>(verts, nverts, height, width, raw);
  clear_box_kernel<<<grid_for(npix), kBlock, 0, st>>>(zbuf, raw, height, width);
  if (ntris > 0)
    raster_kernel<<<grid_for(ntris), kBlock, 0, st>>>(verts, nverts, tris, ntris, height, width,
                                                      reinterpret_cast<unsigned long long*>(zbuf), raw);
  resolve_kernel<<<grid_for(npix), kBlock, 0, st>>>(zbuf, raw, verts, nverts, tris, height, width, frame,
                                                    tri_id, bary, depth);
}

void rasterize_cuda(const float* verts, int nverts, const int* tris, int ntris, int height, int width,
                    uint64_t* zbuf, int* tri_id, float* bary, float* depth, uintptr_t stream) {
  raster_cuda(verts, nverts, tris, ntris, height, width, zbuf, true, tri_id, bary, depth,
              reinterpret_cast<cudaStream_t>(stream));
  check_launch("rasterize");
}

}  // namespace poce
