"""Aggregate the records of a run into cells and write the JSON and the Markdown report."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .metrics import TOP_K, Summary, summarize
from .runner import Record, RunResult

__all__ = ["Cell", "aggregate", "markdown", "write_json"]

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
            )
        )
    return cells


def write_json(result: RunResult, path: Path) -> Path:
    """Write the run (environment, settings, every record) as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.to_dict(), indent=1, allow_nan=False) + "\n")
    return path


class _Notes:
    """Numbered footnotes, one per distinct text."""

    def __init__(self) -> None:
        self.texts: dict[str, int] = {}

    def ref(self, text: str) -> str:
        number = self.texts.setdefault(text, len(self.texts) + 1)
        return f"[^{number}]"

    def lines(self) -> list[str]:
        return [f"[^{number}]: {text}" for text, number in self.texts.items()]


def _r2(value: float) -> str:
    return f"{value:.3f}" if value > -10 else f"{value:.3g}"


def _seconds(value: float) -> str:
    return f"{value:.3f}" if value < 1 else f"{value:.3g}" if value < 100 else f"{value:,.0f}"


def _with_range(summary: Summary, fmt: Callable[[float], str] = _r2) -> str:
    text = fmt(summary.median)
    if summary.count > 1:
        text += f" ({fmt(summary.low)}–{fmt(summary.high)})"
    return text


def _missing(cell: Cell, notes: _Notes) -> str | None:
    """The marker of a cell without a (complete) value, or ``None`` for a complete cell."""
    if cell.status == "ok":
        return "".join(notes.ref(note) for note in cell.notes) or None
    refs = "".join(notes.ref(reason) for reason in cell.reasons)
    if cell.status == "partial":
        return f" [{cell.seeds_ok}/{cell.seeds} seeds]{refs}"
    return f"{cell.status}{refs}"


def _n_text(values: Sequence[int]) -> str:
    return str(values[0]) if len(values) == 1 else f"{min(values)}-{max(values)}"


def _ordered_games(result: RunResult, cells: Sequence[Cell]) -> list[str]:
    order = result.settings.get("game_order") or []
    present = list(dict.fromkeys(c.game for c in cells))
    return [g for g in order if g in present] + [g for g in present if g not in order]


def _summary_table(
    games: Sequence[str], by_key: dict, methods: Sequence[str], labels: dict, notes: _Notes
) -> list[str]:
    lines = [
        "| game | n | budget | " + " | ".join(labels[m] for m in methods) + " |",
        "|---|---:|---:|" + "---:|" * len(methods),
    ]
    for game in games:
        budgets = sorted({b for (g, b, _m) in by_key if g == game})
        for budget in budgets:
            row = [by_key.get((game, budget, m)) for m in methods]
            present = [c for c in row if c is not None]
            n_values = tuple(sorted({n for c in present for n in c.n}))
            texts = []
            for cell in row:
                if cell is None:
                    texts.append("")
                    continue
                marker = _missing(cell, notes)
                value = _r2(cell.r2.median) if cell.seeds_ok else ""
                texts.append(
                    value if marker is None else (f"{value}{marker}" if value else marker.strip())
                )
            lines.append(f"| {game} | {_n_text(n_values)} | {budget} | " + " | ".join(texts) + " |")
    return lines


def _detail_row(cell: Cell, ref: Cell | None, game: str, notes: _Notes) -> str:
    """One measured row: R² (range), index R², queries, times, ratio, memory, recovery."""
    ratio = (
        f"{cell.overhead_s.median / ref.overhead_s.median:.3g}×"
        if ref is not None and ref.seeds_ok and ref.overhead_s.median > 0
        else "—"
    )
    queries = f"{cell.queries.median:.0f}"
    if cell.over_budget:
        queries += notes.ref(f"spent more queries than the budget ({cell.label}, {game})")
    r2 = _with_range(cell.r2) + (_missing(cell, notes) or "")
    peak = f"{cell.peak_mb.median:,.0f}" if cell.peak_mb.count else "—"
    precision = f"{cell.precision.median:.2f}" if cell.precision.count else "—"
    error = f"{cell.rel_error.median:.3g}" if cell.rel_error.count else "—"
    name = f"**{cell.label}**" if cell.ours else cell.label
    return (
        f"| {cell.budget} | {name} | {r2} | {_r2(cell.r2_index.median)} | {queries} "
        f"| {_seconds(cell.overhead_s.median)} | {ratio} | {_seconds(cell.game_s.median)} "
        f"| {peak} | {precision} | {error} |"
    )


