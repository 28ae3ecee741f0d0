"""ProxySPEX's transform: model choice and an honest score by cross-fitting the paid queries.

The queries are split into :data:`N_FOLDS` folds. On each of the first ``fits`` folds, every
candidate model is fitted on the other folds only (support, penalties, trees: everything that
is chosen from data), corrected to the anchors, and made to predict the left-out fold. Those
out-of-fold predictions are the only ones scored, so the score describes the function the user
gets (anchored, on the original scale) on queries that chose nothing about it. They decide:

- which candidate is returned: a sparse first-order fit (the Lasso that ContextCite fits),
  shallow trees (many boosted three-leaf trees kept whole: a dense, shrunk function of main
  effects and pairs, :mod:`.shallow`; up to :data:`AUTO_FITS_BUDGET` queries), the tree
  pipeline (first-order terms plus interactions), or the blend ``Σ w_f·f_f`` of these with
  simplex weights chosen on the left-out queries (stacking, with the bagged families' spread
  credited, :mod:`.ensembles`; each fold's predictions use weights chosen on the other
  folds), so the result is never worse than the simple answer by more than the folds' noise;
- ``faithfulness_`` (pooled out-of-fold R², slightly conservative: each fold's fit saw a fifth
  fewer queries than the returned one);
- the standard errors (a sandwich covariance with the out-of-fold residuals; for the shallow
  trees the folds' grouped jackknife, sized to the left-out error).

The returned trees average the fitted folds' fits (bagging), the shallow trees average all
five folds' fits; the returned first-order fit is the Lasso at the cross-validated penalty
refitted on every query, as scikit-learn's ``LassoCV`` does. With ``target`` the budget is
spent in rounds that reuse every earlier query.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .._threads import single_blas_thread
from ..metrics import r2_score
from ..spectral.anchors import Anchors
from ..spectral.regression import ridge_solve
from ..spectral.representation import SparseFourier
from ..spectral.terms import fourier_basis, pad_terms
from ..spectral.uncertainty import CovarianceFactor, anchored_factor, sandwich_factor
from .ensembles import (
    ambiguity_matrix,
    corrected_score,
    cross_validated_blend,
    cross_validated_selection,
    fourier_ambiguity,
)
from .first_order import FIRST_ORDER_MAX_CELLS, alpha_grid, first_order_terms, lasso_fits
from .proxies import Proxy
from .refit import _gram, standardization, standardized
from .sampling import sample_masks
from .shallow import SHALLOW_MAX_CELLS, fit_shallow, jackknife_factor
from .transform import (
    MIN_BUDGET,
    ProxyDiagnostics,
    Split,
    TreeMember,
    anchor_standardized,
    check_budget_and_depths,
    fit_tree_member,
    make_settings,
)

__all__ = [
    "ANCHOR_TOLERANCE",
    "AUTO_FITS_BUDGET",
    "N_FOLDS",
    "Candidate",
    "ProxyResult",
    "TreeOptions",
    "proxy_fourier_transform",
    "resolve_fits",
]

Evaluate = Callable[[np.ndarray], np.ndarray]
Score = Callable[[np.ndarray, np.ndarray], float]

N_FOLDS = 5
"""Cross-fitting folds: each fit leaves out a fifth of the queries."""
AUTO_FITS_BUDGET = 2048
"""``fits="auto"`` fits every fold up to this budget and one fold above it: a fifth of a larger
budget scores the fit precisely on its own, and there each fit costs real time."""
_FIRST_ROUND = 128  # queries of the first round when stopping at a target
_TIE = 1e-9  # a candidate must score higher than the simpler one by more than round-off
ANCHOR_TOLERANCE = 0.02
"""``anchor="auto"`` keeps the exact endpoints unless they cost more cross-fitted R² than this."""


@dataclass(frozen=True)
class Candidate:
    """One model family's cross-fitted result.

    Attributes:
        name: ``"first-order"``, ``"shallow"``, ``"trees"`` or ``"blend"``.
        score: Pooled out-of-fold R² of the anchored fits (original scale).
        free_score: The same without the anchors.
        predictions: Out-of-fold predictions of the anchored fits (linked scale).
        free_predictions: Out-of-fold predictions without the anchors.
        weights / free_weights: The blend's weight of each family it mixes, with and
            without anchors (empty for a single family).
        spreads: The ambiguity of the returned average of fold fits, anchored and free (the
            credit its score takes for averaging; 0 for a refit on every query), in squared
            units of the values' spread (squares of huge values overflow).
    """

    name: str
    score: float
    free_score: float
    predictions: np.ndarray
    free_predictions: np.ndarray
    weights: dict[str, float] = field(default_factory=dict)
    free_weights: dict[str, float] = field(default_factory=dict)
    spreads: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class ProxyResult:
    """Output of :func:`proxy_fourier_transform`.

    Attributes:
        fourier: The returned function (anchored unless ``anchor=False``), linked scale.
        blocks: ``(terms, covariance, scale)`` of each averaged fit (the returned function is
            their mean): the coefficients' covariance in units of ``scale²``, as a
            :class:`~shapiq_spex.spectral.uncertainty.CovarianceFactor`. The fits share
            most queries, so an error of the mean is taken as the mean of the fits' errors.
        n_queries: Queries evaluated by the transform.
        chosen: Name of the returned candidate.
        candidates: Every candidate's cross-fitted scores.
        score: Honest R² estimate of the returned function (original scale).
        anchored_score / free_score: The best anchored candidate's score and the best
            unanchored one's (what ``anchor=True`` and ``False`` return): their difference is
            what the exact endpoints cost.
        check: ``(values, predictions)`` of the left-out queries (linked scale).
        fits: Folds fitted.
        history: ``(queries, score)`` per round.
        bags: Tree-pipeline diagnostics per fold (empty when the trees were not fitted).
        info: The first fold's tree diagnostics (``None`` without trees).
        anchored: Whether ``fourier`` meets the anchors (with ``anchor="auto"``: whether
            they were kept).
    """

    fourier: SparseFourier
    blocks: list[tuple[np.ndarray, np.ndarray, float]]
    n_queries: int
    chosen: str
    candidates: dict[str, Candidate]
    score: float
    anchored_score: float
    free_score: float
    check: tuple[np.ndarray, np.ndarray]
    fits: int
    history: list[tuple[int, float]] = field(default_factory=list)
    bags: list[ProxyDiagnostics] = field(default_factory=list)
    info: ProxyDiagnostics | None = None
    anchored: bool = True


@dataclass(frozen=True)
class TreeOptions:
    """How the tree pipeline fits each fold.

    Attributes:
        min_depth: First tree depth tried.
        max_depth: Deepest trees tried.
        learning_rate: Boosting shrinkage (``None``: by the training size).
        max_trees: Most boosting rounds per depth.
        patience: Early-stopping patience in rounds.
        validation_fraction: Share of a fold's training queries that chooses the trees and
            the support.
        max_terms: Most terms in the support.
        n_jobs: Threads of the boosting library.
        proxy: The tree proxy (``None``: LightGBM), see :mod:`~shapiq_spex.proxy.proxies`.
    """

    min_depth: int = 3
    max_depth: int = 8
    learning_rate: float | None = None
    max_trees: int | None = None
    patience: int | None = None
    validation_fraction: float = 0.2
    max_terms: int | None = None
    n_jobs: int = 1
    proxy: Proxy | None = None

    def settings_args(self, deadline: float | None) -> tuple:
        """The arguments of :func:`~shapiq_spex.proxy.transform.make_settings` after the data."""
        return (
            self.learning_rate,
            self.max_trees,
            self.patience,
            self.n_jobs,
            self.max_terms,
            self.proxy,
            deadline,
        )


def resolve_fits(fits: int | str, budget: int) -> int:
    """The number of folds fitted: ``"auto"`` or an integer in ``[1, N_FOLDS]``."""
    if fits == "auto":
        return N_FOLDS if budget <= AUTO_FITS_BUDGET else 1
    return int(fits)


def proxy_fourier_transform(
    evaluate: Evaluate,
    n: int,
    budget: int,
    *,
    rng: np.random.Generator,
    trees: TreeOptions | None = None,
    sampling: Literal["uniform", "paired"] = "uniform",
    time_limit: float | None = None,
    anchors: Anchors | None = None,
    fits: int | str = "auto",
    score: Score | None = None,
    anchor: bool | Literal["auto"] = True,
    target: float | None = None,
) -> ProxyResult:
    """Recover a sparse Fourier representation of ``f`` from at most ``budget`` random queries.

    Args:
        evaluate: Maps a boolean mask array ``(m, n)`` to values ``(m,)``.
        n: Number of players.
        budget: Most queries (all are spent unless ``target`` is reached earlier).
        rng: Source of all randomness (masks, folds, splits, LightGBM seeds).
        trees: How the tree pipeline fits each fold (``None``: the defaults).
        sampling: Mask design, see :func:`~shapiq_spex.proxy.sampling.sample_masks`.
        time_limit: Seconds after which no further depth, fold or round is started.
        anchors: ``(masks, values)`` the returned function must match exactly.
        fits: Folds fitted (1 to :data:`N_FOLDS`, or ``"auto"``).
        score: ``(values, predictions) -> R²`` on the scale the user reads (default: R² of
            the given values).
        anchor: Return the anchored function (``False``: the better-fitting unanchored one;
            ``"auto"``: the anchored one unless the anchors cost more than
            :data:`ANCHOR_TOLERANCE` of cross-fitted R²).
        target: Stop at the first round whose score reaches it (rounds of 128, 256, ...
            queries up to ``budget``).

    Returns:
        The recovered function with its scores, covariance and diagnostics.

    Raises:
        ValueError: If ``budget < MIN_BUDGET`` or ``min_depth`` exceeds ``max_depth``.
    """
    trees = trees or TreeOptions()
    check_budget_and_depths(budget, trees.min_depth, trees.max_depth)
    score = score or r2_score
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    masks = sample_masks(n, budget, rng, sampling)
    seed = int(rng.integers(0, 2**63 - 1))
    sizes = _round_sizes(budget, target)
    values = np.empty(0)
    history: list[tuple[int, float]] = []
    result: ProxyResult | None = None
    crossfit_args = {
        "depths": range(trees.min_depth, trees.max_depth + 1),
        "settings_args": trees.settings_args(deadline),
        "validation_fraction": trees.validation_fraction,
        "anchor": anchor,
    }
    for r, size in enumerate(sizes):
        start = time.perf_counter()
        fresh = np.asarray(evaluate(masks[values.size : size]), dtype=float)
        values = np.r_[values, fresh]
        result = _standard_units_crossfit(
            masks[:size],
            values,
            np.random.default_rng([seed, r]),
            fits=resolve_fits(fits, size),
            anchors=anchors,
            score=score,
            query_s=time.perf_counter() - start,
            **crossfit_args,
        )
        history.append((size, result.score))
        expired = deadline is not None and time.perf_counter() > deadline
        if target is not None and (result.score >= target or expired):
            break
    assert result is not None
    return ProxyResult(**{**result.__dict__, "history": history})


def _standard_units_crossfit(
    masks: np.ndarray,
    values: np.ndarray,
    rng: np.random.Generator,
    *,
    anchors: Anchors | None,
    score: Score,
    **kwargs: object,
) -> ProxyResult:
    """:func:`_crossfit` on ``(values - offset) / spread``, its result in the values' units.

    One affine map to standard units first: sums and squares of huge values overflow.
    """
    offset, spread = standardization(values, np.arange(values.size))
    result = _crossfit(
        masks,
        standardized(values, offset, spread),
        rng,
        anchors=None if anchors is None else _scaled(anchors, offset, spread),
        score=lambda y, p: score(offset + spread * y, offset + spread * p),
        **kwargs,
    )
    return _unscaled(result, offset, spread)


def _scaled(anchors: Anchors, offset: float, spread: float) -> Anchors:
    return anchors[0], standardized(anchors[1], offset, spread)


def _unscaled(result: ProxyResult, offset: float, spread: float) -> ProxyResult:
    """The result of a transform of ``(values - offset) / spread``, in the values' units."""
    unit = lambda y: offset + spread * y  # noqa: E731
    candidates = {
        name: Candidate(
            **{
                **c.__dict__,
                "predictions": unit(c.predictions),
                "free_predictions": unit(c.free_predictions),
            }
        )
        for name, c in result.candidates.items()
    }
    return ProxyResult(
        **{
            **result.__dict__,
            "fourier": result.fourier.affine(spread, offset),
            "blocks": [(t, cov, scale * spread) for t, cov, scale in result.blocks],
            "candidates": candidates,
            "check": (unit(result.check[0]), unit(result.check[1])),
        }
    )


