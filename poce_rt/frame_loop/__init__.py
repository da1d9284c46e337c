"""The frame loop: steps 5-7 of a frame (edit_uv, render, blend) for one prepared source.

    loop.py          FrameLoop: the per-step uploads and the drawing steps
    canvas.py        Box, Ring, Canvases: where a step draws (fixed canvases for static shapes)
    ring_texture.py  RingTextureCache: the photo around the face as the ring's texture
    graph_cache.py   GraphCache: capture, replay and invalidation of the step's CUDA graphs
"""
from .canvas import CANVAS_GROWTH, Box, Canvases, Ring
from .graph_cache import GraphCache, StepKey
from .loop import MOUTH_COLOUR, FrameLoop, step_capturable
from .ring_texture import RING_TEXTURE_REACH, RingTexture, RingTextureCache

__all__ = ["FrameLoop", "step_capturable", "Box", "Ring", "Canvases", "GraphCache", "StepKey",
           "RingTexture", "RingTextureCache", "MOUTH_COLOUR", "CANVAS_GROWTH", "RING_TEXTURE_REACH"]
