"""Losses of POCE: completion Eq. 1-5, editing Eq. 9-13 (WGAN-GP as in [30]).

Conventions: critics output a score (higher = more real); the critic minimises
E[D(fake)] - E[D(real)] + lambda * GP and the generator minimises -E[D(fake)] (Eq. 2 / Eq. 10 are
this game; Eq. 10 writes the same difference with the opposite sign). The auxiliary heads follow
ACGAN/StarGAN: the critic learns them on real patches/UVs (Eq. 3 also on generated patches: their
coordinates are known exactly), the generator is trained to make its outputs regress to the target.

Normalisation: the paper writes L1 norms E||.||_1 without saying how they are normalised; the
configs choose (``l1_reduction``): completion uses the literal per-patch norm (sum per sample) so
content and symmetry lead the patch critic, editing uses per-texel means (StarGAN convention) so the
cycle term does not drown the expression term. See the config docstrings for the evidence.
Squared L2 terms (Eq. 3, 12) are sums over the 2 / 52 components, averaged over the batch.
"""
from __future__ import annotations

from typing import Callable, Optional

import torch
import torch.nn.functional as F


# ---- generic terms ---------------------------------------------------------------------------

def gradient_penalty(critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor,
                     fake: torch.Tensor, alpha: Optional[torch.Tensor] = None) -> torch.Tensor:
    """E[(||grad_x D(x_hat)||_2 - 1)^2], x_hat = alpha * real + (1 - alpha) * fake, alpha ~ U[0,1] per sample.

    ``critic`` maps [B,...] -> scores [B] (or a tuple whose first item is the score).
    """
    if alpha is None:
        alpha = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), device=real.device, dtype=real.dtype)
    x = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    out = critic(x)
    if isinstance(out, (tuple, list)):
        out = out[0]
    (g,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    return (g.flatten(1).norm(2, dim=1) - 1).pow(2).mean()


def wgan_d(d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
    return d_fake.mean() - d_real.mean()


def wgan_g(d_fake: torch.Tensor) -> torch.Tensor:
    return -d_fake.mean()


def sq_l2(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """E[||pred - target||_2^2] over the batch (Eq. 3, Eq. 12)."""
    return (pred - target).pow(2).flatten(1).sum(1).mean()


def l1(x: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """|x|_1 of [B,...]: "mean" over all elements, or "sum" per sample then mean over the batch."""
    a = x.abs()
    return a.mean() if reduction == "mean" else a.flatten(1).sum(1).mean()


def content_loss(gen: torch.Tensor, real: torch.Tensor, mask: torch.Tensor, reduction: str = "mean"):
    """Eq. 4: |(T_G - T_R) * M|_1; "mean" averages over the valid texels (and channels) only."""
    d = (gen - real).abs() * mask
    if reduction == "sum":
        return d.flatten(1).sum(1).mean()
    return d.sum() / (mask.expand_as(gen).sum() + 1e-6)


def symmetry_loss(patch: torch.Tensor, mirror_patch: torch.Tensor, reduction: str = "mean",
                  hidden: torch.Tensor | None = None, window: int = 0) -> torch.Tensor:
    """Eq. 5: |T_G^i - flip(T_G^{-i})|_1, flip = horizontal (last axis).

    ``mirror_patch`` must be the generated patch at the mirror location (see
    ``completion.mirror_macro_index``), not the same patch. Defaults give the literal Eq. 5.
    hidden [B,1,H,W]: weight per texel of ``patch`` (e.g. 1 where the generator was shown nothing).
    window > 0 (odd): compare each texture minus its window x window local mean (high-pass).
    """
    a, b = patch, mirror_patch.flip(-1)
    if window:
        a = a - F.avg_pool2d(a, window, 1, window // 2, count_include_pad=False)
        b = b - F.avg_pool2d(b, window, 1, window // 2, count_include_pad=False)
    d = a - b
    return l1(d if hidden is None else d * hidden, reduction)


def cycle_l1(a: torch.Tensor, b: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    return l1(a - b, reduction)


# ---- completion (Eq. 1-5) -------------------------------------------------------------------

def completion_d_loss(net, disc, uv, mask, fake_idx, real, real_idx, cfg):
    """Critic step. uv [B,3,S,S], mask [B,1,S,S] (the faces whose patches are generated, as the
    networks see them), fake_idx [B,2] macro indices to generate; real [R,3,2P,2P] real macro patches
    (> valid_frac valid texels, cropped from sampled UVs) at macro indices real_idx [R,2]. Returns a
    dict of terms, 'total' to minimise."""
    from .completion import macro_coord
    with torch.no_grad():
        fake = net.on_footprint(net.generate_macro(net.encoder(uv, mask), fake_idx,
                                                   net.evidence(uv, mask)), fake_idx)
    d_real, c_real = disc(real)
    d_fake, c_fake = disc(fake)
    n = min(real.shape[0], fake.shape[0])
    gp = gradient_penalty(disc, real[:n], fake[:n])
    coord = sq_l2(c_real, macro_coord(cfg, real_idx)) + sq_l2(c_fake, macro_coord(cfg, fake_idx))
    adv = wgan_d(d_real, d_fake)
    total = adv + cfg.lambda_gp * gp + cfg.lambda_coord * coord
    return {"total": total, "d_adv": adv, "d_gp": gp, "d_coord": coord}


def completion_g_loss(net, disc, uv, mask, fake_idx, cfg, mask_in=None):
    """Generator step (E_I + G_c): adversarial + coordinate + content (Eq. 4) + symmetry (Eq. 5).

    mask [B,1,S,S]: the valid texels, where Eq. 4 compares. mask_in (default: mask): the texels the
    networks are shown; the trainer hides random blocks of valid texels so that Eq. 4 also grades
    texels the generator had to complete.
    """
    from .completion import crop_macro, macro_coord, mirror_macro_index
    mask_in = mask if mask_in is None else mask_in
    z = net.encoder(uv, mask_in)
    ev = net.evidence(uv, mask_in)
    fake = net.generate_macro(z, fake_idx, ev)
    mirror = net.generate_macro(z, mirror_macro_index(cfg, fake_idx), ev)
    d_fake, c_fake = disc(net.on_footprint(fake, fake_idx))   # as real patches are: black outside
    adv = wgan_g(d_fake)
    coord = sq_l2(c_fake, macro_coord(cfg, fake_idx))
    cont = content_loss(fake, crop_macro(uv, fake_idx, cfg), crop_macro(mask, fake_idx, cfg), cfg.l1_reduction)
    # Eq. 5 graded only where G_c had to invent texels, and on the texture minus its local mean: a
    # face's structure is symmetric, a photo's lighting is not. The literal Eq. 5 (whole patch, raw
    # colours) at the paper's weight 10 vs content 1 makes L1's optimum at a hidden texel exactly the
    # mirror texel: training then ends worse than the fallback's mirror copy (measured, issue 3 note).
    sym = symmetry_loss(fake, mirror, cfg.l1_reduction, hidden=1 - crop_macro(mask_in, fake_idx, cfg),
                        window=cfg.uv_size // 8 + 1)
    total = adv + cfg.lambda_coord * coord + cfg.lambda_cont * cont + cfg.lambda_sym * sym
    return {"total": total, "g_adv": adv, "g_coord": coord, "g_cont": cont, "g_sym": sym}


# ---- editing (Eq. 9-13) ---------------------------------------------------------------------

def editing_d_loss(editor, disc, uv_src, code_src, code_tgt, cfg):
    """Critic step. uv_src [B,3,S,S] completed source UVs, code_src/code_tgt [B,52] absolute codes."""
    with torch.no_grad():
        edit = editor(uv_src, code_tgt - code_src)
    d_real, y_real = disc(uv_src)
    d_fake, _ = disc(edit)
    gp = gradient_penalty(disc, uv_src, edit)
    exp = sq_l2(y_real, code_src)
    adv = wgan_d(d_real, d_fake)
    total = adv + cfg.lambda_gp * gp + cfg.lambda_exp * exp
    return {"total": total, "d_adv": adv, "d_gp": gp, "d_exp": exp}


def editing_g_loss(editor, disc, uv_src, code_src, code_tgt, cfg):
    """Generator step: adversarial + expression (Eq. 12, edited UV -> target code) + cycle (Eq. 13)."""
    rel = code_tgt - code_src                                    # Eq. 6
    edit = editor(uv_src, rel)
    d_fake, y_fake = disc(edit)
    adv = wgan_g(d_fake)
    exp = sq_l2(y_fake, code_tgt)
    rec = editor(uv_src, torch.zeros_like(rel))
    back = editor(edit, -rel)
    cyc = cycle_l1(uv_src, rec, cfg.l1_reduction) + cycle_l1(uv_src, back, cfg.l1_reduction)
    total = adv + cfg.lambda_exp * exp + cfg.lambda_cyc * cyc
    return {"total": total, "g_adv": adv, "g_exp": exp, "g_cyc": cyc, "edit": edit.detach()}
