"""MediaPipe's FaceLandmarker without the rest of MediaPipe.

`import mediapipe` (and so any `mediapipe.tasks...` submodule) runs package `__init__`s that import
every task MediaPipe has: the drawing utilities pull in matplotlib.pyplot, the audio tasks
sounddevice, ~0.4 s of a one-photo `poce-rt edit`. We need three modules of it.

So, when MediaPipe is not imported yet, its four umbrella packages are registered as *shells*:
module objects with the package's real spec and `__path__`, whose `__init__` has not run. Importing a
submodule through a shell runs only that submodule and what it imports. The first time anything
else is asked of a shell (e.g. `mediapipe.tasks` or `mediapipe.Image` by other code), the real
`__init__` runs in it, so the package ends up as if imported normally, just later.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import threading

# the packages whose __init__ imports far more than the face landmarker needs
_HEAVY = ("mediapipe", "mediapipe.tasks", "mediapipe.tasks.python", "mediapipe.tasks.python.vision")
_lock = threading.RLock()   # re-entered when one shell's real __init__ asks another shell
_specs: dict = {}           # shell name -> its spec, while its real __init__ has not run


def _materialize() -> None:
    """Run the shells' real __init__s, innermost first: that is the order a plain `import mediapipe`
    finishes them in, and it matters (mediapipe's own __init__ rebinds `mediapipe.tasks` to
    `mediapipe.tasks.python`, after which `import mediapipe.tasks.python.x as y` no longer resolves)."""
    with _lock:
        pending = [(n, _specs.pop(n)) for n in reversed(_HEAVY) if n in _specs]
        for name, spec in pending:
            spec.loader.exec_module(sys.modules[name])


def _shell(name: str, spec) -> None:
    module = importlib.util.module_from_spec(spec)

    def __getattr__(attr: str):
        # a submodule: import just it (importlib's `from pkg import sub` asks for it this way too)
        if importlib.util.find_spec(f"{name}.{attr}") is not None:
            return importlib.import_module(f"{name}.{attr}")
        _materialize()
        try:
            return module.__dict__[attr]
        except KeyError:
            raise AttributeError(f"module {name!r} has no attribute {attr!r}") from None

    module.__getattr__ = __getattr__
    _specs[name] = spec
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)


def _install_shells() -> None:
    top = importlib.util.find_spec("mediapipe")          # finds, does not run, the top package
    if top is None or not top.submodule_search_locations:
        raise ImportError("MediaPipe is not installed: pip install mediapipe", name="mediapipe")
    root = list(top.submodule_search_locations)[0]
    for name in _HEAVY:
        if name == "mediapipe":
            spec = top
        else:
            pkg_dir = os.path.join(root, *name.split(".")[1:])
            spec = importlib.util.spec_from_file_location(name, os.path.join(pkg_dir, "__init__.py"),
                                                          submodule_search_locations=[pkg_dir])
            if spec is None or not os.path.isfile(spec.origin):
                raise ImportError(f"unexpected MediaPipe layout: no {name}", name=name)
        _shell(name, spec)


def _api(task: str):
    from mediapipe.tasks.python.core.base_options import BaseOptions
    from mediapipe.tasks.python.vision.core.image import Image, ImageFormat
    from mediapipe.tasks.python.vision.core.vision_task_running_mode import VisionTaskRunningMode

    module = importlib.import_module(f"mediapipe.tasks.python.vision.{task}")
    return module, BaseOptions, VisionTaskRunningMode, Image, ImageFormat


def task_api(task: str):
    """(the vision task's module, e.g. 'face_landmarker' or 'image_segmenter', BaseOptions,
    VisionTaskRunningMode, Image, ImageFormat)."""
    with _lock:
        if "mediapipe" not in sys.modules:
            try:
                _install_shells()
            except ImportError:
                for name in _HEAVY:          # an unexpected layout: fall back to the plain import
                    if _specs.pop(name, None) is not None:
                        del sys.modules[name]
    try:
        return _api(task)
    except (ImportError, AttributeError):
        if not _specs:
            raise
        _materialize()      # a MediaPipe whose modules need their packages' __init__: run them
        return _api(task)


def face_landmarker_api():
    """(face_landmarker module, BaseOptions, VisionTaskRunningMode, Image, ImageFormat)."""
    return task_api("face_landmarker")
