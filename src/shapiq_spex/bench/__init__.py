"""Faithfulness benchmark: ours (SPEX, ProxySPEX) against shapiq 1.8's approximators.

Per game and budget, every method's held-out R² (faithfulness), the queries it spent (counted
by a wrapper around the game), its own overhead (wall time outside the game) and, where the
truth is known, how well it recovers the top interactions. Follows
``shared/notes/benchmark-protocol.md``.

Modules: :mod:`.harness` (counting, timing, memory, environment), :mod:`.metrics`,
:mod:`.specs` (what a game is), :mod:`.games` and :mod:`.methods` (registries),
:mod:`.suites`, :mod:`.runner`, :mod:`.cells` (records aggregated per game, budget and
method), :mod:`.report` (JSON, Markdown, merging runs), :mod:`.compare` (head-to-head
tables), :mod:`.plots` (PNG) and :mod:`.micro` (micro-benchmarks of single components). The
command line (``python -m benchmarks``, ``shapiq-spex bench``) is
:mod:`shapiq_spex.cli.bench`.
The held-out masks and the R² come from :mod:`shapiq_spex.metrics`.

Example:
    >>> from shapiq_spex.bench import get_suite, run_suite
    >>> result = run_suite(get_suite("tiny"))  # doctest: +SKIP
"""

from .runner import Record, RunResult, run_suite
from .suites import SUITES, get_suite

__all__ = ["SUITES", "Record", "RunResult", "get_suite", "run_suite"]
