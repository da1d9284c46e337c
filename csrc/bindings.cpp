// pybind11 bindings of poce_rt._C.
// CPU entry points take NumPy arrays, check them (dtype, rank, shape, C-contiguity; the Python
// wrappers in poce_rt/ops check first and with friendlier messages, this is the second line),
// release the GIL and return new arrays. CUDA entry points take raw device pointers from CuPy
// (or any __cuda_array_interface__ producer) and a stream handle; Python owns every buffer.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "kernels.h"
#include "parallel.h"

namespace py = pybind11;
using namespace poce;

namespace {

template <typename T>
py::array_t<T> checked(const py::handle& obj, const char* name, std::vector<py::ssize_t> shape) {
  if (!py::isinstance<py::array>(obj))
    throw py::type_error(std::string(name) + ": expected a numpy array");
  py::array a = py::reinterpret_borrow<py::array>(obj);
  if (!a.dtype().is(py::dtype::of<T>()))
    throw py::type_error(std::string(name) + ": expected dtype " +
                         std::string(py::str(py::dtype::of<T>())) + ", got " +
                         std::string(py::str(a.dtype())));
  if (!(a.flags() & py::array::c_style))
    throw py::value_error(std::string(name) + ": must be C-contiguous");
  if (a.ndim() != py::ssize_t(shape.size()))
    throw py::value_error(std::string(name) + ": expected " + std::to_string(shape.size()) +
                          " dimensions, got " + std::to_string(a.ndim()));
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] >= 0 && a.shape(i) != shape[i])
      throw py::value_error(std::string(name) + ": dimension " + std::to_string(i) + " must be " +
                            std::to_string(shape[i]) + ", got " + std::to_string(a.shape(i)));
  return py::reinterpret_borrow<py::array_t<T>>(a);
}

void check_size(int h, int w) {
  if (h <= 0 || w <= 0 || h > 16384 || w > 16384)
    throw py::value_error("height and width must be in 1..16384, got " + std::to_string(h) + "x" +
                          std::to_string(w));
}

// `tri_id_o`/`bary_o`/`depth_o` (optional, all or none): caller-owned outputs, written in place.
// `drawn_o` (optional int32 [6]): the record rasterize_cpu keeps of what it drew in those buffers
// (kernels.h), so that a caller reusing them gets only that box cleared.
py::tuple rasterize(py::handle verts_o, py::handle tris_o, int height, int width, py::object tri_id_o,
                    py::object bary_o, py::object depth_o, py::object drawn_o) {
  check_size(height, width);
  auto verts = checked<float>(verts_o, "verts", {-1, 3});
  auto tris = checked<int>(tris_o, "tris", {-1, 3});
  bool given = !tri_id_o.is_none();
  if (bary_o.is_none() == given || depth_o.is_none() == given)
    throw py::value_error("rasterize: give all three outputs or none");
  auto tri_id = given ? checked<int>(tri_id_o, "tri_id out", {height, width}) : py::array_t<int>({height, width});
  auto bary = given ? checked<float>(bary_o, "bary out", {height, width, 3}) : py::array_t<float>({height, width, 3});
  auto depth = given ? checked<float>(depth_o, "depth out", {height, width}) : py::array_t<float>({height, width});
  if (!tri_id.writeable() || !bary.writeable() || !depth.writeable())
    throw py::value_error("rasterize: outputs must be writeable");
  int* drawn = nullptr;
  py::array_t<int> drawn_a;
  if (!drawn_o.is_none()) {
    if (!given) throw py::value_error("rasterize: `drawn` describes given outputs");
    drawn_a = checked<int>(drawn_o, "drawn", {6});
    if (!drawn_a.writeable()) throw py::value_error("rasterize: drawn must be writeable");
    drawn = drawn_a.mutable_data();
  }
  {
    py::gil_scoped_release nogil;
    rasterize_cpu(verts.data(), int(verts.shape(0)), tris.data(), int(tris.shape(0)), height, width,
                  tri_id.mutable_data(), bary.mutable_data(), depth.mutable_data(), drawn);
  }
  return py::make_tuple(tri_id, bary, depth);
}

