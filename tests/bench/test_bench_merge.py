"""Splicing one method's records from a later run into a suite's results."""

import importlib.util
from pathlib import Path

import pytest

_PATH = Path(__file__).parents[2] / "benchmarks" / "merge.py"
_SPEC = importlib.util.spec_from_file_location("_bench_merge", _PATH)
merge_module = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(merge_module)


def _record(method, seed, r2):
    return {
        "game": "g",
        "instance": f"seed {seed}",
        "budget": 100,
        "seed": seed,
        "method": method,
        "r2": r2,
    }


def _run(records, date):
    return {
        "settings": {"seeds": 2},
        "environment": {"date": date},
        "records": records,
        "warmups": {},
        "wall_s": 1.0,
    }


def test_only_the_named_method_is_replaced_in_place():
    base = _run([_record("a", 0, 0.1), _record("b", 0, 0.2), _record("a", 1, 0.3)], "old")
    patch = _run([_record("a", 1, 0.9), _record("a", 0, 0.8), _record("b", 0, -1.0)], "new")
    merged = merge_module.merge(base, patch, {"a"})
    assert [(r["method"], r["seed"], r["r2"]) for r in merged["records"]] == [
        ("a", 0, 0.8),
        ("b", 0, 0.2),
        ("a", 1, 0.9),
    ]
    assert merged["settings"]["merged"]["methods"] == ["a"]
    assert merged["settings"]["merged"]["from_run"] == {"date": "new"}
    assert "merged" not in base["settings"]  # the input is not modified


def test_a_missing_record_in_the_patch_is_an_error():
    base = _run([_record("a", 0, 0.1), _record("a", 1, 0.3)], "old")
    patch = _run([_record("a", 0, 0.8)], "new")
    with pytest.raises(ValueError, match="no record"):
        merge_module.merge(base, patch, {"a"})
