"""Training-time PyTorch networks of POCE (torch is imported only under poce_rt.models / poce_rt.train)."""
from .config import CompletionConfig, EditingConfig, ModelConfig  # noqa: F401
