// pybind11 bindings of poce_rt._C.
// CPU entry points take NumPy arrays, check them (csrc/bind_checks.h: dtype, shape, contiguity,
// alignment, sizes, index ranges; poce_rt/ops checks first with friendlier messages, but _C is
// importable and must stand on its own), release the GIL and return new arrays. CUDA entry points
// take raw device pointers from CuPy (or any __cuda_array_interface__ producer) and a stream
// handle; Python owns every buffer, and they check every integer they are given.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "bind_checks.h"
#include "kernels.h"
#include "parallel.h"

namespace py = pybind11;
using namespace poce;
using namespace poce_bind;

namespace {

// `tri_id_o`/`bary_o`/`depth_o` (optional, all or none): caller-owned outputs, written in place.
// `drawn_o` (optional int32 [6]): the record rasterize_cpu keeps of what it drew in those buffers
// (kernels.h), so that a caller reusing them gets only that box cleared.
py::tuple rasterize(py::handle verts_o, py::handle tris_o, int64_t height, int64_t width, py::object tri_id_o,
                    py::object bary_o, py::object depth_o, py::object drawn_o) {
  check_size(height, width);
  auto [verts, tris] = checked_mesh(verts_o, tris_o);
  bool given = !tri_id_o.is_none();
  if (bary_o.is_none() == given || depth_o.is_none() == given)
    bad_value("rasterize: give all three outputs or none");
  auto tri_id = out_array<int>(tri_id_o, "tri_id out", {height, width});
  auto bary = out_array<float>(bary_o, "bary out", {height, width, 3});
  auto depth = out_array<float>(depth_o, "depth out", {height, width});
  int* drawn = nullptr;
  py::array_t<int> drawn_a;
  if (!drawn_o.is_none()) {
    if (!given) bad_value("rasterize: `drawn` describes given outputs");
    drawn_a = out_array<int>(drawn_o, "drawn", {6});
    drawn = drawn_a.mutable_data();
  }
  {
    py::gil_scoped_release nogil;
    rasterize_cpu(verts.data(), int(verts.shape(0)), tris.data(), int(tris.shape(0)), int(height),
                  int(width), tri_id.mutable_data(), bary.mutable_data(), depth.mutable_data(), drawn);
  }
  return py::make_tuple(tri_id, bary, depth);
}

py::tuple sample_uv(py::handle image_o, py::handle verts_o, py::handle tris_o, py::handle uvs_o,
                    py::handle layout_tri_o, py::handle layout_bary_o, float depth_tol) {
  auto image = checked<uint8_t>(image_o, "image", {-1, -1, 3});
  int64_t height = image.shape(0), width = image.shape(1);
  check_size(height, width);
  auto [verts, tris] = checked_mesh(verts_o, tris_o);
  auto uvs = checked<float>(uvs_o, "uvs", {verts.shape(0), 2});
  auto ltri = checked<int>(layout_tri_o, "layout.tri_id", {-1, -1});
  int64_t size = ltri.shape(0);
  if (ltri.shape(1) != size) bad_value("layout.tri_id must be square [S,S]");
  check_range("layout size", size, 1, kMaxSide);
  auto lbary = checked<float>(layout_bary_o, "layout.bary", {size, size, 3});
  check_indices("layout.tri_id", ltri, -1, tris.shape(0));  // -1: no triangle at that texel
  check_real("depth_tol", depth_tol, 0.f, true);
  py::array_t<float> uv({size, size, int64_t(3)});
  py::array_t<float> mask({size, size});
  {
    py::gil_scoped_release nogil;
    MeshParams mesh{verts.data(), int(verts.shape(0)), tris.data(), int(tris.shape(0))};
    sample_uv_cpu(SampleUVParams{image.data(), int(height), int(width), mesh, uvs.data(), ltri.data(),
                                 lbary.data(), int(size), depth_tol, uv.mutable_data(), mask.mutable_data()});
  }
  return py::make_tuple(uv, mask);
}

// `rgb_o`/`alpha_o` (optional): caller-owned outputs, written in place (a frame loop reuses them).
// positions: the outputs get two channels more than the texture, each pixel's read of the texel
// centres (render.h bilinear_positions). keep_o (optional): a uint8 buffer of at least
// render_keep_bytes(height, width) the raster is drawn into (reuse=false) or shaded from
// (reuse=true: it must hold one drawn for this size and the same vertex and triangle counts; the
// same vertices and triangles are the caller's to ensure, poce_rt.ops.RasterKeep). pos_o
// (optional, with positions): a caller-owned [H,W,2] output the positions are written into, rgb
// then having the texture's channels (returned third).
py::tuple render(py::handle texture_o, py::handle verts_o, py::handle tris_o, py::handle uvs_o,
                 int64_t height, int64_t width, py::object rgb_o, py::object alpha_o, bool positions,
                 py::object keep_o, bool reuse, py::object pos_o) {
  check_size(height, width);
  auto texture = checked<float>(texture_o, "texture", {-1, -1, -1});
  int64_t size = texture.shape(0), channels = texture.shape(2);
  if (texture.shape(1) != size) bad_value("texture must be square [S,S,C]");
  check_range("texture size", size, 1, kMaxSide);
  check_range("texture channels", channels, 1, kMaxChannels);
  auto [verts, tris] = checked_mesh(verts_o, tris_o);
  auto uvs = checked<float>(uvs_o, "uvs", {verts.shape(0), 2});
  const int64_t out_channels = channels + (positions ? 2 : 0);
  const bool split = !pos_o.is_none();
  if (split && !positions) bad_value("render: pos_out holds the positions; give positions=True");
  if (split) check_range("texture channels with pos_out", out_channels, 3, kMaxSplitChannels);
  auto rgb = out_array<float>(rgb_o, "rgb out", {height, width, split ? channels : out_channels});
  py::array_t<float> pos;
  if (split) pos = out_array<float>(pos_o, "pos out", {height, width, 2});
  auto alpha = out_array<float>(alpha_o, "alpha out", {height, width});
  uint8_t* keep = nullptr;
  py::array_t<uint8_t> keep_a;
  if (!keep_o.is_none()) {
    keep_a = out_array<uint8_t>(keep_o, "keep", {-1});
    if (size_t(keep_a.shape(0)) < render_keep_bytes(int(height), int(width)))
      bad_value("render: keep holds " + std::to_string(keep_a.shape(0)) + " bytes, needs " +
                std::to_string(render_keep_bytes(int(height), int(width))));
    keep = keep_a.mutable_data();
    if (reinterpret_cast<uintptr_t>(keep) % alignof(uint64_t)) bad_value("render: keep must be 8-byte aligned");
    if (reuse) {
      int header[kKeepInts];
      std::memcpy(header, keep, sizeof(header));
      const int want[] = {int(height), int(width), int(verts.shape(0)), int(tris.shape(0)), kKeepMagic};
      if (!std::equal(want, want + 5, header + 4) || header[0] < 0 || header[1] < 0 || header[2] > width ||
          header[3] > height)
        bad_value("render: keep holds no raster of this size and mesh to reuse");
      if (!render_keep_valid(keep, int(height), int(width), int(tris.shape(0))))
        bad_value("render: keep's raster is corrupt (a box outside the frame, a triangle id out of range or a "
                  "barycentric not finite)");
    }
  } else if (reuse) {
    bad_value("render: reuse needs keep");
  }
  {
    py::gil_scoped_release nogil;
    MeshParams mesh{verts.data(), int(verts.shape(0)), tris.data(), int(tris.shape(0))};
    RenderParams p{texture.data(), int(size), int(out_channels), mesh, uvs.data(), int(height), int(width),
                   rgb.mutable_data(), alpha.mutable_data(), positions, split ? pos.mutable_data() : nullptr};
    if (keep)
      render_cpu_kept(p, keep, reuse);
    else
      render_cpu(p);
  }
  if (split) return py::make_tuple(rgb, alpha, pos);
  return py::make_tuple(rgb, alpha);
}

// An empty [N,C,H,W] gives an empty result (no statistics to take).
py::array_t<float> modulate(py::handle x_o, py::handle gamma_o, py::handle beta_o, float eps) {
  auto x = checked<float>(x_o, "x", {-1, -1, -1, -1});
  std::vector<py::ssize_t> shp(x.shape(), x.shape() + 4);
  auto gamma = checked<float>(gamma_o, "gamma", shp);
  auto beta = checked<float>(beta_o, "beta", shp);
  check_real("eps", eps, 0.f, false);
  py::array_t<float> out(shp);
  int64_t planes = int64_t(shp[0]) * shp[1], plane_size = int64_t(shp[2]) * shp[3];
  if (planes == 0 || plane_size == 0) return out;
  {
    py::gil_scoped_release nogil;
    modulate_cpu(x.data(), gamma.data(), beta.data(), planes, plane_size, eps, out.mutable_data());
  }
  return out;
}

// The mask must hold at least one value per image (an empty mask has no maximum to pool); an
// empty embedding gives an empty result.
py::array_t<float> transfer(py::handle src_o, py::handle ref_o, py::handle mask_o) {
  auto src = checked<float>(src_o, "e_src", {-1, -1, -1, -1});
  std::vector<py::ssize_t> shp(src.shape(), src.shape() + 4);
  for (int i = 0; i < 4; ++i) check_range("e_src dimension", shp[i], 0, INT_MAX);
  auto ref = checked<float>(ref_o, "e_ref", shp);
  auto mask = checked<float>(mask_o, "mask", {shp[0], -1, -1});
  check_range("mask height", mask.shape(1), 1, INT_MAX);
  check_range("mask width", mask.shape(2), 1, INT_MAX);
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
                               int64_t feather_px, py::object out_o) {
  auto frame = checked<uint8_t>(frame_o, "frame", {-1, -1, 3});
  int64_t h = frame.shape(0), w = frame.shape(1);
  check_size(h, w);
  auto rgb = checked<float>(rgb_o, "rgb", {h, w, 3});
  auto alpha = checked<float>(alpha_o, "alpha", {h, w});
  check_range("feather_px", feather_px, 0, 4096);
  auto out = out_array<uint8_t>(out_o, "out", {h, w, 3});
  {
    py::gil_scoped_release nogil;
    composite_cpu(frame.data(), rgb.data(), alpha.data(), int(h), int(w), int(feather_px),
                  out.mutable_data());
  }
  return out;
}

// ring_keep_still: kept_o [H,W,3] and moved_o [H,W,1] float32 are caller-owned outputs.
void ring_keep_still(py::handle photo_o, py::handle rgb_o, py::handle pos_o, py::handle offset_o,
                     py::handle centres_o, float still, float inv_range, float scale, py::object kept_o,
                     py::object moved_o) {
  auto photo = checked<uint8_t>(photo_o, "photo", {-1, -1, 3});
  int64_t h = photo.shape(0), w = photo.shape(1);
  check_size(h, w);
  auto rgb = checked<float>(rgb_o, "rgb", {h, w, 3});
  auto pos = checked<float>(pos_o, "pos", {h, w, 2});
  auto offset = checked<float>(offset_o, "offset", {w, 2});
  auto centres = checked<float>(centres_o, "centres", {h, w, 2});
  if (kept_o.is_none() || moved_o.is_none()) bad_value("ring_keep_still: give both outputs");
  auto kept = out_array<float>(kept_o, "kept", {h, w, 3});
  auto moved = out_array<float>(moved_o, "moved", {h, w, 1});
  py::gil_scoped_release nogil;
  ring_keep_still_cpu(photo.data(), rgb.data(), pos.data(), offset.data(), centres.data(), int(h), int(w), still,
                      inv_range, scale, kept.mutable_data(), moved.mutable_data());
}

// soften_folds: rgb_o [H,W,3] float32 written in place; under_o: None or [H,W].
void soften_folds(py::object rgb_o, py::handle alpha_o, py::handle pos_o, py::object under_o, float lo,
                  float inv_range, float full_at, float full_scale) {
  auto alpha = checked<float>(alpha_o, "alpha", {-1, -1});
  int64_t h = alpha.shape(0), w = alpha.shape(1);
  check_size(h, w);
  if (rgb_o.is_none()) bad_value("soften_folds: rgb is written in place; give it");
  auto rgb = out_array<float>(rgb_o, "rgb", {h, w, 3});
  auto pos = checked<float>(pos_o, "pos", {h, w, 2});
  py::array_t<float> under;
  if (!under_o.is_none()) under = checked<float>(under_o, "under", {h, w});
  py::gil_scoped_release nogil;
  soften_folds_cpu(rgb.mutable_data(), alpha.data(), pos.data(), under_o.is_none() ? nullptr : under.data(), int(h),
                   int(w), FoldParams{lo, inv_range, full_at, full_scale});
}

constexpr int64_t kMaxBoxes = 1 << 20;
constexpr int64_t kMaxSamples = 64;      // sr: samples per output pixel side

// image [H,W,C] uint8 or float32, theta [B,2,3] float32 -> [B,out_h,out_w,C] float32.
py::array_t<float> crop(py::handle image_o, py::handle theta_o, int64_t out_h, int64_t out_w, int64_t sr) {
  if (!py::isinstance<py::array>(image_o)) checked<float>(image_o, "image", {-1, -1, -1});  // raises
  bool u8 = py::reinterpret_borrow<py::array>(image_o).dtype().is(py::dtype::of<uint8_t>());
  py::array image = u8 ? py::array(checked<uint8_t>(image_o, "image", {-1, -1, -1}))
                       : py::array(checked<float>(image_o, "image", {-1, -1, -1}));
  int64_t h = image.shape(0), w = image.shape(1), c = image.shape(2);
  check_size(h, w);
  check_range("image channels", c, 1, kMaxChannels);
  check_size(out_h, out_w);
  check_range("samples", sr, 1, kMaxSamples);
  auto theta = checked<float>(theta_o, "theta", {-1, 2, 3});
  int64_t b = theta.shape(0);
  check_range("boxes", b, 0, kMaxBoxes);
  checked_numel("crop output", {b, out_h, out_w, c});
  py::array_t<float> out({b, out_h, out_w, c});
  {
    py::gil_scoped_release nogil;
    crop_cpu(image.data(), u8, int(h), int(w), int(c), theta.data(), int(b), int(out_h), int(out_w), int(sr),
             out.mutable_data());
  }
  return out;
}

#ifdef POCE_WITH_CUDA
template <typename T>
T* ptr(uintptr_t p) { return reinterpret_cast<T*>(p); }

// The mesh arguments of the raw CUDA entry points; pointers may be null only for empty arrays.
void check_mesh_cuda(uintptr_t verts, int64_t nverts, uintptr_t tris, int64_t ntris) {
  check_count("nverts", nverts);
  check_count("ntris", ntris);
  if (ntris > 0 && nverts == 0) bad_value("ntris > 0 needs vertices (nverts is 0)");
  if (nverts > 0) check_ptr("verts", verts);
  if (ntris > 0) check_ptr("tris", tris);
}
#endif


// interpolate: `box` (optional, x0, y0, x1, y1, half-open) is where the rasterizer drew (its
// `drawn` record): pixels outside it are taken as empty and not read. The ids inside it are checked
// here (-1..F-1); the kernel would treat a bad one as empty, but a host caller gets told.
py::tuple interpolate(py::handle attr_o, py::handle tris_o, py::handle tri_id_o, py::handle bary_o,
                      py::object box_o, py::object out_o, py::object mask_o) {
  auto [attr, tris] = checked_mesh_attr(attr_o, tris_o);
  auto tri_id = checked<int>(tri_id_o, "tri_id", {-1, -1});
  int64_t h = tri_id.shape(0), w = tri_id.shape(1), c = attr.shape(1);
  check_size(h, w);
  auto bary = checked<float>(bary_o, "bary", {h, w, 3});
  int box[4] = {0, 0, int(w), int(h)};
  if (!box_o.is_none()) {
    if (!py::isinstance<py::sequence>(box_o) || py::isinstance<py::str>(box_o) || py::len(box_o) != 4)
      throw py::type_error("box: expected a sequence (x0, y0, x1, y1) of 4 integers");
    std::vector<int64_t> b;
    for (py::handle v : py::reinterpret_borrow<py::sequence>(box_o)) {
      if (!py::isinstance<py::int_>(v)) throw py::type_error("box: expected integers");
      b.push_back(v.cast<int64_t>());
    }
    check_range("box x0", b[0], 0, w);
    check_range("box y0", b[1], 0, h);
    check_range("box x1", b[2], b[0], w);
    check_range("box y1", b[3], b[1], h);
    for (int i = 0; i < 4; ++i) box[i] = int(b[i]);
  }
  const int* ids = tri_id.data();
  for (int y = box[1]; y < box[3]; ++y)
    for (int x = box[0]; x < box[2]; ++x) {
      int t = ids[int64_t(y) * w + x];
      if (t < -1 || t >= tris.shape(0))
        bad_value("tri_id: index " + std::to_string(t) + " at (" + std::to_string(y) + ", " +
                  std::to_string(x) + ") is outside -1.." + std::to_string(tris.shape(0) - 1));
    }
  auto out = out_array<float>(out_o, "out", {h, w, c});
  auto mask = out_array<float>(mask_o, "mask out", {h, w});
  {
    py::gil_scoped_release nogil;
    interpolate_cpu(InterpolateParams{attr.data(), int(attr.shape(0)), int(c), tris.data(), int(tris.shape(0)),
                                      ids, bary.data(), int(h), int(w), {box[0], box[1], box[2], box[3]},
                                      out.mutable_data(), mask.mutable_data()});
  }
  return py::make_tuple(out, mask);
}

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
        py::arg("alpha_out") = py::none(), py::arg("positions") = false, py::arg("keep") = py::none(),
        py::arg("reuse") = false, py::arg("pos_out") = py::none());
  m.def("modulate", &modulate, py::arg("x"), py::arg("gamma"), py::arg("beta"), py::arg("eps"));
  m.def("transfer", &transfer, py::arg("e_src"), py::arg("e_ref"), py::arg("mask"));
  m.def("composite", &composite, py::arg("frame"), py::arg("rgb"), py::arg("alpha"), py::arg("feather_px"),
        py::arg("out") = py::none());
  m.def("soften_folds", &soften_folds, py::arg("rgb"), py::arg("alpha"), py::arg("pos"), py::arg("under"),
        py::arg("lo"), py::arg("inv_range"), py::arg("full_at"), py::arg("full_scale"));
  m.def("ring_keep_still", &ring_keep_still, py::arg("photo"), py::arg("rgb"), py::arg("pos"), py::arg("offset"),
        py::arg("centres"), py::arg("still"), py::arg("inv_range"), py::arg("scale"), py::arg("kept"),
        py::arg("moved"));

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
#ifdef POCE_SANITIZE
  info["sanitize"] = true;  // `make sanitize` checks it loaded this build
