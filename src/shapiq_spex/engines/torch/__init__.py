"""Adapters for the user's own Hugging Face ``transformers`` models: text scorers and head ablation.

They need the ``transformers`` extra (``pip install "shapiq-spex[transformers]"``); torch is
imported when an adapter is built, never when this package is imported. The public names are
also importable from :mod:`shapiq_spex.games`.
"""

from .heads import TransformersHeadAblationGame
from .scorers import (
    TransformersAnswerScorer,
    TransformersClassifierScorer,
    TransformersSentimentScorer,
)

__all__ = [
    "TransformersAnswerScorer",
    "TransformersClassifierScorer",
    "TransformersHeadAblationGame",
    "TransformersSentimentScorer",
]
