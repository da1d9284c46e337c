"""The system registry, the crop op and the crop-space frame (alignment, paste-back), `poce-rt eval`."""
import json

import numpy as np
import pytest

from poce_rt import ops, systems
from poce_rt.errors import InputError
from poce_rt.ops.crop import box_theta, default_samples
from poce_rt.ops.ref import crop_ref


# ---- registry -------------------------------------------------------------------------------------
def test_registry_lookups(tmp_path):
    assert {"poce", "cascade-ef", "leed"} <= set(systems.names())
    assert systems.get("poce").space == "uv" and systems.get("cascade-ef").space == "crop"
    with pytest.raises(InputError, match="unknown system"):
        systems.get("nope")
    (tmp_path / "config.json").write_text(json.dumps({"format": "poce-rt-model/1", "completion": {}}))
    assert systems.system_of(tmp_path).name == "poce"        # directories from before the registry
    (tmp_path / "config.json").write_text(json.dumps({"system": "leed"}))
    assert systems.system_of(tmp_path).name == "leed"
    with pytest.raises(InputError, match="not found"):
        systems.system_of(tmp_path / "x")
    cmds = systems.train_commands()
    assert {"completion", "editing", "cascade-ef", "leed"} <= set(cmds)
    for system in systems.SYSTEMS.values():
        assert set(systems.presets_of(system)) >= {"tiny", "paper"}


def test_poce_through_the_registry_is_unchanged():
    from poce_rt.models.config import CompletionConfig, EditingConfig
    from poce_rt.networks import GRAPHS

    poce = systems.get("poce")
    assert set(poce.graphs) == set(GRAPHS.values())
    assert systems.resolve(poce.runner).__name__ == "Networks"
    pytest.importorskip("torch")
    from poce_rt.export.onnx_export import export_model_dir

    assert systems.resolve(poce.export) is export_model_dir
    tiny = CompletionConfig.from_dict(systems.preset_config(poce, "tiny", "completion"))
    assert tiny.uv_size == 64
    assert EditingConfig.from_dict(systems.preset_config(poce, "tiny", "editing")).uv_size == 64
    assert systems.preset_config(poce, "paper", "completion") is None   # the defaults


# ---- the crop op ----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
@pytest.mark.parametrize("samples", [1, 3])
def test_crop_matches_reference(dtype, samples):
    rng = np.random.default_rng(1)
    img = (rng.integers(0, 256, (37, 53, 3)) if dtype == np.uint8 else rng.random((37, 53, 3))).astype(dtype)
    theta = np.array([[[0.9, 0.3, -3], [-0.2, 1.1, 5]],       # rotated, reaching past the border
                      [[2.5, 0, 10], [0, 2.5, 4]],            # a downscale
                      [[0.5, 0, 20], [0, 0.5, 30]]], np.float32)
    got = ops.crop(img, theta, (20, 30), samples=samples)
    assert got.shape == (3, 20, 30, 3) and got.dtype == np.float32
    np.testing.assert_allclose(got, crop_ref(img, theta, 20, 30, samples), atol=2e-6)


def test_crop_boxes_and_identity():
    rng = np.random.default_rng(2)
    img = rng.random((40, 40, 4)).astype(np.float32)
    boxes = [[2, 3, 30, 25], [0, 0, 40, 40]]
    got = ops.crop(img, boxes=boxes, size=(11, 17), samples=3)
    np.testing.assert_allclose(got, crop_ref(img, box_theta(boxes, 11, 17), 11, 17, 3), atol=2e-6)
    np.testing.assert_allclose(ops.crop(img, boxes=[[0, 0, 40, 40]], size=(40, 40))[0], img, atol=1e-6)
    # a shrinking box averages about one sample per input pixel (ROI-align's adaptive ratio)
    assert default_samples(box_theta([[0, 0, 40, 40]], 11, 17)) == 4


