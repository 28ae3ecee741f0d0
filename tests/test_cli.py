"""The console command: outputs agree with the library, bad input exits 2 in one line."""

import contextlib
import inspect
import io
import json
import os
import tempfile
from importlib.metadata import version
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest

from shapiq_spex import SPEX, ProxySPEX
from shapiq_spex.cli import main, progress
from shapiq_spex.cli import run as cli_run
from shapiq_spex.cli.commands import DEFAULT_INDEX, build_parser
from shapiq_spex.cli.inputs import text_game
from shapiq_spex.evaluation import QueryCache
from shapiq_spex.games import BaselineMaskedModel
from shapiq_spex.games.language import MaskedTextGame, VaderScorer

TEXT = "The food was not good, but the service was absolutely wonderful."


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_exit(capsys, argv, code=2):
    """Run argv; check the exit code and that stderr is a single line without a traceback."""
    try:
        got = main(list(argv))
    except SystemExit as exc:  # argparse errors
        got = exc.code
    _, err = capsys.readouterr()
    assert got == code, err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    return err


@pytest.fixture
def vader():
    return VaderScorer()


# ---------------------------------------------------------------- version, defaults
def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"shapiq-spex {version('shapiq-spex')}"


def test_default_index_is_the_librarys_and_help_says_so(capsys):
    for cls in (SPEX, ProxySPEX):
        assert inspect.signature(cls).parameters["index"].default == DEFAULT_INDEX
    parser = build_parser()
    assert parser.parse_args(["explain", "text", "x"]).index == DEFAULT_INDEX
    assert parser.parse_args(["explain", "csv", "d.csv", "--model", "m"]).index == DEFAULT_INDEX
    with pytest.raises(SystemExit):
        main(["explain", "text", "--help"])
    assert "as SPEX and ProxySPEX in Python" in " ".join(capsys.readouterr().out.split())


