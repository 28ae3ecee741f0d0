"""The interaction indices the approximators return, and the order rules shapiq applies."""

from __future__ import annotations

from ._validation import check_choice, check_int

__all__ = ["EFFICIENT_INDICES", "VALID_INDICES", "check_index", "check_max_order"]

VALID_INDICES = ("SV", "BV", "SII", "BII", "k-SII", "STII", "FSII", "FBII", "Moebius")
EFFICIENT_INDICES = ("SV", "k-SII", "STII", "FSII")
"""Indices whose values, the empty-set entry included, sum to ``v(N)``."""
_ORDER_ONE = ("SV", "BV")


def check_index(index: object) -> str:
    """``index`` if it is one of :data:`VALID_INDICES`."""
    return check_choice(index, "index", VALID_INDICES)


def check_max_order(max_order: object, n: int, index: str) -> int:
    """The reported order: ``None`` means ``n``; order-one indices always report order 1.

    shapiq accepts e.g. ``index="SV", max_order=2`` and reports the values of order one.
    """
    if index in _ORDER_ONE:
        return 1
    if max_order is None:
        return n
    checked = check_int(max_order, "max_order", minimum=1, maximum=n)
    assert checked is not None
    return checked
