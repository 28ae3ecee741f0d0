"""One fit of ProxySPEX's tree pipeline on one split of the queries into training and validation.

1. For tree depths 3, 4, ... boost LightGBM trees on the training masks with early stopping on
   the validation masks, while deeper trees validate better (optionally on the residual of a
   first-order ridge fit).
2. Read the two best boosters' exact Fourier spectra, rank the terms by magnitude and close them
   under subsets; choose the closed prefix whose training-set ridge fit predicts the validation
   masks best. The booster whose selected support validates best wins.
3. Screen the winner's other proxy terms against the residual of the support and select again
   (a few rounds, each kept only if it validates better).
4. Refit the support on all masks of the split (ridge, with the penalty that validated best)
   and correct it to the anchors.

:mod:`~shapiq_spex.proxy.crossfit` runs this on cross-fitting folds and chooses between it and
a sparse first-order fit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..spectral.anchors import CARRIER_PLAYERS, Anchors, anchored_coefficients
from ..spectral.representation import SparseFourier
from ..spectral.terms import canonical_terms, fourier_basis, fourier_design_dot, pad_terms
from .extraction import forest_spectrum
from .fitting import ProxyFit
from .proxies import LightGBMProxy, Proxy
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

__all__ = [
    "MIN_BUDGET",
    "ProxyDiagnostics",
    "Settings",
    "Split",
    "TreeMember",
    "anchor_standardized",
    "check_budget_and_depths",
    "fit_tree_member",
    "make_settings",
]

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


@dataclass
class Split:
    """The queries, standardized and split into training and validation masks."""

    masks: np.ndarray
    y: np.ndarray
    train: np.ndarray
    val: np.ndarray
    offset: float
    spread: float

    @classmethod
    def make(cls, masks: np.ndarray, values: np.ndarray, order: np.ndarray, n_val: int) -> Split:
        """Split by ``order``: its first ``n_val`` positions validate, the rest train."""
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
class Settings:
    """Resolved boosting and selection settings of one call."""

    learning_rate: float
    max_trees: int
    patience: int
    n_jobs: int
    limit: int
    exact: float
    deadline: float | None
    proxy: Proxy = field(default_factory=LightGBMProxy)

    def expired(self) -> bool:
        """Whether the time limit has passed."""
        return self.deadline is not None and time.perf_counter() > self.deadline


@dataclass(frozen=True)
class TreeMember:
    """One fit of the tree pipeline on one validation split.

    Attributes:
        fourier: The support refitted on every mask it was given, anchored (original units).
        free: The same refit without the anchors.
        support: The selected terms ``(K, d)`` (before anchor carriers).
        penalty: The validated ridge penalty, relative to the number of masks.
        info: Diagnostics.
        check: ``(values, predictions)`` of the validation masks (pre-refit fit).
    """

    fourier: SparseFourier
    free: SparseFourier
    support: np.ndarray
    penalty: float
    info: ProxyDiagnostics
    check: tuple[np.ndarray, np.ndarray]


def fit_tree_member(
    data: Split,
    settings: Settings,
    depths: range,
    seeds: np.ndarray,
    anchors: Anchors | None,
    n: int,
    query_s: float,
    additive: bool = False,
) -> TreeMember:
    """Depth search, support selection, residual widening and refit on one split.

    With ``additive``, the proxy is a first-order ridge fit plus trees boosted on its
    residual; its spectrum is the sum of both.
    """
    base = _additive_fit(data) if additive else None
    fitted, per_depth = _depth_search(data, settings, depths, seeds, base)
    selection, spectrum, depth, compared = _select_support(data, settings, fitted, n, base)
    selection, rounds = _widen_by_residual(data, settings, selection, spectrum, n)
    free_terms, free_coefs = refit_all(selection)
    terms, coefs = _anchor(data, free_terms, free_coefs, anchors, n)
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
    free = SparseFourier(n, free_terms, free_coefs).affine(data.spread, data.offset)
    return TreeMember(fourier, free, free_terms, selection.penalty, info, check)


def check_budget_and_depths(budget: int, min_depth: int, max_depth: int) -> None:
    """Raise a ``ValueError`` for a budget below the minimum or an empty depth range."""
    if budget < MIN_BUDGET:
        msg = f"budget must be >= {MIN_BUDGET} for ProxySPEX, got {budget}."
        raise ValueError(msg)
    if not 1 <= min_depth <= max_depth:
        msg = f"need 1 <= min_depth <= max_depth, got {min_depth} and {max_depth}."
        raise ValueError(msg)


def make_settings(
    data: Split,
    learning_rate: float | None,
    max_trees: int | None,
    patience: int | None,
    n_jobs: int,
    max_terms: int | None,
    proxy: Proxy | None,
    deadline: float | None,
) -> Settings:
    """Fill in the data-dependent defaults (``proxy``: ``None`` for LightGBM)."""
    train_size = data.train.size
    if learning_rate is None:
        learning_rate = _SMALL_LR if min(train_size, _PROXY_ROWS) <= _SMALL_FIT else _LARGE_LR
    limit = max_terms or min(max(train_size // _TERMS_PER_QUERY, 1), _MAX_TERMS)
    return Settings(
        learning_rate=learning_rate,
        max_trees=max_trees or max(round(100 / learning_rate), 1),
        patience=patience or max(round(_PATIENCE / learning_rate), 1),
        n_jobs=n_jobs,
        limit=limit,
        exact=_EXACT * float(np.mean(data.y[data.val] ** 2)),
        # The time limit bounds the method's own work, not the game's.
        deadline=deadline,
        proxy=proxy or LightGBMProxy(),
    )


def _additive_fit(data: Split) -> tuple[np.ndarray, np.ndarray]:
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
    data: Split,
    settings: Settings,
    depths: range,
    seeds: np.ndarray,
    base: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[list[ProxyFit], list[DepthFit]]:
    """One early-stopped booster per depth, upwards while validation improves.

    With ``base`` (a Fourier function), the trees are boosted on its residual. A proxy that
    does not search depths (the user's regressor) is fitted once, at the first depth.
    """
    x_tr, y_tr, x_val, y_val = data.xy
    if base is not None:
        y_tr = y_tr - fourier_basis(x_tr, base[0]) @ base[1]
        y_val = y_val - fourier_basis(x_val, base[0]) @ base[1]
    # train is a random permutation: its head is a uniform subsample.
    trainer = settings.proxy.trainer(x_tr[:_PROXY_ROWS], y_tr[:_PROXY_ROWS], x_val, y_val)
    if not settings.proxy.searches_depth:
        depths, seeds = depths[:1], seeds[:1]
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
    data: Split,
    settings: Settings,
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
        terms, coefs = forest_spectrum(proxy.forest(n), n)
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
    data: Split,
    settings: Settings,
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


def _anchor(
    data: Split, terms: np.ndarray, coefs: np.ndarray, anchors: Anchors | None, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Correct a standardized fit to the anchors."""
    if anchors is None:
        return terms, coefs
    return anchor_standardized(terms, coefs, anchors, data.masks, data.y, data.offset, data.spread)


def anchor_standardized(
    terms: np.ndarray,
    coefs: np.ndarray,
    anchors: Anchors,
    masks: np.ndarray,
    y: np.ndarray,
    offset: float,
    spread: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Correct coefficients fitted to ``(v - offset) / spread`` so they meet the anchors.

    The carriers of an expensive correction are the players whose first-order terms correlate
    most with the standardized values ``y`` of ``masks``.
    """
    n = masks.shape[1]
    anchors = (anchors[0], (np.asarray(anchors[1], dtype=float) - offset) / spread)

    def players() -> np.ndarray:
        singletons = np.arange(n, dtype=np.int64)[:, None]
        scores = np.abs(fourier_design_dot(masks, singletons, y))
        return np.sort(np.argsort(-scores, kind="stable")[:CARRIER_PLAYERS])

    variance = float(np.var(y))
    return anchored_coefficients(terms, coefs, anchors, variance=variance, players=players)


def _r2(mse: float, variance: float) -> float:
    """R² from a mean squared error; a constant target counts as explained when fitted."""
    if variance > 1e-24:
        return 1.0 - mse / variance
    return 1.0 if mse <= 1e-16 else 0.0
