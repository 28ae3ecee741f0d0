"""The lead tables: per game, at one budget, the better of ours against the best anchor.

The bar (issue 14): on a game with ``n >= LEAD_MIN_N`` players, the better of our methods is
at least :data:`LEAD_MARGIN` above the best anchor (any other method) in median R² at the lead
budget, or reaches that anchor's R² with at most half of its queries. Where not every method
ran at the lead budget (a slow game), the largest smaller budget where ours and an anchor both
ran is used and the table says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._format import r2_text, ratio_text, seconds_text

if TYPE_CHECKING:
    from .cells import Cell

__all__ = [
    "FIRST_ORDER_METHODS",
    "LEAD_MARGIN",
    "LEAD_MIN_N",
    "Lead",
    "first_order_section",
    "lead_section",
    "leads",
]

LEAD_MARGIN = 0.03
LEAD_MIN_N = 60
FIRST_ORDER_METHODS = ("contextcite-lasso", "kernelshap", "banzhaf")
"""The first-order baselines of :func:`first_order_section` (ContextCite Lasso, KernelSHAP,
Banzhaf)."""
_DEFAULT_OURS = "proxyspex"


@dataclass(frozen=True)
class Lead:
    """The comparison on one game.

    Attributes:
        game: Game key.
        n: Number of players (the largest over seeds).
        budget: The budget compared (the lead budget, or the largest below it that ran).
        ours: Our best cell there (by median R²).
        anchor: The best other cell there.
        reach: Smallest budget at which one of ours reaches ``anchor``'s median R²
            (``None``: none does).
        met: Whether the bar is met (``None`` when ``n < LEAD_MIN_N``).
    """

    game: str
    n: int
    budget: int
    ours: Cell
    anchor: Cell
    reach: int | None
    met: bool | None

    @property
    def margin(self) -> float:
        """Our best median R² minus the best anchor's."""
        return self.ours.r2.median - self.anchor.r2.median


def _best(cells: Sequence[Cell]) -> Cell | None:
    return max(cells, key=lambda c: c.r2.median, default=None)


def _lead(game: str, cells: Sequence[Cell], budget: int) -> Lead | None:
    measured = [c for c in cells if c.game == game and c.seeds_ok]
    mine = {c.budget for c in measured if c.ours}
    both = sorted(mine & {c.budget for c in measured if not c.ours})
    at = max((b for b in both if b <= budget), default=None)
    if at is None:
        return None
    ours = _best([c for c in measured if c.ours and c.budget == at])
    anchor = _best([c for c in measured if not c.ours and c.budget == at])
    assert ours is not None and anchor is not None
    reach = min(
        (
            b
            for b in sorted(mine)
            if _best([c for c in measured if c.ours and c.budget == b]).r2.median
            >= anchor.r2.median
        ),
        default=None,
    )
    n = max(k for c in measured for k in c.n)
    met = None
    if n >= LEAD_MIN_N:
        met = ours.r2.median - anchor.r2.median >= LEAD_MARGIN or (
            reach is not None and 2 * reach <= at
        )
    return Lead(game, n, at, ours, anchor, reach, met)


def leads(cells: Sequence[Cell], games: Sequence[str], budget: int) -> list[Lead]:
    """One :class:`Lead` per game that has a budget where ours and an anchor both ran."""
    found = (_lead(game, cells, budget) for game in games)
    return [lead for lead in found if lead is not None]


def _verdict(lead: Lead) -> str:
    if lead.met is None:
        return f"n < {LEAD_MIN_N}"
    if not lead.met:
        return "**no**"
    if lead.margin >= LEAD_MARGIN:
        return f"yes (+{lead.margin:.3f})"
    return f"yes (reached at {lead.reach})"


def _row(lead: Lead, budget: int) -> str:
    ours, anchor = lead.ours, lead.anchor
    at = f"{lead.budget}" + ("" if lead.budget == budget else " (largest run)")
    if lead.reach is None:
        reach, queries = "—", "—"
    else:
        reach, queries = str(lead.reach), ratio_text(lead.budget / lead.reach)
    mine_s, theirs_s = ours.overhead_s.median, anchor.overhead_s.median
    overhead = ratio_text(theirs_s / mine_s) if mine_s > 0 else "—"
    return (
        f"| {lead.game} | {lead.n} | {at} | {ours.label} {r2_text(ours.r2.median)} "
        f"| {anchor.label} {r2_text(anchor.r2.median)} | {lead.margin:+.3f} | {reach} "
        f"| {queries} | {seconds_text(mine_s)} | {seconds_text(theirs_s)} | {overhead} "
        f"| {_verdict(lead)} |"
    )