def test_crop_bad_input():
    img = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(TypeError):
        ops.crop(img.astype(np.int16), np.zeros((1, 2, 3), np.float32), (4, 4))
    with pytest.raises(ValueError):
        ops.crop(img, np.zeros((1, 3, 3), np.float32), (4, 4))
    with pytest.raises(ValueError):
        ops.crop(img, np.zeros((1, 2, 3), np.float32), (0, 4))
    nan = np.full((1, 2, 3), np.nan, np.float32)
    assert (ops.crop(img + 200, nan, (4, 4)) == 0).all()      # NaN maps read nothing, never garbage


# ---- the crop-space frame ---------------------------------------------------------------------------
def test_alignment_round_trip_on_a_real_photo(astronaut, tracker):
    from poce_rt.systems import crop as sc

    face = tracker.track(astronaut)[0]
    crop, theta = sc.align_crop(astronaut, face.vertices, 128)
    assert crop.shape == (128, 128, 3) and 0 <= crop.min() and crop.max() <= 1
    cv = sc.to_crop(face.vertices, theta)
    # the alignment points land near the template (a similarity cannot fit 5 points exactly)
    assert np.abs(sc.align_points(cv) - sc.template(128)).max() < 6
    assert ((cv[:, :2] > 0) & (cv[:, :2] < 128)).all()
    for y0, x0, h, w in sc.region_boxes(128):
        assert 0 <= y0 and y0 + h <= 128 and 0 <= x0 and x0 + w <= 128
    assert [b[2:] for b in sc.region_boxes(128)] == [[40, 92], [40, 48], [40, 60]]
    out = sc.paste_back(astronaut, crop, sc.face_mask(cv, 128), theta, feather_px=4)
    assert out.shape == astronaut.shape and out.dtype == np.uint8
    x0, y0, x1, y1 = (int(v) for v in face.bbox)
    err = out[y0:y1, x0:x1].astype(float) - astronaut[y0:y1, x0:x1]
    assert 10 * np.log10(255 ** 2 / np.mean(err ** 2)) > 30        # the crop round trip loses little
    assert (out[:, :x0 - 30] == astronaut[:, :x0 - 30]).all()       # outside the face: untouched


def test_job_geometry_follows_the_rig(astronaut):
    from poce_rt.pipeline import Editor, Source
    from poce_rt.systems.crop import CropEditor

    class Passthrough:   # the harness's own geometry is what is under test here
        crop_size, backend = 64, "none"

        def run(self, job):
            self.job = job
            return job.crop

    runner = Passthrough()
    with Editor() as editor:
        ed = CropEditor(runner=runner, editor=editor)
        res = ed.edit(astronaut, expression={"jawOpen": 0.6})
    job = runner.job
    assert job.crop.shape == (64, 64, 3) and job.source_vertices.shape == (468, 3)
    assert job.triangles.shape == (898, 3) and job.triangles.dtype == np.int32
    assert job.target_code[list(job.target_code).index(job.target_code.max())] > 0.5
    # the rig opens the jaw: the chin (vertex 152) moves down in the crop
    assert job.target_vertices[152, 1] - job.source_vertices[152, 1] > 1.0
    assert res.image.shape == astronaut.shape
    del Source


# ---- eval -------------------------------------------------------------------------------------------
def test_eval_weight_free_reports_the_measures(tmp_path):
    pytest.importorskip("dlib")
    from poce_rt.assets import data_path
    from poce_rt.cli import main

    out, md = tmp_path / "e.json", tmp_path / "e.md"
    assert main(["eval", str(data_path("astronaut")), "--weight-free", "--expr", "jawOpen=0.5",
                 "--json", str(out), "--markdown", str(md)]) == 0
    doc = json.loads(out.read_text())
    row = doc["methods"][0]
    assert row["failures"] == 0
    for key in ("ied", "exd", "pose_err_deg", "psnr", "ssim", "seconds"):
        assert row["mean"][key] is not None
    assert row["mean"]["ied"] < 0.6 and row["mean"]["psnr"] > 25
    assert "Inception" in doc["note"] and "IED" in md.read_text()


