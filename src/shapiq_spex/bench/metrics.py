"""Benchmark metrics: explanations as predictors, exact index values, support recovery.

Every method's output becomes a predictor of the game in Möbius form,
``v̂(S) = Σ_{T ⊆ S} I(T)``, over the interactions it reports. The empty-set term is the
method's own ``I(∅)`` when it reports one, else its ``baseline_value``: for Faith-Banzhaf
(FBII, and Banzhaf as FBII of order 1) ``I(∅)`` is the fitted intercept of the best
order-ℓ approximation under the uniform distribution, which differs from ``v(∅)``; replacing
it by ``baseline_value = v(∅)`` shifts every prediction by a constant and lowers R² (0.69 ->
0.53 for Banzhaf on a 10-player SOUM). For SV, FSII and k-SII ``I(∅) = v(∅)`` anyway.

Precision@k and the coefficient error compare a method's values with the *exact values of the
same index and order*, computed from the known Möbius coefficients by shapiq's
``MoebiusConverter``: a Faith-Banzhaf value of order 2 aggregates the game's higher-order
terms, so comparing it with the raw Möbius coefficients would penalise every low-order method
for the index it computes rather than for how well it computes it. The empty set is left out
(it is a baseline, not an attribution).

Feature identification (the SPEX/ProxySPEX papers' removal check): remove the ``k`` players a
method ranks highest and measure how much the game's output moves. The ranking is the
Shapley-like first-order importance of the returned values, ``φ_i = Σ_{T ∋ i} I(T) / |T|``
(each interaction shared equally among its players: for Möbius values this is the Shapley
value, for an order-1 index it is ``I({i})``). With ``s = sign(v(N) - v(∅))`` the direction of
the explained output, the ``k`` players of largest ``s φ_i`` are removed from the grand
coalition and the change is ``s (v(N) - v(N minus K))``: how far the output falls back toward
``v(∅)``; higher is better, and a negative value means the removed players pushed the other
way. For an additive game ``v(S) = Σ_{i in S} w_i`` the exact values give the largest possible
change, the sum of the ``k`` largest ``s w_i``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from shapiq import InteractionValues

from ..metrics import precision_at_k, relative_l2_error
from ..spectral import SparseMoebius

__all__ = [
    "REMOVAL_K",
    "TOP_K",
    "Summary",
    "coefficient_error",
    "exact_index_values",
    "index_values",
    "moebius_predictor",
    "removal_changes",
    "shapley_like_importance",
    "summarize",
    "top_k_precision",
]

TOP_K = 10
REMOVAL_K = (1, 5, 10)


def moebius_predictor(values: InteractionValues) -> SparseMoebius:
    """The Möbius-form predictor ``v̂(S) = Σ_{T ⊆ S} I(T)`` of an explanation.

    Args:
        values: Interaction values of any index (SV, BV, FSII, FBII, k-SII, Moebius, ...).

    Returns:
        A callable set function on boolean masks ``(m, n)``; its empty-set term is the
        explanation's ``I(∅)`` when present, else its ``baseline_value``.
    """
    terms = {key: float(v) for key, v in values.interactions.items() if key}
    terms[()] = float(values.interactions.get((), values.baseline_value))
    return SparseMoebius.from_dict(terms, values.n_players)


def index_values(values: InteractionValues) -> dict[tuple[int, ...], float]:
    """The attributions of an explanation as a dict, without the empty set."""
    return {tuple(key): float(v) for key, v in values.interactions.items() if key}


def exact_index_values(
    moebius: Mapping[tuple[int, ...], float], n: int, index: str, order: int
) -> dict[tuple[int, ...], float]:
    """Exact values of ``index`` up to ``order`` of the game with these Möbius coefficients.

    Args:
        moebius: The game's Möbius coefficients (the empty set included or not).
        n: Number of players.
        index: A shapiq index (``"SV"``, ``"BV"``, ``"FSII"``, ``"FBII"``, ``"k-SII"``, ...).
        order: The index's order.

    Returns:
        The non-empty interactions and their exact values.
    """
    from shapiq.game_theory.moebius_converter import MoebiusConverter

    coefficients = {tuple(key): float(v) for key, v in moebius.items()}
    coefficients.setdefault((), 0.0)
    game = InteractionValues(
        coefficients,
        index="Moebius",
        n_players=n,
        min_order=0,
        max_order=max(len(key) for key in coefficients),
        baseline_value=coefficients[()],
    )
    return index_values(MoebiusConverter(game)(index=index, order=order))


def shapley_like_importance(values: InteractionValues) -> np.ndarray:
    """``φ_i = Σ_{T ∋ i} I(T) / |T|`` over the non-empty interactions, shape ``(n,)``."""
    importance = np.zeros(values.n_players)
    for key, value in values.interactions.items():
        if key:
            importance[list(key)] += float(value) / len(key)
    return importance


def removal_changes(
    game: Callable[[np.ndarray], np.ndarray], importance: np.ndarray, ks: Iterable[int]
) -> dict[str, float]:
    """The change of the output when the ``k`` most important players are removed.

    See the module docstring for the definition. Queries the game once, on ``2 + len(ks)``
    coalitions (grand, empty and one per ``k``) in two calls.

    Args:
        game: The set function, on boolean masks ``(m, n)``.
        importance: One value per player (e.g. :func:`shapley_like_importance`).
        ks: Numbers of removed players; those above ``n`` are left out.

    Returns:
        ``{str(k): s (v(N) - v(N minus K))}``.
    """
    importance = np.asarray(importance, dtype=float)
    n = importance.size
    ks = [int(k) for k in ks if 0 < int(k) <= n]
    masks = np.ones((2 + len(ks), n), dtype=bool)
    masks[1] = False
    values = np.asarray(game(masks[:2]), dtype=float)
    sign = 1.0 if values[0] >= values[1] else -1.0
    order = np.argsort(-sign * importance, kind="stable")
    for row, k in enumerate(ks, start=2):
        masks[row, order[:k]] = False
    removed = np.asarray(game(masks[2:]), dtype=float) if ks else np.zeros(0)
    return {str(k): float(sign * (values[0] - v)) for k, v in zip(ks, removed, strict=True)}


def _nonzero(values: Mapping[tuple[int, ...], float]) -> dict[tuple[int, ...], float]:
    return {key: v for key, v in values.items() if key and v != 0.0}


def top_k_precision(
    true: Mapping[tuple[int, ...], float], estimated: Mapping[tuple[int, ...], float], k: int
) -> float:
    """Share of the ``k`` largest estimated interactions among the ``k`` largest true ones.

    The empty set is ignored on both sides, and ``k`` shrinks to the number of non-zero true
    interactions (a game with 3 terms has no top 10).

    Args:
        true: Exact values.
        estimated: A method's values of the same index.
        k: How many interactions to compare.

    Returns:
        The precision in ``[0, 1]`` (NaN if the truth has no non-zero interaction).
    """
    true = _nonzero(true)
    if not true:
        return float("nan")
    estimated = {key: v for key, v in estimated.items() if key}
    return precision_at_k(true, estimated, min(k, len(true))) if estimated else 0.0


def coefficient_error(
    true: Mapping[tuple[int, ...], float], estimated: Mapping[tuple[int, ...], float]
) -> float:
    """Relative L2 error of the non-empty coefficients (missing keys count as 0)."""
    return relative_l2_error(
        {key: v for key, v in true.items() if key},
        {key: v for key, v in estimated.items() if key},
    )


@dataclass(frozen=True)
class Summary:
    """Median and range of a metric over seeds (finite values only)."""

    median: float
    low: float
    high: float
    count: int


def summarize(values: Iterable[float | None]) -> Summary:
    """Median, min and max of the finite values (all NaN when there is none)."""
    finite = np.array([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if finite.size == 0:
        nan = float("nan")
        return Summary(nan, nan, nan, 0)
    return Summary(
        float(np.median(finite)), float(finite.min()), float(finite.max()), int(finite.size)
    )
