"""Head-to-head tables: one of ours against one baseline, on the seeds both ran.

A baseline that runs on fewer seeds than ours (shapiq's ProxySPEX with its grid search) is
compared with ours on those seeds only, so the R² and the overhead ratio are paired.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._format import Notes, n_text, ratio_text, seconds_text, with_range
from .metrics import Summary, summarize
from .runner import Record

__all__ = ["head_to_head"]


def _ok(records: Sequence[Record], method: str) -> dict[tuple[str, int], dict[int, Record]]:
    """``(game, budget) -> seed -> record`` of the measured calls of ``method``."""
    found: dict[tuple[str, int], dict[int, Record]] = {}
    for record in records:
        if record.method == method and record.status == "ok":
            found.setdefault((record.game, record.budget), {})[record.seed] = record
    return found


def _reasons(records: Sequence[Record], method: str, game: str, budget: int) -> list[str]:
    return list(
        dict.fromkeys(
            r.reason
            for r in records
            if (r.method, r.game, r.budget) == (method, game, budget) and r.status != "ok"
        )
    )


def _stat(records: Sequence[Record], name: str) -> Summary:
    return summarize(getattr(r, name) for r in records)


def head_to_head(
    records: Sequence[Record], ours: str, baseline: str, games: Sequence[str], notes: Notes
) -> list[str]:
    """The table of ``ours`` against ``baseline`` and a summary line, as Markdown lines.

    Every (game, budget) where ``ours`` has a measured call gives a row. R², queries and
    overhead are medians (min–max) over the seeds both methods ran; the ratio is the
    baseline's median overhead over ours. Where the baseline has no measured call the row
    shows ours alone and the reason in a footnote.

    Args:
        records: The run's records.
        ours: Method key of ours.
        baseline: Method key of the baseline.
        games: Game keys in table order.
        notes: Footnotes of the report.

    Returns:
        Markdown lines (no trailing blank line).
    """
    mine, theirs = _ok(records, ours), _ok(records, baseline)
    label = {r.method: r.label for r in records}
    a, b = label.get(ours, ours), label.get(baseline, baseline)
    lines = [
        f"| game | n | budget | seeds | {a} R² | {b} R² | {a} queries | {b} queries "
        f"| {a} overhead s | {b} overhead s | {b} / {a} overhead |",
        "|---|---:|---:|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    wins = rows = 0
    total = np.zeros(2)
    rank = {game: i for i, game in enumerate(games)}
    for game, budget in sorted(mine, key=lambda k: (rank.get(k[0], len(rank)), k[1])):
        seeds = sorted(set(mine[game, budget]) & set(theirs.get((game, budget), {})))
        left = [mine[game, budget][s] for s in seeds] or list(mine[game, budget].values())
        right = [theirs[game, budget][s] for s in seeds]
        n = n_text(sorted({r.n for r in left}))
        cells = [with_range(_stat(left, "r2")), "", f"{_stat(left, 'queries').median:.0f}", ""]
        times = [seconds_text(_stat(left, "overhead_s").median), "", "—"]
        if right:
            rows += 1
            wins += _stat(left, "r2").median >= _stat(right, "r2").median
            total += [sum(r.overhead_s for r in left), sum(r.overhead_s for r in right)]
            cells[1] = with_range(_stat(right, "r2"))
            cells[3] = f"{_stat(right, 'queries').median:.0f}"
            mine_s, theirs_s = _stat(left, "overhead_s").median, _stat(right, "overhead_s").median
            times[1:] = [seconds_text(theirs_s), ratio_text(theirs_s / mine_s) if mine_s else "—"]
        else:
            reasons = _reasons(records, baseline, game, budget)
            cells[1] = "n/a" + "".join(notes.ref(r) for r in reasons)
        count = len(seeds) if right else f"{len(left)} (ours only)"
        lines.append(f"| {game} | {n} | {budget} | {count} | " + " | ".join(cells + times) + " |")
    if rows:
        summary = f"{a} has the higher or equal median R² in {wins} of {rows} rows."
        if total[0] > 0:
            summary += (
                f" Summed over the paired calls, the overhead is {seconds_text(total[0])} s for "
                f"{a} and {seconds_text(total[1])} s for {b} ({ratio_text(total[1] / total[0])})."
            )
        lines += ["", summary]
    return lines
