"""The interaction graph, upset and bar plots of an explanation, capped to its top players.

Each function draws with shapiq's own plot (``si_graph_plot``, ``upset_plot``, ``bar_plot``) on
the interactions among the ``max_players`` most important players (:func:`top_players`), so
the figure has the same size at any ``n``, and titles it (e.g. with the model output and the
prediction). They return a :class:`matplotlib.figure.Figure` and never call ``show``.

:func:`bar` and :func:`interaction_graph` take the approximator's standard errors
(``uncertainty_``) and draw ``value ± z·SE`` (default ``z = 1.645``: 90 % intervals).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from shapiq import InteractionValues

from .._validation import check_bool, check_int, check_str, check_strings
from ._uncertainty import (
    DEFAULT_Z,
    add_bar_whiskers,
    check_uncertainty,
    check_z,
    dash_uncertain_edges,
    graph_labels,
    interval_note,
    node_positions,
    push_labels_out,
)
from .selection import check_values, player_labels, restrict, top_players

__all__ = ["bar", "interaction_graph", "upset"]

DEFAULT_MAX_PLAYERS = 12


def _capped(
    values: InteractionValues, names: Sequence[str] | None, max_players: int, numbered: bool
) -> tuple[InteractionValues, list[str], str, np.ndarray]:
    """The explanation among the top players, their labels, a note on the cap, the players."""
    check_values(values)
    names = check_strings(names, "names", allow_none=True)
    max_players = check_int(max_players, "max_players", minimum=1)
    numbered = check_bool(numbered, "numbered")
    if names is None:
        names, numbered = [str(i) for i in range(values.n_players)], False
    if len(names) != values.n_players:
        msg = f"names must have one entry per player ({values.n_players}), got {len(names)}."
        raise ValueError(msg)
    labels = player_labels(names, numbered=numbered)
    keep = top_players(values, max_players)
    note = f"top {len(keep)} of {values.n_players} players" if len(keep) < values.n_players else ""
    return restrict(values, keep), [labels[i] for i in keep], note, keep


def _half_widths(
    values: InteractionValues, uncertainty: object, z: object, keep: np.ndarray
) -> dict[tuple[int, ...], float] | None:
    """``z·SE`` per interaction among the kept players (re-indexed as :func:`restrict` does)."""
    checked = check_uncertainty(values, uncertainty)
    z = check_z(z)
    if checked is None:
        return None
    return {s: z * float(se) for s, se in restrict(checked, keep).dict_values.items()}


def _title(title: str | None, note: str) -> str:
    return "\n".join(part for part in (title, note) if part)


def _largest_only(values: InteractionValues, count: int) -> InteractionValues:
    """The empty interaction and the ``count`` non-empty ones with the largest ``|value|``."""
    items = [(s, float(values.values[i])) for s, i in values.interaction_lookup.items() if s]
    items.sort(key=lambda kv: (-abs(kv[1]), len(kv[0]), kv[0]))
    kept = [((), float(values.baseline_value)), *items[: max(count, 1)]]
    return InteractionValues(
        values=np.array([v for _, v in kept]),
        index=values.index,
        max_order=values.max_order,
        n_players=values.n_players,
        min_order=0,
        interaction_lookup={s: i for i, (s, _) in enumerate(kept)},
        estimated=values.estimated,
        estimation_budget=values.estimation_budget,
        baseline_value=float(values.baseline_value),
    )


def _nonzero(values: InteractionValues) -> int:
    """How many non-empty interactions have a non-zero value."""
    return sum(1 for s, i in values.interaction_lookup.items() if s and values.values[i] != 0)


def _nothing_to_show(title: str, why: str = "no non-zero interaction to show") -> Any:
    """A figure saying that there is nothing to draw (shapiq's plots fail on it)."""
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7.0, 2.0))
    axis.axis("off")
    axis.text(0.5, 0.5, why, ha="center", va="center")
    figure.suptitle(title)
    return figure


