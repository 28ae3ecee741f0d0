"""shapiq games for the uses of SPEX and ProxySPEX (not imported by the core).

The games only; the models behind them are engines (:mod:`shapiq_spex.engines`). The
``Transformers*`` scorers explain the user's own Hugging Face models; they live in
:mod:`shapiq_spex.engines.torch`, are importable from here too (loaded on first use, as that
package imports this one's :mod:`.language`), and import torch only when built
(``pip install "shapiq-spex[transformers]"``), as does :class:`TransformersHeadAblationGame`.
"""

from typing import Any

from .data import DataAttributionGame
from .heads import CAPITALS_TASK, HeadAblationGame, TransformersHeadAblationGame
from .language import MaskedTextGame, VaderScorer, split_text
from .synthetic import SparseFourierGame
from .tabular import BaselineMaskedModel

_TORCH_NAMES = (
    "TransformersAnswerScorer",
    "TransformersClassifierScorer",
    "TransformersSentimentScorer",
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


def __getattr__(name: str) -> Any:
    """Import the ``transformers`` scorers on first use (importing them needs no torch)."""
    if name in _TORCH_NAMES:
        from ..engines import torch as torch_engine

        return getattr(torch_engine, name)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
