"""Benchmark suites: which games, at which budgets, with which methods and seeds.

* ``tiny``: seconds; for tests of the pipeline.
* ``quick`` (default): under 5 minutes on a loaded 2-core machine. One seed; the slow shapiq
  baselines (SPEX: 20-90 s of numba compilation on its first call; ProxySPEX: a 40-fit grid
  search, 30-110 s per call) and the order-3 regressions are excluded and shown as n/a.
* ``full``: the README's figures, under 90 minutes: synthetic games from n=32 to 4096 with and
  without noise, tabular models, VADER on short and long reviews, every method, 3 seeds.

Caps (per call, both documented in the report): a dense regression predicted to need more
than ``memory_cap_gb`` or ``time_cap_s`` is not run. Any other method is timed: after a call
of ``t`` seconds at ``(n0, b0)``, a call on the same game family at ``n >= n0`` and budget
``b >= b0`` is predicted to take at least ``t * b / b0`` and is not run when that exceeds
twice ``time_cap_s`` (a margin for a shared machine's noise) or when a call at smaller or
equal ``n`` and budget exceeded the cap (remaining seeds included); calls shorter than a
tenth of the cap are not extrapolated.
Every method runs once, untimed, before its first timed call (imports, numba compilation).
``max_minutes`` bounds the whole run; calls left when it is reached are reported as n/a (the
slow methods of tier 1 run last, so they are the ones cut).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LLM_ENTRY", "SUITES", "Entry", "Exclusion", "Suite", "get_suite"]


@dataclass(frozen=True)
class Entry:
    """A game and its budgets (``seeds`` overrides the suite's number of seeds)."""

    game: str
    budgets: tuple[int, ...]
    seeds: int | None = None


@dataclass(frozen=True)
class Exclusion:
    """A method not run on some games or budgets, with the reason printed in the table.

    Attributes:
        method: Method key.
        reason: Shown as the n/a footnote.
        games: Game keys it applies to (``None``: every game).
        except_games: Game keys it does not apply to.
        except_budgets: Budgets it does not apply to.
    """

    method: str
    reason: str
    games: tuple[str, ...] | None = None
    except_games: tuple[str, ...] = ()
    except_budgets: tuple[int, ...] = ()

    def applies(self, method: str, game: str, budget: int) -> bool:
        """Whether this exclusion covers the call."""
        return (
            method == self.method
            and (self.games is None or game in self.games)
            and game not in self.except_games
            and budget not in self.except_budgets
        )


@dataclass(frozen=True)
class Suite:
    """A benchmark suite.

    Attributes:
        name: Suite name.
        description: One line for the report.
        entries: Games and budgets, in order of increasing cost within a family.
        methods: Method keys, in table order.
        seeds: Seeds (game instances) per entry.
        time_cap_s: Per-call time cap (predicted for dense regressions, observed otherwise).
        time_caps: Per-method caps replacing ``time_cap_s`` (documented in the report).
        memory_cap_gb: Predicted-memory cap of the dense regressions.
        max_minutes: Wall-clock limit of the whole run.
        exclusions: Methods left out of some cells, with reasons.
        scale_budget: Budget of the overhead-vs-n plot.
    """

    name: str
    description: str
    entries: tuple[Entry, ...]
    methods: tuple[str, ...]
    seeds: int
    time_cap_s: float
    memory_cap_gb: float
    max_minutes: float
    exclusions: tuple[Exclusion, ...] = ()
    scale_budget: int | None = None
    time_caps: tuple[tuple[str, float], ...] = ()

    def excluded(self, method: str, game: str, budget: int) -> str | None:
        """The reason ``method`` is not run on ``game`` at ``budget`` (``None``: it is run)."""
        for exclusion in self.exclusions:
            if exclusion.applies(method, game, budget):
                return exclusion.reason
        return None


_CORE = ("spex", "proxyspex", "kernelshap", "banzhaf")
_ORDER_2 = ("faith-shap-2", "faith-banzhaf-2", "kernelshapiq-2", "proxyshap")
_ORDER_3 = ("faith-shap-3", "faith-banzhaf-3")
_SLOW = ("shapiq-spex", "shapiq-proxyspex")
ALL_METHODS = _CORE + _ORDER_2 + _ORDER_3 + _SLOW

_QUICK_REASON = {
    "shapiq-spex": "not in the quick suite: its first call compiles numba kernels (20-90 s); "
    "run --suite full, or --methods ...,shapiq-spex",
    "shapiq-proxyspex": "not in the quick suite: its default grid search fits 40 LightGBM "
    "models per call (30-250 s); run --suite full",
    "faith-shap-3": "not in the quick suite (runtime); run --suite full",
    "faith-banzhaf-3": "not in the quick suite (runtime); run --suite full",
}

_FULL_SPEX_GAMES = (
    "soum-64",
    "soum-256",
    "soum-1024",
    "fourier-256",
    "lgbm-breast_cancer",
    "vader-short",
)
_FULL_SPEX = (
    "not in the full suite outside SOUM n=64/256/1024, Fourier n=256, LightGBM on "
    "breast_cancer and VADER short reviews: shapiq's SPEX took 13-85 s per warm call at "
    "n=64-128 on the loaded 2-core machine"
)
_FULL_PROXYSPEX = (
    "not in the full suite outside SOUM n=64 at budget 1000: shapiq's ProxySPEX fits 40 "
    "LightGBM models per call (100-250 s per call on the loaded 2-core machine)"
)

SUITES: dict[str, Suite] = {
    "tiny": Suite(
        name="tiny",
        description="pipeline check in seconds: two small SOUM games, four methods, one seed",
        entries=(Entry("soum-12", (256, 512)), Entry("soum-16", (256, 512))),
        methods=("spex", "kernelshap", "banzhaf", "faith-banzhaf-2"),
        seeds=1,
        time_cap_s=30.0,
        memory_cap_gb=3.0,
        max_minutes=2.0,
        scale_budget=512,
    ),
    "quick": Suite(
        name="quick",
        description="the embedded default: synthetic, tabular and text games at a few budgets, "
        "one seed, under 5 minutes",
        entries=(
            Entry("soum-64", (1000, 4000)),
            Entry("soum-256", (1000, 4000)),
            Entry("fourier-256-noisy", (1000, 4000)),
            Entry("lgbm-breast_cancer", (500, 2000)),
            Entry("vader-short", (500, 2000)),
        ),
        methods=ALL_METHODS,
        seeds=1,
        time_cap_s=30.0,
        memory_cap_gb=3.0,
        max_minutes=5.0,
        exclusions=tuple(Exclusion(m, r) for m, r in _QUICK_REASON.items()),
        scale_budget=4000,
    ),
    "full": Suite(
        name="full",
        description="the README's figures: every game family and method, 3 seeds, median "
        "(min-max), under 90 minutes",
        entries=(
            Entry("soum-32", (250, 500, 1000, 2000)),
            Entry("soum-64", (1000, 2000, 4000, 8000)),
            Entry("soum-256", (2000, 8000, 32000)),
            Entry("soum-1024", (8000, 32000)),
            Entry("soum-4096", (8000, 32000)),
            Entry("soum-64-noisy", (1000, 4000, 8000)),
            Entry("fourier-256", (2000, 8000, 32000)),
            Entry("fourier-1024", (8000, 32000)),
            Entry("fourier-256-noisy", (8000, 32000)),
            Entry("lgbm-diabetes", (200, 400, 800)),
            Entry("rf-wine", (250, 500, 1000)),
            Entry("lgbm-breast_cancer", (500, 1000, 2000, 4000)),
            Entry("lgbm-digits", (1000, 2000, 4000)),
            Entry("vader-short", (500, 1000, 2000), seeds=4),
            Entry("vader-long", (1000, 4000)),
        ),
        methods=ALL_METHODS,
        seeds=3,
        time_cap_s=60.0,
        memory_cap_gb=3.0,
        max_minutes=90.0,
        exclusions=(
            Exclusion("shapiq-spex", _FULL_SPEX, except_games=_FULL_SPEX_GAMES),
            Exclusion("shapiq-proxyspex", _FULL_PROXYSPEX, except_games=("soum-64",)),
            Exclusion("shapiq-proxyspex", _FULL_PROXYSPEX, except_budgets=(1000,)),
        ),
        time_caps=(("shapiq-proxyspex", 400.0),),
        scale_budget=8000,
    ),
}


LLM_ENTRY = Entry("llm-short", (128, 256))
"""The optional LLM game (``--llm``): about 0.15 s per query, 150 s for the held-out masks."""


def get_suite(name: str) -> Suite:
    """The suite ``name``.

    Raises:
        KeyError: If no suite has this name (the message lists the suites).
    """
    try:
        return SUITES[name]
    except KeyError:
        msg = f"unknown suite {name!r}; known suites: {', '.join(SUITES)}"
        raise KeyError(msg) from None