def interaction_graph(
    values: InteractionValues,
    names: Sequence[str] | None = None,
    *,
    max_players: int = DEFAULT_MAX_PLAYERS,
    numbered: bool = True,
    title: str | None = None,
    uncertainty: InteractionValues | None = None,
    z: float = DEFAULT_Z,
    **kwargs: Any,
) -> Any:
    """Players as nodes (size: first-order value), interactions as edges (shapiq's SI graph).

    Args:
        values: The explanation.
        names: One name per player; labels are ``name#position`` (e.g. ``not#12``).
        max_players: Show the interactions among this many most important players only.
        numbered: Number every label; False numbers only repeated names (feature names).
        title: First title line (e.g. the index, the model output and the prediction); a second
            line says how many players are shown when the cap applies.
        uncertainty: Standard errors on exactly the interactions of ``values`` (an
            approximator's ``uncertainty_``). Each label gains a second line ``value ± z·SE``
            (the player's first-order interval), and the edges whose interval contains 0 are
            drawn as dashed outlines instead of filled.
        z: Interval half-width in standard errors; the default 1.645 gives 90 % intervals.
        **kwargs: Passed to :func:`shapiq.si_graph_plot`.

    Returns:
        The figure.

    Raises:
        TypeError: If ``uncertainty`` is not an InteractionValues (or None), or ``z`` not a number.
        ValueError: If the interactions of ``uncertainty`` differ from those of ``values``, a
            standard error is negative or not finite, or ``z`` is not positive and finite.
    """
    import shapiq

    check_str(title, "title", allow_none=True)
    shown, labels, note, keep = _capped(values, names, max_players, numbered)
    half_widths = _half_widths(values, uncertainty, z, keep)
    if not _nonzero(shown):
        return _nothing_to_show(_title(title, note))
    if shown.n_players < 2:  # shapiq draws a lone node as a disc filling the figure
        why = f"only {labels[0]} has a non-zero value ({shown[(0,)]:+.4g}): no graph to draw"
        return _nothing_to_show(_title(title, note), why)
    kwargs.setdefault("draw_threshold", 0.0)
    if half_widths is not None:
        labels = graph_labels(shown, half_widths, labels)
    figure, axis = shapiq.si_graph_plot(shown, feature_names=labels, show=False, **kwargs)
    axis.set_title(_title(title, note), pad=28)
    if half_widths is not None:
        scaling = float(kwargs.get("node_size_scaling", 1.0))
        positions = node_positions(axis, labels, scaling)
        dash_uncertain_edges(axis, shown, half_widths, positions)
        push_labels_out(axis, positions, labels, scaling)
        figure.text(
            0.5,
            0.02,
            f"under each label: first-order value {interval_note(z)}; "
            "dashed edges: the interval contains 0",
            ha="center",
            fontsize=9,
            color="#555555",
        )
    return figure


def upset(
    values: InteractionValues,
    names: Sequence[str] | None = None,
    *,
    max_players: int = DEFAULT_MAX_PLAYERS,
    numbered: bool = True,
    n_interactions: int = 15,
    title: str | None = None,
) -> Any:
    """The largest interactions as bars above a matrix of their players (shapiq's upset plot).

    Args:
        values: The explanation.
        names: One name per player; labels are ``name#position``.
        numbered: Number every label; False numbers only repeated names (feature names).
        max_players: Rows of the matrix at most (the most important players).
        n_interactions: Bars at most.
        title: First title line; a second says how many players are shown when capped.

    Returns:
        The figure.
    """
    import shapiq

    check_str(title, "title", allow_none=True)
    n_interactions = check_int(n_interactions, "n_interactions", minimum=1)
    shown, labels, note, _ = _capped(values, names, max_players, numbered)
    count = min(n_interactions, _nonzero(shown))
    if not count:
        return _nothing_to_show(_title(title, note))
    rows = len({p for s, i in shown.interaction_lookup.items() for p in s})
    size = (max(6.0, 0.55 * count + 3.0), 3.5 + 0.45 * max(rows, 1))
    figure = shapiq.upset_plot(
        shown,
        n_interactions=count,
        feature_names=labels,
        all_features=False,
        figsize=size,
        show=False,
    )
    figure.suptitle(_title(title, note))
    return figure


def bar(
    values: InteractionValues,
    names: Sequence[str] | None = None,
    *,
    max_players: int = DEFAULT_MAX_PLAYERS,
    numbered: bool = True,
    max_display: int = 10,
    title: str | None = None,
    uncertainty: InteractionValues | None = None,
    z: float = DEFAULT_Z,
) -> Any:
    """The largest interactions among the top players as horizontal bars (shapiq's bar plot).

    Args:
        values: The explanation.
        names: One name per player; labels are ``name#position``.
        numbered: Number every label; False numbers only repeated names (feature names).
        max_players: Use the interactions among this many most important players.
        max_display: Bars at most (the rest is summed into one bar by shapiq).
        title: First title line; a second says how many players are shown when capped.
        uncertainty: Standard errors on exactly the interactions of ``values`` (an
            approximator's ``uncertainty_``): each bar gets a whisker ``value ± z·SE`` and its
            label reads ``value ± z·SE``.
        z: Whisker half-width in standard errors; the default 1.645 gives 90 % intervals.

    Returns:
        The figure.

    Raises:
        TypeError: If ``uncertainty`` is not an InteractionValues (or None), or ``z`` not a number.
        ValueError: If the interactions of ``uncertainty`` differ from those of ``values``, a
            standard error is negative or not finite, or ``z`` is not positive and finite.
    """
    import matplotlib.pyplot as plt
    import shapiq

    check_str(title, "title", allow_none=True)
    max_display = check_int(max_display, "max_display", minimum=1)
    shown, labels, note, keep = _capped(values, names, max_players, numbered)
    half_widths = _half_widths(values, uncertainty, z, keep)
    if not _nonzero(shown):
        return _nothing_to_show(_title(title, note))
    # shapiq's bar plot keeps the largest *signed* values and sums the rest (made for global
    # |values|), which would hide large negative ones: hand it the largest |values| only.
    shown = _largest_only(shown, max_display)
    count = len(shown.interaction_lookup) - 1
    figure = plt.figure(figsize=(8.0, 1.4 + 0.4 * count))
    axis = figure.add_subplot()  # shapiq's bar_plot draws on the current axes
    shapiq.bar_plot([shown], feature_names=labels, show=False, abbreviate=False, max_display=None)
    if half_widths is not None:
        add_bar_whiskers(axis, shown, half_widths, labels, check_z(z))
    figure.suptitle(_title(title, note))
    figure.tight_layout()
    return figure