def _round_sizes(budget: int, target: float | None) -> list[int]:
    if target is None:
        return [budget]
    sizes = []
    size = max(_FIRST_ROUND, MIN_BUDGET)
    while size < budget:
        sizes.append(size)
        size *= 2
    return [*sizes, budget]


_FAMILIES = ("first-order", "shallow", "trees", "blend")
"""The candidates from simplest to richest: a richer one must score higher to be chosen."""


def _crossfit(
    masks: np.ndarray,
    values: np.ndarray,
    rng: np.random.Generator,
    *,
    fits: int,
    depths: range,
    settings_args: tuple,
    validation_fraction: float,
    anchors: Anchors | None,
    score: Score,
    anchor: bool | Literal["auto"],
    query_s: float,
) -> ProxyResult:
    """Fit the folds, choose the family on their left-out queries, and build the result."""
    m, n = masks.shape
    fold_of = np.empty(m, dtype=np.int64)
    fold_of[rng.permutation(m)] = np.arange(m) % N_FOLDS
    seeds = rng.integers(0, 2**31 - 1, size=(N_FOLDS, len(depths)))
    orders = [rng.permutation(int(np.sum(fold_of != k))) for k in range(N_FOLDS)]
    tree_folds = _fit_tree_folds(
        masks, values, fold_of, seeds, orders, fits, depths, settings_args,
        validation_fraction, anchors, query_s,
    )  # fmt: skip
    tested = [test for _, test in tree_folds]
    test_idx = np.concatenate([np.flatnonzero(t) for t in tested])
    y_test = values[test_idx]
    trees = _tree_candidate(masks, y_test, tree_folds, score)
    candidates = {"trees": trees[0]}
    lasso = None
    if m * n <= FIRST_ORDER_MAX_CELLS:
        # The Lasso is cheap: its penalty is chosen on every fold unless the budget is large
        # enough for the trees' folds to choose it well.
        cv_folds = N_FOLDS if m <= AUTO_FITS_BUDGET else len(tested)
        lasso = _first_order_candidate(
            masks, values, fold_of, cv_folds, len(tested), anchors, score
        )
        candidates["first-order"] = lasso.candidate
    shallow = None
    if m <= AUTO_FITS_BUDGET and m * n <= SHALLOW_MAX_CELLS:
        shallow = _shallow_candidate(masks, values, fold_of, seeds[:, 0], len(tested), anchors)
        candidates["shallow"] = shallow.candidate(y_test, score)
    sizes = [int(t.sum()) for t in tested]
    if len(candidates) > 1:
        folds = {"trees": [(f.fourier, f.free) for f, _ in tree_folds]}
        if shallow is not None:
            folds["shallow"] = shallow.folds
        candidates["blend"] = _blend_candidate(y_test, candidates, folds, sizes, score)
    # What exact_efficiency=True and =False would return; "auto" keeps the anchors unless
    # the best unanchored candidate beats the best anchored one by more than the tolerance.
    best_anchored = _best(candidates, "score", y_test, sizes)
    best_free = _best(candidates, "free_score", y_test, sizes)
    anchored_score = candidates[best_anchored].score
    free_score = candidates[best_free].free_score
    if anchor == "auto":
        anchor = bool(free_score - anchored_score <= ANCHOR_TOLERANCE)
    chosen = best_anchored if anchor else best_free
    pick = candidates[chosen]
    fourier, blocks = _returned_function(
        masks, values, fold_of, pick, candidates, (lasso, shallow), tree_folds, test_idx,
        anchors, anchor,
    )  # fmt: skip
    bags = [member.info for member, _ in tree_folds]
    return ProxyResult(
        fourier=fourier,
        blocks=blocks,
        n_queries=m,
        chosen=chosen,
        candidates=candidates,
        score=pick.score if anchor else pick.free_score,
        anchored_score=anchored_score,
        free_score=free_score,
        check=(y_test, pick.predictions if anchor else pick.free_predictions),
        fits=len(tested),
        bags=bags,
        info=bags[0] if bags else None,
        anchored=anchor,
    )


