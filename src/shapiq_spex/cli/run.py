"""Run one ``shapiq-spex explain``: the approximation with a progress bar, then the report.

The report is a summary block (f(x), f(∅), queries spent and from where, faithfulness, time,
the rounds of ``--target-r2``), the top interactions labelled ``name#position`` (with
``± 1.645·SE`` when the approximator gives standard errors, ``uncertainty_``), and the files
asked for (JSON, plots with whiskers, the highlighted-text view).
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

from .._indices import EFFICIENT_INDICES, check_max_order
from .inputs import Explained
from .options import UsageError

__all__ = ["Run", "check_target", "explain", "report", "write_outputs"]


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
    uncertainty: Any = None  # standard errors on the interactions of values (or None)
    history: list[tuple[int, float]] | None = None  # (queries, score) per round


_FAITHFULNESS_METHODS = {
    "holdout": "held out, never queried by the method",
    "exact": "every coalition was queried",
    "validation": "the method's validation split",
    "cross-validation": "leave-one-out on the method's uniform masks",
}


def order_for(args: argparse.Namespace, n: int) -> int:
    """``--order``, or its default: 2 (1 for one player and for the order-one indices).

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


def _approximator_class(args: argparse.Namespace) -> Any:
    from .. import approximators

    return approximators.SPEX if args.method == "spex" else approximators.ProxySPEX


def check_target(args: argparse.Namespace) -> None:
    """``--target-r2`` needs an approximator that takes ``target_faithfulness``."""
    if getattr(args, "target_r2", None) is None:
        return
    cls = _approximator_class(args)
    if "target_faithfulness" not in inspect.signature(cls).parameters:
        raise UsageError(
            f"--target-r2 needs an approximator with target_faithfulness; {cls.__name__} of "
            "this version has none"
        )


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
    if getattr(args, "target_r2", None) is not None:
        check_target(args)
        common["target_faithfulness"] = args.target_r2  # --budget is the cap
    return _approximator_class(args)(n, **common)


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


def _ends(game: Any, approximator: Any) -> tuple[float, float]:
    """``f(x)`` and ``f(∅)``, as the approximator queried them (no model call of its own).

    Every call of the approximators queries the full and the empty coalition within the
    budget (``full_value_``, ``empty_value_``, of the normalized game); the offset is the
    ``f(∅)`` the game subtracted.
    """
    full = getattr(approximator, "full_value_", None)
    empty = getattr(approximator, "empty_value_", None)
    if full is None or empty is None:
        raise RuntimeError(
            f"{type(approximator).__name__} recorded no full_value_ and empty_value_; the "
            "command reads f(x) and f(∅) from them"
        )
    offset = float(getattr(game, "normalization_value", 0.0))
    return float(full) + offset, float(empty) + offset


