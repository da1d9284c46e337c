"""F3A-GAN's hierarchical conditional framework (F3A-GAN Sec. III-B, Fig. 4-5).

A two-stream generator T: (I_s, f) -> I_t on an aligned face crop of S x S pixels:

* image stream: the encoder T_enc extracts multi-level appearance features h_enc^l (l = 0 at S,
  l = L at S / 2^L); the decoder T_dec decodes them back (self-reconstruction, training stage 1).
* flow stream: the flow driver T_flow extracts motion features h_flow^l of the same resolutions
  from the facial flow f (poce_rt.flow: 3 channels of 3D motion in grid units, plus the mask).
* hierarchical manipulation module (Eq. 4) at every level l:
      h_out^l = h_dec^l * (gamma(h_flow^l) * (h_enc^l - mu(h_enc^l)) / sigma(h_enc^l) + beta(h_flow^l))
  (instance-normalised encoder features, SPADE-modulated by the flow features, multiplied by the
  decoder features); then the next level's decoder features come from the progressive fade-in
      h_dec^{l-1} = Conv^{l-1}(alpha_l * DeConv(h_out^l) + (1 - alpha_l) * Up(h_out^l))
  (Conv is linear, so this is the paper's alpha * Conv(DeConv(h)) + (1 - alpha) * Conv(Up(h))).
  alpha_l are buffers the trainer ramps from 0 to 1 as the level fades in (1 after training, so
  the exported graph is the grown network); Up is bilinear upsampling with a 1x1 projection to the
  next level's width.

F3APatchCritic is the PatchGAN discriminator D of Eq. 11. Presets: ``tiny`` (64 px, a few CPU steps)
and ``paper`` (128 px as the paper's 300VW crops; widths are ours, the paper defers them).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..systems.flow import f3a as _presets
from .config import _JsonMixin

FLOW_CHANNELS = 4   # dx, dy, dz (grid units) + the source mesh's mask (poce_rt.flow.to_network)


@dataclass(frozen=True)
class F3AConfig(_JsonMixin):
    size: int = 128                             # S: the aligned crop
    channels: tuple = (32, 64, 128, 256, 256)   # h_enc^l / h_dec^l widths, l = 0 .. L
    flow_channels: tuple = (16, 32, 64, 128, 128)   # h_flow^l widths
    hidden: int = 64                            # SPADE's shared layer (gamma/beta heads)
    disc_channels: tuple = (64, 128, 256, 256)  # PatchGAN D, one stride-2 conv per entry
    lambda_wp: float = 10.0                     # lambda_4 (Eq. 13)
    lambda_perc: float = 1.0                    # lambda_5
    lambda_gp: float = 10.0                     # WGAN-GP on D (the adversarial loss of Eq. 11 is WGAN's)
    feature_weight: float = 4.0                 # L_wp's extra weight on eye, nose and mouth boxes
    lr: float = 2e-4
    betas: tuple = (0.5, 0.999)

    def __post_init__(self):
        if len(self.channels) != len(self.flow_channels) or len(self.channels) < 2:
            raise ValueError("channels and flow_channels need one entry per level (>= 2)")
        if self.size % (2 ** (len(self.channels) - 1)):
            raise ValueError(f"size {self.size} must be divisible by 2^{len(self.channels) - 1}")

    @property
    def levels(self) -> int:
        return len(self.channels)


# The presets live with the registry (plain dicts, poce_rt.systems.flow) so the CLI needs no torch.
PRESETS = {name: F3AConfig.from_dict(d["f3a"]) for name, d in _presets().items()}


def _act():
    return nn.LeakyReLU(0.2, inplace=False)


class Pyramid(nn.Module):
    """Conv stem at full resolution, then one stride-2 level per entry: [h^0, ..., h^L] (also
    GaFET's encoders)."""

    def __init__(self, cin: int, widths: tuple):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(cin, widths[0], 3, 1, 1), _act())
        self.down = nn.ModuleList(
            nn.Sequential(nn.Conv2d(a, b, 4, 2, 1), _act(), nn.Conv2d(b, b, 3, 1, 1), _act())
            for a, b in zip(widths[:-1], widths[1:]))

    def forward(self, x):
        h = [self.stem(x)]
        for d in self.down:
            h.append(d(h[-1]))
        return h


