"""shapiq games for the uses of SPEX and ProxySPEX (not imported by the core)."""

from .data import DataAttributionGame
from .heads import CAPITALS_TASK, HeadAblationGame
from .language import MaskedTextGame, VaderScorer, split_text
from .synthetic import SparseFourierGame
from .tabular import BaselineMaskedModel

__all__ = [
    "CAPITALS_TASK",
    "BaselineMaskedModel",
    "DataAttributionGame",
    "HeadAblationGame",
    "MaskedTextGame",
    "SparseFourierGame",
    "VaderScorer",
    "split_text",
]
