"""Shared behaviour of the spectral approximators (SPEX, ProxySPEX)."""

from __future__ import annotations

import inspect
import warnings
from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from shapiq.approximator.base import Approximator
from shapiq.interaction_values import InteractionValues

from .._indices import VALID_INDICES, check_index, check_max_order
from .._validation import (
    check_bool,
    check_choice,
    check_int,
    check_number,
    check_random_state_seed,
)
from ..evaluation import Backend, QueryCache, QueryEvaluator
from ..evaluation.evaluator import check_cache_and_backend
from ..metrics import r2_score, r2_standard_error, uniform_masks
from ..proxy.distillation import DISTIL_QUERIES, distil
from ..spectral.exhaustive import exhaustive_transform
from ..spectral.representation import SparseFourier, SparseMoebius
from ._conversion import to_interaction_values
from ._links import Link, check_link
from ._uncertainty import interaction_standard_errors

__all__ = ["LOW_FAITHFULNESS", "VALID_INDICES", "Recovery", "SpectralApproximator"]

_MIN_HOLDOUT = 10  # fewest held-out masks for a meaningful R²
_SATURATION = 0.02  # spread of the values, relative to v(N) - v(∅), below which a game saturates
_ANCHOR_LOSS = 0.02  # R² the exact endpoints may cost before the user is told
UNCERTAIN_FAITHFULNESS = 0.05
"""When two standard errors of ``faithfulness_`` exceed this, a call warns that the true R²
may differ from the score by more (a 95 % interval wider than ±0.05)."""
LOW_FAITHFULNESS = 0.5
"""Below this estimated R², a call warns that the explanation is a poor fit of the game."""
EXPLAINED_SCALES = ("link", "output")
"""What the values explain with a ``link``: ``link(v)`` or the game's own output ``v``."""


class _Modelled:
    """The game as the transforms see it: the linked values of the evaluator's.

    The raw values are kept for the saturation check; the cache stores raw values too, so a
    link never changes what is cached.
    """

    def __init__(self, evaluator: QueryEvaluator, link: Link) -> None:
        self.evaluator = evaluator
        self.link = link
        self._raw: list[np.ndarray] = []

    def __call__(self, masks: np.ndarray) -> np.ndarray:
        raw = self.evaluator(masks)
        self._raw.append(raw)
        return self.link.apply(raw)

    def raw_values(self) -> np.ndarray:
        return np.concatenate(self._raw) if self._raw else np.zeros(0)


@dataclass(frozen=True)
class Recovery:
    """What a transform hands back to the approximator.

    Attributes:
        fourier: The recovered function.
        moebius: Its Möbius form when the transform computed it directly, else ``None``.
        faithfulness: The transform's own estimate of the R² on uniform masks (no extra
            queries), or ``None``.
        faithfulness_method: How that estimate was measured.
        diagnostics: The transform's detailed result (stored as ``transform_``).
        check: ``(values, predictions)`` of masks the fit did not use (held out or left out),
            in the modelled (linked) scale, from which the estimate is measured on the game's
            own scale; ``None`` keeps ``faithfulness`` as given.
        blocks: ``(terms, covariance, scale)`` of the averaged fits' Fourier coefficients
            (linked scale; a :class:`~shapiq_spex.spectral.uncertainty.CovarianceFactor` in
            units of ``scale²``), for standard errors; ``None`` when the transform gives none.
        history: ``(queries, score)`` per round of a call that stops at a target.
        anchor_cost: ``(anchored, unanchored)`` honest R² of the best model with and without
            the exact endpoints, when known.
        anchored: Whether ``fourier`` meets ``v(∅)`` and ``v(N)`` exactly.
        auto_anchor: Whether the transform chose ``anchored`` from the data (then an
            unanchored result warns that the values do not add up to ``v(N) - v(∅)``).
        link_fourier: With ``explain="output"``, the function fitted on the link's scale
            (``fourier`` is then its distillation on the game's scale).
        distillation_r2: R² of ``fourier`` against ``link⁻¹(link_fourier)`` on fresh masks.
        faithfulness_se: Standard error of ``faithfulness`` as an estimate (``None``: measured
            here from ``check`` or the held-out masks).
    """

    fourier: SparseFourier
    moebius: SparseMoebius | None
    faithfulness: float | None
    faithfulness_method: str
    diagnostics: Any = None
    check: tuple[np.ndarray, np.ndarray] | None = None
    blocks: list[tuple[np.ndarray, np.ndarray, float]] | None = None
    history: list[tuple[int, float]] | None = None
    anchor_cost: tuple[float, float] | None = None
    anchored: bool = True
    faithfulness_se: float | None = None
    auto_anchor: bool = False
    link_fourier: SparseFourier | None = None
    distillation_r2: float | None = None