#else
  info["sanitize"] = false;
#endif
  m.attr("build_info") = info;

#ifdef POCE_WITH_CUDA
  m.def("cuda_device_count", []() { int n = 0; cuda_device_count(&n); return n; });
  // Raw-pointer CUDA entry points, called by poce_rt/ops after validation. They cannot see device
  // memory, so they check every integer (sizes, counts, channels: no 0-size grid, no overflowing
  // index) and that the buffers they need are not null; the buffers' sizes are the caller's word,
  // and the stream is an opaque handle (0 = the default stream; a bad one fails the launch, which
  // check_launch raises). Device contents need no check: the kernels skip bad triangle and layout
  // ids themselves (setup_tri, sample_texel).
  m.def("rasterize_cuda", [](uintptr_t v, int64_t nv, uintptr_t t, int64_t nt, int64_t h, int64_t w,
                             uintptr_t zbuf, uintptr_t tri_id, uintptr_t bary, uintptr_t depth,
                             uintptr_t stream) {
    check_size(h, w);
    check_mesh_cuda(v, nv, t, nt);
    check_ptrs({{"zbuf", zbuf}, {"tri_id", tri_id}, {"bary", bary}, {"depth", depth}});
    py::gil_scoped_release nogil;
    rasterize_cuda(ptr<float>(v), int(nv), ptr<int>(t), int(nt), int(h), int(w), ptr<uint64_t>(zbuf),
                   ptr<int>(tri_id), ptr<float>(bary), ptr<float>(depth), stream);
  });
  m.def("sample_uv_cuda", [](uintptr_t img, int64_t h, int64_t w, uintptr_t v, int64_t nv, uintptr_t t,
                             int64_t nt, uintptr_t uvs, uintptr_t ltri, uintptr_t lbary, int64_t size,
                             float tol, uintptr_t zbuf, uintptr_t tri_id, uintptr_t bary,
                             uintptr_t depth, uintptr_t uv, uintptr_t mask, uintptr_t stream) {
    check_size(h, w);
    check_mesh_cuda(v, nv, t, nt);
    check_range("layout size", size, 1, kMaxSide);
    check_real("depth_tol", tol, 0.f, true);
    if (nv > 0) check_ptr("uvs", uvs);
    check_ptrs({{"image", img}, {"layout_tri", ltri}, {"layout_bary", lbary}, {"zbuf", zbuf},
                {"tri_id", tri_id}, {"bary", bary}, {"depth", depth}, {"uv", uv}, {"mask", mask}});
    py::gil_scoped_release nogil;
    sample_uv_cuda(SampleUVParams{ptr<uint8_t>(img), int(h), int(w),
                                  MeshParams{ptr<float>(v), int(nv), ptr<int>(t), int(nt)}, ptr<float>(uvs),
                                  ptr<int>(ltri), ptr<float>(lbary), int(size), tol, ptr<float>(uv),
                                  ptr<float>(mask)},
                   RasterBuffers{ptr<uint64_t>(zbuf), ptr<int>(tri_id), ptr<float>(bary), ptr<float>(depth)},
                   stream);
  });
  m.def("render_cuda", [](uintptr_t tex, int64_t size, int64_t ch, uintptr_t v, int64_t nv, uintptr_t t,
                          int64_t nt, uintptr_t uvs, int64_t h, int64_t w, uintptr_t zbuf,
                          uintptr_t tri_id, uintptr_t bary, uintptr_t depth, uintptr_t rgb,
                          uintptr_t alpha, uintptr_t stream) {
    check_size(h, w);
    check_range("texture size", size, 1, kMaxSide);
    check_range("texture channels", ch, 1, kMaxChannels);
    check_mesh_cuda(v, nv, t, nt);
    if (nv > 0) check_ptr("uvs", uvs);
    check_ptrs({{"texture", tex}, {"zbuf", zbuf}, {"tri_id", tri_id}, {"bary", bary},
                {"depth", depth}, {"rgb", rgb}, {"alpha", alpha}});
    py::gil_scoped_release nogil;
    render_cuda(RenderParams{ptr<float>(tex), int(size), int(ch),
                             MeshParams{ptr<float>(v), int(nv), ptr<int>(t), int(nt)}, ptr<float>(uvs), int(h),
                             int(w), ptr<float>(rgb), ptr<float>(alpha)},
                RasterBuffers{ptr<uint64_t>(zbuf), ptr<int>(tri_id), ptr<float>(bary), ptr<float>(depth)},
                stream);
  });
  // No planes or empty planes: nothing to launch (a 0-block grid is an invalid configuration).
  m.def("modulate_cuda", [](uintptr_t x, uintptr_t g, uintptr_t b, int64_t planes, int64_t plane_size,
                            float eps, uintptr_t out, uintptr_t stream) {
    check_range("planes", planes, 0, INT_MAX);  // one block per plane
    int64_t numel = checked_numel("modulate dimensions", {planes, plane_size});
    check_real("eps", eps, 0.f, false);
    if (numel == 0) return;
    check_ptrs({{"x", x}, {"gamma", g}, {"beta", b}, {"out", out}});
    py::gil_scoped_release nogil;
    modulate_cuda(ptr<float>(x), ptr<float>(g), ptr<float>(b), planes, plane_size, eps,
                  ptr<float>(out), stream);
  });
  m.def("transfer_cuda", [](uintptr_t s, uintptr_t r, uintptr_t mk, int64_t n, int64_t c, int64_t h,
                            int64_t w, int64_t hm, int64_t wm, uintptr_t out, uintptr_t stream) {
    for (int64_t d : {n, c, h, w}) check_range("e_src dimension", d, 0, INT_MAX);
    check_range("mask height", hm, 1, INT_MAX);
    check_range("mask width", wm, 1, INT_MAX);
    checked_numel("mask dimensions", {n, hm, wm});
    if (checked_numel("e_src dimensions", {n, c, h, w}) == 0) return;
    check_ptrs({{"e_src", s}, {"e_ref", r}, {"mask", mk}, {"out", out}});
    py::gil_scoped_release nogil;
    transfer_cuda(ptr<float>(s), ptr<float>(r), ptr<float>(mk), int(n), int(c), int(h), int(w),
                  int(hm), int(wm), ptr<float>(out), stream);
  });
  m.def("composite_cuda", [](uintptr_t f, uintptr_t rgb, uintptr_t a, int64_t h, int64_t w,
                             int64_t feather, uintptr_t work, uintptr_t out, uintptr_t stream) {
    check_size(h, w);
    check_range("feather_px", feather, 0, 4096);
    check_ptrs({{"frame", f}, {"rgb", rgb}, {"alpha", a}, {"work", work}, {"out", out}});
    py::gil_scoped_release nogil;
    composite_cuda(ptr<uint8_t>(f), ptr<float>(rgb), ptr<float>(a), int(h), int(w), int(feather),
                   ptr<float>(work), ptr<uint8_t>(out), stream);
  });
  m.def("crop_cuda", [](uintptr_t img, bool u8, int64_t h, int64_t w, int64_t c, uintptr_t theta, int64_t b,
                        int64_t oh, int64_t ow, int64_t sr, uintptr_t out, uintptr_t stream) {
    check_size(h, w);
    check_range("image channels", c, 1, kMaxChannels);
    check_size(oh, ow);
    check_range("samples", sr, 1, kMaxSamples);
    check_range("boxes", b, 0, kMaxBoxes);
    if (checked_numel("crop output", {b, oh, ow, c}) == 0) return;
    check_ptrs({{"image", img}, {"theta", theta}, {"out", out}});
    py::gil_scoped_release nogil;
    crop_cuda(reinterpret_cast<const void*>(img), u8, int(h), int(w), int(c), ptr<float>(theta), int(b),
              int(oh), int(ow), int(sr), ptr<float>(out), stream);
  });
