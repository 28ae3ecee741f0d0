"""Print the functions of ``src/`` longer than a limit (lines, docstrings included).

Usage: ``python tools/long_functions.py [LIMIT]`` (default 80); exits 1 when any is found.
"""

import ast
import pathlib
import sys


def main() -> int:
    """Print the long functions; return 1 when there are any."""
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 80
    found = 0
    for path in sorted(pathlib.Path("src").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > limit:
                    print(f"{length:4d} {path}:{node.lineno} {node.name}")
                    found += 1
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