def _ends(n: int) -> np.ndarray:
    """The empty and the full coalition, shape ``(2, n)``."""
    ends = np.zeros((2, n), dtype=bool)
    ends[1] = True
    return ends


def _warn_if_saturated(values: np.ndarray, anchor_values: np.ndarray) -> None:
    """Warn when the game barely varies over the queried masks although its endpoints differ.

    A saturated score (a probability near 0 or 1, VADER's compound score on a long text) leaves
    almost no variance to explain, and the explanation comes out nearly empty.
    """
    gap = abs(float(anchor_values[1] - anchor_values[0]))
    # The central 90 % of the values: robust to the few very small coalitions among SPEX's
    # structured queries, while a sparse game with a tenth of its values apart still varies.
    low, high = np.quantile(values, [0.05, 0.95]) if values.size > 1 else (0.0, 0.0)
    spread = float(high - low)
    if gap > 0 and spread < _SATURATION * gap:
        msg = (
            f"the game's output barely varies: 90 % of its values over {values.size} queried "
            f"coalitions lie within {spread:.3g}, while v(N) - v(∅) = {gap:.3g}. The score is "
            "probably saturated, so the explanation will be nearly empty. Explain a less "
            "saturated output (log-odds instead of a probability, a raw score instead of a "
            "squashed one), a shorter input, or coarser players (sentences or paragraphs)."
        )
        warnings.warn(msg, UserWarning, stacklevel=4)


