"""Run one ``shapiq-spex explain``: the approximation with a progress bar, then the report.

The report is a summary block (f(x), f(∅), queries spent and from where, faithfulness, time),
the top interactions labelled ``name#position``, and the files asked for (JSON, plots, the
highlighted-text view).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._indices import EFFICIENT_INDICES, check_max_order
from .inputs import Explained, UsageError

__all__ = ["Run", "explain", "report", "write_outputs"]

PROGRESS_DELAY = 2.0  # seconds before the progress bar appears (short runs stay quiet)


@dataclass
class Run:
    """What one explanation produced and cost."""

    values: Any
    approximator: Any
    f_x: float
    f_empty: float
    queries: int
    from_cache: int
    seconds: float
    warnings: list[str] = field(default_factory=list)


class _Counted:
    """The game, advancing a progress bar by the masks it evaluates."""

    def __init__(self, game: Any, bar: Any) -> None:
        self.game = game
        self.bar = bar

    def __call__(self, coalitions: np.ndarray) -> np.ndarray:
        values = self.game(coalitions)
        self.bar.update(len(coalitions))
        return values


_FAITHFULNESS_METHODS = {
    "holdout": "held out, never queried by the method",
    "exact": "every coalition was queried",
    "validation": "the method's validation split",
    "cross-validation": "leave-one-out on the method's uniform masks",
}


def order_for(args: argparse.Namespace, n: int) -> int:
    """``--order``, or its default: 2 (1 for SV/BV, which are first-order, and one player).

    The rule is the approximators' own (:func:`~shapiq_spex._indices.check_max_order`).
    """
    order = min(2, n) if args.order is None else args.order
    try:
        return check_max_order(order, n, args.index)
    except ValueError:
        raise UsageError(
            f"--order must be at most the number of players ({n}), got {order}"
        ) from None


_CLI_BATCH = 64


def _approximator(args: argparse.Namespace, n: int, cache: Any) -> Any:
    common = {
        "max_order": order_for(args, n),
        "index": args.index,
        "random_state": args.seed,
        "cache": cache,
        # Small game calls: the progress bar moves, and --cache saves every batch as soon as
        # it is paid for (a run stopped half-way keeps its queries).
        "batch_size": _CLI_BATCH,
    }
    if args.method == "spex":
        from ..approximators import SPEX

        return SPEX(n, **common)
    from ..approximators import ProxySPEX

    return ProxySPEX(n, **common)


def open_cache(args: argparse.Namespace, explained: Explained) -> Any:
    """The ``--cache`` QueryCache, or None; a file that SQLite cannot use is a UsageError."""
    if args.cache is None:
        return None
    import sqlite3

    from ..evaluation import QueryCache

    try:
        return QueryCache(args.cache, explained.game_id, explained.game.n_players)
    except sqlite3.Error as exc:
        raise UsageError(f"cannot use {args.cache} as a query cache: {exc}") from None


def _ends(game: Any, n: int, cache: Any) -> tuple[float, float]:
    """``f(x)`` and ``f(∅)`` of the (normalized) game, through the cache when there is one."""
    from ..evaluation import QueryEvaluator

    masks = np.array([np.ones(n, bool), np.zeros(n, bool)])
    full, empty = QueryEvaluator(game, n, cache=cache)(masks)
    offset = float(getattr(game, "normalization_value", 0.0))
    return float(full) + offset, float(empty) + offset


def explain(args: argparse.Namespace, explained: Explained, cache: Any) -> Run:
    """Spend the budget on the game (progress on stderr) and evaluate f(x), f(∅)."""
    from tqdm.auto import tqdm

    n = explained.game.n_players
    approximator = _approximator(args, n, cache)
    hits = cache.hits if cache is not None else 0
    bar = tqdm(
        total=args.budget,
        desc="new queries",
        unit="q",
        file=sys.stderr,
        delay=PROGRESS_DELAY,
        disable=args.quiet,
        leave=False,
    )
    start = time.perf_counter()
    # The approximators' advice (a saturated score, a poor fit) is shown as one line each
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        try:
            values = approximator.approximate(args.budget, _Counted(explained.game, bar))
        finally:
            bar.close()
    seconds = time.perf_counter() - start
    advice = list(dict.fromkeys(str(w.message) for w in caught if w.category is UserWarning))
    for w in caught:
        if w.category is not UserWarning:  # others as Python would show them
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    for message in advice:
        print(f"shapiq-spex: warning: {' '.join(message.split())}", file=sys.stderr)
    from_cache = cache.hits - hits if cache is not None else 0
    f_x, f_empty = _ends(explained.game, n, cache)
    _restore_offset(values, f_empty)
    return Run(
        values, approximator, f_x, f_empty, approximator.budget_used_, from_cache, seconds, advice
    )


def _restore_offset(values: Any, f_empty: float) -> None:
    """Give ``values`` the baseline of the game as the model computes it, as in Python.

    The command explains the normalized game ``f - f(∅)``; a constant moves only the empty
    set's value, so adding ``f(∅)`` there (and as ``baseline_value``) gives the values of
    ``f`` itself: ``baseline_value`` means ``v(∅)`` in the JSON as it does in Python.
    """
    if () in values.interactions:
        values.interactions[()] = float(values.interactions[()]) + f_empty
    values.baseline_value = f_empty


def _num(value: float) -> str:
    """A value for the summary: fixed-point unless very large."""
    return f"{value:+.4f}" if abs(value) < 1e5 else f"{value:+.4e}"


def ranked(values: Any) -> list[tuple[tuple[int, ...], float]]:
    """Non-empty interactions, largest ``|value|`` first (ties in player order)."""
    items = [(s, float(v)) for s, v in values.interactions.items() if s]
    return sorted(items, key=lambda kv: (-abs(kv[1]), len(kv[0]), kv[0]))


def title(args: argparse.Namespace, explained: Explained, run: Run) -> str:
    """Plot title: the index, the model output and the prediction."""
    return (
        f"{args.index} (order {run.values.max_order}) of the {explained.output}: "
        f"f(x) = {_num(run.f_x)}, f(∅) = {_num(run.f_empty)}"
    )


def report(args: argparse.Namespace, explained: Explained, run: Run, labels: list[str]) -> None:
    """Print the summary block and the top interactions to stdout."""
    values = run.values
    print(
        f"{args.method} {args.index} (order {values.max_order}) of the {explained.output}, "
        f"budget {args.budget}"
    )
    for note in explained.notes:
        print(f"  {note}")
    print(f"  f(x)          {_num(run.f_x)}   (prediction on the whole input)")
    print(f"  f(∅)          {_num(run.f_empty)}   (every player absent)")
    if args.index in EFFICIENT_INDICES:
        total = run.f_empty + sum(v for s, v in values.interactions.items() if s)
        gap = run.f_x - total
        meets = abs(gap) <= 1e-6 * max(1.0, abs(run.f_x), abs(run.f_empty))
        how = "equals f(x) by efficiency" if meets else f"f(x) - this = {_num(gap)}"
        print(f"  f(∅) + values {_num(total)}   (f(∅) plus the sum of the values; {how})")
    faithfulness = getattr(run.approximator, "faithfulness_", None)
    if faithfulness is not None:
        how = _FAITHFULNESS_METHODS.get(getattr(run.approximator, "faithfulness_method_", None))
        print(f"  faithfulness  R² {faithfulness:.4f} on random masks ({how or 'estimate'})")
    where = f"{run.from_cache} from the cache, " if args.cache is not None else ""
    print(
        f"  queries       {run.queries} spent ({where}{run.queries - run.from_cache} new); "
        f"{run.seconds:.1f} s"
    )
    top = ranked(values)[: args.top]
    print(f"top {len(top)} interactions:" if top else "no interaction is non-zero")
    for players, value in top:
        print(f"  {value:+10.4f}  " + " x ".join(labels[i] for i in players))


def _payload(args: argparse.Namespace, explained: Explained, run: Run, labels: list[str]) -> dict:
    values = run.values
    return {
        "method": args.method,
        "index": args.index,
        "max_order": values.max_order,
        "output": explained.output,
        "f_x": run.f_x,
        "f_empty": run.f_empty,
        "budget_used": run.queries,
        "queries_from_cache": run.from_cache,
        "faithfulness": getattr(run.approximator, "faithfulness_", None),
        "faithfulness_method": getattr(run.approximator, "faithfulness_method_", None),
        "seconds": run.seconds,
        "warnings": run.warnings,
        "baseline_value": float(values.baseline_value),
        "players": explained.names,
        "labels": labels,
        "interactions": [
            {"players": list(s), "names": [explained.names[i] for i in s], "value": v}
            for s, v in ranked(values)
        ],
    }


def write_outputs(
    args: argparse.Namespace, explained: Explained, run: Run, labels: list[str]
) -> None:
    """Write the files asked for: --json, --plot, --bar, --graph, --html, --text-plot."""
    if args.json is not None:
        args.json.write_text(json.dumps(_payload(args, explained, run, labels), indent=1))
    html_path = getattr(args, "html", None)
    if html_path is not None:
        from ..plots import text_html

        page = text_html(
            explained.names,
            run.values,
            separators=explained.separators,
            title=title(args, explained, run),
            n_arcs=args.arcs,
        )
        html_path.write_text(page, encoding="utf-8")
    _write_figures(args, explained, run)


def _write_figures(args: argparse.Namespace, explained: Explained, run: Run) -> None:
    from .. import plots

    heading = title(args, explained, run)
    names = explained.names
    cap = {"max_players": args.max_players, "title": heading, "numbered": explained.numbered}
    makers = {
        "plot": lambda: plots.upset(run.values, names, n_interactions=min(args.top, 20), **cap),
        "bar": lambda: plots.bar(run.values, names, max_display=args.top, **cap),
        "graph": lambda: plots.interaction_graph(run.values, names, **cap),
        "text_plot": lambda: plots.text_figure(
            explained.names, run.values, title=heading, n_arcs=args.arcs
        ),
    }
    for option, make in makers.items():
        path = getattr(args, option, None)
        if path is None:
            continue
        import matplotlib.pyplot as plt

        figure = make()
        try:
            figure.savefig(path, dpi=100, bbox_inches="tight" if option != "text_plot" else None)
        finally:
            plt.close(figure)