def _best(candidates: dict[str, Candidate], key: str, y_test: np.ndarray, sizes: list[int]) -> str:
    """The family returned, by ``key`` (``"score"`` or ``"free_score"``).

    The best-scoring single family (a richer one must beat a simpler one), unless choosing
    one family, the choice cross-validated too (:func:`~.ensembles.cross_validated_selection`),
    does not predict the left-out queries better than the blend by more than one standard
    error of the paired difference: at tens of queries the scores are too noisy to pick
    reliably, and mixing the families hedges, so picking must earn its extra variance.
    """
    best = max(
        (name for name in _FAMILIES if name in candidates),
        key=lambda name: getattr(candidates[name], key) - _TIE * _FAMILIES.index(name),
    )
    if best == "blend" or "blend" not in candidates or len(sizes) < 2:
        return best  # with one fold the blend's weights would be scored on their own queries
    j = 0 if key == "score" else 1
    blend = candidates["blend"]
    if max((blend.weights, blend.free_weights)[j].values()) >= 1.0:
        return best  # the blend is a single family
    attribute = ("predictions", "free_predictions")[j]
    names = [name for name in _FAMILIES[:-1] if name in candidates]
    table = np.column_stack([getattr(candidates[name], attribute) for name in names])
    spreads = [candidates[name].spreads[j] for name in names]
    selection = cross_validated_selection(y_test, table, np.asarray(spreads), sizes)
    blended = (y_test - getattr(blend, attribute)) ** 2 - blend.spreads[j]
    gain = blended - selection  # what picking one family saves, query by query
    error = float(np.std(gain, ddof=1)) / np.sqrt(gain.size)
    return best if float(np.mean(gain)) > error else "blend"