class SpectralApproximator(Approximator):
    """Base of the approximators that recover a sparse Fourier representation of the game.

    Every call first queries the empty and the full coalition (2 queries of the budget). The
    transform of the subclass then spends the rest and recovers a function constrained to match
    both exactly, so the returned values of every efficient index (``efficient`` in
    :data:`~shapiq_spex.approximators.INDICES`) add up to ``v(N)`` and ``baseline_value`` is
    ``v(∅)``. When ``2^n <= budget`` every coalition is queried instead and the result is
    exact.

    Args:
        n: Number of players.
        max_order: Largest interaction size reported (``None``: ``n``). The order-one indices
            (``order_one`` in :data:`~shapiq_spex.approximators.INDICES`) always report order
            one, whatever is passed.
        index: An interaction index, a key of :data:`~shapiq_spex.approximators.INDICES`, whose
            entry says whether its values are efficient and whether it is of single players.
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
            the method never sees; their R² is then reported as ``faithfulness_`` instead of
            the method's own estimate. 0 (default) disables the check.
        link: Model ``link(v)`` instead of ``v``: ``None``/``"identity"`` (default),
            ``"logit"`` for probabilities, ``"atanh"`` for scores in ``[-1, 1]`` (e.g. VADER's
            compound score), or a ``(forward, inverse)`` pair of increasing callables. Squashed
            scores are much sparser before the squashing. The returned values then explain
            ``link(v)``: efficient indices sum to ``link(v(N))`` and ``baseline_value`` is
            ``link(v(∅))``; :meth:`predict` and ``faithfulness_`` use the original scale.
        explain: What the values explain when ``link`` is set: ``"link"`` (default), the
            modelled ``link(v)``; or ``"output"``, the game's own output ``v``. With
            ``"output"`` the fit is still made on the link's scale, where the game is sparser,
            and the fitted ``link⁻¹(f)`` (the best model of ``v``, but not sparse) is distilled
            into a sparse function on ``v``'s scale from 8,192 of its own values (no model
            query; exact when ``2^n`` is at most that). The values, :meth:`predict`,
            ``fourier_`` and ``faithfulness_`` then all describe that function: efficient
            indices sum to ``v(N)`` and ``baseline_value`` is ``v(∅)``. No effect without a
            link.

    Attributes:
        fourier_: The recovered :class:`~shapiq_spex.spectral.SparseFourier` (after a call).
        moebius_: Its :class:`~shapiq_spex.spectral.SparseMoebius` form.
        budget_used_: Queries spent by the last call (endpoints and held-out masks included).
        faithfulness_: R² of the recovered function on uniformly random masks, set by every
            call (see ``faithfulness_method_`` for which masks). A value below 0.5 also
            raises a ``UserWarning``.
        faithfulness_se_: Standard error of ``faithfulness_`` as an estimate from the masks
            it was measured on (0 for an exact result; ``None`` when it has no masks to be
            checked on, e.g. SPEX's in-sample estimate at small budgets). Above 0.025 (a
            95 % interval wider than ±0.05), or when ``None``, a ``UserWarning`` says the
            score is uncertain.
        faithfulness_method_: ``"holdout"`` (masks never seen, from ``holdout_fraction``),
            ``"exact"`` (every coalition was queried), or the method's own estimate without
            extra queries: ``"cross-fitting"`` (ProxySPEX: the left-out queries of its
            folds) or ``"cross-validation"`` (SPEX: leave-one-out on its uniform refit masks).
        empty_value_: ``v(∅)`` as queried; ``full_value_``: ``v(N)`` as queried.
        uncertainty_: Standard errors of the returned values (an ``InteractionValues`` on
            the same interactions; zeros for an exact result), when the method gives them.
        history_: ``(queries, score)`` per round of a call that stopped at a target.
        endpoint_errors_: How far the returned function misses ``v(∅)`` and ``v(N)`` (on
            the scale the values explain); zeros when it meets them exactly.
        link_fourier_: With ``explain="output"`` and a link, the function fitted on the
            link's scale (``fourier_`` is its distillation); ``None`` otherwise.
        distillation_r2_: With ``explain="output"`` and a link, the R² of ``fourier_``
            against ``link⁻¹(link_fourier_)`` on fresh uniform masks (1 when exact); the
            share of the fitted model that the values describe. ``None`` otherwise.
        transform_: Diagnostics of the last transform.

    Every constructor argument is also readable (and settable) under its own name, in its
    validated form, as in scikit-learn's ``get_params`` convention. A value set after
    construction is validated, as the constructor would, at the next call.
    """

    valid_indices = VALID_INDICES

    def __init__(
        self,
        n: int,
        *,
        max_order: int | None = 2,
        index: str = "k-SII",
        top_order: bool = False,
        random_state: int | None = None,
        batch_size: int | None = 1024,
        verbose: bool = False,
        cache: QueryCache | None = None,
        backend: Backend | None = None,
        holdout_fraction: float = 0.0,
        link: str | tuple | None = None,
        explain: str = "link",
    ) -> None:
        n = check_int(n, "n", minimum=1)
        self._link = check_link(link)
        self.explain = check_choice(explain, "explain", EXPLAINED_SCALES)
        # As passed (a name in normal form, a pair or a Link): get_params-style readable.
        self.link = self._link.name if link is None or isinstance(link, str) else link
        self.holdout_fraction = check_number(
            holdout_fraction, "holdout_fraction", minimum=0.0, maximum=0.5, include_maximum=False
        )
        index = check_index(index)
        max_order = check_max_order(max_order, n, index)
        top_order = check_bool(top_order, "top_order")
        random_state = check_random_state_seed(random_state)
        self.batch_size = check_int(batch_size, "batch_size", minimum=1, allow_none=True)
        self.verbose = check_bool(verbose, "verbose")
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
        self.faithfulness_method_: str | None = None
        self.faithfulness_se_: float | None = None
        self.empty_value_: float | None = None
        self.full_value_: float | None = None
        self.transform_: Any = None
        self.uncertainty_: InteractionValues | None = None
        self.history_: list[tuple[int, float]] | None = None
        self.endpoint_errors_: tuple[float, float] | None = None
        self.link_fourier_: SparseFourier | None = None
        self.distillation_r2_: float | None = None

    @property
    def _explains_output(self) -> bool:
        """Whether the values explain the game's output through a distilled fit."""
        return self.explain == "output" and self._link.name != "identity"

    def _check_settings(self) -> None:
        """Validate the settings again, as the constructor does, before a call.

        Every constructor argument is a plain attribute that may have been set since (as
        scikit-learn validates parameters in ``fit``): an approximator built from the current
        values raises the constructor's error for a bad one, and its validated state (normal
        forms, ``max_order`` 1 for an order-one index, shapiq's derived orders and lookups)
        replaces this one's. Results of earlier calls (``name_`` attributes) are kept.
        """
        # The package's own class: a user's subclass may take other arguments or **kwargs.
        own = next(
            c
            for c in type(self).__mro__
            if c.__module__.startswith(__package__) and "__init__" in vars(c)
        )
        kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        names = [
            p.name
            for p in inspect.signature(own.__init__).parameters.values()
            if p.name != "self" and p.kind in kinds
        ]
        fresh = own(**{name: getattr(self, name) for name in names})
        self.__dict__.update(
            {k: v for k, v in fresh.__dict__.items() if k.startswith("_") or not k.endswith("_")}
        )

    def set_random_state(self, random_state: int | None = None) -> None:
        """Set the seed used by the following calls."""
        super().set_random_state(check_random_state_seed(random_state))

    @property
    def random_state(self) -> int | None:
        """The seed of the following calls (the constructor's ``random_state``)."""
        return self._random_state

    @random_state.setter
    def random_state(self, value: int | None) -> None:
        self.set_random_state(value)

    @property
    @abstractmethod
    def _method(self) -> str:
        """The method's name in messages."""

    @abstractmethod
    def _minimum_budget(self) -> int:
        """Fewest queries :meth:`_transform` accepts (endpoints and hold-out excluded)."""

    def _small_budget_advice(self) -> str:
        """What the error for a too small budget advises."""
        return "Increase the budget."

    @abstractmethod
    def _transform(
        self,
        evaluate: QueryEvaluator,
        budget: int,
        rng: np.random.Generator,
        anchors: tuple[np.ndarray, np.ndarray],
    ) -> Recovery:
        """Spend at most ``budget`` queries through ``evaluate`` and recover the function.

        The recovered function must equal ``anchors[1]`` at the masks ``anchors[0]`` (the
        empty and the full coalition) exactly.
        """

    def _budget_split(self, budget: int) -> int:
        """Held-out masks of a call, after checking that the budget suffices (no query yet)."""
        n_holdout = round(self.holdout_fraction * budget)
        if self.holdout_fraction > 0 and n_holdout < _MIN_HOLDOUT:
            msg = (
                f"holdout_fraction={self.holdout_fraction} of budget={budget} leaves {n_holdout} "
                f"held-out masks; at least {_MIN_HOLDOUT} are needed for an R². Raise "
                "holdout_fraction or the budget, or pass holdout_fraction=0."
            )
            raise ValueError(msg)
        required = self._minimum_budget() + 2 + n_holdout
        if self.n < 63 and 2**self.n <= required:
            how = f"every one of the 2^{self.n} coalitions, which gives the exact result"
            required = 2**self.n
        else:
            held = f", {n_holdout} held-out masks" if n_holdout else ""
            how = f"{self._minimum_budget()} for the method, 2 for the empty and full coalitions"
            how += held
        if budget < required:
            msg = (
                f"budget={budget} is too small for {self._method} with n={self.n}: it needs at "
                f"least {required} queries ({how}). {self._small_budget_advice()}"
            )
            raise ValueError(msg)
        return n_holdout

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
            The interaction values of the requested index. When the interactions of the
            reported orders number at most 100,000, every one of them is listed (zeros
            included, in shapiq's order) so that explanations stack; above that, only the
            non-zero ones. ``baseline_value`` is ``v(∅)`` as queried, and the values of SV,
            k-SII, STII and FSII sum to ``v(N)`` (with a ``link``: to ``link(v(N))``, unless
            ``explain="output"``).

        Raises:
            ValueError: If the budget is below the method's minimum for this ``n``.
            GameEvaluationError: If the game fails or returns invalid values; the queries
                evaluated before the failure are attached to the exception.
        """
        del kwargs
        self._check_settings()
        budget = check_int(budget, "budget", minimum=1)
        exhaustive = self.n < 63 and 2**self.n <= budget
        n_holdout = 0 if exhaustive else self._budget_split(budget)
        rng = np.random.default_rng(self._random_state)
        evaluator = QueryEvaluator(
            game,
            self.n,
            batch_size=self.batch_size,
            verbose=self.verbose,
            total=2**self.n if exhaustive else budget,
            cache=self.cache,
            backend=self.backend,
            check=self._link.check,  # per batch, so a value the link refuses stops the call
        )
        modelled = _Modelled(evaluator, self._link)
        try:
            if exhaustive:
                recovery, raw_ends, ends = self._exact(modelled)
            else:
                recovery, raw_ends, ends = self._recover(modelled, budget, n_holdout, rng)
        finally:
            evaluator.close()
        self._record(recovery, evaluator.n_queries, raw_ends)
        if not recovery.anchored:
            fitted_ends = recovery.fourier(_ends(self.n))
            self.endpoint_errors_ = tuple(float(v) for v in fitted_ends - ends)
            ends = fitted_ends
        self._warn_if_poor()
        self._warn_if_uncertain()
        self._warn_if_anchor_costly(recovery)
        self._warn_if_unanchored(recovery)
        result = to_interaction_values(
            self.moebius_,
            index=self.index,
            max_order=self.max_order,
            min_order=self.min_order,
            estimation_budget=evaluator.n_queries,
            empty_value=float(ends[0]),
            estimated=self.faithfulness_method_ != "exact",
        )
        if recovery.blocks is not None:
            self.uncertainty_ = interaction_standard_errors(
                result, recovery.blocks, self.index, self.max_order, self.min_order
            )
        return result

    def _recover(
        self, modelled: _Modelled, budget: int, n_holdout: int, rng: np.random.Generator
    ) -> tuple[Recovery, np.ndarray, np.ndarray]:
        """Query the endpoints, run the transform, and measure the result's quality."""
        link = self._link
        anchors = _ends(self.n)
        raw_ends = modelled.evaluator(anchors)
        ends = link.apply(raw_ends)
        recovery = self._transform(modelled, budget - n_holdout - 2, rng, (anchors, ends))
        _warn_if_saturated(modelled.raw_values(), raw_ends)
        loss = 0.0
        if self._explains_output:
            recovery, loss = self._on_output_scale(recovery, raw_ends, rng, budget)
            ends = raw_ends
        if n_holdout:
            masks = uniform_masks(self.n, n_holdout, rng)
            truth = modelled.evaluator(masks)
            predictions = self._predictions(recovery.fourier, masks)
            recovery = replace(
                recovery,
                faithfulness=r2_score(truth, predictions),
                faithfulness_method="holdout",
                faithfulness_se=r2_standard_error(truth, predictions),
            )
        elif recovery.check is not None:
            values, predictions = link.inverse(recovery.check[0]), link.inverse(recovery.check[1])
            se = recovery.faithfulness_se
            if recovery.faithfulness is None or se is None:
                recovery = replace(
                    recovery,
                    faithfulness=r2_score(values, predictions),
                    faithfulness_se=r2_standard_error(values, predictions),
                )
        if loss and not n_holdout and recovery.faithfulness is not None:
            # The distilled function errs by the fit's error plus the distillation's
            # (measured on fresh masks), taken as uncorrelated.
            checked = recovery.check is not None
            values = link.inverse(recovery.check[0]) if checked else modelled.raw_values()
            variance = float(np.var(values))
            drop = loss / variance if variance > 0 else 0.0
            recovery = replace(recovery, faithfulness=recovery.faithfulness - drop)
        return recovery, raw_ends, ends

    def _exact(self, modelled: _Modelled) -> tuple[Recovery, np.ndarray, np.ndarray]:
        """Query every coalition: the exact transform, and its endpoints raw and modelled."""
        fourier, moebius = exhaustive_transform(modelled, self.n)
        recovery = Recovery(fourier, moebius, 1.0, "exact", blocks=[], faithfulness_se=0.0)
        ends = moebius(_ends(self.n))
        if not self._explains_output:
            return recovery, self._link.inverse(ends), ends
        # Every value was queried: the output's own exact transform, no distillation.
        raw = modelled.raw_values()
        output, output_moebius = exhaustive_transform(lambda _: raw, self.n)
        recovery = replace(
            recovery,
            fourier=output,
            moebius=output_moebius,
            link_fourier=fourier,
            distillation_r2=1.0,
        )
        raw_ends = output_moebius(_ends(self.n))
        return recovery, raw_ends, raw_ends

    def _on_output_scale(
        self, recovery: Recovery, raw_ends: np.ndarray, rng: np.random.Generator, budget: int
    ) -> tuple[Recovery, float]:
        """Distil ``link⁻¹(fourier)`` into a sparse function on the game's own scale.

        Returns the recovery of the distilled function and the distillation's mean squared
        error on fresh masks. Anchored fits stay anchored, to ``v(∅)`` and ``v(N)`` as
        queried. The linked coefficients' covariance does not carry over: no standard errors.
        """
        fitted, inverse = recovery.fourier, self._link.inverse
        anchors = (_ends(self.n), np.asarray(raw_ends, dtype=float)) if recovery.anchored else None
        distilled = distil(
            lambda masks: inverse(fitted(masks)),
            self.n,
            rng,
            anchors=anchors,
            queries=max(DISTIL_QUERIES, budget),
        )
        recovery = replace(
            recovery,
            fourier=distilled.fourier,
            moebius=None,
            blocks=None,
            link_fourier=fitted,
            distillation_r2=distilled.r2,
        )
        return recovery, distilled.mse

    def _predictions(self, fourier: SparseFourier, masks: np.ndarray) -> np.ndarray:
        """A recovered function's predictions of the game's values."""
        if self._explains_output:
            return fourier(masks)
        return self._link.inverse(fourier(masks))

    def predict(self, masks: np.ndarray) -> np.ndarray:
        """The recovered game on the original scale: ``link⁻¹(fourier_(masks))``.

        With ``explain="output"`` (and a link), ``fourier_`` is already on that scale and
        this is ``fourier_(masks)``.

        Args:
            masks: Boolean coalitions ``(m, n)``.

        Returns:
            The predicted game values ``(m,)``.
        """
        if self.fourier_ is None:
            msg = "call approximate() before predict()."
            raise RuntimeError(msg)
        return self._predictions(self.fourier_, masks)

    def _record(self, recovery: Recovery, n_queries: int, raw_ends: np.ndarray) -> None:
        """Store a call's results as fitted attributes."""
        self.fourier_ = recovery.fourier
        self.moebius_ = (
            recovery.moebius if recovery.moebius is not None else recovery.fourier.to_moebius()
        )
        self.budget_used_ = int(n_queries)
        self.faithfulness_ = recovery.faithfulness
        self.faithfulness_method_ = recovery.faithfulness_method
        self.faithfulness_se_ = recovery.faithfulness_se
        self.transform_ = recovery.diagnostics
        self.empty_value_, self.full_value_ = (float(v) for v in raw_ends)
        self.uncertainty_ = None
        self.endpoint_errors_ = (0.0, 0.0) if recovery.anchored else None
        self.link_fourier_ = recovery.link_fourier
        self.distillation_r2_ = recovery.distillation_r2
        # Rounds count every query of the call: the endpoints come first.
        self.history_ = (
            None if recovery.history is None else [(q + 2, s) for q, s in recovery.history]
        )

    def _warn_if_anchor_costly(self, recovery: Recovery) -> None:
        if recovery.anchor_cost is None or not recovery.anchored:
            return
        anchored, free = recovery.anchor_cost
        if free - anchored <= _ANCHOR_LOSS:
            return
        msg = (
            f"exact efficiency costs fit here: the values add up exactly to v(N) - v(∅), but "
            f"the function they describe scores a cross-fitted R² of {anchored:.2f} against "
            f"{free:.2f} without the exact endpoints (the output is probably saturated: it "
            "jumps between the empty coalition and all others). The values still sum exactly; "
            "read them as the best fit that meets both endpoints. Pass "
            "exact_efficiency=False for the better-fitting function (endpoint_errors_ then "
            "reports how far it misses v(∅) and v(N))."
        )
        warnings.warn(msg, UserWarning, stacklevel=3)

    def _warn_if_unanchored(self, recovery: Recovery) -> None:
        if not recovery.auto_anchor or recovery.anchored or recovery.anchor_cost is None:
            return
        anchored, free = recovery.anchor_cost
        miss_empty, miss_full = self.endpoint_errors_
        msg = (
            f"the values do not add up exactly to v(N) - v(∅): meeting both endpoints would "
            f"cost fit (cross-fitted R² {anchored:.2f} against {free:.2f} without them; the "
            "output probably jumps between the empty coalition and all others), so the "
            "better-fitting function is returned. It misses v(∅) by "
            f"{miss_empty:+.3g} and v(N) by {miss_full:+.3g} (endpoint_errors_, on the "
            "values' scale). Pass exact_efficiency=True for values that add up exactly."
        )
        warnings.warn(msg, UserWarning, stacklevel=3)

    def _warn_if_uncertain(self) -> None:
        se = self.faithfulness_se_
        if self.faithfulness_ is None:
            return
        if se is None:
            # No left-out queries to check the score on (SPEX's in-sample GCV estimate).
            msg = (
                f"faithfulness_ {self.faithfulness_:.2f} is uncertain: it is an in-sample "
                f"estimate ({self.faithfulness_method_} on {self.budget_used_} queries) with "
                "too few uniform masks to check it on, so its error is unknown. Spend more "
                "queries or pass holdout_fraction before relying on the score."
            )
            warnings.warn(msg, UserWarning, stacklevel=3)
            return
        if 2.0 * se <= UNCERTAIN_FAITHFULNESS:
            return
        msg = (
            f"faithfulness_ {self.faithfulness_:.2f} is uncertain: its standard error is "
            f"{se:.3f} ({self.faithfulness_method_} on {self.budget_used_} queries), so the "
            f"true R² may differ from it by more than {UNCERTAIN_FAITHFULNESS}. Spend more "
            "queries before relying on the score."
        )
        warnings.warn(msg, UserWarning, stacklevel=3)

    def _warn_if_poor(self) -> None:
        if self.faithfulness_ is None or self.faithfulness_ >= LOW_FAITHFULNESS:
            return
        other = "ProxySPEX" if self._method == "SPEX" else "SPEX"
        msg = (
            f"{self._method}'s explanation fits the game poorly: R² {self.faithfulness_:.2f} "
            f"({self.faithfulness_method_}) on uniformly random masks. Try a larger budget, "
            f"{other}, or a smoother output of the model (e.g. log-odds instead of a "
            "probability); read the values with caution."
        )
        warnings.warn(msg, UserWarning, stacklevel=3)
