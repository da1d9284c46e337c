"""Plain NumPy reference implementations of the ops, written for clarity, not speed.

Tests compare the C++/CUDA kernels against these; benchmarks time them side by side."""
from .composite_ref import composite_ref
from .interpolate_ref import interpolate_ref
from .crop_ref import crop_ref
from .modulate_ref import modulate_ref
from .rasterize_ref import rasterize_ref
from .render_ref import coverage_ref, render_ref
from .sample_uv_ref import sample_uv_ref
from .transfer_ref import transfer_ref

__all__ = ["rasterize_ref", "sample_uv_ref", "render_ref", "coverage_ref", "modulate_ref", "transfer_ref",
           "composite_ref", "interpolate_ref", "crop_ref"]
