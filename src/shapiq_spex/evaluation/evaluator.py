"""The one place where a game is called: batching, validation, counting and progress."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["GameEvaluationError", "QueryEvaluator"]


class GameEvaluationError(RuntimeError):
    """A game call failed or returned invalid values.

    The queries evaluated before the failure are kept, so that no paid-for query is lost.

    Attributes:
        masks: Boolean array ``(m, n)`` of the masks evaluated successfully so far.
        values: Their values, shape ``(m,)``.
    """

    def __init__(self, message: str, masks: np.ndarray, values: np.ndarray) -> None:
        super().__init__(message)
        self.masks = masks
        self.values = values


class QueryEvaluator:
    """Evaluate a game on batches of masks, validating every batch.

    Args:
        game: A callable mapping a boolean array ``(m, n)`` to ``m`` finite values, e.g. a
            :class:`shapiq.Game`.
        n_players: Number of players ``n``.
        batch_size: Largest number of masks passed to the game in one call (``None``: all
            masks of a request in one call).
        verbose: Show a progress bar (tqdm).

    Attributes:
        n_queries: Number of masks evaluated so far.
    """

    def __init__(
        self,
        game: Callable[[np.ndarray], Any],
        n_players: int,
        *,
        batch_size: int | None = 1024,
        verbose: bool = False,
        total: int | None = None,
    ) -> None:
        if not callable(game):
            msg = f"game must be callable (e.g. a shapiq.Game), got {type(game).__name__}."
            raise TypeError(msg)
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
            msg = f"batch_size must be a positive integer or None, got {batch_size!r}."
            raise ValueError(msg)
        self.game = game
        self.n_players = n_players
        self.batch_size = batch_size
        self.n_queries = 0
        self._done_masks: list[np.ndarray] = []
        self._done_values: list[np.ndarray] = []
        self._progress = None
        if verbose:
            from tqdm.auto import tqdm

            self._progress = tqdm(total=total, desc="queries", unit="q")

    def close(self) -> None:
        """Close the progress bar, if any."""
        if self._progress is not None:
            self._progress.close()
            self._progress = None

    def history(self) -> tuple[np.ndarray, np.ndarray]:
        """All masks evaluated so far and their values."""
        if not self._done_masks:
            return np.zeros((0, self.n_players), bool), np.zeros(0)
        packed = np.concatenate(self._done_masks)
        masks = np.unpackbits(packed, axis=1, count=self.n_players).astype(bool)
        return masks, np.concatenate(self._done_values)

    def __call__(self, masks: np.ndarray) -> np.ndarray:
        """Evaluate the game on ``masks`` (boolean ``(m, n)``), returning ``(m,)`` floats."""
        masks = np.asarray(masks, dtype=bool)
        m = masks.shape[0]
        out = np.empty(m, dtype=float)
        step = m if self.batch_size is None else self.batch_size
        for start in range(0, m, max(step, 1)):
            batch = masks[start : start + step]
            out[start : start + len(batch)] = self._evaluate_batch(batch)
        return out

    def _fail(self, message: str, cause: BaseException | None = None) -> GameEvaluationError:
        done_masks, done_values = self.history()
        err = GameEvaluationError(
            f"{message} ({len(done_values)} queries evaluated before the failure are kept in "
            "this exception's `masks` and `values`).",
            done_masks,
            done_values,
        )
        if cause is not None:
            err.__cause__ = cause
        return err

    def _evaluate_batch(self, batch: np.ndarray) -> np.ndarray:
        try:
            raw = self.game(batch)
        except Exception as exc:
            raise self._fail(f"the game raised {type(exc).__name__}: {exc}", exc) from exc
        try:
            values = np.asarray(raw, dtype=float)
        except (TypeError, ValueError) as exc:
            msg = f"the game returned {type(raw).__name__}, which is not an array of numbers"
            raise self._fail(msg, exc) from exc
        if values.shape != (batch.shape[0],):
            msg = (
                f"the game returned values of shape {values.shape} for {batch.shape[0]} masks; "
                f"expected shape ({batch.shape[0]},)"
            )
            raise self._fail(msg)
        bad = ~np.isfinite(values)
        if bad.any():
            first = np.flatnonzero(bad)[:3]
            shown = [tuple(np.flatnonzero(batch[i]).tolist()) for i in first]
            msg = (
                f"the game returned {int(bad.sum())} non-finite value(s) "
                f"(e.g. {values[first].tolist()} for coalitions {shown})"
            )
            raise self._fail(msg)
        # Bit-packed: keeping every paid-for query costs n/8 bytes per mask.
        self._done_masks.append(np.packbits(batch, axis=1))
        self._done_values.append(values)
        self.n_queries += batch.shape[0]
        if self._progress is not None:
            self._progress.update(batch.shape[0])
        return values
