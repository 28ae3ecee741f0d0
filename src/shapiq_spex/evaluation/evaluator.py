"""The one place where a game is called: batching, caching, backends, validation, progress."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from .._validation import check_int
from ._dispatch import Feed, GameFailed, Guarded
from .backends import Backend, SerialBackend
from .cache import QueryCache
from .errors import CacheWriteError, GameEvaluationError

__all__ = ["CacheWriteError", "GameEvaluationError", "QueryEvaluator"]


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


class QueryEvaluator:
    """Evaluate a game on batches of masks, validating every batch.

    Args:
        game: A callable mapping a boolean array ``(m, n)`` to ``m`` finite real values, e.g.
            a :class:`shapiq.Game`. It gets its own copy of each batch.
        n_players: Number of players ``n``.
        batch_size: Largest number of masks passed to the game in one call (``None``: all
            masks of a request in one call).
        verbose: Show a progress bar (tqdm).
        total: Expected number of queries (for the progress bar).
        cache: A :class:`QueryCache`: masks found there are not sent to the game, and every
            evaluated batch is committed to it as soon as it arrives.
        backend: Where batches run (:class:`SerialBackend` by default, or
            :class:`JoblibBackend` / :class:`DaskBackend`).
        check: A further check of each batch's valid values, e.g. that they lie in an output
            link's domain: returns why they cannot be used, or ``None``. A batch that fails it
            is still kept (and cached), since its values are the game's; the evaluation then
            stops as for invalid values.

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
        check: Callable[[np.ndarray], str | None] | None = None,
    ) -> None:
        if not callable(game):
            msg = f"game must be callable (e.g. a shapiq.Game), got {type(game).__name__}."
            raise TypeError(msg)
        _check_arity(game)
        if batch_size is not None:
            batch_size = check_int(batch_size, "batch_size", minimum=1)
        n_players = check_int(n_players, "n_players", minimum=1)
        check_cache_and_backend(cache, backend, n_players)
        self.game = game
        self.n_players = n_players
        self.batch_size = batch_size
        self.cache = cache
        self.backend = SerialBackend() if backend is None else backend
        self.check = check
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
        """Evaluate the game on ``masks`` (boolean ``(m, n)``), returning ``(m,)`` floats.

        Raises:
            GameEvaluationError: If the game raises or returns invalid values; its ``masks``
                and ``values`` hold every query evaluated so far. Once a failure is seen no
                batch is handed out, and those in flight (at most one per worker) are waited
                for and included.
            CacheWriteError: If the cache cannot be written; likewise, with every query.
        """
        masks = np.asarray(masks, dtype=bool)
        if masks.ndim != 2 or masks.shape[1] != self.n_players:
            msg = f"masks must have shape (m, {self.n_players}), got {masks.shape}."
            raise ValueError(msg)
        # Packed before any game call: what is kept is what was asked, whatever the game does.
        packed = np.packbits(masks, axis=1)
        out = np.empty(len(masks), dtype=float)
        todo = np.arange(len(masks))
        if self.cache is not None and len(masks):
            cached, found = self.cache._lookup_packed(packed)
            out[found] = cached[found]
            todo = np.flatnonzero(~found)
            self._advance(int(found.sum()))
        step = max(1, len(todo) if self.batch_size is None else self.batch_size)
        chunks = [todo[i : i + step] for i in range(0, len(todo), step)]
        if chunks:
            self._run(masks, packed, chunks, out)
        return out

    def _run(
        self, masks: np.ndarray, packed: np.ndarray, chunks: list[np.ndarray], out: np.ndarray
    ) -> None:
        """Evaluate ``masks[chunk]`` for every chunk on the backend, writing into ``out``."""
        feed = Feed(masks, chunks)
        results = self.backend.imap(Guarded(self.game), feed)
        first: _Rejected | None = None
        try:
            while True:
                try:
                    i, output = next(results)
                except StopIteration:
                    break
                except Exception as exc:  # the backend itself failed (e.g. a worker died)
                    first = first or _Rejected(f"the game raised {type(exc).__name__}: {exc}", exc)
                    break
                # After a failed write, the batches in flight are kept in the error only.
                store = first is None or first.error_type is not CacheWriteError
                try:
                    out[chunks[i]] = self._accept(packed[chunks[i]], output, store=store)
                except _Rejected as rejected:
                    # Hand out no new batch, but take those in flight: they are paid for.
                    first = first or rejected
                    feed.stop()
        finally:
            close = getattr(results, "close", None)
            if close is not None:
                close()
        if first is not None:
            raise self._fail(first)

    def _advance(self, count: int) -> None:
        self.n_queries += count
        if self._progress is not None:
            self._progress.update(count)

    def _fail(self, rejected: _Rejected) -> GameEvaluationError:
        done_masks, done_values = self.history()
        err = rejected.error_type(
            f"{rejected.message} ({len(done_values)} queries evaluated before the failure are "
            "kept in this exception's `masks` and `values`).",
            done_masks,
            done_values,
        )
        err.__cause__ = rejected.cause
        return err

    def _accept(self, packed: np.ndarray, output: Any, *, store: bool) -> np.ndarray:
        """Validate one batch's output, record it, and commit it to the cache if ``store``."""
        if isinstance(output, GameFailed):
            error = output.error
            if output.remote_traceback and error.__traceback__ is None:
                error.add_note(f"Traceback in the worker:\n{output.remote_traceback}")
            raise _Rejected(f"the game raised {type(error).__name__}: {error}", error)
        values = self._validated(output, packed)
        kept = "kept and cached" if self.cache is not None and store else "kept"
        finite = np.isfinite(values)
        if not finite.all():
            # The finite values of the batch are paid for like any other: keep them.
            self._record(packed[finite], values[finite], store=store)
            raise _Rejected(
                f"{self._non_finite(values, packed)}; the batch's {int(finite.sum())} finite "
                f"value(s) are {kept}"
            )
        self._record(packed, values, store=store)
        problem = None if self.check is None else self.check(values)
        if problem is not None:
            raise _Rejected(f"{problem}; the batch's values are {kept}")
        return values

    def _record(self, packed: np.ndarray, values: np.ndarray, *, store: bool) -> None:
        """Keep evaluated queries in the history and, if ``store``, commit them to the cache."""
        if not len(values):  # a batch of NaN only: nothing to keep
            return
        # Bit-packed: keeping every paid-for query costs n/8 bytes per mask.
        self._done_masks.append(packed)
        self._done_values.append(values)
        self.n_evaluated += len(values)
        self._advance(len(values))
        if self.cache is not None and store:
            try:
                self.cache._store_packed(packed, values)
            except CacheWriteError as exc:
                raise _Rejected(str(exc), exc.__cause__, CacheWriteError) from None

    def _non_finite(self, values: np.ndarray, packed: np.ndarray) -> str:
        """What was wrong with a batch holding NaN or infinite values."""
        bad = np.flatnonzero(~np.isfinite(values))
        rows = np.unpackbits(packed[bad[:3]], axis=1, count=self.n_players).astype(bool)
        shown = ", ".join(_describe(row) for row in rows)
        return (
            f"the game returned {bad.size} non-finite value(s) "
            f"(e.g. {values[bad[:3]].tolist()} for the coalitions {shown})"
        )

    def _validated(self, raw: Any, packed: np.ndarray) -> np.ndarray:
        """``raw`` as a float64 copy of shape ``(m,)`` (real numbers), else _Rejected."""
        m = len(packed)
        try:
            values = np.asarray(raw)
        except (TypeError, ValueError) as exc:  # e.g. ragged nested lists
            msg = f"the game returned {type(raw).__name__}, which is not an array of numbers"
            raise _Rejected(msg, exc) from None
        if values.dtype.kind not in "biuf":
            kind = values.dtype.kind
            msg = (
                f"the game returned values of dtype {values.dtype} ({_NOT_REAL.get(kind, kind)}), "
                "not real numbers: return bool, integer or float values"
            )
            if kind == "c":
                msg += " (the real part or the modulus, whichever is meant)"
            raise _Rejected(msg)
        if values.shape != (m,):
            msg = (
                f"the game returned values of shape {values.shape} for {m} masks; "
                f"expected shape ({m},)"
            )
            raise _Rejected(msg)
        return np.array(values, dtype=np.float64)  # a copy: the game may reuse its buffer


_NOT_REAL = {
    "c": "complex numbers",
    "M": "dates",
    "m": "time spans",
    "O": "Python objects",
    "U": "strings",
    "S": "bytes",
    "V": "raw records",
}


class _Rejected(Exception):
    """Why a batch was not kept; turned into the public error once the batches in flight end."""

    def __init__(
        self,
        message: str,
        cause: BaseException | None = None,
        error_type: type[GameEvaluationError] = GameEvaluationError,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.cause = cause
        self.error_type = error_type
