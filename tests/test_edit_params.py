"""EditParams: the JSON of one edit (studio API, Triton, batch) is validated with the key named."""
import json

import numpy as np
import pytest

from poce_rt.edit_params import EditParams
from poce_rt.errors import InputError


def test_defaults_and_round_trip():
    assert EditParams.parse(None) == EditParams()
    assert EditParams.parse("") == EditParams()
    p = EditParams.parse('{"expression": {"jawOpen": 0.7}, "pose": [0, 20, 0], "intensity": 1.5, '
                         '"mask": "mouth,eyes", "steps": 2}')
    assert p.expression == {"jawOpen": 0.7} and p.pose == (0.0, 20.0, 0.0) and p.steps == 2
    assert EditParams.parse(p.to_json()) == p


@pytest.mark.parametrize("bad, key", [
    ("[1, 2]", "JSON object"),
    ("{not json", "not valid JSON"),
    ('{"expresion": {}}', "unknown key"),
    ('{"expression": {"smile": 1}}', "unknown blendshape"),
    ('{"expression": {"jawOpen": "a lot"}}', "params.expression.jawOpen"),
    ('{"expression": {"jawOpen": 2}}', "params.expression.jawOpen"),
    ('{"absolute": true, "expression": {"jawOpen": -0.5}}', "params.expression.jawOpen"),
    ('{"pose": [0, 90, 0]}', "yaw"),
    ('{"pose": [0, 1]}', "params.pose"),
    ('{"pose": [0, NaN, 0]}', "params.pose[1]"),
    ('{"intensity": 1e9}', "params.intensity"),
    ('{"mask": "/etc/passwd"}', "params.mask"),
    ('{"steps": 0}', "params.steps"),
    ('{"absolute": "yes"}', "params.absolute"),
])
def test_bad_params_name_the_key(bad, key):
    with pytest.raises(InputError, match=key.replace("[", r"\[").replace("]", r"\]")):
        EditParams.parse(bad)


def test_oversized_json_is_refused():
    with pytest.raises(InputError, match="bytes of JSON"):
        EditParams.parse(json.dumps({"expression": {}, "pad": "x" * 100_000}))


def test_apply_matches_a_direct_edit(editor, prepared):
    img, src = prepared("single_face.jpg")
    a = EditParams.parse('{"expression": {"jawOpen": 0.6}, "pose": [0, 10, 0]}').apply(editor, img, source=src)
    b = editor.edit(img, expression={"jawOpen": 0.6}, pose=(0, 10, 0), source=src)
    assert np.array_equal(a.image, b.image)
    with pytest.raises(InputError, match="mask limits"):
        EditParams.parse('{"mask": "mouth"}').apply(None, img)
