"""`poce-rt edit IMAGE --model DIR` for a model directory of an image-space system (space "crop"):
tracking, code and rig from the Editor, the system on the aligned crop, paste-back (CropEditor)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputError


def is_crop_model(model_dir) -> bool:
    from . import system_of

    if not (Path(model_dir) / "config.json").is_file():
        return False   # not a model directory: the Editor's loader says so
    return system_of(model_dir).space == "crop"


def open_crop_editor(model_dir, backend: str = "auto", device: str = "cpu", bundle=None):
    from .crop import CropEditor

    try:
        return CropEditor(model_dir, backend=backend, device=device, bundle=bundle)
    except ImportError as e:
        raise InputError(f"cannot load the networks for --model {model_dir}: {e}") from None


def cmd_edit_crop(args, expr: dict) -> None:
    from ..assets import load_image
    from ..cli import _to_u8, _write_png
    from ..cli.edit import pose_request
    from ..tracker import NoFaceError

    if args.mask:
        raise InputError("--mask applies to UV-space models (POCE); this model edits an aligned face crop")
    if args.steps != 1:
        raise InputError("--steps applies to UV-space models; Cascade EF-GAN-style systems cascade internally")
    image = load_image(args.image)
    with open_crop_editor(args.model, args.backend, args.device, args.bundle) as ed:
        try:
            face = ed.editor.track(image)
        except NoFaceError:
            raise InputError(f"no face found in {args.image}") from None
        reference = None
        if args.reference:
            from ..pipeline import Source

            ref_img = load_image(args.reference)
            try:
                reference = Source(ref_img, ed.editor.track(ref_img), None, None, None)
            except NoFaceError:
                raise InputError(f"no face found in the reference {args.reference}") from None
        res = ed.edit(image, expression=expr or None, relative=not args.absolute, reference=reference,
                      pose=pose_request(args, face.pose), pose_relative=not args.absolute_pose,
                      intensity=args.intensity, face=face)
    _write_png(args.output, res.image)
    if args.grid:
        _write_png(args.grid, np.hstack([_to_u8(res.crop), _to_u8(res.edited)]))
    changed = np.flatnonzero(np.abs(res.relative_code) > 1e-6).size
    print(f"wrote {args.output}: {ed.runner.__class__.__name__} on a {ed.size}x{ed.size} crop "
          f"({ed.runner.backend}), {changed} blendshapes changed")
