"""Blending back (POCE Sec. IV-C): the head proxy of a source (head_proxy_of), the render
composited into the photo with the ring about it (blend_face, soften_revealed) and Poisson
editing (poisson_blend)."""
from __future__ import annotations

import numpy as np

from .. import ops
from ..camera import CAMERA_DISTANCE_CM
from ..accessories import ring_glasses
from ..fit import Pose, pose_vertices
from ..colour_classes import PhotoColours
from ..head_proxy import FACE_OVAL, oval_radius
from ..rim_light import RimLight
from ..motion import hold, keep_still, moved_map, vertex_motion
from ..occluder import UNREAD, arm_beside, revealed_beside, ring_hold as ring_hold_for
from ..outline import gauss_taps, outline_soft, soft_texture, soften_outline
from ..neck import jaw_shadow, neck_layer
from ..profile_edge import PROFILE_FEATHER_PX, own_edge_of, sharpen_profile, turned_edge, turned_profile
from ..band_content import band_arm, band_head_armless
from ..face_colours import face_colours
from ..past_oval import cheek_outline
from ..proxy_measures import proxy_measures
from ..skin_run import SkinRun
from ..proxy_pose import HeadProxy
from ..revealed import PoseReveal
from ..surround import warp_surround
from ..tracker import Face
from ..uncover import UNCOVER_PX, Uncover, fill_uncovered
from .mesh import Geometry, face_box, geometry, texel_motion


def head_proxy_of(image: np.ndarray, face: Face, colours: PhotoColours, geom: Geometry,
                  lens_card: np.ndarray | None = None, camera_distance_cm: float = CAMERA_DISTANCE_CM,
                  arm=UNREAD) -> HeadProxy:
    """The head proxy of a source face (poce_rt.proxy_pose.HeadProxy) with all it reads from the
    photo image [H,W,3] uint8 (proxy_measures, the neck, the sunglasses' frame, the skin past the
    silhouette, whether the far band shows the head or an arm, the jaw's shadow on the neck), as blend_face
    and the frame loop draw it.
    colours: the photo's face_colours; geom: the Geometry the face is drawn with; lens_card: the source's sunglasses (accessories.lens_card) or None; camera_distance_cm: the
    camera the rings are projected with (poce_rt.camera); arm: the source's occluder.arm_beside (SourceMaps.arm)
    where the caller has it (UNREAD: read here)."""
    measures = proxy_measures(image, face, colours)
    if arm is UNREAD:   # the far band: the head's, or an arm's beside it
        arm = arm_beside(image, face, geom, colours)
    proxy = HeadProxy(face.vertices, face.shape, face.pose, camera_distance_cm, *measures,
                      neck=neck_layer(image, face, colours, measures[0]),
                      glasses=ring_glasses(image, face.vertices, lens_card), skin=SkinRun(image, colours.skin),
                      head=band_head_armless(image, face, measures[0], colours, arm),
                      shadow=jaw_shadow(image, face, measures[0], colours),
                      arm=band_arm(image, face, measures[0], arm))
    # where the face's edge is seen against the backdrop beside the head (poce_rt.profile_edge)
    proxy.own_edge = own_edge_of(image, np.asarray(face.vertices)[list(FACE_OVAL), :2], proxy.bare, colours.person)
    if proxy.arm is not None:   # the far cheek past the face's mesh beside the arm (arm_rings.ArmRings.past_cheek)
        proxy.arm.cheek = cheek_outline(image, face.vertices, colours)
    return proxy


