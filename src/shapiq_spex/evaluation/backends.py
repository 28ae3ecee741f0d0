"""Where batches of queries run: in this process, on local workers (joblib) or a Dask cluster.

SPEX's queries are all known before any is evaluated, so batches are independent and can run
anywhere. Every backend takes the batches lazily, keeps at most one batch per worker in flight,
and yields ``(batch index, game output)`` as batches complete. The evaluator validates and
stores each one as it arrives; when something fails it stops handing out batches and takes
those still in flight, so every batch a worker finished is kept and no new one starts.

Why Dask for clusters: it runs the same code on a laptop (``LocalCluster``), on HPC schedulers
(dask-jobqueue) and in the cloud, its futures API maps directly onto "evaluate these batches",
and it installs from PyPI as pure Python; Ray brings a large native runtime and object store
that batch evaluation does not need.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, runtime_checkable

import numpy as np

from .._validation import check_int

__all__ = ["Backend", "DaskBackend", "JoblibBackend", "SerialBackend"]

Game = Callable[[np.ndarray], Any]


@runtime_checkable
class Backend(Protocol):
    """Runs ``game`` on batches, yielding ``(index, output)`` in completion order."""

    def imap(self, game: Game, batches: Iterable[np.ndarray]) -> Iterator[tuple[int, Any]]:
        """Evaluate every batch of ``batches``; ``index`` is the batch's position in it.

        ``batches`` must be consumed lazily (take a batch only when a worker is free): the
        evaluator ends it early after a failure, and the batches already taken must still be
        yielded. Exceptions of the game propagate when their batch is reached.
        """
        ...


class SerialBackend:
    """Batches one after another in this process (the default)."""

    def imap(self, game: Game, batches: Iterable[np.ndarray]) -> Iterator[tuple[int, Any]]:
        """Evaluate the batches in order."""
        for i, batch in enumerate(batches):
            yield i, game(batch)

    def __repr__(self) -> str:
        return "SerialBackend()"


class JoblibBackend:
    """Batches in parallel on this machine with joblib.

    At most ``n_jobs`` batches are in flight, and a process worker whose parent process died
    (e.g. killed) exits instead of starting another batch.

    Args:
        n_jobs: Number of workers (``-1``: all cores).
        prefer: ``"processes"`` (default, on joblib's loky backend; the game must pickle) or
            ``"threads"`` (for games that release the GIL, e.g. numpy-heavy models).
    """

    def __init__(self, n_jobs: int = 2, prefer: str = "processes") -> None:
        n_jobs = check_int(n_jobs, "n_jobs")
        if n_jobs == 0:
            msg = "n_jobs must be a non-zero integer (-1: all cores), got 0."
            raise ValueError(msg)
        if not isinstance(prefer, str):
            msg = f"prefer must be a string, got {type(prefer).__name__} {prefer!r}."
            raise TypeError(msg)
        if prefer not in ("processes", "threads"):
            msg = f"prefer must be 'processes' or 'threads', got {prefer!r}."
            raise ValueError(msg)
        self.n_jobs = n_jobs
        self.prefer = prefer

    def imap(self, game: Game, batches: Iterable[np.ndarray]) -> Iterator[tuple[int, Any]]:
        """Evaluate the batches on joblib workers, yielding results as they complete."""
        from joblib import Parallel, delayed

        processes = self.prefer == "processes"
        task = _WhileParentAlive(game) if processes else game
        # One batch per dispatch and n_jobs dispatched ahead: joblib takes a new batch from the
        # (lazy) input only when one finishes, so nothing is queued that a dead parent or a
        # stopped evaluation would leave running.
        parallel = Parallel(
            n_jobs=self.n_jobs,
            backend="loky" if processes else "threading",
            return_as="generator_unordered",
            pre_dispatch="n_jobs",
            batch_size=1,
        )
        yield from parallel(delayed(_indexed)(task, i, b) for i, b in enumerate(batches))

    def __repr__(self) -> str:
        return f"JoblibBackend(n_jobs={self.n_jobs}, prefer={self.prefer!r})"


class DaskBackend:
    """Batches on a Dask distributed cluster.

    At most one batch per worker thread is submitted at a time; the next is submitted when one
    completes.

    Args:
        client: A ``distributed.Client`` (e.g. ``Client(LocalCluster(n_workers=2))`` or
            ``Client("tcp://scheduler:8786")``).
    """

    def __init__(self, client: Any) -> None:
        if not hasattr(client, "map") or not hasattr(client, "submit"):
            msg = f"client must be a distributed.Client, got {type(client).__name__}."
            raise TypeError(msg)
        self.client = client

    def imap(self, game: Game, batches: Iterable[np.ndarray]) -> Iterator[tuple[int, Any]]:
        """Scatter the game once, submit batches as workers free up, yield completed ones."""
        from distributed import as_completed

        # Unique key per call: content-hashed keys collide across calls and a released earlier
        # future can take the data away from a later one ("lost dependencies").
        remote_game = self.client.scatter(game, broadcast=True, hash=False)
        pending = enumerate(batches)
        in_flight: dict[str, tuple[int, Any]] = {}
        completed = as_completed()

        def submit_next() -> None:
            item = next(pending, None)
            if item is not None:
                future = self.client.submit(_call, remote_game, item[1], pure=False)
                in_flight[future.key] = (item[0], future)
                completed.add(future)

        for _ in range(max(1, sum(self.client.nthreads().values()))):
            submit_next()
        try:
            for future in completed:
                index, _ = in_flight.pop(future.key)
                output = future.result()
                submit_next()
                yield index, output
        finally:
            for _, future in in_flight.values():
                future.cancel()

    def __repr__(self) -> str:
        return f"DaskBackend({self.client!r})"


def _call(game: Game, batch: np.ndarray) -> Any:
    return game(batch)


def _indexed(game: Game, index: int, batch: np.ndarray) -> tuple[int, Any]:
    return index, game(batch)


class _WhileParentAlive:
    """Runs ``game`` in a worker process only while the process that started the worker lives.

    A loky worker outlives its parent when the parent is killed (SIGKILL, OOM killer); it is
    then re-parented, so ``os.getppid()`` changes, and nobody will read its results.
    """

    def __init__(self, game: Game) -> None:
        self.game = game
        self.parent = os.getpid()

    def __call__(self, batch: np.ndarray) -> Any:
        if os.getpid() != self.parent and os.getppid() != self.parent:
            os._exit(1)  # orphaned: do not pay for a batch whose result nobody will read
        return self.game(batch)
