// render, CPU: rasterize the posed mesh, then shade every pixel from the UV texture.
#include "kernels.h"
#include "render.h"

namespace poce {

void render_cpu(const float* texture, int size, int channels, const float* verts, int nverts,
                const int* tris, int ntris, const float* uvs, int height, int width, uint64_t* zbuf,
                int* tri_id, float* bary, float* depth, float* rgb, float* alpha) {
  rasterize_cpu(verts, nverts, tris, ntris, height, width, zbuf, tri_id, bary, depth);
  const int64_t npix = int64_t(height) * width;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < npix; ++p)
    render_pixel(int(p % width), int(p / width), texture, size, channels, verts, nverts, tris, uvs,
                 height, width, tri_id, bary, depth, rgb, alpha);
}

}  // namespace poce
