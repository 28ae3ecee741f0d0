"""ProxySPEX's transform: sample, fit a tree proxy, read its spectrum, select and refit.

1. Query the game on ``budget`` masks (one evaluator call; it batches).
2. Hold out a validation split. For tree depths 3, 4, ... boost LightGBM trees on the training
   masks with early stopping on the validation masks, while deeper trees validate better.
3. Read the two best boosters' exact Fourier spectra, rank the terms by magnitude and close them
   under subsets; choose the closed prefix whose training-set ridge fit predicts the validation
   masks best. The booster whose selected support validates best wins.
4. Screen the winner's other proxy terms against the residual of the support and select again
   (a few rounds, each kept only if it validates better).
5. Refit the final support on all masks (ridge, with the penalty that validated best).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .._validation import check_int
from ..spectral.anchors import CARRIER_PLAYERS, Anchors, anchored_coefficients
from ..spectral.representation import SparseFourier
from ..spectral.terms import canonical_terms, fourier_basis, fourier_design_dot, pad_terms
from .extraction import booster_spectrum
from .fitting import ProxyFit, ProxyTrainer
from .refit import (
    TOLERANCE,
    SupportFit,
    extend_by_residual,
    fit_support,
    hierarchical_order,
    refit_all,
    standardization,
    standardized,
)
from .sampling import sample_masks

__all__ = ["MIN_BUDGET", "ProxyDiagnostics", "ProxyResult", "proxy_fourier_transform"]

Evaluate = Callable[[np.ndarray], np.ndarray]

MIN_BUDGET = 62
"""Fewest queries the transform accepts: below, the trees (leaves of at least 10 masks) split
almost nothing and the result is little more than the constant."""
_EXACT = 1e-12  # relative validation error of an exact fit (round-off and tiny penalties)
_MAX_TERMS = 1024  # default support cap: selection and refit cost grow as its cube
_TERMS_PER_QUERY = 4  # default support cap: one term per this many training queries
# The trees only propose candidate terms (selection and refit use every mask), so their
# training set is capped: boosting time per tree grows with the rows, candidates barely do.
_PROXY_ROWS = 8192
# Default shrinkage: small while trees are cheap and data scarce (it validates better), larger
# once the trees see many masks and each boosting round costs more.
_SMALL_FIT, _SMALL_LR, _LARGE_LR = 2048, 0.1, 0.3
_PATIENCE = 5.0  # default early-stopping patience, in units of 1 / learning_rate rounds
_RESIDUAL_ROUNDS = 3  # residual screening passes after the depth search (each validated)
_SCREEN_FACTOR = 10  # proxy terms screened against the residual, per support slot
_ADDITIVE_PENALTIES = np.logspace(-4, 1, 6)  # ridge penalties of the additive part, per mask


@dataclass(frozen=True)
class DepthFit:
    """One early-stopped booster of the depth search."""

    depth: int
    trees: int
    proxy_val_mse: float
    fit_s: float


@dataclass(frozen=True)
class SupportChoice:
    """The support selected from one booster's spectrum."""

    depth: int
    spectrum_terms: int
    candidates: int
    support: int
    val_mse: float
    penalty: float
    extract_s: float
    select_s: float


@dataclass(frozen=True)
class ResidualRound:
    """One round of widening the support by residual screening."""

    support: int
    val_mse: float
    seconds: float


@dataclass(frozen=True)
class ProxyDiagnostics:
    """How :func:`proxy_fourier_transform` spent its effort.

    Attributes:
        depths: The boosters of the depth search, in order.
        compared: The supports read from the two best boosters.
        depth: Depth of the booster whose support won.
        residual_rounds: The residual-screening rounds tried.
        support: Size of the final support.
        val_mse: Validation MSE of the final support (standardized units).
        val_r2: Its validation R² (the faithfulness estimate).
        query_s: Seconds spent evaluating the game.
        additive: Whether the proxy was a first-order fit plus trees on its residual.
    """

    depths: list[DepthFit]
    compared: list[SupportChoice]
    depth: int
    residual_rounds: list[ResidualRound]
    support: int
    val_mse: float
    val_r2: float
    query_s: float
    additive: bool = False


