"""What the default bagging costs: ProxySPEX ``n_bags="auto"`` against ``n_bags=1``.

Run: ``python -m benchmarks.bagging`` (options ``--games vader-40,mlp-digits --budgets
64,128,256,1000,2000 --seeds 1 --also 2,3 --out DIR``; ``--also`` adds fixed fold counts,
timed and scored the same way, as a column each). On each of the ``real`` suite's games: the R² of
both on the suite's 1000 held-out masks, the method's own seconds (the game's time
subtracted) and, at seed 0, the peak traced Python memory of a second, untimed call. Appends
one JSON line per (game, budget, seed) to ``DIR/bagging.jsonl`` and prints a table with the
time and memory ratios. Run it on an otherwise idle machine: the ratios are of sub-second
times, so each is the fastest of ``--repeats`` identical calls (same seed, same result), after
one untimed call that pays the libraries' first-use costs.
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

from shapiq_spex import ProxySPEX
from shapiq_spex.bench.games import get_game
from shapiq_spex.metrics import holdout_masks, holdout_r2

HERE = Path(__file__).parent
_GAMES = (
    "vader-40,vader-120,vader-400,mlp-digits,lgbm-digits,rf-breast_cancer,data-lr-200,data-knn-1000"
)
_VARIANTS = (("auto", "auto"), ("one", 1))


def _timed_call(built: object, bags: object, budget: int, seed: int) -> tuple[ProxySPEX, float]:
    """One call and its own seconds: the game's time is subtracted."""
    game = built.make()
    spent = [0.0]

    def timed(masks: np.ndarray) -> np.ndarray:
        start = time.perf_counter()
        values = game(masks)
        spent[0] += time.perf_counter() - start
        return values

    approximator = ProxySPEX(built.n, max_order=2, index="FBII", random_state=seed, n_bags=bags)
    start = time.perf_counter()
    approximator.approximate(budget, timed)
    return approximator, time.perf_counter() - start - spent[0]


def _traced_peak(built: object, bags: object, budget: int, seed: int) -> float:
    """Peak traced Python memory (MiB) of one call."""
    approximator = ProxySPEX(built.n, max_order=2, index="FBII", random_state=seed, n_bags=bags)
    tracemalloc.start()
    try:
        approximator.approximate(budget, built.make())
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> int:
    """Run the comparison (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bagging")
    parser.add_argument("--games", default=_GAMES)
    parser.add_argument("--budgets", default="64,128,256,1000,2000")
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--also", default="", help="more n_bags values, e.g. 2,3")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    budgets = [int(b) for b in args.budgets.split(",")]
    also = [int(k) for k in args.also.split(",") if k]
    args.out.mkdir(parents=True, exist_ok=True)
    lines = [
        "| game | n | budget | seed | R² auto | R² one | seconds auto / one | ratio "
        "| MiB auto / one |" + "".join(f" R² {k} bags (time ratio) |" for k in also),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|" + "---:|" * len(also),
    ]
    with (args.out / "bagging.jsonl").open("a") as log, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for index, key in enumerate(args.games.split(",")):
            built = get_game(key).build(0)
            if index == 0:
                _timed_call(built, "auto", budgets[0], 0)  # first-use costs (imports, caches)
            masks = holdout_masks(built.n)
            test = (masks, np.asarray(built.target(masks), dtype=float))
            for budget in budgets:
                for seed in range(args.seeds):
                    row = {"game": key, "n": built.n, "budget": budget, "seed": seed}
                    for name, bags in (*_VARIANTS, *((f"bags{k}", k) for k in also)):
                        calls = [
                            _timed_call(built, bags, budget, seed) for _ in range(args.repeats)
                        ]
                        approximator = calls[0][0]
                        seconds = min(s for _, s in calls)
                        row[name] = holdout_r2(approximator.predict, *test)
                        row[f"{name}_s"] = seconds
                        traced = seed == 0 and name in dict(_VARIANTS)  # memory: default vs one
                        row[f"{name}_mb"] = (
                            _traced_peak(built, bags, budget, seed) if traced else None
                        )
                    log.write(json.dumps(row) + "\n")
                    log.flush()
                    mib = (
                        "—"
                        if row["auto_mb"] is None
                        else f"{row['auto_mb']:.0f} / {row['one_mb']:.0f}"
                    )
                    lines.append(
                        f"| {key} | {built.n} | {budget} | {seed} | {row['auto']:.3f} | "
                        f"{row['one']:.3f} | {row['auto_s']:.2f} / {row['one_s']:.2f} | "
                        f"{row['auto_s'] / row['one_s']:.1f}× | {mib} |"
                        + "".join(
                            f" {row[f'bags{k}']:.3f} ({row[f'bags{k}_s'] / row['one_s']:.1f}×) |"
                            for k in also
                        )
                    )
                    print(lines[-1], flush=True)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
