"""Micro-benchmarks: the cache's hits and misses, the exactness of the extracted spectrum."""

import pytest

from shapiq_spex.bench.micro import cache_overhead, extraction_timing


def test_cache_overhead_counts_misses_then_hits():
    figures, lines = cache_overhead(n=16, m=300, batch_size=100, repeats=1)
    (row,) = figures["runs"]
    assert row["first_run"] == {"hits": 0, "misses": 300, "game_evaluations": 300}
    assert row["re_run"] == {"hits": 300, "misses": 0, "game_evaluations": 0}
    overhead = figures["overhead_us_per_query"]["miss (lookup + committed write)"]
    assert overhead == pytest.approx(row["miss_us"] - row["plain_us"])
    assert "median of 1" in lines[0]


def test_extraction_equals_the_booster_on_random_masks():
    figures, _ = extraction_timing(n=20, trees=30, repeats=1)
    assert figures["trees"] == 30 and figures["width"] <= 6
    assert figures["max_abs_error_vs_predict"] < 1e-9
