"""The report's unit: one :class:`Cell` per (game, budget, method), over the seeds.

Shared by :mod:`.report` (tables), :mod:`.lead` (the lead and first-order sections) and
:mod:`.plots`; the tables import it, it imports none of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from .metrics import Summary, summarize
from .runner import Record

__all__ = ["Cell", "CellStatus", "aggregate"]

CellStatus = Literal["ok", "partial", "n/a", "error"]


@dataclass(frozen=True)
class Cell:
    """All seeds of one (game, budget, method): medians and ranges, or why there is no value."""

    game: str
    title: str
    family: str
    budget: int
    method: str
    label: str
    ours: bool
    status: CellStatus
    n: tuple[int, ...]
    seeds_ok: int
    seeds: int
    r2: Summary
    r2_index: Summary
    queries: Summary
    overhead_s: Summary
    game_s: Summary
    peak_mb: Summary
    precision: Summary
    rel_error: Summary
    reasons: tuple[str, ...]
    over_budget: bool
    notes: tuple[str, ...] = ()
    removal: tuple[tuple[str, Summary], ...] = ()


def _status(records: Sequence[Record]) -> CellStatus:
    ok = sum(r.status == "ok" for r in records)
    if ok == len(records):
        return "ok"
    if ok:
        return "partial"
    return "error" if any(r.status == "error" for r in records) else "n/a"


def aggregate(records: Iterable[Record]) -> list[Cell]:
    """One :class:`Cell` per (game, budget, method), in the order the records first appear."""
    groups: dict[tuple[str, int, str], list[Record]] = {}
    for record in records:
        groups.setdefault((record.game, record.budget, record.method), []).append(record)
    cells = []
    for (game, budget, method), group in groups.items():
        ok = [r for r in group if r.status == "ok"]
        first = group[0]
        cells.append(
            Cell(
                game=game,
                title=first.title,
                family=first.family,
                budget=budget,
                method=method,
                label=first.label,
                ours=first.ours,
                status=_status(group),
                n=tuple(sorted({r.n for r in group})),
                seeds_ok=len(ok),
                seeds=len(group),
                r2=summarize(r.r2 for r in ok),
                r2_index=summarize(r.r2_index for r in ok),
                queries=summarize(r.queries for r in ok),
                overhead_s=summarize(r.overhead_s for r in ok),
                game_s=summarize(r.game_s for r in ok),
                peak_mb=summarize(r.peak_mb for r in ok),
                precision=summarize(r.precision for r in ok),
                rel_error=summarize(r.rel_error for r in ok),
                reasons=tuple(dict.fromkeys(r.reason for r in group if r.status != "ok")),
                over_budget=any(r.over_budget for r in ok),
                notes=tuple(dict.fromkeys(r.note for r in ok if r.note)),
                removal=_removal(ok),
            )
        )
    return cells


def _removal(records: Sequence[Record]) -> tuple[tuple[str, Summary], ...]:
    """Per ``k`` (in increasing order), the summary of the removal change over the seeds."""
    ks = sorted({k for r in records for k in (r.removal or {})}, key=int)
    return tuple((k, summarize((r.removal or {}).get(k) for r in records)) for k in ks)