py::tuple sample_uv(py::handle image_o, py::handle verts_o, py::handle tris_o, py::handle uvs_o,
                    py::handle layout_tri_o, py::handle layout_bary_o, float depth_tol) {
  auto image = checked<uint8_t>(image_o, "image", {-1, -1, 3});
  auto verts = checked<float>(verts_o, "verts", {-1, 3});
  auto tris = checked<int>(tris_o, "tris", {-1, 3});
  auto uvs = checked<float>(uvs_o, "uvs", {verts.shape(0), 2});
  auto ltri = checked<int>(layout_tri_o, "layout.tri_id", {-1, -1});
  int size = int(ltri.shape(0));
  if (ltri.shape(1) != size) throw py::value_error("layout.tri_id must be square");
  auto lbary = checked<float>(layout_bary_o, "layout.bary", {size, size, 3});
  int height = int(image.shape(0)), width = int(image.shape(1));
  check_size(height, width);
  py::array_t<float> uv({size, size, 3});
  py::array_t<float> mask({size, size});
  {
    py::gil_scoped_release nogil;
    sample_uv_cpu(image.data(), height, width, verts.data(), int(verts.shape(0)), tris.data(),
                  int(tris.shape(0)), uvs.data(), ltri.data(), lbary.data(), size, depth_tol,
                  uv.mutable_data(), mask.mutable_data());
  }
  return py::make_tuple(uv, mask);
}

// `rgb_o`/`alpha_o` (optional): caller-owned outputs, written in place (a frame loop reuses them).
py::tuple render(py::handle texture_o, py::handle verts_o, py::handle tris_o, py::handle uvs_o,
                 int height, int width, py::object rgb_o, py::object alpha_o) {
  check_size(height, width);
  auto texture = checked<float>(texture_o, "texture", {-1, -1, -1});
  int size = int(texture.shape(0)), channels = int(texture.shape(2));
  if (texture.shape(1) != size) throw py::value_error("texture must be square [S,S,C]");
  auto verts = checked<float>(verts_o, "verts", {-1, 3});
  auto tris = checked<int>(tris_o, "tris", {-1, 3});
  auto uvs = checked<float>(uvs_o, "uvs", {verts.shape(0), 2});
  auto rgb = rgb_o.is_none() ? py::array_t<float>({height, width, channels})
                             : checked<float>(rgb_o, "rgb out", {height, width, channels});
  auto alpha = alpha_o.is_none() ? py::array_t<float>({height, width})
                                 : checked<float>(alpha_o, "alpha out", {height, width});
  if (!rgb.writeable() || !alpha.writeable()) throw py::value_error("render: outputs must be writeable");
  {
    py::gil_scoped_release nogil;
    render_cpu(texture.data(), size, channels, verts.data(), int(verts.shape(0)), tris.data(),
               int(tris.shape(0)), uvs.data(), height, width, rgb.mutable_data(), alpha.mutable_data());
  }
  return py::make_tuple(rgb, alpha);
}

py::array_t<float> modulate(py::handle x_o, py::handle gamma_o, py::handle beta_o, float eps) {
  auto x = checked<float>(x_o, "x", {-1, -1, -1, -1});
  std::vector<py::ssize_t> shp(x.shape(), x.shape() + 4);
  auto gamma = checked<float>(gamma_o, "gamma", shp);
  auto beta = checked<float>(beta_o, "beta", shp);
  py::array_t<float> out(shp);
  int64_t planes = int64_t(shp[0]) * shp[1], plane_size = int64_t(shp[2]) * shp[3];
  {
    py::gil_scoped_release nogil;
    modulate_cpu(x.data(), gamma.data(), beta.data(), planes, plane_size, eps, out.mutable_data());
  }
  return out;
}

