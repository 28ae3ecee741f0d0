"""Where batches of queries run: in this process, on local workers (joblib) or a Dask cluster.

SPEX's queries are all known before any is evaluated, so batches are independent and can run
anywhere. Every backend yields ``(batch index, game output)`` as batches complete; the evaluator
validates and stores each one as it arrives, so a failure keeps everything finished before it.

Why Dask for clusters: it runs the same code on a laptop (``LocalCluster``), on HPC schedulers
(dask-jobqueue) and in the cloud, its futures API maps directly onto "evaluate these batches",
and it installs from PyPI as pure Python; Ray brings a large native runtime and object store
that batch evaluation does not need.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

__all__ = ["Backend", "DaskBackend", "JoblibBackend", "SerialBackend"]

Game = Callable[[np.ndarray], Any]


@runtime_checkable
class Backend(Protocol):
    """Runs ``game`` on batches, yielding ``(index, output)`` in completion order."""

    def imap(self, game: Game, batches: Sequence[np.ndarray]) -> Iterator[tuple[int, Any]]:
        """Evaluate every batch; exceptions of the game propagate when their batch is reached."""
        ...


class SerialBackend:
    """Batches one after another in this process (the default)."""

    def imap(self, game: Game, batches: Sequence[np.ndarray]) -> Iterator[tuple[int, Any]]:
        """Evaluate the batches in order."""
        for i, batch in enumerate(batches):
            yield i, game(batch)

    def __repr__(self) -> str:
        return "SerialBackend()"


class JoblibBackend:
    """Batches in parallel on this machine with joblib.

    Args:
        n_jobs: Number of workers (``-1``: all cores).
        prefer: ``"processes"`` (default; the game must pickle) or ``"threads"`` (for games
            that release the GIL, e.g. numpy-heavy models).
    """

    def __init__(self, n_jobs: int = 2, prefer: str = "processes") -> None:
        if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0:
            msg = f"n_jobs must be a non-zero integer, got {n_jobs!r}."
            raise ValueError(msg)
        if prefer not in ("processes", "threads"):
            msg = f"prefer must be 'processes' or 'threads', got {prefer!r}."
            raise ValueError(msg)
        self.n_jobs = n_jobs
        self.prefer = prefer

    def imap(self, game: Game, batches: Sequence[np.ndarray]) -> Iterator[tuple[int, Any]]:
        """Evaluate the batches on joblib workers, yielding results in order."""
        from joblib import Parallel, delayed

        parallel = Parallel(n_jobs=self.n_jobs, prefer=self.prefer, return_as="generator")
        yield from enumerate(parallel(delayed(game)(b) for b in batches))

    def __repr__(self) -> str:
        return f"JoblibBackend(n_jobs={self.n_jobs}, prefer={self.prefer!r})"


class DaskBackend:
    """Batches on a Dask distributed cluster.

    Args:
        client: A ``distributed.Client`` (e.g. ``Client(LocalCluster(n_workers=2))`` or
            ``Client("tcp://scheduler:8786")``).
    """

    def __init__(self, client: Any) -> None:
        if not hasattr(client, "map") or not hasattr(client, "submit"):
            msg = f"client must be a distributed.Client, got {type(client).__name__}."
            raise TypeError(msg)
        self.client = client

    def imap(self, game: Game, batches: Sequence[np.ndarray]) -> Iterator[tuple[int, Any]]:
        """Scatter the game once, map it over the batches, yield results as they complete."""
        from distributed import as_completed

        # Unique key per call: content-hashed keys collide across calls and a released earlier
        # future can take the data away from a later one ("lost dependencies").
        remote_game = self.client.scatter(game, broadcast=True, hash=False)
        futures = [self.client.submit(_call, remote_game, b, pure=False) for b in batches]
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for future in as_completed(futures):
                yield index[future.key], future.result()
        finally:
            for future in futures:
                future.cancel()

    def __repr__(self) -> str:
        return f"DaskBackend({self.client!r})"


def _call(game: Game, batch: np.ndarray) -> Any:
    return game(batch)
