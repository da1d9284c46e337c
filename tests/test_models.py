"""POCE networks: shapes, coordinate systems, Eq. 7/8, FLOPs, configs, model-dir I/O, masks."""
import json

import numpy as np
import pytest
import torch

from poce_rt.models.completion import (PatchDiscriminator, UVCompletion, crop_macro, macro_coord, push_pull,
                                      symmetric_prior,
                                       macro_valid_fraction, micro_coords, mirror_macro_index)
from poce_rt.models.config import CompletionConfig, EditingConfig, ModelConfig
from poce_rt.models.editing import (EditDiscriminator, Editor, feature_transfer,
                                    modulate)
from poce_rt.models.flops import count_flops, edit_generator_flops
from poce_rt.models import io as mio

SMALL_C = CompletionConfig(uv_size=64, id_dim=32, enc_channels=(8, 16, 32), gen_channels=(32, 16, 8),
                           disc_channels=(8, 16, 32))
SMALL_E = EditingConfig(uv_size=64, const_channels=16, gen_channels=(16, 32, 16, 8),
                        map_channels=(8, 16, 32, 32), disc_channels=(8, 16, 32, 32))


def _uv(n, s, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, s, s, generator=g) * 2 - 1, (torch.rand(n, 1, s, s, generator=g) > 0.3).float()


@pytest.mark.parametrize("n", [1, 4])
def test_completion_shapes_default_config(n):
    torch.manual_seed(0)
    net = UVCompletion(CompletionConfig()).eval()
    uv, mask = _uv(n, 256)
    with torch.no_grad():
        out = net(uv, mask)
    assert out.shape == (n, 3, 256, 256) and torch.isfinite(out).all()
    assert torch.equal(out[mask.expand_as(out) > 0], uv[mask.expand_as(uv) > 0])   # visible texels kept
    d, c = PatchDiscriminator(CompletionConfig())(torch.zeros(n, 3, 128, 128))
    assert d.shape == (n,) and c.shape == (n, 2)


@pytest.mark.parametrize("n", [1, 4])
def test_editing_shapes_default_config(n):
    cfg = EditingConfig()
    ed = Editor(cfg).eval()
    uv, _ = _uv(n, 256)
    with torch.no_grad():
        params = ed.mapping(uv, torch.zeros(n, 52))
        shapes = cfg.param_shapes(n)
        assert [tuple(p.shape) for p in params] == [shapes[k] for k in cfg.param_names()]
        assert cfg.param_names() == [f"{g}_{i}" for i in range(6) for g in ("gamma", "beta")]
        out = ed.generator(*params)
        assert out.shape == (n, 3, 256, 256) and out.abs().max() <= 1
        assert torch.equal(out, ed(uv, torch.zeros(n, 52)))
    d, y = EditDiscriminator(cfg)(out)
    assert d.shape == (n,) and y.shape == (n, 52)


def test_coordinate_systems():
    cfg = CompletionConfig()
    assert (cfg.micro_size, cfg.macro_size, cfg.macro_grid) == (64, 128, 3)
    mc = micro_coords(cfg)
    assert mc.shape == (16, 2)
    assert torch.allclose(mc[1], torch.tensor([-0.25, -0.75]))          # row 0, col 1: x then y
    idx = torch.tensor([[0, 0], [1, 2], [2, 1]])
    assert torch.allclose(macro_coord(cfg, idx), torch.tensor([[-0.5, -0.5], [0.5, 0.0], [0.0, 0.5]]))
    assert mirror_macro_index(cfg, idx).tolist() == [[0, 2], [1, 0], [2, 1]]


def test_macro_patch_is_the_stitched_micro_patches():
    """generate_macro(i, j) must equal the crop of the full stitched map at macro (i, j)."""
    torch.manual_seed(0)
    net = UVCompletion(SMALL_C).eval()
    torch.nn.init.normal_(net.generator.to_rgb.weight, std=0.1)     # zero at init: make G_c's own output count
    uv, mask = _uv(2, 64)
    with torch.no_grad():
        z = net.encoder(uv, mask)
        ev = net.evidence(uv, mask)
        full = net.generate_full(z, ev)
        for i in range(3):
            for j in range(3):
                idx = torch.tensor([[i, j], [j, i]])
                assert torch.allclose(net.generate_macro(z, idx, ev), crop_macro(full, idx, SMALL_C), atol=1e-6)
        # micro patch (1, 2) of the full map is G_c(z, coordinate of (1, 2), local evidence under (1, 2))
        local = net.local(symmetric_prior(uv, mask))[:1, :, 16:32, 32:48]
        p = net.generator(z[:1], micro_coords(SMALL_C)[6:7], local)
        assert torch.allclose(full[:1, :, 16:32, 32:48], p, atol=1e-6)


