"""Modulation-based UV editing (POCE Sec. III-C, Fig. 4-5).

  * ``modulate(x, gamma, beta, eps)``: Eq. 7, instance norm then gamma * x_hat + beta (element-wise).
  * ``MappingNet`` M_e: (completed UV [N,3,S,S] in [-1,1], relative code [N,52]) -> flat tuple
    (gamma_0, beta_0, ..., gamma_{K-1}, beta_{K-1}); gamma_i, beta_i: [N, C_i, r_i, r_i] with
    r_i = 8 * 2^i (K = 6 blocks for S = 256), i.e. the same size as the generator's f_i.
  * ``EditGenerator`` G_e: (*params in that order) -> UV [N,3,S,S] in [-1,1], from the learned
    constant t [64,8,8].
  * ``Editor``: M_e + G_e fused, ``forward(uv, code) -> uv_edit``; ``transfer`` = Fig. 5.
  * ``EditDiscriminator`` D_e: UV -> (critic [N], expression regression D_y [N,52]).
  * ``feature_transfer(src, ref, mask)``: Eq. 8 on the modulation parameters.
The names of the modulation tensors are ``EditingConfig.param_names()`` (gamma_0, beta_0, gamma_1, ...).
"""
from __future__ import annotations

from typing import Mapping, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from .completion import Critic
from .config import EditingConfig


def modulate(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float) -> torch.Tensor:
    """Eq. 7: gamma * (x - mu) / sigma + beta, mu/sigma per sample and channel over H, W.

    x, gamma, beta: [N,C,H,W]. sigma = sqrt(biased variance + eps) (same as InstanceNorm2d, and what
    the fused kernel in csrc computes; eps is explicit so the two can be made to agree exactly).
    """
    mu = x.mean(dim=(2, 3), keepdim=True)
    var = (x - mu).pow(2).mean(dim=(2, 3), keepdim=True)
    return gamma * ((x - mu) / torch.sqrt(var + eps)) + beta


Params = Union[Sequence[torch.Tensor], Mapping[str, torch.Tensor]]


def feature_transfer(src: Params, ref: Params, mask: torch.Tensor):
    """Eq. 8 on the modulation parameters: p = m * p_ref + (1 - m) * p_src for every gamma_i / beta_i.

    src, ref: flat tuples (MappingNet order) or dicts name -> [N,C,r,r]; mask: [H,W], [1|N,1,H,W]
    float in [0,1] (1 = take the reference), adaptive-max-pooled to each block's resolution r so a
    region never vanishes at the coarse levels. Written as m*ref + (1-m)*src so an all-zero mask
    returns src exactly and an all-one mask returns ref exactly. Returns the same container type.
    """
    if mask.dim() == 2:
        mask = mask[None, None]
    elif mask.dim() == 3:
        mask = mask[:, None]

    def blend(s, r):
        m = F.adaptive_max_pool2d(mask.to(s), s.shape[-2:])
        return m * r + (1 - m) * s

    if isinstance(src, Mapping):
        return {k: blend(src[k], ref[k]) for k in src}
    return tuple(blend(s, r) for s, r in zip(src, ref))


def _lrelu() -> nn.Module:
    return nn.LeakyReLU(0.2)


