"""Print docs/reliability.md's table of bad inputs: every case is run, its real message shown.

Run: ``python tools/validation_table.py`` (the test suite checks the same cases).
"""

from __future__ import annotations

import numpy as np

from shapiq_spex import SPEX, ProxySPEX
from shapiq_spex.evaluation import QueryCache


def _ok(masks):
    return masks.sum(axis=1).astype(float)


def _dates(masks):
    return masks.sum(axis=1).astype("datetime64[D]")


CASES = [
    ("n = 0", lambda: SPEX(0)),
    ("n = 2.5", lambda: SPEX(2.5)),
    ("unknown index", lambda: SPEX(10, index="Shapley")),
    ("max_order > n", lambda: SPEX(10, max_order=11)),
    ("max_order = 0", lambda: SPEX(10, max_order=0)),
    ("random_state = -1", lambda: SPEX(10, random_state=-1)),
    ("random_state = a Generator", lambda: SPEX(10, random_state=np.random.default_rng(0))),
    ("degree = 0", lambda: SPEX(10, degree=0)),
    ("decoder = 'fuzzy'", lambda: SPEX(10, decoder="fuzzy")),
    ("holdout_fraction = 0.7", lambda: SPEX(10, holdout_fraction=0.7)),
    ("cache for other n", lambda: SPEX(10, cache=QueryCache(":memory:", "g", 11))),
    ("budget = 0", lambda: SPEX(300).approximate(0, _ok)),
    ("budget = 1e3 (float)", lambda: SPEX(300).approximate(1e3, _ok)),
    ("budget below the design minimum", lambda: SPEX(300).approximate(100, _ok)),
    ("game not callable", lambda: SPEX(300).approximate(2000, 42)),
    ("game with no argument", lambda: SPEX(300).approximate(2000, lambda: 0.0)),
    ("game with two arguments", lambda: SPEX(300).approximate(2000, lambda a, b: a)),
    ("game returns (m, 2)", lambda: SPEX(300).approximate(2000, lambda m: np.zeros((len(m), 2)))),
    ("game returns a scalar", lambda: SPEX(300).approximate(2000, lambda m: 1.0)),
    ("game returns strings", lambda: SPEX(300).approximate(2000, lambda m: ["a"] * len(m))),
    ("game returns NaN", lambda: SPEX(300).approximate(2000, lambda m: np.full(len(m), np.nan))),
    ("game raises", lambda: SPEX(300).approximate(2000, lambda m: 1 / 0)),
    ("game returns complex", lambda: SPEX(300).approximate(2000, lambda m: 1j * m.sum(axis=1))),
    ("game returns datetime64", lambda: SPEX(300).approximate(2000, _dates)),
    ("game returns objects", lambda: SPEX(300).approximate(2000, lambda m: [None] * len(m))),
    ("cache n_players = 2.5", lambda: QueryCache(":memory:", "g", 2.5)),
    ("cache in a missing folder", lambda: QueryCache("no-such-folder/runs.sqlite", "g", 10)),
    ("cache path is a folder", lambda: QueryCache(".", "g", 10)),
    ("n above the largest BCH code", lambda: SPEX(70_000)),
    (
        "holdout_fraction leaves < 10 masks",
        lambda: SPEX(64, holdout_fraction=1e-9).approximate(4000, _ok),
    ),
    ("ProxySPEX budget below 64", lambda: ProxySPEX(20).approximate(40, _ok)),
    ("unknown link", lambda: ProxySPEX(20, link="probit")),
    ("values outside the link's domain", lambda: ProxySPEX(20, link="logit").approximate(200, _ok)),
    ("sampling_weights given", lambda: ProxySPEX(20, sampling_weights=np.ones(21) / 21)),
    ("degree and degree_parameter", lambda: SPEX(20, degree=3, degree_parameter=4)),
]


def messages() -> list[tuple[str, str, str]]:
    """``(case, exception type, message)`` for every case."""
    out = []
    for name, call in CASES:
        try:
            call()
        except Exception as exc:  # the point is to show any exception
            out.append((name, type(exc).__name__, str(exc)))
        else:
            out.append((name, "-", "no error"))
    return out


if __name__ == "__main__":
    print("| bad input | exception | message |")
    print("|---|---|---|")
    for name, kind, message in messages():
        print(f"| {name} | `{kind}` | {message.replace('|', '/')} |")
