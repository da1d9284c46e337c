"""Architecture configs of the POCE networks (JSON-serialisable, hashable).

Why these channel counts (the paper defers them to its supplement):

* Editing generator G_e (Sec. III-C3): starts from the learned constant 64x8x8 and runs one modulation
  block per resolution 8, 16, 32, 64, 128, 256 (6 blocks -> gamma_0..gamma_5, beta_0..beta_5).
  ``gen_channels = (64, 256, 256, 128, 64, 32)`` are the channel counts of the block inputs f_i (f_0 = t,
  so the first one is fixed to 64). Wide where the maps are small (that is where geometry / expression
  lives), narrow at 128/256 where cost grows with the area. With two 3x3 convs per block this is
  ~13.8 GFLOPs per 256x256 image (``poce_rt.models.flops.count_flops``; tested < 20 GFLOPs), i.e.
  a few ms on a modern GPU, which leaves room for the mapping net in a real-time frame budget.
* Mapping network M_e: a small U-Net (UV -> multi-scale spatial embedding, the relative code injected
  at the 8x8 bottleneck and FiLMing every decoder level), ``map_channels`` per level 256..8, narrow at
  the top (16, 32) because those levels are the expensive ones: ~11.1 GFLOPs per 256x256 image.
  Its per-resolution heads emit gamma_i/beta_i of exactly the generator's f_i shape.
  The editing critic D_e is ~1.0 GFLOPs, the completion network (16 micro patches) ~17.4 GFLOPs.
* Completion (Sec. III-B): identity encoder with ``enc_channels`` (256 -> 8 by stride-2 convs, then a
  global pool to a ``id_dim`` code), micro-patch generator 4x4 -> 64x64 with ``gen_channels``, macro
  patch critic with ``disc_channels``; ``local_channels`` feature maps of the local evidence each micro
  patch sees (our addition, see ``models.completion``: 16 maps of 5 dilated 3x3 convs over the whole
  UV cost ~1.3 GFLOPs, the wider first conv of each G_c level ~1.5).

All sizes are derived from ``uv_size`` so a small config (e.g. uv_size=64) trains in tests on a CPU.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Optional


def _canon(d: dict) -> str:
    return json.dumps(d, sort_keys=True, separators=(",", ":"))


class _JsonMixin:
    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict):
        names = {f.name: f for f in dataclasses.fields(cls)}
        unknown = set(d) - set(names)
        if unknown:
            raise ValueError(f"{cls.__name__}: unknown config fields {sorted(unknown)}")
        kw = {}
        for k, v in d.items():
            kw[k] = tuple(v) if isinstance(v, list) else v
        return cls(**kw)

    @classmethod
    def from_json(cls, s: str):
        return cls.from_dict(json.loads(s))

    def hash(self) -> str:
        """Stable 16-hex-digit hash of the architecture (sha256 of the canonical JSON)."""
        return hashlib.sha256(_canon(self.to_dict()).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class CompletionConfig(_JsonMixin):
    """Patch-based UV completion (Sec. III-B, IV-A)."""
    uv_size: int = 256            # S
    grid: int = 4                 # m = n micro patches per side -> micro patch S/m = 64
    macro: int = 2                # p = q micro patches per macro side -> macro 128, m' = n' = 3
    id_dim: int = 256             # identity code size
    enc_channels: tuple = (32, 64, 128, 256, 256)   # E_I, one stride-2 conv per entry
    gen_base: int = 4             # G_c starts at gen_base x gen_base
    gen_channels: tuple = (256, 256, 128, 64, 32)   # G_c at 4, 8, 16, 32, 64 (for 64x64 micro)
    local_channels: int = 16      # E_L feature maps of the local evidence (see models.completion)
    disc_channels: tuple = (32, 64, 128, 256, 256)  # D_c, one stride-2 conv per entry
    valid_frac: float = 0.95      # real macro patch: > 95% valid texels
    # Eq. 4-5 L1 normalisation: "sum" = the literal patch norm ||.||_1 per sample (batch mean);
    # "mean" = per texel. With "mean" the WGAN term (critic gradient ~1 in L2 over the whole patch)
    # outweighs content+symmetry by ~sqrt(3*H*W) and on real data the generator never learned the
    # content (400 steps, tests); "sum" lets content/symmetry lead and the critic sharpen.
    l1_reduction: str = "sum"
    # loss weights (Sec. IV-A) and optimiser
    lambda_gp: float = 100.0      # lambda_c
    lambda_coord: float = 10.0
    lambda_cont: float = 1.0
    lambda_sym: float = 10.0
    lr: float = 1e-4
    betas: tuple = (0.0, 0.999)

    def __post_init__(self):
        if self.uv_size % self.grid:
            raise ValueError("uv_size must be divisible by grid")
        if self.macro > self.grid:
            raise ValueError("macro must be <= grid")
        if self.l1_reduction not in ("mean", "sum"):
            raise ValueError("l1_reduction must be 'mean' or 'sum'")
        micro = self.uv_size // self.grid
        n_up = len(self.gen_channels) - 1
        if self.gen_base * 2 ** n_up != micro:
            raise ValueError(f"gen_base*2^(len(gen_channels)-1) must equal the micro size {micro}")

    @property
    def micro_size(self) -> int:
        return self.uv_size // self.grid

    @property
    def macro_size(self) -> int:
        return self.micro_size * self.macro

    @property
    def macro_grid(self) -> int:
        """m' = m - p + 1."""
        return self.grid - self.macro + 1


