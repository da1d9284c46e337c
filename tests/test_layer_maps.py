"""scripts/layer_maps.py: which layer draws each pixel of a turned face (issue 15's diagnosis maps)."""
import cv2
import numpy as np

from conftest import script_module


def test_where_the_layers_say_the_face_draws_the_photo_the_output_is_the_photo(editor, real_image):
    """t1.jpg's face 1 (yaw -33) turned +25: where the maps say the render draws the photo's own
    texels (photo warp weight 1, no fill, no far relight; 2 px inside the coverage), the output is
    the photo read at each texel's photo position (image_fill.png's 0), within 3 levels at p99 (6
    at most: the composite's keep-still pass), over ~2100 pixels, her forehead's warm/cool
    boundary among them: the colour step drawn there is the photo's own."""
    lm = script_module("layer_maps")
    img = real_image("t1.jpg")
    src = editor.prepare(img, editor.faces(img, 1)[0])
    frame, image, alpha, band, uv, relit_ring = lm.drawn_layers(editor, img, src, 25.0)
    own = (alpha > 0.999) & (image["warp"] > 0.999) & (image["fill"] < 1e-3) & (image["relit"] < 1e-3)
    own = cv2.erode(own.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert own.sum() > 1500, own.sum()
    off = np.abs(frame.astype(int) - lm.photo_read(img, image, alpha).astype(int)).max(-1)[own]
    assert np.percentile(off, 99) <= 4 and off.max() <= 10, (np.percentile(off, 99), off.max())
    # the forehead's warm/cool boundary (b* 15 -> 3 in the photo at x 294-302, rows 150-175): at +25
    # on the face at rows 168-175, x 302-313 (b* 24 -> 9), all of it drawn from the photo's own texels
    assert own[168:176, 302:314].mean() > 0.9, own[168:176, 302:314].mean()
    assert band is not None and relit_ring is not None and set(uv) >= {"mask", "fill", "warp", "relit"}
