"""PyTorch -> ONNX export and ONNX graph surgery for poce-rt (needs torch and onnx-graphsurgeon)."""
from .onnx_export import (BLENDSHAPE_NAMES, DEFAULT_OPSET, GRAPHS, config_sha256, export_completion,
                          export_editing, export_model_dir, export_models, export_module, graph_file)
from .surgery import cleanup, get_metadata, set_metadata, to_fp16

__all__ = ["BLENDSHAPE_NAMES", "DEFAULT_OPSET", "GRAPHS", "config_sha256", "export_completion",
           "export_editing", "export_model_dir", "export_models", "export_module", "graph_file",
           "cleanup", "get_metadata", "set_metadata", "to_fp16"]
