"""The ``transformers`` engine and its adapters: text scorers and head ablation.

:class:`TransformersEngine` is the user's own Hugging Face causal LM as an
:class:`~shapiq_spex.engines.base.Engine`; the ``Transformers*`` classes build it and pass it to
the engine-agnostic scorers (:mod:`shapiq_spex.engines.scorers`) and head game
(:class:`~shapiq_spex.games.HeadAblationGame`). They need the ``transformers`` extra
(``pip install "shapiq-spex[transformers]"``); torch is imported when an engine is built, never
when this package is imported. The adapters are also importable from :mod:`shapiq_spex.games`.
"""

from ...games.heads import TransformersHeadAblationGame
from .engine import TransformersEngine
from .scorers import (
    TransformersAnswerScorer,
    TransformersClassifierScorer,
    TransformersSentimentScorer,
)

__all__ = [
    "TransformersAnswerScorer",
    "TransformersClassifierScorer",
    "TransformersEngine",
    "TransformersHeadAblationGame",
    "TransformersSentimentScorer",
]
