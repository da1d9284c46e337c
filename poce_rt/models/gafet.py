"""GaFET: geometry-aware facial expression translation (GaFET Sec. 3, Fig. 2-4).

G: (source X [N,3,S,S], expression reference Y [N,3,S,S], geometry [N,4,S,S], motion [N,3,S,S])
-> the source with the reference's expression [N,3,S,S], all in [-1, 1] on an aligned face crop.

* geometry: the target 3D shape (the source's identity and pose with the reference's expression;
  poce_rt.flow.geometry_map of the rig-moved mesh: canonical x, y, z + mask), what E_e encodes.
* motion: the backward motion flow of the two meshes (poce_rt.flow.motion_flow, grid units) + mask.

Modules:
* E_a (appearance, U-Net-like): multi-scale features a_l of X, l = 0 (S) .. L (S / 2^L).
* Feature deformation: each a_l is warped by grid sampling with the motion flow (resized to its
  level) plus a residual flow a small network predicts from it (zero at initialisation), as in
  Face2FaceRHO's feature deformation [42]: ONNX GridSample (opset >= 16) runs it natively.
* E_e (expression / geometry): spatial features e_l of the geometry map, and a global feature g
  (pooled deepest level, MLP).
* E_d + MFAT (Fig. 3): E_d extracts three levels of the reference's detail features (the three
  coarsest generator levels, high to low); per level, a transformer encoder layer (multi-head
  self-attention + MLP) runs over E_d's tokens and another over E_e's spatial tokens, then a
  multi-head cross-attention lets E_e's tokens query E_d's: the aligned features are added to e_l
  as a residual (the reference's pose and shape may differ; attention aligns them).
* Generator: from the deepest deformed a_L, one SGMM block per level (spatial modulation: SPADE-
  like scale/shift from e_l; global modulation: StyleGAN2 modulation + demodulation from g, written
  as input scaling and output demodulation so the weight stays static for export), the deformed
  a_l injected at each level (U-Net skip), a deconvolution up to the next level, tanh RGB out.

Training-time networks: GaFETCritic (global and, smaller, component discriminator on eye / mouth
patches), DeExpression (Sec. 3.4, a small U^2-Net: residual U-blocks nested in a U) and
ExpressionRegressor (image -> 52 blendshape scores; stands in for EMOCA's expression encoder in
the expression losses, see poce_rt.train.gafet).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..codes import N_CODES
from ..systems.flow import gafet as _presets
from .config import _JsonMixin
from .f3a import Pyramid, strided

GEOMETRY_CHANNELS = 4   # canonical x, y, z + mask (poce_rt.flow.geometry_map / to_network)
MOTION_CHANNELS = 3     # dx, dy (grid units) + mask (poce_rt.flow.motion_flow / to_network)


@dataclass(frozen=True)
class GaFETConfig(_JsonMixin):
    size: int = 256                                  # S
    channels: tuple = (32, 64, 128, 256, 256, 256)   # E_a / generator widths, l = 0 .. L
    geo_channels: tuple = (16, 32, 64, 128, 128, 128)   # E_e widths
    global_dim: int = 256                            # g
    mfat_levels: int = 3                             # the coarsest generator levels MFAT serves
    heads: int = 4
    mfat_dim: int = 128                              # attention width
    disc_channels: tuple = (64, 128, 256, 256, 256)  # global D; the component D halves them
    deexp_channels: tuple = (32, 64, 128)            # De-expression U^2-Net levels
    part_size: int = 32                              # component D patches (eyes, mouth)
    lambda_rec: float = 1.0
    lambda_lpips: float = 1.0                        # lambda of Eq. 1 (perceptual term)
    lambda_shape: float = 150.0                      # Eq. 5
    lambda_au: float = 50.0
    lambda_cx: float = 1.0
    lambda_global: float = 1.0
    lambda_comp: float = 1.0
    r1: float = 10.0                                 # R1 weight on each discriminator
    lr: float = 2e-4
    betas: tuple = (0.0, 0.99)

    def __post_init__(self):
        if len(self.channels) != len(self.geo_channels) or len(self.channels) < 2:
            raise ValueError("channels and geo_channels need one entry per level (>= 2)")
        if not 1 <= self.mfat_levels <= len(self.channels):
            raise ValueError("mfat_levels must be in 1..levels")
        if self.size % (2 ** (len(self.channels) - 1)):
            raise ValueError(f"size {self.size} must be divisible by 2^{len(self.channels) - 1}")
        if self.mfat_dim % self.heads:
            raise ValueError("mfat_dim must be divisible by heads")

    @property
    def levels(self) -> int:
        return len(self.channels)


# The presets live with the registry (plain dicts, poce_rt.systems.flow) so the CLI needs no torch.
PRESETS = {name: GaFETConfig.from_dict(d["gafet"]) for name, d in _presets().items()}


def _act():
    return nn.LeakyReLU(0.2)


class FeatureDeformation(nn.Module):
    """Warp a feature map by the motion flow (+ a learned residual flow): grid sampling."""

    def __init__(self, channels: int):
        super().__init__()
        self.refine = nn.Sequential(nn.Conv2d(channels + MOTION_CHANNELS, 16, 3, 1, 1), _act(),
                                    nn.Conv2d(16, 2, 3, 1, 1))
        nn.init.zeros_(self.refine[-1].weight)
        nn.init.zeros_(self.refine[-1].bias)

    def forward(self, feat, motion):
        n, _, h, w = feat.shape
        m = F.interpolate(motion, size=(h, w), mode="bilinear", align_corners=False)
        flow = m[:, :2] + self.refine(torch.cat([feat, m], 1))
        ys = torch.linspace(-1 + 1 / h, 1 - 1 / h, h, dtype=feat.dtype, device=feat.device)
        xs = torch.linspace(-1 + 1 / w, 1 - 1 / w, w, dtype=feat.dtype, device=feat.device)
        base = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), -1)[None]      # [1,h,w,2] (x, y)
        grid = base + flow.permute(0, 2, 3, 1)
        return F.grid_sample(feat, grid, mode="bilinear", padding_mode="border", align_corners=False)


class Attention(nn.Module):
    """Multi-head attention written out (q, k, v projections, softmax(q k^T / sqrt(d)) v): it exports
    as MatMul + Softmax at any opset, where nn.MultiheadAttention's fused eval path does not export.
    q is scaled before the product, which keeps fp16 logits in range."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.q, self.k, self.v, self.o = (nn.Linear(dim, dim) for _ in range(4))

    def forward(self, x, kv):
        n, t, c = x.shape
        h = self.heads

        def split(z):
            return z.reshape(n, -1, h, c // h).transpose(1, 2)     # [N,h,T,d]

        q, k, v = split(self.q(x) * self.scale), split(self.k(kv)), split(self.v(kv))
        a = torch.softmax(q @ k.transpose(-1, -2), dim=-1)
        return self.o((a @ v).transpose(1, 2).reshape(n, t, c))


class _Block(nn.Module):
    """A transformer encoder layer (pre-norm): x + MHA(x, kv), then x + MLP(x)."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.nq, self.nkv = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.nm = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

    def forward(self, x, kv=None):
        q = self.nq(x)
        k = q if kv is None else self.nkv(kv)
        x = x + self.attn(q, k)
        return x + self.mlp(self.nm(x))


class MFATLevel(nn.Module):
    """One level of the Multi-level Feature Aligned Transformer: self-attention over the reference's
    detail tokens and over the geometry tokens, then the geometry tokens query the detail tokens."""

    def __init__(self, detail_ch: int, geo_ch: int, dim: int, heads: int, tokens: int):
        super().__init__()
        self.d_in, self.e_in = nn.Linear(detail_ch, dim), nn.Linear(geo_ch, dim)
        self.pos = nn.Parameter(torch.zeros(1, tokens, dim))
        self.self_d, self.self_e = _Block(dim, heads), _Block(dim, heads)
        self.cross = _Block(dim, heads)
        self.out = nn.Linear(dim, geo_ch)

    def forward(self, detail, geo):
        n, c, h, w = geo.shape
        d = self.self_d(self.d_in(detail.flatten(2).transpose(1, 2)) + self.pos)
        e = self.self_e(self.e_in(geo.flatten(2).transpose(1, 2)) + self.pos)
        aligned = self.out(self.cross(e, d))
        return geo + aligned.transpose(1, 2).reshape(n, c, h, w)   # residual onto E_e's features


class SGMM(nn.Module):
    """Spatial and global modulation: conv3x3 whose input is modulated by the global feature g
    (StyleGAN2 mod/demod) and whose output is normalised and scaled/shifted by the spatial e_l."""

    def __init__(self, cin: int, cout: int, geo_ch: int, global_dim: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin, 3, 3) * (1.0 / (cin * 9) ** 0.5))
        self.bias = nn.Parameter(torch.zeros(cout))
        self.style = nn.Linear(global_dim, cin)
        nn.init.zeros_(self.style.weight)
        nn.init.ones_(self.style.bias)
        self.norm = nn.InstanceNorm2d(cout, affine=False)
        self.gamma = nn.Conv2d(geo_ch, cout, 3, 1, 1)
        self.beta = nn.Conv2d(geo_ch, cout, 3, 1, 1)
        nn.init.zeros_(self.gamma.weight)
        nn.init.zeros_(self.gamma.bias)

    def forward(self, x, e, g):
        s = self.style(g)                                               # [N,cin]
        y = F.conv2d(x * s[:, :, None, None], self.weight, padding=1)   # modulated conv
        demod = torch.rsqrt((self.weight.pow(2).sum(dim=(2, 3))[None] * s.pow(2)[:, None]).sum(-1) + 1e-8)
        y = y * demod[:, :, None, None] + self.bias[None, :, None, None]
        y = (1 + self.gamma(e)) * self.norm(y) + self.beta(e)
        return F.leaky_relu(y, 0.2)


class GaFETGenerator(nn.Module):
    """(source, reference, geometry, motion) -> translated source, all [N,*,S,S]."""

    def __init__(self, cfg: GaFETConfig):
        super().__init__()
        self.cfg = cfg
        ch, gch, L = cfg.channels, cfg.geo_channels, cfg.levels
        self.e_a = Pyramid(3, ch)
        self.deform = nn.ModuleList(FeatureDeformation(c) for c in ch)
        self.e_e = Pyramid(GEOMETRY_CHANNELS, gch)
        self.e_e_global = nn.Sequential(nn.Linear(gch[-1], cfg.global_dim), _act(),
                                        nn.Linear(cfg.global_dim, cfg.global_dim))
        self.e_d = Pyramid(3, ch)
        lv = self.mfat_ids = tuple(range(L - cfg.mfat_levels, L))
        self.mfat = nn.ModuleList(MFATLevel(ch[i], gch[i], cfg.mfat_dim, cfg.heads, (cfg.size >> i) ** 2) for i in lv)
        self.sgmm = nn.ModuleList(SGMM(2 * ch[i] if i < L - 1 else ch[i], ch[i], gch[i], cfg.global_dim)
                                  for i in range(L))
        self.up = nn.ModuleList(nn.Sequential(nn.ConvTranspose2d(ch[i + 1], ch[i], 4, 2, 1), _act())
                                for i in range(L - 1))
        self.to_rgb = nn.Conv2d(ch[0], 3, 3, 1, 1)

    def forward(self, source, reference, geometry, motion):
        L = self.cfg.levels
        a = [d(f, motion) for d, f in zip(self.deform, self.e_a(source))]   # deformed E_a features
        e = self.e_e(geometry)
        g = self.e_e_global(e[-1].mean(dim=(2, 3)))
        if self.mfat_ids:
            detail = self.e_d(reference)
            for k, i in enumerate(self.mfat_ids):
                e[i] = self.mfat[k](detail[i], e[i])
        x = self.sgmm[L - 1](a[L - 1], e[L - 1], g)
        for i in range(L - 2, -1, -1):
            x = self.up[i](x)
            x = self.sgmm[i](torch.cat([x, a[i]], 1), e[i], g)
        return torch.tanh(self.to_rgb(x))


class GaFETCritic(nn.Module):
    """Discriminator (global: the whole crop; component: eye / mouth patches, half the width):
    image -> score [N] (non-saturating logistic loss with R1, StyleGAN's practice)."""

    def __init__(self, widths: tuple):
        super().__init__()
        layers, c = strided(widths)
        self.net = nn.Sequential(*layers, nn.Conv2d(c, 1, 3, 1, 1))

    def forward(self, x):
        return self.net(x).mean(dim=(1, 2, 3))


class _RSU(nn.Module):
    """A residual U-block (U^2-Net's RSU, 2 levels): in-conv, a small U inside, residual add."""

    def __init__(self, cin: int, cout: int, mid: int):
        super().__init__()
        self.cin = nn.Sequential(nn.Conv2d(cin, cout, 3, 1, 1), nn.ReLU())
        self.e1 = nn.Sequential(nn.Conv2d(cout, mid, 3, 1, 1), nn.ReLU())
        self.e2 = nn.Sequential(nn.Conv2d(mid, mid, 3, 2, 1), nn.ReLU())
        self.b = nn.Sequential(nn.Conv2d(mid, mid, 3, 1, 2, dilation=2), nn.ReLU())
        self.d2 = nn.Sequential(nn.Conv2d(2 * mid, mid, 3, 1, 1), nn.ReLU())
        self.d1 = nn.Sequential(nn.Conv2d(2 * mid, cout, 3, 1, 1), nn.ReLU())

    def forward(self, x):
        x0 = self.cin(x)
        h1 = self.e1(x0)
        h2 = self.e2(h1)
        d2 = self.d2(torch.cat([self.b(h2), h2], 1))
        d1 = self.d1(torch.cat([F.interpolate(d2, size=h1.shape[-2:], mode="bilinear", align_corners=False), h1], 1))
        return x0 + d1


class DeExpression(nn.Module):
    """Sec. 3.4's De-expression model (a U^2-Net: RSU blocks in an outer U): face -> its neutral face."""

    def __init__(self, cfg: GaFETConfig):
        super().__init__()
        ch = cfg.deexp_channels
        self.enc = nn.ModuleList(_RSU(3 if i == 0 else ch[i - 1], ch[i], max(ch[i] // 2, 4)) for i in range(len(ch)))
        self.dec = nn.ModuleList(_RSU(ch[i + 1] + ch[i], ch[i], max(ch[i] // 2, 4)) for i in range(len(ch) - 1))
        self.out = nn.Conv2d(ch[0], 3, 3, 1, 1)

    def features(self, x):
        """The encoder's multi-scale features (the perceptual / contextual losses' feature space)."""
        f = []
        for i, b in enumerate(self.enc):
            x = b(x if i == 0 else F.avg_pool2d(x, 2))
            f.append(x)
        return f

    def forward(self, x):
        f = self.features(x)
        y = f[-1]
        for i in range(len(f) - 2, -1, -1):
            y = F.interpolate(y, size=f[i].shape[-2:], mode="bilinear", align_corners=False)
            y = self.dec[i](torch.cat([y, f[i]], 1))
        return torch.tanh(self.out(y) + x)  # a residual on the input: most of the face stays


class ExpressionRegressor(nn.Module):
    """image [N,3,S,S] -> 52 blendshape scores in [0,1] (trained on the tracker's scores)."""

    def __init__(self, cfg: GaFETConfig):
        super().__init__()
        layers, c = strided(cfg.disc_channels)
        self.net = nn.Sequential(*layers)
        self.head = nn.Linear(c, N_CODES)

    def forward(self, x):
        return torch.sigmoid(self.head(self.net(x).mean(dim=(2, 3))))


def param_count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
