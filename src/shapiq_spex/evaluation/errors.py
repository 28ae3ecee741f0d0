"""The errors of game evaluation; each carries every query that was paid for."""

from __future__ import annotations

import numpy as np

__all__ = ["CacheWriteError", "GameEvaluationError"]


class GameEvaluationError(RuntimeError):
    """A game call failed, returned invalid values, or its values could not be kept.

    No paid-for query is lost: every batch the game answered with valid values before the
    evaluation stopped (including the batches still in flight on parallel backends) is attached.

    Attributes:
        masks: Boolean array ``(m, n)`` of the masks evaluated successfully.
        values: Their values, shape ``(m,)``.
    """

    def __init__(self, message: str, masks: np.ndarray, values: np.ndarray) -> None:
        super().__init__(message)
        self.masks = masks
        self.values = values


class CacheWriteError(GameEvaluationError):
    """Evaluated values could not be written to the query cache (disk full, I/O error...).

    ``masks`` and ``values`` hold every evaluated query, including the batch whose write
    failed; store them elsewhere or re-run once the cache is writable.
    """
