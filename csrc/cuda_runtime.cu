// Device discovery with the statically linked CUDA runtime: on a machine without a driver or GPU
// cudaGetDeviceCount reports an error and we answer "no GPU" instead of failing to import.
#include "cuda_utils.h"
#include "kernels.h"

namespace poce {

bool cuda_device_count(int* count) {
  *count = 0;
  cudaError_t err = cudaGetDeviceCount(count);
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error so later calls start clean
    *count = 0;
    return false;
  }
  return *count > 0;
}

}  // namespace poce
