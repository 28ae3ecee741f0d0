"""The interaction indices the approximators return: one table of their facts, and its rules.

Every other place (the approximators' validation and conversion, the CLI's choices and help,
the docstrings, the tests) reads :data:`INDICES` instead of listing the names again.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._validation import check_choice, check_int

__all__ = [
    "EFFICIENT_INDICES",
    "INDICES",
    "ORDER_ONE_INDICES",
    "VALID_INDICES",
    "IndexSpec",
    "check_index",
    "check_max_order",
]


@dataclass(frozen=True)
class IndexSpec:
    """The facts about one interaction index, as shapiq defines it.

    Attributes:
        name: shapiq's name of the index (the ``index`` argument).
        description: Its full name, for help texts.
        efficient: Its values, the empty-set entry included, sum to ``v(N)``.
        order_one: It is a value of single players: whatever ``max_order`` is passed, the
            reported order is 1 (as shapiq does). For the other indices ``max_order`` is an
            integer in ``[1, n]``, ``None`` meaning ``n``.
        empty_entry: How its value at the empty interaction is defined (shapiq's
            :class:`~shapiq.ExactComputer`): ``"baseline"`` is ``v(∅)``; ``"shapley"`` spreads
            every Möbius coefficient as ``a(S) / (|S| + 1)``, ``"banzhaf"`` as
            ``a(S) / 2^{|S|}``; ``"converted"`` is what shapiq's Möbius converter returns.
        aggregated: Its values are aggregated from SII, and shapiq lists them in its own
            k-SII order rather than by size.
    """

    name: str
    description: str
    efficient: bool
    order_one: bool
    empty_entry: str
    aggregated: bool = False


INDICES: dict[str, IndexSpec] = {
    spec.name: spec
    for spec in (
        IndexSpec("SV", "Shapley value", True, True, "baseline"),
        IndexSpec("BV", "Banzhaf value", False, True, "banzhaf"),
        IndexSpec("SII", "Shapley interaction index", False, False, "shapley"),
        IndexSpec("BII", "Banzhaf interaction index", False, False, "banzhaf"),
        IndexSpec("k-SII", "k-Shapley interaction index", True, False, "baseline", True),
        IndexSpec("STII", "Shapley-Taylor interaction index", True, False, "baseline"),
        IndexSpec("FSII", "Faithful Shapley interaction index", True, False, "baseline"),
        IndexSpec("FBII", "Faithful Banzhaf interaction index", False, False, "converted"),
        # Möbius coefficients sum to v(N) only when every order is reported.
        IndexSpec("Moebius", "Möbius transform", False, False, "baseline"),
    )
}
"""The supported indices by name, in the order help texts list them."""

VALID_INDICES = tuple(INDICES)
EFFICIENT_INDICES = tuple(name for name, spec in INDICES.items() if spec.efficient)
"""Indices whose values, the empty-set entry included, sum to ``v(N)``."""
ORDER_ONE_INDICES = tuple(name for name, spec in INDICES.items() if spec.order_one)
"""Indices of single players: they always report order one."""


def check_index(index: object) -> str:
    """``index`` if it is one of :data:`VALID_INDICES`."""
    return check_choice(index, "index", VALID_INDICES)


def check_max_order(max_order: object, n: int, index: str) -> int:
    """The reported order: ``None`` means ``n``; order-one indices always report order 1.

    shapiq accepts e.g. ``index="SV", max_order=2`` and reports the values of order one.
    """
    if INDICES[index].order_one:
        return 1
    if max_order is None:
        return n
    checked = check_int(max_order, "max_order", minimum=1)
    assert checked is not None
    if checked > n:
        # Also reached by the default (2) at n = 1: say what to pass instead.
        msg = (
            f"max_order must be <= {n} (the number of players n), got {checked}. Pass "
            f"max_order={n}, or max_order=None for every order up to n."
        )
        raise ValueError(msg)
    return checked