def test_push_pull_matches_the_numpy_fallback():
    from poce_rt.complete import push_pull as push_pull_np
    rng = np.random.default_rng(0)
    img = rng.random((64, 64, 3)).astype(np.float32)
    known = rng.random((64, 64)) > 0.7
    known[20:50, 10:40] = False                                       # a large hole too
    ref = push_pull_np(img, known)
    out = push_pull(torch.from_numpy(img).permute(2, 0, 1)[None],
                    torch.from_numpy(known.astype(np.float32))[None, None])[0].permute(1, 2, 0).numpy()
    assert np.abs(out - ref).max() < 1e-4
    assert np.array_equal(out[known], img[known])


def test_symmetric_prior_takes_the_visible_mirror_texel():
    uv = torch.rand(1, 3, 64, 64) * 2 - 1
    mask = torch.ones(1, 1, 64, 64)
    mask[..., 10:20, 5:15] = 0                                        # hidden, mirror (cols 49..58) visible
    mask[..., 40:44, 30:34] = 0                                       # straddles u = 0.5: mirror hidden too
    p = symmetric_prior(uv, mask)
    assert p.shape == (1, 5, 64, 64)
    assert torch.equal(p[:, :3, 10:20, 5:15], uv.flip(-1)[:, :, 10:20, 5:15])
    assert torch.equal(p[:, :3][mask.expand(-1, 3, -1, -1) > 0], uv[mask.expand(-1, 3, -1, -1) > 0])
    assert (p[:, 3, 10:20, 5:15] == 1).all() and (p[:, 3, 40:44, 30:34] == 0).all()
    assert torch.equal(p[:, 4:], mask)
    # an untrained network returns that prior: G_c's correction starts at zero
    net = UVCompletion(SMALL_C).eval()
    with torch.no_grad():
        assert torch.allclose(net(uv, mask), p[:, :3].clamp(-1, 1), atol=1e-6)


def test_macro_valid_fraction_uses_footprint():
    cfg = SMALL_C
    mask = torch.zeros(1, 1, 64, 64)
    mask[..., 8:56, 8:56] = 1
    fp = mask[0, 0].clone()
    assert macro_valid_fraction(mask, cfg)[0, 0, 0] < 0.95     # corner patch: 56% valid
    assert torch.allclose(macro_valid_fraction(mask, cfg, fp), torch.ones(1, 3, 3))


def test_modulate_matches_instance_norm():
    x = torch.randn(2, 5, 8, 8) * 3 + 1
    g, b = torch.randn(2, 5, 8, 8), torch.randn(2, 5, 8, 8)
    ref = torch.nn.functional.instance_norm(x, eps=1e-5) * g + b
    assert torch.allclose(modulate(x, g, b, 1e-5), ref, atol=1e-5)
    # eps is really used
    assert not torch.allclose(modulate(x, g, b, 10.0), ref, atol=1e-3)


def test_feature_transfer_zero_one_and_partial():
    cfg = SMALL_E
    ed = Editor(cfg).eval()
    with torch.no_grad():
        src = ed.mapping(*(_uv(2, 64, 1)[0], torch.zeros(2, 52)))
        ref = ed.mapping(*(_uv(2, 64, 2)[0], torch.zeros(2, 52)))
    zero, one = torch.zeros(64, 64), torch.ones(1, 1, 64, 64)
    for a, b in zip(feature_transfer(src, ref, zero), src):
        assert torch.equal(a, b)
    for a, b in zip(feature_transfer(src, ref, one), ref):
        assert torch.equal(a, b)
    d = feature_transfer(dict(zip(cfg.param_names(), src)), dict(zip(cfg.param_names(), ref)), one)
    assert torch.equal(d["gamma_3"], ref[6])
    # one texel set: max pooling keeps it at every resolution (the 8x8 level's cell 0,0 is ref)
    m = torch.zeros(64, 64)
    m[3, 2] = 1
    out = feature_transfer(src, ref, m)
    assert torch.equal(out[0][..., 0, 0], ref[0][..., 0, 0]) and torch.equal(out[0][..., 1:, :], src[0][..., 1:, :])
    assert torch.equal(out[-1][..., 3, 2], ref[-1][..., 3, 2]) and torch.equal(out[-1][..., 3, 3], src[-1][..., 3, 3])
    with torch.no_grad():
        uv_a, uv_b = _uv(2, 64, 1)[0], _uv(2, 64, 2)[0]
        assert torch.allclose(ed.transfer(uv_a, uv_b, zero), ed(uv_a, torch.zeros(2, 52)), atol=1e-6)


