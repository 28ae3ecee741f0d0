"""Output links as a user applies them: identity, ``link=``, and ``link=, explain="output"``.

Run: ``python -m benchmarks.links`` (options ``--games mlp-digits:logit,vader-400:vader
--budgets 64,128,256,1000,4000 --seeds 1 --out DIR``). For each ``game:link`` of the ``real``
suite, ProxySPEX at its defaults three ways (the registered methods ``proxyspex``,
``proxyspex-<link>`` and ``proxyspex-<link>-output``); R² on the game's own scale of each
call's predictor on the suite's 1000 held-out masks. Appends one JSON line per call to
``DIR/links.jsonl`` and prints the mean R² per game and budget. The held-out models are
measured by :mod:`benchmarks.heldout` (``--raw`` for the probability models).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from shapiq_spex.bench.methods import get_method

from .heldout import _table, measure_suite_game

HERE = Path(__file__).parent
_GAMES = (
    "mlp-digits:logit,lgbm-digits:logit,data-lr-200:logit,rf-breast_cancer:logit,"
    "vader-40:vader,vader-120:vader,vader-400:vader"
)


def main(argv: list[str] | None = None) -> int:
    """Run the comparison (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.links")
    parser.add_argument("--games", default=_GAMES, help="comma-separated game:link pairs")
    parser.add_argument("--budgets", default="64,128,256,1000,4000")
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    pairs = [pair.split(":") for pair in args.games.split(",")]
    if any(len(pair) != 2 for pair in pairs):
        parser.error(f"--games takes game:link pairs, got {args.games!r}")
    budgets = [int(b) for b in args.budgets.split(",")]
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    with (args.out / "links.jsonl").open("a") as log:
        for key, link in pairs:
            methods = ["proxyspex", f"proxyspex-{link}", f"proxyspex-{link}-output"]
            for method in methods:
                get_method(method)  # an unknown link fails before the game is built
            rows += measure_suite_game(log, "links", key, (budgets, args.seeds, methods))
    print(_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