def _fit_tree_folds(
    masks: np.ndarray,
    values: np.ndarray,
    fold_of: np.ndarray,
    seeds: np.ndarray,
    orders: list[np.ndarray],
    fits: int,
    depths: range,
    settings_args: tuple,
    validation_fraction: float,
    anchors: Anchors | None,
    query_s: float,
) -> list[tuple[TreeMember, np.ndarray]]:
    """The tree pipeline on the first ``fits`` folds: ``(member, left-out mask)`` each.

    Stops early at the deadline (after one fold) or after an exact fit, which leaves nothing to
    cross-check. Odd folds boost their trees on a first-order fit's residual.
    """
    n = masks.shape[1]
    deadline = settings_args[-1]
    tree_folds: list[tuple[TreeMember, np.ndarray]] = []
    first_depth = depths.start
    for k in range(fits):
        if k and deadline is not None and time.perf_counter() > deadline:
            break
        train, test = fold_of != k, fold_of == k
        n_val = min(max(round(validation_fraction * train.sum()), 1), int(train.sum()) - 1)
        data = Split.make(masks[train], values[train], orders[k], n_val)
        settings = make_settings(data, *settings_args)
        additive = k % 2 == 1 and n <= data.train.size
        # Later folds take the first fold's depth: the search is most of a fit's cost, and
        # folds of the same queries agree on it.
        offset = first_depth - depths.start
        at = slice(None) if k == 0 else slice(offset, offset + 1)
        member = fit_tree_member(
            data, settings, depths[at], seeds[k][at], anchors, n, query_s, additive
        )
        if k == 0:
            first_depth = member.info.depth
        tree_folds.append((member, test))
        if member.info.val_mse <= settings.exact:
            break
    return tree_folds


