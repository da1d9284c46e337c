"""OpenGL as an independent peer (moderngl on a headless EGL context, e.g. Mesa llvmpipe): the
triangle under each pixel centre and 4x MSAA coverage of the same mesh, for tests and benchmarks.

Optional: needs ``moderngl`` (pip) and an EGL driver (Debian: libegl1, libegl-mesa0,
libgl1-mesa-dri). `context()` raises ImportError/RuntimeError when either is missing.
"""
from __future__ import annotations

import numpy as np

_VS = """
#version 330
uniform vec2 size;
uniform vec2 zrange;
in vec3 pos;
void main() {
    // pixel (x, y) has its centre at (x + 0.5, y + 0.5), row 0 on top
    gl_Position = vec4(2.0 * pos.x / size.x - 1.0, 2.0 * pos.y / size.y - 1.0,
                       2.0 * (pos.z - zrange.x) / (zrange.y - zrange.x) - 1.0, 1.0);
}
"""
_FS = """
#version 330
out int tri;
void main() { tri = gl_PrimitiveID + 1; }  // the target clears to 0 = empty
"""
_VS_TEX = """
#version 330
uniform vec2 size;
uniform vec2 zrange;
in vec3 pos;
in vec2 uv;
out vec2 v_uv;
void main() {
    gl_Position = vec4(2.0 * pos.x / size.x - 1.0, 2.0 * pos.y / size.y - 1.0,
                       2.0 * (pos.z - zrange.x) / (zrange.y - zrange.x) - 1.0, 1.0);
    v_uv = uv;
}
"""
_FS_TEX = """
#version 330
uniform sampler2D tex;
in vec2 v_uv;
out vec4 color;
void main() { color = vec4(texture(tex, v_uv).rgb, 1.0); }
"""
_FS_COVER = """
#version 330
out float cover;
void main() { cover = 1.0; }
"""


def context():
    """A standalone moderngl context on EGL (headless)."""
    import moderngl

    return moderngl.create_context(standalone=True, backend="egl")


class GLRaster:
    """Draws one mesh size after size into offscreen targets of one context."""

    def __init__(self, ctx=None):
        self.ctx = ctx or context()
        self.ids = self.ctx.program(vertex_shader=_VS, fragment_shader=_FS)
        self.cover = self.ctx.program(vertex_shader=_VS, fragment_shader=_FS_COVER)
        self.textured = self.ctx.program(vertex_shader=_VS_TEX, fragment_shader=_FS_TEX)
        self._targets = {}

    def _target(self, kind, h, w):
        key = (kind, h, w)
        if key not in self._targets:
            ctx = self.ctx
            if kind == "ids":
                fbo = ctx.framebuffer([ctx.renderbuffer((w, h), 1, dtype="i4")], ctx.depth_renderbuffer((w, h)))
                self._targets[key] = (fbo, None)
            else:
                comps = 4 if kind == "rgba" else 1
                ms = ctx.framebuffer([ctx.renderbuffer((w, h), comps, samples=4, dtype="f4")],
                                     ctx.depth_renderbuffer((w, h), samples=4))
                resolved = ctx.framebuffer([ctx.renderbuffer((w, h), comps, dtype="f4")])
                self._targets[key] = (ms, resolved)
        return self._targets[key]

    def _vao(self, prog, verts, tris, h, w, uvs=None):
        """The mesh's buffers, bound to `prog` (with per-vertex UVs when given)."""
        verts = np.ascontiguousarray(verts, np.float32)
        z = verts[:, 2]
        prog["size"].value = (float(w), float(h))
        prog["zrange"].value = (float(z.min()) - 1.0, float(z.max()) + 1.0)
        data, layout = (verts, ("3f", "pos")) if uvs is None else \
            (np.hstack([verts, np.asarray(uvs, np.float32)]), ("3f 2f", "pos", "uv"))
        vbo = self.ctx.buffer(np.ascontiguousarray(data).tobytes())
        ibo = self.ctx.buffer(np.ascontiguousarray(tris, np.int32).tobytes())
        vao = self.ctx.vertex_array(prog, [(vbo, *layout)], index_buffer=ibo, index_element_size=4)
        return vao, (vao, vbo, ibo)

    def _draw(self, vao, fbo, depth_test):
        import moderngl

        fbo.use()
        fbo.clear(0.0, 0.0, 0.0, 0.0, depth=1.0)
        (self.ctx.enable if depth_test else self.ctx.disable)(moderngl.DEPTH_TEST)
        vao.render(moderngl.TRIANGLES)

    def _resolved(self, ms, resolved, h, w, components):
        self.ctx.copy_framebuffer(resolved, ms)
        self.ctx.finish()
        out = np.frombuffer(resolved.read(components=components, dtype="f4"), np.float32)
        return out.reshape((h, w, components) if components > 1 else (h, w)).copy()

    @staticmethod
    def _release(objs):
        for obj in objs:
            obj.release()

    def triangle_ids(self, verts, tris, h, w):
        """[H,W] int32: id of the nearest triangle over each pixel centre, -1 where empty."""
        fbo, _ = self._target("ids", h, w)
        vao, objs = self._vao(self.ids, verts, tris, h, w)
        self._draw(vao, fbo, depth_test=True)
        self.ctx.finish()
        out = np.frombuffer(fbo.read(components=1, dtype="i4"), np.int32).reshape(h, w) - 1
        self._release(objs)
        return out

    def coverage_msaa4(self, verts, tris, h, w):
        """[H,W] float32: fraction of the 4 MSAA samples of each pixel covered by the mesh."""
        ms, resolved = self._target("cover", h, w)
        vao, objs = self._vao(self.cover, verts, tris, h, w)
        self._draw(vao, ms, depth_test=False)
        out = self._resolved(ms, resolved, h, w, 1)
        self._release(objs)
        return out

    def render_msaa4(self, texture, verts, tris, uvs, h, w):
        """[H,W,4] float32: the textured mesh with 4x MSAA and a depth test, resolved (rgb
        premultiplied by coverage, alpha = coverage): what poce_rt.ops.render computes."""
        import moderngl

        ms, resolved = self._target("rgba", h, w)
        tex = self.ctx.texture((texture.shape[1], texture.shape[0]), texture.shape[2],
                               np.ascontiguousarray(texture, np.float32).tobytes(), dtype="f4")
        tex.filter = (moderngl.LINEAR, moderngl.LINEAR)
        tex.use(0)
        vao, objs = self._vao(self.textured, verts, tris, h, w, uvs)
        self._draw(vao, ms, depth_test=True)
        out = self._resolved(ms, resolved, h, w, 4)
        self._release((*objs, tex))
        return out
