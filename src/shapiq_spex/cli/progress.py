"""The command line's one progress bar, for ``explain`` (queries) and ``bench`` (calls, games).

A ``tqdm`` bar on standard error that appears only after :data:`PROGRESS_DELAY` seconds (short
runs stay quiet) and is removed when it closes; lines the command prints while it runs go to
standard output above it. ``quiet`` turns both off.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

__all__ = ["PROGRESS_DELAY", "Progress"]

PROGRESS_DELAY = 2.0
"""Seconds before the progress bar appears."""


class Progress:
    """A progress bar on stderr, with lines on stdout above it.

    Args:
        total: Steps expected (``None``: unknown until :meth:`reach` says).
        desc: What is counted, left of the bar (e.g. ``"new queries"``).
        unit: The unit of a step (e.g. ``"q"``).
        quiet: Show neither the bar nor the lines of :meth:`say`.
    """

    def __init__(self, total: int | None, *, desc: str, unit: str, quiet: bool) -> None:
        from tqdm import tqdm

        self.quiet = bool(quiet)
        self._bar = tqdm(
            total=total,
            desc=desc,
            unit=unit,
            file=sys.stderr,
            delay=PROGRESS_DELAY,
            disable=self.quiet,
            leave=False,
        )

    def advance(self, steps: int = 1) -> None:
        """Count ``steps`` more."""
        self._bar.update(steps)

    def reach(self, done: int, total: int) -> None:
        """Set the bar to ``done`` of ``total`` steps."""
        if self._bar.total != total:
            self._bar.total = total
        self._bar.update(done - self._bar.n)

    def say(self, line: str) -> None:
        """Print ``line`` on stdout, above the bar (nothing when quiet)."""
        if self.quiet:
            return
        self._bar.write(line, file=sys.stdout)
        sys.stdout.flush()

    def counting(self, game: Callable[[np.ndarray], np.ndarray]) -> Callable[..., Any]:
        """``game``, advancing the bar by the coalitions it evaluates."""

        def counted(coalitions: np.ndarray) -> np.ndarray:
            values = game(coalitions)
            self.advance(len(coalitions))
            return values

        return counted

    def close(self) -> None:
        """Remove the bar."""
        self._bar.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
