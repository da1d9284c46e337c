"""LEED: label-free expression editing via disentanglement (Wu & Lu, ECCV 2020; papers/leed.txt),
on an aligned face crop (poce_rt.systems.crop).

Components (Fig. 1, Sec. 3):
* Neutraliser G_N (Sec. 3.4 "Pre-training GAN"): a StarGAN generator with two domains, neutral and
  expressive, trained first and then frozen. The paper trains it with RaFD's discrete labels; here
  the tracker's blendshape scores tell the domains apart (`expressive`: some brow / cheek / jaw /
  mouth / nose score above `neutral_thresh`), so no label is ever annotated by hand.
* Encoder E and decoder Dec: images <-> a compact latent code C (code_dim). Dec is trained by Eq. 14
  and E carries the reconstruction constraint of Eq. 15. Phi, the paper's ImageNet VGG, is not
  available here (no package ships its weights): Phi is the image itself at three scales (L1).
* Extractor X (Eq. 1-4): Delta exp = X(C_{R_B}, C_{R_N}), pseudo-labelled by C_{R_B} - C_{R_N}, with
  the mutual expression information loss of a regulariser Q: a Gaussian posterior
  Q(Delta exp | F_{R_B}) whose features F are the reference's 52 tracker scores (the paper's F comes
  from an expression classifier pre-trained on RAF-DB, unavailable here; the tracker's scores are an
  independent expression representation in the same role).
* Interpolator I (Eq. 5-8): I(C_{I_N}, alpha * Delta exp) = C_{I_N} + alpha Delta exp + a learned
  residual, adversarial against a WGAN-GP critic on codes (Eq. 12-13), with the interpolation and
  identity terms. alpha = `--intensity`: [0,1] interpolates, > 1 extrapolates (Fig. 7).
* Siamese network S (Eq. 9-11): cosine distance between S(R_B) - S(R_N) and S(I_B) - S(I_N).

Exported graphs: leed_encoder (image [N,3,S,S] -> code, code_neutral [N,code_dim]: the face and its
neutralised face encoded) and leed_edit (code_neutral, code_ref, code_ref_neutral [N,code_dim],
alpha [N,1] -> image [N,3,S,S]). Images NCHW in [-1,1].
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .cascade_ef import PatchCritic, ResBlock, _norm
from .config import _JsonMixin

# Blendshapes that make an expression (eye blinks and gaze do not; index 0 is MediaPipe's _neutral).
EXPRESSIVE_PREFIXES = ("brow", "cheek", "jaw", "mouth", "nose")


def expressive_index() -> list[int]:
    from ..codes import BLENDSHAPE_NAMES

    return [i for i, n in enumerate(BLENDSHAPE_NAMES) if n.startswith(EXPRESSIVE_PREFIXES) and n != "mouthClose"]


@dataclass(frozen=True)
class LEEDConfig(_JsonMixin):
    crop_size: int = 128
    code_dim: int = 256               # the latent code C
    score_dim: int = 52               # the tracker's scores (F of Eq. 3, the neutraliser's labels)
    enc_channels: tuple = (64, 128, 256, 512, 512)   # E: one stride-2 conv each; Dec mirrors it
    n_channels: int = 64              # neutraliser (StarGAN G) width
    n_res: int = 6                    # its residual blocks
    d_channels: tuple = (64, 128, 256, 512, 1024, 2048)   # StarGAN critic
    mlp_hidden: int = 512             # X, Q, I, code critic
    s_channels: tuple = (32, 64, 128, 256)   # siamese network S
    s_dim: int = 128
    neutral_thresh: float = 0.3       # a face is expressive when an expressive score exceeds this
    neutral_frac: float = 0.3         # share of the steps that train the neutraliser first
    lambda_q: float = 0.1             # Eq. 4
    lambda_recon: float = 1.0         # Eq. 16
    lambda_s: float = 0.1
    lambda_gp: float = 10.0
    lambda_cls: float = 1.0           # StarGAN's domain classification and cycle terms
    lambda_cyc: float = 10.0
    lr: float = 1e-4
    betas: tuple = (0.5, 0.999)

    def __post_init__(self):
        if self.crop_size % (2 ** len(self.enc_channels)):
            raise ValueError("crop_size must be divisible by 2^len(enc_channels)")

    @property
    def bottom(self) -> int:
        return self.crop_size >> len(self.enc_channels)


def is_expressive(scores: torch.Tensor, thresh: float) -> torch.Tensor:
    """[N,52] tracker scores -> [N] float, 1 = expressive, 0 = neutral."""
    return (scores[:, expressive_index()].amax(1) > thresh).float()


class Neutraliser(nn.Module):
    """StarGAN generator with two domains: G(x, domain) with domain 0 = neutral, 1 = expressive."""

    def __init__(self, cfg: LEEDConfig):
        super().__init__()
        c = cfg.n_channels
        layers = [nn.Conv2d(3 + 1, c, 7, 1, 3, bias=False), _norm(c), nn.ReLU(True)]
        for i in range(2):
            layers += [nn.Conv2d(c << i, c << (i + 1), 4, 2, 1, bias=False), _norm(c << (i + 1)), nn.ReLU(True)]
        layers += [ResBlock(c * 4) for _ in range(cfg.n_res)]
        for i in (2, 1):
            layers += [nn.Upsample(scale_factor=2, mode="nearest"),
                       nn.Conv2d(c << i, c << (i - 1), 3, 1, 1, bias=False), _norm(c << (i - 1)), nn.ReLU(True)]
        layers += [nn.Conv2d(c, 3, 7, 1, 3), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, x, domain):
        """x [N,3,S,S], domain [N] (0 neutral, 1 expressive) -> [N,3,S,S]."""
        d = domain.view(-1, 1, 1, 1).expand(-1, 1, x.shape[2], x.shape[3])
        return self.net(torch.cat([x, d], 1))


class DomainCritic(PatchCritic):
    """StarGAN critic: x -> (realness [N], expressive logit [N])."""

    def __init__(self, cfg: LEEDConfig):
        super().__init__(cfg.crop_size, cfg.d_channels, 1)

    def forward(self, x):
        real, logit = super().forward(x)
        return real, logit[:, 0]


class Encoder(nn.Module):
    def __init__(self, cfg: LEEDConfig):
        super().__init__()
        layers, c_in = [], 3
        for c in cfg.enc_channels:
            layers += [nn.Conv2d(c_in, c, 4, 2, 1), nn.LeakyReLU(0.2, True)]
            c_in = c
        self.body = nn.Sequential(*layers)
        self.fc = nn.Linear(c_in * cfg.bottom ** 2, cfg.code_dim)
        self.code_dim = cfg.code_dim

    def forward(self, x):
        # Layer-normalised: nothing else bounds the codes' scale, and with the code critic pulling
        # them about it grew without limit (L_exp's pseudo labels C_B - C_N with it: 1e4 in 800
        # steps); a fixed scale keeps Delta exp, the interpolation and alpha * Delta exp meaningful.
        c = self.fc(self.body(x).flatten(1))
        return F.layer_norm(c, (self.code_dim,))


class Decoder(nn.Module):
    def __init__(self, cfg: LEEDConfig):
        super().__init__()
        ch = list(cfg.enc_channels)[::-1]
        self.shape = (ch[0], cfg.bottom, cfg.bottom)
        self.fc = nn.Linear(cfg.code_dim, ch[0] * cfg.bottom ** 2)
        layers = []
        for c_in, c in zip(ch, ch[1:] + [ch[-1]]):
            layers += [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(c_in, c, 3, 1, 1),
                       nn.LeakyReLU(0.2, True)]
        layers += [nn.Conv2d(ch[-1], 3, 3, 1, 1), nn.Tanh()]
        self.body = nn.Sequential(*layers)

    def forward(self, c):
        return self.body(self.fc(c).view(-1, *self.shape))


def _mlp(d_in, hidden, d_out):
    return nn.Sequential(nn.Linear(d_in, hidden), nn.LeakyReLU(0.2, True), nn.Linear(hidden, hidden),
                         nn.LeakyReLU(0.2, True), nn.Linear(hidden, d_out))


class Extractor(nn.Module):
    """X: (C_B, C_N) -> Delta exp."""

    def __init__(self, cfg: LEEDConfig):
        super().__init__()
        self.mlp = _mlp(2 * cfg.code_dim, cfg.mlp_hidden, cfg.code_dim)

    def forward(self, c_b, c_n):
        return (c_b - c_n) + self.mlp(torch.cat([c_b, c_n], 1))


class Regulariser(nn.Module):
    """Q: a Gaussian posterior over Delta exp given expression features F -> (mean, log variance)."""

    def __init__(self, cfg: LEEDConfig):
        super().__init__()
        self.mlp = _mlp(cfg.score_dim, cfg.mlp_hidden, 2 * cfg.code_dim)

    def nll(self, delta, feats):
        """-log Q(delta | F) up to a constant, averaged (Eq. 3)."""
        mu, logvar = self.mlp(feats).chunk(2, 1)
        logvar = logvar.clamp(-6, 6)
        return 0.5 * (((delta - mu) ** 2) * torch.exp(-logvar) + logvar).mean()


class Interpolator(nn.Module):
    """I(C_N, a Delta exp) = C_N + a Delta exp + MLP(C_N, a Delta exp) (a learned residual)."""

    def __init__(self, cfg: LEEDConfig):
        super().__init__()
        self.mlp = _mlp(2 * cfg.code_dim, cfg.mlp_hidden, cfg.code_dim)

    def forward(self, c_n, delta):
        return c_n + delta + self.mlp(torch.cat([c_n, delta], 1))


class CodeCritic(nn.Module):
    def __init__(self, cfg: LEEDConfig):
        super().__init__()
        self.mlp = _mlp(cfg.code_dim, cfg.mlp_hidden, 1)

    def forward(self, c):
        return self.mlp(c).squeeze(1)


class Siamese(nn.Module):
    """S: image -> [N,s_dim] embedding whose differences are expression transform vectors (Eq. 9-10)."""

    def __init__(self, cfg: LEEDConfig):
        super().__init__()
        layers, c_in = [], 3
        for c in cfg.s_channels:
            layers += [nn.Conv2d(c_in, c, 4, 2, 1), nn.LeakyReLU(0.2, True)]
            c_in = c
        self.body = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c_in, cfg.s_dim))

    def forward(self, x):
        return self.body(x)


class LEED(nn.Module):
    """All of LEED's inference networks; `encode` and `edit` are the two exported graphs."""

    def __init__(self, cfg: LEEDConfig):
        super().__init__()
        self.cfg = cfg
        self.neutraliser = Neutraliser(cfg)
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)
        self.extractor = Extractor(cfg)
        self.interpolator = Interpolator(cfg)

    def neutral(self, x):
        return self.neutraliser(x, torch.zeros(x.shape[0], device=x.device))

    def encode(self, image):
        """image [N,3,S,S] -> (C [N,D], C of its neutral face [N,D])."""
        return self.encoder(image), self.encoder(self.neutral(image))

    def edit(self, code_neutral, code_ref, code_ref_neutral, alpha):
        """(C_{I_N}, C_{R_B}, C_{R_N} [N,D], alpha [N,1]) -> the edited face [N,3,S,S]."""
        delta = self.extractor(code_ref, code_ref_neutral)
        return self.decoder(self.interpolator(code_neutral, alpha * delta))


class LEEDEncodeGraph(nn.Module):
    def __init__(self, leed: LEED):
        super().__init__()
        self.leed = leed

    def forward(self, image):
        return self.leed.encode(image)


class LEEDEditGraph(nn.Module):
    def __init__(self, leed: LEED):
        super().__init__()
        self.leed = leed

    def forward(self, code_neutral, code_ref, code_ref_neutral, alpha):
        return self.leed.edit(code_neutral, code_ref, code_ref_neutral, alpha)


def multiscale_l1(a, b, scales: int = 3):
    """Phi(a) vs Phi(b) of Eq. 14-15 with Phi = the image at `scales` resolutions (no VGG weights here)."""
    total = 0.0
    for k in range(scales):
        total = total + (a - b).abs().mean()
        if k + 1 < scales:
            a, b = F.avg_pool2d(a, 2), F.avg_pool2d(b, 2)
    return total / scales
