"""Local explanation of a tabular model: masked features take a baseline value."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from shapiq import Game

__all__ = ["BaselineMaskedModel"]


class BaselineMaskedModel(Game):
    """``v(S)`` = the model's output on ``x`` with the features outside ``S`` set to a baseline.

    Args:
        predict: Maps a data matrix ``(m, n)`` to outputs ``(m,)`` (e.g. ``model.predict``).
        x: The explained instance, shape ``(n,)``.
        baseline: Values of absent features, shape ``(n,)`` (e.g. the training mean).
        normalize: Subtract ``v(∅)`` (shapiq's convention for explanations).
    """

    def __init__(
        self,
        predict: Callable[[np.ndarray], np.ndarray],
        x: np.ndarray,
        baseline: np.ndarray,
        *,
        normalize: bool = True,
    ) -> None:
        x = np.asarray(x, dtype=float)
        baseline = np.asarray(baseline, dtype=float)
        if x.ndim != 1 or baseline.shape != x.shape:
            msg = f"x and baseline must be 1-D of equal length, got {x.shape} and {baseline.shape}."
            raise ValueError(msg)
        if not callable(predict):
            msg = "predict must be callable."
            raise TypeError(msg)
        self.predict = predict
        self.x = x
        self.baseline = baseline
        empty = float(np.asarray(predict(baseline[None, :]), dtype=float).reshape(-1)[0])
        super().__init__(
            n_players=x.shape[0], normalize=normalize, normalization_value=empty, verbose=False
        )

    def value_function(self, coalitions: np.ndarray) -> np.ndarray:
        """Model output with absent features replaced by the baseline."""
        coalitions = np.asarray(coalitions, dtype=bool)
        data = np.where(coalitions, self.x[None, :], self.baseline[None, :])
        return np.asarray(self.predict(data), dtype=float).reshape(-1)
