"""The seam table of README "Seamless faces": poce_rt.seams' score of expression edits (no pose change)
on the repository's photos, blink 0.8 / smile 0.6 / jawOpen 0.7 (0 = no step across the drawn
border; the source itself scores 0).

    python scripts/seam_table.py
"""
from __future__ import annotations

import warnings

import poce_rt
from poce_rt.assets import data_path, load_image
from poce_rt.seams import seam_score

PHOTOS = ("single_face.jpg", "15-f13-anc-ph.jpg", "0-f15-hao-ph.jpg", "astronaut", "45-m7-di-ph.jpg", "0-f1-su-ph.jpg")
EDITS = (("blink 0.8", {"eyeBlinkLeft": 0.8, "eyeBlinkRight": 0.8}),
         ("smile 0.6", {"mouthSmileLeft": 0.6, "mouthSmileRight": 0.6}),
         ("jawOpen 0.7", {"jawOpen": 0.7}))


def main() -> None:
    warnings.simplefilter("ignore")
    print("| photo | " + " | ".join(name for name, _ in EDITS) + " |")
    print("| --- |" + " --- |" * len(EDITS))
    with poce_rt.Editor() as ed:
        for n in PHOTOS:
            img = load_image(data_path(n))
            src = ed.prepare(img)
            scores = [seam_score(img, r.image, r.alpha)
                      for r in (ed.edit(img, expression=e, source=src) for _, e in EDITS)]
            print(f"| {n} | " + " | ".join(f"{s:.2f}" for s in scores) + " |")


if __name__ == "__main__":
    main()