def _tree_candidate(
    masks: np.ndarray,
    y_test: np.ndarray,
    tree_folds: list[tuple[TreeMember, np.ndarray]],
    score: Score,
) -> tuple[Candidate, tuple[float, float]]:
    """The tree pipeline's cross-fitted scores, and the spread of its folds' fits.

    The spread is the folds' :func:`~.ensembles.fourier_ambiguity`, anchored and free.
    """
    members = [member for member, _ in tree_folds]
    anchored = np.concatenate([member.fourier(masks[test]) for member, test in tree_folds])
    free = np.concatenate([member.free(masks[test]) for member, test in tree_folds])
    spreads = (
        fourier_ambiguity([f.fourier for f in members]),
        fourier_ambiguity([f.free for f in members]),
    )
    candidate = Candidate(
        "trees",
        corrected_score(score, y_test, anchored, spreads[0]),
        corrected_score(score, y_test, free, spreads[1]),
        anchored,
        free,
        spreads=spreads,
    )
    return candidate, spreads


def _blend_candidate(
    y_test: np.ndarray,
    candidates: dict[str, Candidate],
    folds: dict[str, list[tuple[SparseFourier, SparseFourier]]],
    sizes: list[int],
    score: Score,
) -> Candidate:
    """``Σ w_f·f̄_f`` over the families, each fold scored with weights of the other folds.

    The weights fit the single fits' left-out predictions by least squares (no credit for
    averaging, see :mod:`.ensembles`). ``folds`` holds the ``(anchored, free)`` fold fits of
    the families that return their folds' average: their spreads
    (:func:`~.ensembles.ambiguity_matrix`) give the blend's ambiguity correction. The
    first-order fit is refitted on every query and has none.
    """
    names = [name for name in _FAMILIES[:-1] if name in candidates]
    scores, weights, predictions, credits = [], [], [], []
    for j, attribute in enumerate(("predictions", "free_predictions")):
        table = np.column_stack([getattr(candidates[name], attribute) for name in names])
        spreads = ambiguity_matrix([[fit[j] for fit in folds.get(name, [])] for name in names])
        w, blended = cross_validated_blend(y_test, table, sizes)
        credits.append(float(w @ spreads @ w))
        scores.append(corrected_score(score, y_test, blended, credits[-1]))
        weights.append(dict(zip(names, w.tolist(), strict=True)))
        predictions.append(blended)
    return Candidate("blend", scores[0], scores[1], *predictions, *weights, spreads=tuple(credits))


Blocks = list[tuple[np.ndarray, CovarianceFactor, float]]


def _returned_function(
    masks: np.ndarray,
    values: np.ndarray,
    fold_of: np.ndarray,
    pick: Candidate,
    candidates: dict[str, Candidate],
    fitted: tuple[_FirstOrder | None, _Shallow | None],
    tree_folds: list[tuple[TreeMember, np.ndarray]],
    test_idx: np.ndarray,
    anchors: Anchors | None,
    anchor: bool,
) -> tuple[SparseFourier, Blocks]:
    """The chosen candidate's function and covariance blocks.

    The trees average their folds' fits when two or more were fitted (the score describes that
    average) and refit the one fold's support on every query otherwise; the first-order fit
    is refitted on every query; the shallow trees average every fold's fit. A blend mixes
    these functions, its blocks weighted so that the standard errors mix the same way
    (``interaction_standard_errors`` averages the blocks).
    """
    _, _, spread = _standardize(values)
    m = masks.shape[0]
    lasso, shallow = fitted

    def part(name: str) -> tuple[SparseFourier, Blocks]:
        if name == "shallow":
            own = candidates[name]
            predictions = own.predictions if anchor else own.free_predictions
            return shallow.returned(anchor, spread, values[test_idx], predictions)
        oof = _residuals(values[test_idx], candidates[name], test_idx, m, spread, anchor)
        if name == "first-order":
            fits = [fold.free for fold in lasso.folds]
        else:
            fits = [member.free for member, _ in tree_folds]
        noise = _anchor_noise(oof, fits, anchors, spread, anchor)
        if name == "first-order":
            return lasso.refit(oof, anchor, noise)
        if len(tree_folds) > 1:
            folds = [
                _FoldFit(f.fourier, f.free, f.support, f.penalty, fold_of != k)
                for k, (f, _) in enumerate(tree_folds)
            ]
            return _fold_average(masks, values, folds, anchors, oof, anchor, noise)
        return _refit_trees(masks, values, tree_folds, anchors, oof, anchor, noise)

    if pick.name != "blend":
        return part(pick.name)
    weights = pick.weights if anchor else pick.free_weights
    parts = {name: part(name) for name, w in weights.items() if w > 0.0}
    width = max(max(f.terms.shape[1] for f, _ in parts.values()), 1)
    fourier = SparseFourier(
        masks.shape[1],
        np.concatenate([pad_terms(f.terms, width) for f, _ in parts.values()]),
        np.concatenate([weights[name] * f.coefficients for name, (f, _) in parts.items()]),
    )
    # The standard errors are the blocks' mean: each family's share is its weight.
    k = sum(len(b) for _, b in parts.values())
    blocks = [
        (t, c, s * weights[name] * k / len(b)) for name, (_, b) in parts.items() for t, c, s in b
    ]
    return fourier, blocks


