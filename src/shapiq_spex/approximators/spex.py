"""The SPEX approximator (Kang et al., ICML 2025) on this package's own sparse Fourier decoder."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from .._validation import check_bool, check_choice, check_int
from ..coding import bch_code
from ..evaluation import Backend, QueryCache, QueryEvaluator
from ..proxy.transform import MIN_BUDGET as PROXY_MIN_BUDGET
from ..spex.design import minimum_budget
from ..spex.transform import sparse_fourier_transform
from ._base import Recovery, SpectralApproximator

_UNSET = object()

__all__ = ["SPEX"]


class SPEX(SpectralApproximator):
    """Sparse spectral interaction explanations.

    Treats the masked-output function ``f: {0,1}^n -> R`` as sparse and low-degree in the Fourier
    basis and recovers it from structured queries: random aliasing groups, BCH-coded delays, a
    vectorized peeling decoder, then a ridge refit of the recovered support on every query
    (with significant subsets of recovered terms when ``hierarchy`` is on), repeated on the
    residual. The recovered function is converted to the requested index exactly.

    The whole budget is used: the empty and full coalitions (which the recovered function
    matches exactly, so efficient indices add up to the prediction), the aliasing design that
    best fits the rest, and the remainder on uniform masks for the refit. When
    ``2^n <= budget`` every coalition is queried and the result is exact.

    Code written for ``shapiq.approximator.SPEX`` runs unchanged: its argument names
    ``decoder_type`` and ``degree_parameter`` are accepted as aliases of ``decoder`` and
    ``degree``, decoder names are case-insensitive, and ``max_order=None`` means ``n``.

    Args:
        n: Number of players.
        max_order: Largest interaction size reported (``None``: ``n``). The order-one indices
            (``order_one`` in :data:`~shapiq_spex.approximators.INDICES`) always report order
            one, whatever is passed.
        index: An interaction index, a key of :data:`~shapiq_spex.approximators.INDICES`, whose
            entry says whether its values are efficient and whether it is of single players.
        top_order: Report only interactions of size ``max_order``.
        random_state: Seed of every random choice; the same seed gives bit-identical results.
        degree: BCH correction capability ``t``: the largest term size peeling can decode.
            Larger values cost more queries per bin. Alias: ``degree_parameter``.
        decoder: ``"soft"`` (Chase decoding, default) or ``"hard"``, any case. Alias:
            ``decoder_type``.
        n_groups: Number of aliasing groups; ``None`` picks the best fit for the budget.
        refine_rounds: Number of refit-and-re-peel passes after the first peel (0 disables
            re-peeling; a refit always runs).
        hierarchy: Add subsets of recovered terms, and first-order terms, that are
            significantly correlated with the residual.
        batch_size: Most masks passed to the game in one call (``None``: no limit).
        verbose: Show a progress bar of the queries.
        cache: A :class:`~shapiq_spex.evaluation.QueryCache`; an interrupted call resumes from
            it without re-evaluating anything.
        backend: Where batches run (``None``: this process; or a joblib / Dask backend).
        holdout_fraction: Share of the budget for held-out uniform masks; their R² is
            reported as ``faithfulness_`` (0: the leave-one-out estimate on the uniform refit
            masks is reported instead, at no extra query).
        link: Model ``link(v)``: ``None`` (identity), ``"logit"`` for probabilities,
            ``"atanh"`` for scores in ``[-1, 1]``, or a ``(forward, inverse)`` pair; the values
            then explain ``link(v)``, and ``predict`` and ``faithfulness_`` use the original
            scale.
        explain: With a ``link``: ``"link"`` (default) for values that explain ``link(v)``,
            ``"output"`` for values that explain ``v`` itself (the linked fit distilled into a
            sparse function on ``v``'s scale without model queries; see
            :class:`~shapiq_spex.approximators._base.SpectralApproximator`).
        decoder_type: shapiq's name for ``decoder``.
        degree_parameter: shapiq's name for ``degree``.

    Attributes:
        transform_type, query_args, decoder_args: shapiq's settings attributes, holding this
            implementation's equivalent settings (read-only summaries of the arguments).
        fourier_: The recovered :class:`~shapiq_spex.spectral.SparseFourier` (after a call).
        moebius_: Its :class:`~shapiq_spex.spectral.SparseMoebius` form.
        budget_used_: Queries spent by the last call.
        faithfulness_: R² on uniformly random masks (``faithfulness_method_`` says which:
            ``"holdout"``, ``"exact"`` or ``"cross-validation"``).
        transform_: Diagnostics of the last transform (plan, passes, ridge penalty).

    Examples:
        >>> from shapiq_games.synthetic import SOUM
        >>> game = SOUM(n=32, n_basis_games=10, max_interaction_size=3, random_state=0)
        >>> spex = SPEX(32, max_order=2, index="FBII", random_state=0)
        >>> values = spex.approximate(budget=4000, game=game)
    """

    def __init__(
        self,
        n: int,
        *,
        max_order: int | None = 2,
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
        cache: QueryCache | None = None,
        backend: Backend | None = None,
        holdout_fraction: float = 0.0,
        link: str | tuple | None = None,
        explain: str = "link",
        decoder_type: str | object = _UNSET,
        degree_parameter: int | object = _UNSET,
    ) -> None:
        degree = _alias(degree, 5, degree_parameter, "degree", "degree_parameter")
        decoder = _alias(decoder, "soft", decoder_type, "decoder", "decoder_type")
        self.degree = check_int(degree, "degree", minimum=1, maximum=16)
        self.decoder = check_choice(
            decoder.lower() if isinstance(decoder, str) else decoder, "decoder", ("soft", "hard")
        )
        n = check_int(n, "n", minimum=1)
        try:
            bch_code(n, self.degree)
        except ValueError as exc:
            msg = f"n={n} is too large for SPEX with degree={self.degree}: {exc}."
            raise ValueError(msg) from None
        self.n_groups = check_int(n_groups, "n_groups", minimum=1, allow_none=True)
        self.refine_rounds = check_int(refine_rounds, "refine_rounds", minimum=0)
        self.hierarchy = check_bool(hierarchy, "hierarchy")
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

    # shapiq's names of the settings (shapiq.approximator.SPEX exposes them as attributes).
    transform_type = "fourier"
    """The transform recovered: always ``"fourier"``, as in shapiq."""

    @property
    def decoder_type(self) -> str:
        """The ``decoder`` under shapiq's name."""
        return self.decoder

    @decoder_type.setter
    def decoder_type(self, value: str) -> None:
        self.decoder = value

    @property
    def degree_parameter(self) -> int:
        """The ``degree`` under shapiq's name."""
        return self.degree

    @degree_parameter.setter
    def degree_parameter(self, value: int) -> None:
        self.degree = value

    @property
    def query_args(self) -> dict[str, Any]:
        """The query design's settings, under shapiq's keys where it has one.

        ``t``: the BCH correction capability (``degree``); ``num_subsample``: the number of
        aliasing groups (``n_groups``; ``None``: chosen for the budget); ``batch_size``.
        """
        return {"t": self.degree, "num_subsample": self.n_groups, "batch_size": self.batch_size}

    @property
    def decoder_args(self) -> dict[str, Any]:
        """The decoder's settings, under shapiq's keys where it has one.

        ``decoder_type`` (``decoder``); ``reconstruct_method_channel``: shapiq's name of the
        same choice (``"identity-siso"``: soft decoding, ``"identity"``: hard);
        ``refine_rounds``; ``hierarchy``; and ``regress``: ``"ridge"`` (the refit; shapiq's
        SPEX uses lasso).
        """
        return {
            "decoder_type": self.decoder,
            "reconstruct_method_channel": "identity-siso" if self.decoder == "soft" else "identity",
            "refine_rounds": self.refine_rounds,
            "hierarchy": self.hierarchy,
            "regress": "ridge",
        }

    @property
    def _method(self) -> str:
        return "SPEX"

    def _minimum_budget(self) -> int:
        return minimum_budget(self.n, bch_code(self.n, self.degree), self.n_groups)

    def _small_budget_advice(self) -> str:
        # SPEX's structured design has a floor that grows with n; ProxySPEX's does not.
        return (
            f"Increase the budget, or use ProxySPEX, which needs {PROXY_MIN_BUDGET + 2} "
            "queries at any n and chooses a first-order fit when few queries cannot support "
            "more."
        )

    def _transform(
        self,
        evaluate: QueryEvaluator,
        budget: int,
        rng: np.random.Generator,
        anchors: tuple[np.ndarray, np.ndarray],
    ) -> Recovery:
        result = sparse_fourier_transform(
            evaluate,
            self.n,
            budget,
            degree=self.degree,
            decoder=self.decoder,
            rng=rng,
            n_groups=self.n_groups,
            refine_rounds=self.refine_rounds,
            hierarchy=self.hierarchy,
            anchors=anchors,
        )
        return Recovery(
            result.fourier,
            result.moebius,
            result.info.cv_r2,
            "cross-validation",
            result,
            result.check,
            blocks=result.blocks,
        )


def _alias(value: object, default: object, alias: object, name: str, alias_name: str) -> object:
    """Resolve an argument given under our name or shapiq's (both only when they agree)."""
    if alias is _UNSET:
        return value
    if value != default and value != alias:
        msg = f"pass either {name} or its alias {alias_name}, not both."
        raise TypeError(msg)
    return alias
