"""Shared inputs for the benchmarks: a real tracked face (astronaut) posed into 512x512 and
1024x1024 frames, on the 898-triangle mesh and on its 3x Loop subdivision (57,472 triangles)."""
import numpy as np
import pytest

from poce_rt import stages
from poce_rt.assets import data_path, load_image


@pytest.fixture(scope="session")
def astro_face():
    from poce_rt.tracker import FaceTracker

    with FaceTracker() as tracker:
        return load_image(data_path("astronaut")), tracker.track_one(load_image(data_path("astronaut")))


def scene(astro_face, subdivisions: int, size: int):
    """(image [size,size,3], geometry, posed vertices) with the face filling ~40% of the frame."""
    import cv2

    image, face = astro_face
    scale = size / 512.0
    img = cv2.resize(image, (size, size), interpolation=cv2.INTER_LINEAR)
    geom = stages.geometry(256, subdivisions)
    base = face.vertices * np.float32(scale)
    return img, geom, geom.posed(base)


@pytest.fixture(scope="session", params=[(0, 512), (3, 512), (0, 1024), (3, 1024)],
                ids=["898tri-512", "57ktri-512", "898tri-1024", "57ktri-1024"])
def bench_scene(request, astro_face):
    sub, size = request.param
    name = f"{898 * 4 ** sub}tri-{size}px"
    return (name, *scene(astro_face, sub, size))