def _residuals(
    y_test: np.ndarray,
    candidate: Candidate,
    test_idx: np.ndarray,
    m: int,
    spread: float,
    anchor: bool,
) -> np.ndarray:
    """Absolute out-of-fold residuals of every query in units of the values' spread.

    Queries of folds not fitted take the residuals' root mean square (squares of huge values
    overflow in the original units).
    """
    predictions = candidate.predictions if anchor else candidate.free_predictions
    residuals = (y_test - predictions) / spread
    oof = np.full(m, np.sqrt(np.mean(residuals**2)) if residuals.size else 0.0)
    oof[test_idx] = np.abs(residuals)
    return oof


def _standardize(values: np.ndarray) -> tuple[np.ndarray, float, float]:
    """``(values - offset) / spread, offset, spread`` by the refit's one standardization."""
    offset, spread = standardization(values, np.arange(values.size))
    return standardized(values, offset, spread), offset, spread


def _finish(
    masks: np.ndarray,
    y: np.ndarray,
    offset: float,
    spread: float,
    terms: np.ndarray,
    coefs: np.ndarray,
    factor: np.ndarray,
    anchors: Anchors | None,
    anchor: bool,
    anchor_variance: float,
) -> tuple[np.ndarray, np.ndarray, CovarianceFactor]:
    """Anchor a standardized fit and its covariance factor; return them in original units.

    ``anchor_variance`` is the variance of a single query around the fit (standardized): the
    anchor values are single queries, and their error bends every coefficient.
    """
    if anchor and anchors is not None:
        terms2, coefs2 = anchor_standardized(terms, coefs, anchors, masks, y, offset, spread)
        width = max(terms.shape[1], terms2.shape[1])
        # anchored_coefficients keeps the support first and appends carriers.
        extended = np.zeros((terms2.shape[0], factor.shape[1]))
        extended[: terms.shape[0]] = factor
        rows = fourier_basis(anchors[0], pad_terms(terms2, width))
        factor = anchored_factor(extended, rows, anchor_variance)
        terms, coefs = pad_terms(terms2, width), coefs2
    width = max(terms.shape[1], 1)
    const = np.full((1, width), -1, dtype=np.int64)
    terms_out = np.concatenate([const, pad_terms(terms, width)])
    coefs_out = np.r_[offset, spread * coefs]
    # The covariance stays in units of the spread (its square overflows for huge values).
    factor_out = np.vstack([np.zeros((1, factor.shape[1])), factor])
    return terms_out, coefs_out, CovarianceFactor(factor_out)


@dataclass(frozen=True)
class _FoldFit:
    """One fold's fit of the chosen candidate, for the average and its standard errors."""

    fourier: SparseFourier
    free: SparseFourier
    support: np.ndarray
    penalty: float  # ridge penalty relative to the fold's training size
    train: np.ndarray  # boolean mask of the queries it was fitted on


def _anchor_noise(
    oof: np.ndarray,
    fits: list[Callable[[np.ndarray], np.ndarray]],
    anchors: Anchors | None,
    spread: float,
    anchor: bool,
) -> float:
    """Error variance of the anchor values as the anchored function meets them.

    An anchor is one query and the fits extrapolate to it (the empty and the full coalition
    lie far from the uniform masks they learnt from), so its error is the larger of the
    left-out error and the folds' own (unanchored) misses at the anchors, which no fold was
    fitted on.
    """
    noise = float(np.mean(oof**2))
    if not anchor or anchors is None:
        return noise
    misses = np.concatenate([(fit(anchors[0]) - anchors[1]) / spread for fit in fits])
    return max(noise, float(np.mean(misses**2)))


