"""SPEX's sparse Fourier transform: design, query, peel, then refit and re-peel.

Beyond the reference algorithm, the recovered support is refitted by ridge regression on every
query (the aliasing queries and the uniform masks bought with the rest of the budget), and the
residual is peeled again, so terms that were masked by an imprecise amplitude or a multiton are
found in later passes. The refit works on sufficient statistics assembled from the bins, so no
``(queries x terms)`` matrix is built for the aliasing queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse

from .._threads import single_blas_thread
from ..coding.bch import bch_code
from ..metrics import r2_score
from ..spectral.anchors import CARRIER_PLAYERS, anchored_coefficients
from ..spectral.exhaustive import exhaustive_transform
from ..spectral.regression import RidgeFit, ridge_gcv_gram, standardization
from ..spectral.representation import SparseFourier, SparseMoebius
from ..spectral.terms import (
    canonical_terms,
    enumerate_subsets,
    fourier_basis,
    new_terms,
    union_terms,
)
from ..spectral.uncertainty import CovarianceFactor, anchored_factor, psd_factor
from ..spectral.walsh import fwht
from .design import DesignPlan, SubsamplingDesign, plan_design
from .peeling import peel

__all__ = ["PeelPass", "SpexDiagnostics", "TransformResult", "sparse_fourier_transform"]

Evaluate = Callable[[np.ndarray], np.ndarray]


@dataclass
class PeelPass:
    """One peel of the residual bins and the refit that follows it."""

    rounds: int
    decoded: int
    new_terms: int
    added_subsets: int = 0


@dataclass
class SpexDiagnostics:
    """How :func:`sparse_fourier_transform` spent its effort.

    Attributes:
        passes: The peel-and-refit passes, in order.
        alpha: The ridge penalty of the final refit (``None`` for the exhaustive plan).
        support_size: Terms in the recovered support.
        cv_r2: Leave-one-out R² on the uniform refit masks (GCV's estimate over all queries
            when there are fewer than 30 of them); 1.0 for the exhaustive plan.
        exhaustive: Every coalition was queried.
    """

    passes: list[PeelPass] = field(default_factory=list)
    alpha: float | None = None
    support_size: int = 0
    cv_r2: float | None = None
    exhaustive: bool = False


@dataclass(frozen=True)
class TransformResult:
    """Output of :func:`sparse_fourier_transform`.

    Attributes:
        fourier: The recovered Fourier representation.
        moebius: The Möbius representation when the transform computed it directly (exhaustive
            plan); ``None`` otherwise.
        plan: How the budget was spent.
        n_queries: Queries evaluated.
        info: Diagnostics (passes, ridge penalty, faithfulness estimate).
        check: ``(values, predictions)`` of up to 500 uniform refit masks, each predicted
            without itself (leave-one-out), or ``None`` when there are too few of them.
        blocks: ``[(terms, covariance, scale)]`` of the returned coefficients (a
            :class:`~shapiq_spex.spectral.uncertainty.CovarianceFactor` in standardized
            units; ``None`` without a ridge fit), for standard errors.
    """

    fourier: SparseFourier
    moebius: SparseMoebius | None
    plan: DesignPlan
    n_queries: int
    info: SpexDiagnostics
    check: tuple[np.ndarray, np.ndarray] | None = None
    blocks: list[tuple[np.ndarray, CovarianceFactor, float]] | None = None


def sparse_fourier_transform(
    evaluate: Evaluate,
    n: int,
    budget: int,
    *,
    degree: int = 5,
    decoder: Literal["soft", "hard"] = "soft",
    rng: np.random.Generator,
    n_groups: int | None = None,
    refine_rounds: int = 4,
    hierarchy: bool = True,
    max_support: int | None = None,
    anchors: tuple[np.ndarray, np.ndarray] | None = None,
) -> TransformResult:
    """Recover a sparse, low-degree Fourier representation of ``f`` within a query budget.

    Args:
        evaluate: Maps a boolean mask array ``(m, n)`` to values ``(m,)``.
        n: Number of players.
        budget: Maximum number of queries.
        degree: The BCH correction capability ``t``: the largest term size peeling can decode.
        decoder: ``"soft"`` (Chase) or ``"hard"`` BCH decoding.
        rng: Source of all randomness.
        n_groups: Force the number of aliasing groups (``None`` lets the budget plan choose).
        refine_rounds: Maximum number of refit-and-re-peel passes after the first peel.
        hierarchy: Screen every subset of a recovered term, and every first-order term, and
            add those significantly correlated with the residual (hierarchical interactions
            come with their subsets; first-order terms carry most of what peeling misses at
            low budgets).
        max_support: Cap on the refit support size (default: a third of the queries, at most
            4000).
        anchors: ``(masks (r, n), values (r,))`` that the recovered function must match exactly
            (the empty and full coalitions): every refit is constrained to them.

    Returns:
        The recovered representation and diagnostics.
    """
    code = bch_code(max(n, 1), degree)
    plan = plan_design(n, code, budget, n_groups)
    if plan.exhaustive:
        return _exhaustive_transform(evaluate, n, plan)

    design = SubsamplingDesign(n, plan.b, plan.n_groups, code, rng)
    samples, uniform_masks, uniform_values = _query(evaluate, design, plan, rng)
    # Work on standardized values: a large constant offset would otherwise swamp the bins'
    # zero test and the ridge sums, and values near the float range would overflow squares.
    every = np.concatenate([samples.reshape(-1), uniform_values])
    centre, spread = standardization(every)
    variance = float(np.var((every - centre) / spread)) or 1.0
    bins0 = fwht((samples - centre) / spread)  # (C, P, 2^b)
    uniform_values = (uniform_values - centre) / spread
    if anchors is not None:
        anchors = (anchors[0], (np.asarray(anchors[1], dtype=float) - centre) / spread)
    scale = float(np.mean(bins0**2)) or 1.0
    zero_tol = 1e-12 * scale

    if max_support is None:
        max_support = min(4000, max(plan.n_queries // 3, 1))
    stats = _RefitStatistics(design, bins0, uniform_masks, uniform_values, anchors)

    with single_blas_thread():
        support, fit, info = _peel_and_refit(
            stats, design, bins0, zero_tol, decoder, refine_rounds, hierarchy, max_support
        )
        final, anchored = stats.anchored_fit(support, fit)
        check = stats.loo_predictions(final, anchored.coefficients, support, fit)
        covariance = stats.covariance(support, final, fit)
        support, fit = final, anchored
    if check is not None:
        info.cv_r2 = r2_score(*check)
        check = (check[0] * spread + centre, check[1] * spread + centre)
    else:
        info.cv_r2 = 1.0 - fit.gcv / variance
    info.alpha, info.support_size = fit.alpha, len(support)
    fourier = SparseFourier(n, support, fit.coefficients).affine(spread, centre)
    blocks = None if covariance is None else [(support, covariance, spread)]
    return TransformResult(fourier, None, plan, plan.n_queries, info, check, blocks)


def _query(
    evaluate: Evaluate, design: SubsamplingDesign, plan: DesignPlan, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The design's samples ``(C, P, 2^b)``, then the uniform refit masks and their values."""
    n_bins = 2**plan.b
    samples = np.stack(
        [
            evaluate(design.group_masks(c)).reshape(plan.n_delays, n_bins)
            for c in range(plan.n_groups)
        ]
    )
    shape = (plan.n_uniform, design.n)
    uniform_masks = rng.integers(0, 2, size=shape, dtype=np.uint8).astype(bool)
    uniform_values = evaluate(uniform_masks) if plan.n_uniform else np.zeros(0, dtype=float)
    return samples, uniform_masks, uniform_values


