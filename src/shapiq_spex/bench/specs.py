"""What a benchmark game is: :class:`GameSpec` (a registry entry) and :class:`GameInstance`.

Shared by :mod:`.games` (the registry) and :mod:`.real_games` (the games of the ``real``
suite), so that neither imports the other's module for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..metrics import HOLDOUT_SIZE

__all__ = ["GameInstance", "GameSpec", "Values"]

Values = Callable[[np.ndarray], np.ndarray]
"""A set function: boolean coalitions ``(m, n)`` to ``m`` values."""


@dataclass(frozen=True)
class GameInstance:
    """One concrete game of a :class:`GameSpec`.

    Attributes:
        n: Number of players.
        label: What the seed selected (e.g. ``"review 'pizza'"``, ``"test row 3"``).
        make: Returns the game to explain; called once per method call, so noisy games start
            from the same noise stream for every method.
        target: The noiseless function the held-out R² is measured against.
        truth: The Möbius coefficients when known, else ``None``.
    """

    n: int
    label: str
    make: Callable[[], Values]
    target: Values
    truth: dict[tuple[int, ...], float] | None = None


@dataclass(frozen=True)
class GameSpec:
    """A game of the benchmark.

    Attributes:
        key: Registry key (used on the command line).
        family: Games of one family differ only in ``n``; the overhead-vs-n plot draws one
            panel per family, and the observed time cap carries over to larger ``n``.
        title: Human-readable name for tables and plots.
        build: Seed -> :class:`GameInstance`.
        n: Number of players, or ``None`` when it depends on the seed (texts).
        known_truth: Whether instances carry their Möbius coefficients.
        holdout_size: Held-out masks of the R² (the protocol's 1000; fewer only for a game
            whose queries cost seconds, and then the title says so).
    """

    key: str
    family: str
    title: str
    build: Callable[[int], GameInstance] = field(repr=False)
    n: int | None = None
    known_truth: bool = False
    holdout_size: int = HOLDOUT_SIZE