def _fold_average(
    masks: np.ndarray,
    values: np.ndarray,
    folds: list[_FoldFit],
    anchors: Anchors | None,
    oof: np.ndarray,
    anchor: bool,
    anchor_noise: float,
) -> tuple[SparseFourier, list[tuple[np.ndarray, np.ndarray, float]]]:
    """The mean of the folds' fits, and each fit's covariance (in the values' spread)."""
    n = masks.shape[1]
    _, _, spread = _standardize(values)
    functions = [f.fourier if anchor else f.free for f in folds]
    width = max(max(f.terms.shape[1] for f in functions), 1)
    terms = np.concatenate([pad_terms(f.terms, width) for f in functions])
    coefs = np.concatenate([f.coefficients for f in functions]) / len(functions)
    blocks = []
    for fold in folds:
        train = fold.train
        penalty = fold.penalty * int(train.sum())
        support = fold.support
        factor = sandwich_factor(masks[train], support, oof[train], penalty)
        if anchor and anchors is not None:
            # The anchored fit also moves carrier terms outside the support: they take their
            # error from the projection alone.
            support, factor = _embed(factor, support, fold.fourier.terms)
            factor = anchored_factor(factor, fourier_basis(anchors[0], support), anchor_noise)
        blocks.append((support, CovarianceFactor(factor), spread))
    # Any two folds' fits share (N_FOLDS - 2) / (N_FOLDS - 1) of their queries: their errors
    # correlate about that much, and the mean of k of them has this share of one's variance.
    shared = (N_FOLDS - 2) / (N_FOLDS - 1)
    shrink = shared + (1.0 - shared) / len(folds)
    blocks = [(t, cov.scaled(shrink), scale) for t, cov, scale in blocks]
    return SparseFourier(n, terms, coefs), blocks


