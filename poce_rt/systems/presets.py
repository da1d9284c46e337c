"""Architecture presets of every system's training commands (plain dicts: no torch here).

tiny: small enough for a few CPU steps (tests, smoke runs). paper: the papers' sizes (a GPU).
A command left out of a preset trains with its config's defaults.
"""
from __future__ import annotations


def poce() -> dict:
    """POCE's two networks (poce_rt.models.config): paper = the defaults (256 UV maps)."""
    return {
        "tiny": {"completion": {"uv_size": 64, "id_dim": 32, "enc_channels": [8, 16, 32],
                                "gen_channels": [32, 16, 8], "disc_channels": [8, 16, 32]},
                 "editing": {"uv_size": 64, "const_channels": 16, "gen_channels": [16, 32, 16, 8],
                             "map_channels": [8, 16, 32, 32], "disc_channels": [8, 16, 32, 32]}},
        "paper": {},
    }


def cascade_ef() -> dict:
    """Cascade EF-GAN (poce_rt.models.cascade_ef.CascadeEFConfig): 128x128 faces in the paper."""
    return {
        "tiny": {"cascade-ef": {"crop_size": 64, "stages": 3, "g_channels": 8, "l_channels": 4, "n_res": 1,
                                "r_channels": 8, "d_channels": [8, 16, 32, 32], "interp_hidden": 32}},
        "paper": {"cascade-ef": {"crop_size": 128, "stages": 3, "g_channels": 64, "l_channels": 32, "n_res": 6,
                                 "r_channels": 64, "d_channels": [64, 128, 256, 512, 1024, 2048],
                                 "interp_hidden": 256}},
    }


def leed() -> dict:
    """LEED (poce_rt.models.leed.LEEDConfig): 128x128 faces in the paper."""
    return {
        "tiny": {"leed": {"crop_size": 64, "code_dim": 32, "enc_channels": [8, 16, 32, 32],
                          "n_channels": 8, "n_res": 1, "d_channels": [8, 16, 32, 32], "mlp_hidden": 64,
                          "s_channels": [8, 16, 32], "s_dim": 16}},
        "paper": {"leed": {"crop_size": 128, "code_dim": 256, "enc_channels": [64, 128, 256, 512, 512],
                           "n_channels": 64, "n_res": 6, "d_channels": [64, 128, 256, 512, 1024, 2048],
                           "mlp_hidden": 512, "s_channels": [32, 64, 128, 256], "s_dim": 128}},
    }
