"""shapiq games for the uses of SPEX and ProxySPEX (not imported by the core)."""

from .synthetic import SparseFourierGame
from .tabular import BaselineMaskedModel

__all__ = ["BaselineMaskedModel", "SparseFourierGame"]
