"""shapiq games for the uses of SPEX and ProxySPEX (not imported by the core).

The ``Transformers*`` adapters explain the user's own Hugging Face models; they import torch
only when built (``pip install "shapiq-spex[transformers]"``).
"""

from .data import DataAttributionGame
from .heads import CAPITALS_TASK, HeadAblationGame
from .language import MaskedTextGame, VaderScorer, split_text
from .synthetic import SparseFourierGame
from .tabular import BaselineMaskedModel
from .transformer_heads import TransformersHeadAblationGame
from .transformers import (
    TransformersAnswerScorer,
    TransformersClassifierScorer,
    TransformersSentimentScorer,
)

__all__ = [
    "CAPITALS_TASK",
    "BaselineMaskedModel",
    "DataAttributionGame",
    "HeadAblationGame",
    "MaskedTextGame",
    "SparseFourierGame",
    "TransformersAnswerScorer",
    "TransformersClassifierScorer",
    "TransformersHeadAblationGame",
    "TransformersSentimentScorer",
    "VaderScorer",
    "split_text",
]
