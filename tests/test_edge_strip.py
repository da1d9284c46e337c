"""poce_rt.edge_strip: the strip both halves of a frontal face saw edge-on takes the photo's light."""
import cv2
import numpy as np

from conftest import script_module
from poce_rt import edge_strip, ops, stages
from poce_rt.complete import LUMA
from poce_rt.disocclusion import texel_positions
from poce_rt.fit import pose_vertices

# t1.jpg's largest face (yaw -3): the strip between his near cheek and his ear that a turn of +25
# reveals, in the map (fractions of S): his sideburn's rows, from the layout's border in
SIDEBURN_ROWS, STRIP_COLS = (60 / 256, 100 / 256), (8 / 256, 42 / 256)


def test_t1_sideburn_strip_is_drawn_in_the_photos_light(editor, real_image):
    """t1.jpg's largest face turned +25: the strip between his near cheek and his ear (neither its
    texels nor their mirror trusted: both sides seen edge-on) was inpainted from the pale temple
    above it, a smooth pale smear where the photo shows his dark sideburn running down into the
    cheek. Over the pixels drawn from the sideburn's rows of the strip, the output's luma is now
    within 20 levels on average of the photo's own (squeezed) read at each pixel's texel (50 before:
    170 against the photo's 121; 10 now), and no brighter than the fill was."""
    lm = script_module("layer_maps")
    img = real_image("t1.jpg")
    src = editor.prepare(img)
    frame, image, alpha, band, uv, relit = lm.drawn_layers(editor, img, src, 25.0)
    geom = editor.geometry
    s = geom.size
    v, u = np.mgrid[0:s, 0:s].astype(np.float32)
    plan = editor.plan(src, pose=(0, 25, 0))
    target = pose_vertices(plan.shape, plan.target_pose)
    texel, _ = ops.render(np.ascontiguousarray(np.dstack([u, v]), np.float32),
                          np.ascontiguousarray(geom.posed(target), np.float32), geom.layout.tris, geom.layout.uvs,
                          *img.shape[:2])
    inside = cv2.erode((alpha > 0.99).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    col, row = texel[..., 0] / s, texel[..., 1] / s
    strip = inside & (row >= SIDEBURN_ROWS[0]) & (row < SIDEBURN_ROWS[1]) & \
        (col >= STRIP_COLS[0]) & (col < STRIP_COLS[1])
    assert strip.sum() > 150, strip.sum()
    assert (image["fill"][strip] > 0.99).mean() > 0.95   # all of it drawn from the fill
    pos = texel_positions(geom.posed(src.face.vertices), geom.layout, stages.texel_motion(geom))
    ri = np.clip(np.rint(texel[..., 1]).astype(int), 0, s - 1)
    ci = np.clip(np.rint(texel[..., 0]).astype(int), 0, s - 1)
    read = cv2.remap(img.astype(np.float32), (pos[ri, ci, 0] - 0.5).astype(np.float32),
                     (pos[ri, ci, 1] - 0.5).astype(np.float32), cv2.INTER_LINEAR) @ LUMA
    out = frame.astype(np.float32) @ LUMA
    off = float(np.abs(out[strip] - read[strip]).mean())
    assert off < 20.0, off


def test_edge_on_light_darkens_only_the_untrusted_strip_the_photo_shows_darker():
    """Synthetic: a square layout, the two outer column bands untrusted on both halves. Where the
    photo's read there is darker than the skin's light (shade), the fill takes it (and its hue);
    where the light explains it, or the texel is trusted, or the read is grey, the fill is kept
    bit for bit; nothing is brightened."""
    s = 64
    cov = np.zeros((s, s), bool)
    cov[4:60, 4:60] = True
    t = np.ones((s, s), np.float32)
    t[:, :12] = 0.0
    t[:, -12:] = 0.0
    normals = np.zeros((s, s, 3), np.float32)
    normals[..., 0] = np.where(np.arange(s) < s // 2, -1.0, 1.0)[None, :]   # the sides
    fill = np.full((s, s, 3), (0.85, 0.65, 0.5), np.float32)
    shade = np.full((s, s), float(fill[0, 0] @ LUMA), np.float32)
    image = np.zeros((40, 40, 3), np.uint8)
    image[:13] = (110, 60, 30)      # a warm dark sideburn (the map's rows 0-20)
    image[13:27] = (217, 166, 128)  # the skin, as lit (rows 21-43)
    image[27:] = (60, 60, 60)       # a grey collar (rows 44-63)
    ys = np.clip(np.arange(s) * 40 // s, 0, 39).astype(np.float32)
    positions = np.dstack([np.full((s, s), 5.0, np.float32), np.repeat(ys[:, None], s, 1)])
    skin = (np.float32([70.0, 16.0, 22.0]), np.float32([5.0, 3.0, 3.0]))
    out = edge_strip.edge_on_light(fill, t, cov, normals, image, positions, skin, shade)
    luma_in, luma_out = fill @ LUMA, out @ LUMA
    assert (luma_out <= luma_in + 1e-5).all()
    assert np.array_equal(out[:, 12:-12], fill[:, 12:-12])   # trusted: kept
    assert luma_out[6:14, 5:11].mean() < 0.75 * luma_in[6:14, 5:11].mean()   # the sideburn
    assert out[6:14, 5:11, 0].mean() / out[6:14, 5:11, 2].mean() > fill[0, 0, 0] / fill[0, 0, 2]   # its hue
    assert np.abs(out[29:35, 5:11] - fill[29:35, 5:11]).max() < 0.02   # lit skin: the light explains it
    assert np.abs(out[52:58, 5:11] - fill[52:58, 5:11]).max() < 0.02   # the grey collar is not the head's
