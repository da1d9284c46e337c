"""render: UV texture + posed mesh -> image-space colour and coverage (POCE Eq. 16)."""
from __future__ import annotations

import numpy as np

from ._arrays import Workspace, check_out, check_size, check_tris, on_gpu, on_stream, ptr, stream_handle
from ._declare import Arg, Op
from .uv_layout import UVLayout

OP = Op("render", "render_cuda",
        Arg("texture", np.float32, (None, None, None)),
        Arg("verts", np.float32, ("N", 3)),
        Arg("tris", np.int32, (None, 3)),
        Arg("uvs", np.float32, ("N", 2)),
        Arg("rgb", np.float32, ("H", "W", "C"), out=True, label="out[0] (rgb)"),
        Arg("alpha", np.float32, ("H", "W"), out=True, label="out[1] (alpha)"))


class RasterKeep:
    """A host render's raster (its triangle ids, barycentrics and sub-sample coverage), kept for the
    next render of the same mesh at the same place: render(..., keep=k) draws it into k's buffer,
    and a later call with the same vertices, triangles and size (compared byte for byte) shades
    from it, skipping the raster (most of a host render: ~60% of the face mesh's 1-channel render
    over its box, single_face.jpg's uncover motion 1.63 -> 0.62 ms). The outputs are the same, bit
    for bit: the raster does not read the texture or the uvs. For a mesh that stays put while its texture changes (poce_rt.uncover's motion drawn
    where the photo shows the face, every frame-loop step)."""

    def __init__(self):
        self._key = None      # (height, width, vertex bytes, triangle bytes) of the raster held
        self._buffer = None   # uint8, _C.render's keep

    def prepare(self, verts: np.ndarray, tris: np.ndarray, height: int, width: int) -> tuple[np.ndarray, bool]:
        """-> (the buffer, whether it holds this mesh's raster), the key kept for the next call."""
        key = (int(height), int(width), verts.tobytes(), tris.tobytes())
        if self._key is not None and self._key == key:
            return self._buffer, True
        need = 64 + 28 * int(height) * int(width)   # csrc/render_cpu.cpp render_keep_bytes
        if self._buffer is None or self._buffer.size < need:
            self._buffer = np.empty(need // 8 + 1, np.uint64).view(np.uint8)   # 8-byte aligned
        self._key = key
        return self._buffer, False

    def forget(self) -> None:
        """Drop the key (the next render draws its raster again)."""
        self._key = None


def render(texture, verts, tris, uvs, height: int, width: int, stream=None, out=None,
           workspace: Workspace | None = None, positions: bool = False, keep: RasterKeep | None = None):
    """Render a textured mesh.

    Args:
        texture: [S,S,C] float32 UV texture (texel centres at (i + 0.5) / S, v down).
        verts: [N,3] float32 posed vertices (x, y px; depth, smaller = nearer).
        tris: [F,3] int32.
        uvs: [N,2] float32 per-vertex UVs, or a UVLayout (its uvs are used).
        height, width: output size.
        stream: CUDA stream for device arrays (a CuPy stream or a handle; None = CuPy's current).
        out: optional (rgb, alpha) buffers of the shapes below, on the inputs' device, written in
            place and returned (a frame loop reuses them); with positions on the host also
            (rgb, alpha, pos): the positions go into pos [H,W,2] float32 and rgb keeps the
            texture's C channels (the same values; no pass to split them afterwards).
        workspace: optional Workspace for the GPU temporaries (z-buffer, triangle ids,
            barycentrics, depth), so that nothing is allocated per call; unused on the CPU.
        positions: host arrays only: rgb gets two channels more than the texture, each pixel's
            bilinear read of the texel centres (j + 0.5, i + 0.5), what a texture with them in two
            more channels gives (ring_photo.with_positions; the same values bit for bit), without
            them in memory (the ring's texture: a third smaller, its render ~12% faster).
        keep: host arrays only: a RasterKeep the raster is kept in and reused from while the
            vertices, triangles and size stay the same (the same outputs, bit for bit).

    Returns:
        rgb [H,W,C] float32 (C + 2 with positions) and alpha [H,W] float32 coverage in [0,1] (4 sub-samples per pixel, so
        silhouette edges are antialiased); and pos where out gave one.
    """
    if isinstance(uvs, UVLayout):
        uvs = uvs.uvs
    gpu = on_gpu(texture, verts, tris, uvs)
    texture = OP.check(gpu=gpu, texture=texture).texture
    if texture.shape[0] != texture.shape[1] or texture.shape[0] == 0 or texture.shape[2] == 0:
        raise ValueError(f"texture: expected a square [S,S,C] map, got {list(texture.shape)}")
    a = OP.check(gpu=gpu, verts=verts, tris=tris, uvs=uvs)
    check_size(height, width)
    check_tris(a.tris, len(a.verts), stream)
    s, ch = texture.shape[0], texture.shape[2]
    if positions and gpu:
        raise ValueError("render: positions is for host arrays (on the GPU, a texture with_positions)")
    rgb, alpha, *pos = out if out is not None else (None, None)
    if pos and not positions:
        raise ValueError("render: out's third buffer (pos) holds the positions: give positions=True")
    pos = check_out("out[2] (pos)", pos[0], np.float32, (height, width, 2), gpu) if pos else None
    o = OP.check({"H": height, "W": width, "C": ch + 2 if positions and pos is None else ch}, gpu=gpu, rgb=rgb,
                 alpha=alpha)

    def cuda(kernel):
        import cupy as cp

        ws = workspace or Workspace(gpu=True)
        with on_stream(stream):  # allocate where the kernel runs
            zbuf = ws.take("render.zbuf", (height * width + 2,), cp.uint64)  # + the mesh's box
            tri_id = ws.take("render.tri_id", (height, width), cp.int32)
            bary = ws.take("render.bary", (height, width, 3), cp.float32)
            depth = ws.take("render.depth", (height, width), cp.float32)
            rgb = cp.empty((height, width, ch), cp.float32) if o.rgb is None else o.rgb
            alpha = cp.empty((height, width), cp.float32) if o.alpha is None else o.alpha
            kernel(ptr(texture), s, ch, ptr(a.verts), len(a.verts), ptr(a.tris), len(a.tris), ptr(a.uvs), height,
                   width, ptr(zbuf), ptr(tri_id), ptr(bary), ptr(depth), ptr(rgb), ptr(alpha),
                   stream_handle(stream))
        return rgb, alpha

    if keep is not None and gpu:
        raise ValueError("render: keep is for host arrays")

    def cpu(kernel):
        if keep is None:
            return kernel(texture, a.verts, a.tris, a.uvs, int(height), int(width), o.rgb, o.alpha, bool(positions),
                          pos_out=pos)
        buffer, reuse = keep.prepare(a.verts, a.tris, height, width)
        try:
            return kernel(texture, a.verts, a.tris, a.uvs, int(height), int(width), o.rgb, o.alpha, bool(positions),
                          buffer, reuse, pos)
        except BaseException:
            keep.forget()   # a raster half drawn is no raster to reuse
            raise

    return OP.run(a, cpu, cuda)
