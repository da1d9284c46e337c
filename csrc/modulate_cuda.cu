// modulate (Eq. 7), CUDA: one block per (n, c) plane; a block reduction gives mean and variance
// (two passes over the plane, which stays in L2), then the fused normalise-and-modulate write.
// The statistics accumulate in double, as modulate_cpu.cpp does: float sums of a 256x256 plane lose
// digits, and CPU and GPU then agree on mean and 1/std to the float they are rounded to (only the
// order of the double additions differs). The loop is memory-bound, so double adds cost little.
#include "cuda_utils.h"
#include "kernels.h"

namespace poce {

template <int kThreads>
__device__ double block_sum(double v, double* shared) {
  for (int off = 16; off > 0; off >>= 1) v += __shfl_down_sync(0xffffffffu, v, off);
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  v = (threadIdx.x < kThreads / 32) ? shared[threadIdx.x] : 0.0;
  if (warp == 0)
    for (int off = 16; off > 0; off >>= 1) v += __shfl_down_sync(0xffffffffu, v, off);
  if (threadIdx.x == 0) shared[0] = v;
  __syncthreads();
  double total = shared[0];
  __syncthreads();
  return total;
}

template <int kThreads>
__global__ void modulate_kernel(const float* x, const float* gamma, const float* beta,
                                int64_t plane_size, float eps, float* out) {
  __shared__ double shared[32];
  int64_t base = int64_t(blockIdx.x) * plane_size;
  const float* xp = x + base;
  double s = 0.0;
  for (int64_t i = threadIdx.x; i < plane_size; i += kThreads) s += xp[i];
  double mean_d = block_sum<kThreads>(s, shared) / double(plane_size);
  double sq = 0.0;
  for (int64_t i = threadIdx.x; i < plane_size; i += kThreads) {
    double d = xp[i] - mean_d;
    sq += d * d;
  }
  double var = block_sum<kThreads>(sq, shared) / double(plane_size);
  // Rounded to float exactly as the CPU does, so the write below is the CPU's arithmetic.
  float mean = float(mean_d);
  float inv_std = float(1.0 / sqrt(var + double(eps)));
  for (int64_t i = threadIdx.x; i < plane_size; i += kThreads)
    out[base + i] = gamma[base + i] * ((xp[i] - mean) * inv_std) + beta[base + i];
}

void modulate_cuda(const float* x, const float* gamma, const float* beta, int64_t planes,
                   int64_t plane_size, float eps, float* out, uintptr_t stream) {
  if (planes == 0) return;
  modulate_kernel<256><<<unsigned(planes), 256, 0, reinterpret_cast<cudaStream_t>(stream)>>>(
      x, gamma, beta, plane_size, eps, out);
  check_launch("modulate");
}

}  // namespace poce
