"""The ``real`` suite's games over several seeds: is a one-seed difference of the suite real?

Run: ``python -m benchmarks.seeds`` (options ``--games vader-40,data-lr-200 --methods
proxyspex,contextcite-lasso --budgets 64,128,256 --seeds 5 --out DIR``). The suite runs one
seed per game, and at 64 queries one seed moves R² by several hundredths. This runs the named
methods on the suite's games (its own held-out masks) with seeds ``0 .. seeds-1``, appends
one JSON line per call to ``DIR/seeds.jsonl`` and prints the mean R² per game and budget.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from shapiq_spex.bench.games import get_game
from shapiq_spex.bench.methods import get_method

from .heldout import _table, measure_suite_game

HERE = Path(__file__).parent
_GAMES = "vader-40,vader-120,vader-400,mlp-digits,lgbm-digits,rf-breast_cancer,data-lr-200"
_METHODS = "proxyspex,contextcite-lasso,shapiq-proxyspex-nohpo,kernelshap"


def main(argv: list[str] | None = None) -> int:
    """Run the comparison (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.seeds")
    parser.add_argument("--games", default=_GAMES)
    parser.add_argument("--methods", default=_METHODS)
    parser.add_argument("--budgets", default="64,128,256")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    methods = args.methods.split(",")
    for method in methods:
        get_method(method)  # unknown keys fail before any game is built
    games = args.games.split(",")
    for key in games:
        get_game(key)  # unknown keys fail here too
    grid = ([int(b) for b in args.budgets.split(",")], args.seeds, methods)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    with (args.out / "seeds.jsonl").open("a") as log, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for key in games:
            rows += measure_suite_game(log, "seeds", key, grid)
    print(_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
