"""The highlighted-text view as a self-contained HTML page.

Each unit is coloured by its first-order value and the strongest pairs are drawn as arcs above
the text (:func:`text_html`; the same view as a figure is
:func:`~shapiq_spex.plots.text_figure.text_figure`).

Red raises the explained score, blue lowers it; the stronger the colour, the larger the value
(scaled to the largest first-order value). Arcs are red for a positive pair interaction and
blue for a negative one, thicker for larger values.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
from shapiq import InteractionValues

from .._validation import check_int, check_str, check_strings
from .selection import check_values, player_labels

__all__ = ["text_html"]

RED = (255, 13, 87)  # shapiq's colours
BLUE = (30, 136, 229)


def _effects(
    values: InteractionValues, n_units: int, n_arcs: int
) -> tuple[np.ndarray, list[tuple[int, int, float]]]:
    """First-order values ``(n,)`` and the ``n_arcs`` largest non-zero pairs ``(i, j, value)``."""
    check_values(values)
    if values.n_players != n_units:
        msg = f"units must have one entry per player ({values.n_players}), got {n_units}."
        raise ValueError(msg)
    n_arcs = check_int(n_arcs, "n_arcs", minimum=0)
    first = np.zeros(n_units)
    pairs = []
    for interaction, position in values.interaction_lookup.items():
        value = float(values.values[position])
        if len(interaction) == 1:
            first[interaction[0]] = value
        elif len(interaction) == 2 and value != 0:
            pairs.append((interaction[0], interaction[1], value))
    pairs.sort(key=lambda p: (-abs(p[2]), p[0], p[1]))
    return first, pairs[:n_arcs]


def _rgba(value: float, scale: float, strength: float = 0.85) -> tuple[int, int, int, float]:
    red, green, blue = RED if value >= 0 else BLUE
    alpha = strength * min(abs(value) / scale, 1.0) if scale > 0 else 0.0
    return red, green, blue, round(alpha, 3)


def _scale(array: np.ndarray) -> float:
    return float(np.max(np.abs(array))) if array.size else 0.0


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; max-width: 60em; }
h1 { font-size: 1.15em; margin: 0 0 0.4em 0; }
.legend { color: #555; font-size: 0.9em; margin: 0 0 1.2em 0; }
#text { position: relative; line-height: 3.6; font-size: 1.15em; white-space: pre-wrap; }
#text .u { padding: 0.12em 0.08em; border-radius: 0.25em; }
#arcs { position: absolute; left: 0; top: 0; pointer-events: none; overflow: visible; }
#arcs path { pointer-events: visibleStroke; }
table { border-collapse: collapse; margin-top: 1.4em; font-size: 0.92em; }
td, th { padding: 0.2em 0.8em; text-align: left; border-bottom: 1px solid #eee; }
td.v { text-align: right; font-variant-numeric: tabular-nums; }
"""

# Arcs depend on where the browser puts each word, so they are drawn after layout (and again
# on resize); the table below the text lists the same pairs for readers without scripts.
_SCRIPT = """
(function () {
  const PAIRS = %s;
  const NS = "http://www.w3.org/2000/svg";
  function rect(i, box) {
    const r = document.getElementById("u" + i).getClientRects()[0];
    return {left: r.left - box.left, top: r.top - box.top, width: r.width};
  }
  // Arc ends spread over each unit's width, sorted by the other end, so arcs do not merge.
  function ends(box) {
    const touching = {}, out = PAIRS.map(() => [null, null]);
    PAIRS.forEach((p, k) => {
      (touching[p.i] = touching[p.i] || []).push([rect(p.j, box).left, k, 0]);
      (touching[p.j] = touching[p.j] || []).push([rect(p.i, box).left, k, 1]);
    });
    for (const unit in touching) {
      const r = rect(unit, box), arcs = touching[unit].sort((a, b) => a[0] - b[0]);
      arcs.forEach(([, k, side], rank) => {
        out[k][side] = [r.left + r.width * (rank + 1) / (arcs.length + 1), r.top];
      });
    }
    return out;
  }
  function draw() {
    const text = document.getElementById("text");
    const svg = document.getElementById("arcs");
    const box = text.getBoundingClientRect();
    svg.setAttribute("width", box.width);
    svg.setAttribute("height", box.height);
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const lineGap = parseFloat(getComputedStyle(text).fontSize) * 2.0;
    const where = ends(box);
    PAIRS.forEach((p, k) => {
      const [[x1, y1], [x2, y2]] = where[k];
      const h = Math.min(lineGap, 0.15 * lineGap + 2.5 * lineGap * Math.abs(x2 - x1) / box.width);
      const path = document.createElementNS(NS, "path");
      path.setAttribute("d", `M${x1},${y1} C${x1},${y1 - h} ${x2},${y2 - h} ${x2},${y2}`);
      path.setAttribute("fill", "none");
      path.setAttribute("stroke", p.color);
      path.setAttribute("stroke-width", p.width);
      path.setAttribute("stroke-linecap", "round");
      path.setAttribute("class", "arc");
      const tip = document.createElementNS(NS, "title");
      tip.textContent = p.label;
      path.appendChild(tip);
      svg.appendChild(path);
    });
  }
  window.addEventListener("load", draw);
  window.addEventListener("resize", draw);
})();
"""


