"""Held-out models: R² of each method on models that no test, suite or setting of the project uses.

Run: ``python -m benchmarks.heldout`` (options ``--methods proxyspex,contextcite-lasso
--budgets 64,128,256,1000 --seeds 3 --tag now --out DIR``; ``--raw`` makes the tabular games
report the model's raw output, e.g. a probability for ``proxyspex-logit``). Appends one JSON
line per call to ``DIR/heldout.jsonl`` (tag, model, n, budget, seed, R², the method's own
score, seconds), so a run cut short keeps every finished call, and prints the mean R² per
model and budget. Run it again with another checkout on ``PYTHONPATH`` and another ``--tag``
to compare versions.

The models use scikit-learn's bundled data only (no download): VADER on the three reviews of
the benchmark data the ``real`` suite does not explain; an MLP, a random forest, gradient
boosting and LightGBM with the features outside the coalition at their training mean; data
attribution with four learners retrained per coalition. R² is on 1000 uniform masks
(:func:`shapiq_spex.metrics.holdout_masks`), never queried by a method.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris, load_wine
from sklearn.ensemble import GradientBoostingClassifier, RandomForestRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from shapiq_spex.bench.games import get_game
from shapiq_spex.bench.methods import get_method
from shapiq_spex.bench.real_games import real_texts
from shapiq_spex.games import BaselineMaskedModel, DataAttributionGame, MaskedTextGame, VaderScorer
from shapiq_spex.metrics import holdout_masks, holdout_r2

HERE = Path(__file__).parent
_HELD_REVIEWS = ("vacuum", "headset", "espresso")  # the suite explains the other three
_TRAIN_FROM = 20  # tabular models train on rows 20 onwards and explain a row below it


def _tabular(
    loader: Callable, model: object, row: int, proba: bool, raw: bool = False
) -> BaselineMaskedModel:
    x, y = loader(return_X_y=True)
    x = StandardScaler().fit_transform(x)
    model.fit(x[_TRAIN_FROM:], y[_TRAIN_FROM:])
    predict = (lambda a: model.predict_proba(a)[:, 1]) if proba else model.predict
    mean = x[_TRAIN_FROM:].mean(axis=0)
    return BaselineMaskedModel(predict, x[row], mean, normalize=not raw)


def _attribution(
    loader: Callable, size: int, model: object, positive: int | None = None, **kwargs: object
) -> DataAttributionGame:
    x, y = loader(return_X_y=True)
    x = StandardScaler().fit_transform(x)
    order = np.random.default_rng(5).permutation(len(y))
    if positive is not None:
        y = (y == positive).astype(int)
    train, test = order[:size], order[size : size + 5]
    return DataAttributionGame(x[train], y[train], x[test], model=model, **kwargs)


def _nearest_neighbours() -> DataAttributionGame:
    """A 5-NN vote on 300 breast-cancer rows, explained on the 5 rows nearest the boundary."""
    x, y = load_breast_cancer(return_X_y=True)
    x = StandardScaler().fit_transform(x)
    order = np.random.default_rng(6).permutation(len(y))
    train, rest = order[:300], order[300:]
    p = LogisticRegression(max_iter=500).fit(x[train], y[train]).predict_proba(x[rest])[:, 1]
    hard = rest[np.argsort(np.abs(p - 0.5))[:5]]
    return DataAttributionGame(
        x[train], y[train], x[hard], model=KNeighborsClassifier(5), min_size=5
    )


def _lightgbm_classifier() -> object:
    import lightgbm

    return lightgbm.LGBMClassifier(n_estimators=100, verbose=-1)


def models(raw: bool = False) -> dict[str, Callable[[], object]]:
    """The held-out models, each built on demand.

    With ``raw``, the tabular models' games report the model's own output (a probability for
    the classifiers) instead of its change from ``v(∅)``: what an output link needs.
    """
    texts = {r["id"]: r["text"] for r in real_texts()["reviews"]}
    built: dict[str, Callable[[], object]] = {
        f"vader-{name}": (lambda name=name: MaskedTextGame(texts[name], VaderScorer()))
        for name in _HELD_REVIEWS
    }
    mlp = lambda hidden, seed: MLPClassifier(hidden, max_iter=800, random_state=seed)  # noqa: E731
    built |= {
        "mlp-bc": lambda: _tabular(load_breast_cancer, mlp((32, 16), 1), 3, True, raw),
        "mlp-digits-b": lambda: _tabular(load_digits, mlp((48,), 2), 7, True, raw),
        "rf-diabetes": lambda: _tabular(
            load_diabetes, RandomForestRegressor(200, random_state=0), 5, False, raw
        ),
        "gb-wine": lambda: _tabular(
            load_wine, GradientBoostingClassifier(random_state=0), 4, True, raw
        ),
        "lgbm-bc": lambda: _tabular(load_breast_cancer, _lightgbm_classifier(), 9, True, raw),
        "data-lr-wine-150": lambda: _attribution(
            load_wine, 150, LogisticRegression(max_iter=500), positive=0
        ),
        "data-ridge-diabetes-150": lambda: _attribution(
            load_diabetes, 150, Ridge(1.0), output="prediction"
        ),
        "data-knn-bc-300": _nearest_neighbours,
        "data-tree-iris-120": lambda: _attribution(
            load_iris, 120, DecisionTreeClassifier(max_depth=3, random_state=0), positive=2
        ),
    }
    return built


def _call(
    method: str, game: object, n: int, budget: int, seed: int, test: tuple[np.ndarray, np.ndarray]
) -> dict:
    """One method call: its R² on the held-out ``(masks, values)``, and its own score."""
    spec = get_method(method)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        output = spec.run(game, n, budget, seed)
    return {
        # The predictor is on the game's scale (a link's inverse is already applied).
        "r2": holdout_r2(output.predictor, *test),
        "reported": output.diagnostics.get("faithfulness"),
        "seconds": time.perf_counter() - start,
    }


def measure(
    log: TextIO,
    tag: str,
    name: str,
    make: Callable[[], object],
    test: tuple[np.ndarray, np.ndarray],
    grid: tuple[list[int], int, list[str]],
) -> list[dict]:
    """Every ``(budget, seed, method)`` of ``grid`` on one model, a JSON line each in ``log``.

    ``make`` returns the game of a call; ``test`` holds the held-out masks and their values.
    """
    budgets, seeds, methods = grid
    n = test[0].shape[1]
    rows = []
    for budget in budgets:
        for seed in range(seeds):
            for method in methods:
                row = {"tag": tag, "model": name, "n": n, "budget": budget}
                row |= {"seed": seed, "method": method}
                row |= _call(method, make(), n, budget, seed, test)
                log.write(json.dumps(row) + "\n")
                log.flush()
                rows.append(row)
                print(f"{name} n={n} B={budget} seed={seed} {method}: R2={row['r2']:.3f}")
    return rows


def model_and_test(
    name: str, raw: bool = False
) -> tuple[Callable[[], object], tuple[np.ndarray, np.ndarray]]:
    """``(make, (masks, values))``: a held-out model of :func:`models` or a ``real`` suite game.

    ``make`` returns the game of a call; the test masks are the 1000 held-out uniform masks
    and their values (for a suite game, of its target: the suite's own masks).
    """
    held = models(raw)
    if name in held:
        game = held[name]()
        masks = holdout_masks(game.n_players)
        return (lambda: game), (masks, np.asarray(game(masks), dtype=float))
    built = get_game(name).build(0)
    masks = holdout_masks(built.n)
    return built.make, (masks, np.asarray(built.target(masks), dtype=float))


def measure_suite_game(
    log: TextIO, tag: str, key: str, grid: tuple[list[int], int, list[str]]
) -> list[dict]:
    """:func:`measure` on the ``real`` suite's game ``key``, scored on the suite's own masks."""
    make, test = model_and_test(key)
    return measure(log, tag, key, make, test, grid)


def _table(rows: list[dict]) -> str:
    """Mean R² per model and budget, one column per (tag, method)."""
    means: dict[tuple, list[float]] = defaultdict(list)
    for r in rows:
        means[(r["model"], r["n"], r["budget"], f"{r['tag']}:{r['method']}")].append(r["r2"])
    columns = list(dict.fromkeys(f"{r['tag']}:{r['method']}" for r in rows))
    cells = list(dict.fromkeys((r["model"], r["n"], r["budget"]) for r in rows))
    lines = [
        "| model | n | budget | " + " | ".join(columns) + " |",
        "|---|---:|---:|" + "---:|" * len(columns),
    ]
    for model, n, budget in cells:
        values = [means.get((model, n, budget, c)) for c in columns]
        text = ["—" if v is None else f"{np.mean(v):.3f}" for v in values]
        lines.append(f"| {model} | {n} | {budget} | " + " | ".join(text) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the held-out comparison (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.heldout")
    parser.add_argument("--methods", default="proxyspex,contextcite-lasso")
    parser.add_argument("--budgets", default="64,128,256,1000")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--models", default=None, help="comma-separated subset")
    parser.add_argument("--tag", default="now", help="names this checkout in the table")
    parser.add_argument(
        "--raw", action="store_true", help="tabular games report the raw output (for links)"
    )
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    methods = args.methods.split(",")
    for method in methods:
        get_method(method)  # unknown keys fail before any model is trained
    budgets = [int(b) for b in args.budgets.split(",")]
    available = models(args.raw)
    chosen = args.models.split(",") if args.models else list(available)
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        parser.error(f"unknown models {unknown}; choose from {sorted(available)}")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "heldout.jsonl"
    rows = []
    with path.open("a") as log:
        for name in chosen:
            make, test = model_and_test(name, args.raw)  # test values once per model
            rows += measure(log, args.tag, name, make, test, (budgets, args.seeds, methods))
    print(_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
