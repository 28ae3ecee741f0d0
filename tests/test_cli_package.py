"""The command line is one package: entry point, ``python -m`` and the torch-free imports."""

from __future__ import annotations

import ast
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


def _imported_after(statement: str) -> list[str]:
    """The shapiq_spex engine modules and torch/transformers in ``sys.modules`` after it."""
    code = (
        f"import sys; {statement};"
        "print(sorted(m for m in sys.modules if m.startswith(('shapiq_spex.engines.',"
        " 'shapiq_spex.llm')) or m in ('transformers', 'torch')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert done.returncode == 0, done.stderr
    return ast.literal_eval(done.stdout.strip())


def test_package_and_games_import_no_engine() -> None:
    # torch itself may come with shapiq; no engine module and no transformers may
    imported = _imported_after("import shapiq_spex, shapiq_spex.games, shapiq_spex.cli")
    imported = [m for m in imported if m != "torch"]
    assert imported == ["shapiq_spex.engines.base", "shapiq_spex.engines.segments"]


def test_engine_agnostic_modules_and_the_engines_import_no_transformers() -> None:
    imported = _imported_after(
        "import shapiq_spex.engines.base, shapiq_spex.engines.scorers,"
        " shapiq_spex.engines.torch, shapiq_spex.engines.numpy, shapiq_spex.llm"
    )
    assert "transformers" not in imported
    assert {"shapiq_spex.engines.torch.engine", "shapiq_spex.engines.numpy.lm"} <= set(imported)


def _module_level_imports(tree: ast.Module) -> set[str]:
    """Top-level names imported outside functions and ``if TYPE_CHECKING:`` blocks."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_module_imports_torch_at_import_time_and_the_numpy_engine_never() -> None:
    package = ROOT / "src" / "shapiq_spex"
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text())
        found = _module_level_imports(tree) & {"torch", "transformers"}
        assert not found, f"{path.relative_to(package)} imports {found} at import time"
    for path in (package / "engines" / "numpy").rglob("*.py"):
        text = path.read_text()
        assert "import torch" not in text and "transformers" not in text, path.name