def _detail_table(
    game: str, cells: Sequence[Cell], reference: dict[int, Cell], notes: _Notes
) -> list[str]:
    """Rows per budget and method; one ``all`` row for a method with no value for one reason."""
    lines = [
        "| budget | method | R² median (min–max) | R² of index | queries | overhead s "
        f"| × SPEX (ours) | in game s | peak MiB | P@{TOP_K} | rel. error |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    several = len({c.budget for c in cells}) > 1
    collapsed: set[str] = set()
    for cell in cells:
        if cell.seeds_ok:
            lines.append(_detail_row(cell, reference.get(cell.budget), game, notes))
            continue
        same = [c for c in cells if c.method == cell.method]
        uniform = all(c.status == cell.status and c.reasons == cell.reasons for c in same)
        if several and uniform and cell.method in collapsed:
            continue
        collapsed.add(cell.method)
        budget = "all" if several and uniform else str(cell.budget)
        marker = (_missing(cell, notes) or "").strip()
        lines.append(f"| {budget} | {cell.label} | {marker} |" + " — |" * 8)
    return lines


def _behind(cells: Sequence[Cell], margin: float = 0.01) -> list[str]:
    """Cells where a baseline's median R² beats one of ours by more than ``margin``."""
    lines = []
    by_spot: dict[tuple[str, int], list[Cell]] = {}
    for cell in cells:
        if cell.seeds_ok:
            by_spot.setdefault((cell.game, cell.budget), []).append(cell)
    for (game, budget), group in by_spot.items():
        best = max((c for c in group if not c.ours), key=lambda c: c.r2.median, default=None)
        if best is None:
            continue
        for ours in (c for c in group if c.ours):
            if best.r2.median > ours.r2.median + margin:
                lines.append(
                    f"| {game} | {budget} | {ours.label} | {_r2(ours.r2.median)} "
                    f"| {best.label} | {_r2(best.r2.median)} |"
                )
    if not lines:
        return [f"No cell where a baseline's median R² beats ours by more than {margin:g}."]
    return [
        "| game | budget | ours | R² | best baseline | R² |",
        "|---|---:|---|---:|---|---:|",
        *lines,
    ]


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _merged_note(settings: dict) -> list[str]:
    merged = settings.get("merged")
    if not merged:
        return []
    env = merged["from_run"]
    return [
        f"- Records of {', '.join(f'`{m}`' for m in merged['methods'])} come from a later run "
        f"({env['date']}, load average {env['load_average']}) that re-ran only "
        f"{'that method' if len(merged['methods']) == 1 else 'those methods'} after a change "
        "to it (`python -m benchmarks.merge`); every other record is from the run above."
    ]


def _header(result: RunResult) -> list[str]:
    env = result.environment
    versions = ", ".join(f"{k} {v}" for k, v in env["versions"].items() if v)
    settings = result.settings
    lines = [
        f"# Faithfulness benchmark: suite `{result.suite}`",
        "",
        f"{result.description[0].upper()}{result.description[1:]}.",
        "",
        f"- Run {env['date']} on {env['cpu']} ({env['cpus']} CPUs, load average "
        f"{env['load_average']}), Python {env['python']}; wall time {_duration(result.wall_s)}.",
        f"- Versions: {versions}.",
        *_merged_note(settings),
        f"- Caps per call: dense regressions predicted to need more than "
        f"{settings['memory_cap_gb']:g} GB or {settings['time_cap_s']:g} s are not run; other "
        "methods are not run where a call of theirs on the same game family at smaller or "
        "equal n and budget exceeded the cap or, scaled linearly to the budget, predicts more "
        f"than twice the cap of {settings['time_cap_s']:g} s (calls under a tenth of the cap are "
        "not extrapolated)"
        + "".join(f" ({k}: {v:g} s)" for k, v in (settings.get("time_caps") or {}).items())
        + f". Run limit {settings['max_minutes']:g} min.",
        "- R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)² on 1000 held-out uniform masks (own seed, never "
        "queried), against the noiseless function for noisy games; median over seeds (game "
        "instances, explained rows or reviews), (min–max) when there are several. Ours and "
        "shapiq's SPEX/ProxySPEX are scored by the function they recover, the others by the "
        "Möbius-form polynomial of their interaction values; *R² of index* scores every method "
        "by that polynomial.",
        "- Queries are counted by a wrapper around the game. Overhead = wall time outside the "
        "game (the method's own work); × SPEX (ours) = overhead / overhead of SPEX (ours) in "
        "the same row group. Peak MiB = growth of the resident set during the call "
        f"({settings['memory_probe']}). BLAS/OpenMP threads per call: "
        f"{settings.get('threads') or 'library defaults'}.",
        f"- P@{TOP_K} and rel. error compare the method's values with the exact values of the "
        "same index and order (from the known Möbius coefficients, via shapiq's "
        "MoebiusConverter), empty set excluded.",
    ]
    if result.warmups:
        texts = [
            f"{key} {value:.1f} s" if isinstance(value, float) else f"{key}: {value}"
            for key, value in result.warmups.items()
        ]
        lines.append(
            "- Every method ran once, untimed, before its first timed call (imports; numba "
            f"compilation for shapiq SPEX): {', '.join(texts)}."
        )
    configs = settings.get("method_configs", {})
    if configs:
        lines += ["", "Methods:", ""]
        lines += [f"- `{key}`: {text}" for key, text in configs.items()]
    return lines


def markdown(result: RunResult) -> str:
    """The report: header, summary of median R², one detail table per game, footnotes."""
    cells = aggregate(result.records)
    notes = _Notes()
    methods = list(dict.fromkeys(result.settings.get("methods") or [c.method for c in cells]))
    labels = {c.method: c.label for c in cells}
    methods = [m for m in methods if m in labels]
    by_key = {(c.game, c.budget, c.method): c for c in cells}
    games = _ordered_games(result, cells)
    lines = _header(result)
    lines += ["", "## Median R²", ""]
    lines += _summary_table(games, by_key, methods, labels, notes)
    lines += ["", "## Where a baseline beats ours", ""]
    lines += _behind([by_key[k] for k in by_key if k[0] in games])
    for game in games:
        group = [
            by_key[(game, b, m)]
            for b in sorted({b for (g, b, _m) in by_key if g == game})
            for m in methods
            if (game, b, m) in by_key
        ]
        reference = {c.budget: c for c in group if c.method == "spex"}
        instances = sorted(
            {f"{r.instance}" for r in result.records if r.game == game and r.instance}
        )
        lines += ["", f"## {group[0].title} (`{game}`)", ""]
        if instances:
            lines += [f"Instances: {'; '.join(instances)}.", ""]
        lines += _detail_table(game, group, reference, notes)
    if notes.texts:
        lines += ["", *notes.lines()]
    return "\n".join(lines) + "\n"
