"""PNG plots of a run: R² vs budget, method overhead vs n, precision@k vs budget.

One panel per game (or game family), one line per method; ours are drawn solid and thick, the
baselines dashed. Shaded bands are the min-max over seeds.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .cells import Cell, aggregate
from .metrics import TOP_K, Summary
from .runner import RunResult

__all__ = ["plot_overhead_vs_n", "plot_precision_vs_budget", "plot_r2_vs_budget", "plot_run"]

R2_FLOOR = -0.2
_BASELINE_COLORS = (
    "#1f77b4",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#637939",
    "#843c39",
    "#7b4173",
)
_OURS_COLORS = ("#d62728", "#ff7f0e")
_MARKERS = "sD^v<>pPXh*"


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _styles(cells: Sequence[Cell]) -> dict[str, dict]:
    """A fixed look per method: ours solid, thick, warm colours; baselines dashed."""
    styles: dict[str, dict] = {}
    ours = baselines = 0
    for cell in cells:
        if cell.method in styles:
            continue
        if cell.ours:
            color = _OURS_COLORS[ours % len(_OURS_COLORS)]
            styles[cell.method] = {"color": color, "lw": 2.6, "ls": "-", "marker": "o", "ms": 6}
            ours += 1
        else:
            color = _BASELINE_COLORS[baselines % len(_BASELINE_COLORS)]
            marker = _MARKERS[baselines % len(_MARKERS)]
            styles[cell.method] = {"color": color, "lw": 1.5, "ls": "--", "marker": marker, "ms": 5}
            baselines += 1
    return styles


def _budget_label(value: float, _position: int | None = None) -> str:
    if value >= 1000 and value % 1000 == 0:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def _grid(plt: Any, panels: int, title: str) -> tuple[Any, list[Any]]:
    columns = min(3, panels)
    rows = math.ceil(panels / columns)
    width = max(5.4 * columns, 10.0)
    figure, axes = plt.subplots(rows, columns, figsize=(width, 3.9 * rows + 1.3), squeeze=False)
    flat = list(axes.ravel())
    for axis in flat[panels:]:
        axis.set_visible(False)
    figure.suptitle(textwrap.fill(title, int(width * 9)), fontsize=13, fontweight="bold")
    return figure, flat[:panels]


def _finish(plt: Any, figure: Any, axes: Sequence[Any], path: Path) -> Path:
    handles: dict[str, Any] = {}
    for axis in axes:
        for handle, label in zip(*axis.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    rows = math.ceil(len(handles) / 4)
    height = figure.get_figheight()
    legend_share = (0.35 * rows + 0.25) / height
    figure.legend(
        list(handles.values()),
        list(handles),
        loc="lower center",
        ncol=min(4, len(handles)),
        fontsize=10,
        frameon=False,
    )
    figure.tight_layout(rect=(0, legend_share, 1, 1 - 0.45 / height))
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _line(axis: Any, xs: list[float], stats: list[Summary], style: dict, label: str, **kw) -> None:
    floor = kw.get("floor")
    clip = (lambda v: max(v, floor)) if floor is not None else (lambda v: v)
    ys = [clip(s.median) for s in stats]
    axis.plot(xs, ys, label=label, **style)
    clipped = [(x, y) for x, y, s in zip(xs, ys, stats, strict=True) if y != s.median]
    if clipped:
        axis.plot(
            *zip(*clipped, strict=True),
            ls="none",
            marker="v",
            ms=10,
            mfc="white",
            mec=style["color"],
            mew=1.8,
        )
    if any(s.count > 1 for s in stats):
        low = [clip(s.low) for s in stats]
        high = [clip(s.high) for s in stats]
        axis.fill_between(xs, low, high, color=style["color"], alpha=0.12, lw=0)


def _series(
    cells: Sequence[Cell], x: Callable[[Cell], float], y: Callable[[Cell], Summary]
) -> dict[str, tuple[list[float], list[Summary]]]:
    series: dict[str, tuple[list[float], list[Summary]]] = {}
    for cell in sorted(cells, key=x):
        stat = y(cell)
        if cell.seeds_ok and stat.count and math.isfinite(stat.median):
            xs, ys = series.setdefault(cell.method, ([], []))
            xs.append(x(cell))
            ys.append(stat)
    return series


def _by_budget_panels(
    cells: Sequence[Cell],
    games: Sequence[str],
    path: Path,
    title: str,
    ylabel: str,
    metric: Callable[[Cell], Summary],
    ylim: tuple[float, float],
    floor: float | None = None,
) -> Path | None:
    if not games:
        return None
    plt = _pyplot()
    styles = _styles(cells)
    labels = {c.method: c.label for c in cells}
    figure, axes = _grid(plt, len(games), title)
    for axis, game in zip(axes, games, strict=True):
        mine = [c for c in cells if c.game == game]
        for method, (xs, stats) in _series(mine, lambda c: c.budget, metric).items():
            _line(axis, xs, stats, styles[method], labels[method], floor=floor)
        budgets = sorted({c.budget for c in mine})
        axis.set_xscale("log", base=2)
        axis.set_xticks(budgets)
        axis.xaxis.set_major_formatter(_budget_label)
        axis.xaxis.set_minor_formatter(lambda *_: "")
        axis.set_ylim(*ylim)
        axis.grid(True, alpha=0.3)
        n_values = sorted({n for c in mine for n in c.n})
        n_text = str(n_values[0]) if len(n_values) == 1 else f"{n_values[0]}-{n_values[-1]}"
        axis.set_title(textwrap.fill(f"{mine[0].title} [n={n_text}]", 48), fontsize=10)
        axis.set_xlabel("budget (game evaluations, log scale)")
        axis.set_ylabel(ylabel)
    return _finish(plt, figure, axes, path)


def plot_r2_vs_budget(
    cells: Sequence[Cell], path: Path, games: Sequence[str], holdout: int = 1000
) -> Path | None:
    """Held-out R² against the budget, one panel per game (``holdout``: masks, for the title)."""
    present = [g for g in games if any(c.game == g and c.seeds_ok for c in cells)]
    return _by_budget_panels(
        cells,
        present,
        path,
        f"Faithfulness: R² on {holdout} held-out uniform masks vs budget (median; band = "
        "min-max over "
        f"seeds; hollow ▽ = below {R2_FLOOR}, drawn at {R2_FLOOR})",
        "held-out R²",
        lambda c: c.r2,
        (R2_FLOOR - 0.03, 1.03),
        floor=R2_FLOOR,
    )


def plot_precision_vs_budget(
    cells: Sequence[Cell], path: Path, games: Sequence[str]
) -> Path | None:
    """Precision@k of the top interactions against the budget, games with known truth only."""
    present = [g for g in games if any(c.game == g and c.precision.count for c in cells)]
    return _by_budget_panels(
        cells,
        present,
        path,
        f"Support recovery: precision@{TOP_K} of the top interactions vs budget "
        "(same index, exact values)",
        f"precision@{TOP_K}",
        lambda c: c.precision,
        (-0.03, 1.03),
    )


def plot_overhead_vs_n(cells: Sequence[Cell], path: Path, budget: int | None) -> Path | None:
    """Method overhead against ``n`` at one budget, log-log, one panel per game family."""
    at_budget = [c for c in cells if c.budget == budget and c.seeds_ok and len(c.n) == 1]
    families = [
        f
        for f in dict.fromkeys(c.family for c in at_budget)
        if len({c.n for c in at_budget if c.family == f}) >= 2
    ]
    if not families:
        return None
    plt = _pyplot()
    styles = _styles(cells)
    labels = {c.method: c.label for c in cells}
    figure, axes = _grid(
        plt,
        len(families),
        f"Method overhead (wall time outside the game) vs n at budget {budget:,}",
    )
    for axis, family in zip(axes, families, strict=True):
        mine = [c for c in at_budget if c.family == family]
        for method, (xs, stats) in _series(mine, lambda c: c.n[0], lambda c: c.overhead_s).items():
            _line(axis, xs, stats, styles[method], labels[method])
        n_values = sorted({c.n[0] for c in mine})
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        axis.set_xticks(n_values)
        axis.xaxis.set_major_formatter(lambda v, _p: f"{v:g}")
        axis.xaxis.set_minor_formatter(lambda *_: "")
        _plain_log_labels(axis)
        axis.grid(True, which="both", alpha=0.3)
        axis.set_title(f"{family} games", fontsize=10)
        axis.set_xlabel("n (players, log scale)")
        axis.set_ylabel("overhead per call (s, log scale)")
    return _finish(plt, figure, axes, path)


def _plain_log_labels(axis: Any) -> None:
    """Decimal labels on a log y axis; minor ticks 2, 3, 5 labelled when it spans < 1.5 decades."""
    low, high = axis.get_ylim()
    axis.yaxis.set_major_formatter(lambda v, _p: f"{v:g}")
    if math.log10(high / low) < 1.5:
        axis.yaxis.set_minor_formatter(
            lambda v, _p: (
                f"{v:g}" if round(v / 10 ** math.floor(math.log10(v))) in (2, 3, 5) else ""
            )
        )
    else:
        axis.yaxis.set_minor_formatter(lambda *_: "")


def plot_run(result: RunResult, out_dir: Path, stem: str) -> list[Path]:
    """All plots of a run as ``<stem>-*.png`` in ``out_dir``; returns the files written."""
    cells = aggregate(result.records)
    games = result.settings.get("game_order") or list(dict.fromkeys(c.game for c in cells))
    written = [
        plot_r2_vs_budget(
            cells,
            out_dir / f"{stem}-r2-vs-budget.png",
            games,
            (result.settings.get("holdout") or {}).get("size", 1000),
        ),
        plot_overhead_vs_n(
            cells, out_dir / f"{stem}-overhead-vs-n.png", result.settings.get("scale_budget")
        ),
        plot_precision_vs_budget(cells, out_dir / f"{stem}-precision-vs-budget.png", games),
    ]
    return [path for path in written if path is not None]
