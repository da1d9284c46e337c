"""The kernels, one op per file: NumPy arrays run the C++ CPU kernels, CUDA arrays the CUDA ones.

Plain NumPy references live in ``poce_rt.ops.ref`` (tests and benchmarks compare against them).
"""
from ._arrays import Workspace, array_module, channel_dot, channel_sum, is_device_array, on_stream, to_host
from .composite import composite
from .interpolate import interpolate
from .crop import crop
from .modulate import modulate
from .threads import get_num_threads, set_num_threads
from .rasterize import rasterize
from .render import RasterKeep, render
from .sample_uv import default_depth_tol as sample_uv_depth_tol
from .sample_uv import sample_uv
from .transfer import transfer
from .uv_layout import UVLayout, uv_layout

__all__ = ["rasterize", "uv_layout", "UVLayout", "sample_uv", "render", "RasterKeep", "modulate", "transfer",
           "composite", "interpolate", "crop", "Workspace", "is_device_array",
           "array_module", "to_host", "on_stream", "set_num_threads", "get_num_threads"]
