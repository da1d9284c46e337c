// Small helpers shared by the .cu files: launch geometry and error reporting as exceptions
// (pybind11 turns them into Python RuntimeErrors instead of aborting the process).
#pragma once
#include <cuda_runtime.h>
#include <stdexcept>
#include <string>

namespace poce {

constexpr int kBlock = 256;

inline unsigned grid_for(int64_t n) { return unsigned((n + kBlock - 1) / kBlock); }

inline void check_launch(const char* what) {
  cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess)
    throw std::runtime_error(std::string(what) + ": CUDA launch failed: " + cudaGetErrorString(err));
}

}  // namespace poce