py::array_t<float> transfer(py::handle src_o, py::handle ref_o, py::handle mask_o) {
  auto src = checked<float>(src_o, "e_src", {-1, -1, -1, -1});
  std::vector<py::ssize_t> shp(src.shape(), src.shape() + 4);
  auto ref = checked<float>(ref_o, "e_ref", shp);
  auto mask = checked<float>(mask_o, "mask", {shp[0], -1, -1});
  py::array_t<float> out(shp);
  {
    py::gil_scoped_release nogil;
    transfer_cpu(src.data(), ref.data(), mask.data(), int(shp[0]), int(shp[1]), int(shp[2]),
                 int(shp[3]), int(mask.shape(1)), int(mask.shape(2)), out.mutable_data());
  }
  return out;
}

// `out_o` (optional): a caller-owned output, written in place; it may be `frame` itself (each
// pixel reads only its own frame pixel).
py::array_t<uint8_t> composite(py::handle frame_o, py::handle rgb_o, py::handle alpha_o,
                               int feather_px, py::object out_o) {
  auto frame = checked<uint8_t>(frame_o, "frame", {-1, -1, 3});
  int h = int(frame.shape(0)), w = int(frame.shape(1));
  check_size(h, w);
  auto rgb = checked<float>(rgb_o, "rgb", {h, w, 3});
  auto alpha = checked<float>(alpha_o, "alpha", {h, w});
  if (feather_px < 0 || feather_px > 4096) throw py::value_error("feather_px must be in 0..4096");
  auto out = out_o.is_none() ? py::array_t<uint8_t>({h, w, 3}) : checked<uint8_t>(out_o, "out", {h, w, 3});
  if (!out.writeable()) throw py::value_error("composite: out must be writeable");
  {
    py::gil_scoped_release nogil;
    composite_cpu(frame.data(), rgb.data(), alpha.data(), h, w, feather_px, out.mutable_data());
  }
  return out;
}

#ifdef POCE_WITH_CUDA
template <typename T>
T* ptr(uintptr_t p) { return reinterpret_cast<T*>(p); }
#endif

}  // namespace

