"""Round trip of the repository's and the held-out photos (issue 2's measure, issue 15's check).

    python scripts/round_trip.py [--uv-size 512]

Per photo, `stages.repose` with no offsets: PSNR (dB) of the face render alone at the source pose
against the photo inside the render's alpha (sample_uv -> complete -> render, no composite), and
of the composite `poce-rt pose` returns in the face's box (a still head keeps the photo's pixels).
"""
from __future__ import annotations

import argparse
import warnings

import numpy as np

import poce_rt
from poce_rt import stages
from poce_rt.assets import data_path, load_image
from poce_rt.systems.evaluate import psnr

PHOTOS = ("single_face.jpg", "15-f13-anc-ph.jpg", "0-f15-hao-ph.jpg", "astronaut", "0-f1-su-ph.jpg",
          "45-m7-di-ph.jpg", "Image_with_alpha.png", "Tom_Hanks_54745.png", "t1.jpg")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--uv-size", type=int, default=512, help="S of the UV maps (`poce-rt pose` uses 512)")
    ap.add_argument("--photos", nargs="*", default=list(PHOTOS))
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    print(f"| photo | render in its alpha, S={args.uv_size} (dB) | composite in the face's box (dB) |\n| --- | --- | --- |")
    with poce_rt.Editor(config=poce_rt.EditorConfig(uv_size=args.uv_size)) as ed:
        for name in args.photos:
            img = load_image(data_path(name))
            face = ed.track(img)
            out = stages.repose(img, face, geom=ed.geometry)
            inside = out.alpha > 0.999
            x0, y0, x1, y1 = (int(round(v)) for v in face.bbox)
            box = (slice(max(y0, 0), y1), slice(max(x0, 0), x1))
            print(f"| {name} | {psnr(out.rendered[inside] * 255.0, img[inside].astype(np.float32)):.1f} | "
                  f"{psnr(out.image[box], img[box]):.1f} |")


if __name__ == "__main__":
    main()
