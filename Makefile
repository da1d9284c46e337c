# The two entry points (see README):
#   make demo  - set up .venv, fetch the real test data, re-pose the astronaut photo -> out/demo_pose.png
#   make test  - set up .venv, run the test suite
PY ?= python3
VENV ?= .venv
VPY := $(VENV)/bin/python
PIP := $(VPY) -m pip

.PHONY: setup demo test bench bench-check dev gpu-check gpu-cache sanitize clean triton-env

$(VENV)/.installed: pyproject.toml CMakeLists.txt
	$(PY) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0 scikit-build-core pybind11
	$(PIP) install -q --no-build-isolation -e ".[dev,train,trt,eval,live,scale]"
	touch $@

# `poce-rt serve` runs PyTriton in a Python of its own (numpy < 2: see requirements-triton.txt)
TRITON_VENV ?= .venv-triton
$(TRITON_VENV)/.installed: requirements-triton.txt
	$(PY) -m venv $(TRITON_VENV)
	$(TRITON_VENV)/bin/python -m pip install -q -r requirements-triton.txt
	touch $@

triton-env: $(TRITON_VENV)/.installed

setup: $(VENV)/.installed $(TRITON_VENV)/.installed

demo: setup
	$(VPY) -m poce_rt.assets fetch
	$(VENV)/bin/poce-rt pose "$$($(VPY) -m poce_rt.assets path astronaut)" --yaw 25 -o out/demo_pose.png

test: setup
	$(VPY) -m poce_rt.assets fetch
	$(VPY) -m pytest -q tests

bench: setup
	$(VPY) -m pytest -q benchmarks --benchmark-columns=median,iqr,ops --benchmark-sort=name

# every benchmark run once, untimed: CI keeps the suites from rotting as the API moves
bench-check: setup
	$(VPY) -m poce_rt.assets fetch
	$(VPY) -m pytest -q -p no:cacheprovider benchmarks --benchmark-disable

# On a machine with an NVIDIA GPU, a CUDA 13 driver, nvcc, and Python with torch and CuPy: install
# what the project needs (the machine's torch and CuPy are kept: pip gets them as constraints),
# build the CUDA kernels into an editable install, FAIL unless poce_rt.cuda_available() (a driver
# too old for the build would otherwise skip every GPU test), then run the GPU tests (CUDA against
# the CPU twins) and the GPU benchmarks; the frame-loop figures also go to out/gpu_frame.json.
# Nothing is downloaded but Python packages: the test assets come from GPU_CACHE (POCE_RT_CACHE),
# filled by `make gpu-cache` where there is a network and carried with the checkout. A machine
# without a network takes the packages from a folder of wheels: make gpu-check WHEELS=.whl
GPU_CACHE ?= $(CURDIR)/.cache/poce_rt
WHEELS ?=
GPU_PIP = $(PY) -m pip install -q $(if $(WHEELS),--no-index --find-links $(WHEELS)) -c build/gpu-keep.txt

gpu-check:
	mkdir -p build
	$(PY) -m pip list --format=freeze 2>/dev/null | grep -i -E '^(torch|torchvision|cupy|cupy-cuda[0-9a-z]+)==' \
	  > build/gpu-keep.txt || true
	$(GPU_PIP) pybind11 'cmake>=3.24' 'scikit-build-core>=0.10'
	POCE_RT_CUDA=ON $(GPU_PIP) --no-build-isolation -e '.[dev,gpu]'
	$(PY) scripts/require_cuda.py
	test -s "$(GPU_CACHE)/face_landmarker.task" || { echo "gpu-check: no test assets in $(GPU_CACHE):" \
	  "run 'make gpu-cache' where there is a network and carry that folder with the checkout" >&2; exit 1; }
	POCE_RT_CACHE="$(GPU_CACHE)" $(PY) -m poce_rt.assets fetch
	POCE_RT_CACHE="$(GPU_CACHE)" $(PY) -m pytest -q -m gpu tests
	POCE_RT_CACHE="$(GPU_CACHE)" $(PY) -m pytest -q benchmarks/bench_pipeline.py -m gpu --benchmark-columns=median,iqr,rounds
	POCE_RT_CACHE="$(GPU_CACHE)" $(PY) benchmarks/bench_gpu_kernels.py
	mkdir -p out && POCE_RT_CACHE="$(GPU_CACHE)" $(PY) benchmarks/bench_gpu_frame.py --json out/gpu_frame.json

# The test assets gpu-check reads (landmarker bundle + photos and videos, ~10 MB), into GPU_CACHE.
gpu-cache:
	POCE_RT_CACHE="$(GPU_CACHE)" $(PY) -m poce_rt.assets fetch

# Fast in-place rebuild of the extension while developing (no pip).
dev:
	cmake -S . -B build/dev -DCMAKE_BUILD_TYPE=Release -DPython_EXECUTABLE=$$(which $(PY)) \
	  -Dpybind11_DIR=$$($(PY) -m pybind11 --cmakedir) -DPOCE_RT_CUDA=$${POCE_RT_CUDA:-AUTO} >/dev/null
	cmake --build build/dev -j2
	cp build/dev/_C*.so poce_rt/

# AddressSanitizer + UndefinedBehaviorSanitizer: build the CPU kernels into build/asan (never copied
# into poce_rt/, so `make test` keeps its own build; scripts/sanitize_native.py loads this one as
# poce_rt._C), then run the kernel tests and a bounded random fuzz of every op against it. gcc's
# libasan has to be the first library in the process, hence LD_PRELOAD into python, and libstdc++
# with it (python does not link it, and ASan's __cxa_throw interceptor must find the real one at
# start-up, or the first C++ exception of any extension aborts). Python leaks by design
# (detect_leaks=0). Any report aborts with a non-zero status.
FUZZ_ITERS ?= 5000
KERNEL_TESTS = tests/test_rasterize.py tests/test_sample_render.py tests/test_modulate_transfer.py \
	tests/test_bad_input_kernels.py tests/test_interpolate.py tests/test_ring_keep_still.py \
	tests/test_rasterize_runs.py
SANITIZE_ENV = LD_PRELOAD="$$($(CXX) -print-file-name=libasan.so) $$($(CXX) -print-file-name=libstdc++.so)" \
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	POCE_RT_NATIVE_SO=$$(ls build/asan/_C*.so) PYTHONPATH=scripts$${PYTHONPATH:+:$$PYTHONPATH}

sanitize: setup
	cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=$$(which $(CXX)) \
	  -DPython_EXECUTABLE=$$(which $(VPY)) -Dpybind11_DIR=$$($(VPY) -m pybind11 --cmakedir) \
	  -DPOCE_RT_CUDA=OFF -DPOCE_RT_SANITIZE=ON >/dev/null
	cmake --build build/asan -j2
	$(VPY) -m poce_rt.assets fetch
	$(SANITIZE_ENV) $(VPY) -m pytest -q -p sanitize_native -p no:cacheprovider $(KERNEL_TESTS)
	$(SANITIZE_ENV) $(VPY) scripts/fuzz_ops.py --iterations $(FUZZ_ITERS)

clean:
	rm -rf build $(VENV) $(TRITON_VENV) poce_rt/_C*.so