class HierarchicalManipulation(nn.Module):
    """Eq. 4 at one level: h_dec * (gamma(h_flow) * IN(h_enc) + beta(h_flow))."""

    def __init__(self, channels: int, flow_channels: int, hidden: int):
        super().__init__()
        self.norm = nn.InstanceNorm2d(channels, affine=False)
        self.shared = nn.Sequential(nn.Conv2d(flow_channels, hidden, 3, 1, 1), nn.ReLU())
        self.gamma = nn.Conv2d(hidden, channels, 3, 1, 1)
        self.beta = nn.Conv2d(hidden, channels, 3, 1, 1)

    def forward(self, h_dec, h_enc, h_flow):
        a = self.shared(h_flow)
        # 1 + gamma: a zero-initialised head leaves IN(h_enc) unscaled at the start (SPADE's practice)
        return h_dec * ((1 + self.gamma(a)) * self.norm(h_enc) + self.beta(a))


class FadeUp(nn.Module):
    """alpha * DeConv(h) + (1 - alpha) * Up(h), then Conv^{l-1}: twice the resolution."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.deconv = nn.ConvTranspose2d(cin, cout, 4, 2, 1)
        self.up_proj = nn.Conv2d(cin, cout, 1)
        # Normalised: Eq. 4 multiplies h_dec into each level, so un-normalised decoder features
        # would compound level by level (x1000 over four levels in a tiny run, saturating the tanh
        # and the fp16 graph); Conv-IN-LReLU keeps every h_dec^l at unit scale.
        self.conv = nn.Sequential(nn.Conv2d(cout, cout, 3, 1, 1), nn.InstanceNorm2d(cout, affine=True), _act())

    def forward(self, h, alpha):
        up = self.up_proj(F.interpolate(h, scale_factor=2.0, mode="bilinear", align_corners=False))
        return self.conv(alpha * self.deconv(h) + (1 - alpha) * up)


class F3AGenerator(nn.Module):
    """T: (image [N,3,S,S] in [-1,1], flow [N,4,S,S]) -> image [N,3,S,S] in [-1,1]."""

    def __init__(self, cfg: F3AConfig):
        super().__init__()
        self.cfg = cfg
        ch, fch = cfg.channels, cfg.flow_channels
        self.t_enc = Pyramid(3, ch)
        self.t_flow = Pyramid(FLOW_CHANNELS, fch)
        self.bottleneck = nn.Sequential(nn.Conv2d(ch[-1], ch[-1], 3, 1, 1),          # h_dec^L
                                        nn.InstanceNorm2d(ch[-1], affine=True), _act())
        self.manip = nn.ModuleList(HierarchicalManipulation(c, f, cfg.hidden) for c, f in zip(ch, fch))
        self.fade = nn.ModuleList(FadeUp(ch[i + 1], ch[i]) for i in range(len(ch) - 1))
        self.to_rgb = nn.Conv2d(ch[0], 3, 3, 1, 1)
        self.register_buffer("alpha", torch.ones(len(ch) - 1))   # fade-in per level (l = 1 .. L)
        for m in self.manip:
            nn.init.zeros_(m.gamma.weight)
            nn.init.zeros_(m.gamma.bias)

    def forward(self, image, flow):
        h_enc = self.t_enc(image)
        h_flow = self.t_flow(flow)
        h = self.bottleneck(h_enc[-1])
        for lvl in range(self.cfg.levels - 1, -1, -1):
            h = self.manip[lvl](h, h_enc[lvl], h_flow[lvl])
            if lvl > 0:
                h = self.fade[lvl - 1](h, self.alpha[lvl - 1])
        return torch.tanh(self.to_rgb(h))

    def encoder_features(self, image):
        """T_enc's features [h_enc^0 .. h_enc^L] (the perceptual loss, Eq. 12)."""
        return self.t_enc(image)


def strided(widths: tuple, cin: int = 3) -> tuple[list, int]:
    """One stride-2 4x4 conv + LeakyReLU per entry (the critics' and regressors' trunk) ->
    (layers, output channels)."""
    layers, c = [], cin
    for w in widths:
        layers += [nn.Conv2d(c, w, 4, 2, 1), _act()]
        c = w
    return layers, c


class F3APatchCritic(nn.Module):
    """PatchGAN D: image [N,3,S,S] -> patch scores [N,1,h,w] (higher = more real; WGAN critic)."""

    def __init__(self, cfg: F3AConfig):
        super().__init__()
        layers, c = strided(cfg.disc_channels)
        self.net = nn.Sequential(*layers, nn.Conv2d(c, 1, 3, 1, 1))

    def forward(self, x):
        return self.net(x)

    def score(self, x):
        """[N]: the mean patch score (what WGAN-GP penalises)."""
        return self.net(x).mean(dim=(1, 2, 3))


def param_count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
