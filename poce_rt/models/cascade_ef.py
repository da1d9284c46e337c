"""Cascade EF-GAN (Wu et al., CVPR 2020; papers/cascade_ef_gan.txt): progressive facial expression
editing with local focuses, on an aligned face crop (poce_rt.systems.crop).

EF-GAN (Sec. 3.1): an Expression Transformer with a global branch on the whole crop and three
local branches on the eyes, nose and mouth patches (40x92, 40x48, 40x60 at 128x128, scaled to the
crop size; fixed boxes in the aligned crop, centred where the alignment puts those features: the
paper centres each patch on its keypoints' mean position over the data, which alignment makes
constant). Each branch emits a colour map M_C and an attention map M_A, combined with its input by
Eq. 1: I_init = M_A * M_C + (1 - M_A) * I_in. The local outputs are stitched into the input at their
boxes, concatenated with the global output and fused by the Refiner (its own colour and attention
over the global output, Eq. 1 again).

Cascade (Sec. 3.2): `stages` EF-GANs in a row, each editing the previous one's output towards an
intermediate target. The Interpolator makes those targets: pseudo targets by linear interpolation
between the source and target codes, then a learned residual from (source code, pseudo - source);
a critic on codes (WGAN-GP) keeps interpolated codes on the manifold of real ones. The last stage
gets the target itself. All stages share one Interpolator.

Condition: the 52 MediaPipe blendshape scores instead of the paper's 17 AU intensities. The
tracker gives them for every training frame and every user request (the whole engine speaks them,
POCE's code included), they are continuous in [0,1] like AU intensities and mostly FACS-based; AU
intensities would need OpenFace, which is not available here.

Shapes: images NCHW in [-1,1], codes [N,52]. The exported graph (`CascadeEF.forward`) is
(image [N,3,S,S], code_src [N,52], code_tgt [N,52]) -> image_out [N,3,S,S].
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import _JsonMixin

# the paper's patch sizes at 128x128 (h, w): eyes, nose, mouth
PATCHES_AT_128 = ((40, 92), (40, 48), (40, 60))


@dataclass(frozen=True)
class CascadeEFConfig(_JsonMixin):
    crop_size: int = 128
    code_dim: int = 52
    stages: int = 3                # EF-GANs in the cascade (the paper's 3)
    g_channels: int = 64           # global branch base width
    l_channels: int = 32           # local branches base width
    n_res: int = 6                 # residual blocks per branch (GANimation's generator has 6)
    kernel: int = 7                # first and last convolutions of every branch (GANimation: 7)
    r_channels: int = 64           # Refiner width
    d_channels: tuple = (64, 128, 256, 512, 1024, 2048)   # critic, one stride-2 conv each
    interp_hidden: int = 256
    regions: tuple = ()            # 12 ints: (y0, x0, h, w) of eyes, nose, mouth in the crop
    lambda_cond: float = 10.0      # Eq. 2 weights: lambda_1 .. lambda_4
    lambda_cont: float = 10.0
    lambda_attn: float = 0.1
    lambda_interp: float = 1.0
    lambda_tv: float = 1e-2        # total variation of the attention maps (smooth masks, GANimation)
    lambda_gp: float = 10.0
    lr: float = 1e-4
    betas: tuple = (0.5, 0.999)
    pretrain_frac: float = 0.5     # Sec. 3.3: this share of the steps trains one EF-GAN alone

    def __post_init__(self):
        if self.crop_size % 8:
            raise ValueError("crop_size must be a multiple of 8")
        if self.regions and len(self.regions) != 12:
            raise ValueError("regions: 12 ints (y0, x0, h, w) x (eyes, nose, mouth)")
        for y0, x0, h, w in self.boxes():
            if h % 4 or w % 4 or y0 < 0 or x0 < 0 or y0 + h > self.crop_size or x0 + w > self.crop_size:
                raise ValueError(f"region {(y0, x0, h, w)} must be a multiple of 4 inside the crop")
        if self.stages < 1:
            raise ValueError("stages must be >= 1")

    def boxes(self) -> list[tuple[int, int, int, int]]:
        r = list(self.regions)
        return [tuple(r[i:i + 4]) for i in range(0, len(r), 4)]


def _norm(c):
    return nn.InstanceNorm2d(c, affine=True)


class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, bias=False), _norm(c), nn.ReLU(True),
                                  nn.Conv2d(c, c, 3, 1, 1, bias=False), _norm(c))

    def forward(self, x):
        return x + self.body(x)


class Branch(nn.Module):
    """GANimation-style generator: (image, code) -> colour M_C, attention M_A; two stride-2 levels
    (patch sides must be multiples of 4), `n_res` residual blocks, nearest upsampling.

    GANimation tiles the code over the image and concatenates it; a convolution of a constant map
    is a per-channel constant (away from the zero-padded border), so the code enters here as a
    learned bias of the first convolution instead: the same conditioning without a 52-channel input."""

    def __init__(self, in_ch: int, code_dim: int, ch: int, n_res: int, k: int = 7):
        super().__init__()
        self.stem = nn.Conv2d(in_ch, ch, k, 1, k // 2, bias=False)
        self.code = nn.Linear(code_dim, ch)
        layers = [_norm(ch), nn.ReLU(True)]
        for i in range(2):
            layers += [nn.Conv2d(ch << i, ch << (i + 1), 4, 2, 1, bias=False), _norm(ch << (i + 1)), nn.ReLU(True)]
        layers += [ResBlock(ch * 4) for _ in range(n_res)]
        for i in (2, 1):
            layers += [nn.Upsample(scale_factor=2, mode="nearest"),
                       nn.Conv2d(ch << i, ch << (i - 1), 3, 1, 1, bias=False), _norm(ch << (i - 1)), nn.ReLU(True)]
        self.body = nn.Sequential(*layers)
        self.heads = nn.Conv2d(ch, 4, k, 1, k // 2)   # M_C (3 channels) and M_A (1), one convolution

    def forward(self, x, code, base=None):
        """x [N,C,h,w] (its first 3 channels the image, unless `base` is given), code [N,D] ->
        (I_init [N,3,h,w] by Eq. 1 over `base` or x[:, :3], M_A [N,1,h,w])."""
        f = self.body(self.stem(x) + self.code(code)[:, :, None, None])
        h = self.heads(f)
        m_c, m_a = torch.tanh(h[:, :3]), torch.sigmoid(h[:, 3:])
        base = x[:, :3] if base is None else base
        return m_a * m_c + (1 - m_a) * base, m_a


class EFGAN(nn.Module):
    """One EF-GAN: Expression Transformer (global + 3 local branches) and Refiner."""

    def __init__(self, cfg: CascadeEFConfig):
        super().__init__()
        self.cfg = cfg
        self.glob = Branch(3, cfg.code_dim, cfg.g_channels, cfg.n_res, cfg.kernel)
        self.local = nn.ModuleList(Branch(3, cfg.code_dim, cfg.l_channels, max(1, cfg.n_res // 2), cfg.kernel)
                                   for _ in cfg.boxes())
        # the Refiner: (global output, stitched local outputs) -> final edit over the global output
        self.refiner = Branch(6, cfg.code_dim, cfg.r_channels, max(1, cfg.n_res // 3), cfg.kernel)
        s = cfg.crop_size
        masks = torch.zeros(len(cfg.boxes()), 1, 1, s, s)
        for k, (y0, x0, h, w) in enumerate(cfg.boxes()):
            masks[k, ..., y0:y0 + h, x0:x0 + w] = 1
        self.register_buffer("masks", masks, persistent=False)

    def forward(self, x, code):
        """x [N,3,S,S], code [N,D] -> (out, [attention maps: global, locals..., refiner])."""
        g, a_g = self.glob(x, code)
        stitched, atts = x, [a_g]
        s = self.cfg.crop_size
        for k, (branch, (y0, x0, h, w)) in enumerate(zip(self.local, self.cfg.boxes())):
            out_k, a_k = branch(x[:, :, y0:y0 + h, x0:x0 + w], code)
            atts.append(a_k)
            placed = F.pad(out_k, (x0, s - x0 - w, y0, s - y0 - h))
            stitched = stitched * (1 - self.masks[k]) + placed * self.masks[k]
        out, a_r = self.refiner(torch.cat([g, stitched], 1), code, base=g)
        atts.append(a_r)
        return out, atts


class Interpolator(nn.Module):
    """Intermediate target codes: pseudo = src + t (tgt - src), then pseudo + MLP(src, pseudo - src)."""

    def __init__(self, cfg: CascadeEFConfig):
        super().__init__()
        d, h = cfg.code_dim, cfg.interp_hidden
        self.mlp = nn.Sequential(nn.Linear(2 * d, h), nn.LeakyReLU(0.2, True), nn.Linear(h, h),
                                 nn.LeakyReLU(0.2, True), nn.Linear(h, d))
        nn.init.zeros_(self.mlp[-1].weight)   # starts as the linear interpolation
        nn.init.zeros_(self.mlp[-1].bias)

    def forward(self, src, tgt, t: float):
        pseudo = src + t * (tgt - src)
        return pseudo + self.mlp(torch.cat([src, pseudo - src], 1))


class CascadeEF(nn.Module):
    """`stages` EF-GANs in cascade with one shared Interpolator. forward = the exported graph."""

    def __init__(self, cfg: CascadeEFConfig):
        super().__init__()
        self.cfg = cfg
        self.stages = nn.ModuleList(EFGAN(cfg) for _ in range(cfg.stages))
        self.interp = Interpolator(cfg)

    def targets(self, src, tgt, n: int | None = None):
        """The codes the stages edit towards: interpolated ones, then the target itself."""
        n = n or self.cfg.stages
        return [self.interp(src, tgt, (k + 1) / n) for k in range(n - 1)] + [tgt]

    def run(self, x, src, tgt, n: int | None = None):
        """-> (outputs of each stage, their target codes, their attention maps)."""
        outs, atts = [], []
        codes = self.targets(src, tgt, n)
        for ef, c in zip(self.stages[:len(codes)], codes):
            x, a = ef(x, c)
            outs.append(x)
            atts.append(a)
        return outs, codes, atts

    def forward(self, image, code_src, code_tgt):
        return self.run(image, code_src, code_tgt)[0][-1]

    @torch.no_grad()
    def init_from_first(self) -> None:
        """Sec. 3.3: every stage starts from the EF-GAN trained alone."""
        for ef in self.stages[1:]:
            ef.load_state_dict(self.stages[0].state_dict())


class PatchCritic(nn.Module):
    """StarGAN's critic: stride-2 convolutions (`channels`, until 2x2), then a realness map (averaged
    over the patches) and a classification head over the whole map: x -> (realness [N], logits [N,K])."""

    def __init__(self, size: int, channels, classes: int):
        super().__init__()
        layers, c_in = [], 3
        for c in channels:
            if size <= 2:
                break
            layers += [nn.Conv2d(c_in, c, 4, 2, 1), nn.LeakyReLU(0.01, True)]
            c_in, size = c, size // 2
        self.body = nn.Sequential(*layers)
        self.src = nn.Conv2d(c_in, 1, 3, 1, 1, bias=False)
        self.cls = nn.Conv2d(c_in, classes, size, bias=False)

    def forward(self, x):
        h = self.body(x)
        return self.src(h).mean((1, 2, 3)), self.cls(h).flatten(1)


class Critic(PatchCritic):
    """The image critic with an expression head (GANimation): x -> (realness [N], scores [N,D] in [0,1])."""

    def __init__(self, cfg: CascadeEFConfig):
        super().__init__(cfg.crop_size, cfg.d_channels, cfg.code_dim)

    def forward(self, x):
        real, logits = super().forward(x)
        return real, torch.sigmoid(logits)


class CodeCritic(nn.Module):
    """WGAN critic on expression codes (the Interpolator's adversary)."""

    def __init__(self, cfg: CascadeEFConfig):
        super().__init__()
        h = cfg.interp_hidden
        self.net = nn.Sequential(nn.Linear(cfg.code_dim, h), nn.LeakyReLU(0.2, True), nn.Linear(h, h),
                                 nn.LeakyReLU(0.2, True), nn.Linear(h, 1))

    def forward(self, c):
        return self.net(c).squeeze(1)


def attention_loss(atts, lambda_tv: float) -> torch.Tensor:
    """GANimation's attention terms, averaged over the maps: the mean attention (sparse maps: edit
    only what must change) + lambda_tv * total variation (smooth maps)."""
    total = 0.0
    for a in atts:
        tv = (a[..., 1:, :] - a[..., :-1, :]).abs().mean() + (a[..., :, 1:] - a[..., :, :-1]).abs().mean()
        total = total + a.mean() + lambda_tv * tv
    return total / len(atts)
