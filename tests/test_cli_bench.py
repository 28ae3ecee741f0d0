"""End to end: the CLI writes the JSON, the Markdown table and the PNG plots."""

import json

from shapiq_spex.cli.bench import main


def test_tiny_suite_writes_json_table_and_plots(tmp_path, capsys):
    assert main(["run", "--suite", "tiny", "--out", str(tmp_path), "--quiet"]) == 0
    payload = json.loads((tmp_path / "tiny.json").read_text())
    assert payload["environment"]["versions"]["shapiq"]
    assert {r["status"] for r in payload["records"]} == {"ok"}
    assert len(payload["records"]) == 2 * 2 * 4  # games x budgets x methods
    table = (tmp_path / "tiny.md").read_text()
    assert "## Median R²" in table and "| soum-12 | 12 | 256 |" in table
    for name in ("r2-vs-budget", "overhead-vs-n", "precision-vs-budget"):
        png = tmp_path / f"tiny-{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "wrote" in capsys.readouterr().out


def test_n_a_cells_get_footnotes_with_their_reason(tmp_path):
    argv = ["run", "--suite", "tiny", "--out", str(tmp_path), "--quiet", "--no-plots"]
    argv += ["--games", "soum-12", "--methods", "spex,faith-banzhaf-2", "--memory-cap-gb", "1e-6"]
    assert main(argv) == 0
    table = (tmp_path / "tiny.md").read_text()
    assert "n/a[^1]" in table
    assert "| all | Faith-Banzhaf (FBII-2) | n/a[^1] |" in table  # one row for every budget
    assert "[^1]: memory: needs ~" in table
    assert not list(tmp_path.glob("*.png"))


def test_report_rewrites_table_and_plots_from_the_json(tmp_path):
    argv = ["run", "--suite", "tiny", "--out", str(tmp_path), "--quiet", "--no-plots"]
    assert main([*argv, "--games", "soum-12", "--methods", "spex,banzhaf"]) == 0
    table = (tmp_path / "tiny.md").read_text()
    again = tmp_path / "again"
    assert main(["report", str(tmp_path / "tiny.json"), "--out", str(again)]) == 0
    assert (again / "tiny.md").read_text() == table
    assert (again / "tiny-r2-vs-budget.png").exists()
    assert main(["report", str(tmp_path / "missing.json")]) == 2


def test_unknown_suite_exits_2(tmp_path, capsys):
    assert main(["run", "--suite", "nope", "--out", str(tmp_path)]) == 2
    assert "unknown suite 'nope'" in capsys.readouterr().err


