"""What the evaluator hands to a backend: a stoppable stream of batches and a guarded game."""

from __future__ import annotations

import os
import pickle
import traceback
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

__all__ = ["Feed", "GameFailed", "Guarded"]


class Feed:
    """The batches ``masks[chunk]``, made one at a time as a backend asks, until :meth:`stop`.

    Each batch is a fresh copy, so a game that writes into its argument changes nothing the
    evaluator keeps.
    """

    def __init__(self, masks: np.ndarray, chunks: Sequence[np.ndarray]) -> None:
        self._masks = masks
        self._chunks = chunks
        self._stopped = False

    def __iter__(self) -> Iterator[np.ndarray]:
        for chunk in self._chunks:
            if self._stopped:
                return
            yield self._masks[chunk]

    def stop(self) -> None:
        """Hand out no further batch (those already handed out still run)."""
        self._stopped = True


class GameFailed:
    """The exception a game raised on one batch, returned instead of raised.

    Returning it lets a backend go on with the batches in flight, so that their results still
    reach the evaluator and are kept.

    Attributes:
        error: The exception (a ``RuntimeError`` naming it when it cannot be pickled back).
        remote_traceback: The formatted traceback when the game ran in another process.
    """

    def __init__(self, error: Exception, remote: bool) -> None:
        self.remote_traceback = "".join(traceback.format_exception(error)) if remote else None
        if remote:
            try:
                pickle.dumps(error)
            except Exception:  # any pickling failure: keep the type and message
                error = RuntimeError(f"{type(error).__name__}: {error}")
        self.error = error


class Guarded:
    """Calls the game on a batch; an ``Exception`` becomes a :class:`GameFailed` value.

    The output is copied before the worker returns it: a game may answer in a buffer it
    reuses, and on a thread backend the worker's next batch would overwrite it before the
    evaluator has read it.
    """

    def __init__(self, game: Callable[[np.ndarray], Any]) -> None:
        self.game = game
        self._home = os.getpid()

    def __call__(self, batch: np.ndarray) -> Any:
        try:
            output = self.game(batch)
        except Exception as error:
            return GameFailed(error, remote=os.getpid() != self._home)
        return _copied(output)


def _copied(output: Any) -> Any:
    """A copy of ``output`` as an array, or ``output`` itself when it is no array of numbers.

    What is not an array (ragged lists, unconvertible objects) is left for the evaluator to
    reject with its own message.
    """
    try:
        return np.array(output, copy=True)
    except Exception:  # any conversion failure: the evaluator explains it
        return output
