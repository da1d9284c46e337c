# The two entry points (see README):
#   make demo  - set up .venv, fetch the real test data, re-pose the astronaut photo -> out/demo_pose.png
#   make test  - set up .venv, run the test suite
PY ?= python3
VENV ?= .venv
VPY := $(VENV)/bin/python
PIP := $(VPY) -m pip

.PHONY: setup demo test bench dev gpu-check clean

$(VENV)/.installed: pyproject.toml CMakeLists.txt
	$(PY) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0 scikit-build-core pybind11
	$(PIP) install -q --no-build-isolation -e ".[dev,train,trt,eval]"
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(VPY) -m poce_rt.assets fetch
	$(VENV)/bin/poce-rt pose "$$($(VPY) -m poce_rt.assets path astronaut)" --yaw 25 -o out/demo_pose.png

test: setup
	$(VPY) -m poce_rt.assets fetch
	$(VPY) -m pytest -q tests

bench: setup
	$(VPY) -m pytest -q benchmarks --benchmark-columns=median,iqr,ops --benchmark-sort=name

# On a machine with an NVIDIA GPU (and this project's dependencies in $(PY)): build the CUDA
# kernels in place, run the GPU tests (CUDA against the CPU twins), then the GPU benchmarks; the
# frame-loop figures also go to out/gpu_frame.json.
gpu-check:
	POCE_RT_CUDA=ON $(MAKE) dev PY=$(PY)
	$(PY) -m poce_rt.assets fetch
	$(PY) -m pytest -q -m gpu tests
	$(PY) -m pytest -q benchmarks/bench_pipeline.py -m gpu --benchmark-columns=median,iqr,rounds
	$(PY) benchmarks/bench_gpu_kernels.py
	mkdir -p out && $(PY) benchmarks/bench_gpu_frame.py --json out/gpu_frame.json

# Fast in-place rebuild of the extension while developing (no pip).
dev:
	cmake -S . -B build/dev -DCMAKE_BUILD_TYPE=Release -DPython_EXECUTABLE=$$(which $(PY)) \
	  -Dpybind11_DIR=$$($(PY) -m pybind11 --cmakedir) -DPOCE_RT_CUDA=$${POCE_RT_CUDA:-AUTO} >/dev/null
	cmake --build build/dev -j2
	cp build/dev/_C*.so poce_rt/

clean:
	rm -rf build $(VENV) poce_rt/_C*.so
