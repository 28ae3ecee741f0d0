"""From a sparse Möbius representation to shapiq's :class:`~shapiq.InteractionValues`."""

from __future__ import annotations

import math

import numpy as np
from shapiq import InteractionValues
from shapiq.game_theory.moebius_converter import MoebiusConverter
from shapiq.utils import generate_interaction_lookup

from .._indices import INDICES
from ..spectral.representation import SparseMoebius

__all__ = ["MAX_DENSE_INTERACTIONS", "to_interaction_values"]

MAX_DENSE_INTERACTIONS = 100_000
"""Up to this many interactions of the reported orders, every one is listed (zeros included)."""


def to_interaction_values(
    moebius: SparseMoebius,
    *,
    index: str,
    max_order: int,
    min_order: int,
    estimation_budget: int,
    empty_value: float | None = None,
    estimated: bool = True,
) -> InteractionValues:
    """Convert Möbius coefficients to the requested index.

    Every index but ``"Moebius"`` goes through shapiq's :class:`MoebiusConverter`, whose output
    is already final (k-SII comes aggregated), so it is passed on without a second aggregation.
    When the reported orders hold at most :data:`MAX_DENSE_INTERACTIONS` interactions, the
    table lists every one of them (zeros included) in shapiq's order, as shapiq's regression
    approximators do, so that explanations stack (aggregation, beeswarm plots); above that it
    lists only the non-zero ones. k-SII tables follow shapiq's k-SII order (see
    :func:`_k_sii_order`), the others shapiq's order by size.

    Args:
        moebius: The Möbius representation of the (approximated) game.
        index: The target index.
        max_order: Largest interaction size reported.
        min_order: Smallest interaction size reported (``max_order`` for ``top_order``).
        estimation_budget: Queries spent, recorded on the result.
        empty_value: The game's value at the empty coalition as queried (the represented
            function matches it; passing it avoids a round-off difference in the last digit).
        estimated: Recorded on the result: ``False`` when the Möbius coefficients are the
            game's own (every coalition was queried), as shapiq's approximators mark it.

    Returns:
        The interaction values; ``baseline_value`` is the game's value at the empty coalition.
    """
    n = moebius.n
    coefficients = moebius.to_dict()
    if empty_value is None:
        empty_value = float(coefficients.get((), 0.0))
    if index == "Moebius":
        scores = {s: v for s, v in coefficients.items() if min_order <= len(s) <= max_order}
    else:
        source = InteractionValues(
            values=np.array(list(coefficients.values()), dtype=float),
            index="Moebius",
            min_order=0,
            max_order=max(moebius.degree, 1),
            n_players=n,
            interaction_lookup={s: i for i, s in enumerate(coefficients)},
            estimated=True,
            baseline_value=empty_value,
        )
        converted = MoebiusConverter(source)(index=index, order=max_order)
        scores = {s: v for s, v in converted.interactions.items() if min_order <= len(s)}
    spec = INDICES[index]
    if min_order == 0 and spec.empty_entry == "baseline":
        scores[()] = empty_value
    elif min_order == 0:
        scores.setdefault((), _empty_set_value(moebius, spec.empty_entry))
    if _table_size(n, min_order, max_order) <= MAX_DENSE_INTERACTIONS:
        lookup = generate_interaction_lookup(n, min_order, max_order)
        if spec.aggregated:
            lookup = _k_sii_order(lookup, n, max_order)
        values = np.zeros(len(lookup))
        for interaction, value in scores.items():
            values[lookup[interaction]] = value
    else:
        lookup = {s: i for i, s in enumerate(scores)}
        values = np.array(list(scores.values()), dtype=float)
    return InteractionValues(
        values=values,
        index=index,
        min_order=min_order,
        max_order=max_order,
        n_players=n,
        interaction_lookup=lookup,
        estimated=estimated,
        estimation_budget=estimation_budget,
        baseline_value=empty_value,
    )


def _k_sii_order(lookup: dict, n: int, max_order: int) -> dict:
    """The interactions in the order of shapiq's k-SII results (ExactComputer, approximators).

    shapiq aggregates SII into k-SII by sorting the interactions as tuples padded to
    ``max_order`` with ``n`` (so an interaction comes after its extensions: ``(0, 1, 2)``,
    ``(0, 1)``, ...), with ``()`` first; positional reads of ``.values`` then agree.
    """
    pad = (n,) * max_order
    ordered = sorted(lookup, key=lambda s: (len(s) > 0, s + pad[len(s) :]))
    return {s: i for i, s in enumerate(ordered)}


def _table_size(n: int, min_order: int, max_order: int) -> int:
    """Number of interactions of sizes ``min_order..max_order`` among ``n`` players."""
    total = 0
    for size in range(min_order, max_order + 1):
        total += math.comb(n, size)
        if total > MAX_DENSE_INTERACTIONS:
            break
    return total


def _empty_set_value(moebius: SparseMoebius, empty_entry: str) -> float:
    """The value at the empty interaction, by the index's ``empty_entry`` rule.

    The generalized values spread every Möbius coefficient onto ``∅`` too (see
    :class:`~shapiq_spex._indices.IndexSpec`); the others fall back to ``v(∅)``.
    """
    sizes = moebius.degrees
    if empty_entry == "shapley":
        return float(np.sum(moebius.coefficients / (sizes + 1.0)))
    if empty_entry == "banzhaf":
        return float(np.sum(moebius.coefficients / 2.0**sizes))
    return float(moebius[()])
