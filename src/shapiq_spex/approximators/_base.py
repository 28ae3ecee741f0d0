"""Shared behaviour of the spectral approximators (SPEX, ProxySPEX)."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from typing import Any

import numpy as np
from shapiq.approximator.base import Approximator
from shapiq.interaction_values import InteractionValues

from .._validation import check_int, check_random_state_seed
from ..evaluation import Backend, QueryCache, QueryEvaluator
from ..evaluation.evaluator import check_cache_and_backend
from ..metrics import r2_score
from ..spectral.representation import SparseFourier, SparseMoebius
from ._conversion import to_interaction_values

__all__ = ["VALID_INDICES", "SpectralApproximator"]

VALID_INDICES = ("SV", "BV", "SII", "BII", "k-SII", "STII", "FSII", "FBII", "Moebius")
_ORDER_ONE = ("SV", "BV")


class SpectralApproximator(Approximator):
    """Base of the approximators that recover a sparse Fourier representation of the game.

    Subclasses implement :meth:`_transform`, which spends the budget through an evaluator and
    returns the recovered function; this class validates inputs, seeds a fresh generator per
    call, records the fitted attributes and converts to the requested index.

    Args:
        n: Number of players.
        max_order: Largest interaction size reported. Must be 1 for ``"SV"`` and ``"BV"``.
        index: One of :data:`VALID_INDICES`.
        top_order: Report only interactions of size ``max_order``.
        random_state: Seed of every random choice; the same seed gives bit-identical results.
        batch_size: Most masks passed to the game in one call (``None``: no limit).
        verbose: Show a progress bar of the queries.
        cache: A :class:`~shapiq_spex.evaluation.QueryCache` (SQLite, keyed by a game id):
            queries found there are not re-evaluated, and every evaluated batch is committed
            before the next starts, so an interrupted call resumes where it stopped.
        backend: Where batches run: ``None`` (this process),
            :class:`~shapiq_spex.evaluation.JoblibBackend` or
            :class:`~shapiq_spex.evaluation.DaskBackend`.
        holdout_fraction: Share of the budget kept for uniformly random held-out masks that
            the method never sees; the explanation's R² on them is reported as
            ``faithfulness_``. 0 (default) disables the check.

    Attributes:
        fourier_: The recovered :class:`~shapiq_spex.spectral.SparseFourier` (after a call).
        moebius_: Its :class:`~shapiq_spex.spectral.SparseMoebius` form.
        budget_used_: Queries spent by the last call (held-out masks included).
        faithfulness_: Held-out R² of the last call (``None`` without ``holdout_fraction``).
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
        batch_size: int | None = 1024,
        verbose: bool = False,
        cache: QueryCache | None = None,
        backend: Backend | None = None,
        holdout_fraction: float = 0.0,
    ) -> None:
        n = check_int(n, "n", minimum=1)
        if (
            isinstance(holdout_fraction, bool)
            or not isinstance(holdout_fraction, int | float)
            or not 0.0 <= holdout_fraction < 0.5
        ):
            msg = f"holdout_fraction must be a number in [0, 0.5), got {holdout_fraction!r}."
            raise ValueError(msg)
        self.holdout_fraction = float(holdout_fraction)
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
        if batch_size is not None:
            check_int(batch_size, "batch_size", minimum=1)
        self.batch_size = batch_size
        self.verbose = bool(verbose)
        check_cache_and_backend(cache, backend, n)
        self.cache = cache
        self.backend = backend
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
        self.faithfulness_: float | None = None

    def set_random_state(self, random_state: int | None = None) -> None:
        """Set the seed used by the following calls."""
        super().set_random_state(check_random_state_seed(random_state))

    @abstractmethod
    def _transform(
        self, evaluate: QueryEvaluator, budget: int, rng: np.random.Generator
    ) -> tuple[SparseFourier, SparseMoebius | None]:
        """Spend at most ``budget`` queries through ``evaluate`` and recover the function.

        Returns:
            The Fourier representation, and the Möbius one if computed directly (else ``None``).
        """

    def approximate(
        self,
        budget: int,
        game: Callable[[np.ndarray], np.ndarray],
        **kwargs: Any,
    ) -> InteractionValues:
        """Explain ``game`` with at most ``budget`` queries.

        Args:
            budget: Maximum number of game evaluations.
            game: Callable mapping a boolean coalition matrix ``(m, n)`` to ``m`` values.
            **kwargs: Not used; accepted for compatibility with shapiq's explainers.

        Returns:
            The interaction values of the requested index.

        Raises:
            ValueError: If the budget is below the method's minimum for this ``n``.
            GameEvaluationError: If the game fails or returns invalid values; the queries
                evaluated before the failure are attached to the exception.
        """
        del kwargs
        budget = check_int(budget, "budget", minimum=1)
        rng = np.random.default_rng(self._random_state)
        evaluator = QueryEvaluator(
            game,
            self.n,
            batch_size=self.batch_size,
            verbose=self.verbose,
            total=budget,
            cache=self.cache,
            backend=self.backend,
        )
        n_holdout = round(self.holdout_fraction * budget)
        try:
            fourier, moebius = self._transform(evaluator, budget - n_holdout, rng)
            faithfulness = None
            if n_holdout:
                masks = rng.integers(0, 2, size=(n_holdout, self.n), dtype=np.uint8).astype(bool)
                faithfulness = r2_score(evaluator(masks), fourier(masks))
        finally:
            evaluator.close()
        self.fourier_ = fourier
        self.moebius_ = moebius if moebius is not None else fourier.to_moebius()
        self.budget_used_ = evaluator.n_queries
        self.faithfulness_ = faithfulness
        return to_interaction_values(
            self.moebius_,
            index=self.index,
            max_order=self.max_order,
            min_order=self.min_order,
            estimation_budget=evaluator.n_queries,
        )