def test_help_shows_the_defaults_of_method_and_scorer(capsys):
    parser = build_parser()
    defaults = parser.parse_args(["explain", "text", "x"])
    with pytest.raises(SystemExit):
        main(["explain", "text", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"approximator (default {defaults.method})" in help_text
    assert f"(default {defaults.scorer})" in help_text


# ---------------------------------------------------------------- explain text
def test_explain_text_matches_library_and_reports_f_of_x(capsys, tmp_path, vader):
    path = tmp_path / "out.json"
    code, out, err = run(
        capsys, "explain", "text", TEXT, "--budget", "600", "--json", str(path), "--seed", "3"
    )
    # Only warnings (e.g. an uncertain score at this budget) reach stderr.
    assert code == 0 and all(line.startswith("shapiq-spex: warning:") for line in err.splitlines())
    payload = json.loads(path.read_text())
    direct = SPEX(11, max_order=2, random_state=3).approximate(600, MaskedTextGame(TEXT, vader))
    assert payload["index"] == DEFAULT_INDEX and payload["budget_used"] == 600
    for item in payload["interactions"]:
        assert item["value"] == pytest.approx(direct[tuple(item["players"])], abs=1e-12)
    assert payload["f_x"] == pytest.approx(vader([TEXT])[0], abs=1e-12)
    assert payload["f_empty"] == pytest.approx(vader([""])[0], abs=1e-12)
    assert f"f(x)          {payload['f_x']:+.4f}" in out
    assert "600 spent" in out
    top = payload["interactions"][0]
    assert " x ".join(payload["labels"][i] for i in top["players"]) in out
    # Repeated words get distinct labels word#position.
    assert payload["labels"][1] == "food#1" and payload["labels"][2] == "was#2"
    assert payload["labels"][8] == "was#8"


def test_one_word_text_needs_no_order(capsys, tmp_path, vader):
    path = tmp_path / "out.json"
    code, _, err = run(capsys, "explain", "text", "wonderful", "--json", str(path))
    assert code == 0, err
    payload = json.loads(path.read_text())
    assert payload["max_order"] == 1
    (item,) = payload["interactions"]
    # One player: the explanation is exact, v({0}) - v(∅).
    assert item["value"] == pytest.approx(vader(["wonderful"])[0] - vader([""])[0], abs=1e-12)
    err = one_line_exit(capsys, ["explain", "text", "wonderful", "--order", "2"])
    assert "--order must be at most the number of players (1), got 2" in err


def test_first_order_indices_follow_the_python_rule(capsys, tmp_path):
    # As SPEX(index="SV", max_order=2) and shapiq: SV and BV report order one.
    path = tmp_path / "out.json"
    code, _, err = run(
        capsys, "explain", "text", TEXT, "--index", "SV", "--order", "2", "--budget", "300",
        "--json", str(path),
    )  # fmt: skip
    assert code == 0, err
    payload = json.loads(path.read_text())
    assert payload["max_order"] == 1
    assert {len(item["players"]) for item in payload["interactions"]} <= {1}


def test_text_from_a_file_by_paragraph_and_from_stdin(capsys, tmp_path, monkeypatch):
    paragraphs = ["The food was cold.", "Service was slow,\nbut friendly!", "I loved the cake."]
    text = "\n\n".join(paragraphs) + "\n"
    source = tmp_path / "review.txt"
    source.write_text("\ufeff" + text, encoding="utf-8")  # with a byte order mark
    out_json = tmp_path / "p.json"
    code, out, err = run(
        capsys, "explain", "text", "--file", str(source), "--unit", "paragraph",
        "--budget", "8", "--json", str(out_json),
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out_json.read_text())["players"] == paragraphs
    assert "players: 3 paragraphs" in out
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    code, _, err = run(
        capsys, "explain", "text", "-", "--unit", "paragraph", "--budget", "8",
        "--json", str(out_json),
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out_json.read_text())["players"] == paragraphs


def test_text_in_chunks_of_words(capsys, tmp_path):
    words = [f"w{i}" for i in range(10)]
    out_json = tmp_path / "c.json"
    code, _, err = run(
        capsys, "explain", "text", " ".join(words), "--unit", "chunk", "--chunk-size", "4",
        "--budget", "8", "--json", str(out_json),
    )  # fmt: skip
    assert code == 0, err
    expected = [" ".join(words[i : i + 4]) for i in range(0, 10, 4)]
    assert json.loads(out_json.read_text())["players"] == expected


def test_cache_hits_are_counted_and_give_the_same_values(capsys, tmp_path):
    cache, out1, out2 = tmp_path / "c.sqlite", tmp_path / "1.json", tmp_path / "2.json"
    argv = ["explain", "text", TEXT, "--budget", "600", "--cache", str(cache)]
    code, out, err = run(capsys, *argv, "--json", str(out1))
    assert code == 0, err
    first = json.loads(out1.read_text())
    code, out, err = run(capsys, *argv, "--json", str(out2))
    assert code == 0, err
    second = json.loads(out2.read_text())
    assert second["queries_from_cache"] == second["budget_used"] == 600
    assert "600 spent (600 from the cache, 0 new)" in out
    assert first["queries_from_cache"] < 600
    assert second["interactions"] == first["interactions"]


def test_the_run_makes_at_most_budget_model_calls_and_reads_the_ends_from_the_approximator(
    capsys, tmp_path, monkeypatch, vader
):
    # f(x) and f(∅) were queried a second time after the run, 2 model calls beyond --budget
    # (without --cache nothing caught them); the approximator has queried both already.
    counted = {"rows": 0}
    original = MaskedTextGame.value_function

    def counting(self, coalitions):
        counted["rows"] += len(coalitions)
        return original(self, coalitions)

    monkeypatch.setattr(MaskedTextGame, "value_function", counting)
    path = tmp_path / "out.json"
    for budget in (300, 600):
        counted["rows"] = 0
        argv = ["explain", "text", TEXT, "--budget", str(budget), "--json", str(path), "--quiet"]
        code, _, err = run(capsys, *argv)
        assert code == 0, err
        payload = json.loads(path.read_text())
        assert counted["rows"] == payload["budget_used"] <= budget
        assert payload["f_x"] == pytest.approx(vader([TEXT])[0], abs=1e-12)
        assert payload["f_empty"] == pytest.approx(vader([""])[0], abs=1e-12)


def test_progress_bar_on_stderr_unless_quiet(capsys, monkeypatch):
    monkeypatch.setattr(progress, "PROGRESS_DELAY", 0.0)
    code, out, err = run(capsys, "explain", "text", TEXT, "--budget", "600")
    assert code == 0 and "new queries" in err and "new queries" not in out
    code, _, err = run(capsys, "explain", "text", TEXT, "--budget", "600", "--quiet")
    # --quiet hides the bar; warnings about the result still reach stderr.
    assert code == 0 and "new queries" not in err
    assert all(line.startswith("shapiq-spex: warning:") for line in err.splitlines())


def test_pictures_are_written(capsys, tmp_path):
    from PIL import Image

    paths = {opt: tmp_path / f"{opt}.{'html' if opt == 'html' else 'png'}" for opt in
             ("plot", "bar", "graph", "text-plot", "html")}  # fmt: skip
    argv = ["explain", "text", TEXT, "--budget", "600"]
    for option, path in paths.items():
        argv += [f"--{option}", str(path)]
    code, _, err = run(capsys, *argv)
    assert code == 0, err
    for option, path in paths.items():
        if option == "html":
            page = path.read_text(encoding="utf-8")
            assert all(f">{word}</span>" in page for word in TEXT.split())
            continue
        with Image.open(path) as image:
            width, height = image.size
        assert 300 < width < 2500 and 150 < height < 2500, (option, image.size)


# ---------------------------------------------------------------- interruptions and failures
def _interrupt_on_call(monkeypatch, call):
    """Make VADER raise KeyboardInterrupt on its ``call``-th call (the first scores "")."""
    calls = {"n": 0}
    original = VaderScorer.__call__

    def scorer(self, texts):
        calls["n"] += 1
        if calls["n"] == call:
            raise KeyboardInterrupt
        return original(self, texts)

    monkeypatch.setattr(VaderScorer, "__call__", scorer)


def _text_game_id():
    args = build_parser().parse_args(["explain", "text", TEXT])
    return text_game(args).game_id


def test_ctrl_c_says_how_to_resume_and_resume_uses_the_cache(capsys, tmp_path, monkeypatch):
    cache, result = tmp_path / "c.sqlite", tmp_path / "r.json"
    argv = ["explain", "text", TEXT, "--budget", "1500", "--cache", str(cache), "--quiet"]
    with monkeypatch.context() as patch:
        # batches of at most 1024 masks: the first is paid and kept, the second interrupted
        _interrupt_on_call(patch, 3)
        err = one_line_exit(capsys, argv, code=130)
    assert f"saved in {cache}" in err and "run the same command again to resume" in err
    stored = QueryCache(cache, _text_game_id(), 11)
    kept = len(stored)
    stored.close()
    assert kept > 0
    code, _, err = run(capsys, *argv, "--json", str(result))
    assert code == 0, err
    resumed = json.loads(result.read_text())
    # The run is deterministic: it asks for every kept mask again, and finds it in the cache.
    assert resumed["queries_from_cache"] >= kept
    code, _, err = run(capsys, "explain", "text", TEXT, "--budget", "1500", "--json", str(result))
    assert json.loads(result.read_text())["interactions"] == resumed["interactions"]


def test_ctrl_c_without_cache_suggests_one(capsys, monkeypatch):
    _interrupt_on_call(monkeypatch, 2)
    err = one_line_exit(capsys, ["explain", "text", TEXT, "--budget", "600"], code=130)
    assert "add --cache FILE" in err


def test_a_failing_model_gives_one_line(capsys, tmp_path, monkeypatch):
    def nan_scorer(self, texts):
        return np.full(len(texts), np.nan if len(texts) > 1 else 0.0)

    monkeypatch.setattr(VaderScorer, "__call__", nan_scorer)
    cache = tmp_path / "c.sqlite"
    argv = ["explain", "text", TEXT, "--budget", "600", "--cache", str(cache)]
    err = one_line_exit(capsys, argv)
    assert "the explained model failed" in err and "finite values" in err and str(cache) in err


def test_output_paths_are_checked_before_any_query(capsys, tmp_path, monkeypatch):
    def never(self, texts):
        raise AssertionError("a query was made")

    monkeypatch.setattr(VaderScorer, "__call__", never)
    missing = tmp_path / "missing"
    for option in ("--json", "--plot", "--bar", "--graph", "--html", "--text-plot", "--cache"):
        err = one_line_exit(capsys, ["explain", "text", TEXT, option, str(missing / "f")])
        assert f"the folder {missing} does not exist" in err
    err = one_line_exit(capsys, ["explain", "text", TEXT, "--cache", str(tmp_path)])
    assert "is a folder" in err
    assert not missing.exists()


@pytest.mark.parametrize("option", ["--plot", "--bar", "--graph", "--text-plot"])
def test_picture_formats_are_checked_before_any_query(capsys, tmp_path, monkeypatch, option):
    def never(self, texts):
        raise AssertionError("a query was made")

    monkeypatch.setattr(VaderScorer, "__call__", never)
    for name, got in (("g.jpgx", "'.jpgx'"), ("noext", "none")):
        err = one_line_exit(capsys, ["explain", "text", TEXT, option, str(tmp_path / name)])
        assert "the extension names the picture format" in err and f"(got {got})" in err
    assert list(tmp_path.iterdir()) == []  # nothing written, nothing renamed


def test_a_cache_that_is_not_sqlite_is_refused(capsys, tmp_path):
    foreign = tmp_path / "notes.sqlite"
    foreign.write_text("not a database " * 100)
    err = one_line_exit(capsys, ["explain", "text", TEXT, "--cache", str(foreign)])
    assert f"{foreign} is not a shapiq-spex query cache" in err
    assert foreign.read_text() == "not a database " * 100  # refused before any write


def test_an_empty_file_or_dev_null_as_cache_is_refused_before_any_query(
    capsys, tmp_path, monkeypatch
):
    def never(self, texts):
        raise AssertionError("a query was made")

    monkeypatch.setattr(VaderScorer, "__call__", never)
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    err = one_line_exit(capsys, ["explain", "text", TEXT, "--cache", str(empty)])
    assert f"{empty} is an empty file, not a shapiq-spex query cache" in err
    assert empty.read_bytes() == b"" and [p.name for p in tmp_path.iterdir()] == ["empty.sqlite"]
    err = one_line_exit(capsys, ["explain", "text", TEXT, "--cache", os.devnull])
    assert f"{os.devnull} is not a regular file" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["explain", "text", TEXT, "--budget", "0"], "positive integer"),
        (["explain", "text", TEXT, "--index", "XYZ"], "invalid choice"),
        (["explain", "text", "   "], "empty"),
        (["explain", "text"], "give the text to explain"),
        (["explain", "text", TEXT, "--file", "f.txt"], "not both"),
        (["explain", "text", "--file", "no/such/file.txt"], "no such file"),
        (["explain", "text", "good movie", "--order", "5"], "--order must be at most"),
        (["explain", "text", TEXT, "--chunk-size", "3"], "--chunk-size applies to --unit chunk"),
        (["explain", "text", TEXT, "--unit", "clause"], "invalid choice"),
        (["explain", "text", TEXT, "--budget", "10"], "too small"),
        (["explain", "csv", "missing.csv", "--model", "missing.txt"], "no such file"),
        (["explain", "csv", "d.csv", "--model", "m.txt", "--class", "-1"], "integer >= 0"),
        (["frobnicate"], "invalid choice"),
        (["explain", "text", TEXT, "--target-r2", "1"], "between 0 and 1 (exclusive), got 1.0"),
        (["explain", "text", TEXT, "--target-r2", "0"], "between 0 and 1 (exclusive), got 0.0"),
        (["explain", "text", TEXT, "--target-r2", "nan"], "between 0 and 1 (exclusive), got nan"),
        (
            ["explain", "text", TEXT, "--target-r2", "high"],
            "between 0 and 1 (exclusive), got 'high'",
        ),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(capsys, argv, message):
    assert message in one_line_exit(capsys, argv)


# ---------------------------------------------------------------- explain csv
@pytest.fixture(scope="module")
def tabular(tmp_path_factory):
    """A 4-feature regression model, a 3-class model, and their data."""
    folder = tmp_path_factory.mktemp("tabular")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4))
    params = {"verbose": -1, "num_leaves": 8, "seed": 0}
    regression = lgb.train(params, lgb.Dataset(x, x[:, 0] * x[:, 1] + x[:, 2]), 30)
    labels = (x[:, 0] * x[:, 1] > 0).astype(int) + (x[:, 2] > 0.5)
    multi = lgb.train({**params, "objective": "multiclass", "num_class": 3},
                      lgb.Dataset(x, labels), 20)  # fmt: skip
    paths = {"x": x, "regression": regression, "multi": multi}
    for name in ("regression", "multi"):
        paths[f"{name}_file"] = folder / f"{name}.txt"
        paths[name].save_model(str(paths[f"{name}_file"]))
    paths["data"] = folder / "data.csv"
    with paths["data"].open("w", encoding="utf-8-sig") as handle:  # Excel-style BOM
        np.savetxt(handle, x, delimiter=",", header="a,b,c,d", comments="")
    paths["folder"] = folder
    return paths


