"""Where ProxySPEX's low-budget R² goes: its candidates' own quality against its choice.

Run: ``python -m benchmarks.candidates`` (options ``--models vader-40,mlp-digits-b --budgets
64,128 --seeds 4 --baselines shapiq-proxyspex-nohpo,contextcite-lasso --out DIR``). ProxySPEX
chooses between a first-order Lasso, shallow trees, its tree pipeline and a blend by
cross-fitting the paid queries. For every call this measures, on held-out masks, the R² of
the function it returns at the defaults and of the function each candidate family would have
returned, so a shortfall splits into *choice* (the best family of that seed against the
chosen one) and *candidates* (the best family against the baselines). Models are the ``real``
suite's games (scored on its masks) or the held-out models of :mod:`benchmarks.heldout`.
Appends one JSON line per call to ``DIR/candidates.jsonl`` and prints mean R² per model and budget.

A family is forced by replacing ``crossfit._best`` for the call: the quantity measured is the
choice itself, so the benchmark reaches into it rather than adding a public switch.
"""

from __future__ import annotations

import argparse
import json
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

import shapiq_spex.proxy.crossfit as crossfit
from shapiq_spex.bench.methods import get_method

from .heldout import _call, model_and_test

HERE = Path(__file__).parent
_FAMILIES = crossfit._FAMILIES  # simplest first, as the choice ranks them
_MODELS = "vader-40,data-lr-200,mlp-digits,vader-headset,mlp-digits-b,lgbm-bc"


@contextmanager
def _forced(family: str | None, scores: list[dict]) -> Iterator[None]:
    """Calls inside return ``family`` (when fitted) and log every candidate's scores."""
    original = crossfit._best

    def best(candidates: dict, key: str, *context: object) -> str:
        if key == "score":
            scores.append({name: c.score for name, c in candidates.items()})
        if family is not None and family in candidates:
            return family
        return original(candidates, key, *context)

    crossfit._best = best
    try:
        yield
    finally:
        crossfit._best = original


def _row(name: str, make: Callable, test: tuple, budget: int, seed: int, baselines: list) -> dict:
    n = test[0].shape[1]
    row: dict = {"model": name, "n": n, "budget": budget, "seed": seed}
    for family in (None, *_FAMILIES):
        scores: list[dict] = []
        with _forced(family, scores):
            result = _call("proxyspex", make(), n, budget, seed, test)
        row[family or "chosen"] = result["r2"]
        if family is None:
            row["reported"] = result["reported"]
            row["cross-fitted"] = scores[0] if scores else {}
    for method in baselines:
        row[method] = _call(method, make(), n, budget, seed, test)["r2"]
    return row


def _table(rows: list[dict], baselines: list[str]) -> str:
    """Mean R² per model and budget; ``best family`` takes the best family of each seed."""
    cells: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        cells[(r["model"], r["n"], r["budget"])].append(r)
    columns = ["chosen", *_FAMILIES, "best family", *baselines]
    lines = [
        "| model | n | budget | seeds | " + " | ".join(columns) + " |",
        "|---|---:|---:|---:|" + "---:|" * len(columns),
    ]
    for (model, n, budget), group in cells.items():
        means = []
        for column in columns:
            if column == "best family":
                values = [max(r[f] for f in _FAMILIES) for r in group]
            else:
                values = [r[column] for r in group]
            means.append(f"{np.mean(values):.3f}")
        lines.append(f"| {model} | {n} | {budget} | {len(group)} | " + " | ".join(means) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the measurement (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.candidates")
    parser.add_argument("--models", default=_MODELS)
    parser.add_argument("--budgets", default="64,128")
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--baselines", default="shapiq-proxyspex-nohpo,contextcite-lasso")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    baselines = [b for b in args.baselines.split(",") if b]
    for method in baselines:
        get_method(method)  # unknown keys fail before any model is trained
    budgets = [int(b) for b in args.budgets.split(",")]
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    with (args.out / "candidates.jsonl").open("a") as log, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in args.models.split(","):
            make, test = model_and_test(name)
            for budget in budgets:
                for seed in range(args.seeds):
                    row = _row(name, make, test, budget, seed, baselines)
                    log.write(json.dumps(row) + "\n")
                    log.flush()
                    rows.append(row)
                    print(f"{name} B={budget} seed={seed}: chosen R2={row['chosen']:.3f}")
    print(_table(rows, baselines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
