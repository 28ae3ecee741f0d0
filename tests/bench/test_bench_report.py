"""Report pieces on hand-made records: head-to-head pairing, merging runs, the header."""

import pytest

from shapiq_spex.bench._format import Notes
from shapiq_spex.bench.compare import head_to_head
from shapiq_spex.bench.report import markdown, merge_runs
from shapiq_spex.bench.runner import Record, RunResult


def record(method, seed, r2, overhead, *, budget=100, status="ok", reason="", ours=None):
    return Record(
        game="g",
        family="g",
        title="Game g",
        instance=f"seed {seed}",
        n=8,
        budget=budget,
        seed=seed,
        method=method,
        label={"a": "Ours", "b": "Theirs"}.get(method, method),
        ours=method == "a" if ours is None else ours,
        index="FBII",
        order=2,
        status=status,
        reason=reason,
        queries=budget if status == "ok" else None,
        r2=r2 if status == "ok" else None,
        overhead_s=overhead if status == "ok" else None,
        game_s=0.0 if status == "ok" else None,
    )


def run(records, date="old", **settings):
    return RunResult(
        suite="s",
        description="a suite",
        settings={"methods": ["a", "b"], "method_configs": {"a": "A", "b": "B"}, **settings},
        environment={
            "date": date,
            "python": "3.12",
            "machine": "x86_64",
            "cpus": 2,
            "versions": {"x": "1"},
        },
        records=records,
        wall_s=1.0,
    )


def test_head_to_head_compares_on_the_seeds_both_ran():
    records = [
        record("a", 0, 0.9, 1.0),
        record("a", 1, 0.1, 9.0),  # the baseline did not run seed 1: not in the pair
        record("a", 2, 0.7, 3.0),
        record("b", 0, 0.5, 10.0),
        record("b", 1, 0.0, 0.0, status="n/a", reason="too slow"),
        record("b", 2, 0.8, 50.0),
    ]
    lines = head_to_head(records, "a", "b", ["g"], Notes())
    (row,) = [line for line in lines if line.startswith("| g |")]
    cells = [c.strip() for c in row.strip("|").split("|")]
    # seeds 0 and 2: ours R² median 0.8 (0.7-0.9), theirs 0.65 (0.5-0.8); overheads 2 vs 30
    assert cells[3:] == [
        "2",
        "0.800 (0.700–0.900)",
        "0.650 (0.500–0.800)",
        "100",
        "100",
        "2",
        "30",
        "15×",
    ]
    assert lines[-1] == (
        "Ours has the higher or equal median R² in 1 of 1 rows. Summed over the paired "
        "calls, the overhead is 4 s for Ours and 60 s for Theirs (15×)."
    )


def test_head_to_head_shows_ours_alone_with_the_reason_of_the_baseline():
    notes = Notes()
    records = [
        record("a", 0, 0.9, 1.0, budget=200),
        record("b", 0, 0, 0, budget=200, status="n/a", reason="memory"),
    ]
    lines = head_to_head(records, "a", "b", ["g"], notes)
    assert "| g | 8 | 200 | 1 (ours only) | 0.900 | n/a[^1] |" in lines[2]
    assert notes.lines() == ["[^1]: memory"]
    assert len(lines) == 3  # no summary without a paired row


def test_merge_replaces_the_named_method_in_place_and_appends_new_records():
    base = run([record("a", 0, 0.1, 1.0), record("b", 0, 0.2, 1.0), record("a", 1, 0.3, 1.0)])
    patch = run(
        [record("a", 1, 0.9, 1.0), record("a", 0, 0.8, 1.0), record("b", 0, -1.0, 1.0)],
        date="new",
    )
    merged = merge_runs(base, patch, ["a"])
    assert [(r.method, r.seed, r.r2) for r in merged.records] == [
        ("a", 0, 0.8),
        ("b", 0, 0.2),
        ("a", 1, 0.9),
    ]
    assert merged.settings["merged"][0]["methods"] == ["a"]
    assert merged.settings["merged"][0]["from_run"]["date"] == "new"
    assert "merged" not in base.settings and base.records[0].r2 == 0.1  # inputs unchanged
    # a method the base did not run is appended, with its configuration
    extra = run([record("c", 0, 0.5, 2.0)], date="newer", method_configs={"c": "C"})
    again = merge_runs(merged, extra, ["c"])
    assert [r.method for r in again.records] == ["a", "b", "a", "c"]
    assert again.settings["methods"] == ["a", "b", "c"]
    assert again.settings["method_configs"]["c"] == "C"
    assert [m["from_run"]["date"] for m in again.settings["merged"]] == ["new", "newer"]
    assert "from another run (newer" in markdown(again)
    # a note kept with a merge (e.g. which budgets it covers) is printed after it
    again.settings["merged"][-1]["note"] = "Only budgets up to 2048."
    assert "every other record is from the run above. Only budgets up to 2048." in markdown(again)


def test_merge_refuses_a_patch_that_lacks_records():
    base = run([record("a", 0, 0.1, 1.0), record("a", 1, 0.3, 1.0)])
    with pytest.raises(ValueError, match="no record for"):
        merge_runs(base, run([record("a", 0, 0.8, 1.0)]), ["a"])
    with pytest.raises(ValueError, match="no record of the methods"):
        merge_runs(base, run([record("b", 0, 0.8, 1.0)]), ["a"])


def test_report_names_the_holdout_seed_and_the_reference_method():
    result = run(
        [record("a", 0, 0.9, 2.0), record("b", 0, 0.5, 10.0)],
        reference="a",
        head_to_head=[["a", "b"]],
        holdout={"size": 1000, "seed": "987654 + n"},
    )
    text = markdown(result)
    assert "1000 held-out uniform masks drawn with seed 987654 + n" in text
    assert "| × Ours |" in text  # the ratio column divides by the reference
    assert "| 100 | Theirs | 0.500 | — | 100 | 10 | 5× |" in text
    assert "## Head to head: Ours and Theirs" in text
    assert "No caps: every call ran to its end." in text