def _peel_and_refit(
    stats: _RefitStatistics,
    design: SubsamplingDesign,
    bins0: np.ndarray,
    zero_tol: float,
    decoder: Literal["soft", "hard"],
    refine_rounds: int,
    hierarchy: bool,
    max_support: int,
) -> tuple[np.ndarray, RidgeFit, SpexDiagnostics]:
    """Alternate peeling the residual bins and refitting the support on every query."""
    info = SpexDiagnostics()
    support = np.zeros((1, 0), dtype=np.int64)  # the constant term
    residual = bins0.copy()
    fit: RidgeFit | None = None
    for _ in range(refine_rounds + 1):
        peeled = peel(residual, design, decoder=decoder, zero_tol=zero_tol)
        new = _new_terms(support, peeled.terms)
        record = PeelPass(peeled.n_rounds, peeled.n_decoded, len(new))
        info.passes.append(record)
        if fit is not None and len(new) == 0:
            break
        support = _merge(support, new)
        fit, term_stats, gram = stats.fit(support)
        if hierarchy:
            added = stats.screen_subsets(term_stats, gram, fit, max_support, singletons=True)
            record.added_subsets = len(added)
            if len(added):
                support = _merge(support, added)
                fit, term_stats, gram = stats.fit(support)
        residual = stats.residual_bins(term_stats, fit.coefficients)
    assert fit is not None
    return support, fit, info


