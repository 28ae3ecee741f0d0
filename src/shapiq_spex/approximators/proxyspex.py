"""The ProxySPEX approximator (Butler et al., NeurIPS 2025) with an exact, validated refit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np

from .._validation import check_bool, check_choice, check_int, check_real
from ..evaluation import Backend, QueryCache, QueryEvaluator
from ..metrics import r2_score, r2_standard_error
from ..proxy.crossfit import N_FOLDS, ProxyResult, TreeOptions, proxy_fourier_transform
from ..proxy.proxies import check_proxy_model, make_proxy
from ..proxy.sampling import SAMPLING_DESIGNS
from ..proxy.transform import MIN_BUDGET
from ._base import Recovery, SpectralApproximator
from ._links import Link

__all__ = ["ProxySPEX"]

_MIN_DEPTH = 3


class ProxySPEX(SpectralApproximator):
    """Sparse interaction explanations through a boosted-tree proxy.

    Queries the game on random masks, fits boosted trees (LightGBM by default, see
    ``proxy_model``) to the masked outputs, reads the trees' exact Fourier spectrum, and keeps
    the interactions that matter: the proxy's terms are ranked, closed under subsets (important
    interactions come with their lower-order parts) and cut where the held-out error is lowest,
    then refitted by ridge regression on every query.
    The recovered function is converted to the requested index exactly.

    Beside the trees, a sparse first-order fit (a cross-validated Lasso on the masks, the
    simple answer that wins at tens of queries on nearly additive models) and, up to 2048
    queries, shallow trees (boosted three-leaf trees kept whole: a dense, shrunk function
    that many players each move a little; LightGBM whatever ``proxy_model`` is) are fitted
    on the same cross-fitting folds, and whichever of the Lasso, the shallow trees, the trees
    and their blend (weights on the simplex fitted to the left-out predictions) predicts the
    left-out queries best is returned; a single family must beat the blend by more than a
    standard error, since at tens of queries picking one is mostly luck. Every data-dependent
    choice is made on the user's own paid queries.

    Unlike the reference implementation, model selection costs one early-stopped boosting run
    per tree depth (depths 3, 4, ... while the validation error improves; trees grown leaf-wise
    with at most 32 leaves) instead of a cross-validated grid, the support is chosen by
    validation instead of a fixed 95 % energy cut (then widened by screening the proxy's other
    terms against the residual), so accuracy keeps growing with the budget.

    Every call queries the empty and full coalition first, and the final refit is constrained
    to match both exactly, so efficient indices add up to the prediction. When
    ``2^n <= budget`` every coalition is queried and the result is exact. Code written for
    ``shapiq.approximator.ProxySPEX`` runs unchanged (``hpo``, ``pairing_trick``,
    ``sampling_weights=None`` and ``proxy_model="lightgbm"``, ``"xgboost"`` or a regressor are
    accepted).

    Args:
        n: Number of players.
        max_order: Largest interaction size reported (``None``: ``n``). The order-one indices
            (``order_one`` in :data:`~shapiq_spex.approximators.INDICES`) always report order
            one, whatever is passed.
        index: An interaction index, a key of :data:`~shapiq_spex.approximators.INDICES`, whose
            entry says whether its values are efficient and whether it is of single players.
        top_order: Report only interactions of size ``max_order``.
        random_state: Seed of every random choice (masks, split, LightGBM); the same seed gives
            bit-identical results.
        max_depth: Deepest trees tried; the first depth tried is ``max(3, max_order)``, and
            deeper ones only while they validate better. A tree of depth ``d`` holds
            interactions of at most ``d`` players; its spectrum costs up to ``2^d`` terms per
            leaf.
        sampling: ``"uniform"`` masks (default) or ``"paired"`` (each mask with its complement,
            which decorrelates even- and odd-degree terms on the sample).
        learning_rate: LightGBM shrinkage (default: 0.1 when the trees see at most 2048
            masks, else 0.3, where each tree costs more). Early stopping waits
            ``5 / learning_rate`` rounds.
        max_trees: Most boosting rounds per depth (default ``100 / learning_rate``; early
            stopping often ends sooner). The trees
            are fitted on at most 8192 training masks (a uniform subsample): they only propose
            candidate terms, and selection and refit use every query.
        validation_fraction: Share of the queries held out to choose the number of trees, the
            depth and the support; the final refit uses all queries.
        max_terms: Most Fourier terms kept (default: a quarter of the training queries, at
            most 1024).
        n_bags: Cross-fitting folds fitted (1 to 5, or ``"auto"``: all 5 up to 2048 queries,
            1 above). The queries are split into 5 folds; each fitted fold's models (a sparse
            first-order Lasso, shallow trees and the tree pipeline) are chosen and fitted on
            the other four, and predict the left-out fold. Those predictions choose the model
            and give an honest ``faithfulness_``; the returned trees are the average of the
            fitted folds' trees (with one fold: its support refitted on every query), the
            shallow trees the average of all five folds' fits (fitted whatever ``n_bags``
            is), the Lasso is refitted on every query at the cross-validated penalty. Later
            folds reuse the first fold's tree depth. No extra queries.
        n_jobs: LightGBM threads. Results are reproducible for a fixed value.
        time_limit: Seconds of the method's own work after which no deeper trees are tried and
            boosting stops. ``None`` (default) keeps results independent of machine speed.
        batch_size: Most masks passed to the game in one call (``None``: no limit).
        verbose: Show a progress bar of the queries.
        cache: A :class:`~shapiq_spex.evaluation.QueryCache`; an interrupted call resumes from
            it (the masks depend only on ``random_state``, ``n`` and the budget).
        backend: Where batches run (``None``: this process; or a joblib / Dask backend).
        holdout_fraction: Share of the budget for held-out uniform masks; their R² is
            reported as ``faithfulness_`` (0: the cross-fitted R² on the paid queries is
            reported instead, at no extra query).
        link: Model ``link(v)``: ``None`` (identity), ``"logit"`` for probabilities,
            ``"atanh"`` for scores in ``[-1, 1]``, or a ``(forward, inverse)`` pair; the values
            then explain ``link(v)``, and ``predict`` and ``faithfulness_`` use the original
            scale.
        explain: With a ``link``: ``"link"`` (default) for values that explain ``link(v)``,
            ``"output"`` for values that explain ``v`` itself (the linked fit distilled into a
            sparse function on ``v``'s scale without model queries; see
            :class:`~shapiq_spex.approximators._base.SpectralApproximator`).
        hpo: shapiq's switch for the proxy's model selection. ``True`` (default): the depth
            search described above; ``False``: one early-stopped booster at the first depth
            (faster, usually less faithful).
        pairing_trick: shapiq's name for ``sampling="paired"``.
        sampling_weights: Accepted for compatibility only as ``None``: the masks are
            uniformly random (any other value raises a ``ValueError``).
        proxy_model: The tree proxy: ``"lightgbm"`` (default), ``"xgboost"`` (needs the
            ``xgboost`` package; boosted like LightGBM) or a scikit-learn tree regressor
            (``DecisionTreeRegressor``, ``ExtraTreeRegressor``, ``RandomForestRegressor``,
            ``ExtraTreesRegressor``, ``GradientBoostingRegressor`` or
            ``HistGradientBoostingRegressor`` with its default loss). A regressor is fitted as
            given, a fresh clone per fit (seeded from ``random_state`` when it takes one):
            ``max_depth``, ``hpo``, ``learning_rate``, ``max_trees`` and ``time_limit`` steer
            only the boosters. Any other model raises a ``TypeError``: its Fourier spectrum
            cannot be read from its trees.
        exact_efficiency: ``"auto"`` (default): the returned function meets ``v(∅)`` and
            ``v(N)`` exactly, so efficient indices add up to ``v(N)``, unless that costs more
            than 0.02 of cross-fitted R² on the paid queries (an output that jumps between
            the empty coalition and all others: an empty training set, a context with every
            source removed); then the better-fitting unanchored function is returned and a
            warning says so. ``True``: always exact (on saturated outputs a warning says what
            it costs); ``False``: never, the values add up to the function's own ``f(N)``.
            ``endpoint_errors_`` reports how far an unanchored function misses both
            endpoints.
        target_faithfulness: Stop early once the honest score reaches this R²: ``budget`` is
            then a cap, spent in rounds of 128, 256, 512, ... queries that reuse every
            earlier query (and the cache); ``history_`` records each round.

    Attributes:
        fourier_: The recovered :class:`~shapiq_spex.spectral.SparseFourier` (after a call).
        moebius_: Its :class:`~shapiq_spex.spectral.SparseMoebius` form.
        budget_used_: Queries spent by the last call (all of the budget).
        faithfulness_: R² on uniformly random masks of the returned function (after the
            anchors and the link), ``faithfulness_method_`` says how: ``"cross-fitting"``
            (default: left-out folds, corrected for the averaging of the folds' fits),
            ``"holdout"`` or ``"exact"``.
        uncertainty_: Standard errors of the returned values (an ``InteractionValues`` on the
            same interactions): a robust sandwich covariance of the refit with the
            cross-fitted residuals, plus the noise of the two anchor queries. Nominal 90 %
            intervals are ``values ± 1.645 · uncertainty_``.
        history_: ``(queries, score)`` per round with ``target_faithfulness``, else ``None``.
        endpoint_errors_: ``(f(∅) - v(∅), f(N) - v(N))`` of the returned function (zeros
            when the endpoints were met), on the scale the values explain.
        transform_: Diagnostics of the last call (per depth: trees, validation errors, support
            sizes, timings).

    Examples:
        >>> from shapiq_games.synthetic import SOUM
        >>> game = SOUM(n=32, n_basis_games=10, max_interaction_size=3, random_state=0)
        >>> proxy = ProxySPEX(32, max_order=2, index="FBII", random_state=0)
        >>> values = proxy.approximate(budget=2000, game=game)
    """

    def __init__(
        self,
        n: int,
        *,
        max_order: int | None = 2,
        index: str = "k-SII",
        top_order: bool = False,
        random_state: int | None = None,
        max_depth: int = 8,
        sampling: Literal["uniform", "paired"] = "uniform",
        learning_rate: float | None = None,
        max_trees: int | None = None,
        validation_fraction: float = 0.2,
        max_terms: int | None = None,
        n_bags: int | Literal["auto"] = "auto",
        n_jobs: int = 1,
        time_limit: float | None = None,
        batch_size: int | None = 1024,
        verbose: bool = False,
        cache: QueryCache | None = None,
        backend: Backend | None = None,
        holdout_fraction: float = 0.0,
        link: str | tuple | None = None,
        explain: str = "link",
        hpo: bool = True,
        pairing_trick: bool = False,
        sampling_weights: np.ndarray | None = None,
        proxy_model: str | object = "lightgbm",
        exact_efficiency: bool | Literal["auto"] = "auto",
        target_faithfulness: float | None = None,
    ) -> None:
        self.hpo = check_bool(hpo, "hpo")
        self.pairing_trick = check_bool(pairing_trick, "pairing_trick")
        sampling = _check_sampling(sampling, self.pairing_trick, sampling_weights)
        self.sampling_weights = None
        self.proxy_model = check_proxy_model(proxy_model)
        self.max_depth = check_int(max_depth, "max_depth", minimum=1, maximum=16)
        self.sampling = sampling
        self.learning_rate = (
            None
            if learning_rate is None
            else check_real(learning_rate, "learning_rate", 0.0, np.inf)
        )
        self.max_trees = None if max_trees is None else check_int(max_trees, "max_trees", minimum=1)
        self.validation_fraction = check_real(validation_fraction, "validation_fraction", 0.0, 1.0)
        self.max_terms = None if max_terms is None else check_int(max_terms, "max_terms", minimum=1)
        self.n_bags = _check_n_bags(n_bags)
        self.exact_efficiency = _check_exact_efficiency(exact_efficiency)
        self.target_faithfulness = (
            None
            if target_faithfulness is None
            else check_real(target_faithfulness, "target_faithfulness", 0.0, 1.0)
        )
        self.n_jobs = check_int(n_jobs, "n_jobs", minimum=1)
        self.time_limit = (
            None if time_limit is None else check_real(time_limit, "time_limit", 0.0, np.inf)
        )
        super().__init__(
            n,
            max_order=max_order,
            index=index,
            top_order=top_order,
            random_state=random_state,
            batch_size=batch_size,
            verbose=verbose,
            cache=cache,
            backend=backend,
            holdout_fraction=holdout_fraction,
            link=link,
            explain=explain,
        )

    @property
    def _method(self) -> str:
        return "ProxySPEX"

    def _minimum_budget(self) -> int:
        return MIN_BUDGET

    def _transform(
        self,
        evaluate: QueryEvaluator,
        budget: int,
        rng: np.random.Generator,
        anchors: tuple[np.ndarray, np.ndarray],
    ) -> Recovery:
        min_depth = min(max(_MIN_DEPTH, self.max_order), self.max_depth)
        link = self._link

        def score(values: np.ndarray, predictions: np.ndarray) -> float:
            return r2_score(link.inverse(values), link.inverse(predictions))

        result = proxy_fourier_transform(
            evaluate,
            self.n,
            budget,
            rng=rng,
            trees=TreeOptions(
                min_depth=min_depth,
                max_depth=self.max_depth if self.hpo else min_depth,
                learning_rate=self.learning_rate,
                max_trees=self.max_trees,
                validation_fraction=self.validation_fraction,
                max_terms=self.max_terms,
                n_jobs=self.n_jobs,
                proxy=make_proxy(self.proxy_model),
            ),
            sampling=self.sampling,
            time_limit=self.time_limit,
            anchors=anchors,
            fits=self.n_bags,
            score=score,
            anchor=self.exact_efficiency,
            target=self.target_faithfulness,
        )
        return Recovery(
            result.fourier,
            None,
            result.score,
            "cross-fitting",
            result,
            result.check,
            blocks=result.blocks,
            faithfulness_se=_score_standard_error(result, link),
            history=result.history if self.target_faithfulness is not None else None,
            anchor_cost=(result.anchored_score, result.free_score),
            anchored=result.anchored,
            auto_anchor=self.exact_efficiency == "auto",
        )


def _check_sampling(sampling: object, pairing_trick: bool, sampling_weights: object) -> str:
    """The mask design (``pairing_trick`` is shapiq's name for ``"paired"``)."""
    sampling = check_choice(sampling, "sampling", SAMPLING_DESIGNS)
    if sampling_weights is not None:
        msg = (
            "sampling_weights is not supported: ProxySPEX samples uniformly random masks "
            "(the distribution its faithfulness is measured on); use sampling='paired' "
            "for complementary pairs."
        )
        raise ValueError(msg)
    return "paired" if pairing_trick else sampling


def _auto_or[T](value: object, name: str, expected: str, check: Callable[[object], T]) -> T | str:
    """``"auto"``, or ``value`` validated by ``check``; any other str is a wrong value."""
    if isinstance(value, str):
        if value != "auto":
            msg = f"{name} must be 'auto' or {expected}, got {value!r}."
            raise ValueError(msg)
        return "auto"
    return check(value)


def _check_exact_efficiency(exact_efficiency: object) -> bool | str:
    """``True``, ``False`` or ``"auto"``."""
    return _auto_or(
        exact_efficiency,
        "exact_efficiency",
        "a bool",
        lambda v: check_bool(v, "exact_efficiency"),
    )


def _check_n_bags(n_bags: object) -> int | str:
    """``"auto"`` or a number of folds in ``[1, N_FOLDS]``."""
    return _auto_or(
        n_bags,
        "n_bags",
        f"an integer in [1, {N_FOLDS}]",
        lambda v: check_int(v, "n_bags", minimum=1, maximum=N_FOLDS),
    )


def _score_standard_error(result: ProxyResult, link: Link) -> float:
    """Standard error of the honest score, from the left-out queries it was measured on.

    The score corrects the single fits' left-out ``1 - R²`` by a factor for averaging; the
    same factor scales its error.
    """
    values, predictions = link.inverse(result.check[0]), link.inverse(result.check[1])
    single = r2_score(values, predictions)
    se = r2_standard_error(values, predictions)
    if single < 1.0:
        se *= max(1.0 - result.score, 0.0) / (1.0 - single)
    return float(se)
