"""The mouth: its gap in the face's UV, and the inside of an open mouth drawn over the face render
(issue 15, item 3). Used with the expression rig: when the rig opens the jaw without trained
networks, the texels spanning the lips are darkened as a cavity (POCE leaves this to the
texture-editing network), and the mouth's inside (teeth, tongue and the dark back, or the photo's
own where its lips are parted) is drawn over them as its own small mesh. Each module imports only
modules listed above it:

    lips.py   the inner-lip vertices of the MediaPipe mesh: pairs across the opening, upper and
              lower lip corner to corner
    gap.py    the gap's texels in UV, how far the lips opened, the weight-free cavity, the gap
              drawn in its lips' colours under the card
    light.py  the photo's light on the mouth: skin tone, colour or grey, black level
    card.py   the card the inside is drawn from: its layout and the generic teeth (along a dental
              arch, turned with the head), tongue and back
    mesh.py   the interior mesh inside the lips: its rows, the teeth's sizes, its card coordinates
    photo.py  MouthInterior, mouth_interior: one face's card and heights, the photo's own opening
              where its lips are parted
    draw.py   draw_interior: the mesh with its card blended over a face render (host or GPU)
"""
from .draw import draw_interior
from .photo import MouthInterior, mouth_interior

__all__ = ["MouthInterior", "mouth_interior", "draw_interior"]
