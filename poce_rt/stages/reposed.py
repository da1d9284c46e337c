"""All the stages in order (POCE Fig. 1): repose, one face re-rendered at a new pose and
blended into its photo, and its maps (Reposed)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import limits
from ..camera import CAMERA_DISTANCE_CM, perspective_shape
from ..far_side import far_side_offset, revealed_far_side
from ..fit import Pose, pose_vertices
from ..mouth.gap import gap_lips, mouth_gap_texels, under_card
from ..mouth.light import skin_tone
from ..mouth.photo import mouth_interior
from ..photo_warp import outside_mouth
from ..revealed import fill_share, filled_pixels, revealed_fill
from ..tracker import Face
from .mesh import Geometry, geometry
from .sample import sample_face
from .render import draw_mouth, photo_lookup, render_face
from .completion import complete_source, far_read, texture_at
from .blend import blend_face


@dataclass
class Reposed:
    """Output of :func:`repose` and the maps it went through."""

    image: np.ndarray          # [H,W,3] uint8, the edited frame
    uv_sampled: np.ndarray     # [S,S,3]
    mask: np.ndarray           # [S,S]
    uv_completed: np.ndarray   # [S,S,3]
    rendered: np.ndarray       # [H,W,3] float32 in [0,1]
    alpha: np.ndarray          # [H,W]
    source_pose: Pose
    target_pose: Pose
    extras: dict = field(default_factory=dict)
    uv_filled: np.ndarray | None = None   # [S,S] each texel's share of fill (poce_rt.disocclusion)
    filled: np.ndarray | None = None      # [H,W] share of each output pixel's colour from filled texels


def repose(image: np.ndarray, face: Face, pitch: float = 0.0, yaw: float = 0.0, roll: float = 0.0,
           geom: Geometry | None = None, feather_px: int | None = None,
           camera_distance_cm: float = CAMERA_DISTANCE_CM, neck_pivot_cm: float = 0.0) -> Reposed:
    """Re-render the face at its pose plus (pitch, yaw, roll) degrees and blend it into the photo.

    With no offsets this is the round trip sample -> complete -> render -> composite; with offsets
    the ring around the face (ears, hair, jaw line) is first warped to follow the face oval. The
    turned head is drawn as a pinhole camera camera_distance_cm from it sees it (poce_rt.camera),
    turned about the axis neck_pivot_cm behind the canonical origin (EditorConfig.neck_pivot_cm).
    Offsets and the pose they lead to must be within poce_rt.limits.POSE_DEG (else InputError)."""
    limits.check_angles(pitch, yaw, roll, "offset")
    target = face.pose.offset(pitch=pitch, yaw=yaw, roll=roll, center=(0.0, 0.0, neck_pivot_cm))
    limits.check_angles(target.pitch, target.yaw, target.roll, "target pose")
    geom = geom or geometry()
    uv, mask = sample_face(image, face, geom)
    h, w = image.shape[:2]
    colours, (photo, fill, filled_uv, shading, rim_light), card, held, arm = complete_source(image, face, uv, mask,
                                                                                            geom)
    completed, revealed = texture_at(photo, fill, face, target, geom, shading)
    uv_filled = fill_share(filled_uv, mask, revealed)
    # sunglasses drawn as a card in front of the eyes, as Editor.plan draws them (poce_rt.accessories)
    shape = revealed_far_side(face.shape if card is None else face.shape + card,
                              far_side_offset(face.shape, face.pose), face.pose, target)   # (poce_rt.far_side)
    shape = perspective_shape(shape, face.pose, target, camera_distance_cm)
    # the mouth's opening as Editor.edit draws it (FrameLoop): the photo's own where its lips are
    # parted, turned with the head (the map has only a sliver of texels across the opening)
    gap = mouth_gap_texels(geom.layout)
    inside = mouth_interior(image, face, skin_tone(photo, geom.layout.coverage))
    if inside.from_photo:   # under the card the gap's texels in their lips' colours (mouth.gap.gap_lips)
        completed = under_card(completed, np.flatnonzero(gap), gap_lips(gap, geom.layout.coverage),
                               inside.coverage(0.0, pose_vertices(shape, target), target.scale))
    read = far_read(outside_mouth(gap, geom.size), shading, target)
    rgb, alpha = render_face(completed, shape, target, h, w, geom,
                             photo=(image, photo_lookup(face, mask, uv_filled, geom, read)))
    draw_mouth(rgb, shape, target, 0.0, inside)
    if feather_px is None:  # about 3% of the face's width: hides the seam without eating the face
        feather_px = max(1, int(round(0.03 * (face.bbox[2] - face.bbox[0]))))
    moved, ring_filled, uncovered = (np.zeros((h, w), np.float32) for _ in range(3))
    out = blend_face(image, face, shape, target, rgb, alpha, feather_px, geom, moved_out=moved,
                     camera_distance_cm=camera_distance_cm, ring_filled_out=ring_filled, uncovered_out=uncovered,
                     fill=revealed_fill(filled_uv, revealed, geom.layout.coverage), colours=colours,
                     held=held, rim_light=rim_light, lens_card=card, arm=arm)
    drawn = moved * alpha
    filled = filled_pixels(uv_filled, geom.posed(pose_vertices(shape, target)), geom.layout, drawn)
    # the ring's fill beyond the photo and what the face's move uncovered, where the face, still or
    # moved, leaves them (blend_face keeps the photo under a still face)
    filled += (1.0 - (1.0 - ring_filled) * (1.0 - uncovered)) * (1.0 - alpha)
    return Reposed(out, uv, mask, completed, rgb, alpha, face.pose, target, uv_filled=uv_filled, filled=filled)