def explain(args: argparse.Namespace, explained: Explained, cache: Any) -> Run:
    """Spend the budget on the game (progress on stderr); f(x) and f(∅) are among its queries."""
    from .progress import Progress

    n = explained.game.n_players
    approximator = _approximator(args, n, cache)
    hits = cache.hits if cache is not None else 0
    start = time.perf_counter()
    # The approximators' advice (a saturated score, a poor fit) is shown as one line each
    with (
        Progress(args.budget, desc="new queries", unit="q", quiet=args.quiet) as progress,
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always", UserWarning)
        values = approximator.approximate(args.budget, progress.counting(explained.game))
    seconds = time.perf_counter() - start
    advice = list(dict.fromkeys(str(w.message) for w in caught if w.category is UserWarning))
    for w in caught:
        if w.category is not UserWarning:  # others as Python would show them
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    for message in advice:
        print(f"shapiq-spex: warning: {' '.join(message.split())}", file=sys.stderr)
    from_cache = cache.hits - hits if cache is not None else 0
    f_x, f_empty = _ends(explained.game, approximator)
    _restore_offset(values, f_empty)
    uncertainty = _standard_errors(values, approximator, advice)
    history = getattr(approximator, "history_", None)
    return Run(
        values,
        approximator,
        f_x,
        f_empty,
        approximator.budget_used_,
        from_cache,
        seconds,
        advice,
        uncertainty,
        None if history is None else [(int(q), float(r)) for q, r in history],
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


def _standard_errors(values: Any, approximator: Any, advice: list[str]) -> Any:
    """The approximator's ``uncertainty_`` if it fits ``values``; else None and a warning."""
    uncertainty = getattr(approximator, "uncertainty_", None)
    if uncertainty is None:
        return None
    from ..plots._uncertainty import check_uncertainty

    try:
        return check_uncertainty(values, uncertainty)
    except (TypeError, ValueError) as exc:  # the paid queries are kept: report without them
        message = f"the standard errors are left out: {exc}"
        print(f"shapiq-spex: warning: {message}", file=sys.stderr)
        advice.append(message)
        return None


def _finite_or_none(value: float) -> float | None:
    """JSON has no NaN or infinity."""
    value = float(value)
    return value if math.isfinite(value) else None


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
    target = getattr(args, "target_r2", None)
    budget = f"budget {args.budget}" if target is None else f"budget cap {args.budget}"
    goal = "" if target is None else f", target R² {target:g}"
    what = f"{args.method} {args.index} (order {values.max_order}) of the {explained.output}"
    print(f"{what}, {budget}{goal}")
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
    if target is not None and run.history:
        print(f"  rounds        {_rounds(run.history, target)}")
    top = ranked(values)[: args.top]
    if not top:
        print("no interaction is non-zero")
        return
    if run.uncertainty is None:
        print(f"top {len(top)} interactions:")
        for players, value in top:
            print(f"  {value:+10.4f}  " + " x ".join(labels[i] for i in players))
        return
    from ..plots import DEFAULT_Z

    print(f"top {len(top)} interactions (value ± {DEFAULT_Z:g}·SE, a 90 % interval):")
    for players, value in top:
        half = DEFAULT_Z * float(run.uncertainty[players])
        print(f"  {value:+10.4f} ± {half:.4f}  " + " x ".join(labels[i] for i in players))


def _rounds(history: list[tuple[int, float]], target: float) -> str:
    """One line on the rounds of ``--target-r2``: the score after each, and whether it got there."""
    steps = ", ".join(f"{q} q: {r:.3f}" for q, r in history)
    reached = next((q for q, r in history if r >= target), None)
    verdict = (
        f"target reached after {reached} queries"
        if reached is not None
        else "target not reached within the cap"
    )
    return f"R² after {steps}; {verdict}"


def _payload(args: argparse.Namespace, explained: Explained, run: Run, labels: list[str]) -> dict:
    values = run.values
    errors = run.uncertainty
    return {
        "method": args.method,
        "index": args.index,
        "max_order": values.max_order,
        "output": explained.output,
        "f_x": run.f_x,
        "f_empty": run.f_empty,
        "budget": args.budget,
        "budget_used": run.queries,
        "target_r2": getattr(args, "target_r2", None),
        "history": None
        if run.history is None
        else [{"queries": q, "score": _finite_or_none(r)} for q, r in run.history],
        "queries_from_cache": run.from_cache,
        "faithfulness": getattr(run.approximator, "faithfulness_", None),
        "faithfulness_method": getattr(run.approximator, "faithfulness_method_", None),
        "seconds": run.seconds,
        "warnings": run.warnings,
        "baseline_value": float(values.baseline_value),
        "players": explained.names,
        "labels": labels,
        "interactions": [
            {
                "players": list(s),
                "names": [explained.names[i] for i in s],
                "value": v,
                # the approximator's standard error of this value (null: it gives none)
                "standard_error": None if errors is None else float(errors[s]),
            }
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
        "bar": lambda: plots.bar(
            run.values, names, max_display=args.top, uncertainty=run.uncertainty, **cap
        ),
        "graph": lambda: plots.interaction_graph(
            run.values, names, uncertainty=run.uncertainty, **cap
        ),
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
