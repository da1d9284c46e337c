"""Use the AddressSanitizer build of poce_rt._C instead of poce_rt/_C*.so (`make sanitize`).

POCE_RT_NATIVE_SO names the sanitizer build (build/asan/_C*.so). Imported before anything imports
poce_rt._C - as a pytest plugin (`pytest -p sanitize_native`) or by scripts/fuzz_ops.py - it loads
that file as poce_rt._C, so the normal build in the package is never loaded and `make test` and
`make sanitize` never overwrite each other's extension. Registering the module by name works
however poce_rt itself is found (checkout on sys.path or an editable install's import hook).
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys


def install(path: str | None = None):
    """Load `path` (default: $POCE_RT_NATIVE_SO) as poce_rt._C; fails unless it is a sanitizer build."""
    path = path or os.environ.get("POCE_RT_NATIVE_SO")
    if not path:
        raise SystemExit("sanitize_native: set POCE_RT_NATIVE_SO to the sanitizer build of _C")
    if "poce_rt._C" in sys.modules:
        mod = sys.modules["poce_rt._C"]
    else:
        loader = importlib.machinery.ExtensionFileLoader("poce_rt._C", path)
        spec = importlib.util.spec_from_file_location("poce_rt._C", path, loader=loader)
        mod = importlib.util.module_from_spec(spec)
        loader.exec_module(mod)
        sys.modules["poce_rt._C"] = mod
    import poce_rt

    poce_rt._C = mod
    if not mod.build_info.get("sanitize") or os.path.realpath(mod.__file__) != os.path.realpath(path):
        raise SystemExit(f"sanitize_native: poce_rt._C is {mod.__file__}, not the sanitizer build {path}")
    return mod


_loaded: list[str] = []


def pytest_configure(config):
    _loaded.append(install().__file__)


def pytest_report_header(config):
    return f"poce_rt._C: {_loaded[0] if _loaded else '?'} (AddressSanitizer + UBSan)"