def test_edit_generator_flops_under_20g():
    flops = edit_generator_flops()
    assert 5e9 < flops < 20e9, flops
    # the counter is right on a conv whose cost we know: 2 * 9 * Cin * Cout * H * W
    conv = torch.nn.Conv2d(4, 8, 3, padding=1)
    assert count_flops(conv, torch.zeros(1, 4, 16, 16)) == 2 * 9 * 4 * 8 * 16 * 16


def test_config_json_and_hash():
    c = CompletionConfig()
    assert CompletionConfig.from_json(c.to_json()) == c
    assert c.hash() == CompletionConfig().hash() and len(c.hash()) == 16
    assert SMALL_C.hash() != c.hash()
    e = EditingConfig()
    assert EditingConfig.from_json(e.to_json()) == e
    mc = ModelConfig(c, e)
    back = ModelConfig.from_json(mc.to_json())
    assert back.completion == c and back.editing == e and back.hash() == mc.hash()
    assert json.loads(mc.to_json())["editing_params"][:2] == ["gamma_0", "beta_0"]
    with pytest.raises(ValueError):
        EditingConfig(gen_channels=(64, 32))
    with pytest.raises(ValueError):
        CompletionConfig.from_dict({"bogus": 1})


def test_traceable():
    net = UVCompletion(SMALL_C).eval()
    uv, mask = _uv(2, 64)
    tr = torch.jit.trace(net, (uv, mask), check_trace=False)
    uv3, mask3 = _uv(3, 64, 5)
    assert torch.allclose(tr(uv3, mask3), net(uv3, mask3), atol=1e-5)     # batch is not baked in
    ed = Editor(SMALL_E).eval()
    tr = torch.jit.trace(ed, (uv, torch.zeros(2, 52)), check_trace=False)
    assert torch.allclose(tr(uv3, torch.ones(3, 52)), ed(uv3, torch.ones(3, 52)), atol=1e-5)


def test_model_dir_roundtrip_and_errors(tmp_path):
    net, ed = UVCompletion(SMALL_C), Editor(SMALL_E)
    mio.write_config(tmp_path, ModelConfig(SMALL_C, SMALL_E))
    mio.save_weights(tmp_path, mio.COMPLETION, net)
    mio.save_weights(tmp_path, mio.EDITING, ed)
    cfg, n2, e2 = mio.load_model_dir(tmp_path)
    assert cfg.completion == SMALL_C and not n2.training
    uv, mask = _uv(1, 64)
    with torch.no_grad():
        assert torch.equal(n2(uv, mask), net.eval()(uv, mask))
        assert torch.equal(e2(uv, torch.ones(1, 52)), ed.eval()(uv, torch.ones(1, 52)))
    # corrupt safetensors
    p = tmp_path / mio.EDITING
    p.write_bytes(p.read_bytes()[:100])
    with pytest.raises(mio.ModelDirError, match="editing.safetensors"):
        mio.load_model_dir(tmp_path)
    p.write_bytes(b"\x00" * 16)
    with pytest.raises(mio.ModelDirError, match="safetensors"):
        mio.load_model_dir(tmp_path)
    p.unlink()
    with pytest.raises(mio.ModelDirError, match="missing"):
        mio.load_model_dir(tmp_path)
    # weights of another architecture
    mio.save_weights(tmp_path, mio.EDITING, Editor(EditingConfig(uv_size=64, const_channels=16,
                     gen_channels=(16, 32, 16, 4), map_channels=(8, 16, 32, 32), disc_channels=(8, 16, 32, 32))))
    with pytest.raises(mio.ModelDirError, match="does not match"):
        mio.load_model_dir(tmp_path)
    (tmp_path / mio.CONFIG).write_text("{not json")
    with pytest.raises(mio.ModelDirError, match="not valid JSON"):
        mio.load_model_dir(tmp_path)
    (tmp_path / mio.CONFIG).unlink()
    with pytest.raises(mio.ModelDirError, match="config.json"):
        mio.load_model_dir(tmp_path)
    with pytest.raises(mio.ModelDirError, match="does not exist"):
        mio.load_model_dir(tmp_path / "nope")


