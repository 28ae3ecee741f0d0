"""The approximators under test: ours and shapiq 1.8's baselines, a registry of :class:`MethodSpec`.

Each method is asked for the index it is built for, at the order the table names: ours and the
other sparse/proxy methods for Faith-Banzhaf of order 2 (FBII, the best order-2 approximation
under the uniform distribution the R² is measured on), the regressions for their own index.
The predictor whose R² is reported is

* for ours: the recovered function itself (``fourier_``, an exact representation);
* for shapiq's SPEX and ProxySPEX: the Möbius transform they recover internally (captured
  where they hand it to their index conversion), the same treatment as ours;
* for the ContextCite-style surrogate (``contextcite-lasso``): its linear model, which is the
  Möbius-form polynomial of its values (intercept and one weight per player);
* for every other method: the Möbius-form polynomial of its interaction values
  (:func:`~shapiq_spex.bench.metrics.moebius_predictor`).

For ours, a call also records the approximator's own quality estimate (``faithfulness_`` and
``faithfulness_method_``) and whether it warned of a poor fit or a saturated game, so that the
report can set the reported score beside the R² measured on held-out masks.

``r2_index`` in the results is the R² of the returned index values' polynomial for *every*
method, ours included.

Dense regressions (KernelSHAP, Banzhaf, Faith-Shap, Faith-Banzhaf, KernelSHAP-IQ) build a
``budget x T`` design and a ``T x T`` normal-equation matrix, ``T = C(n, <= order)``: they are
refused before running when the predicted memory or time exceeds the caps (see
:func:`refusal`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from shapiq import InteractionValues

from ._registry import lookup
from .metrics import moebius_predictor

__all__ = [
    "ASSUMED_FLOPS",
    "CONTEXTCITE_FOLDS",
    "METHODS",
    "MethodOutput",
    "MethodSpec",
    "contextcite_lasso",
    "dense_regression_cost",
    "get_method",
    "refusal",
    "self_report",
    "warm_up",
]

ASSUMED_FLOPS = 1e10  # sustained float64 rate assumed by the time prediction (2 busy cores)
_INDEX = "FBII"
_ORDER = 2
CONTEXTCITE_FOLDS = 5
"""Cross-validation folds of the ContextCite-style Lasso's penalty."""
_POOR_FIT = "fits the game poorly"  # the approximators' poor-fit warning
_SATURATED = "barely varies"  # their saturated-game warning
_UNCERTAIN = "is uncertain"  # their warning that the score's standard error is large
_ANCHOR_COST = "exact efficiency costs fit"  # their warning that the endpoints cost fit
Game = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class MethodOutput:
    """What a method call hands to the metrics.

    Attributes:
        values: The interaction values it returned.
        predictor: The set function whose held-out R² is reported.
        representation: The Möbius coefficients of the recovered function, for methods that
            recover a whole function (ours, shapiq's SPEX and ProxySPEX), else ``None``.
        inverse_link: For a method that models ``link(v)``: maps its values' scale back to the
            game's, so that the index values are scored on the game's scale too.
        diagnostics: What the method reported about itself (ours: ``faithfulness``,
            ``faithfulness_method``, ``warned_poor_fit``, ``warned_saturated``,
            ``budget_used``); empty for the others.
    """

    values: InteractionValues
    predictor: Callable[[np.ndarray], np.ndarray]
    representation: dict[tuple[int, ...], float] | None = None
    inverse_link: Callable[[np.ndarray], np.ndarray] | None = None
    diagnostics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MethodSpec:
    """An approximator of the benchmark.

    Attributes:
        key: Registry key (used on the command line).
        label: Name in tables and plots.
        ours: Whether it is this package's method.
        index: The index it is asked for.
        order: The index's order.
        run: ``(game, n, budget, seed) -> MethodOutput``.
        tier: 0 runs first; 1 (slow methods) runs after every tier-0 call, so a run cut short by
            the suite's time limit loses the slow baselines first.
        dense_order: Set for dense regressions over all interactions up to this order (their
            memory and time are predicted and capped).
        warmup: Runs the method once, untimed, before its first timed call, so one-time costs
            (imports, numba compilation) stay out of the measurements; its time is reported
            separately. ``None``: :func:`warm_up`'s small game.
        available: Raises ``ImportError`` when the method cannot be imported.
        config: The configuration, as written in the report.
    """

    key: str
    label: str
    ours: bool
    index: str
    order: int
    run: Callable[[Game, int, int, int], MethodOutput] = field(repr=False)
    tier: int = 0
    dense_order: int | None = None
    warmup: Callable[[], None] | None = field(default=None, repr=False)
    available: Callable[[], None] | None = field(default=None, repr=False)
    config: str = ""


