"""The embedded default job: explain a built-in sparse game and a small real model."""

from __future__ import annotations

import time

import numpy as np

from .approximators import SPEX
from .metrics import HOLDOUT_SEED, HOLDOUT_SIZE, faithfulness, relative_l2_error

__all__ = ["run_demo"]

_HELD_OUT = f"{HOLDOUT_SIZE} held-out masks (seed {HOLDOUT_SEED} + n, as in the benchmark)"


def _top(values, k: int = 8) -> list[tuple[tuple[int, ...], float]]:
    items = [(s, v) for s, v in values.interactions.items() if len(s) > 0]
    return sorted(items, key=lambda kv: -abs(kv[1]))[:k]


def _print_top(values, names: list[str] | None = None, k: int = 8) -> None:
    for interaction, value in _top(values, k):
        label = " x ".join(names[i] if names else str(i) for i in interaction)
        print(f"    {value:+9.4f}  {label}")


def run_demo(budget_sparse: int = 4000, budget_model: int = 4000, seed: int = 0) -> dict:
    """Run both demo explanations and print their top interactions and faithfulness.

    Returns:
        The figures printed: R² of each explanation on the held-out uniform masks of
        :func:`~shapiq_spex.metrics.holdout_masks` (the benchmark's), and the relative
        coefficient error on the sparse game.
    """
    from shapiq_games.synthetic import SOUM

    figures: dict[str, float] = {}
    n = 64
    game = SOUM(
        n, n_basis_games=20, min_interaction_size=1, max_interaction_size=4, random_state=seed
    )
    spex = SPEX(n, max_order=2, index="k-SII", random_state=seed)
    start = time.perf_counter()
    values = spex.approximate(budget_sparse, game)
    seconds = time.perf_counter() - start
    figures["soum_r2"] = faithfulness(spex.moebius_, game, n)
    truth = {k: v for k, v in game.moebius_coefficients.interactions.items() if v != 0}
    figures["soum_moebius_rel_error"] = relative_l2_error(truth, spex.moebius_.to_dict())
    print(
        f"1) Sum of 20 unanimity games, n={n}: SPEX with {spex.budget_used_} queries, "
        f"{seconds:.2f} s"
    )
    print("   top 2-SII interactions:")
    _print_top(values)
    print(
        f"   faithfulness R² on {_HELD_OUT}: {figures['soum_r2']:.4f}; "
        f"Möbius coefficient error vs truth: {figures['soum_moebius_rel_error']:.2e}"
    )

    import lightgbm as lgb
    from sklearn.datasets import load_breast_cancer

    from .games import BaselineMaskedModel

    data = load_breast_cancer()
    x, y = data.data, data.target
    model = lgb.LGBMClassifier(n_estimators=200, num_leaves=15, random_state=seed, verbose=-1)
    model.fit(x, y)

    def log_odds(rows: np.ndarray) -> np.ndarray:
        return model.predict(rows, raw_score=True)

    explained = BaselineMaskedModel(log_odds, x[0], x.mean(axis=0))
    names = [str(name) for name in data.feature_names]
    spex = SPEX(x.shape[1], max_order=2, index="FSII", random_state=seed)
    start = time.perf_counter()
    values = spex.approximate(budget_model, explained)
    seconds = time.perf_counter() - start
    figures["model_r2"] = faithfulness(spex.fourier_, explained, x.shape[1])
    print(
        f"\n2) LightGBM on breast_cancer (30 features), log-odds of sample 0, absent features at "
        f"the mean: SPEX with {spex.budget_used_} queries, {seconds:.2f} s"
    )
    print("   top Faith-Shapley (FSII) interactions:")
    _print_top(values, names)
    print(f"   faithfulness R² on {_HELD_OUT}: {figures['model_r2']:.4f}")
    return figures