def _arc_specs(pairs: list[tuple[int, int, float]], labels: list[str]) -> list[dict[str, Any]]:
    scale = max((abs(v) for _, _, v in pairs), default=0.0)
    specs = []
    for i, j, value in pairs:
        red, green, blue, _ = _rgba(value, scale)
        specs.append(
            {
                "i": i,
                "j": j,
                "color": f"rgb({red},{green},{blue})",
                "width": round(1.5 + 4.5 * abs(value) / scale, 2) if scale else 1.5,
                "label": f"{labels[i]} × {labels[j]}: {value:+.4f}",
            }
        )
    return specs


def text_html(
    units: Sequence[str],
    values: InteractionValues,
    *,
    separators: Sequence[str] | None = None,
    title: str | None = None,
    n_arcs: int = 8,
) -> str:
    """A self-contained HTML page of the highlighted text (no external file or network).

    Args:
        units: The players' texts, in order (e.g. ``MaskedTextGame.units``).
        values: The explanation over ``len(units)`` players.
        separators: Whitespace after each unit (e.g. ``MaskedTextGame.separators``); default
            one space (the last unit: none). Newlines are kept.
        title: Heading of the page (e.g. the index, model output and prediction).
        n_arcs: How many of the largest pair interactions are drawn as arcs (and listed).

    Returns:
        The page, as a str.
    """
    units = check_strings(units, "units")
    separators = check_strings(separators, "separators", allow_none=True)
    check_str(title, "title", allow_none=True)
    first, pairs = _effects(values, len(units), n_arcs)
    if separators is None:
        separators = [" "] * (len(units) - 1) + [""]
    if len(separators) != len(units):
        msg = f"separators must have one entry per unit ({len(units)}), got {len(separators)}."
        raise ValueError(msg)
    labels = player_labels(units)
    scale = _scale(first)
    spans = []
    for i, (unit, sep) in enumerate(zip(units, separators, strict=True)):
        red, green, blue, alpha = _rgba(first[i], scale)
        tip = html.escape(f"{labels[i]}: {first[i]:+.4f}", quote=True)
        spans.append(
            f'<span class="u" id="u{i}" data-value="{first[i]:.6g}" title="{tip}" '
            f'style="background: rgba({red},{green},{blue},{alpha})">{html.escape(unit)}</span>'
            + html.escape(sep)
        )
    specs = _arc_specs(pairs, labels)
    rows = "".join(
        f"<tr><td>{html.escape(labels[i])} × {html.escape(labels[j])}</td>"
        f'<td class="v">{v:+.4f}</td></tr>'
        for i, j, v in pairs
    )
    table = f"<table><tr><th>strongest pairs</th><th>value</th></tr>{rows}</table>" if pairs else ""
    heading = html.escape(title or "Interaction explanation")
    legend = (
        "Each unit is coloured by its first-order value: red raises the score, blue lowers it "
        f"(strongest colour = {scale:.4g}). Arcs join the {len(pairs)} strongest pairs "
        "(red: positive interaction, blue: negative; thicker = larger)."
    )
    payload = json.dumps(specs).replace("</", "<\\/")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{heading}</title><style>{_STYLE}</style></head>\n<body>"
        f'<h1>{heading}</h1><p class="legend">{html.escape(legend)}</p>\n'
        f'<div id="text"><svg id="arcs" xmlns="http://www.w3.org/2000/svg"></svg>'
        f"{''.join(spans)}</div>\n{table}\n<script>{_SCRIPT % payload}</script>\n</body></html>\n"
    )
