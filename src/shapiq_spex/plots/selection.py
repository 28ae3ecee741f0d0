"""Which players a picture shows, under which label: caps that keep plots readable at any n."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from shapiq import InteractionValues

from .._validation import check_bool, check_instance, check_int, check_strings

__all__ = ["player_labels", "restrict", "top_players"]

_SPACE = re.compile(r"\s+")


def check_values(values: object, name: str = "values") -> InteractionValues:
    """``values`` if it is a :class:`shapiq.InteractionValues` (the plots' input)."""
    check_instance(values, name, InteractionValues, "a shapiq InteractionValues")
    assert isinstance(values, InteractionValues)
    return values


def _shorten(name: str, max_chars: int) -> str:
    name = _SPACE.sub(" ", str(name)).strip()
    return name if len(name) <= max_chars else name[: max_chars - 1].rstrip() + "…"


def player_labels(names: Sequence[str], *, numbered: bool = True, max_chars: int = 24) -> list[str]:
    """Short, unique labels ``name#position`` (e.g. ``not#12``) for the players.

    Args:
        names: One name per player (words, sentences, feature names).
        numbered: Append ``#position`` (the 0-based player index) to every label; when False,
            only to names that occur more than once, so every label stays unique.
        max_chars: Longer names (sentences, paragraphs) are cut to this many characters with an
            ellipsis; whitespace runs become one space.

    Returns:
        One label per player.
    """
    names = check_strings(names, "names")
    check_bool(numbered, "numbered")
    max_chars = check_int(max_chars, "max_chars", minimum=2)
    short = [_shorten(name, max_chars) for name in names]
    counts: dict[str, int] = {}
    for label in short:
        counts[label] = counts.get(label, 0) + 1
    return [
        f"{label}#{i}" if numbered or counts[label] > 1 else label for i, label in enumerate(short)
    ]


def player_importance(values: InteractionValues) -> np.ndarray:
    """Sum of ``|value|`` over the non-empty interactions that contain each player."""
    check_values(values)
    importance = np.zeros(values.n_players)
    for interaction, position in values.interaction_lookup.items():
        if interaction:
            importance[list(interaction)] += abs(values.values[position])
    return importance


def top_players(values: InteractionValues, k: int) -> np.ndarray:
    """The ``k`` players with the largest :func:`player_importance`, in player order.

    Players without any non-zero value are left out (there is nothing to draw for them), unless
    no player has one; ties go to the lower index.

    Args:
        values: The explanation.
        k: How many players to keep at most.

    Returns:
        Sorted player indices, at least one and at most ``k``.
    """
    k = check_int(k, "k", minimum=1)
    importance = player_importance(values)
    order = np.lexsort((np.arange(values.n_players), -importance))
    useful = max(int(np.count_nonzero(importance)), 1)
    return np.sort(order[: min(k, useful)])


def restrict(values: InteractionValues, players: Sequence[int]) -> InteractionValues:
    """The interactions among ``players`` only, re-indexed ``0 .. len(players) - 1``.

    The empty interaction and ``baseline_value`` are kept; interactions that involve any other
    player are dropped. (shapiq's ``InteractionValues.get_subset`` keeps the old indices and sets
    ``n_players`` to the number of players *removed*.)

    Args:
        values: The explanation.
        players: Distinct player indices; their order gives the new indices.

    Returns:
        A new :class:`shapiq.InteractionValues` over ``len(players)`` players.
    """
    check_values(values)
    if isinstance(players, str) or not isinstance(players, Sequence | np.ndarray):
        msg = f"players must be a sequence of player indices, got {type(players).__name__}."
        raise TypeError(msg)
    players = [check_int(p, "players") for p in players]
    if len(set(players)) != len(players) or not all(0 <= p < values.n_players for p in players):
        msg = f"players must be distinct indices in [0, {values.n_players}), got {players}."
        raise ValueError(msg)
    new_index = {p: i for i, p in enumerate(players)}
    kept: dict[tuple[int, ...], float] = {(): float(values.baseline_value)}
    for interaction, position in values.interaction_lookup.items():
        if all(p in new_index for p in interaction):
            key = tuple(sorted(new_index[p] for p in interaction))
            kept[key] = float(values.values[position])
    keys = sorted(kept, key=lambda s: (len(s), s))
    return InteractionValues(
        values=np.array([kept[s] for s in keys]),
        index=values.index,
        max_order=values.max_order,
        n_players=len(players),
        min_order=0,
        interaction_lookup={s: i for i, s in enumerate(keys)},
        estimated=values.estimated,
        estimation_budget=values.estimation_budget,
        baseline_value=float(values.baseline_value),
    )
