"""How often nominal 90 % intervals cover exact index values (shared by the coverage tests)."""

from __future__ import annotations

Z90 = 1.645
"""Half-width of a two-sided 90 % normal interval, in standard errors."""


def count_coverage(values, se, exact, hits: dict, total: dict) -> None:
    """Add one call's covered and counted values to ``hits`` and ``total``.

    Both dicts are keyed by whether the exact value is non-zero; a value that is zero both
    exactly and as estimated is not counted (nothing was reported there).
    """
    assert se.interaction_lookup == values.interaction_lookup
    for interaction, position in values.interaction_lookup.items():
        if not interaction:
            continue
        truth = exact.values[exact.interaction_lookup[interaction]]
        if truth == 0 and values.values[position] == 0:
            continue
        total[truth != 0] += 1
        hits[truth != 0] += abs(values.values[position] - truth) <= Z90 * se.values[position]
