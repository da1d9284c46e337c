"""FLOP counting (2 x multiply-accumulates of convs / matmuls, via torch's FlopCounterMode)."""
from __future__ import annotations

import torch
from torch.utils.flop_counter import FlopCounterMode


@torch.no_grad()
def count_flops(module: torch.nn.Module, *inputs: torch.Tensor) -> int:
    """FLOPs of one ``module(*inputs)`` call (element-wise ops such as norms/activations not counted)."""
    with FlopCounterMode(display=False) as fc:
        module(*inputs)
    return int(fc.get_total_flops())


def edit_generator_flops(cfg=None) -> int:
    """FLOPs of the editing generator G_e for one image at cfg.uv_size (default config: 256x256)."""
    from .config import EditingConfig
    from .editing import EditGenerator
    cfg = cfg or EditingConfig()
    gen = EditGenerator(cfg).eval()
    params = [torch.zeros(s) for s in cfg.param_shapes(1).values()]
    return count_flops(gen, *params)
