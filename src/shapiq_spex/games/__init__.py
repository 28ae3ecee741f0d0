"""shapiq games for the uses of SPEX and ProxySPEX (not imported by the core)."""

from .data import DataAttributionGame
from .synthetic import SparseFourierGame
from .tabular import BaselineMaskedModel

__all__ = ["BaselineMaskedModel", "DataAttributionGame", "SparseFourierGame"]