#else
  m.def("cuda_device_count", []() { return 0; });
#endif

  // ---- interpolate (issue 17: facial flow)
  m.def("interpolate", &interpolate, py::arg("attr"), py::arg("tris"), py::arg("tri_id"), py::arg("bary"),
        py::arg("box") = py::none(), py::arg("out") = py::none(), py::arg("mask_out") = py::none());
#ifdef POCE_WITH_CUDA
  m.def("interpolate_cuda", [](uintptr_t attr, int64_t nv, int64_t ch, uintptr_t t, int64_t nt, uintptr_t tri_id,
                               uintptr_t bary, int64_t h, int64_t w, int64_t x0, int64_t y0, int64_t x1,
                               int64_t y1, uintptr_t out, uintptr_t mask, uintptr_t stream) {
    check_size(h, w);
    check_range("channels", ch, 1, kMaxChannels);
    check_mesh_cuda(attr, nv, t, nt);
    check_range("box x0", x0, 0, w);
    check_range("box y0", y0, 0, h);
    check_range("box x1", x1, x0, w);
    check_range("box y1", y1, y0, h);
    check_ptrs({{"tri_id", tri_id}, {"bary", bary}, {"out", out}, {"mask", mask}});
    py::gil_scoped_release nogil;
    interpolate_cuda(InterpolateParams{ptr<float>(attr), int(nv), int(ch), ptr<int>(t), int(nt), ptr<int>(tri_id),
                                       ptr<float>(bary), int(h), int(w), {int(x0), int(y0), int(x1), int(y1)},
                                       ptr<float>(out), ptr<float>(mask)},
                     stream);
  });
#endif
  m.def("crop", &crop, py::arg("image"), py::arg("theta"), py::arg("out_h"), py::arg("out_w"),
        py::arg("samples") = 1);
}