# ---- masks (numpy + cv2) -------------------------------------------------------------------------

def test_region_masks_on_layout(face_model):
    from poce_rt.masks import MASK_NAMES, region_mask
    masks = {n: region_mask(n, 256, face_model.uvs) for n in MASK_NAMES}
    for n, m in masks.items():
        assert m.shape == (256, 256) and m.dtype == np.float32 and set(np.unique(m)) <= {0.0, 1.0}
        assert 0.01 < m.mean() < 0.2, n
    union = np.maximum.reduce([masks["eyes"], masks["nose"], masks["mouth"]])
    assert np.array_equal(masks["eyes_nose_mouth"], union)
    # mouth below nose below eyes (v grows downwards), eyes symmetric about u = 0.5
    rows = {n: np.nonzero(masks[n].any(1))[0].mean() for n in ("eyes", "nose", "mouth")}
    assert rows["eyes"] < rows["nose"] < rows["mouth"]
    assert np.abs(masks["eyes"] - masks["eyes"][:, ::-1]).mean() < 0.01
    with pytest.raises(ValueError, match="unknown mask"):
        region_mask("ears", 256, face_model.uvs)


def test_load_mask(tmp_path):
    import cv2
    from poce_rt.masks import get_mask, load_mask
    img = np.zeros((100, 300), np.uint8)
    img[:, 150:] = 255
    cv2.imwrite(str(tmp_path / "m.png"), img)
    m = load_mask(tmp_path / "m.png", 64)
    assert m.shape == (64, 64) and m.dtype == np.float32
    assert m[:, :30].max() == 0 and m[:, 34:].min() > 0.999
    rgba = np.zeros((32, 32, 4), np.uint8)
    rgba[:16, :, 3] = 255
    cv2.imwrite(str(tmp_path / "a.png"), rgba)
    a = get_mask(str(tmp_path / "a.png"), 32)
    assert a[:16].min() == 1 and a[16:].max() == 0
    (tmp_path / "bad.png").write_bytes(b"not an image")
    with pytest.raises(ValueError, match="cannot read mask image"):
        load_mask(tmp_path / "bad.png")
    with pytest.raises(FileNotFoundError):
        load_mask(tmp_path / "missing.png")


def test_critic_sees_generated_patches_black_outside_the_footprint():
    """Real macro patches are -1 outside the UV footprint; generated ones must reach the critic the
    same way (in the critic step and the generator step), or it tells them apart by that alone."""
    from poce_rt.models.losses import completion_d_loss, completion_g_loss

    torch.manual_seed(0)
    cfg = SMALL_C
    net, disc = UVCompletion(cfg), PatchDiscriminator(cfg)
    with torch.no_grad():
        torch.nn.init.normal_(net.generator.to_rgb.weight, std=0.5)   # G_c output is not its prior
        net.footprint.zero_()
        net.footprint[..., 8:56, 12:40] = 1                           # partial on every macro patch row
    seen = []

    class Recorder(torch.nn.Module):   # the real critic, recording what it is shown
        def forward(self, x):
            seen.append(x.detach())
            return disc(x)

    uv, mask = _uv(2, cfg.uv_size)
    g = cfg.macro_grid
    fake_idx = torch.tensor([[0, 0], [g - 1, g - 1]])
    real_idx = torch.tensor([[0, 1], [1, 0]])
    real = net.on_footprint(crop_macro(uv, real_idx, cfg), real_idx)
    completion_d_loss(net, Recorder(), uv, mask, fake_idx, real, real_idx, cfg)
    d_fake = seen[1]                      # calls: real, fake, then the penalty's interpolation
    seen.clear()
    completion_g_loss(net, Recorder(), uv, mask, fake_idx, cfg)
    g_fake = seen[0]
    fp = crop_macro(net.footprint.expand(2, -1, -1, -1), fake_idx, cfg).expand_as(d_fake) > 0
    assert 0 < fp.float().mean() < 1
    for fake in (d_fake, g_fake):
        assert (fake[~fp] == -1).all()
        assert (fake[fp] != -1).float().mean() > 0.9