def _csv(capsys, tabular, model, *extra):
    out_json = tabular["folder"] / "v.json"
    code, out, err = run(
        capsys, "explain", "csv", str(tabular["data"]), "--model", str(tabular[model]),
        "--row", "5", "--index", "Moebius", "--order", "4", "--budget", "64",
        "--json", str(out_json), *extra,
    )  # fmt: skip
    assert code == 0, err
    return json.loads(out_json.read_text()), out


def test_explain_csv_with_saved_lightgbm_model(capsys, tabular):
    payload, _ = _csv(capsys, tabular, "regression_file")
    x = tabular["x"]
    # 2^4 <= 64: every coalition is queried, so the Möbius values are exact.
    game = BaselineMaskedModel(tabular["regression"].predict, x[5], x.mean(axis=0))
    full = game(np.ones((1, 4), bool))[0] - game(np.zeros((1, 4), bool))[0]
    total = sum(item["value"] for item in payload["interactions"])
    assert total == pytest.approx(full, abs=1e-9)
    assert payload["players"] == ["a", "b", "c", "d"]  # no BOM in the first name
    assert payload["f_x"] == pytest.approx(tabular["regression"].predict(x[5:6])[0], abs=1e-12)


@pytest.mark.parametrize("chosen", [None, 0])
def test_explain_csv_multiclass_explains_a_class(capsys, tabular, chosen):
    extra = [] if chosen is None else ["--class", str(chosen)]
    payload, out = _csv(capsys, tabular, "multi_file", *extra)
    x, multi = tabular["x"], tabular["multi"]
    proba = multi.predict(x[5:6])[0]
    expected = int(np.argmax(proba)) if chosen is None else chosen
    assert payload["output"] == f"probability of class {expected}"
    assert ("the predicted class" if chosen is None else "(--class)") in out
    baseline_proba = multi.predict(x.mean(axis=0)[None, :])[0]
    total = sum(item["value"] for item in payload["interactions"])
    assert total == pytest.approx(proba[expected] - baseline_proba[expected], abs=1e-9)
    assert payload["f_x"] == pytest.approx(proba[expected], abs=1e-12)


