"""The one place where a game is called: batching, caching, backends, validation, progress."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from .backends import Backend, SerialBackend
from .cache import QueryCache

__all__ = ["GameEvaluationError", "QueryEvaluator"]


def check_cache_and_backend(cache: object, backend: object, n_players: int) -> None:
    """Raise a clear error unless ``cache`` and ``backend`` are usable for ``n_players``."""
    if cache is not None and not isinstance(cache, QueryCache):
        msg = f"cache must be a shapiq_spex.evaluation.QueryCache or None, got {cache!r}."
        raise TypeError(msg)
    if cache is not None and cache.n_players != n_players:
        msg = f"cache is for {cache.n_players} players, but n={n_players}."
        raise ValueError(msg)
    if backend is not None and not isinstance(backend, Backend):
        msg = f"backend must be a shapiq_spex.evaluation backend or None, got {backend!r}."
        raise TypeError(msg)


def _check_arity(game: Callable[..., Any]) -> None:
    """Fail early if ``game`` cannot be called with one positional argument."""
    try:
        signature = inspect.signature(game)
    except (TypeError, ValueError):  # builtins and some C callables have no signature
        return
    try:
        signature.bind(np.zeros((1, 1), dtype=bool))
    except TypeError as exc:
        msg = (
            "game must accept one argument, a boolean coalition matrix of shape (m, n); "
            f"{getattr(game, '__name__', type(game).__name__)}{signature} cannot ({exc})."
        )
        raise TypeError(msg) from None


def _describe(coalition: np.ndarray) -> str:
    """A short name of a coalition: its players when few, else its size."""
    players = np.flatnonzero(coalition)
    if players.size <= 8:
        return str(tuple(players.tolist()))
    return f"<{players.size} of {coalition.size} players>"


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
        total: Expected number of queries (for the progress bar).
        cache: A :class:`QueryCache`: masks found there are not sent to the game, and every
            evaluated batch is committed to it before the next one starts.
        backend: Where batches run (:class:`SerialBackend` by default, or
            :class:`JoblibBackend` / :class:`DaskBackend`).

    Attributes:
        n_queries: Number of masks answered so far (from the game or the cache).
        n_evaluated: Number of masks the game itself evaluated.
    """

    def __init__(
        self,
        game: Callable[[np.ndarray], Any],
        n_players: int,
        *,
        batch_size: int | None = 1024,
        verbose: bool = False,
        total: int | None = None,
        cache: QueryCache | None = None,
        backend: Backend | None = None,
    ) -> None:
        if not callable(game):
            msg = f"game must be callable (e.g. a shapiq.Game), got {type(game).__name__}."
            raise TypeError(msg)
        _check_arity(game)
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
            msg = f"batch_size must be a positive integer or None, got {batch_size!r}."
            raise ValueError(msg)
        check_cache_and_backend(cache, backend, n_players)
        self.game = game
        self.n_players = n_players
        self.batch_size = batch_size
        self.cache = cache
        self.backend = SerialBackend() if backend is None else backend
        self.n_queries = 0
        self.n_evaluated = 0
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
        todo = np.arange(m)
        if self.cache is not None and m:
            cached, found = self.cache.lookup(masks)
            out[found] = cached[found]
            todo = np.flatnonzero(~found)
            self._advance(int(found.sum()))
        step = len(todo) if self.batch_size is None else self.batch_size
        chunks = [todo[i : i + step] for i in range(0, len(todo), max(step, 1))]
        batches = [masks[c] for c in chunks]
        results = self.backend.imap(self.game, batches)
        while True:
            try:
                i, raw = next(results)
            except StopIteration:
                break
            except Exception as exc:
                raise self._fail(f"the game raised {type(exc).__name__}: {exc}", exc) from exc
            out[chunks[i]] = self._accept(batches[i], raw)
        return out

    def _advance(self, count: int) -> None:
        self.n_queries += count
        if self._progress is not None:
            self._progress.update(count)

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

    def _accept(self, batch: np.ndarray, raw: Any) -> np.ndarray:
        """Validate one batch's output, then record it (and commit it to the cache)."""
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
            shown = ", ".join(_describe(batch[i]) for i in first)
            msg = (
                f"the game returned {int(bad.sum())} non-finite value(s) "
                f"(e.g. {values[first].tolist()} for the coalitions {shown})"
            )
            raise self._fail(msg)
        # Bit-packed: keeping every paid-for query costs n/8 bytes per mask.
        self._done_masks.append(np.packbits(batch, axis=1))
        self._done_values.append(values)
        if self.cache is not None:
            self.cache.store(batch, values)
        self.n_evaluated += batch.shape[0]
        self._advance(batch.shape[0])
        return values
