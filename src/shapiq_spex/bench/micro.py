"""Micro-benchmarks of single components, outside the suites' (game, method) grid.

* ``cache``: per-query cost of the durable query cache and its hits and misses on a re-run.
  A trivial game (the time inside it is ~0) is evaluated through the evaluator without a
  cache, with a fresh cache (every query a miss: one lookup and one committed write per batch)
  and again with the filled cache (every query a hit). The difference per query against the
  plain evaluation is the cache's overhead.
* ``extraction``: time to read the exact Fourier spectrum of a trained LightGBM model of 1000
  trees of depth 6 on n = 1000 binary features, and its largest error against
  ``booster.predict``.

Each writes ``<name>.json`` (its figures and the :func:`~.harness.environment`) and returns
one-line summaries.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

__all__ = ["MICRO", "cache_overhead", "extraction_timing"]


def _trivial(masks: np.ndarray) -> np.ndarray:
    return masks[:, 0].astype(float)


def _seconds(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def _cache_repeat(masks: np.ndarray, batch_size: int, repeat: int) -> dict:
    from ..evaluation import QueryCache
    from ..evaluation.evaluator import QueryEvaluator

    n = masks.shape[1]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cache.sqlite"
        plain = _seconds(lambda: QueryEvaluator(_trivial, n, batch_size=batch_size)(masks))
        cold_cache = QueryCache(path, "bench", n)
        cold = QueryEvaluator(_trivial, n, batch_size=batch_size, cache=cold_cache)
        t_cold = _seconds(lambda: cold(masks))
        warm_cache = QueryCache(path, "bench", n)
        warm = QueryEvaluator(_trivial, n, batch_size=batch_size, cache=warm_cache)
        t_warm = _seconds(lambda: warm(masks))
    m = len(masks)
    return {
        "repeat": repeat,
        "plain_us": plain / m * 1e6,
        "miss_us": t_cold / m * 1e6,
        "hit_us": t_warm / m * 1e6,
        "first_run": {
            "hits": cold_cache.hits,
            "misses": cold_cache.misses,
            "game_evaluations": cold.n_evaluated,
        },
        "re_run": {
            "hits": warm_cache.hits,
            "misses": warm_cache.misses,
            "game_evaluations": warm.n_evaluated,
        },
    }


def cache_overhead(
    n: int = 1000, m: int = 20_000, batch_size: int = 1024, repeats: int = 3
) -> tuple[dict, list[str]]:
    """Median per-query cost of plain, all-miss and all-hit evaluation over ``repeats`` runs.

    Returns:
        The figures (JSON-ready) and summary lines.
    """
    from ..metrics import uniform_masks

    masks = uniform_masks(n, m, 0)
    rows = [_cache_repeat(masks, batch_size, r) for r in range(repeats)]
    med = {k: float(np.median([row[k] for row in rows])) for k in ("plain_us", "miss_us", "hit_us")}
    figures = {
        "n": n,
        "queries": m,
        "batch_size": batch_size,
        "median_us_per_query": med,
        "overhead_us_per_query": {
            "miss (lookup + committed write)": med["miss_us"] - med["plain_us"],
            "hit (lookup only, no game call)": med["hit_us"] - med["plain_us"],
        },
        "runs": rows,
    }
    lines = [
        f"n={n}, {m} queries, batches of {batch_size}, median of {repeats}:",
        f"  plain evaluation  {med['plain_us']:7.2f} µs/query",
        f"  cache, all misses {med['miss_us']:7.2f} µs/query "
        f"(+{med['miss_us'] - med['plain_us']:.2f})",
        f"  cache, all hits   {med['hit_us']:7.2f} µs/query "
        f"(+{med['hit_us'] - med['plain_us']:.2f})",
        f"  first run: {rows[-1]['first_run']}; re-run: {rows[-1]['re_run']}",
    ]
    return figures, lines


def extraction_timing(n: int = 1000, trees: int = 1000, repeats: int = 3) -> tuple[dict, list[str]]:
    """Spectrum of a trained LightGBM model: ``trees`` trees of depth 6 on ``n`` binary features.

    Returns:
        The figures (JSON-ready) and summary lines.
    """
    import lightgbm

    from ..proxy.extraction import booster_fourier, booster_spectrum

    rng = np.random.default_rng(0)  # training data of the model, drawn as in earlier runs
    x = rng.integers(0, 2, size=(4000, n)).astype(np.float32)
    y = rng.normal(size=4000)
    params = {
        "objective": "regression",
        "max_depth": 6,
        "num_leaves": 64,
        "min_data_in_leaf": 1,
        "min_sum_hessian_in_leaf": 0.0,
        "feature_fraction": 0.3,
        "num_threads": 1,
        "verbose": -1,
        "seed": 0,
    }
    start = time.perf_counter()
    booster = lightgbm.train(params, lightgbm.Dataset(x, y), num_boost_round=trees)
    train_s = time.perf_counter() - start
    spectrum_s = [_seconds(lambda: booster_spectrum(booster, n)) for _ in range(repeats)]
    fourier_s = [_seconds(lambda: booster_fourier(booster, n)) for _ in range(repeats)]
    terms, coefs = booster_spectrum(booster, n)
    masks = rng.integers(0, 2, size=(200, n)).astype(bool)
    predicted = booster.predict(masks.astype(np.float32))
    error = float(np.max(np.abs(booster_fourier(booster, n)(masks) - predicted)))
    leaves = [t["num_leaves"] for t in booster.dump_model()["tree_info"]]
    figures = {
        "trees": booster.num_trees(),
        "mean_leaves": float(np.mean(leaves)),
        "terms": int(coefs.size),
        "width": int(terms.shape[1]),
        "train_s": train_s,
        "spectrum_s": float(np.median(spectrum_s)),
        "sparse_fourier_s": float(np.median(fourier_s)),
        "max_abs_error_vs_predict": error,
    }
    lines = [
        f"{figures['trees']} trees of depth 6 ({figures['mean_leaves']:.0f} leaves on average) "
        f"on n={n}: {figures['spectrum_s']:.2f} s for the spectrum arrays, "
        f"{figures['sparse_fourier_s']:.2f} s as a SparseFourier ({figures['terms']} terms, "
        f"max |error| vs predict {error:.1e}); median of {repeats}"
    ]
    return figures, lines


MICRO: dict[str, Callable[[], tuple[dict, list[str]]]] = {
    "cache": cache_overhead,
    "extraction": extraction_timing,
}
"""Micro-benchmark name -> function returning (figures, summary lines)."""
