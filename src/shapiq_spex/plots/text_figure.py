"""The highlighted-text view as a matplotlib figure (PNG): words in coloured boxes, pair arcs.

The text is laid out word by word in pixel coordinates (widths measured by the renderer), so
the figure is as tall as the text needs and no taller. Long texts are cut to excerpts around the
units that matter (the largest first-order values and the arcs' ends), with ``…`` for the gaps,
so the picture stays readable at any ``n``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from shapiq import InteractionValues

from .._validation import check_int, check_number, check_str, check_strings
from .selection import player_labels
from .text import _effects, _rgba, _scale

__all__ = ["text_figure"]

_FONT = 12.0  # points
_LINE = 3.6  # line height, in font sizes (room for the arcs between lines)


def _excerpt(n: int, keep: Sequence[int], width: int) -> list[int | None]:
    """The units within ``width`` of a kept one, in order, with ``None`` for each gap."""
    shown = sorted({j for k in keep for j in range(k - width, k + width + 1) if 0 <= j < n})
    out: list[int | None] = []
    for position, unit in enumerate(shown):
        if (position == 0 and unit > 0) or (position and unit != shown[position - 1] + 1):
            out.append(None)
        out.append(unit)
    if shown and shown[-1] < n - 1:
        out.append(None)
    return out


def _shown_tokens(
    units: Sequence[str], keep: Sequence[int], max_units: int, max_words: int, max_tokens: int
) -> list[tuple[int | None, str]]:
    """The whole text if it is short enough, else excerpts around ``keep`` that fit."""
    n = len(units)
    tokens = _tokens(units, list(range(n)), max_words) if n <= max_units else []
    if tokens and len(tokens) <= max_tokens:
        return tokens
    for width in (3, 1, 0):
        shown = _excerpt(n, keep, width)
        tokens = _tokens(units, shown, max_words)
        if sum(u is not None for u in shown) <= max_units and len(tokens) <= max_tokens:
            break
    return tokens


def _tokens(
    units: Sequence[str], shown: list[int | None], max_words: int
) -> list[tuple[int | None, str]]:
    """``(unit, word)`` pieces to lay out; a long unit is cut to ``max_words`` words + ``…``."""
    tokens: list[tuple[int | None, str]] = []
    for unit in shown:
        if unit is None:
            tokens.append((None, "…"))
            continue
        words = units[unit].split() or [units[unit]]
        tokens += [(unit, w) for w in words[:max_words]]
        if len(words) > max_words:
            tokens.append((unit, "…"))
    return tokens


def _layout(
    tokens: list[tuple[int | None, str]], widths: list[float], line_width: float, space: float
) -> list[tuple[float, int]]:
    """``(x, line)`` of each token, wrapping at ``line_width`` pixels."""
    x, line, places = 0.0, 0, []
    for width in widths:
        if x > 0 and x + width > line_width:
            x, line = 0.0, line + 1
        places.append((x, line))
        x += width + space
    return places


def _measure(figure: Any, words: list[str]) -> list[float]:
    from matplotlib.font_manager import FontProperties

    renderer = figure.canvas.get_renderer()
    font = FontProperties(size=_FONT)
    cache: dict[str, float] = {}
    for word in words:
        if word not in cache:
            cache[word] = renderer.get_text_width_height_descent(word, font, ismath=False)[0]
    return [cache[w] for w in words]


def _draw_arc(
    axis: Any, start: tuple[float, float], end: tuple[float, float], room: float, **style: Any
) -> None:
    """A cubic arc above the text; wider arcs rise higher (up to ``room`` pixels)."""
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    (x1, y1), (x2, y2) = start, end
    span = axis.get_xlim()[1]
    rise = min(room, 0.15 * room + 2.5 * room * abs(x2 - x1) / span)
    path = Path(
        [(x1, y1), (x1, y1 - rise), (x2, y2 - rise), (x2, y2)],
        [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4],
    )
    axis.add_patch(PathPatch(path, fill=False, capstyle="round", **style))


def _spread_ends(
    pairs: list[tuple[int, int, float]], anchors: dict[int, tuple[float, float, float]]
) -> list[list[tuple[float, float]]]:
    """Arc ends spread over each word's width (sorted by the other end) so arcs do not merge."""
    touching: dict[int, list[tuple[float, int, int]]] = {}
    for k, (i, j, _) in enumerate(pairs):
        touching.setdefault(i, []).append((anchors[j][0], k, 0))
        touching.setdefault(j, []).append((anchors[i][0], k, 1))
    ends = [[(0.0, 0.0), (0.0, 0.0)] for _ in pairs]
    for unit, arcs in touching.items():
        left, top, width = anchors[unit]
        arcs.sort()
        for rank, (_, k, side) in enumerate(arcs):
            ends[k][side] = (left + width * (rank + 1) / (len(arcs) + 1), top)
    return ends


def _draw_words(
    axis: Any,
    placed: list[tuple[int | None, str, float, float, float]],
    first: np.ndarray,
    font_px: float,
) -> dict[int, tuple[float, float, float]]:
    """Each word in a box coloured by its unit's value; returns ``unit -> (left, top, width)``."""
    from matplotlib.patches import FancyBboxPatch

    scale = _scale(first)
    anchors: dict[int, tuple[float, float, float]] = {}
    for unit, word, left, middle, width in placed:
        if unit is not None:
            red, green, blue, alpha = _rgba(first[unit], scale)
            box = FancyBboxPatch(
                (left, middle - 0.62 * font_px),
                width,
                1.24 * font_px,
                boxstyle=f"round,pad={0.18 * font_px}",
                facecolor=(red / 255, green / 255, blue / 255, alpha),
                edgecolor="none",
            )
            axis.add_patch(box)
            anchors.setdefault(unit, (left, middle - 0.85 * font_px, width))
        axis.text(left, middle, word, fontsize=_FONT, va="center_baseline", ha="left")
    return anchors


