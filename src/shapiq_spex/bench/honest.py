"""The honest-score table (issue 21): the quality our approximators report against the truth.

Each call of ours records the approximator's ``faithfulness_`` (its own estimate of the R² on
uniform masks) and ``faithfulness_method_``, and whether its poor-fit warning fired; the
runner measures the R² of the same recovered function on held-out masks the call never saw.
:func:`honest_section` tabulates both per call and ``|reported - true|``, and sums up how often
the estimate was optimistic and whether the warning fired where the true fit was poor.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._format import r2_text
from .runner import Record

__all__ = ["OPTIMISTIC", "TOLERANCE", "honest_rows", "honest_section", "warned"]

OPTIMISTIC = 0.1
"""A reported score this much above the true R² counts as optimistic."""
TOLERANCE = 0.05
"""Issue 21's bar: the reported score within this of the true R², or a warning fired."""
_POOR = 0.5  # the approximators' warning threshold (LOW_FAITHFULNESS)


def honest_rows(records: Sequence[Record]) -> list[Record]:
    """The measured calls that reported a faithfulness."""
    return [r for r in records if r.status == "ok" and r.faithfulness is not None]


def _se_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _flag(value: bool | None) -> str:
    return "—" if value is None else ("yes" if value else "no")


def warned(record: Record) -> bool:
    """Whether the call warned that its score or fit is not to be trusted as reported."""
    return bool(
        record.warned_poor_fit
        or record.warned_uncertain
        or record.warned_anchor_cost
        or record.warned_saturated
    )


def _rule(rows: Sequence[Record]) -> str:
    """How many calls meet the bar: ``|reported - true| <= TOLERANCE`` or a warning fired."""
    scored = [r for r in rows if r.r2 is not None and np.isfinite(r.faithfulness - r.r2)]
    close = [r for r in scored if abs(r.faithfulness - r.r2) <= TOLERANCE]
    silent = [r for r in scored if abs(r.faithfulness - r.r2) > TOLERANCE and not warned(r)]
    return (
        f"Within {TOLERANCE:g} of the true R² in {len(close)} of {len(scored)} calls; of the "
        f"other {len(scored) - len(close)}, a warning (poor fit, uncertain score, costly "
        f"endpoints or saturation) fired in {len(scored) - len(close) - len(silent)} and none "
        f"in {len(silent)}"
        + (": " + ", ".join(f"{r.game} {r.budget} {r.label}" for r in silent) if silent else "")
        + "."
    )


def _summary(rows: Sequence[Record]) -> list[str]:
    gaps = np.array([r.faithfulness - r.r2 for r in rows], dtype=float)
    gaps = gaps[np.isfinite(gaps)]
    if gaps.size == 0:
        return []
    optimistic = int(np.sum(gaps > OPTIMISTIC))
    poor = [r for r in rows if r.r2 is not None and r.r2 < _POOR]
    missed = sum(not r.warned_poor_fit for r in poor)
    false_alarms = sum(bool(r.warned_poor_fit) for r in rows if r.r2 is not None and r.r2 >= _POOR)
    size = np.abs(gaps)
    return [
        f"Absolute gap between reported and true R² over {gaps.size} calls of ours: median "
        f"{np.median(size):.3f}, 90th percentile {np.quantile(size, 0.9):.3f}, largest "
        f"{np.max(size):.3g}; optimistic by more than {OPTIMISTIC:g} in {optimistic}. "
        f"True R² below {_POOR:g} in {len(poor)} calls, of which the poor-fit warning missed "
        f"{missed}; it fired in {false_alarms} calls whose true R² was at least {_POOR:g}.",
        "",
        _rule(rows),
    ]


def honest_section(records: Sequence[Record], *, full: bool) -> list[str]:
    """The Markdown section: the summary line, and with ``full`` the table of every call."""
    rows = honest_rows(records)
    if not rows:
        return []
    lines = ["", "## Reported faithfulness against the true R²", ""]
    lines += _summary(rows)
    if not full:
        return lines
    lines += [
        "",
        "Per call of ours: *reported* is the approximator's `faithfulness_` "
        "(`faithfulness_method_` beside it), *true* the R² of its recovered function on the "
        "held-out masks of this run; *poor-fit warning*: whether the call warned that the "
        f"explanation fits poorly (reported R² below {_POOR:g}); *uncertain*: whether it warned "
        "that the score's standard error (*SE*) is large; *endpoints*: whether it warned that "
        "exact efficiency costs fit; *saturated*: whether it warned that the game barely "
        "varies.",
        "",
        "| game | n | budget | method | reported | SE | how | true R² | reported − true "
        "| abs | poor-fit warning | uncertain | endpoints | saturated |",
        "|---|---:|---:|---|---:|---:|---|---:|---:|---:|---|---|---|---|",
    ]
    for r in rows:
        gap = r.faithfulness - r.r2 if r.r2 is not None else float("nan")
        gap_text = f"{gap:+.3g}" if np.isfinite(gap) else "—"
        abs_text = f"{abs(gap):.3g}" if np.isfinite(gap) else "—"
        lines.append(
            f"| {r.game} | {r.n} | {r.budget} | {r.label} | {r2_text(r.faithfulness)} "
            f"| {_se_text(r.faithfulness_se)} | {r.faithfulness_method or '—'} | {r2_text(r.r2)} "
            f"| {gap_text} | {abs_text} | {_flag(r.warned_poor_fit)} "
            f"| {_flag(r.warned_uncertain)} | {_flag(r.warned_anchor_cost)} "
            f"| {_flag(r.warned_saturated)} |"
        )
    return lines
