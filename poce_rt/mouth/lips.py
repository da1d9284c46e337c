"""The mouth on the MediaPipe mesh: its inner-lip vertices, as the pairs facing each other across
the opening (the triangles of the mouth's gap span only these: poce_rt.mouth.gap) and as the
upper and the lower lip corner to corner (the columns along which the interior mesh, its card and
the photo's opening are laid: poce_rt.mouth.mesh, card, photo). Every other module of the mouth
finds the lips through these.
"""
__all__ = ["LIP_PAIRS", "LIP_CORNERS", "INNER_UPPER", "INNER_LOWER"]

# Inner-lip loop of the MediaPipe mesh, as (upper, lower) vertex pairs facing each other. The
# triangles spanning the mouth opening use only these vertices.
LIP_PAIRS = ((13, 14), (82, 87), (312, 317), (81, 178), (311, 402), (80, 88), (310, 318),
             (191, 95), (415, 324))
LIP_CORNERS = (78, 308)
# the inner lips corner to corner, upper and lower: the interior mesh's columns
INNER_UPPER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)   # = rig.INNER_UPPER
INNER_LOWER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)   # = rig.INNER_LOWER