@dataclass(frozen=True)
class ProxyResult:
    """Output of :func:`proxy_fourier_transform`.

    Attributes:
        fourier: The refitted sparse Fourier representation.
        n_queries: Masks evaluated (through ``evaluate``; cache hits included).
        info: Diagnostics.
        check: ``(values, predictions)`` of the validation masks, predicted by the selected
            support fitted on the training masks only (the quality estimate; pooled over
            the bags).
        bags: Diagnostics of every averaged fit (``info`` is the first).
        val_r2: R² of ``check`` (the faithfulness estimate).
    """

    fourier: SparseFourier
    n_queries: int
    info: ProxyDiagnostics
    check: tuple[np.ndarray, np.ndarray]
    bags: list[ProxyDiagnostics]
    val_r2: float


@dataclass
class _Split:
    """The queries, standardized and split into training and validation masks."""

    masks: np.ndarray
    y: np.ndarray
    train: np.ndarray
    val: np.ndarray
    offset: float
    spread: float

    @classmethod
    def make(cls, masks: np.ndarray, values: np.ndarray, order: np.ndarray, n_val: int) -> _Split:
        val, train = order[:n_val], order[n_val:]
        # Centre (the ridge penalty must not pull on the mean) and scale (LightGBM stores labels
        # in float32, and squares of huge values overflow); undone on the coefficients.
        offset, spread = standardization(values, train)
        return cls(masks, standardized(values, offset, spread), train, val, offset, spread)

    @property
    def xy(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(x_train, y_train, x_val, y_val)``."""
        masks, y = self.masks, self.y
        return masks[self.train], y[self.train], masks[self.val], y[self.val]


@dataclass
class _Settings:
    """Resolved boosting and selection settings of one call."""

    learning_rate: float
    max_trees: int
    patience: int
    n_jobs: int
    limit: int
    exact: float
    deadline: float | None

    def expired(self) -> bool:
        return self.deadline is not None and time.perf_counter() > self.deadline


def proxy_fourier_transform(
    evaluate: Evaluate,
    n: int,
    budget: int,
    *,
    rng: np.random.Generator,
    min_depth: int = 3,
    max_depth: int = 8,
    sampling: Literal["uniform", "paired"] = "uniform",
    learning_rate: float | None = None,
    max_trees: int | None = None,
    patience: int | None = None,
    validation_fraction: float = 0.2,
    max_terms: int | None = None,
    n_jobs: int = 1,
    time_limit: float | None = None,
    anchors: Anchors | None = None,
    bags: int = 1,
) -> ProxyResult:
    """Recover a sparse Fourier representation of ``f`` from ``budget`` random queries.

    Args:
        evaluate: Maps a boolean mask array ``(m, n)`` to values ``(m,)``.
        n: Number of players.
        budget: Number of queries (all are spent).
        rng: Source of all randomness (masks, split, LightGBM seeds).
        min_depth: First tree depth tried.
        max_depth: Deepest trees tried. Depths are tried upwards (one boosting run each, with
            early stopping) while the boosters' validation error keeps improving.
        sampling: Mask design, see :func:`~shapiq_spex.proxy.sampling.sample_masks`.
        learning_rate: LightGBM shrinkage (``None``: 0.1 when the trees are fitted on at most
            2048 masks, else 0.3: small shrinkage validates better, and costs little while
            the trees are cheap).
        max_trees: Most boosting rounds per depth (``None``: ``100 / learning_rate``).
        patience: Early-stopping patience in rounds (``None``: ``5 / learning_rate``, the
            same span of shrunken steps at any learning rate).
        validation_fraction: Share of the queries held out for model and support selection
            (all queries are used by the final refit).
        max_terms: Most terms in the support (default: a quarter of the training masks, at
            most 1024).
        n_jobs: LightGBM threads.
        time_limit: Seconds after which no further depth is tried and boosting stops (``None``:
            no limit, fully reproducible).
        anchors: ``(masks (r, n), values (r,))`` that the recovered function must match exactly
            (the empty and full coalitions): the final refit is constrained to them.
        bags: Fits to average, each selecting trees and support on its own random validation
            split (all of them refit on every query). Averaging lowers the variance of the
            selection, which dominates on dense, noisy functions; an exact first fit ends
            the loop.

    Returns:
        The refitted representation and diagnostics.

    Raises:
        ValueError: If ``budget < MIN_BUDGET`` or ``min_depth`` exceeds ``max_depth``.
    """
    _check_budget_and_depths(budget, min_depth, max_depth)
    bags = check_int(bags, "bags", minimum=1)
    # Draw every seed up front so results never depend on how far the loop gets.
    masks = sample_masks(n, budget, rng, sampling)
    depths = range(min_depth, max_depth + 1)
    draws = [(rng.permutation(budget), rng.integers(0, 2**31 - 1, size=len(depths)))]
    draws += [
        (rng.permutation(budget), rng.integers(0, 2**31 - 1, size=len(depths)))
        for _ in range(bags - 1)
    ]
    start = time.perf_counter()
    values = np.asarray(evaluate(masks), dtype=float)
    query_s = time.perf_counter() - start
    n_val = min(max(round(validation_fraction * budget), 1), budget - 1)
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    members: list[_Member] = []
    for k, (order, seeds) in enumerate(draws):
        data = _Split.make(masks, values, order, n_val)
        settings = _settings(data, learning_rate, max_trees, patience, n_jobs, max_terms, deadline)
        # Every second member boosts its trees on the residual of an additive fit: trees
        # spend many splits on main effects, and the two kinds of proxies err differently.
        additive = k % 2 == 1 and n <= data.train.size
        members.append(_fit_member(data, settings, depths, seeds, anchors, n, query_s, additive))
        # An exact fit leaves nothing to average; a spent time limit allows no more fits.
        if members[-1].info.val_mse <= settings.exact or settings.expired():
            break
    return _bagged(members, int(masks.shape[0]))


@dataclass(frozen=True)
class _Member:
    """One fit of the transform on one validation split."""

    fourier: SparseFourier
    info: ProxyDiagnostics
    check: tuple[np.ndarray, np.ndarray]


def _fit_member(
    data: _Split,
    settings: _Settings,
    depths: range,
    seeds: np.ndarray,
    anchors: Anchors | None,
    n: int,
    query_s: float,
    additive: bool = False,
) -> _Member:
    """Depth search, support selection, residual widening and refit on one split.

    With ``additive``, the proxy is a first-order ridge fit plus trees boosted on its
    residual; its spectrum is the sum of both.
    """
    base = _additive_fit(data) if additive else None
    fitted, per_depth = _depth_search(data, settings, depths, seeds, base)
    selection, spectrum, depth, compared = _select_support(data, settings, fitted, n, base)
    selection, rounds = _widen_by_residual(data, settings, selection, spectrum, n)
    terms, coefs = _anchored_refit(data, selection, anchors, n)
    y_val = data.y[data.val]
    info = ProxyDiagnostics(
        depths=per_depth,
        compared=compared,
        depth=depth,
        residual_rounds=rounds,
        support=selection.size,
        val_mse=selection.val_mse,
        val_r2=_r2(selection.val_mse, float(np.mean((y_val - y_val.mean()) ** 2))),
        query_s=query_s,
        additive=additive,
    )
    unscale = lambda y: y * data.spread + data.offset  # noqa: E731
    check = (unscale(y_val), unscale(selection.val_prediction))
    fourier = SparseFourier(n, terms, coefs).affine(data.spread, data.offset)
    return _Member(fourier, info, check)


def _bagged(members: list[_Member], n_queries: int) -> ProxyResult:
    """Average the members' functions; pool their validation predictions for the estimate.

    Each member's prediction of its own validation masks comes from a fit that never saw
    them, so the pooled R² estimates one member's faithfulness: a conservative estimate of
    the average's. The average keeps the anchors (they are linear constraints).
    """
    first = members[0].fourier
    if len(members) == 1:
        fourier = first
    else:
        width = max(m.fourier.terms.shape[1] for m in members)
        terms = np.concatenate([pad_terms(m.fourier.terms, width) for m in members])
        coefs = np.concatenate([m.fourier.coefficients for m in members]) / len(members)
        fourier = SparseFourier(first.n, terms, coefs)
    y = np.concatenate([m.check[0] for m in members])
    prediction = np.concatenate([m.check[1] for m in members])
    # In scaled units: squares of huge game values overflow.
    centre, scale = standardization(y, np.arange(y.size))
    centred = standardized(y, centre, scale)
    error = centred - standardized(prediction, centre, scale)
    val_r2 = _r2(float(np.mean(error**2)), float(np.mean(centred**2)))
    return ProxyResult(
        fourier, n_queries, members[0].info, (y, prediction), [m.info for m in members], val_r2
    )


def _check_budget_and_depths(budget: int, min_depth: int, max_depth: int) -> None:
    if budget < MIN_BUDGET:
        msg = f"budget must be >= {MIN_BUDGET} for ProxySPEX, got {budget}."
        raise ValueError(msg)
    if not 1 <= min_depth <= max_depth:
        msg = f"need 1 <= min_depth <= max_depth, got {min_depth} and {max_depth}."
        raise ValueError(msg)


def _settings(
    data: _Split,
    learning_rate: float | None,
    max_trees: int | None,
    patience: int | None,
    n_jobs: int,
    max_terms: int | None,
    deadline: float | None,
) -> _Settings:
    """Fill in the data-dependent defaults."""
    train_size = data.train.size
    if learning_rate is None:
        learning_rate = _SMALL_LR if min(train_size, _PROXY_ROWS) <= _SMALL_FIT else _LARGE_LR
    limit = max_terms or min(max(train_size // _TERMS_PER_QUERY, 1), _MAX_TERMS)
    return _Settings(
        learning_rate=learning_rate,
        max_trees=max_trees or max(round(100 / learning_rate), 1),
        patience=patience or max(round(_PATIENCE / learning_rate), 1),
        n_jobs=n_jobs,
        limit=limit,
        exact=_EXACT * float(np.mean(data.y[data.val] ** 2)),
        # The time limit bounds the method's own work, not the game's.
        deadline=deadline,
    )


def _additive_fit(data: _Split) -> tuple[np.ndarray, np.ndarray]:
    """First-order Fourier terms fitted by ridge on the training split: ``(terms, coefs)``.

    The penalty is the one of a small grid that predicts the validation split best.
    """
    x_tr, y_tr, x_val, y_val = data.xy
    n = x_tr.shape[1]
    design = 1.0 - 2.0 * x_tr
    mean = design.mean(axis=0)
    centred = design - mean
    gram, moment = centred.T @ centred, centred.T @ (y_tr - y_tr.mean())
    val_design = 1.0 - 2.0 * x_val - mean
    best = (np.inf, np.zeros(n))
    for penalty in _ADDITIVE_PENALTIES * x_tr.shape[0]:
        w = np.linalg.solve(gram + penalty * np.eye(n), moment)
        mse = float(np.mean((y_val - y_tr.mean() - val_design @ w) ** 2))
        if mse < best[0]:
            best = (mse, w)
    w = best[1]
    terms = np.vstack([np.full((1, 1), -1), np.arange(n)[:, None]]).astype(np.int64)
    return terms, np.r_[y_tr.mean() - mean @ w, w]


def _depth_search(
    data: _Split,
    settings: _Settings,
    depths: range,
    seeds: np.ndarray,
    base: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[list[ProxyFit], list[DepthFit]]:
    """One early-stopped booster per depth, upwards while validation improves.

    With ``base`` (a Fourier function), the trees are boosted on its residual.
    """
    x_tr, y_tr, x_val, y_val = data.xy
    if base is not None:
        y_tr = y_tr - fourier_basis(x_tr, base[0]) @ base[1]
        y_val = y_val - fourier_basis(x_val, base[0]) @ base[1]
    # train is a random permutation: its head is a uniform subsample.
    trainer = ProxyTrainer(x_tr[:_PROXY_ROWS], y_tr[:_PROXY_ROWS], x_val, y_val)
    per_depth: list[DepthFit] = []
    fitted: list[ProxyFit] = []
    for depth, seed in zip(depths, seeds, strict=True):
        if fitted and settings.expired():
            break
        t0 = time.perf_counter()
        proxy = trainer.fit(
            max_depth=int(depth),
            seed=int(seed),
            learning_rate=settings.learning_rate,
            max_trees=settings.max_trees,
            patience=settings.patience,
            n_jobs=settings.n_jobs,
            deadline=settings.deadline,
        )
        per_depth.append(
            DepthFit(int(depth), proxy.n_trees, proxy.val_mse, time.perf_counter() - t0)
        )
        improved = not fitted or proxy.val_mse < min(f.val_mse for f in fitted) * (1 - TOLERANCE)
        fitted.append(proxy)
        if not improved or proxy.val_mse <= settings.exact:
            break
    return fitted, per_depth


def _select_support(
    data: _Split,
    settings: _Settings,
    fitted: list[ProxyFit],
    n: int,
    base: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[SupportFit, tuple[np.ndarray, np.ndarray], int, list[SupportChoice]]:
    """Read the two best boosters' spectra and keep the support that validates best.

    The sparse refit often prefers one level deeper than the trees themselves. ``base`` is
    added to every booster's spectrum (the proxy's additive part).
    """
    x_tr, y_tr, x_val, y_val = data.xy
    best: tuple[float, SupportFit | None, int] = (np.inf, None, -1)
    spectrum: tuple[np.ndarray, np.ndarray] | None = None
    compared = []
    for proxy in sorted(sorted(fitted, key=lambda f: f.val_mse)[:2], key=lambda f: f.max_depth):
        t0 = time.perf_counter()
        terms, coefs = booster_spectrum(proxy.booster, n, num_iteration=proxy.n_trees)
        if base is not None:
            width = max(terms.shape[1], base[0].shape[1])
            terms, coefs = canonical_terms(
                np.vstack([pad_terms(terms, width), pad_terms(base[0], width)]),
                np.r_[coefs, base[1]],
            )
        t1 = time.perf_counter()
        ordered = hierarchical_order(terms, np.abs(coefs), n, settings.limit)
        selection = fit_support(ordered, x_tr, y_tr, x_val, y_val, n)
        compared.append(
            SupportChoice(
                depth=proxy.max_depth,
                spectrum_terms=int(coefs.size),
                candidates=int(ordered.shape[0]),
                support=selection.size,
                val_mse=selection.val_mse,
                penalty=selection.penalty,
                extract_s=t1 - t0,
                select_s=time.perf_counter() - t1,
            )
        )
        if selection.val_mse < best[0] * (1.0 - TOLERANCE):
            best = (selection.val_mse, selection, proxy.max_depth)
            spectrum = (terms, np.abs(coefs))
    assert best[1] is not None and spectrum is not None
    return best[1], spectrum, best[2], compared


def _widen_by_residual(
    data: _Split,
    settings: _Settings,
    selection: SupportFit,
    spectrum: tuple[np.ndarray, np.ndarray],
    n: int,
) -> tuple[SupportFit, list[ResidualRound]]:
    """Screen the proxy's other terms against the residual; keep rounds that validate better."""
    x_tr, y_tr, x_val, y_val = data.xy
    rounds: list[ResidualRound] = []
    for _ in range(_RESIDUAL_ROUNDS):
        if (
            selection.val_mse <= settings.exact
            or selection.size >= settings.limit  # a full support leaves no room for new terms
            or settings.expired()
        ):
            break
        t0 = time.perf_counter()
        ordered = extend_by_residual(
            selection,
            *spectrum,
            x_tr,
            y_tr,
            n,
            settings.limit,
            screen=_SCREEN_FACTOR * settings.limit,
        )
        # The support's validated penalty carries over: the support is most of the new fit.
        extended = fit_support(
            ordered,
            x_tr,
            y_tr,
            x_val,
            y_val,
            n,
            anchor=selection.size,
            penalties=(selection.penalty,),
        )
        rounds.append(ResidualRound(extended.size, extended.val_mse, time.perf_counter() - t0))
        if extended.val_mse >= selection.val_mse * (1.0 - TOLERANCE):
            break
        selection = extended
    return selection, rounds


def _anchored_refit(
    data: _Split, selection: SupportFit, anchors: Anchors | None, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Refit the support on every mask, then correct it to the anchors (standardized)."""
    terms, coefs = refit_all(selection)
    if anchors is None:
        return terms, coefs
    anchors = (anchors[0], (np.asarray(anchors[1], dtype=float) - data.offset) / data.spread)

    def players() -> np.ndarray:
        singletons = np.arange(n, dtype=np.int64)[:, None]
        scores = np.abs(fourier_design_dot(data.masks, singletons, data.y))
        return np.sort(np.argsort(-scores, kind="stable")[:CARRIER_PLAYERS])

    variance = float(np.var(data.y))
    return anchored_coefficients(terms, coefs, anchors, variance=variance, players=players)


def _r2(mse: float, variance: float) -> float:
    """R² from a mean squared error; a constant target counts as explained when fitted."""
    if variance > 1e-24:
        return 1.0 - mse / variance
    return 1.0 if mse <= 1e-16 else 0.0
