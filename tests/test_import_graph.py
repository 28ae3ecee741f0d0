"""The package's modules import each other without cycles, and by names static tools follow.

The graph has an edge for every import of a ``shapiq_spex`` module anywhere in a module:
at the top, inside functions and under ``TYPE_CHECKING`` (a cycle there still ties the
modules together for readers and type checkers). ``from package import name`` is an edge to
the submodule ``package.name`` when there is one, else to the package.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).parents[1] / "src"
PACKAGE = "shapiq_spex"


def _modules(root: Path) -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, is a package ``__init__``)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def _imported(node: ast.AST, here: list[str], known: dict) -> list[str]:
    """The module names one import statement names (``here``: the importing package)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = here[: len(here) - node.level + 1]
        module = ".".join([*base, *([node.module] if node.module else [])])
    else:
        module = node.module or ""
    names = [f"{module}.{alias.name}" for alias in node.names]
    return [name if name in known else module for name in names]


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports."""
    known = _modules(root)
    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, (path, is_package) in known.items():
        here = name.split(".") if is_package else name.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for target in _imported(node, here, known):
                while target not in known and "." in target:  # an attribute of a module
                    target = target.rsplit(".", 1)[0]
                if target in known and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "pkg"


def test_the_graph_sees_cycles_through_functions_type_checking_and_packages(tmp_path):
    root = _write(
        tmp_path,
        {
            "pkg/__init__.py": "from .a import f\n",
            "pkg/a.py": "def f():\n    from .sub import b\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from ..a import f\n",
            "pkg/c.py": "import pkg.d\n",
            "pkg/d.py": "from pkg import c\n",
            "pkg/e.py": "from . import a\nimport os\n",
        },
    )
    graph = import_graph(root)
    assert graph["pkg"] == {"pkg.a"} and graph["pkg.e"] == {"pkg.a"}
    assert cycles(graph) == [["pkg.a", "pkg.sub.b"], ["pkg.c", "pkg.d"]]


def test_the_package_has_no_import_cycle():
    graph = import_graph(SRC / PACKAGE)
    assert len(graph) > 50 and "shapiq_spex.bench.real_games" in graph
    assert cycles(graph) == []


def test_the_benchmark_imports_our_code_by_name_not_by_string():
    # importlib.import_module("shapiq_spex....") hid bench.methods' use of the approximators
    # from static tools (and from this graph)
    graph = import_graph(SRC / PACKAGE)
    assert "shapiq_spex.approximators" in graph["shapiq_spex.bench.methods"]
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module":
                raise AssertionError(f"{path}: importlib.import_module at line {node.lineno}")
