"""The SPEX approximator (Kang et al., ICML 2025) on this package's own sparse Fourier decoder."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np
from shapiq.approximator.base import Approximator
from shapiq.interaction_values import InteractionValues

from .._validation import check_int, check_random_state_seed
from ..evaluation import QueryEvaluator
from ..spectral.representation import SparseFourier, SparseMoebius
from ..spex.transform import TransformResult, sparse_fourier_transform
from ._conversion import to_interaction_values

__all__ = ["SPEX"]

VALID_INDICES = ("SV", "BV", "SII", "BII", "k-SII", "STII", "FSII", "FBII", "Moebius")
_ORDER_ONE = ("SV", "BV")


class SPEX(Approximator):
    """Sparse spectral interaction explanations.

    Treats the masked-output function ``f: {0,1}^n -> R`` as sparse and low-degree in the Fourier
    basis and recovers it from structured queries: random aliasing groups, BCH-coded delays, a
    vectorized peeling decoder, then a ridge refit of the recovered support (closed under subsets
    when ``hierarchy`` is on) on every query, repeated on the residual. The recovered function is
    converted to the requested index exactly.

    Args:
        n: Number of players.
        max_order: Largest interaction size reported. Must be 1 for ``"SV"`` and ``"BV"``.
        index: One of ``"SV"``, ``"BV"``, ``"SII"``, ``"BII"``, ``"k-SII"``, ``"STII"``,
            ``"FSII"``, ``"FBII"``, ``"Moebius"``.
        top_order: Report only interactions of size ``max_order``.
        random_state: Seed of every random choice; the same seed gives bit-identical results.
        degree: BCH correction capability ``t``: the largest term size peeling can decode.
            Larger values cost more queries per bin.
        decoder: ``"soft"`` (Chase decoding, default) or ``"hard"``.
        n_groups: Number of aliasing groups; ``None`` picks the best fit for the budget.
        refine_rounds: Number of refit-and-re-peel passes after the first peel (0 disables
            re-peeling; a refit always runs).
        hierarchy: Add the subsets of every recovered term to the support of the refit.
        batch_size: Most masks passed to the game in one call (``None``: no limit).
        verbose: Show a progress bar of the queries.

    Attributes:
        fourier_: The recovered :class:`~shapiq_spex.spectral.SparseFourier` (after a call).
        moebius_: Its :class:`~shapiq_spex.spectral.SparseMoebius` form.
        budget_used_: Queries spent by the last call.
        transform_: Diagnostics of the last transform (plan, passes, ridge penalty).

    Examples:
        >>> from shapiq_games.synthetic import SOUM
        >>> game = SOUM(n=32, n_basis_games=10, max_interaction_size=3, random_state=0)
        >>> spex = SPEX(32, max_order=2, index="FBII", random_state=0)
        >>> values = spex.approximate(budget=4000, game=game)
    """

    valid_indices = VALID_INDICES

    def __init__(
        self,
        n: int,
        *,
        max_order: int = 2,
        index: str = "k-SII",
        top_order: bool = False,
        random_state: int | None = None,
        degree: int = 5,
        decoder: Literal["soft", "hard"] = "soft",
        n_groups: int | None = None,
        refine_rounds: int = 4,
        hierarchy: bool = True,
        batch_size: int | None = 1024,
        verbose: bool = False,
    ) -> None:
        n = check_int(n, "n", minimum=1)
        max_order = check_int(max_order, "max_order", minimum=1, maximum=n)
        if not isinstance(index, str) or index not in VALID_INDICES:
            msg = f"index must be one of {VALID_INDICES}, got {index!r}."
            raise ValueError(msg)
        if index in _ORDER_ONE and max_order != 1:
            msg = f"index={index!r} is an order-1 index: pass max_order=1 (got {max_order})."
            raise ValueError(msg)
        if not isinstance(top_order, bool):
            msg = f"top_order must be a bool, got {top_order!r}."
            raise TypeError(msg)
        random_state = check_random_state_seed(random_state)
        self.degree = check_int(degree, "degree", minimum=1, maximum=16)
        if decoder not in ("soft", "hard"):
            msg = f"decoder must be 'soft' or 'hard', got {decoder!r}."
            raise ValueError(msg)
        self.decoder = decoder
        self.n_groups = None if n_groups is None else check_int(n_groups, "n_groups", minimum=1)
        self.refine_rounds = check_int(refine_rounds, "refine_rounds", minimum=0)
        self.hierarchy = bool(hierarchy)
        if batch_size is not None:
            check_int(batch_size, "batch_size", minimum=1)
        self.batch_size = batch_size
        self.verbose = bool(verbose)
        super().__init__(
            n=n,
            max_order=max_order,
            index=index,
            top_order=top_order,
            random_state=random_state,
            initialize_dict=False,
            # The base class's coalition sampler is unused; uniform weights skip its
            # size-weight computation (which warns for n > 1000).
            sampling_weights=np.full(n + 1, 1.0 / (n + 1)),
        )
        self.fourier_: SparseFourier | None = None
        self.moebius_: SparseMoebius | None = None
        self.budget_used_: int | None = None
        self.transform_: TransformResult | None = None

    def set_random_state(self, random_state: int | None = None) -> None:
        """Set the seed used by the following calls."""
        super().set_random_state(check_random_state_seed(random_state))

    def approximate(
        self,
        budget: int,
        game: Callable[[np.ndarray], np.ndarray],
        **kwargs: Any,
    ) -> InteractionValues:
        """Explain ``game`` with at most ``budget`` queries.

        Args:
            budget: Maximum number of game evaluations. At least 95% of it is used (all of it
                unless every one of the ``2^n`` coalitions fits, then exactly ``2^n``).
            game: Callable mapping a boolean coalition matrix ``(m, n)`` to ``m`` values.
            **kwargs: Not used; accepted for compatibility with shapiq's explainers.

        Returns:
            The interaction values of the requested index.

        Raises:
            ValueError: If the budget is below the minimum for this ``n`` and ``degree``.
            GameEvaluationError: If the game fails or returns invalid values; the queries
                evaluated before the failure are attached to the exception.
        """
        del kwargs
        budget = check_int(budget, "budget", minimum=1)
        rng = np.random.default_rng(self._random_state)
        evaluator = QueryEvaluator(
            game, self.n, batch_size=self.batch_size, verbose=self.verbose, total=budget
        )
        try:
            result = sparse_fourier_transform(
                evaluator,
                self.n,
                budget,
                degree=self.degree,
                decoder=self.decoder,
                rng=rng,
                n_groups=self.n_groups,
                refine_rounds=self.refine_rounds,
                hierarchy=self.hierarchy,
            )
        finally:
            evaluator.close()
        moebius = result.moebius if result.moebius is not None else result.fourier.to_moebius()
        self.fourier_ = result.fourier
        self.moebius_ = moebius
        self.budget_used_ = evaluator.n_queries
        self.transform_ = result
        return to_interaction_values(
            moebius,
            index=self.index,
            max_order=self.max_order,
            min_order=self.min_order,
            estimation_budget=evaluator.n_queries,
        )