def _draw_arcs(
    axis: Any,
    pairs: list[tuple[int, int, float]],
    anchors: dict[int, tuple[float, float, float]],
    room: float,
) -> None:
    """The pairs whose units are shown, as arcs coloured by sign, thicker when larger."""
    scale = max((abs(v) for _, _, v in pairs), default=0.0)
    drawn = [(i, j, v) for i, j, v in pairs if i in anchors and j in anchors]
    ends = _spread_ends(drawn, anchors)
    for k, (_, _, value) in enumerate(drawn):
        red, green, blue, _ = _rgba(value, scale)
        _draw_arc(
            axis,
            ends[k][0],
            ends[k][1],
            room,
            edgecolor=(red / 255, green / 255, blue / 255, 0.9),
            linewidth=1.0 + 3.0 * abs(value) / scale,
        )


def _draw_legend(
    axis: Any,
    corner: tuple[float, float],
    first: np.ndarray,
    pairs: list[tuple[int, int, float]],
    labels: list[str],
    font_px: float,
) -> None:
    """What the colours mean, then the drawn pairs with their values."""
    x, y = corner
    note = (
        "colour: first-order value (red raises, blue lowers the score; "
        f"strongest = {_scale(first):.3g})"
    )
    axis.text(x, y, note, fontsize=_FONT - 2, color="#555", va="top")
    for k, (i, j, value) in enumerate(pairs):
        axis.text(
            x,
            y + (k + 1.3) * 1.5 * font_px,
            f"{value:+.4f}   {labels[i]} × {labels[j]}",
            fontsize=_FONT - 1,
            color="#b0003a" if value >= 0 else "#145a9e",
            va="top",
            family="monospace",
        )


def text_figure(
    units: Sequence[str],
    values: InteractionValues,
    *,
    title: str | None = None,
    n_arcs: int = 8,
    max_units: int = 150,
    max_words: int = 25,
    max_tokens: int = 400,
    width: float = 10.0,
    dpi: int = 100,
) -> Any:
    """The highlighted text as a figure: each unit coloured by its first-order value, arcs.

    Args:
        units: The players' texts, in order (e.g. ``MaskedTextGame.units``).
        values: The explanation over ``len(units)`` players.
        title: First title line (e.g. the index, model output and prediction).
        n_arcs: How many of the largest pair interactions are drawn (and listed below).
        max_units: Texts with more units are cut to excerpts around the important ones.
        max_words: Words shown per unit at most (long sentences or paragraphs are cut).
        max_tokens: Texts with more words are cut to excerpts too (the picture stays short).
        width: Figure width in inches; the height follows the text.
        dpi: Resolution used for the layout (save with the same dpi).

    Returns:
        The figure.
    """
    import matplotlib.pyplot as plt

    units = check_strings(units, "units")
    check_str(title, "title", allow_none=True)
    max_units = check_int(max_units, "max_units", minimum=1)
    max_words = check_int(max_words, "max_words", minimum=1)
    max_tokens = check_int(max_tokens, "max_tokens", minimum=1)
    width = check_number(width, "width", minimum=0.0, include_minimum=False)
    dpi = check_int(dpi, "dpi", minimum=1)
    first, pairs = _effects(values, len(units), n_arcs)
    labels = player_labels(units)
    strongest = np.argsort(-np.abs(first), kind="stable")[: max(1, max_units // 10)]
    ends = [i for i, j, _ in pairs] + [j for _, j, _ in pairs]
    keep = sorted({*(i for i in strongest.tolist() if first[i] != 0), *ends}) or [0]
    tokens = _shown_tokens(units, keep, max_units, max_words, max_tokens)

    figure = plt.figure(figsize=(width, 2.0), dpi=dpi)
    font_px = _FONT * dpi / 72
    widths = _measure(figure, [w for _, w in tokens])
    margin, line_px = 0.4 * dpi, _LINE * font_px
    places = _layout(tokens, widths, width * dpi - 2 * margin, 0.45 * font_px)
    n_lines = places[-1][1] + 1 if places else 1
    head = (1.0 + (title or "").count("\n")) * 1.6 * font_px + 1.2 * line_px
    legend = (len(pairs) + 2.5) * 1.5 * font_px
    height = head + n_lines * line_px + legend
    figure.set_size_inches(width, height / dpi)
    axis = figure.add_axes((0, 0, 1, 1))
    axis.set_xlim(0, width * dpi)
    axis.set_ylim(height, 0)
    axis.axis("off")
    if title:
        axis.text(margin, 0.8 * font_px, title, fontsize=_FONT + 1, va="top", weight="bold")

    placed = [
        (unit, word, margin + x, head + line * line_px, w)
        for (unit, word), w, (x, line) in zip(tokens, widths, places, strict=True)
    ]
    anchors = _draw_words(axis, placed, first, font_px)
    _draw_arcs(axis, pairs, anchors, line_px - 1.5 * font_px)
    _draw_legend(axis, (margin, head + n_lines * line_px), first, pairs, labels, font_px)
    return figure