def dense_regression_cost(n: int, budget: int, order: int) -> tuple[int, float, float]:
    """Size, memory and work of shapiq's dense regression over ``C(n, <= order)`` terms.

    shapiq 1.8 builds the integer intersection matrix, the design and its weighted copy
    (``budget x T`` each) and the ``T x T`` normal-equation matrix, which ``np.linalg.solve``
    copies. Measured: n=256, order 2, budget 4000 predicts 21 GB; the process peaked at 19 GB.

    Args:
        n: Number of players.
        budget: Queries (at most ``2**n`` are sampled).
        order: Largest interaction size.

    Returns:
        ``(T, bytes, flops)``: number of terms, predicted peak bytes and floating-point work
        (the Gram product ``2 budget T^2`` and the solve ``2/3 T^3``).
    """
    rows = min(budget, 2**n) if n < 63 else budget
    terms = sum(math.comb(n, k) for k in range(order + 1))
    memory = 8.0 * (3 * rows * terms + 2 * terms * terms)
    flops = 2.0 * rows * terms * terms + 2.0 / 3.0 * terms**3
    return terms, memory, flops


def refusal(
    spec: MethodSpec, n: int, budget: int, *, memory_cap_gb: float, time_cap_s: float
) -> str | None:
    """Why ``spec`` is not run at this size (``None``: it is run).

    Only dense regressions are predicted: memory from :func:`dense_regression_cost`, time as
    its flops at :data:`ASSUMED_FLOPS`.
    """
    if spec.dense_order is None:
        return None
    terms, memory, flops = dense_regression_cost(n, budget, spec.dense_order)
    gigabytes = memory / 1e9
    if gigabytes > memory_cap_gb:
        return (
            f"memory: needs ~{gigabytes:,.1f} GB > cap {memory_cap_gb:g} GB "
            f"({terms:,} interactions up to order {spec.dense_order}: a budget x {terms:,} "
            f"design and a {terms:,}^2 normal-equation matrix)"
        )
    seconds = flops / ASSUMED_FLOPS
    if seconds > time_cap_s:
        return (
            f"time: predicted ~{seconds:,.0f} s > cap {time_cap_s:g} s "
            f"({flops:.1e} flops for {terms:,} interactions at {ASSUMED_FLOPS / 1e9:g} GFLOP/s)"
        )
    return None