def test_csv_class_errors(capsys, tabular):
    base = ["explain", "csv", str(tabular["data"]), "--budget", "64"]
    err = one_line_exit(capsys, [*base, "--model", str(tabular["multi_file"]), "--class", "3"])
    assert "--class must be in [0, 2] for this 3-class model, got 3" in err
    err = one_line_exit(capsys, [*base, "--model", str(tabular["regression_file"]), "--class", "1"])
    assert "--class applies to multiclass models" in err


def test_csv_without_header_row(capsys, tabular):
    data = tabular["folder"] / "nohead.csv"
    np.savetxt(data, tabular["x"], delimiter=",")
    base = ["explain", "csv", str(data), "--model", str(tabular["regression_file"])]
    err = one_line_exit(capsys, base)
    assert "looks like data, not a header" in err and "--no-header" in err
    out_json = tabular["folder"] / "nh.json"
    code, _, err = run(capsys, *base, "--no-header", "--budget", "64", "--json", str(out_json))
    assert code == 0, err
    assert json.loads(out_json.read_text())["players"] == ["x0", "x1", "x2", "x3"]


@pytest.mark.parametrize("cell", ["inf", "nan", "-inf"])
def test_csv_non_finite_cells_are_named(capsys, tabular, cell):
    data = tabular["folder"] / "bad.csv"
    rows = [",".join(f"{v:.6f}" for v in row) for row in tabular["x"][:20]]
    rows[7] = rows[7].split(",", 2)[0] + f",{cell}," + rows[7].split(",", 2)[2]
    data.write_text("a,b,c,d\n" + "\n".join(rows) + "\n")
    err = one_line_exit(
        capsys, ["explain", "csv", str(data), "--model", str(tabular["regression_file"])]
    )
    assert f"data row 7, column 'b' holds '{cell}'" in err