def _removal_rows(found: Sequence[Lead], cells: Sequence[Cell]) -> list[str]:
    ks = next((tuple(k for k, _s in c.removal) for c in cells if c.removal), ())
    if not ks:
        return []
    lines = [
        "",
        "Feature identification at the same budgets: the largest removal Δ among ours and "
        f"among the anchors, k = {', '.join(ks)} (ours / anchors; higher is better).",
        "",
        "| game | budget | " + " | ".join(f"k={k}" for k in ks) + " |",
        "|---|---:|" + "---:|" * len(ks),
    ]
    for lead in found:
        group = [c for c in cells if c.game == lead.game and c.budget == lead.budget]
        texts = []
        for k in ks:
            best = {}
            for side in (True, False):
                values = [
                    dict(c.removal)[k].median
                    for c in group
                    if c.ours is side and c.seeds_ok and k in dict(c.removal)
                ]
                best[side] = f"{max(values):.3g}" if values else "—"
            texts.append(f"{best[True]} / {best[False]}")
        lines.append(f"| {lead.game} | {lead.budget} | " + " | ".join(texts) + " |")
    return lines


def _per_budget_row(game: str, budget: int, group: Sequence[Cell]) -> str | None:
    ours = _best([c for c in group if c.ours])
    if ours is None:
        return None
    default = next((c for c in group if c.method == _DEFAULT_OURS), None)
    first = _best([c for c in group if c.method in FIRST_ORDER_METHODS])
    other = _best([c for c in group if not c.ours])

    def named(cell: Cell | None) -> str:
        return "—" if cell is None else f"{cell.label} {r2_text(cell.r2.median)}"

    def delta(cell: Cell | None) -> str:
        return "—" if cell is None else f"{ours.r2.median - cell.r2.median:+.3f}"

    mine = "—" if default is None else r2_text(default.r2.median)
    n = max(k for c in group for k in c.n)
    return (
        f"| {game} | {n} | {budget} | {mine} | {named(ours)} | {named(first)} | {delta(first)} "
        f"| {named(other)} | {delta(other)} |"
    )


def first_order_section(cells: Sequence[Cell], games: Sequence[str]) -> list[str]:
    """Per game and budget: ours against the best first-order method and the best baseline.

    Only cells measured on every seed count; a budget where none of ours ran is left out.
    """
    measured = [c for c in cells if c.seeds_ok]
    if not any(c.method in FIRST_ORDER_METHODS for c in measured):
        return []
    lines = [
        "",
        "## Ours against the best first-order method and the best of the run, per budget",
        "",
        "Median R² per game and budget: our ProxySPEX at its defaults, the better of ours "
        "(any variant), the best first-order method (ContextCite Lasso, KernelSHAP, Banzhaf) "
        "and the best baseline of the run at the same budget (any method not ours); Δ = ours "
        "(best) minus it.",
        "",
        "| game | n | budget | ProxySPEX (ours) | ours (best) | best first-order | Δ "
        "| best baseline | Δ |",
        "|---|---:|---:|---:|---|---|---:|---|---:|",
    ]
    wins = {"first": [0, 0], "other": [0, 0]}
    for game in games:
        for budget in sorted({c.budget for c in measured if c.game == game}):
            group = [c for c in measured if c.game == game and c.budget == budget]
            row = _per_budget_row(game, budget, group)
            if row is None:
                continue
            lines.append(row)
            ours = _best([c for c in group if c.ours])
            for side, pool in (
                ("first", [c for c in group if c.method in FIRST_ORDER_METHODS]),
                ("other", [c for c in group if not c.ours]),
            ):
                rival = _best(pool)
                if rival is not None:
                    wins[side][0] += ours.r2.median >= rival.r2.median
                    wins[side][1] += 1
    lines += [
        "",
        f"Ours at least as good as the best first-order method in {wins['first'][0]} of "
        f"{wins['first'][1]} (game, budget) cells, as the best baseline in {wins['other'][0]} "
        f"of {wins['other'][1]}.",
    ]
    return lines


def lead_section(cells: Sequence[Cell], games: Sequence[str], budget: int) -> list[str]:
    """The Markdown section: the lead table, its summary line and the removal table."""
    found = leads(cells, games, budget)
    lines = [
        "",
        f"## Ours against the best anchor at {budget} queries",
        "",
        f"Per game, the better of ours and the best other method (by median R²) at {budget} "
        "queries (or the largest budget run below it), the ContextCite Lasso included; "
        "*reached at* is the smallest budget (the few-call budgets 64-256 included) at "
        "which one of ours matches that anchor's R², and *queries ×* the anchor's budget over "
        f"it. The bar (games with n ≥ {LEAD_MIN_N}): ours at least {LEAD_MARGIN:g} above the "
        "anchor, or reaching its R² with at most half of its queries.",
        "",
        "| game | n | budget | ours (best) R² | best anchor R² | Δ R² | reached at "
        "| queries × | ours overhead s | anchor overhead s | anchor / ours overhead | bar |",
        "|---|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    lines += [_row(lead, budget) for lead in found]
    judged = [lead for lead in found if lead.met is not None]
    if judged:
        lines += [
            "",
            f"The bar is met on {sum(bool(lead.met) for lead in judged)} of {len(judged)} "
            f"games with n ≥ {LEAD_MIN_N}.",
        ]
    return lines + _removal_rows(found, cells)
