"""``explain``, ``demo`` and the benchmark commands parse shared options in one way.

An option that means the same under two commands is declared once (``cli.options``): the same
value fails with the same message, in one line, exit code 2; and every command shows the same
progress bar (``cli.progress``).
"""

from __future__ import annotations

import re
from typing import ClassVar

import pytest

from shapiq_spex.cli import main as shapiq_spex
from shapiq_spex.cli import progress
from shapiq_spex.cli.bench import main as benchmarks

TEXT = "The food was not good, but the service was absolutely wonderful."


def _error(command, argv, capsys) -> str:
    """The message of a command that must refuse ``argv``, after ``PROG: error: argument X:``."""
    try:
        code = command(argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2, err
    (line,) = err.strip().splitlines()
    assert "Traceback" not in err and ": error: " in line
    message = line.split(": error: ", 1)[1]
    return message.split(": ", 1)[1] if message.startswith("argument ") else message


EXPLAIN = (shapiq_spex, ["explain", "text", TEXT])
DEMO = (shapiq_spex, ["demo"])
BENCH = (shapiq_spex, ["bench"])
RUN = (benchmarks, ["run"])
STOPPING = (benchmarks, ["stopping"])
MICRO = (benchmarks, ["micro", "cache"])


@pytest.mark.parametrize(
    ("commands", "option", "message"),
    [
        ((EXPLAIN, DEMO, STOPPING), ["--seed", "-1"], "expected an integer >= 0, got -1"),
        ((EXPLAIN, DEMO, STOPPING), ["--seed", "x"], "expected an integer >= 0, got 'x'"),
        ((EXPLAIN, DEMO, STOPPING), ["--budget", "0"], "expected a positive integer, got 0"),
        ((EXPLAIN, STOPPING), ["--target-r2", "1"], "between 0 and 1 (exclusive), got 1.0"),
        ((BENCH, RUN), ["--games", " , "], "expected comma-separated keys, got ' , '"),
        ((BENCH, RUN), ["--threads", "-2"], "expected an integer >= 0, got -2"),
    ],
)
def test_a_shared_option_fails_alike_under_every_command(commands, option, message, capsys):
    errors = {_error(command, [*argv, *option], capsys) for command, argv in commands}
    (error,) = errors  # one message, whatever the command
    assert error.endswith(message)


def test_the_stopping_cap_and_target_are_the_budget_and_target_r2_of_explain(capsys):
    for flag, value in (("--cap", "0"), ("--target", "1.5")):
        error = _error(benchmarks, ["stopping", flag, value], capsys)
        same = {"--cap": "--budget", "--target": "--target-r2"}[flag]
        assert error == _error(benchmarks, ["stopping", same, value], capsys)


@pytest.mark.parametrize("command", [BENCH, RUN, STOPPING, MICRO])
def test_an_output_folder_that_cannot_be_made_is_refused_before_any_work(command, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    program, argv = command
    error = _error(program, [*argv, "--out", str(blocker / "results")], capsys)
    assert error.endswith(f"{blocker} is a file, not a folder, so {blocker / 'results'} "
                          "cannot be created")  # fmt: skip
    assert _error(program, [*argv, "--out", str(blocker)], capsys).endswith(
        f"{blocker} is a file; give a folder"
    )
    assert not (blocker.parent / "results").exists()


def test_an_output_folder_is_created_only_when_written(tmp_path):
    out = tmp_path / "new" / "deeper"
    argv = ["run", "--suite", "tiny", "--games", "soum-12", "--methods", "banzhaf"]
    assert benchmarks([*argv, "--seeds", "1", "--no-plots", "--quiet", "--out", str(out)]) == 0
    assert (out / "tiny.json").exists()


class _Recorded(progress.Progress):
    made: ClassVar[list[tuple[str, int | None, bool]]] = []

    def __init__(self, total, *, desc, unit, quiet):
        super().__init__(total, desc=desc, unit=unit, quiet=quiet)
        _Recorded.made.append((desc, total, quiet))


def test_explain_and_bench_show_the_same_progress_bar(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(progress, "PROGRESS_DELAY", 0.0)
    monkeypatch.setattr(progress, "Progress", _Recorded)
    _Recorded.made.clear()
    assert shapiq_spex(["explain", "text", TEXT, "--budget", "300"]) == 0
    out, err = capsys.readouterr()
    assert "new queries" in err and "new queries" not in out
    argv = ["bench", "--suite", "tiny", "--games", "soum-12", "--methods", "banzhaf"]
    argv += ["--seeds", "1", "--no-plots", "--out", str(tmp_path)]
    assert shapiq_spex(argv) == 0
    out, err = capsys.readouterr()
    # the bar of calls on stderr, one line per call on stdout above it
    assert re.search(r"calls: +\d+%\|.*\| [12]/2 ", err) and "soum-12" not in err
    assert "[1/2] soum-12 n=12 B=256" in out and "[2/2] soum-12 n=12 B=512" in out
    assert _Recorded.made == [("new queries", 300, False), ("calls", None, False)]
    assert shapiq_spex([*argv, "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "[1/2]" not in out
    assert _Recorded.made[-1] == ("calls", None, True)


def test_ctrl_c_ends_the_benchmark_command_in_one_line_as_it_ends_explain(capsys, monkeypatch):
    from shapiq_spex.cli import bench

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(bench, "_list", interrupted)
    assert benchmarks(["list"]) == 130
    assert capsys.readouterr().err == "python -m benchmarks: interrupted\n"