def test_csv_errors(capsys, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("a,b\n1,2\n3,x\n")
    model = tmp_path / "m.txt"
    model.write_text("not a model")
    err = one_line_exit(capsys, ["explain", "csv", str(data), "--model", str(model)])
    assert "data row 1, column 'b': 'x' is not a number" in err
    data.write_text("a,b\n1,2\n3\n")
    err = one_line_exit(capsys, ["explain", "csv", str(data), "--model", str(model)])
    assert "data row 1 has 1 cells, the header has 2" in err
    data.write_text("a,b\n1,2\n3,4\n")
    err = one_line_exit(capsys, ["explain", "csv", str(data), "--model", str(model), "--row", "9"])
    assert "--row must be in [0, 1]" in err
    err = one_line_exit(capsys, ["explain", "csv", str(data), "--model", str(model)])
    assert "neither a LightGBM text model nor a skops" in err


def test_faithfulness_is_reported_when_the_approximator_has_one(capsys, tmp_path, monkeypatch):
    made = []

    def with_holdout(args, n, cache):
        made.append(SPEX(n, max_order=2, random_state=0, cache=cache, holdout_fraction=0.2))
        return made[-1]

    monkeypatch.setattr(cli_run, "_approximator", with_holdout)
    path = tmp_path / "f.json"
    code, out, err = run(capsys, "explain", "text", TEXT, "--budget", "1000", "--json", str(path))
    assert code == 0, err
    faithfulness = made[0].faithfulness_
    assert faithfulness is not None
    assert json.loads(path.read_text())["faithfulness"] == faithfulness
    assert made[0].faithfulness_method_ == "holdout"
    assert json.loads(path.read_text())["faithfulness_method"] == "holdout"
    se = made[0].faithfulness_se_
    assert se > 0 and json.loads(path.read_text())["faithfulness_se"] == se
    assert f"faithfulness  R² {faithfulness:.4f} ± {se:.4f} (SE) on random masks (held out" in out


def test_faithfulness_is_reported_by_default_with_how_it_was_measured(capsys):
    code, out, err = run(capsys, "explain", "text", TEXT, "--budget", "600")
    assert code == 0, err
    assert "leave-one-out on the method's uniform masks" in out


# ---------------------------------------------------------------- long documents
def test_context_applies_to_the_llm_scorer_only(capsys):
    err = one_line_exit(capsys, ["explain", "text", TEXT, "--context", "blockwise"])
    assert "--context applies to --scorer llm only" in err


def test_full_attention_llm_runs_print_their_estimated_time(capsys, monkeypatch):
    from shapiq_spex.cli import inputs as _cli_inputs

    calls = []

    def game(masks):
        calls.append(masks.shape)
        return np.zeros(len(masks))

    game.n_players = 40
    args = build_parser().parse_args(["explain", "text", "x", "--budget", "1000"])
    monkeypatch.setattr(_cli_inputs, "ESTIMATE_NOTICE_S", -1.0)  # always long
    estimate = _cli_inputs._estimate_time(args, game)
    err = capsys.readouterr().err
    assert calls == [(_cli_inputs.ESTIMATE_PROBES, 40)]
    assert estimate >= 0 and "for 1000 queries" in err and "--context blockwise" in err
    monkeypatch.setattr(_cli_inputs, "ESTIMATE_NOTICE_S", float("inf"))  # never long
    _cli_inputs._estimate_time(args, game)
    assert capsys.readouterr().err == ""


def test_a_saturated_game_is_reported_in_one_line(capsys, tmp_path):
    from shapiq_spex.cli.inputs import Explained

    def saturated(masks):
        return np.tanh(0.5 * masks.sum(axis=1))

    saturated.n_players = 200
    explained = Explained(saturated, [f"u{i}" for i in range(200)], True, "sat", "score")
    path = tmp_path / "out.json"
    args = build_parser().parse_args(
        ["explain", "text", "x", "--budget", "600", "--quiet", "--json", str(path)]
    )
    run = cli_run.explain(args, explained, None)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "barely varies" in line]
    assert len(lines) == 1 and lines[0].startswith("shapiq-spex: warning: ")
    cli_run.write_outputs(args, explained, run, explained.names)
    assert any("barely varies" in w for w in json.loads(path.read_text())["warnings"])


