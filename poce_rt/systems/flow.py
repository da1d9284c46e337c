"""The flow-guided systems in the registry (F3A-GAN ``f3a``, GaFET ``gafet``): presets and runners.

Torch-free (runtime code): the runners turn a CropJob into the graphs' inputs with poce_rt.flow
(the meshes in crop pixels -> facial flow / motion flow / geometry map) and run the exported graph
on ONNX Runtime or TensorRT, or the torch module itself (backend='torch').
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .. import flow
from ..backends import BackendUnavailable, TensorSpec, load_backend
from ..errors import InputError


def f3a() -> dict:
    """F3A-GAN (poce_rt.models.f3a.F3AConfig): 128x128 crops as the paper's 300VW faces."""
    return {"tiny": {"f3a": {"size": 64, "channels": [8, 16, 32, 32], "flow_channels": [4, 8, 16, 16],
                             "hidden": 16, "disc_channels": [16, 32, 32], "lr": 1e-3}},
            "paper": {"f3a": {}}}


def gafet() -> dict:
    """GaFET (poce_rt.models.gafet.GaFETConfig): 256x256 crops (the paper's smaller model)."""
    return {"tiny": {"gafet": {"size": 64, "channels": [8, 16, 32, 32], "geo_channels": [8, 8, 16, 16],
                               "global_dim": 16, "mfat_levels": 2, "heads": 2, "mfat_dim": 16,
                               "disc_channels": [16, 32, 32], "deexp_channels": [8, 16], "part_size": 16,
                               "lr": 1e-3}},
            "paper": {"gafet": {}}}


def _open_graph(model_dir: Path, stem: str, inputs: dict, backend: str, device: str, precision: str):
    """(graph backend, its name): the exported graph on `backend` ('auto': TensorRT then ONNX
    Runtime on 'cuda', ONNX Runtime on 'cpu'), or the torch module (backend='torch')."""
    if backend == "torch":
        from ..export.flow_systems import OUTPUT, load_system

        _, cfg, net = load_system(model_dir)
        s = cfg.size
        ins = [TensorSpec(n, "float32", (-1, c, s, s)) for n, c in inputs.items()]
        return load_backend("torch", model_dir / f"{stem}.safetensors", module=net.to(device), input_specs=ins,
                            output_specs=[TensorSpec(OUTPUT, "float32", (-1, 3, s, s))], device=device), "torch"
    names = {"onnxruntime": ["onnxruntime"], "tensorrt": ["tensorrt"]}.get(
        backend, ["tensorrt", "onnxruntime"] if device == "cuda" else ["onnxruntime"])
    path = model_dir / (stem + (".fp16.onnx" if precision == "fp16" else ".onnx"))
    if not path.is_file():
        raise InputError(f"{path} is missing: run `poce-rt export {model_dir}` first")
    errors = []
    for name in names:
        try:
            return load_backend(name, path), name
        except (BackendUnavailable, ImportError) as e:
            errors.append(f"{name}: {e}")
    raise BackendUnavailable("no backend could load the graph: " + "; ".join(errors))


def _nchw(img: np.ndarray) -> np.ndarray:
    """[S,S,3] in [0,1] -> [1,3,S,S] in [-1,1]."""
    return np.ascontiguousarray(np.asarray(img, np.float32).transpose(2, 0, 1)[None] * 2.0 - 1.0)


def _hwc(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray((np.asarray(x, np.float32)[0].transpose(1, 2, 0) + 1.0) * 0.5)


class _FlowRunner:
    system = ""
    stem = ""
    inputs: dict = {}

    def __init__(self, model_dir, backend: str = "auto", device: str = "cpu", precision: str = "fp32"):
        d = Path(model_dir)
        cfg = json.loads((d / "config.json").read_text())
        if cfg.get("system") != self.system:
            raise InputError(f"{d} holds a {cfg.get('system')!r} model, not {self.system!r}")
        self.crop_size = int(cfg[self.system]["size"])
        self.graph, self.backend = _open_graph(d, self.stem, self.inputs, backend, device, precision)

    def _run(self, feeds: dict) -> np.ndarray:
        return _hwc(next(iter(self.graph.run(feeds).values())))


class F3ARunner(_FlowRunner):
    """F3A-GAN on a CropJob: the facial flow from the source mesh to the target mesh (rig + target
    pose, in crop pixels) rendered at the source pose drives T(I_s, f)."""

    system, stem, inputs = "f3a", "f3a", {"image": 3, "flow": 4}

    def flow_input(self, source_vertices, target_vertices, triangles=None) -> np.ndarray:
        """[1,4,S,S]: the facial flow of two crop-pixel meshes as the graph takes it."""
        return flow.f3a_input(source_vertices, target_vertices, self.crop_size, triangles)[None]

    def run(self, job) -> np.ndarray:
        """CropJob -> [S,S,3] float32 in [0,1]."""
        return self.run_flow(job.crop, self.flow_input(job.source_vertices, job.target_vertices, job.triangles))

    def run_flow(self, crop: np.ndarray, flow_input: np.ndarray) -> np.ndarray:
        """One frame of an animation: the source crop [S,S,3] in [0,1] under a given [1,4,S,S] flow."""
        return self._run({"image": _nchw(crop), "flow": np.ascontiguousarray(flow_input, np.float32)})

    def animate(self, job, thetas) -> list[np.ndarray]:
        """Continuous generation (F3A-GAN Eq. 3), non-recursive: every frame from the source crop.
        The rig is linear in the code and the crop-space meshes are a similarity of the posed ones, so
        lerping the job's two meshes is lerping (code, translation, scale); rotation is lerped
        through the vertices, which is the same to first order for the few degrees between frames.
        thetas: 1 = the source, 0 = the target. -> list of [S,S,3] in [0,1]."""
        src = np.asarray(job.source_vertices, np.float32)
        tgt = np.asarray(job.target_vertices, np.float32)
        return [self.run_flow(job.crop, self.flow_input(src, float(t) * src + (1 - float(t)) * tgt, job.triangles))
                for t in thetas]


class GaFETRunner(_FlowRunner):
    """GaFET on a CropJob: the source crop, the reference crop (the source itself when the target is
    given as a code: the geometry carries the expression, MFAT then adds the source's own detail),
    the target geometry map and the backward motion flow."""

    system, stem, inputs = "gafet", "gafet", {"source": 3, "reference": 3, "geometry": 4, "motion": 3}

    def run(self, job) -> np.ndarray:
        geo, mot = flow.gafet_inputs(job.source_vertices, job.target_vertices, self.crop_size, job.triangles)
        ref = job.reference if job.reference is not None else job.crop
        return self._run({"source": _nchw(job.crop), "reference": _nchw(ref), "geometry": geo[None],
                          "motion": mot[None]})


def reenact_frames(model_dir, source_image, driver_frames, *, backend: str = "auto", relative: bool = True,
                   bundle=None):
    """Face animation with a crop-space model (F3A-GAN's expression and pose reenactment): one
    [H,W,3] uint8 frame per driver frame (an iterable of [H,W,3] uint8); see
    poce_rt.systems.crop_reenact.CropReenactor (what `poce-rt reenact --model` runs). A frame whose
    driver face is lost repeats the last output."""
    from .crop_reenact import CropReenactor

    with CropReenactor(model_dir, source_image, backend=backend, relative=relative, bundle=bundle) as reen:
        for out in reen.run((f, 0.0) for f in driver_frames):
            yield out.image
