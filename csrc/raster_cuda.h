// The CUDA rasterizer's passes (rasterize_cuda.cu), shared by render and sample_uv.
#pragma once
#include <cuda_runtime.h>

#include "common.h"

namespace poce {

// The mesh's box lives on the device, after the H*W depth-buffer words: 4 ints, the inclusive
// pixel range of the finite vertices (empty when there are none), clipped where it is read.
inline int* box_words(uint64_t* zbuf, int height, int width) {
  return reinterpret_cast<int*>(zbuf + int64_t(height) * width);
}

__device__ __forceinline__ Box device_box(const int* raw, int height, int width) {
  return clip_box(raw[0], raw[1], raw[2], raw[3], height, width);
}

// Box, clear, depth test and resolve. `frame`: tri_id/bary/depth cover the frame (empty values
// outside the box); else they are box-local (row stride box.w()). depth may be null.
void raster_cuda(const float* verts, int nverts, const int* tris, int ntris, int height, int width,
                 uint64_t* zbuf, bool frame, int* tri_id, float* bary, float* depth, cudaStream_t st);

}  // namespace poce