class _RefitStatistics:
    """Sufficient statistics of the least-squares refit over all queries of a run.

    On the aliasing queries of group ``c``, the basis function of term ``k`` is, after the
    (orthogonal up to ``2^b``) Walsh–Hadamard transform, the signature ``s(k)`` placed in bin
    ``h_c(k)``: a sparse vector with ``P`` entries. Stacking the groups gives a sparse operator
    ``A`` with ``C P`` entries per term, and ``X^T X = 2^b A^T A`` on those queries.
    """

    def __init__(
        self,
        design: SubsamplingDesign,
        bins0: np.ndarray,
        uniform_masks: np.ndarray,
        uniform_values: np.ndarray,
        anchors: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        self.design = design
        self.anchors = anchors
        self.bins0 = bins0
        self.n_bins = bins0.shape[2]
        self.uniform_masks = uniform_masks
        self.uniform_values = uniform_values
        # Parseval for the normalized WHT: sum_l y_l^2 = 2^b sum_j U_j^2 per group and delay.
        self.yty = self.n_bins * float(np.sum(bins0**2)) + float(uniform_values @ uniform_values)
        self.n_samples = bins0.size + uniform_values.size
        self._flat_bins = bins0.reshape(-1)

    def operator(self, terms: np.ndarray) -> scipy.sparse.csr_matrix:
        """The sparse operator ``A`` (terms x all bin entries), shape ``(K, C P 2^b)``."""
        design = self.design
        n_groups, n_rows, n_bins = self.bins0.shape
        sig = design.signatures(terms)  # (K, P)
        hashed = design.bins(terms)  # (C, K)
        # Flat position of (group c, delay r, bin j) in bins0.
        cols = (
            np.arange(n_groups)[None, :, None] * (n_rows * n_bins)
            + np.arange(n_rows)[None, None, :] * n_bins
            + hashed.T[:, :, None]
        )  # (K, C, P)
        data = np.broadcast_to(sig[:, None, :], cols.shape)
        k = len(terms)
        indptr = np.arange(k + 1) * (n_groups * n_rows)
        return scipy.sparse.csr_matrix(
            (data.reshape(-1), cols.reshape(-1), indptr), shape=(k, self.bins0.size)
        )

    def _uniform_basis(self, terms: np.ndarray) -> np.ndarray:
        return fourier_basis(self.uniform_masks, terms)

    def anchored_fit(self, support: np.ndarray, free: RidgeFit) -> tuple[np.ndarray, RidgeFit]:
        """Correct the free fit of ``support`` so that it meets the anchors exactly."""
        if self.anchors is None:
            return support, free
        terms, coefficients = anchored_coefficients(
            support,
            free.coefficients,
            self.anchors,
            variance=self.yty / self.n_samples,
            players=lambda: self._top_players(CARRIER_PLAYERS),
        )
        return terms, RidgeFit(coefficients, free.alpha, free.gcv, free.dof, free.solve)

    def _top_players(self, count: int) -> np.ndarray:
        """The players whose first-order terms correlate most with the values."""
        scores = np.empty(self.design.n)
        for start in range(0, self.design.n, 2048):
            cand = np.arange(start, min(start + 2048, self.design.n))[:, None]
            scores[start : start + cand.shape[0]] = np.abs(self.statistics(cand).xty)
        return np.sort(np.argsort(-scores, kind="stable")[:count])

    def covariance(
        self, fitted: np.ndarray, terms: np.ndarray, fit: RidgeFit
    ) -> CovarianceFactor | None:
        """Covariance of the coefficients of ``terms`` (standardized units), as a factor.

        The ridge fit of ``fitted`` has ``σ² A⁻¹ G A⁻¹`` (``A = G + αI``, ``σ²`` its GCV error,
        the same for every query), whose factor is ``σ A⁻¹ F`` for ``G = F Fᵀ``; ``terms`` lists
        ``fitted`` first, then the carriers of the endpoint correction, which take their error
        from the projection onto the anchors (the anchor values' error: the larger of ``σ²``
        and the free fit's misses there).
        """
        if fit.solve is None or not len(fitted):
            return None
        statistics = self.statistics(fitted)
        gram = self.cross(statistics, statistics)
        free = np.sqrt(fit.gcv) * fit.solve(psd_factor(gram))
        if self.anchors is None:
            return CovarianceFactor(free)
        extended = np.zeros((len(terms), free.shape[1]))
        extended[: len(fitted)] = free
        rows = fourier_basis(self.anchors[0], terms)
        # The anchors were never fitted: the free fit's misses there are left-out errors.
        misses = self.anchors[1] - fourier_basis(self.anchors[0], fitted) @ fit.coefficients
        noise = max(fit.gcv, float(np.mean(misses**2)))
        return CovarianceFactor(anchored_factor(extended, rows, noise))

    def loo_predictions(
        self,
        support: np.ndarray,
        coefficients: np.ndarray,
        fitted: np.ndarray,
        fit: RidgeFit,
        max_masks: int = 500,
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Values and leave-one-out predictions of (up to ``max_masks``) uniform masks.

        Uniform masks are the distribution a user's held-out check draws from; the ridge hat
        matrix of the fit of the ``fitted`` terms gives every left-out residual of the final
        function ``(support, coefficients)`` without refitting, ``r_i / (1 - h_ii)``.
        """
        if self.uniform_values.size < 30 or fit.solve is None:
            return None
        masks = self.uniform_masks[:max_masks]
        y = self.uniform_values[:max_masks]
        basis = fourier_basis(masks, fitted)
        leverage = np.sum(basis * fit.solve(basis.T).T, axis=1)
        prediction = fourier_basis(masks, support) @ coefficients
        residual = (y - prediction) / np.maximum(1.0 - leverage, 1e-12)
        return y, y - residual

    def statistics(self, terms: np.ndarray) -> _TermStatistics:
        """The operator, uniform basis and ``X^T y`` of a set of terms."""
        op = self.operator(terms)
        basis = self._uniform_basis(terms) if self.uniform_values.size else None
        xty = self.n_bins * (op @ self._flat_bins)
        if basis is not None:
            xty += basis.T @ self.uniform_values
        return _TermStatistics(terms, op, basis, xty)

    def cross(self, left: _TermStatistics, right: _TermStatistics) -> np.ndarray:
        """``X_left^T X_right`` over every query."""
        out = self.n_bins * (left.op @ right.op.T).toarray()
        if left.basis is not None and right.basis is not None:
            out += left.basis.T @ right.basis
        return out

    def fit(self, support: np.ndarray) -> tuple[RidgeFit, _TermStatistics, np.ndarray]:
        """Ridge refit of ``support`` on every query, penalty by GCV."""
        stats = self.statistics(support)
        gram = self.cross(stats, stats)
        return ridge_gcv_gram(gram, stats.xty, self.yty, self.n_samples), stats, gram

    def screen_subsets(
        self,
        support: _TermStatistics,
        gram: np.ndarray,
        fit: RidgeFit,
        max_support: int,
        singletons: bool = False,
    ) -> np.ndarray:
        """Subsets of support terms whose correlation with the residual is significant.

        A missing subset of a hierarchical interaction leaves its basis function in the
        residual; one correlation per candidate (``X_c^T r``) finds it without refitting the
        whole closure. Significance is 4 residual standard deviations.
        """
        subsets, _, _ = enumerate_subsets(support.terms)
        if singletons:
            subsets = _merge(subsets, np.arange(self.design.n)[:, None])
        candidates = _new_terms(support.terms, subsets)
        room = max_support - len(support.terms)
        if len(candidates) == 0 or room <= 0:
            return candidates[:0]
        beta = fit.coefficients
        m = self.n_samples
        rss = max(self.yty - 2 * beta @ support.xty + beta @ gram @ beta, 0.0)
        sigma = np.sqrt(rss / max(m - len(beta), 1))
        # Each basis function has squared norm m: corr / m estimates the missing coefficient,
        # with standard error sigma / sqrt(m). The floor ignores terms below 1e-6 of the rms of
        # the game, which only the ridge bias of a noiseless fit could produce.
        threshold = max(4.0 * sigma / np.sqrt(m), 1e-6 * np.sqrt(self.yty / m))
        # Cauchy-Schwarz: |X_c^T r| / m <= rms(r), so nothing can pass when rms(r) is below.
        if np.sqrt(rss / m) <= threshold:
            return candidates[:0]
        cand = self.statistics(candidates)
        corr = cand.xty - self.cross(cand, support) @ beta
        score = np.abs(corr) / m
        keep = np.flatnonzero(score > threshold)
        keep = keep[np.argsort(-score[keep], kind="stable")][:room]
        return candidates[np.sort(keep)]

    def residual_bins(self, stats: _TermStatistics, coefficients: np.ndarray) -> np.ndarray:
        """The bins of ``y - X beta`` on the aliasing queries."""
        fitted = stats.op.T @ coefficients
        return (self._flat_bins - fitted).reshape(self.bins0.shape)


@dataclass
class _TermStatistics:
    terms: np.ndarray
    op: scipy.sparse.csr_matrix
    basis: np.ndarray | None
    xty: np.ndarray


def _merge(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return union_terms(a, b)


def _new_terms(support: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Rows of ``candidates`` (canonical) that are not in ``support``."""
    if len(candidates) == 0:
        return candidates
    return new_terms(support, canonical_terms(candidates)[0])


def _exhaustive_transform(evaluate: Evaluate, n: int, plan: DesignPlan) -> TransformResult:
    """Query all ``2^n`` masks: the exact Fourier and Möbius transforms."""
    fourier, moebius = exhaustive_transform(evaluate, n)
    info = SpexDiagnostics(support_size=len(fourier), cv_r2=1.0, exhaustive=True)
    return TransformResult(fourier, moebius, plan, 2**n, info)
