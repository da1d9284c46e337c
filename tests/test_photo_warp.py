"""The photo read once where the drawn texels are its own (poce_rt.photo_warp)."""
import cv2
import numpy as np
import pytest

from poce_rt import photo_warp, stages


def host_take(name, shape, dtype):
    return np.empty(shape, dtype)


@pytest.mark.parametrize("keep_photo", [photo_warp.keep_photo, photo_warp.keep_photo_arrays],
                         ids=["host", "arrays"])
def test_keep_photo_matches_opencv_bilinear(keep_photo):
    """Both paths: the host's (cv2.remap over the weighted pixels' box) and the array code
    CuPy runs (here on NumPy)."""
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (37, 53, 3), dtype=np.uint8)
    rgb = rng.random((20, 30, 3)).astype(np.float32)
    drawn = np.stack([rng.uniform(-3, 56, (20, 30)), rng.uniform(-3, 40, (20, 30)),
                      rng.uniform(-0.2, 1.2, (20, 30))], -1).astype(np.float32)
    out = keep_photo(rgb.copy(), drawn, image, host_take)
    x, y = np.clip(drawn[..., 0], 0, 52), np.clip(drawn[..., 1], 0, 36)
    photo = cv2.remap(image.astype(np.float32) / 255, x, y, cv2.INTER_LINEAR)
    w = np.clip(drawn[..., 2:3], 0, 1)
    np.testing.assert_allclose(out, rgb + w * (photo - rgb), atol=2e-5)
    # weight 0 leaves the render as it is, bit for bit
    drawn[..., 2] = 0
    np.testing.assert_array_equal(keep_photo(rgb.copy(), drawn, image, host_take), rgb)


def test_host_path_reads_only_the_weighted_box():
    """Weights on a block of the render, as around a face (the rest drawn as 0: positions at the
    photo's corner): the host path reads a window of the photo around the block's positions, the
    same as the array code, and leaves every weight-0 pixel as it was, bit for bit."""
    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    rgb = rng.random((40, 50, 3)).astype(np.float32)
    drawn = np.zeros((40, 50, 3), np.float32)
    drawn[8:30, 12:41] = np.stack([rng.uniform(30, 70, (22, 29)), rng.uniform(20, 50, (22, 29)),
                                   rng.uniform(-0.3, 1.3, (22, 29))], -1)
    host = photo_warp.keep_photo(rgb.copy(), drawn, image, host_take)
    arrays = photo_warp.keep_photo_arrays(rgb.copy(), drawn, image, host_take)
    np.testing.assert_allclose(host, arrays, atol=1e-6)
    unweighted = drawn[..., 2] <= 0
    np.testing.assert_array_equal(host[unweighted], rgb[unweighted])


def test_the_lookup_reads_the_photo_where_it_was_sampled(editor, prepared):
    single_face, src = prepared("single_face.jpg")
    g = editor.geometry
    pos = photo_warp.lookup_positions(g.posed(src.face.vertices), g.layout, stages.texel_motion(g))
    seen = src.mask >= 0.5
    photo = cv2.remap(single_face.astype(np.float32) / 255, pos[..., 0], pos[..., 1], cv2.INTER_LINEAR)
    np.testing.assert_allclose(photo[seen], src.uv_sampled[seen], atol=1e-4)


def laplacian_rms(img: np.ndarray, region: np.ndarray) -> float:
    g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(np.sqrt((cv2.Laplacian(g, cv2.CV_32F, ksize=1)[region] ** 2).mean()))


@pytest.mark.parametrize("yaw", [-25, 25])
def test_a_turned_face_keeps_the_photos_detail(editor, prepared, yaw):
    """Held-out Image_with_alpha.png (a 350 px face) turned: the fine detail (Laplacian rms of
    luma) of the face drawn from the photo's own texels, against the photo's over the same
    pixels. Read through the 256 map, the photo's colours were resampled twice: 0.69 (-25) and
    0.71 (+25); read once (but around the mouth's opening), 0.87 and 0.89."""
    img, src = prepared("Image_with_alpha.png")
    res = editor.edit(img, pose=(0, yaw, 0), source=src)
    drawn = (res.moved * res.alpha > 0.5) & (res.filled < 0.05)
    assert drawn.sum() > 50000
    ratio = laplacian_rms(res.image, drawn) / laplacian_rms(img, drawn)
    assert ratio > 0.8, ratio
