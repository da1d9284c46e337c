"""Exit non-zero with one line saying why, unless poce_rt's CUDA kernels can run here.

`make gpu-check` runs this before the GPU tests: pytest would skip every `gpu` test on a machine
where CUDA is not usable (no GPU, a driver older than the CUDA the kernels were built with, or an
extension built without nvcc), and a run of skips must not read as a pass.
"""
from __future__ import annotations

import sys


def main() -> int:
    import poce_rt

    try:
        from poce_rt import _C
    except ImportError as e:
        print(f"gpu-check: FAILED: poce_rt._C does not import ({e})", file=sys.stderr)
        return 1
    if not _C.build_info["cuda"]:
        print("gpu-check: FAILED: poce_rt._C was built without CUDA kernels (is nvcc on PATH?)",
              file=sys.stderr)
        return 1
    if not poce_rt.cuda_available():
        print(f"gpu-check: FAILED: poce_rt.cuda_available() is False: {_C.cuda_device_count()} "
              "usable CUDA devices (no GPU, or a driver older than the CUDA the kernels were built "
              "with)", file=sys.stderr)
        return 1
    print(f"gpu-check: CUDA available ({_C.cuda_device_count()} device(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
