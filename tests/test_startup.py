"""Start-up: a command imports only what it needs (checked in fresh interpreters, by module names,
not by timing)."""
import os
import subprocess
import sys
import textwrap

from poce_rt.assets import data_path


def _run(code: str) -> str:
    env = dict(os.environ)
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip().splitlines()[-1]


def test_tracker_does_not_import_matplotlib_or_audio():
    out = _run(f"""
        import sys
        import numpy as np, cv2
        from poce_rt.tracker import FaceTracker
        img = cv2.cvtColor(cv2.imread({str(data_path('single_face.jpg'))!r}), cv2.COLOR_BGR2RGB)
        with FaceTracker() as t:
            faces = t.track(img)
        print(len(faces), sorted(m for m in ('matplotlib', 'sounddevice', 'torch') if m in sys.modules))
        """)
    assert out == "1 []"


def test_full_mediapipe_still_importable_after_the_tracker():
    # other code in the process may use all of MediaPipe: it must get the real package
    out = _run("""
        import sys
        from poce_rt.tracker import FaceTracker
        FaceTracker().close()
        import mediapipe as mp
        from mediapipe.tasks.python import vision
        from mediapipe.tasks.python.components.processors import classifier_options  # noqa: F401
        assert vision.FaceLandmarker is not None and mp.Image is not None and mp.tasks.BaseOptions
        assert vision.drawing_utils.draw_landmarks
        print('matplotlib' in sys.modules, mp.__version__ != '')
        """)
    assert out == "True True"


def test_mediapipe_imported_first_is_left_alone():
    out = _run("""
        import mediapipe as mp
        from poce_rt.tracker import FaceTracker
        FaceTracker().close()
        import sys
        print(sys.modules['mediapipe'] is mp, type(mp.tasks).__name__)
        """)
    assert out == "True module"


def test_import_poce_rt_and_cli_stay_light():
    out = _run("""
        import sys
        import poce_rt, poce_rt.cli
        poce_rt.cli.build_parser()
        print(sorted(m for m in ('torch', 'mediapipe', 'matplotlib', 'cv2', 'urllib.request')
                     if m in sys.modules))
        """)
    assert out == "[]"


def test_mediapipe_version_through_the_shell():
    out = _run("""
        from poce_rt.tracker import FaceTracker
        FaceTracker().close()
        import mediapipe
        print(mediapipe.__version__.count('.') >= 1)
        """)
    assert out == "True"