def _embed(
    factor: np.ndarray, support: np.ndarray, terms: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``support``'s covariance factor in the rows of its union with ``terms`` (zeros elsewhere)."""
    width = max(support.shape[1], terms.shape[1], 1)
    support, terms = pad_terms(support, width), pad_terms(terms, width)
    union = np.unique(np.concatenate([support, terms]), axis=0)
    index = {tuple(row): i for i, row in enumerate(union.tolist())}
    at = np.array([index.get(tuple(row), -1) for row in support.tolist()])
    keep = at >= 0
    out = np.zeros((union.shape[0], factor.shape[1]))
    out[at[keep]] = factor[keep]
    return union, out


def _refit_trees(
    masks: np.ndarray,
    values: np.ndarray,
    folds: list,
    anchors: Anchors | None,
    oof: np.ndarray,
    anchor: bool,
    anchor_noise: float,
) -> tuple[SparseFourier, list[tuple[np.ndarray, np.ndarray, float]]]:
    """Each fold's support refitted on every query, anchored, and averaged."""
    n = masks.shape[1]
    y, offset, spread = _standardize(values)
    m = masks.shape[0]
    parts_terms, parts_coefs, covs = [], [], []
    for member, _ in folds:
        terms = member.support
        with single_blas_thread():
            gram, xty = _gram(masks, terms, y)
            coefs = ridge_solve(gram, xty, member.penalty * m)
        factor = sandwich_factor(masks, terms, oof, member.penalty * m)
        t, c, v = _finish(
            masks, y, offset, spread, terms, coefs, factor, anchors, anchor, anchor_noise
        )
        parts_terms.append(t)
        parts_coefs.append(c)
        covs.append(v)
    k = len(folds)
    width = max(t.shape[1] for t in parts_terms)
    terms = np.concatenate([pad_terms(t, width) for t in parts_terms])
    coefs = np.concatenate(parts_coefs) / k
    return SparseFourier(n, terms, coefs), [
        (t, v, spread) for t, v in zip(parts_terms, covs, strict=True)
    ]


@dataclass(frozen=True)
class _FirstOrder:
    """The cross-fitted first-order Lasso: scores, the refit on every query, the folds' fits."""

    candidate: Candidate
    refit: Callable[[np.ndarray, bool, float], tuple[SparseFourier, Blocks]]
    folds: list[_FoldFit]


def _first_order_candidate(
    masks: np.ndarray,
    values: np.ndarray,
    fold_of: np.ndarray,
    cv_folds: int,
    scored: int,
    anchors: Anchors | None,
    score: Score,
) -> _FirstOrder:
    """The Lasso on first-order terms, its penalty chosen on the first ``cv_folds`` folds.

    The candidate's predictions are those of the first ``scored`` folds (the queries the
    trees were scored on). The returned fit is the Lasso at that penalty on every query, as
    ``LassoCV`` refits: with tens of queries, a fifth more of them is worth more than the
    folds' average. It is scored by the folds' own fits, which saw a fifth fewer queries: the
    score is conservative for the refit (the ambiguity correction of an average would
    overstate it when few queries meet many players).
    """
    n = masks.shape[1]
    terms = first_order_terms(n)
    y_all, offset_all, spread_all = _standardize(values)
    alphas = alpha_grid(masks, y_all)
    per_fold = []
    errors = np.zeros(alphas.size)
    for k in range(max(cv_folds, scored)):
        test = fold_of == k
        train = ~test
        y, offset, spread = _standardize(values[train])
        coefs = lasso_fits(masks[train], y, alphas * spread_all / spread)
        pred = fourier_basis(masks[test], terms) @ coefs.T
        if k < cv_folds:
            target = (values[test][:, None] - offset) / spread_all
            errors += np.sum((target - pred * spread / spread_all) ** 2, axis=0)
        per_fold.append((train, test, y, offset, spread, coefs, pred))
    best = int(np.argmin(errors))
    anchored, free, folds = [], [], []
    for train, test, y, offset, spread, coefs, pred in per_fold[:scored]:
        free.append(offset + spread * pred[:, best])
        t, c = terms, coefs[best]
        if anchors is not None:
            t, c = anchor_standardized(terms, c, anchors, masks[train], y, offset, spread)
        anchored.append(offset + spread * (fourier_basis(masks[test], t) @ c))
        active = np.union1d(np.flatnonzero(np.abs(coefs[best]) > 0), [0])
        folds.append(
            _FoldFit(
                SparseFourier(n, t, c).affine(spread, offset),
                SparseFourier(n, terms, coefs[best]).affine(spread, offset),
                terms[active],
                1e-9,
                train,
            )
        )
    test_idx = np.concatenate([np.flatnonzero(fold_of == k) for k in range(scored)])
    y_test = values[test_idx]
    anchored_p, free_p = np.concatenate(anchored), np.concatenate(free)
    candidate = Candidate(
        "first-order",
        score(y_test, anchored_p),
        score(y_test, free_p),
        anchored_p,
        free_p,
    )

    def refit(oof: np.ndarray, anchor: bool, anchor_noise: float) -> tuple[SparseFourier, Blocks]:
        coefs = lasso_fits(masks, y_all, alphas[best : best + 1])[0]
        active = np.union1d(np.flatnonzero(np.abs(coefs) > 0), [0])
        factor_active = sandwich_factor(masks, terms[active], oof, 1e-9 * n)
        factor = np.zeros((terms.shape[0], factor_active.shape[1]))
        factor[active] = factor_active
        t, c, v = _finish(
            masks, y_all, offset_all, spread_all, terms, coefs, factor, anchors, anchor,
            anchor_noise,
        )  # fmt: skip
        return SparseFourier(n, t, c), [(t, v, spread_all)]

    return _FirstOrder(candidate, refit, folds)


@dataclass(frozen=True)
class _Shallow:
    """Every fold's shallow-trees fit, ``(anchored, free)`` in the values' units."""

    folds: list[tuple[SparseFourier, SparseFourier]]
    tests: list[np.ndarray]  # the left-out queries of the scored folds

    def candidate(self, y_test: np.ndarray, score: Score) -> Candidate:
        """Scores of the folds' average from the scored folds' left-out predictions."""
        predictions = []
        for j in range(2):
            fits = [fold[j] for fold in self.folds]
            predicted = np.concatenate([fits[k](t) for k, t in enumerate(self.tests)])
            predictions.append((predicted, fourier_ambiguity(fits)))
        (anchored, spread), (free, free_spread) = predictions
        return Candidate(
            "shallow",
            corrected_score(score, y_test, anchored, spread),
            corrected_score(score, y_test, free, free_spread),
            anchored,
            free,
            spreads=(spread, free_spread),
        )

    def returned(
        self, anchor: bool, spread: float, y_test: np.ndarray, predictions: np.ndarray
    ) -> tuple[SparseFourier, Blocks]:
        """The folds' average and its covariance (in the values' spread).

        The folds' grouped jackknife gives the covariance's shape, and its size where that
        is larger: the sum of the coefficients' variances is the function's expected squared
        error (Parseval), so the covariance is scaled up to the average's left-out squared
        error (``predictions`` of ``y_test``, less the folds' ambiguity). That error also
        holds the shrunk trees' bias, which the folds' spread does not show.
        """
        fits = [fold[0] if anchor else fold[1] for fold in self.folds]
        n = fits[0].n
        width = max(max(f.terms.shape[1] for f in fits), 1)
        terms = np.concatenate([pad_terms(f.terms, width) for f in fits])
        coefs = np.concatenate([f.coefficients for f in fits]) / len(fits)
        union, factor = jackknife_factor(fits)
        error = float(np.mean((y_test - predictions) ** 2)) - fourier_ambiguity(fits)
        variance = float(np.sum(factor**2))
        if variance > 0.0 and error > variance:
            factor = factor * np.sqrt(error / variance)
        return SparseFourier(n, terms, coefs), [(union, CovarianceFactor(factor / spread), spread)]


def _shallow_candidate(
    masks: np.ndarray,
    values: np.ndarray,
    fold_of: np.ndarray,
    seeds: np.ndarray,
    scored: int,
    anchors: Anchors | None,
) -> _Shallow:
    """Boosted three-leaf trees (:mod:`.shallow`) on every fold, scored on the first ``scored``.

    All folds are fitted whatever ``scored`` is: the returned average is then the same
    function with and without further tree folds, and each fit costs little.
    """
    n = masks.shape[1]
    folds = []
    for k in range(N_FOLDS):
        train = fold_of != k
        y, offset, spread = _standardize(values[train])
        terms, coefs = fit_shallow(masks[train], y, int(seeds[k]))
        free = SparseFourier(n, terms, coefs).affine(spread, offset)
        if anchors is not None:
            terms, coefs = anchor_standardized(
                terms, coefs, anchors, masks[train], y, offset, spread
            )
        folds.append((SparseFourier(n, terms, coefs).affine(spread, offset), free))
    tests = [masks[fold_of == k] for k in range(scored)]
    return _Shallow(folds, tests)