def blend_face(image: np.ndarray, face: Face, shape: np.ndarray, pose: Pose, rgb: np.ndarray,
               alpha: np.ndarray, feather_px: int, geom: Geometry | None = None,
               moved_out: np.ndarray | None = None, head_proxy: bool = True,
               camera_distance_cm: float = CAMERA_DISTANCE_CM, ring_filled_out: np.ndarray | None = None,
               uncovered_out: np.ndarray | None = None, fill: np.ndarray | None = None,
               colours: PhotoColours | None = None, held: np.ndarray | None = None,
               rim_light: RimLight | None = None, lens_card: np.ndarray | None = None, arm=UNREAD) -> np.ndarray:
    """Blend a face rendered with (shape, pose) back into the photo it was tracked in: the ring
    around the face (ears, hair, jaw line) first follows the moved face oval, then the render is
    kept only where the surface moved (poce_rt.motion) and composited with a feather (none along
    the face's own profile: poce_rt.profile_edge), over the face's box only (the render is zero
    outside it). geom: the mesh the render was drawn with
    (default geometry()). moved_out: an optional [H,W] float32 array that receives the `moved`
    weight (zero outside the box). head_proxy: the ring carries the head proxy's rings, which turn
    with the face (poce_rt.surround); False: the plain band of the oval. camera_distance_cm: the
    camera the proxy's rings are projected with (poce_rt.camera; `shape` has it folded in already,
    as perspective_shape gives it). ring_filled_out: an optional [H,W] float32 array that receives
    the ring's share of texels filled beyond the photo (warp_surround's filled_out). Where the face's
    move uncovers the photo, what lay behind the face is drawn under it (poce_rt.uncover);
    uncovered_out: an optional [H,W] float32 array that receives its share (zero where none).
    fill: None, or [S,S,1] the texture's share of fill the pose revealed (revealed.revealed_fill),
    which counts as moved (poce_rt.motion.fill_moves). colours: the photo's face_colours when the
    caller has them (None: read here; on a group photo that runs the person segmenter). held:
    None, or [H,W] float32 the photo's share held where the render draws that fill (a hand over
    the face's outline: poce_rt.occluder's occluder_map; motion.hold). rim_light: None, or the
    source's poce_rt.rim_light.RimLight (Completion.rim_light): the ring's texture about the
    oval relit as far as the pose reveals it. lens_card: None, or the source's sunglasses
    (accessories.lens_card): the ring moves their frame past the oval with them
    (accessories.ring_glasses). arm: the source's occluder.arm_beside (SourceMaps.arm), or UNREAD:
    head_proxy_of reads it. -> [H,W,3] uint8."""
    geom = geom or geometry()
    target = pose_vertices(shape, pose)
    if head_proxy and colours is None:
        colours = face_colours(image, face.vertices)
    elif not head_proxy:
        colours = None
    h, w = image.shape[:2]
    ring_moving = np.zeros((h, w), np.float32)
    proxy = None
    if head_proxy:
        proxy = (head_proxy_of(image, face, colours, geom, lens_card, camera_distance_cm, arm), pose)
    holds = held is not None and fill is not None
    reveal = PoseReveal(geom.posed, geom.layout.tris, face.shape, face.pose)(pose)[list(FACE_OVAL)] \
        if holds or (rim_light is not None and head_proxy) else None
    rim = None if rim_light is None or not head_proxy else (rim_light, reveal)
    # where the pose reveals the outline beside the held hand, the ring keeps it, and the face (occluder.RingHold)
    ring_hold = ring_hold_for(held, np.asarray(face.vertices)[list(FACE_OVAL), :2]) if holds else None
    share = None if ring_hold is None else ring_hold.share(reveal)
    weight = None if ring_hold is None else ring_hold.weight(share)
    base = warp_surround(image, face.vertices, target, proxy=proxy,
                         filled_out=ring_filled_out, moving_out=ring_moving,
                         backdrop=None if colours is None else colours.backdrop, rim=rim,
                         hold=None if weight is None else (weight, ring_hold.box[:2]))
    for name, a in (("rgb", rgb), ("alpha", alpha)):
        if getattr(a, "shape", (None, None))[:2] != (h, w):
            raise ValueError(f"{name} must cover the {h}x{w} image, got shape {getattr(a, 'shape', None)}")
    # the feather reaches feather_px inside the coverage: a wider margin keeps it exact
    x0, y0, x1, y1 = face_box(target, h, w, margin=int(feather_px) + 3)
    out = base.copy() if base is image else base
    if x1 > x0 and y1 > y0:
        src, dst = geom.posed(face.vertices), geom.posed(target)
        local = dst.copy()
        local[:, 0] -= x0
        local[:, 1] -= y0
        vmotion = vertex_motion(src, dst)
        moved = moved_map(texel_motion(geom), vmotion, local, geom.layout.tris, geom.layout.uvs,
                          y1 - y0, x1 - x0, lambda name, sh: np.empty(sh, np.float32), fill=fill)
        if held is not None and fill is not None:   # the hand over the outline stays in the photo
            fill_px, _ = ops.render(np.ascontiguousarray(fill, np.float32), local, geom.layout.tris, geom.layout.uvs,
                                    y1 - y0, x1 - x0)
            if ring_hold is not None:
                revealed_beside(fill_px, share, ring_hold.box, (x0, y0))
            hold(moved, np.ascontiguousarray(held[y0:y1, x0:x1, None], np.float32), fill_px, moved,
                 np.empty(moved.shape, np.float32))
        if moved_out is not None:
            moved_out[y0:y1, x0:x1] = moved[..., 0]
        photo = np.ascontiguousarray(out[y0:y1, x0:x1])   # out: never the caller's image (filled in place)
        # a still face keeps the photo, not the ring drawn under it (FrameLoop._still)
        kept = keep_still(np.ascontiguousarray(image[y0:y1, x0:x1, :3]), np.ascontiguousarray(rgb[y0:y1, x0:x1]), moved,
                          np.empty(photo.shape, np.float32), np.empty(photo.shape, np.float32))
        uncover = Uncover(image, src, geom.layout.tris, geom.layout.uvs, oval_radius(face.vertices)) \
            if float(vmotion.max(initial=0.0)) > UNCOVER_PX else None
        box = (x0, y0, x1, y1)
        uncovered = None if uncover is None else uncover.weight_over(texel_motion(geom), vmotion, box)
        if uncovered is not None:   # after keep_still, as FrameLoop draws it
            ring = None if base is image else ring_moving[y0:y1, x0:x1, None]
            share = fill_uncovered(photo, uncover.plate_over(box), uncovered[..., None],
                                   np.ascontiguousarray(alpha[y0:y1, x0:x1]), ring,
                                   np.empty(photo.shape[:2] + (1,), np.float32), np.empty(photo.shape, np.float32))
            if uncovered_out is not None:
                uncovered_out[y0:y1, x0:x1] = share[..., 0]
        cover = np.ascontiguousarray(alpha[y0:y1, x0:x1])
        drawn = ops.composite(photo, kept, cover, feather_px)
        profile = None if feather_px <= PROFILE_FEATHER_PX else \
            turned_profile(face.pose, pose, target[list(FACE_OVAL), :2] - (x0, y0), target[:, :2] - (x0, y0),
                           y1 - y0, x1 - x0, turned_edge(None if proxy is None else proxy[0], target[list(FACE_OVAL)]),
                           (x0, y0))
        if profile is not None:   # the face's own profile without the feather (poce_rt.profile_edge)
            sharpen_profile(drawn, ops.composite(photo, kept, cover, PROFILE_FEATHER_PX), profile[..., None],
                            np.empty(drawn.shape, np.float32))
        out[y0:y1, x0:x1] = drawn
        soften_revealed(out, box, local, alpha, fill, image, face, geom)
    return out