def test_list_names_suites_games_and_methods(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "quick" in out and "soum-64" in out and "shapiq-spex" in out
    # quick: 5 games x 2 budgets x 12 methods, 4 of them excluded everywhere
    assert "120 calls (40 excluded)" in out
    # hpo=True on seed 0 only at 4000 and 16000: 3 games x 2 budgets x seeds 1 and 2 excluded
    assert "108 calls (12 excluded)" in out


def test_report_merges_a_rerun_of_one_method(tmp_path, capsys):
    base, patch = tmp_path / "base", tmp_path / "patch"
    argv = ["run", "--suite", "tiny", "--quiet", "--no-plots", "--games", "soum-12"]
    assert main([*argv, "--out", str(base), "--methods", "spex,banzhaf"]) == 0
    assert main([*argv, "--out", str(patch), "--methods", "banzhaf", "--seeds", "1"]) == 0
    patched = json.loads((patch / "tiny.json").read_text())
    out = tmp_path / "merged"
    merge = ["--merge", str(patch / "tiny.json"), "--methods", "banzhaf", "--no-plots"]
    assert main(["report", str(base / "tiny.json"), "--out", str(out), *merge]) == 0
    merged = json.loads((out / "tiny.json").read_text())
    banzhaf = [r for r in merged["records"] if r["method"] == "banzhaf"]
    assert banzhaf == [r for r in patched["records"] if r["method"] == "banzhaf"]
    assert [r["method"] for r in merged["records"]] == ["spex", "banzhaf"] * 2
    assert merged["settings"]["merged"][0]["methods"] == ["banzhaf"]
    assert "merged in with `python -m benchmarks report --merge`" in (out / "tiny.md").read_text()
    # --merge needs --methods
    assert main(["report", str(base / "tiny.json"), "--merge", str(patch / "tiny.json")]) == 2
    assert "--merge and --methods go together" in capsys.readouterr().err


def test_tiny_report_names_the_holdout_seed(tmp_path):
    argv = ["run", "--suite", "tiny", "--out", str(tmp_path), "--quiet", "--no-plots"]
    assert main([*argv, "--games", "soum-12", "--methods", "spex"]) == 0
    assert "drawn with seed 987654 + n" in (tmp_path / "tiny.md").read_text()


def test_run_prints_the_median_r2_table_of_its_report(tmp_path, capsys):
    # `make demo` promises the quick suite's table on the terminal, not only in the .md file
    argv = ["run", "--suite", "tiny", "--out", str(tmp_path), "--quiet", "--no-plots"]
    assert main([*argv, "--games", "soum-12", "--methods", "spex,banzhaf"]) == 0
    out = capsys.readouterr().out
    assert "Median R² on held-out masks" in out
    printed = {
        tuple(line.split()[:3]): line.split()[3:]
        for line in out.splitlines()
        if line.startswith("soum-12")
    }
    table = (tmp_path / "tiny.md").read_text()
    for budget in ("256", "512"):
        row = next(
            line for line in table.splitlines() if line.startswith(f"| soum-12 | 12 | {budget} |")
        )
        assert printed[("soum-12", "12", budget)] == row.strip("| ").split(" | ")[3:]


def test_resume_takes_over_an_interrupted_or_named_run(tmp_path, capsys):
    argv = ["run", "--suite", "tiny", "--out", str(tmp_path), "--quiet", "--no-plots"]
    argv += ["--games", "soum-12", "--methods", "banzhaf"]
    assert main(argv) == 0
    first = json.loads((tmp_path / "tiny.json").read_text())
    assert not (tmp_path / "tiny.partial.json").exists()  # removed once the run is written
    # without a checkpoint, --resume starts afresh (never from older finished results)
    assert main([*argv, "--resume"]) == 0
    assert "resuming" not in capsys.readouterr().out
    # an interrupted run left its checkpoint: taken over
    (tmp_path / "tiny.partial.json").write_text((tmp_path / "tiny.json").read_text())
    assert main([*argv, "--resume"]) == 0
    assert "resuming from" in capsys.readouterr().out
    again = json.loads((tmp_path / "tiny.json").read_text())
    assert again["settings"]["resumed"][0]["records_taken"] == 2
    assert "- Resumed (`run --resume`): 2 records" in (tmp_path / "tiny.md").read_text()
    # a finished run named explicitly: nothing re-run
    named = tmp_path / "named.json"
    named.write_text(json.dumps(first))
    assert main([*argv, "--resume", str(named)]) == 0
    assert json.loads((tmp_path / "tiny.json").read_text())["records"] == first["records"]
    assert main([*argv, "--resume", str(tmp_path / "missing.json")]) == 2


def test_stopping_reports_a_missing_target_parameter(tmp_path, capsys, monkeypatch):
    from shapiq_spex.bench import stopping

    class NoTarget:
        def __init__(self, n, *, max_order, index, random_state):
            pass

    monkeypatch.setattr(stopping, "_default_class", lambda: NoTarget)
    argv = ["stopping", "--games", "soum-12", "--out", str(tmp_path)]
    assert main(argv) == 2
    assert "no target_faithfulness parameter" in capsys.readouterr().err


class Halting:
    """Spends at most 200 queries when given a target; predicts the mean of what it saw."""

    calls = 0

    def __init__(self, n, *, max_order, index, random_state, target_faithfulness=None):
        self.n, self.target = n, target_faithfulness

    def approximate(self, budget, game):
        import numpy as np

        Halting.calls += 1
        spend = budget if self.target is None else min(budget, 200)
        masks = np.random.default_rng(0).integers(0, 2, size=(spend, self.n)).astype(bool)
        self.mean = float(np.mean(game(masks)))
        self.budget_used_, self.faithfulness_, self.faithfulness_method_ = spend, 0.0, "x"
        self.history_ = [(spend, 0.0)]

    def predict(self, masks):
        return self.mean + 0.0 * masks.sum(axis=1)


def test_stopping_writes_json_and_table_and_resumes(tmp_path, monkeypatch, capsys):
    from shapiq_spex.bench import stopping

    monkeypatch.setattr(stopping, "_default_class", lambda: Halting)
    argv = ["stopping", "--games", "soum-12", "--cap", "512", "--out", str(tmp_path)]
    assert main(argv) == 0
    payload = json.loads((tmp_path / "stopping.json").read_text())
    (row,) = payload["results"]
    assert row["game"] == "soum-12" and row["queries"] == 200 and row["cap"] == 512
    assert set(row["fixed"]) == {"128", "256", "512"}
    assert "| soum-12 | 12 | 0.9 | 512 | 200 |" in (tmp_path / "stopping.md").read_text()
    before = Halting.calls
    assert main([*argv, "--resume"]) == 0
    assert Halting.calls == before  # the game was done: not run again