def _quiet(function: Callable[[], Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function()


def _silence_lightgbm(model: object) -> None:
    """Set ``verbose=-1`` on a LightGBM proxy (bare or inside a grid search); results unchanged."""
    target = getattr(model, "estimator", model)
    if type(target).__module__.startswith("lightgbm"):
        target.set_params(verbose=-1)


def _capture_moebius(approximator: Any) -> dict[tuple[int, ...], float]:
    """Record the Möbius transform a shapiq sparse approximator passes to its conversion."""
    captured: dict[tuple[int, ...], float] = {}
    original = approximator._process_moebius

    def process(moebius_transform: dict) -> np.ndarray:
        captured.update({tuple(int(i) for i in k): float(v) for k, v in moebius_transform.items()})
        return original(moebius_transform=moebius_transform)

    approximator._process_moebius = process
    return captured


def _spex() -> type:
    from ..approximators import SPEX

    return SPEX


def _proxyspex() -> type:
    from ..approximators import ProxySPEX

    return ProxySPEX


def _ours(
    load: Callable[[], type],
    link: str | None = None,
    explain: str = "link",
    **options: Any,
) -> Callable[[Game, int, int, int], MethodOutput]:
    """A call of our approximator class ``load()`` (imported on first use: registering is cheap).

    ``options`` are further keyword arguments of the class (e.g. ``sampling="paired"``).
    """

    def run(game: Game, n: int, budget: int, seed: int) -> MethodOutput:
        from ..approximators import LINKS

        approximator = load()(
            n,
            max_order=_ORDER,
            index=_INDEX,
            random_state=seed,
            link=link,
            explain=explain,
            **options,
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            values = approximator.approximate(budget, game)
        # With explain="output" the Möbius form is already on the game's scale.
        inverse = None if link is None or explain == "output" else LINKS[link].inverse
        return MethodOutput(
            values,
            approximator.predict,
            approximator.moebius_.to_dict(),
            inverse,
            self_report(approximator, [str(w.message) for w in caught]),
        )

    return run


def self_report(approximator: Any, messages: Sequence[str]) -> dict[str, Any]:
    """What one of our approximators reported about its last call.

    Args:
        approximator: A fitted approximator of this package.
        messages: The texts of the warnings its call emitted.

    Returns:
        ``faithfulness`` and ``faithfulness_method`` (its ``faithfulness_`` and
        ``faithfulness_method_``, ``None`` when absent), ``warned_poor_fit`` and
        ``warned_saturated``, ``warned_uncertain``, ``warned_anchor_cost`` (whether those
        warnings fired), ``faithfulness_se`` (its ``faithfulness_se_``), ``budget_used`` (its
        ``budget_used_``).
    """
    score = getattr(approximator, "faithfulness_", None)
    used = getattr(approximator, "budget_used_", None)
    return {
        "faithfulness": None if score is None else float(score),
        "faithfulness_method": getattr(approximator, "faithfulness_method_", None),
        "warned_poor_fit": any(_POOR_FIT in m for m in messages),
        "warned_saturated": any(_SATURATED in m for m in messages),
        "warned_uncertain": any(_UNCERTAIN in m for m in messages),
        "warned_anchor_cost": any(_ANCHOR_COST in m for m in messages),
        "faithfulness_se": _float_or_none(getattr(approximator, "faithfulness_se_", None)),
        "budget_used": None if used is None else int(used),
    }


def _float_or_none(value: object) -> float | None:
    return None if value is None else float(value)


def _uniform_queries(game: Game, n: int, budget: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``budget`` masks drawn uniformly from ``{0,1}^n`` and the game's values on them."""
    from ..metrics import uniform_masks

    masks = uniform_masks(n, budget, np.random.default_rng(seed))
    chunks = [
        np.asarray(game(masks[start : start + _CHUNK]), dtype=float)
        for start in range(0, budget, _CHUNK)
    ]
    return masks, np.concatenate(chunks)


_CHUNK = 1024  # masks per game call, as our approximators' default batch


def contextcite_lasso(game: Game, n: int, budget: int, seed: int) -> MethodOutput:
    """The ContextCite-style surrogate: a cross-validated Lasso on uniform random masks.

    ContextCite (Cohen-Wang et al., 2024) ablates each source with probability 1/2 and fits an
    L1-penalised linear model to the outputs; here the penalty is chosen by
    :data:`CONTEXTCITE_FOLDS`-fold cross-validation (scikit-learn's ``LassoCV``). The masks
    have the distribution of the held-out test masks. The surrogate ``b + Σ_{i ∈ S} w_i`` is
    returned as first-order values (``I(∅) = b``, ``I({i}) = w_i``), so the Möbius-form
    polynomial of the values is the fitted model itself.

    Args:
        game: The set function on boolean masks ``(m, n)``.
        n: Number of players.
        budget: Queries, all spent on the random masks (at least ``2 *`` the folds).
        seed: Seed of the masks.

    Returns:
        The values and the fitted linear model as the predictor.

    Raises:
        ValueError: If ``budget`` is below ``2 * CONTEXTCITE_FOLDS`` (too few masks to
            cross-validate).
    """
    from sklearn.linear_model import LassoCV

    if budget < 2 * CONTEXTCITE_FOLDS:
        msg = (
            f"budget={budget} is too small for the ContextCite Lasso: it needs at least "
            f"{2 * CONTEXTCITE_FOLDS} queries for {CONTEXTCITE_FOLDS}-fold cross-validation."
        )
        raise ValueError(msg)
    masks, values = _uniform_queries(game, n, budget, seed)
    model = LassoCV(cv=CONTEXTCITE_FOLDS, max_iter=10_000)
    _quiet(lambda: model.fit(masks.astype(float), values))
    intercept, weights = float(model.intercept_), np.asarray(model.coef_, dtype=float)
    interactions = {(): intercept} | {(i,): float(w) for i, w in enumerate(weights)}
    explanation = InteractionValues(
        interactions,
        index="BV",
        n_players=n,
        min_order=0,
        max_order=1,
        baseline_value=intercept,
        estimated=True,
        estimation_budget=budget,
    )

    def predictor(coalitions: np.ndarray) -> np.ndarray:
        return intercept + np.asarray(coalitions, dtype=float) @ weights

    return MethodOutput(explanation, predictor)


def _regression(cls_name: str, **kwargs: Any) -> Callable[[Game, int, int, int], MethodOutput]:
    def run(game: Game, n: int, budget: int, seed: int) -> MethodOutput:
        import shapiq.approximator as approximators

        approximator = getattr(approximators, cls_name)(n, random_state=seed, **kwargs)
        values = _quiet(lambda: approximator.approximate(budget, game))
        return MethodOutput(values, moebius_predictor(values))

    return run


def _shapiq_spex(game: Game, n: int, budget: int, seed: int) -> MethodOutput:
    from shapiq.approximator.sparse import SPEX

    from ..spectral import SparseMoebius

    approximator = SPEX(n=n, max_order=_ORDER, index=_INDEX, random_state=seed)
    captured = _capture_moebius(approximator)
    np.random.seed(seed)  # noqa: NPY002 - shapiq's SPEX samples from numpy's global generator
    values = _quiet(lambda: approximator.approximate(budget, game))
    return MethodOutput(values, SparseMoebius.from_dict(captured, n), captured)


def warm_up(spec: MethodSpec) -> None:
    """Run ``spec`` once, untimed: its own warm-up, or a 16-player game at budget 512."""
    if spec.warmup is not None:
        spec.warmup()
        return
    from ..games import SparseFourierGame

    spec.run(SparseFourierGame.random(16, 10, 3, random_state=0), 16, 512, 0)


def _shapiq_spex_warmup() -> None:
    from ..games import SparseFourierGame

    game = SparseFourierGame.random(64, 10, 3, random_state=0)
    _shapiq_spex(game, 64, 1000, 0)


def _no_warmup() -> None:
    """For methods whose first call costs nothing extra but whose smallest call is slow."""


def _shapiq_proxyspex(*, hpo: bool) -> Callable[[Game, int, int, int], MethodOutput]:
    def run(game: Game, n: int, budget: int, seed: int) -> MethodOutput:
        from shapiq.approximator.proxy import ProxySPEX

        from ..spectral import SparseMoebius

        approximator = ProxySPEX(n=n, max_order=_ORDER, index=_INDEX, hpo=hpo, random_state=seed)
        _silence_lightgbm(approximator.proxy_model)
        captured = _capture_moebius(approximator)
        values = _quiet(lambda: approximator.approximate(budget, game))
        return MethodOutput(values, SparseMoebius.from_dict(captured, n), captured)

    return run


def _proxyshap(game: Game, n: int, budget: int, seed: int) -> MethodOutput:
    from shapiq.approximator import ProxySHAP

    approximator = ProxySHAP(
        n, max_order=_ORDER, index=_INDEX, proxy_model="lightgbm", random_state=seed
    )
    _silence_lightgbm(approximator.proxy_model)
    values = _quiet(lambda: approximator.approximate(budget, game))
    return MethodOutput(values, moebius_predictor(values))


def _shapiq_spex_available() -> None:
    """Raises ImportError without shapiq's sparse extra (``pip install 'shapiq[sparse]'``)."""
    from shapiq.approximator.sparse import SPEX  # noqa: F401


# shapiq's dense regressions: key, label, index, order, class, keyword arguments, tier.
_REGRESSIONS: tuple[tuple[str, str, str, int, str, dict[str, Any], int], ...] = (
    ("kernelshap", "KernelSHAP (SV)", "SV", 1, "KernelSHAP", {}, 0),
    ("banzhaf", "Banzhaf (FBII-1)", "BV", 1, "RegressionFBII", {"max_order": 1}, 0),
    *(
        (f"faith-{kind}-{order}", f"Faith-{name} ({index}-{order})", index, order, cls,
         {"max_order": order}, int(order > 2))
        for order in (2, 3)
        for kind, name, index, cls in (
            ("shap", "Shap", "FSII", "RegressionFSII"),
            ("banzhaf", "Banzhaf", "FBII", "RegressionFBII"),
        )
    ),
    ("kernelshapiq-2", "KernelSHAP-IQ (k-SII-2)", "k-SII", 2, "KernelSHAPIQ",
     {"max_order": 2, "index": "k-SII"}, 0),
)  # fmt: skip

_SHAPIQ_PROXYSPEX = (
    "shapiq.approximator.proxy.ProxySPEX, defaults (hpo=True: 5-fold grid search); R² of its "
    "recovered Möbius transform; no warm-up call (its imports are ProxySHAP's; a warm-up on a "
    "16-player game took 100-130 s)"
)


def _registry() -> dict[str, MethodSpec]:
    specs = [
        MethodSpec("spex", "SPEX (ours)", True, _INDEX, _ORDER, _ours(_spex),
                   config="shapiq_spex.SPEX, defaults (degree 5, soft decoder); R² of fourier_"),
        MethodSpec("proxyspex", "ProxySPEX (ours)", True, _INDEX, _ORDER,
                   _ours(_proxyspex),
                   config="shapiq_spex ProxySPEX, defaults; R² of fourier_"),
        MethodSpec("proxyspex-paired", "ProxySPEX (ours, paired masks)", True, _INDEX, _ORDER,
                   _ours(_proxyspex, sampling="paired"),
                   config="shapiq_spex ProxySPEX(sampling='paired'): each uniform mask "
                   "followed by its complement; R² of fourier_"),
        *(
            MethodSpec(f"{key}-{link}", f"{label} (ours, link={link})", True, _INDEX, _ORDER,
                       _ours(load, link),
                       config=f"shapiq_spex.{cls}(link={link!r}): models {what}; R² of "
                       f"predict() on the game's own scale ({games} only)")
            for key, label, load, cls in (
                ("spex", "SPEX", _spex, "SPEX"),
                ("proxyspex", "ProxySPEX", _proxyspex, "ProxySPEX"),
            )
            for link, what, games in (
                ("vader", "VADER's valence sum", "VADER games"),
                ("logit", "the log-odds of a probability", "games whose values are probabilities"),
            )
        ),
        *(
            MethodSpec(f"proxyspex-{link}-output", f"ProxySPEX (ours, link={link}, output)", True,
                       _INDEX, _ORDER, _ours(_proxyspex, link, "output"),
                       config=f"shapiq_spex.ProxySPEX(link={link!r}, explain='output'): fitted "
                       f"on {what}, values and fourier_ on the game's scale (distilled); R² of "
                       f"predict() ({games} only)")
            for link, what, games in (
                ("vader", "VADER's valence sum", "VADER games"),
                ("logit", "the log-odds", "games whose values are probabilities"),
            )
        ),
    ]  # fmt: skip
    for key, label, index, order, cls, kwargs, tier in _REGRESSIONS:
        arguments = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        config = f"shapiq {cls}({arguments})" if kwargs else f"shapiq {cls}, defaults"
        regression = _regression(cls, **kwargs)
        specs.append(
            MethodSpec(key, label, False, index, order, regression, tier=tier, dense_order=order,
                       config=config)
        )  # fmt: skip
    specs += [
        MethodSpec("contextcite-lasso", "ContextCite Lasso (linear)", False, "BV", 1,
                   contextcite_lasso,
                   config="ContextCite-style surrogate (bench.methods.contextcite_lasso): "
                   "scikit-learn LassoCV (5-fold CV of the penalty) fitted to the outputs on "
                   "uniform random masks (every query); R² of the linear model"),
        MethodSpec("proxyshap", "ProxySHAP (FBII-2)", False, _INDEX, _ORDER, _proxyshap, tier=1,
                   config="shapiq ProxySHAP(proxy_model='lightgbm'; xgboost is not installed "
                   "and the default falls back to it), no adjustment"),
        MethodSpec("shapiq-spex", "shapiq SPEX", False, _INDEX, _ORDER, _shapiq_spex, tier=1,
                   warmup=_shapiq_spex_warmup,
                   available=_shapiq_spex_available,
                   config="shapiq.approximator.sparse.SPEX, defaults, numpy's global RNG seeded; "
                   "R² of its recovered Möbius transform; numba compiled by a warm-up call "
                   "first"),
        MethodSpec("shapiq-proxyspex", "shapiq ProxySPEX", False, _INDEX, _ORDER,
                   _shapiq_proxyspex(hpo=True), tier=1, warmup=_no_warmup,
                   config=_SHAPIQ_PROXYSPEX),
        MethodSpec("shapiq-proxyspex-nohpo", "shapiq ProxySPEX (no HPO)", False, _INDEX, _ORDER,
                   _shapiq_proxyspex(hpo=False), tier=1,
                   config="shapiq.approximator.proxy.ProxySPEX(hpo=False): one LightGBM fit "
                   "with shapiq's default parameters; R² of its recovered Möbius transform"),
    ]  # fmt: skip
    return {spec.key: spec for spec in specs}


METHODS: dict[str, MethodSpec] = _registry()


def get_method(key: str) -> MethodSpec:
    """The registered method ``key``.

    Raises:
        KeyError: If no method has this key (the message lists the keys).
    """
    return lookup(METHODS, key, "method")
