"""The command line is one package: entry point, ``python -m`` and the torch-free imports."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import shapiq_spex.cli

ROOT = Path(__file__).parents[1]


def test_console_entry_point_names_the_package_main() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, attribute = scripts["shapiq-spex"].partition(":")
    assert module == "shapiq_spex.cli"
    assert getattr(shapiq_spex.cli, attribute) is shapiq_spex.cli.commands.main


def test_python_dash_m_runs_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "shapiq_spex.cli", "--version"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"shapiq-spex {version('shapiq-spex')}"


def test_package_and_games_import_no_engine() -> None:
    code = (
        "import sys, shapiq_spex, shapiq_spex.games, shapiq_spex.cli;"
        "print(sorted(m for m in sys.modules if m.startswith(('shapiq_spex.engines.',"
        " 'shapiq_spex.llm'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['shapiq_spex.engines.segments']"
