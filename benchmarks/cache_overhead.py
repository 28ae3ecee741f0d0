"""Per-query cost of the durable query cache, and its hits and misses on a re-run.

Run: ``python -m benchmarks.cache_overhead``. A trivial game (the time inside it is ~0) is
evaluated through the evaluator without a cache, with a fresh cache (every query a miss: one
lookup and one committed write per batch) and again with the filled cache (every query a hit).
The difference per query against the plain evaluation is the cache's overhead.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import numpy as np

from shapiq_spex.evaluation import QueryCache, QueryEvaluator

from ._harness import RESULTS, environment


def _trivial(masks: np.ndarray) -> np.ndarray:
    return masks[:, 0].astype(float)


def _timed(evaluator: QueryEvaluator, masks: np.ndarray) -> float:
    start = time.perf_counter()
    evaluator(masks)
    return time.perf_counter() - start


def main(n: int = 1000, m: int = 20_000, batch_size: int = 1024, repeats: int = 3) -> dict:
    masks = np.random.default_rng(0).integers(0, 2, size=(m, n)).astype(bool)
    rows = []
    for r in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "cache.sqlite"
            plain = _timed(QueryEvaluator(_trivial, n, batch_size=batch_size), masks)
            cold_cache = QueryCache(path, "bench", n)
            cold = QueryEvaluator(_trivial, n, batch_size=batch_size, cache=cold_cache)
            t_cold = _timed(cold, masks)
            warm_cache = QueryCache(path, "bench", n)
            warm = QueryEvaluator(_trivial, n, batch_size=batch_size, cache=warm_cache)
            t_warm = _timed(warm, masks)
            rows.append(
                {
                    "repeat": r,
                    "plain_us": plain / m * 1e6,
                    "miss_us": t_cold / m * 1e6,
                    "hit_us": t_warm / m * 1e6,
                    "first_run": {"hits": cold_cache.hits, "misses": cold_cache.misses,
                                  "game_evaluations": cold.n_evaluated},
                    "re_run": {"hits": warm_cache.hits, "misses": warm_cache.misses,
                               "game_evaluations": warm.n_evaluated},
                }
            )  # fmt: skip
    med = {k: float(np.median([row[k] for row in rows])) for k in ("plain_us", "miss_us", "hit_us")}
    summary = {
        "n": n,
        "queries": m,
        "batch_size": batch_size,
        "median_us_per_query": med,
        "overhead_us_per_query": {
            "miss (lookup + committed write)": med["miss_us"] - med["plain_us"],
            "hit (lookup only, no game call)": med["hit_us"] - med["plain_us"],
        },
        "runs": rows,
        "environment": environment(),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cache_overhead.json").write_text(json.dumps(summary, indent=1))
    print(f"n={n}, {m} queries, batches of {batch_size}, median of {repeats}:")
    print(f"  plain evaluation  {med['plain_us']:7.2f} µs/query")
    print(
        f"  cache, all misses {med['miss_us']:7.2f} µs/query "
        f"(+{med['miss_us'] - med['plain_us']:.2f})"
    )
    print(
        f"  cache, all hits   {med['hit_us']:7.2f} µs/query "
        f"(+{med['hit_us'] - med['plain_us']:.2f})"
    )
    print(f"  first run: {rows[-1]['first_run']}; re-run: {rows[-1]['re_run']}")
    return summary


if __name__ == "__main__":
    main()
