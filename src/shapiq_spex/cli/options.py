"""How every command declares, parses and rejects its arguments (stdlib only at import time).

``explain``, ``demo``, ``bench`` and ``python -m benchmarks`` build their parsers from
:class:`Parser` and declare the options they share (budget, seed, target R², quiet, output
files and folders, key lists) with the ``add_*`` functions here, so that an option parses,
checks and fails in the same way under every command. A bad argument ends with one line,
``PROG: error: ...``, and exit code 2, before any work; so does a :class:`UsageError` raised
after parsing (:func:`fail`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from .argtypes import key_list, non_negative_int, open_fraction, output_folder, positive_int

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "Parser",
    "UsageError",
    "add_budget",
    "add_keys",
    "add_out",
    "add_quiet",
    "add_seed",
    "add_target",
    "fail",
    "until_the_pipe_closes",
]

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, the shell's convention for Ctrl-C
EXIT_BROKEN_PIPE = 128 + 13  # killed by SIGPIPE, the shell's convention


class UsageError(Exception):
    """A bad input found after parsing (reported in one line, exit code 2)."""


class Parser(argparse.ArgumentParser):
    """Bad arguments give one line and exit code 2, never a traceback or a usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        """Exit with code 2 after one line, ``PROG: error: MESSAGE``."""
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def fail(prog: str, message: str) -> int:
    """Print ``PROG: error: MESSAGE`` (one line) on stderr; returns the exit code 2."""
    print(f"{prog}: error: {' '.join(str(message).split())}", file=sys.stderr)
    return EXIT_USAGE


def until_the_pipe_closes(command: Callable[[], int]) -> int:
    """Run ``command`` and return its exit code; a closed standard output ends it quietly.

    When the reader of the output goes away (``shapiq-spex ... | head``), the command stops
    with the exit code of a process ended by SIGPIPE, as ``yes | head`` does, and standard
    output is pointed at /dev/null so that Python's final flush does not complain again.
    """
    try:
        code = command()
        sys.stdout.flush()  # here, not at exit, so that a closed pipe is caught below
        return code
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_BROKEN_PIPE


def add_budget(
    parser: argparse.ArgumentParser,
    *flags: str,
    default: int,
    help: str,
) -> None:
    """A query budget: a positive integer (``--budget`` unless other ``flags`` are given)."""
    parser.add_argument(
        *(flags or ("--budget",)), type=positive_int, default=default, metavar="N", help=help
    )


def add_target(
    parser: argparse.ArgumentParser,
    *flags: str,
    default: float | None = None,
    help: str,
) -> None:
    """A target faithfulness R²: a number strictly between 0 and 1 (``--target-r2``)."""
    parser.add_argument(
        *(flags or ("--target-r2",)), type=open_fraction, default=default, metavar="X", help=help
    )


def add_seed(
    parser: argparse.ArgumentParser,
    default: int = 0,
    help: str = "random seed (default %(default)s)",
) -> None:
    """``--seed``: an integer >= 0, the ``random_state`` of the approximators."""
    parser.add_argument("--seed", type=non_negative_int, default=default, help=help)


def add_quiet(parser: argparse.ArgumentParser) -> None:
    """``--quiet``: no progress bar and no progress lines."""
    parser.add_argument("--quiet", action="store_true", help="no progress bar or progress lines")


def add_out(
    parser: argparse.ArgumentParser,
    default: Path | None,
    help: str | None = None,
) -> None:
    """``--out``: the output folder (created when the first file is written)."""
    text = help or f"output folder (default {default})"
    parser.add_argument("--out", type=output_folder, default=default, metavar="DIR", help=text)


def add_keys(
    parser: argparse.ArgumentParser,
    flag: str,
    help: str,
) -> None:
    """A comma-separated list of registry keys (``--games``, ``--methods``)."""
    parser.add_argument(flag, type=key_list, metavar="KEY,...", help=help)
