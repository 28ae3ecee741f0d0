"""The console command: outputs agree with the library, bad input exits 2 in one line."""

import json

import lightgbm as lgb
import numpy as np
import pytest

from shapiq_spex import SPEX
from shapiq_spex.cli import main
from shapiq_spex.games import BaselineMaskedModel

TEXT = "The food was not good, but the service was absolutely wonderful."


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_explain_text_json_matches_library(capsys, tmp_path):
    from shapiq_spex.games.language import MaskedTextGame, VaderScorer

    path = tmp_path / "out.json"
    code, out, err = run(
        capsys, "explain", "text", TEXT, "--budget", "600", "--json", str(path), "--seed", "3"
    )
    assert code == 0 and err == ""
    payload = json.loads(path.read_text())
    direct = SPEX(11, max_order=2, index="FSII", random_state=3).approximate(
        600, MaskedTextGame(TEXT, VaderScorer())
    )
    assert payload["budget_used"] == 600
    for item in payload["interactions"]:
        assert item["value"] == pytest.approx(direct[tuple(item["players"])], abs=1e-12)
    top = payload["interactions"][0]
    assert " x ".join(top["names"]) in out


def test_explain_csv_with_saved_lightgbm_model(capsys, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4))
    y = x[:, 0] * x[:, 1] + x[:, 2]
    booster = lgb.train(
        {"verbose": -1, "num_leaves": 8, "seed": 0}, lgb.Dataset(x, y), num_boost_round=30
    )
    model = tmp_path / "model.txt"
    booster.save_model(str(model))
    data = tmp_path / "data.csv"
    np.savetxt(data, x, delimiter=",", header="a,b,c,d", comments="")
    out_json = tmp_path / "v.json"
    code, _, err = run(
        capsys, "explain", "csv", str(data), "--model", str(model), "--row", "5",
        "--index", "Moebius", "--order", "4", "--budget", "64", "--json", str(out_json),
    )  # fmt: skip
    assert code == 0, err
    payload = json.loads(out_json.read_text())
    # 2^4 <= 64: every coalition is queried, so the Möbius values are exact.
    game = BaselineMaskedModel(booster.predict, x[5], x.mean(axis=0))
    full = game(np.ones((1, 4), bool))[0] - game(np.zeros((1, 4), bool))[0]
    total = sum(item["value"] for item in payload["interactions"])
    assert total == pytest.approx(full, abs=1e-9)
    assert payload["players"] == ["a", "b", "c", "d"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["explain", "text", TEXT, "--budget", "0"], "positive integer"),
        (["explain", "text", TEXT, "--index", "XYZ"], "invalid choice"),
        (["explain", "text", "   "], "empty"),
        (["explain", "text", "good movie", "--order", "5"], "--order must be at most"),
        (["explain", "text", TEXT, "--budget", "10"], "too small"),
        (["explain", "csv", "missing.csv", "--model", "missing.txt"], "no such file"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(capsys, argv, message):
    with pytest.raises(SystemExit) as info:
        code = main(argv)
        raise SystemExit(code)
    assert info.value.code == 2
    _, err = capsys.readouterr()
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_csv_errors(capsys, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("a,b\n1,2\n3,x\n")
    model = tmp_path / "m.txt"
    model.write_text("not a model")
    code, _, err = run(capsys, "explain", "csv", str(data), "--model", str(model))
    assert code == 2 and "must hold numbers" in err
    data.write_text("a,b\n1,2\n3,4\n")
    code, _, err = run(capsys, "explain", "csv", str(data), "--model", str(model), "--row", "9")
    assert code == 2 and "--row must be in [0, 1]" in err
    code, _, err = run(capsys, "explain", "csv", str(data), "--model", str(model))
    assert code == 2 and "cannot read LightGBM model" in err