def test_a_trust_option_for_another_model_format_is_refused(capsys, tabular):
    # It would be ignored: a user who thinks it did something should hear that it did not.
    argv = ["explain", "csv", str(tabular["data"]), "--model", str(tabular["regression_file"])]
    err = one_line_exit(capsys, [*argv, "--trust-types", "numpy.dtype"])
    assert "--trust-types applies to .skops model files" in err and "LightGBM text model" in err
    err = one_line_exit(capsys, [*argv, "--trust-pickle"])
    assert "--trust-pickle applies to pickle/joblib model files" in err


def test_explain_csv_with_a_scikit_learn_model_saved_with_skops(capsys, tabular):
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x = tabular["x"]
    labels = (x[:, 0] * x[:, 1] > 0).astype(int) + (x[:, 2] > 0.5)
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(x, labels)
    path = tabular["folder"] / "pipe.skops"
    sio.dump(pipe, path)
    payload, _ = _csv(capsys, {**tabular, "pipe": path}, "pipe", "--class", "2")
    game = BaselineMaskedModel(pipe.predict_proba, x[5], x.mean(axis=0), class_index=2)
    full = game(np.ones((1, 4), bool))[0] - game(np.zeros((1, 4), bool))[0]
    assert sum(item["value"] for item in payload["interactions"]) == pytest.approx(full, abs=1e-9)
    assert payload["output"] == "probability of class 2"
    assert payload["f_x"] == pytest.approx(pipe.predict_proba(x[5:6])[0, 2], abs=1e-12)


def test_a_joblib_model_needs_trust_pickle_and_says_how_to_save_one(capsys, tabular):
    import joblib
    from sklearn.linear_model import LinearRegression

    x = tabular["x"]
    regression = LinearRegression().fit(x, x @ [1.0, -2.0, 0.5, 0.0])
    path = tabular["folder"] / "model.joblib"
    joblib.dump(regression, path)
    base = ["explain", "csv", str(tabular["data"]), "--model", str(path), "--budget", "64"]
    err = one_line_exit(capsys, base)  # was LightGBM's own "[Fatal]" line and an error
    assert "--trust-pickle" in err and "skops.io.dump" in err and "save_model" in err
    payload, _ = _csv(capsys, {**tabular, "joblib": path}, "joblib", "--trust-pickle")
    assert payload["f_x"] == pytest.approx(regression.predict(x[5:6])[0], abs=1e-9)


def test_a_directory_as_input_file_is_called_a_directory(capsys, tabular, tmp_path):
    err = one_line_exit(capsys, ["explain", "text", "--file", str(tmp_path)])
    assert f"--file {tmp_path} is a directory" in err
    argv = ["explain", "csv", str(tabular["data"]), "--model", str(tmp_path)]
    assert f"--model {tmp_path} is a directory" in one_line_exit(capsys, argv)