def soften_revealed(out: np.ndarray, box, local: np.ndarray, alpha: np.ndarray, fill: np.ndarray | None,
                    image: np.ndarray, face: Face, geom: Geometry) -> None:
    """blend_face's frame out [H,W,3] uint8 over the face's box (x0, y0, x1, y1), in place: blurred
    across the drawn outline where the revealed fill [S,S,1] is drawn and the photo shows that side
    softer (poce_rt.outline; the frame loop's _soften). local: the render's box-local vertices."""
    soft = None if fill is None else outline_soft(image, face.vertices, face.pose.yaw)
    if soft is None or not soft.any():
        return
    x0, y0, x1, y1 = box
    share = soft_texture(soft, geom.layout) * np.asarray(fill, np.float32)
    drawn, _ = ops.render(np.ascontiguousarray(share, np.float32), local, geom.layout.tris, geom.layout.uvs,
                          y1 - y0, x1 - x0)
    frame = np.ascontiguousarray(out[y0:y1, x0:x1])
    soften_outline(frame, np.ascontiguousarray(alpha[y0:y1, x0:x1]), drawn, gauss_taps(float(soft.max())),
                   lambda name, shape: np.empty(shape, np.float32))
    out[y0:y1, x0:x1] = frame


def poisson_blend(base: np.ndarray, rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Poisson editing of a rendered face into a frame (POCE Sec. IV-C, "Face blending"): the
    face's gradients inside its coverage, the frame's colours on its border (OpenCV's
    seamlessClone, on the host). base [H,W,3] uint8 is the frame under the face (the photo, ring
    warped), rgb [H,W,3] / alpha [H,W] the render. -> [H,W,3] uint8; base where nothing is drawn."""
    import cv2

    h, w = base.shape[:2]
    if rgb.shape[:2] != (h, w) or alpha.shape != (h, w):
        raise ValueError(f"rgb {rgb.shape} and alpha {alpha.shape} must cover the {h}x{w} frame")
    # fully covered pixels only, off the antialiased edge, and off the frame's border (OpenCV
    # needs the region strictly inside the destination)
    mask = cv2.erode((alpha >= 0.999).astype(np.uint8) * 255, np.ones((3, 3), np.uint8), iterations=2)
    mask[[0, -1], :] = 0
    mask[:, [0, -1]] = 0
    if not mask.any():
        return base.copy()
    x, y, bw, bh = cv2.boundingRect(mask)
    face = (np.clip(rgb, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    inside = mask > 0
    # seamlessClone centres the mask's bounding box on this point: its own centre keeps it in place.
    # It writes into the mask it is given (OpenCV 5.0), hence the copy.
    cloned = cv2.seamlessClone(face, np.ascontiguousarray(base), mask.copy(), (x + bw // 2, y + bh // 2),
                               cv2.NORMAL_CLONE)
    # it also touches its bounding box outside the mask (by a few levels): keep the frame there
    out = base.copy()
    out[inside] = cloned[inside]
    return out