class MappingNet(nn.Module):
    """M_e: U-Net from the UV to per-block modulation parameters, conditioned on the relative code.

    Encoder: 3x3 conv at S, then stride-2 4x4 convs down to 8x8 (``map_channels`` per level S..8).
    The relative code [N,52] is tiled and concatenated at the 8x8 bottleneck, and FiLMs every decoder
    level (so expression reaches the fine levels that the skips carry identity detail to). Decoder
    level at resolution r_i -> head conv -> (gamma_i, beta_i), each [N, gen_channels[i], r_i, r_i];
    gamma = 1 + head output so an untrained head starts as plain instance norm.
    forward(uv [N,3,S,S], code [N,52]) -> (gamma_0, beta_0, ..., gamma_{K-1}, beta_{K-1}).
    """

    def __init__(self, cfg: EditingConfig):
        super().__init__()
        self.cfg = cfg
        mc, gc, K = cfg.map_channels, cfg.gen_channels, cfg.n_blocks   # mc: res S..8; gc: res 8..S
        self.inp = nn.Conv2d(3, mc[0], 3, padding=1)
        self.down = nn.ModuleList(nn.Conv2d(mc[k - 1], mc[k], 4, stride=2, padding=1) for k in range(1, K))
        self.bott = nn.Conv2d(mc[-1] + cfg.code_dim, mc[-1], 3, padding=1)
        # decoder level k (resolution S / 2^k), k = K-2 .. 0: up(d_{k+1}) ++ e_k -> mc[k]
        self.up = nn.ModuleList(nn.Conv2d(mc[k + 1] + mc[k], mc[k], 3, padding=1) for k in range(K - 1))
        self.film = nn.ModuleList(nn.Linear(cfg.code_dim, 2 * mc[k]) for k in range(K))
        # head for generator block i sits on map level k = K-1-i
        self.heads = nn.ModuleList(nn.Conv2d(mc[K - 1 - i], 2 * gc[i], 3, padding=1) for i in range(K))
        self.act = _lrelu()

    def _film(self, h, code, k):
        g, b = self.film[k](code)[:, :, None, None].chunk(2, dim=1)
        return self.act(h * (1 + g) + b)

    def forward(self, uv: torch.Tensor, code: torch.Tensor):
        K = self.cfg.n_blocks
        feats = [self.act(self.inp(uv))]
        for conv in self.down:
            feats.append(self.act(conv(feats[-1])))
        h = feats[-1]
        tiled = code[:, :, None, None].expand(-1, -1, h.shape[2], h.shape[3])
        h = self._film(self.bott(torch.cat([h, tiled], 1)), code, K - 1)
        dec = [h]                                            # dec[j] at map level K-1-j (8, 16, ...)
        for k in range(K - 2, -1, -1):
            h = F.interpolate(h, scale_factor=2.0, mode="nearest")
            h = self._film(self.up[k](torch.cat([h, feats[k]], 1)), code, k)
            dec.append(h)
        out = []
        for i in range(K):
            gb = self.heads[i](dec[i])
            g, b = gb.chunk(2, dim=1)
            out += [1 + g, b]
        return tuple(out)


class EditGenerator(nn.Module):
    """G_e: learned constant t [1,64,8,8] through K modulation blocks -> UV [N,3,S,S] in [-1,1].

    Block i (input f_i [N,C_i,r_i,r_i]): modulate(f_i, gamma_i, beta_i) (Eq. 7) -> lrelu -> 3x3 conv
    -> lrelu -> (x2 nearest upsample -> 3x3 conv to C_{i+1} -> lrelu = f_{i+1}) or, for the last
    block, 3x3 conv to RGB -> tanh. forward(gamma_0, beta_0, ..., gamma_{K-1}, beta_{K-1}).
    """

    def __init__(self, cfg: EditingConfig):
        super().__init__()
        self.cfg = cfg
        gc, K = cfg.gen_channels, cfg.n_blocks
        self.const = nn.Parameter(torch.randn(1, cfg.const_channels, cfg.const_size, cfg.const_size))
        self.conv_a = nn.ModuleList(nn.Conv2d(gc[i], gc[i], 3, padding=1) for i in range(K))
        self.conv_b = nn.ModuleList(nn.Conv2d(gc[i], gc[i + 1], 3, padding=1) for i in range(K - 1))
        self.to_rgb = nn.Conv2d(gc[-1], 3, 3, padding=1)
        self.act = _lrelu()

    def forward(self, *params: torch.Tensor) -> torch.Tensor:
        K, eps = self.cfg.n_blocks, self.cfg.eps
        if len(params) != 2 * K:
            raise ValueError(f"EditGenerator expects {2 * K} modulation tensors, got {len(params)}")
        f = self.const.expand(params[0].shape[0], -1, -1, -1)
        for i in range(K):
            h = self.act(self.conv_a[i](self.act(modulate(f, params[2 * i], params[2 * i + 1], eps))))
            if i < K - 1:
                f = self.act(self.conv_b[i](F.interpolate(h, scale_factor=2.0, mode="nearest")))
        return torch.tanh(self.to_rgb(h))


class Editor(nn.Module):
    """M_e + G_e. forward(uv [N,3,S,S], code [N,52] relative) -> edited UV [N,3,S,S]."""

    def __init__(self, cfg: EditingConfig):
        super().__init__()
        self.cfg = cfg
        self.mapping = MappingNet(cfg)
        self.generator = EditGenerator(cfg)

    def forward(self, uv: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        return self.generator(*self.mapping(uv, code))

    def transfer(self, uv_src: torch.Tensor, uv_ref: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Fig. 5: zero relative code for both, blend the parameters under ``mask`` (Eq. 8), generate."""
        zero = uv_src.new_zeros(uv_src.shape[0], self.cfg.code_dim)
        p = feature_transfer(self.mapping(uv_src, zero), self.mapping(uv_ref, zero), mask)
        return self.generator(*p)


class EditDiscriminator(Critic):
    """D_e: UV [N,3,S,S] -> (critic score [N], expression regression D_y [N,code_dim])."""

    def __init__(self, cfg: EditingConfig):
        super().__init__(cfg.disc_channels, cfg.uv_size, cfg.code_dim)