PYBIND11_MODULE(_C, m) {
  m.doc() = "poce-rt kernels (CPU always; CUDA when built with nvcc). See poce_rt/ops for the API.";
  m.def("rasterize", &rasterize, py::arg("verts"), py::arg("tris"), py::arg("height"), py::arg("width"),
        py::arg("tri_id_out") = py::none(), py::arg("bary_out") = py::none(),
        py::arg("depth_out") = py::none(), py::arg("drawn") = py::none());
  m.def("sample_uv", &sample_uv, py::arg("image"), py::arg("verts"), py::arg("tris"), py::arg("uvs"),
        py::arg("layout_tri"), py::arg("layout_bary"), py::arg("depth_tol"));
  m.def("render", &render, py::arg("texture"), py::arg("verts"), py::arg("tris"), py::arg("uvs"),
        py::arg("height"), py::arg("width"), py::arg("rgb_out") = py::none(),
        py::arg("alpha_out") = py::none());
  m.def("modulate", &modulate, py::arg("x"), py::arg("gamma"), py::arg("beta"), py::arg("eps"));
  m.def("transfer", &transfer, py::arg("e_src"), py::arg("e_ref"), py::arg("mask"));
  m.def("composite", &composite, py::arg("frame"), py::arg("rgb"), py::arg("alpha"), py::arg("feather_px"),
        py::arg("out") = py::none());

  m.def("num_threads", &num_threads, "Threads the CPU kernels use (the caller included).");
  m.def("set_num_threads", [](int n, bool adapt) {
    if (n < 1 || n > kMaxThreads)
      throw py::value_error("threads must be in 1.." + std::to_string(kMaxThreads) + ", got " + std::to_string(n));
    set_num_threads(n);
    set_adaptive(adapt);
  }, py::arg("n"), py::arg("adapt_to_load") = true);
  m.def("threads_adapt_to_load", &adaptive);

  py::dict info;
#ifdef POCE_WITH_CUDA
  info["cuda"] = true;
#else
  info["cuda"] = false;
#endif
#ifdef POCE_WITH_OPENMP
  info["openmp"] = true;
#else
  info["openmp"] = false;
#endif
  info["compiler"] = py::str(__VERSION__);
  m.attr("build_info") = info;

#ifdef POCE_WITH_CUDA
  m.def("cuda_device_count", []() { int n = 0; cuda_device_count(&n); return n; });
  // Raw-pointer CUDA entry points: called only by poce_rt/ops after validation.
  m.def("rasterize_cuda", [](uintptr_t v, int nv, uintptr_t t, int nt, int h, int w, uintptr_t zbuf,
                             uintptr_t tri_id, uintptr_t bary, uintptr_t depth, uintptr_t stream) {
    py::gil_scoped_release nogil;
    rasterize_cuda(ptr<float>(v), nv, ptr<int>(t), nt, h, w, ptr<uint64_t>(zbuf), ptr<int>(tri_id),
                   ptr<float>(bary), ptr<float>(depth), stream);
  });
  m.def("sample_uv_cuda", [](uintptr_t img, int h, int w, uintptr_t v, int nv, uintptr_t t, int nt,
                             uintptr_t uvs, uintptr_t ltri, uintptr_t lbary, int size, float tol,
                             uintptr_t zbuf, uintptr_t tri_id, uintptr_t bary, uintptr_t depth,
                             uintptr_t uv, uintptr_t mask, uintptr_t stream) {
    py::gil_scoped_release nogil;
    sample_uv_cuda(ptr<uint8_t>(img), h, w, ptr<float>(v), nv, ptr<int>(t), nt, ptr<float>(uvs),
                   ptr<int>(ltri), ptr<float>(lbary), size, tol, ptr<uint64_t>(zbuf), ptr<int>(tri_id),
                   ptr<float>(bary), ptr<float>(depth), ptr<float>(uv), ptr<float>(mask), stream);
  });
  m.def("render_cuda", [](uintptr_t tex, int size, int ch, uintptr_t v, int nv, uintptr_t t, int nt,
                          uintptr_t uvs, int h, int w, uintptr_t zbuf, uintptr_t tri_id, uintptr_t bary,
                          uintptr_t depth, uintptr_t rgb, uintptr_t alpha, uintptr_t stream) {
    py::gil_scoped_release nogil;
    render_cuda(ptr<float>(tex), size, ch, ptr<float>(v), nv, ptr<int>(t), nt, ptr<float>(uvs), h, w,
                ptr<uint64_t>(zbuf), ptr<int>(tri_id), ptr<float>(bary), ptr<float>(depth),
                ptr<float>(rgb), ptr<float>(alpha), stream);
  });
  m.def("modulate_cuda", [](uintptr_t x, uintptr_t g, uintptr_t b, int64_t planes, int64_t plane_size,
                            float eps, uintptr_t out, uintptr_t stream) {
    py::gil_scoped_release nogil;
    modulate_cuda(ptr<float>(x), ptr<float>(g), ptr<float>(b), planes, plane_size, eps, ptr<float>(out),
                  stream);
  });
  m.def("transfer_cuda", [](uintptr_t s, uintptr_t r, uintptr_t mk, int n, int c, int h, int w, int hm,
                            int wm, uintptr_t out, uintptr_t stream) {
    py::gil_scoped_release nogil;
    transfer_cuda(ptr<float>(s), ptr<float>(r), ptr<float>(mk), n, c, h, w, hm, wm, ptr<float>(out),
                  stream);
  });
  m.def("composite_cuda", [](uintptr_t f, uintptr_t rgb, uintptr_t a, int h, int w, int feather,
                             uintptr_t work, uintptr_t out, uintptr_t stream) {
    py::gil_scoped_release nogil;
    composite_cuda(ptr<uint8_t>(f), ptr<float>(rgb), ptr<float>(a), h, w, feather, ptr<float>(work),
                   ptr<uint8_t>(out), stream);
  });
#else
  m.def("cuda_device_count", []() { return 0; });
#endif
}
