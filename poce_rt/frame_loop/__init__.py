"""The frame loop: steps 5-7 of a frame (edit_uv, render, blend) for one prepared source.

    loop.py          FrameLoop: its set-up and the host half of a step (what it plans and uploads);
                     the rest of it is mixed in from the modules below, which share its buffers
    texture.py       the texture a step draws: the source's with the revealed fill, the networks'
                     edit, or the mouth gap darkened (weight-free), and the mouth's inside
    draw.py          the step's device work: the ring, the face's render, keep_still, uncover, composite
    photo_lookup.py  the photo read once where the drawn texels are its own (poce_rt.photo_warp)
    held.py          a hand over the face's outline kept in the photo by the face and the ring
    soften.py        the revealed fill's outline blurred as soft as the photo shows it
    read_back.py     the last step's maps (render, moved, fill, the frame under the face) on the host
    canvas.py        Box, Ring, Canvases: where a step draws (fixed canvases for static shapes)
    ring_texture.py  RingTextureCache: the photo around the face as the ring's texture
    graph_cache.py   GraphCache: capture, replay and invalidation of the step's CUDA graphs
"""
from .canvas import CANVAS_GROWTH, Box, Canvases, Ring
from .graph_cache import GraphCache, StepKey
from .loop import FrameLoop, step_capturable
from .ring_texture import RING_TEXTURE_REACH, RingTexture, RingTextureCache
from .texture import MOUTH_COLOUR

__all__ = ["FrameLoop", "step_capturable", "Box", "Ring", "Canvases", "GraphCache", "StepKey",
           "RingTexture", "RingTextureCache", "MOUTH_COLOUR", "CANVAS_GROWTH", "RING_TEXTURE_REACH"]
