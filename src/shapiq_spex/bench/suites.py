"""Benchmark suites: which games, at which budgets, with which methods and seeds.

* ``tiny``: seconds; for tests of the pipeline.
* ``quick`` (default): under 5 minutes on a loaded 2-core machine. One seed; the slow shapiq
  baselines (SPEX: 20-90 s of numba compilation on its first call; ProxySPEX: a 40-fit grid
  search, 30-110 s per call) and the order-3 regressions are excluded and shown as n/a.
* ``full``: the figures of docs/benchmarks.md, under 90 minutes: synthetic games from n=32 to
  4096 with and without noise, tabular models, VADER on short and long reviews, every method,
  3 seeds.
* ``spex-vs-shapiq`` and ``proxyspex-vs-shapiq``: head-to-head comparisons of ours with
  shapiq's own SPEX and ProxySPEX (hours; the report adds paired head-to-head tables).
* ``real``: real models at 30-1000 players (:mod:`.real_games`: VADER on reviews of about 40,
  120 and 400 words, the offline LLM's sentiment and retrieval answer, MLP / LightGBM / random
  forest on scikit-learn data, data attribution with 200 and 1000 training points, all 270
  attention heads of SmolLM2), ours against every anchor that fits, under 120 minutes; the
  report adds the lead table (ours against the best anchor at 4000 queries) and the
  feature-identification (removal) check. Every game also runs at the few-call budgets 64,
  128 and 256 against the ContextCite-style Lasso, KernelSHAP, Banzhaf, ProxySHAP and shapiq's
  ProxySPEX without HPO; the report adds ours against the best first-order method per budget.
* ``honest`` (issue 21): our approximators' reported ``faithfulness_`` against the R² on 2000
  fresh uniform masks, every ``real`` game and a saturated VADER review, budgets 128-4000.

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

from ._registry import lookup
from .metrics import REMOVAL_K

__all__ = [
    "FIRST_ORDER",
    "HONEST_BUDGETS",
    "HONEST_HOLDOUT",
    "HONEST_SEED",
    "LLM_ENTRY",
    "SUITES",
    "Entry",
    "Exclusion",
    "Suite",
    "get_suite",
]


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
        from_seed: Seeds below it are not excluded (``0``: every seed is); for a method run
            on fewer seeds than the others.
        budgets: The only budgets it applies to (``None``: every budget).
    """

    method: str
    reason: str
    games: tuple[str, ...] | None = None
    except_games: tuple[str, ...] = ()
    except_budgets: tuple[int, ...] = ()
    from_seed: int = 0
    budgets: tuple[int, ...] | None = None

    def applies(self, method: str, game: str, budget: int, seed: int = 0) -> bool:
        """Whether this exclusion covers the call."""
        return (
            method == self.method
            and (self.games is None or game in self.games)
            and game not in self.except_games
            and budget not in self.except_budgets
            and (self.budgets is None or budget in self.budgets)
            and seed >= self.from_seed
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
        memory_cap_gb: Predicted-memory cap of the dense regressions.
        max_minutes: Wall-clock limit of the whole run.
        exclusions: Methods left out of some cells, with reasons.
        scale_budget: Budget of the overhead-vs-n plot.
        time_caps: Per-method caps replacing ``time_cap_s`` (documented in the report).
        reference: The method the report's overhead ratio column divides by.
        head_to_head: ``(ours, baseline)`` method pairs the report compares on the seeds both
            ran (R², queries, overhead and its ratio).
        removal_k: Numbers of players removed by the feature-identification check (a few
            extra queries of the noiseless game per call, not counted in the method's).
        skip_underdetermined: Dense regressions with fewer queries than unknowns are not run
            (instead of run and footnoted: their R² is meaningless, far below zero).
        skip_underdetermined_from: The skip applies to regressions of at least this order
            (2: first-order KernelSHAP and Banzhaf still run at few queries, footnoted, since
            that is how they are used with few calls).
        lead_budget: Budget of the report's lead table (ours against the best anchor per
            game), ``None`` for no such table.
        holdout_size: Held-out masks of every game, replacing the games' own numbers
            (``None``: the games' own).
        holdout_seed: The held-out masks of an ``n``-player game are drawn with seed
            ``holdout_seed + n`` (``None``: the package's ``HOLDOUT_SEED + n``).
        honest: The report lists, per call of ours, the faithfulness the method reported
            beside the R² measured on the held-out masks (else only a summary line).
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
    reference: str = "spex"
    head_to_head: tuple[tuple[str, str], ...] = ()
    removal_k: tuple[int, ...] = REMOVAL_K
    lead_budget: int | None = None
    skip_underdetermined: bool = False
    skip_underdetermined_from: int = 1
    holdout_size: int | None = None
    holdout_seed: int | None = None
    honest: bool = False

    def excluded(self, method: str, game: str, budget: int, seed: int = 0) -> str | None:
        """Why ``method`` is not run on ``game`` at ``budget`` and ``seed`` (``None``: it is)."""
        for exclusion in self.exclusions:
            if exclusion.applies(method, game, budget, seed):
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

_SPEX_BUDGETS = (2000, 8000, 32000)
_PROXY_BUDGETS = (1000, 4000, 16000)

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
    "spex-vs-shapiq": Suite(
        name="spex-vs-shapiq",
        description="SPEX (ours) against shapiq 1.8's SPEX side by side: SOUM at n=64, 256, "
        "1024 and Fourier-sparse functions at n=256, 1024, budgets 2000-32000, 3 seeds; ours "
        "alone at n=10,000. Hours: shapiq's SPEX took 3-1000 s per call on the shared machine",
        entries=(
            Entry("soum-64", _SPEX_BUDGETS),
            Entry("soum-256", _SPEX_BUDGETS),
            Entry("soum-1024", _SPEX_BUDGETS),
            Entry("fourier-256", _SPEX_BUDGETS),
            Entry("fourier-1024", _SPEX_BUDGETS),
            Entry("fourier-10000-d3", (20000,), seeds=1),
        ),
        methods=("spex", "shapiq-spex"),
        seeds=3,
        time_cap_s=1200.0,
        memory_cap_gb=3.0,
        max_minutes=600.0,
        exclusions=(
            Exclusion(
                "shapiq-spex",
                "not run at n=10,000: shapiq's SPEX needs minutes per call from n=1024 on",
                games=("fourier-10000-d3",),
            ),
        ),
        scale_budget=8000,
        head_to_head=(("spex", "shapiq-spex"),),
    ),
    "proxyspex-vs-shapiq": Suite(
        name="proxyspex-vs-shapiq",
        description="ProxySPEX (ours) against shapiq 1.8's ProxySPEX with its default grid "
        "search (hpo=True) and without it, and our SPEX: SOUM at n=64 and 256 and LightGBM on "
        "breast_cancer, budgets 1000-16000, 3 seeds (hpo=True on 3 seeds at 1000, on seed 0 "
        "above). One to two hours: the grid search takes 7-900 s per call on the shared machine",
        entries=(
            Entry("soum-64", _PROXY_BUDGETS),
            Entry("soum-256", _PROXY_BUDGETS),
            Entry("lgbm-breast_cancer", _PROXY_BUDGETS),
        ),
        methods=("proxyspex", "shapiq-proxyspex", "shapiq-proxyspex-nohpo", "spex"),
        seeds=3,
        time_cap_s=600.0,
        memory_cap_gb=3.0,
        max_minutes=240.0,
        exclusions=(
            Exclusion(
                "shapiq-proxyspex",
                "shapiq's ProxySPEX with hpo=True runs on seed 0 only above 1000 queries (its "
                "40-fit grid search takes minutes per call)",
                except_budgets=(1000,),
                from_seed=1,
            ),
        ),
        time_caps=(("shapiq-proxyspex", 1200.0),),
        scale_budget=4000,
        reference="proxyspex",
        head_to_head=(
            ("proxyspex", "shapiq-proxyspex"),
            ("proxyspex", "shapiq-proxyspex-nohpo"),
        ),
    ),
}


_ANCHORS = (
    "shapiq-proxyspex-nohpo",
    "shapiq-spex",
    "proxyshap",
    "faith-banzhaf-2",
    "faith-shap-2",
    "kernelshap",
    "banzhaf",
    "shapiq-proxyspex",
)
CHEAP_GAMES = (
    "vader-40",
    "vader-120",
    "vader-400",
    "mlp-digits",
    "lgbm-digits",
    "rf-breast_cancer",
    "data-lr-200",
    "data-knn-1000",
)
"""The real suite's games whose queries cost milliseconds."""
_VADER_GAMES = ("vader-40", "vader-120", "vader-400")
_PROBABILITY_GAMES = (
    "mlp-digits",
    "lgbm-digits",
    "rf-breast_cancer",
    "data-lr-200",
    "data-lgbm-200",
)
_LINKED = {
    "proxyspex-vader": (_VADER_GAMES, "VADER games"),
    "spex-vader": (_VADER_GAMES, "VADER games"),
    "proxyspex-logit": (_PROBABILITY_GAMES, "games whose values are probabilities"),
    "spex-logit": (_PROBABILITY_GAMES, "games whose values are probabilities"),
    "proxyspex-vader-output": (_VADER_GAMES, "VADER games"),
    "proxyspex-logit-output": (_PROBABILITY_GAMES, "games whose values are probabilities"),
}
_HPO_UP_TO_4000 = ("vader-40", "vader-120", "rf-breast_cancer")
_HPO_UP_TO_1000 = ("mlp-digits", "lgbm-digits")
_HALF = (
    "ours only at this budget: the lead table's check whether ours reaches the best anchor's "
    "R² with half of its queries"
)
_HPO = (
    "shapiq's ProxySPEX with hpo=True (a 5-fold grid search of 40 LightGBM fits per call) "
    "only where its calls took under 60 s in trials (4-45 s): the 40- and 120-word reviews "
    "and the random forest up to 4000 queries, the MLP and LightGBM on digits up to 1000; "
    "its time cap of 60 s stops it at the larger budgets of a game after a longer call"
)
_HEADS = (
    "ours only below the lead budget on the heads game (13-20 ms a query: every method at "
    "4000 and ours at 1000 and 2000 fit in the 60-minute suite)"
)


def _only(methods: tuple[str, ...], games: tuple[str, ...], reason: str) -> tuple:
    """Exclusions of every suite method but ``methods`` on ``games``."""
    return tuple(
        Exclusion(m, reason, games=games)
        for m in ("proxyspex", "spex", *_ANCHORS, *_LINKED)
        if m not in methods
    )


def _linked_only() -> tuple:
    """Our methods with an output link run only on the games whose values fit the link."""
    return tuple(
        Exclusion(m, f"link for {what} only", except_games=games)
        for m, (games, what) in _LINKED.items()
    )


_LOW = (64, 128, 256)
"""The few-call budgets of the ``real`` suite (ContextCite's default is 64 ablations)."""
FIRST_ORDER = ("contextcite-lasso", "kernelshap", "banzhaf")
"""The first-order baselines of the report's per-budget comparison."""
_BASELINES = ("contextcite-lasso", *_ANCHORS)
_NOT_LOW = ("shapiq-spex", "faith-banzhaf-2", "faith-shap-2", "shapiq-proxyspex")
_LOW_REASON = (
    "not run at the few-call budgets 64-256: there the suite compares ours with the "
    "ContextCite Lasso, KernelSHAP, Banzhaf, ProxySHAP and shapiq's ProxySPEX without HPO "
    "(order-2 regressions are underdetermined there, shapiq's SPEX refuses such budgets, and "
    "the HPO grid search does not fit in the suite)"
)
_LLM_LOW = (
    "proxyspex",
    "spex",
    "contextcite-lasso",
    "kernelshap",
    "banzhaf",
    "proxyshap",
    "shapiq-proxyspex-nohpo",
)
_RAG_LOW = ("proxyspex", "spex", "contextcite-lasso", "kernelshap", "shapiq-proxyspex-nohpo")
_RAG = (
    "not run at this budget of the LLM RAG game: at 0.35-0.7 s per query the suite runs ours, "
    "the ContextCite Lasso, KernelSHAP and shapiq's ProxySPEX (no HPO) at 64-256, the four "
    "methods of its former runs and the Lasso at 300, and ours and the Lasso at 1000"
)


def _only_at(
    methods: tuple[str, ...], games: tuple[str, ...], budgets: tuple[int, ...], reason: str
) -> tuple:
    """Exclusions of every suite method but ``methods`` on ``games`` at ``budgets``."""
    return tuple(
        Exclusion(m, reason, games=games, budgets=budgets)
        for m in ("proxyspex", "spex", *_BASELINES, *_LINKED)
        if m not in methods
    )


_LLM_SENTIMENT = (
    "not run on the LLM sentiment game: at 0.1-0.2 s per query the suite runs ours and the "
    "brief's baselines (ContextCite Lasso, KernelSHAP, Banzhaf, ProxySHAP, shapiq's ProxySPEX "
    "without HPO) at 64-256, and six methods and the Lasso at 1000 (Faith-Banzhaf/Faith-Shap "
    "of order 2 would be underdetermined: 1,082 unknowns for 1000 queries)"
)

_REAL = Suite(
    name="real",
    description="real models at 22-1000 players, offline: VADER on reviews of about 40, 120 "
    "and 400 words, the SmolLM2 sentiment log-odds and RAG answer, MLP / LightGBM / random "
    "forest on scikit-learn data, data attribution (200 and 1000 training points), all 270 "
    "SmolLM2 attention heads; ours against shapiq 1.8's anchors and a ContextCite-style Lasso "
    "from 64 queries on, one seed, under 120 minutes (resumable)",
    entries=(
        Entry("vader-40", (*_LOW, 500, 1000, 2000, 4000, 16000)),
        Entry("vader-120", (*_LOW, 500, 1000, 2000, 4000, 16000)),
        Entry("vader-400", (*_LOW, 500, 1000, 2000, 4000)),
        Entry("mlp-digits", (*_LOW, 500, 1000, 2000, 4000, 16000)),
        Entry("lgbm-digits", (*_LOW, 500, 1000, 2000, 4000, 16000)),
        Entry("rf-breast_cancer", (*_LOW, 500, 1000, 2000, 4000, 16000)),
        Entry("data-lr-200", (*_LOW, 500, 1000, 2000, 4000)),
        Entry("data-lgbm-200", (*_LOW, 1000, 2000, 4000)),
        Entry("data-knn-1000", (*_LOW, 500, 1000, 2000, 4000)),
        Entry("heads-270", (*_LOW, 1000, 2000, 4000)),
        Entry("llm-sentiment", (*_LOW, 1000)),
        Entry("llm-rag", (*_LOW, 300, 1000)),
    ),
    methods=("proxyspex", "spex", *_LINKED, *_BASELINES),
    seeds=1,
    time_cap_s=300.0,
    memory_cap_gb=3.0,
    max_minutes=120.0,
    exclusions=(
        *(Exclusion(m, _LOW_REASON, budgets=_LOW) for m in _NOT_LOW),
        *_linked_only(),
        *(
            Exclusion(m, _HALF, games=CHEAP_GAMES, except_budgets=(*_LOW, 500, 1000, 4000, 16000))
            for m in _ANCHORS
        ),
        *(
            Exclusion(m, _HEADS, games=("heads-270",), except_budgets=(*_LOW, 4000))
            for m in _ANCHORS
        ),
        *(
            Exclusion(
                m,
                "LightGBM retrained per coalition (7-10 ms a query): the anchors run at the "
                "few-call budgets and the lead budget only, ours and the Lasso at 1000 and "
                "2000 as well",
                games=("data-lgbm-200",),
                except_budgets=(*_LOW, 4000),
            )
            for m in _ANCHORS
        ),
        Exclusion("shapiq-proxyspex", _HPO, except_games=(*_HPO_UP_TO_4000, *_HPO_UP_TO_1000)),
        Exclusion(
            "shapiq-proxyspex", _HPO, games=_HPO_UP_TO_4000, except_budgets=(500, 1000, 4000)
        ),
        Exclusion("shapiq-proxyspex", _HPO, games=_HPO_UP_TO_1000, except_budgets=(500, 1000)),
        *_only_at(_LLM_LOW, ("llm-sentiment",), _LOW, _LLM_SENTIMENT),
        *_only_at(
            (
                "proxyspex",
                "spex",
                "contextcite-lasso",
                "shapiq-proxyspex-nohpo",
                "shapiq-spex",
                "proxyshap",
                "kernelshap",
            ),
            ("llm-sentiment",),
            (1000,),
            _LLM_SENTIMENT,
        ),
        *_only_at(_RAG_LOW, ("llm-rag",), _LOW, _RAG),
        *_only_at(
            ("proxyspex", "spex", "shapiq-proxyspex-nohpo", "faith-banzhaf-2", "contextcite-lasso"),
            ("llm-rag",),
            (300,),
            _RAG,
        ),
        *_only_at(("proxyspex", "contextcite-lasso"), ("llm-rag",), (1000,), _RAG),
    ),
    time_caps=(("shapiq-proxyspex", 60.0),),
    scale_budget=4000,
    reference="proxyspex",
    head_to_head=(("proxyspex", "shapiq-proxyspex-nohpo"), ("spex", "shapiq-spex")),
    lead_budget=4000,
    skip_underdetermined=True,
    skip_underdetermined_from=2,
)
SUITES["real"] = _REAL

HONEST_BUDGETS = (128, 300, 1000, 4000)
"""Budgets of the ``honest`` suite."""
HONEST_HOLDOUT = 2000
"""Fresh held-out masks of the ``honest`` suite (never queried, seed ``HONEST_SEED + n``)."""
HONEST_SEED = 424_242
_SATURATED_GAMES = ("vader-saturated-12", "vader-saturated-20", "vader-saturated-40")
_OURS_HONEST = ("proxyspex", "spex", *_LINKED)
_HONEST_LLM = (
    "ours with ProxySPEX only on the LLM games (0.1-0.7 s per query); the RAG game up to 1000 "
    "queries"
)

SUITES["honest"] = Suite(
    name="honest",
    description=f"issue 21: the faithfulness our approximators report against the R² on "
    f"{HONEST_HOLDOUT} fresh uniform masks (seed {HONEST_SEED} + n, never queried), every "
    f"game of the real suite and a saturated VADER review of 12 / 20 / 40 sentences, budgets "
    f"{' / '.join(map(str, HONEST_BUDGETS))}, one seed",
    entries=(
        *(
            Entry(e.game, HONEST_BUDGETS)
            for e in _REAL.entries
            if e.game not in ("llm-sentiment", "llm-rag")
        ),
        *(Entry(game, HONEST_BUDGETS) for game in _SATURATED_GAMES),
        Entry("llm-sentiment", HONEST_BUDGETS),
        Entry("llm-rag", HONEST_BUDGETS[:-1]),
    ),
    methods=_OURS_HONEST,
    seeds=1,
    time_cap_s=600.0,
    memory_cap_gb=3.0,
    max_minutes=90.0,
    exclusions=(
        *(
            Exclusion(m, f"link for {what} only", except_games=games)
            for m, (games, what) in _LINKED.items()
            if not m.endswith("-vader")
        ),
        *(
            Exclusion(m, "link for VADER games only", except_games=(*games, *_SATURATED_GAMES))
            for m, (games, _what) in _LINKED.items()
            if m.endswith("-vader")
        ),
        *(
            Exclusion(m, _HONEST_LLM, games=("llm-sentiment", "llm-rag"))
            for m in _OURS_HONEST
            if m != "proxyspex"
        ),
    ),
    scale_budget=4000,
    reference="proxyspex",
    removal_k=(),
    holdout_size=HONEST_HOLDOUT,
    holdout_seed=HONEST_SEED,
    honest=True,
)


LLM_ENTRY = Entry("llm-short", (128, 256))
"""The optional LLM game (``--llm``): about 0.15 s per query, 150 s for the held-out masks."""


def get_suite(name: str) -> Suite:
    """The suite ``name``.

    Raises:
        KeyError: If no suite has this name (the message lists the suites).
    """
    return lookup(SUITES, name, "suite")
