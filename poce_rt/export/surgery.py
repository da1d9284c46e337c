"""ONNX graph surgery with onnx-graphsurgeon: clean-up, naming, metadata, fp16 conversion.

``cleanup(model)``: fold constants, drop dead nodes and tensors, sort topologically, give every node
a name, re-run shape inference.
``set_metadata(model, dict)``: write ``metadata_props`` (keys prefixed ``poce_rt.``).
``to_fp16(model)``: a strongly typed fp16 graph for TensorRT-RTX (which has no fp16 builder flag):
weights and activations in fp16, but normalisation statistics in fp32 islands (InstanceNorm /
LayerNorm / GroupNorm / BatchNorm nodes, ReduceMean-based mean/variance and the elementwise
arithmetic fed only by them: Casts are inserted around each island). Graph inputs and outputs stay
fp32 by default so the fp32 and fp16 graphs take the same arrays.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import onnx
import onnx_graphsurgeon as gs

__all__ = ["cleanup", "set_metadata", "get_metadata", "to_fp16", "rename_io", "FP32_OPS",
           "META_PREFIX"]

META_PREFIX = "poce_rt."

# ops whose computation stays in fp32 (normalisation statistics and what feeds them)
FP32_OPS = {"InstanceNormalization", "LayerNormalization", "GroupNormalization",
            "BatchNormalization", "ReduceMean", "ReduceSumSquare", "ReduceL2", "ReduceSum",
            "ReduceLogSumExp", "Pow", "Sqrt", "Reciprocal",
            "Softmax"}  # attention (GaFET's MFAT): exp of fp16 logits overflows past ~11
# elementwise ops that stay fp32 when every float input comes from an fp32 island (e.g. var + eps)
_FOLLOW_OPS = {"Add", "Sub", "Mul", "Div", "Sqrt", "Reciprocal", "Pow", "Max", "Clip"}
# ops that accept any type and need no cast
_ANY_TYPE_OPS = {"Shape", "Size"}
# (op, input index) whose float input must keep its own type
_KEEP_INPUT_TYPE = {("Resize", 1), ("Resize", 2), ("Upsample", 1)}
_F32, _F16 = np.dtype(np.float32), np.dtype(np.float16)


def _infer(model: onnx.ModelProto) -> onnx.ModelProto:
    try:
        return onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=False,
                                                 data_prop=True)
    except Exception:
        return onnx.shape_inference.infer_shapes(model)


def cleanup(model: onnx.ModelProto) -> onnx.ModelProto:
    """Fold constants, cleanup, toposort, name every node; returns a new model."""
    graph = gs.import_onnx(model)
    try:
        graph.fold_constants()
    except Exception:  # folding is an optimisation: never fail the export on it
        pass
    graph.cleanup(remove_unused_graph_inputs=False).toposort()
    seen: dict[str, int] = {}
    for i, node in enumerate(graph.nodes):
        if not node.name or node.name in seen:
            node.name = f"{node.op}_{i}"
        seen[node.name] = i
    for t in graph.tensors().values():  # every tensor has a name already; make them unique-safe
        if not t.name:
            t.name = f"t_{id(t)}"
    out = gs.export_onnx(graph)
    del out.opset_import[:]
    out.opset_import.extend(model.opset_import)
    out.ir_version = model.ir_version
    out.producer_name, out.producer_version = "poce-rt", model.producer_version
    del out.metadata_props[:]
    out.metadata_props.extend(model.metadata_props)
    del out.graph.value_info[:]
    return _infer(out)


def rename_io(model: onnx.ModelProto, inputs: Mapping[str, str] | None = None,
              outputs: Mapping[str, str] | None = None) -> onnx.ModelProto:
    """Rename graph inputs/outputs (old -> new) everywhere they appear."""
    mapping = dict(inputs or {})
    mapping.update(outputs or {})
    if not mapping:
        return model
    g = model.graph
    for vi in list(g.input) + list(g.output) + list(g.value_info):
        if vi.name in mapping:
            vi.name = mapping[vi.name]
    for node in g.node:
        node.input[:] = [mapping.get(n, n) for n in node.input]
        node.output[:] = [mapping.get(n, n) for n in node.output]
    return model


def set_metadata(model: onnx.ModelProto, meta: Mapping[str, object]) -> onnx.ModelProto:
    props = {p.key: p.value for p in model.metadata_props}
    for k, v in meta.items():
        key = k if k.startswith(META_PREFIX) else META_PREFIX + k
        props[key] = v if isinstance(v, str) else __import__("json").dumps(v)
    del model.metadata_props[:]
    for k in sorted(props):
        model.metadata_props.add(key=k, value=props[k])
    return model


def get_metadata(model: onnx.ModelProto) -> dict[str, str]:
    return {p.key: p.value for p in model.metadata_props}


def to_fp16(model: onnx.ModelProto, keep_io_types: bool = True) -> onnx.ModelProto:
    """Convert an fp32 graph to a strongly typed fp16 graph with fp32 normalisation islands."""
    model = _infer(model)
    graph = gs.import_onnx(model)
    graph.toposort()
    producer: dict[str, gs.Node] = {}
    for n in graph.nodes:
        for o in n.outputs:
            producer[o.name] = n

    def is_float(t) -> bool:
        if isinstance(t, gs.Constant):
            return np.dtype(t.values.dtype) == _F32
        return t.dtype is not None and np.dtype(t.dtype) == _F32

    # 1. decide each float node's compute type
    domain: dict[str, str] = {}  # tensor name -> "fp32" | "fp16" (float tensors only)
    for t in graph.inputs:
        if is_float(t):
            domain[t.name] = "fp32" if keep_io_types else "fp16"
    node_type: dict[int, str] = {}
    for node in graph.nodes:
        float_in = [t for t in node.inputs if isinstance(t, gs.Variable) and t.name in domain]
        float_out = [t for t in node.outputs if is_float(t)]
        if node.op in _ANY_TYPE_OPS:
            node_type[id(node)] = "any"
            continue
        if node.op == "Cast":
            to = node.attrs.get("to")
            if to == onnx.TensorProto.FLOAT:
                node_type[id(node)] = "fp16"
            else:
                node_type[id(node)] = "any"
            for o in float_out:
                domain[o.name] = "fp16"
            continue
        if not float_in and not float_out and not any(is_float(t) for t in node.inputs):
            continue  # integer / shape arithmetic: untouched
        if node.op in FP32_OPS:
            kind = "fp32"
        elif node.op in _FOLLOW_OPS and float_in and all(
                domain[t.name] == "fp32" and t.name not in {i.name for i in graph.inputs}
                for t in float_in):
            kind = "fp32"
        else:
            kind = "fp16"
        node_type[id(node)] = kind
        for o in float_out:
            domain[o.name] = kind

    # 2. rewrite: casts on domain boundaries, fp16 constants, Cast(to=FLOAT) -> FLOAT16
    casts: dict[tuple[str, str], gs.Variable] = {}
    const16: dict[str, gs.Constant] = {}
    new_nodes: list[gs.Node] = []

    def cast_to(t: gs.Variable, kind: str) -> gs.Variable:
        key = (t.name, kind)
        if key not in casts:
            dt = _F16 if kind == "fp16" else _F32
            out = gs.Variable(f"{t.name}__{kind}", dtype=dt, shape=t.shape)
            new_nodes.append(gs.Node("Cast", name=f"Cast_{t.name}__{kind}",
                                     attrs={"to": onnx.TensorProto.FLOAT16 if kind == "fp16"
                                            else onnx.TensorProto.FLOAT},
                                     inputs=[t], outputs=[out]))
            casts[key] = out
        return casts[key]

    for node in list(graph.nodes):
        kind = node_type.get(id(node))
        if kind is None:
            continue
        if node.op == "Cast":
            if kind == "fp16":
                node.attrs["to"] = onnx.TensorProto.FLOAT16
            continue
        if kind == "any":
            continue
        for idx, t in enumerate(node.inputs):
            if (node.op, idx) in _KEEP_INPUT_TYPE:
                continue
            if isinstance(t, gs.Constant):
                if np.dtype(t.values.dtype) == _F32 and kind == "fp16":
                    if t.name not in const16:
                        vals = np.asarray(np.clip(np.asarray(t.values), -65504, 65504), dtype=np.float16)
                        const16[t.name] = gs.Constant(f"{t.name}__fp16", vals)
                    node.inputs[idx] = const16[t.name]
            elif t.name in domain and domain[t.name] != kind:
                node.inputs[idx] = cast_to(t, kind)
        if node.op == "ConstantOfShape" and kind == "fp16" and "value" in node.attrs:
            v = node.attrs["value"]
            vals = v.values if isinstance(v, gs.Constant) else onnx.numpy_helper.to_array(v)
            if np.dtype(vals.dtype) == _F32:
                node.attrs["value"] = gs.Constant(f"{node.name}_value", np.asarray(vals, dtype=np.float16))
        for o in node.outputs:
            if o.name in domain:
                o.dtype = _F16 if kind == "fp16" else _F32
    graph.nodes.extend(new_nodes)

    # 3. graph outputs: fp32 if keep_io_types (cast, output keeps its name)
    for i, out in enumerate(list(graph.outputs)):
        if out.name not in domain:
            continue
        want = "fp32" if keep_io_types else "fp16"
        if domain[out.name] != want:
            name = out.name
            out.name = f"{name}__{domain[name]}"
            final = gs.Variable(name, dtype=_F32 if want == "fp32" else _F16, shape=out.shape)
            graph.nodes.append(gs.Node("Cast", name=f"Cast_output_{name}",
                                       attrs={"to": onnx.TensorProto.FLOAT if want == "fp32"
                                              else onnx.TensorProto.FLOAT16},
                                       inputs=[out], outputs=[final]))
            graph.outputs[i] = final
        else:
            out.dtype = _F32 if want == "fp32" else _F16
    if not keep_io_types:
        for t in graph.inputs:
            if t.name in domain:
                t.dtype = _F16
    graph.cleanup().toposort()
    out = gs.export_onnx(graph)
    del out.opset_import[:]
    out.opset_import.extend(model.opset_import)
    out.ir_version = model.ir_version
    out.producer_name, out.producer_version = model.producer_name, model.producer_version
    del out.metadata_props[:]
    out.metadata_props.extend(model.metadata_props)
    del out.graph.value_info[:]
    out = _infer(out)
    onnx.checker.check_model(out)
    return out
