// Argument checks of the pybind11 bindings (bindings.cpp only). poce_rt._C is importable, so its
// functions are an API of their own: every entry point checks what it is given and raises a Python
// TypeError/ValueError rather than letting a kernel read or write out of bounds. The kernels
// (kernels.h) then trust their arguments.
//  - NumPy arrays: dtype, rank, shape, C-contiguity, alignment, writeability of outputs, and index
//    ranges (a kernel indexing with a bad id reads outside the vertex buffer).
//  - Integers: sizes, channel counts and element counts within the ranges the kernels' int indexing
//    holds, so no product overflows. The CUDA entry points get raw device pointers and cannot look
//    at the memory; they check every integer, and that no required pointer is null.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <climits>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace poce_bind {

namespace py = pybind11;

constexpr int64_t kMaxSide = 16384;      // image, texture and layout sides (as poce_rt.ops)
constexpr int64_t kMaxChannels = 1024;   // texture channels
constexpr int64_t kMaxCount = INT_MAX / 3;  // vertices, triangles: kernels index 3 * i in int

[[noreturn]] inline void bad_value(const std::string& msg) { throw py::value_error(msg); }

inline void check_range(const char* name, int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi)
    bad_value(std::string(name) + " must be in " + std::to_string(lo) + ".." + std::to_string(hi) +
              ", got " + std::to_string(v));
}

inline void check_size(int64_t height, int64_t width) {
  check_range("height", height, 1, kMaxSide);
  check_range("width", width, 1, kMaxSide);
}

inline void check_count(const char* name, int64_t n) { check_range(name, n, 0, kMaxCount); }

// The element count of an array of these dimensions (each >= 0), rejecting one whose byte size
// would overflow int64 (the raw CUDA entry points get dimensions, not arrays).
inline int64_t checked_numel(const char* name, std::initializer_list<int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims) {
    check_range(name, d, 0, INT64_MAX);
    if (d != 0 && n > INT64_MAX / 16 / d) bad_value(std::string(name) + ": too many elements");
    n *= d;
  }
  return n;
}

// NaN fails every comparison, so `!(v >= lo)` also rejects it.
inline void check_real(const char* name, float v, float lo, bool inclusive) {
  if (!(inclusive ? v >= lo : v > lo))
    bad_value(std::string(name) + " must be " + (inclusive ? ">= " : "> ") + std::to_string(lo) +
              ", got " + std::to_string(v));
}

// A NumPy array of dtype T, C-contiguous and aligned, of the given rank; shape[i] >= 0 must match.
template <typename T>
py::array_t<T> checked(const py::handle& obj, const char* name, std::vector<py::ssize_t> shape) {
  if (!py::isinstance<py::array>(obj))
    throw py::type_error(std::string(name) + ": expected a numpy array, got " +
                         std::string(py::str(py::type::handle_of(obj).attr("__name__"))));
  py::array a = py::reinterpret_borrow<py::array>(obj);
  if (!a.dtype().is(py::dtype::of<T>()))
    throw py::type_error(std::string(name) + ": expected dtype " +
                         std::string(py::str(py::dtype::of<T>())) + ", got " +
                         std::string(py::str(a.dtype())));
  if (a.ndim() != py::ssize_t(shape.size()))
    bad_value(std::string(name) + ": expected " + std::to_string(shape.size()) +
              " dimensions, got " + std::to_string(a.ndim()));
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] >= 0 && a.shape(i) != shape[i])
      bad_value(std::string(name) + ": dimension " + std::to_string(i) + " must be " +
                std::to_string(shape[i]) + ", got " + std::to_string(a.shape(i)));
  if (!(a.flags() & py::array::c_style)) bad_value(std::string(name) + ": must be C-contiguous");
  // A view at an odd byte offset (np.frombuffer(buf, offset=1)) is contiguous but misaligned.
  if (!(a.flags() & py::detail::npy_api::NPY_ARRAY_ALIGNED_))
    bad_value(std::string(name) + ": must be aligned to its dtype");
  return py::reinterpret_borrow<py::array_t<T>>(a);
}

// A caller-owned output: as `checked`, and writeable. None gives a fresh array of that shape.
template <typename T>
py::array_t<T> out_array(const py::object& obj, const char* name, std::vector<py::ssize_t> shape) {
  if (obj.is_none()) return py::array_t<T>(shape);
  auto a = checked<T>(obj, name, shape);
  if (!a.writeable()) bad_value(std::string(name) + ": must be writeable");
  return a;
}

// Every index in [lo, hi).
inline void check_indices(const char* name, const py::array_t<int>& idx, int64_t lo, int64_t hi) {
  const int* p = idx.data();
  const int64_t n = idx.size();
  for (int64_t i = 0; i < n; ++i)
    if (p[i] < lo || p[i] >= hi)
      bad_value(std::string(name) + ": index " + std::to_string(p[i]) + " at flat position " +
                std::to_string(i) + " is outside " + std::to_string(lo) + ".." +
                std::to_string(hi - 1));
}

// [N,3] float32 vertices and [F,3] int32 triangles indexing them.
inline std::pair<py::array_t<float>, py::array_t<int>> checked_mesh(const py::handle& verts_o,
                                                                    const py::handle& tris_o) {
  auto verts = checked<float>(verts_o, "verts", {-1, 3});
  auto tris = checked<int>(tris_o, "tris", {-1, 3});
  check_count("verts: vertex count", verts.shape(0));
  check_count("tris: triangle count", tris.shape(0));
  check_indices("tris", tris, 0, verts.shape(0));
  return {verts, tris};
}

// [N,C] float32 per-vertex attributes (C in 1..kMaxChannels) and [F,3] int32 triangles indexing them.
inline std::pair<py::array_t<float>, py::array_t<int>> checked_mesh_attr(const py::handle& attr_o,
                                                                         const py::handle& tris_o) {
  auto attr = checked<float>(attr_o, "attr", {-1, -1});
  check_count("attr: vertex count", attr.shape(0));
  check_range("attr channels", attr.shape(1), 1, kMaxChannels);
  auto tris = checked<int>(tris_o, "tris", {-1, 3});
  check_count("tris: triangle count", tris.shape(0));
  check_indices("tris", tris, 0, attr.shape(0));
  return {attr, tris};
}

// Required device pointers must not be null (CuPy gives a size-0 allocation a null pointer).
inline void check_ptr(const char* name, uintptr_t p) {
  if (p == 0) bad_value(std::string(name) + ": null device pointer");
}

inline void check_ptrs(std::initializer_list<std::pair<const char*, uintptr_t>> ptrs) {
  for (const auto& p : ptrs) check_ptr(p.first, p.second);
}

}  // namespace poce_bind