@dataclass(frozen=True)
class EditingConfig(_JsonMixin):
    """Modulation-based UV editing (Sec. III-C, IV-A)."""
    uv_size: int = 256
    code_dim: int = 52            # MediaPipe blendshapes
    const_channels: int = 64      # t in R^{64x8x8}
    const_size: int = 8
    gen_channels: tuple = (64, 256, 256, 128, 64, 32)   # f_i channels at 8, 16, ..., 256
    map_channels: tuple = (16, 32, 64, 128, 256, 256)   # M_e U-Net at 256, 128, ..., 8
    disc_channels: tuple = (32, 64, 128, 256, 256, 256)  # D_e, stride-2 convs 256 -> 4
    eps: float = 1e-5             # instance-norm epsilon of Eq. 7 (explicit: kernels must match)
    # Eq. 13 L1 normalisation: "mean" per texel (StarGAN convention). A per-sample sum would make the
    # cycle term ~3*S^2 times the expression term, and the editor would learn the identity map.
    l1_reduction: str = "mean"
    lambda_gp: float = 10.0       # lambda_e
    lambda_exp: float = 1.0
    lambda_cyc: float = 1.0
    lr: float = 2e-4
    betas: tuple = (0.5, 0.999)

    def __post_init__(self):
        if self.l1_reduction not in ("mean", "sum"):
            raise ValueError("l1_reduction must be 'mean' or 'sum'")
        n = self.n_blocks
        if self.const_size * 2 ** (n - 1) != self.uv_size:
            raise ValueError("uv_size must be const_size * 2^k")
        if len(self.gen_channels) != n or len(self.map_channels) != n:
            raise ValueError(f"gen_channels and map_channels need {n} entries for uv_size {self.uv_size}")
        if self.gen_channels[0] != self.const_channels:
            raise ValueError("gen_channels[0] must equal const_channels (f_0 = t)")

    @property
    def n_blocks(self) -> int:
        n, s = 1, self.const_size
        while s < self.uv_size:
            s, n = s * 2, n + 1
        return n

    def resolutions(self) -> list[int]:
        return [self.const_size * 2 ** i for i in range(self.n_blocks)]

    def param_names(self) -> list[str]:
        """Stable names of the modulation tensors, in MappingNet output / EditGenerator input order."""
        out = []
        for i in range(self.n_blocks):
            out += [f"gamma_{i}", f"beta_{i}"]
        return out

    def param_shapes(self, batch: int = 1) -> dict[str, tuple]:
        out = {}
        for i, (c, r) in enumerate(zip(self.gen_channels, self.resolutions())):
            out[f"gamma_{i}"] = (batch, c, r, r)
            out[f"beta_{i}"] = (batch, c, r, r)
        return out


@dataclass
class ModelConfig:
    """config.json of a model directory: either section may be absent."""
    completion: Optional[CompletionConfig] = None
    editing: Optional[EditingConfig] = None
    extra: dict = field(default_factory=dict)   # e.g. training notes; not part of the hash

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"format": "poce-rt-model/1"}
        if self.completion is not None:
            d["completion"] = self.completion.to_dict()
            d["completion_hash"] = self.completion.hash()
        if self.editing is not None:
            d["editing"] = self.editing.to_dict()
            d["editing_hash"] = self.editing.hash()
            d["editing_params"] = self.editing.param_names()
        if self.extra:
            d["extra"] = self.extra
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, s: str) -> "ModelConfig":
        d = json.loads(s)
        if not isinstance(d, dict):
            raise ValueError("config.json must hold a JSON object")
        c = CompletionConfig.from_dict(d["completion"]) if "completion" in d else None
        e = EditingConfig.from_dict(d["editing"]) if "editing" in d else None
        return cls(completion=c, editing=e, extra=d.get("extra", {}))

    def hash(self) -> str:
        parts = [self.completion.hash() if self.completion else "-", self.editing.hash() if self.editing else "-"]
        return hashlib.sha256("/".join(parts).encode()).hexdigest()[:16]