@contextlib.contextmanager
def unprivileged():
    """Drop root's effective uid (root may write into read-only folders and files)."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)


def test_unwritable_outputs_are_refused_before_any_query(capsys, tmp_path, monkeypatch):
    # The README promises output paths are checked first: a folder that exists but cannot be
    # written used to fail with "Permission denied" after the whole (paid) run.
    def never(self, texts):
        raise AssertionError("a query was made")

    monkeypatch.setattr(VaderScorer, "__call__", never)
    with tempfile.TemporaryDirectory() as shared:  # tmp_path's parents are private to root
        Path(shared).chmod(0o755)
        locked = Path(shared) / "locked"
        locked.mkdir(mode=0o555)
        existing = Path(shared) / "old.json"
        existing.write_text("{}")
        existing.chmod(0o444)
        try:
            for option, path in [
                ("--json", locked / "out.json"),
                ("--graph", locked / "g.png"),
                ("--json", existing),
            ]:
                parser = build_parser()  # imports done as root (nobody cannot read them)
                with unprivileged(), pytest.raises(SystemExit) as info:
                    parser.parse_args(["explain", "text", TEXT, option, str(path)])
                assert info.value.code == 2
                assert f"cannot write {path}: Permission denied" in capsys.readouterr().err
            assert list(locked.iterdir()) == [] and existing.read_text() == "{}"
        finally:
            locked.chmod(0o755)
    a_file = tmp_path / "x.csv"
    a_file.write_text("a\n1\n")
    err = one_line_exit(capsys, ["explain", "text", TEXT, "--json", str(a_file / "out.json")])
    assert f"{a_file} is a file, not a folder" in err and "mkdir" not in err


def test_an_output_that_is_an_input_or_another_output_is_refused(capsys, tabular, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("a query was made")

    monkeypatch.setattr(VaderScorer, "__call__", never)
    data = tabular["data"]
    before = data.read_bytes()
    argv = ["explain", "csv", str(data), "--model", str(tabular["regression_file"])]
    err = one_line_exit(capsys, [*argv, "--json", str(data)])
    assert f"--json {data} is the input file (the CSV)" in err
    err = one_line_exit(capsys, [*argv, "--json", str(tabular["regression_file"])])
    assert "is the input file (--model)" in err
    assert data.read_bytes() == before
    text = tabular["folder"] / "review.txt"
    text.write_text(TEXT)
    err = one_line_exit(capsys, ["explain", "text", "--file", str(text), "--html", str(text)])
    assert "is the input file (--file)" in err and text.read_text() == TEXT
    same = tabular["folder"] / "figure.png"
    err = one_line_exit(capsys, ["explain", "text", TEXT, "--plot", str(same), "--bar", str(same)])
    assert f"--bar {same} is also the path of --plot" in err


def test_baseline_value_is_f_of_empty_as_in_python_and_the_summary_says_what_it_sums(
    capsys, tabular
):
    # The JSON said baseline_value 0.0 (the normalized game's) next to f_empty; Python's
    # explanation of the model's own output has baseline_value = v(∅).
    # (these options follow _csv's --index Moebius --order 4, and win)
    payload, out = _csv(capsys, tabular, "regression_file", "--index", "k-SII", "--order", "2")
    x, model = tabular["x"], tabular["regression"]
    game = BaselineMaskedModel(model.predict, x[5], x.mean(axis=0), normalize=False)
    python = SPEX(4, max_order=2, index="k-SII", random_state=0).approximate(64, game)
    empty = game(np.zeros((1, 4), bool))[0]
    assert payload["baseline_value"] == pytest.approx(empty, abs=1e-9)
    assert python.baseline_value == pytest.approx(empty, abs=1e-9)
    cli_values = {tuple(item["players"]): item["value"] for item in payload["interactions"]}
    for players, value in python.interactions.items():
        if players:
            assert cli_values.get(players, 0.0) == pytest.approx(value, abs=1e-9)
    line = next(line for line in out.splitlines() if "f(∅) + values" in line)
    total = empty + sum(cli_values.values())
    assert f"{total:+.4f}" in line and "equals f(x) by efficiency" in line
    assert total == pytest.approx(payload["f_x"], abs=1e-9)


@pytest.mark.parametrize("cell", ["1_000", "\u0661\u0662", "0x10"])
def test_csv_cells_must_be_plain_numbers(capsys, tabular, tmp_path, cell):
    # float() reads "1_000" as 1000 and Arabic-Indic digits as numbers: not silently.
    data = tmp_path / "d.csv"
    data.write_text(f"a,b,c,d\n1,2,3,4\n-.5, 1e3 ,+2.,{cell}\n", encoding="utf-8")
    argv = ["explain", "csv", str(data), "--model", str(tabular["regression_file"])]
    err = one_line_exit(capsys, argv)
    assert f"data row 1, column 'd': {cell!r} is not a" in err
    if cell != "0x10":
        assert "not a plain number" in err


def test_csv_plain_numbers_in_every_spelling_are_read(capsys, tabular, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("a,b,c,d\n1,2,3,4\n-.5, 1e3 ,+2.,7E-1\n", encoding="utf-8")
    out_json = tmp_path / "v.json"
    argv = ["explain", "csv", str(data), "--model", str(tabular["regression_file"]), "--row", "1"]
    code, _, err = run(capsys, *argv, "--budget", "64", "--json", str(out_json))
    assert code == 0, err
    row = np.array([-0.5, 1000.0, 2.0, 0.7])
    expected = tabular["regression"].predict(row[None, :])[0]
    assert json.loads(out_json.read_text())["f_x"] == pytest.approx(expected, abs=1e-12)


def test_a_closed_output_pipe_ends_quietly(tmp_path):
    # `shapiq-spex explain ... | head` printed "error: [Errno 32] Broken pipe" (exit 2).
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line is written
    try:
        done = subprocess.run(
            [sys.executable, "-m", "shapiq_spex.cli", "explain", "text", TEXT, "--quiet"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")},
        )
    finally:
        os.close(write_end)
    assert done.stderr == ""
    assert done.returncode == 128 + 13  # as a process ended by SIGPIPE


# ---------------------------------------------------------------- standard errors, --target-r2
def _errors_of(values, make):
    """Standard errors ``make(position)`` on exactly the interactions of ``values``."""
    from shapiq import InteractionValues

    lookup = values.interaction_lookup
    return InteractionValues(
        values=np.array([make(k) for k in range(len(lookup))], dtype=float),
        index=values.index,
        max_order=values.max_order,
        n_players=values.n_players,
        min_order=values.min_order,
        interaction_lookup=dict(lookup),
        baseline_value=0.0,
    )


def _reporting_spex(made, errors=lambda k: 0.01 * (k % 7 + 1)):
    """SPEX that reports standard errors and rounds the way the approximators' contract says.

    With a target it spends half the cap in two rounds and records their (queries, score).
    """

    class Reporting(SPEX):
        def __init__(self, n, *, target_faithfulness=None, **kwargs):
            super().__init__(n, **kwargs)
            self.target_faithfulness = target_faithfulness
            made.append(self)

        def approximate(self, budget, game):
            spend = budget if self.target_faithfulness is None else budget // 2
            values = super().approximate(spend, game)
            self.uncertainty_ = _errors_of(values, errors)
            self.history_ = [(spend // 2, 0.5), (spend, 0.95)]
            return values

    return Reporting


def test_standard_errors_go_to_the_json_the_report_and_the_pictures(capsys, tmp_path, monkeypatch):
    from shapiq_spex import approximators, plots

    made, drawn = [], {}
    monkeypatch.setattr(approximators, "SPEX", _reporting_spex(made))
    for name in ("bar", "interaction_graph"):
        original = getattr(plots, name)

        def spy(*args, _original=original, _name=name, **kwargs):
            drawn[_name] = kwargs["uncertainty"]
            return _original(*args, **kwargs)

        monkeypatch.setattr(plots, name, spy)
    path = tmp_path / "out.json"
    argv = ["explain", "text", TEXT, "--budget", "600", "--json", str(path)]
    argv += ["--bar", str(tmp_path / "bar.png"), "--graph", str(tmp_path / "graph.png")]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    (approximator,) = made
    errors = approximator.uncertainty_
    payload = json.loads(path.read_text())
    assert payload["interactions"]
    for item in payload["interactions"]:
        assert item["standard_error"] == errors[tuple(item["players"])]
    top = payload["interactions"][0]
    half = 1.645 * errors[tuple(top["players"])]
    names = " x ".join(payload["labels"][i] for i in top["players"])
    assert f"{top['value']:+10.4f} ± {half:.4f}  {names}" in out
    assert "interactions (value ± 1.645·SE, a 90 % interval):" in out
    assert drawn == {"bar": errors, "interaction_graph": errors}
    assert (tmp_path / "bar.png").stat().st_size > 0 and (tmp_path / "graph.png").exists()
    assert payload["target_r2"] is None and payload["budget_used"] == 600


def test_without_standard_errors_the_json_says_null(capsys, tmp_path, monkeypatch):
    from shapiq_spex import approximators

    class Silent(SPEX):  # an approximator that gives no standard errors
        def approximate(self, budget, game):
            values = super().approximate(budget, game)
            self.uncertainty_ = None
            return values

    monkeypatch.setattr(approximators, "SPEX", Silent)
    path = tmp_path / "out.json"
    code, out, err = run(capsys, "explain", "text", TEXT, "--budget", "600", "--json", str(path))
    assert code == 0, err
    items = json.loads(path.read_text())["interactions"]
    assert items and all(item["standard_error"] is None for item in items)
    top = out[out.index(f"top {min(10, len(items))} interactions:") :]
    assert " ± " not in top  # the values carry no error bars (the score's SE may still show)


def test_standard_errors_that_do_not_fit_are_left_out_with_a_warning(capsys, tmp_path, monkeypatch):
    from shapiq_spex import approximators

    made = []
    broken = _reporting_spex(made, errors=lambda k: np.nan if k == 1 else 0.1)
    monkeypatch.setattr(approximators, "SPEX", broken)
    path = tmp_path / "out.json"
    argv = ["explain", "text", TEXT, "--budget", "600", "--json", str(path)]
    code, _, err = run(capsys, *argv, "--bar", str(tmp_path / "bar.png"))
    assert code == 0, err
    warning = "shapiq-spex: warning: the standard errors are left out: uncertainty must hold finite"
    assert warning in err
    payload = json.loads(path.read_text())
    assert all(item["standard_error"] is None for item in payload["interactions"])
    assert any("standard errors are left out" in w for w in payload["warnings"])


def test_target_r2_is_passed_on_and_the_rounds_are_recorded(capsys, tmp_path, monkeypatch):
    from shapiq_spex import approximators

    made = []
    monkeypatch.setattr(approximators, "SPEX", _reporting_spex(made))
    path = tmp_path / "out.json"
    argv = ["explain", "text", TEXT, "--budget", "800", "--target-r2", "0.9", "--json", str(path)]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    (approximator,) = made
    assert approximator.target_faithfulness == 0.9
    payload = json.loads(path.read_text())
    assert payload["target_r2"] == 0.9 and payload["budget"] == 800
    assert payload["budget_used"] == approximator.budget_used_ == 400
    assert payload["history"] == [{"queries": 200, "score": 0.5}, {"queries": 400, "score": 0.95}]
    assert "budget cap 800, target R² 0.9" in out
    assert "R² after 200 q: 0.500, 400 q: 0.950; target reached after 400 queries" in out
    assert "400 spent" in out


def test_target_r2_needs_an_approximator_that_has_rounds(capsys, monkeypatch):
    from shapiq_spex import approximators

    class WithoutRounds(SPEX):
        def __init__(self, n, **kwargs):
            super().__init__(n, **kwargs)

    def never(self, texts):
        raise AssertionError("the model was called")

    monkeypatch.setattr(approximators, "SPEX", WithoutRounds)
    monkeypatch.setattr(VaderScorer, "__call__", never)
    err = one_line_exit(capsys, ["explain", "text", TEXT, "--target-r2", "0.9"])
    assert "--target-r2 needs an approximator with target_faithfulness" in err
