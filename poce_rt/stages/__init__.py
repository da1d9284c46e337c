"""The geometric stages of one frame (POCE Fig. 1), on top of the ops and the face model:
sample_face (Eq. 15), complete (weight-free here; the network lives in the pipeline),
render_face (Eq. 16) and repose (all of them plus composite). Plain functions on fresh arrays:
the reference the frame loop is tested against. This __init__ is the API; each module imports
only modules listed above it:

    mesh.py        Geometry, geometry: the face mesh and its UV layout; face_box, texel_motion
    sample.py      sample_face (Eq. 15), seen_well, off_photo, erode3: the photo read into UV
    render.py      render_face (Eq. 16), photo_lookup, draw_mouth: a texture drawn at a pose
    completion.py  Completion, complete_face, skin_shade, SourceMaps, complete_source: the texture
                   completed; texture_at, far_read, relit_share: the texture drawn at a target pose
    blend.py       head_proxy_of, blend_face, soften_revealed, poisson_blend: the render blended
                   back into its photo with the ring about it
    reposed.py     Reposed, repose: all of them in order (named for its result: a module `repose`
                   would be shadowed here by the function)

A test that patches a name a stage reads patches it on the module that reads it (e.g.
stages.completion's hair_over_face), not on this package."""
from .mesh import Geometry, face_box, geometry, texel_motion
from .sample import BORDER_PX, ERODE_BELOW_COS, MIN_FACING_COS, erode3, off_photo, sample_face, seen_well
from .render import draw_mouth, photo_lookup, render_face
from .completion import (Completion, SourceMaps, complete_face, complete_source, far_read, relit_share, skin_shade,
                         texture_at)
from .blend import blend_face, head_proxy_of, poisson_blend, soften_revealed
from .reposed import Reposed, repose

# helpers of other modules that callers of the single-module stages read through it
from ..complete import complete_uv_fallback
from ..disocclusion import texel_positions
from ..hair import hair_over_face
from ..surround import warp_surround

__all__ = [
    "Geometry", "geometry", "face_box", "texel_motion",
    "MIN_FACING_COS", "BORDER_PX", "ERODE_BELOW_COS", "sample_face", "seen_well", "off_photo", "erode3",
    "render_face", "photo_lookup", "draw_mouth",
    "Completion", "complete_face", "skin_shade", "SourceMaps", "complete_source", "texture_at", "far_read",
    "relit_share",
    "head_proxy_of", "blend_face", "soften_revealed", "poisson_blend",
    "Reposed", "repose",
    "complete_uv_fallback", "texel_positions", "hair_over_face", "warp_surround",
]
