"""`poce-rt export MODEL_DIR --triton-repo DIR`: a model repository for a stand-alone Triton.

    DIR/poce_edit/config.pbtxt            the whole edit (Python backend; the same inputs and
    DIR/poce_edit/1/model.py              output as `poce-rt serve`); its Python needs poce-rt
    DIR/poce_edit/1/model/                the model directory's config.json + ONNX graphs
    DIR/poce_<graph>/config.pbtxt         each fp32 ONNX graph on its own (onnxruntime backend),
    DIR/poce_<graph>/1/model.onnx         dynamic batching over the graphs' batch axis

Run it with `tritonserver --model-repository DIR --http-address 127.0.0.1 ...`. The configs are
written from the graphs themselves (names, types, shapes), so they cannot drift from the export.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from ..errors import InputError
from .triton_model import MODEL_NAME

# ONNX TensorProto element types -> Triton config types
_TYPES = {1: "TYPE_FP32", 2: "TYPE_UINT8", 3: "TYPE_INT8", 5: "TYPE_INT16", 6: "TYPE_INT32", 7: "TYPE_INT64",
          9: "TYPE_BOOL", 10: "TYPE_FP16", 11: "TYPE_FP64", 16: "TYPE_BF16"}
BACKEND_MODEL = Path(__file__).with_name("triton_backend_model.py")


def _tensor(name: str, dtype: str, dims: list) -> str:
    return f'  {{ name: "{name}" data_type: {dtype} dims: [ {", ".join(str(d) for d in dims)} ] }}'


def _config(name: str, inputs: list, outputs: list, max_batch: int, head: str) -> str:
    batching = "dynamic_batching { max_queue_delay_microseconds: 2000 }\n" if max_batch > 0 else ""
    sep = ",\n"
    return (f'name: "{name}"\n{head}max_batch_size: {max_batch}\n'
            f"input [\n{sep.join(inputs)}\n]\noutput [\n{sep.join(outputs)}\n]\n{batching}"
            'instance_group [ { kind: KIND_CPU count: 1 } ]\n')


def onnx_config(name: str, onnx_path: Path, max_batch: int) -> str:
    """config.pbtxt of one ONNX graph: batched when every input's first axis is symbolic."""
    import onnx

    g = onnx.load(str(onnx_path), load_external_data=False).graph
    inits = {i.name for i in g.initializer}
    ins = [v for v in g.input if v.name not in inits]

    def dims(v):
        return [d.dim_value if d.HasField("dim_value") else -1 for d in v.type.tensor_type.shape.dim]

    batched = max_batch > 0 and all(dims(v) and dims(v)[0] == -1 for v in list(ins) + list(g.output))

    def entry(v):
        t = _TYPES.get(v.type.tensor_type.elem_type)
        if t is None:
            raise InputError(f"{onnx_path}: tensor {v.name} has an element type Triton configs do not name")
        d = dims(v)
        return _tensor(v.name, t, d[1:] if batched else d)

    return _config(name, [entry(v) for v in ins], [entry(v) for v in g.output], max_batch if batched else 0,
                   'platform: "onnxruntime_onnx"\n')


def edit_config(max_batch: int) -> str:
    return _config(MODEL_NAME, [_tensor("image", "TYPE_UINT8", [-1, -1, 3]), _tensor("params", "TYPE_STRING", [1])],
                   [_tensor("image", "TYPE_UINT8", [-1, -1, 3])], max_batch, 'backend: "python"\n')


def write_repository(model_dir, repo_dir, max_batch: int = 8) -> list[str]:
    """Write the repository (replacing the models it names) -> the model names written."""
    model_dir, repo = Path(model_dir), Path(repo_dir)
    if not (model_dir / "config.json").is_file():
        raise InputError(f"{model_dir} is not a model directory (no config.json)")
    graphs = sorted(p for p in model_dir.glob("*.onnx") if not p.name.endswith(".fp16.onnx"))
    if not graphs:
        raise InputError(f"no ONNX graphs in {model_dir}: run `poce-rt export {model_dir}` first")
    names = [MODEL_NAME]
    edit = repo / MODEL_NAME
    shutil.rmtree(edit, ignore_errors=True)
    (edit / "1" / "model").mkdir(parents=True)
    shutil.copy(BACKEND_MODEL, edit / "1" / "model.py")
    for p in [model_dir / "config.json", *sorted(model_dir.glob("*.onnx"))]:
        shutil.copy(p, edit / "1" / "model" / p.name)
    (edit / "config.pbtxt").write_text(edit_config(max_batch))
    for p in graphs:
        name = "poce_" + p.stem.replace(".", "_")
        d = repo / name
        shutil.rmtree(d, ignore_errors=True)
        (d / "1").mkdir(parents=True)
        shutil.copy(p, d / "1" / "model.onnx")
        (d / "config.pbtxt").write_text(onnx_config(name, p, max_batch))
        names.append(name)
    return names