def test_eval_measures_a_group_photos_largest_face(tmp_path):
    """t1.jpg (held out: six small faces) shows no face to the tracker on the whole photo; eval
    searches tiles as the editor does, and reads the edit off the edited face, not another."""
    pytest.importorskip("dlib")
    from poce_rt.assets import data_path
    from poce_rt.cli import main

    out = tmp_path / "e.json"
    assert main(["eval", str(data_path("t1.jpg")), "--weight-free", "--expr", "jawOpen=0.5", "--json", str(out)]) == 0
    row = json.loads(out.read_text())["methods"][0]
    assert row["failures"] == 0, row["per_image"]
    assert row["mean"]["ied"] < 0.5 and row["mean"]["pose_err_deg"] < 5


def test_a_face_is_matched_to_the_nearest_box_within_the_limit():
    from poce_rt import boxes

    found = [(0, 0, 10, 10), (100, 0, 110, 10)]
    assert boxes.nearest(found, (6, 5), 5) == 0 and boxes.nearest(found, (104, 5), 5) == 1
    assert boxes.nearest(found, (50, 5), 44.9) is None       # 45 px from the nearest centre
    assert boxes.nearest(found, (50, 5), 45) == 0            # the limit is inclusive; ties go to the first
    assert boxes.nearest([], (0, 0), np.inf) is None
    # same_face: within half the face's size (here 5 px) of its centre, else no match
    assert boxes.same_face(found, (2, 1, 12, 11)) == 0
    assert boxes.same_face(found, (20, 0, 30, 10)) is None   # 20 px off: another face, or none
    assert boxes.same_face(found, (55, 0, 65, 10)) is None


@pytest.fixture
def weight_free(tracker):
    from poce_rt.systems.evaluate import open_method

    method = open_method(None, tracker)
    yield method
    method.close()


def test_eval_reports_a_face_drawn_elsewhere_as_a_failure(tracker, astronaut, weight_free):
    """A system that draws the face 1.5 face sizes left of where it was (the edit rolled): the
    face the tracker finds in its result is not the edited face, and the photo fails (no EXD, no
    pose error) instead of being graded on it. Before: matched with no limit, no failure."""
    import dataclasses

    from poce_rt.systems.evaluate import Method, evaluate

    face = tracker.track_one(astronaut)
    shift = -int(1.5 * (face.bbox[2] - face.bbox[0]))
    assert face.bbox[0] + shift > 5                          # the whole face is still in the picture

    @dataclasses.dataclass
    class Misplaced(Method):
        def edit(self, *args):
            out, code, pose = super().edit(*args)
            return np.roll(out, shift, axis=1), code, pose

    res = evaluate(Misplaced(**vars(weight_free)), [("astronaut", astronaut)], None, {"jawOpen": 0.5}, tracker)
    row = res["per_image"][0]
    assert res["failures"] == 1 and "no face in the edit within" in row["error"], row
    assert "exd" not in row and "pose_err_deg" not in row
    assert row["psnr"] is not None and row["seconds"] > 0     # the measures that did not need it stand


def test_eval_tracks_and_prepares_a_shared_reference_once(tracker, astronaut, single_face, weight_free,
                                                          monkeypatch):
    """One reference for every photo is tracked and prepared once, not once per photo (before: 2
    and 2 for two photos)."""
    from poce_rt.systems.evaluate import evaluate

    tracked, prepared = [], []
    track, prepare = tracker.track, weight_free.editor.prepare
    monkeypatch.setattr(tracker, "track", lambda image: tracked.append(image is single_face) or track(image))
    monkeypatch.setattr(weight_free.editor, "prepare",
                        lambda image, face=None: prepared.append(image is single_face) or prepare(image, face))
    res = evaluate(weight_free, [("a", astronaut), ("b", astronaut)], [("ref", single_face)], None, tracker)
    assert res["failures"] == 0, res["per_image"]
    assert [r["reference"] for r in res["per_image"]] == ["ref", "ref"]
    assert sum(tracked) == 1 and sum(prepared) == 1, (sum(tracked), sum(prepared))
