"""Standard errors on the pictures: whiskers on the bars, interval labels and dashes on the graph.

The approximators give their standard errors as an :class:`~shapiq.InteractionValues` on exactly
the interactions of the explanation (``uncertainty_``). A picture draws ``value ± z·SE``; the
default ``z = 1.645`` gives two-sided 90 % normal intervals.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np
from shapiq import InteractionValues

from .._validation import check_number

__all__ = [
    "DEFAULT_Z",
    "add_bar_whiskers",
    "check_uncertainty",
    "check_z",
    "dash_uncertain_edges",
    "graph_labels",
    "interval_note",
    "node_positions",
    "push_labels_out",
]

DEFAULT_Z = 1.645  # two-sided 90 % interval of a normal estimate
_WHISKER_COLOUR = "#333333"
_PAD_POINTS = 5.0  # gap between a whisker's end and its value label, as shapiq's bar plot


def check_uncertainty(values: InteractionValues, uncertainty: object) -> InteractionValues | None:
    """``uncertainty`` if it holds standard errors of exactly the interactions of ``values``.

    Raises:
        TypeError: If it is neither None nor an :class:`~shapiq.InteractionValues`.
        ValueError: If its index, orders, players or interactions (and their order) differ from
            those of ``values``, or a standard error is negative or not finite.
    """
    if uncertainty is None:
        return None
    if not isinstance(uncertainty, InteractionValues):
        msg = (
            "uncertainty must be a shapiq InteractionValues of standard errors or None, got "
            f"{type(uncertainty).__name__}."
        )
        raise TypeError(msg)
    for attribute in ("index", "max_order", "min_order", "n_players"):
        mine, theirs = getattr(uncertainty, attribute), getattr(values, attribute)
        if mine != theirs:
            msg = (
                f"uncertainty must describe the same interactions as values: its {attribute} "
                f"is {mine!r}, the values' is {theirs!r}."
            )
            raise ValueError(msg)
    # Equal lookups map every interaction to the same position: same set, same order of .values.
    if uncertainty.interaction_lookup != values.interaction_lookup:
        extra = set(uncertainty.interaction_lookup) ^ set(values.interaction_lookup)
        why = (
            f"{len(extra)} interactions are in only one of them (e.g. {min(extra)})"
            if extra
            else "the same interactions are stored in a different order"
        )
        msg = f"uncertainty must describe the same interactions as values: {why}."
        raise ValueError(msg)
    errors = uncertainty.values
    if not np.all(np.isfinite(errors)) or np.any(errors < 0):
        msg = "uncertainty must hold finite, non-negative standard errors."
        raise ValueError(msg)
    return uncertainty


def check_z(z: object) -> float:
    """``z`` as a positive finite float (whisker half-width in standard errors)."""
    return cast(float, check_number(z, "z", minimum=0.0, include_minimum=False))


def interval_note(z: float) -> str:
    """What the whiskers mean, for a legend line."""
    coverage = " (90 % interval)" if z == DEFAULT_Z else ""
    return f"±{z:g}·SE{coverage}"


def decimals(magnitudes: Sequence[float] | np.ndarray) -> int:
    """Decimals that show the largest magnitude with two significant digits (at least two)."""
    largest = float(np.max(np.abs(magnitudes), initial=0.0))
    if largest == 0.0 or not math.isfinite(largest):
        return 2
    return int(min(max(2, 1 - math.floor(math.log10(largest))), 6))


def _interval_text(value: float, half_width: float, places: int) -> str:
    return f"{value:+.{places}f} ± {half_width:.{places}f}".replace("-", "\u2212")


# ---------------------------------------------------------------- bar plot
def add_bar_whiskers(
    axis: Any,
    values: InteractionValues,
    half_widths: Mapping[tuple[int, ...], float],
    labels: Sequence[str],
    z: float,
) -> None:
    """Whiskers ``value ± half_width`` on the bars shapiq's bar plot drew on ``axis``.

    The bars are found by their tick label (shapiq's ``format_labels``), so ties in value keep
    their own whisker; each value label moves past its whisker and gains ``± half_width``.
    """
    from matplotlib.transforms import offset_copy
    from shapiq.plot.utils import format_labels

    mapping = dict(enumerate(labels))
    by_label = {format_labels(mapping, s): s for s in values.interaction_lookup if s}
    rows: dict[float, tuple[int, ...]] = {}
    for y, tick in zip(axis.get_yticks(), axis.get_yticklabels(), strict=True):
        interaction = by_label.get(tick.get_text())
        if interaction is not None:
            rows.setdefault(round(float(y)), interaction)
    ys = np.array(sorted(rows), dtype=float)
    centres = np.array([values[rows[y]] for y in ys])
    widths = np.array([half_widths[rows[y]] for y in ys])
    axis.errorbar(
        centres,
        ys,
        xerr=widths,
        fmt="none",
        ecolor=_WHISKER_COLOUR,
        elinewidth=1.3,
        capsize=4,
        capthick=1.3,
        zorder=3,
    )
    places = decimals(np.abs(centres) + widths)
    figure = axis.figure
    right = offset_copy(axis.transData, fig=figure, x=_PAD_POINTS, units="points")
    left = offset_copy(axis.transData, fig=figure, x=-_PAD_POINTS, units="points")
    for text in axis.texts:  # shapiq's value labels sit at the bars' heights
        y = round(float(text.get_position()[1]))
        if y not in rows:
            continue
        value, width = float(values[rows[y]]), float(half_widths[rows[y]])
        text.set_text(_interval_text(value, width, places))
        if value < 0:
            text.set_position((value - width, text.get_position()[1]))
            text.set_transform(left)
        else:
            text.set_position((value + width, text.get_position()[1]))
            text.set_transform(right)
    # Room for the whiskers and for the longer labels beyond them.
    low, high = float(np.min(centres - widths)), float(np.max(centres + widths))
    xmin, xmax = axis.get_xlim()
    span = max(high, xmax) - min(low, xmin)
    axis.set_xlim(
        min(xmin, low - 0.22 * span) if low < 0 else xmin,
        max(xmax, high + 0.22 * span),
    )
    axis.set_xlabel(f"Attribution;  whiskers: {interval_note(z)}", fontsize=13)


# ---------------------------------------------------------------- interaction graph
def graph_labels(
    values: InteractionValues,
    half_widths: Mapping[tuple[int, ...], float],
    labels: Sequence[str],
) -> list[str]:
    """Each player's label with a second line ``first-order value ± half-width``."""
    firsts = [(p,) for p in range(values.n_players)]
    present = [s for s in firsts if s in values.interaction_lookup]
    places = decimals([abs(values[s]) + half_widths[s] for s in present])
    out = list(labels)
    for (player,) in present:
        text = _interval_text(float(values[(player,)]), half_widths[(player,)], places)
        out[player] = f"{labels[player]}\n{text}"
    return out


def _circle_centres(path: Any) -> list[np.ndarray]:
    """Centres of the closed sub-paths (circles) of a compound path."""
    from matplotlib.path import Path

    centres, start = [], 0
    codes = path.codes
    vertices = path.vertices
    for k, code in enumerate(codes):
        if code == Path.MOVETO:
            start = k
        elif code == Path.CLOSEPOLY:
            ring = vertices[start:k]  # a circle's Bezier control points are symmetric
            centres.append((ring.min(axis=0) + ring.max(axis=0)) / 2)
    return centres


def node_positions(
    axis: Any, labels: Sequence[str], node_size_scaling: float = 1.0
) -> dict[int, np.ndarray]:
    """Node centres of shapiq's SI graph, read from its labels.

    shapiq puts each label ``LABEL_OFFSET + NORMAL_NODE_SIZE·scaling`` further out than its
    node along the ray from the origin, so the label's position gives the node's.
    """
    from shapiq.plot.si_graph import LABEL_OFFSET, NORMAL_NODE_SIZE

    offset = LABEL_OFFSET + NORMAL_NODE_SIZE * node_size_scaling
    player_of = {label: i for i, label in enumerate(labels)}
    positions = {}
    for text in axis.texts:
        player = player_of.get(text.get_text())
        if player is None:
            continue
        at = np.asarray(text.get_position(), dtype=float)
        norm = float(np.linalg.norm(at))
        positions[player] = at * (norm - offset) / norm
    return positions


def dash_uncertain_edges(
    axis: Any,
    values: InteractionValues,
    half_widths: Mapping[tuple[int, ...], float],
    positions: Mapping[int, np.ndarray],
) -> int:
    """Draw as dashed outlines the edges whose interval ``value ± half_width`` contains 0.

    shapiq draws every edge (and hyper-edge) as one filled patch without outline, made of a
    circle at each of its players and the connection; the circles tell whose edge it is.

    Returns:
        How many edges were dashed.
    """
    from matplotlib.patches import PathPatch

    if not positions:
        return 0
    players = np.array(sorted(positions))
    spots = np.array([positions[p] for p in players])
    tolerance = 1e-6 * max(1.0, float(np.abs(spots).max()))
    dashed = 0
    for patch in axis.patches:
        if not isinstance(patch, PathPatch) or patch.get_linewidth() != 0:
            continue  # nodes have an outline, edges do not
        members = set()
        for centre in _circle_centres(patch.get_path()):
            distance = np.linalg.norm(spots - centre, axis=1)
            if distance.min() <= tolerance:
                members.add(int(players[int(distance.argmin())]))
        interaction = tuple(sorted(members))
        if len(interaction) < 2 or interaction not in half_widths:
            continue
        value, width = abs(float(values[interaction])), half_widths[interaction]
        if value > width:
            continue
        # shapiq's opacity is |value| / largest |value|: show the interval's far end instead,
        # so a dashed edge is as visible as the interaction could be large.
        opacity = patch.get_alpha() or 0.0
        colour = patch.get_facecolor()[:3]
        patch.set_alpha(min(1.0, opacity * (value + width) / value) if value > 0 else opacity)
        patch.set_facecolor("none")
        patch.set_edgecolor(colour)
        patch.set_linewidth(1.0)
        patch.set_linestyle((0, (3, 2)))
        dashed += 1
    return dashed


def push_labels_out(
    axis: Any,
    positions: Mapping[int, np.ndarray],
    labels: Sequence[str],
    node_size_scaling: float = 1.0,
) -> None:
    """Move two-line labels out along their ray until they clear the largest node's disc."""
    from shapiq.plot.si_graph import BASE_SIZE, NORMAL_NODE_SIZE

    radius = (NORMAL_NODE_SIZE + BASE_SIZE) * node_size_scaling / 2 + 0.02
    player_of = {label: i for i, label in enumerate(labels)}
    renderer = axis.figure.canvas.get_renderer()
    axis.apply_aspect()
    to_data = axis.transData.inverted()
    for text in axis.texts:
        player = player_of.get(text.get_text())
        if player is None:
            continue
        centre = np.asarray(positions[player], dtype=float)
        box = text.get_window_extent(renderer).transformed(to_data)
        half_w, half_h = box.width / 2, box.height / 2
        at = np.asarray(text.get_position(), dtype=float)
        ray = at / float(np.linalg.norm(at))
        # A box centred at distance d along the unit ray u reaches back d - (w|u_x| + h|u_y|).
        needed = radius + half_w * abs(ray[0]) + half_h * abs(ray[1])
        current = float(np.linalg.norm(at - centre))
        if needed > current:
            text.set_position(tuple(centre + ray * needed))
