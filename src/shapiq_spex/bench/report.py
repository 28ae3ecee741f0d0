"""Aggregate the records of a run into cells and write the JSON and the Markdown report."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from ..metrics import HOLDOUT_SEED, HOLDOUT_SIZE
from ._format import Notes, n_text, r2_text, ratio_text, seconds_text, with_range
from .cells import Cell, aggregate
from .compare import head_to_head
from .honest import honest_section
from .lead import first_order_section, lead_section
from .metrics import TOP_K
from .runner import Record, RunResult

__all__ = ["Cell", "aggregate", "console_table", "markdown", "merge_runs", "write_json"]


def removal_text(cell: Cell) -> str:
    """The median removal changes of a cell, ``k=1/5/10`` as ``0.12 / 0.45 / 0.80``."""
    if not cell.removal:
        return "—"
    return " / ".join(f"{summary.median:.3g}" for _k, summary in cell.removal)


def write_json(result: RunResult, path: Path) -> Path:
    """Write the run (environment, settings, every record) as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.to_dict(), indent=1, allow_nan=False) + "\n")
    return path


def _missing(cell: Cell, notes: Notes) -> str | None:
    """The marker of a cell without a (complete) value, or ``None`` for a complete cell."""
    if cell.status == "ok":
        return "".join(notes.ref(note) for note in cell.notes) or None
    refs = "".join(notes.ref(reason) for reason in cell.reasons)
    if cell.status == "partial":
        return f" [{cell.seeds_ok}/{cell.seeds} seeds]{refs}"
    return f"{cell.status}{refs}"


def _ordered_games(result: RunResult, cells: Sequence[Cell]) -> list[str]:
    order = result.settings.get("game_order") or []
    present = list(dict.fromkeys(c.game for c in cells))
    return [g for g in order if g in present] + [g for g in present if g not in order]


def _summary_table(
    games: Sequence[str], by_key: dict, methods: Sequence[str], labels: dict, notes: Notes
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
                value = r2_text(cell.r2.median) if cell.seeds_ok else ""
                texts.append(
                    value if marker is None else (f"{value}{marker}" if value else marker.strip())
                )
            lines.append(f"| {game} | {n_text(n_values)} | {budget} | " + " | ".join(texts) + " |")
    return lines


def _detail_row(cell: Cell, ref: Cell | None, game: str, notes: Notes) -> str:
    """One measured row: R² (range), index R², queries, times, ratio, memory, recovery."""
    ratio = (
        ratio_text(cell.overhead_s.median / ref.overhead_s.median)
        if ref is not None and ref.seeds_ok and ref.overhead_s.median > 0
        else "—"
    )
    queries = f"{cell.queries.median:.0f}"
    if cell.over_budget:
        queries += notes.ref(f"spent more queries than the budget ({cell.label}, {game})")
    r2 = with_range(cell.r2) + (_missing(cell, notes) or "")
    peak = f"{cell.peak_mb.median:,.0f}" if cell.peak_mb.count else "—"
    precision = f"{cell.precision.median:.2f}" if cell.precision.count else "—"
    error = f"{cell.rel_error.median:.3g}" if cell.rel_error.count else "—"
    name = f"**{cell.label}**" if cell.ours else cell.label
    r2_index = r2_text(cell.r2_index.median) if cell.r2_index.count else "—"
    game_s = seconds_text(cell.game_s.median) if cell.game_s.count else "—"
    return (
        f"| {cell.budget} | {name} | {r2} | {r2_index} | {queries} "
        f"| {seconds_text(cell.overhead_s.median)} | {ratio} | {game_s} "
        f"| {peak} | {precision} | {error} | {removal_text(cell)} |"
    )


def _detail_table(
    game: str, cells: Sequence[Cell], reference: tuple[str, dict[int, Cell]], notes: Notes
) -> list[str]:
    """Rows per budget and method; one ``all`` row for a method with no value for one reason.

    ``reference`` is the label of the method the overhead ratio divides by and its cells by
    budget.
    """
    label, by_budget = reference
    ks = next((tuple(k for k, _s in c.removal) for c in cells if c.removal), ())
    removal = f"removal Δ k={'/'.join(ks)}" if ks else "removal Δ"
    lines = [
        "| budget | method | R² median (min–max) | R² of index | queries | overhead s "
        f"| × {label} | in game s | peak MiB | P@{TOP_K} | rel. error | {removal} |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    several = len({c.budget for c in cells}) > 1
    collapsed: set[str] = set()
    for cell in cells:
        if cell.seeds_ok:
            lines.append(_detail_row(cell, by_budget.get(cell.budget), game, notes))
            continue
        same = [c for c in cells if c.method == cell.method]
        uniform = all(c.status == cell.status and c.reasons == cell.reasons for c in same)
        if several and uniform and cell.method in collapsed:
            continue
        collapsed.add(cell.method)
        budget = "all" if several and uniform else str(cell.budget)
        marker = (_missing(cell, notes) or "").strip()
        lines.append(f"| {budget} | {cell.label} | {marker} |" + " — |" * 9)
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
                    f"| {game} | {budget} | {ours.label} | {r2_text(ours.r2.median)} "
                    f"| {best.label} | {r2_text(best.r2.median)} |"
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
    merged = settings.get("merged") or []
    lines = []
    for merge in [merged] if isinstance(merged, dict) else merged:
        env = merge["from_run"]
        methods = merge["methods"]
        lines.append(
            f"- Records of {', '.join(f'`{m}`' for m in methods)} come from another run "
            f"({env['date']}, load average {env.get('load_average')}) of "
            f"{'that method' if len(methods) == 1 else 'those methods'}, merged in with "
            "`python -m benchmarks report --merge`; every other record is from the run above."
            + (f" {merge['note']}" if merge.get("note") else "")
        )
    return lines


def _resumed_note(settings: dict) -> list[str]:
    resumed = settings.get("resumed") or []
    if not resumed:
        return []
    parts = [
        f"{entry['records_taken']} records from the run of {entry['from_run'].get('date')}"
        for entry in resumed
    ]
    return [
        "- Resumed (`run --resume`): "
        + "; ".join(parts)
        + " were taken over; the wall time adds up every session."
    ]


def _caps_note(settings: dict) -> list[str]:
    if settings.get("memory_cap_gb") is None:
        return ["- No caps: every call ran to its end."]
    cap = settings["time_cap_s"]
    per_method = "".join(f" ({k}: {v:g} s)" for k, v in (settings.get("time_caps") or {}).items())
    return [
        f"- Caps per call: dense regressions predicted to need more than "
        f"{settings['memory_cap_gb']:g} GB or {cap:g} s are not run; other methods are not run "
        "where a call of theirs on the same game family at smaller or equal n and budget "
        f"exceeded the cap or, scaled linearly to the budget, predicts more than twice the cap "
        f"of {cap:g} s (calls under a tenth of the cap are not extrapolated){per_method}. Run "
        f"limit {settings['max_minutes']:g} min."
    ]


def _removal_note(settings: dict) -> list[str]:
    ks = settings.get("removal_k")
    if not ks:
        return []
    return [
        f"- Removal Δ (feature identification, k = {', '.join(map(str, ks))}): the k players "
        "with the largest Shapley-like importance φ_i = Σ_{T ∋ i} I(T)/|T| of the method's "
        "returned values (oriented by s = sign(v(N) − v(∅))) are removed from the full "
        "input, and the change s·(v(N) − v(N∖K)) of the noiseless game is reported; higher "
        "is better. These 2 + 3 queries per call are not counted in the method's budget."
    ]


def _holdout_note(settings: dict) -> str:
    holdout = settings.get("holdout") or {"size": HOLDOUT_SIZE, "seed": f"{HOLDOUT_SEED} + n"}
    return (
        f"- R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)² on {holdout['size']} held-out uniform masks drawn "
        f"with seed {holdout['seed']} (`shapiq_spex.metrics.holdout_masks`; never queried by a "
        "method), against the noiseless function for noisy games; median over seeds (game "
        "instances, explained rows or reviews), (min–max) when there are several. Ours and "
        "shapiq's SPEX/ProxySPEX are scored by the function they recover, the others by the "
        "Möbius-form polynomial of their interaction values; *R² of index* scores every method "
        "by that polynomial."
        + "".join(
            f" `{game}`: {size} held-out masks (its queries are slow)."
            for game, size in (settings.get("holdout_sizes") or {}).items()
        )
    )


def _header(result: RunResult) -> list[str]:
    env = result.environment
    versions = ", ".join(f"{k} {v}" for k, v in env["versions"].items() if v)
    settings = result.settings
    machine = f"{env.get('cpu') or env.get('machine')} ({env['cpus']} CPUs" + (
        f", load average {env['load_average']})" if env.get("load_average") else ")"
    )
    lines = [
        f"# Faithfulness benchmark: suite `{result.suite}`",
        "",
        f"{result.description[0].upper()}{result.description[1:]}.",
        "",
        f"- Run {env['date']} on {machine}, Python {env['python']}; wall time "
        f"{_duration(result.wall_s) if result.wall_s else 'not recorded'}.",
        f"- Versions: {versions}.",
        *([f"- {settings['provenance']}"] if settings.get("provenance") else []),
        *_merged_note(settings),
        *_resumed_note(settings),
        *_caps_note(settings),
        _holdout_note(settings),
        "- Queries are counted by a wrapper around the game. Overhead = wall time outside the "
        "game (the method's own work); the × column divides it by the overhead of "
        f"`{settings.get('reference') or 'spex'}` in the same row group. Peak MiB = growth of "
        f"the resident set during the call ({settings.get('memory_probe') or 'not measured'}). "
        f"BLAS/OpenMP threads per call: {settings.get('threads') or 'library defaults'}.",
        f"- P@{TOP_K} and rel. error compare the method's values with the exact values of the "
        "same index and order (from the known Möbius coefficients, via shapiq's "
        "MoebiusConverter), empty set excluded.",
        *_removal_note(settings),
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


def console_table(result: RunResult) -> str:
    """The median R² of every (game, budget) and method that ran, as aligned plain text.

    What ``run`` prints when it finishes: the report's first table without its footnotes, and
    without the columns of methods that have no value anywhere (those excluded from the suite).
    A cell without a complete value shows its status (``n/a``, ``error``, ``k/s seeds``).
    """
    cells = aggregate(result.records)
    by_key = {(c.game, c.budget, c.method): c for c in cells}
    labels = {c.method: c.label for c in cells}
    order = result.settings.get("methods") or list(labels)
    methods = [m for m in dict.fromkeys(order) if any(c.method == m and c.seeds_ok for c in cells)]
    rows = [["game", "n", "budget", *(labels[m] for m in methods)]]
    for game in _ordered_games(result, cells):
        for budget in sorted({b for (g, b, _m) in by_key if g == game}):
            present = [by_key[k] for k in by_key if k[:2] == (game, budget)]
            row = [game, n_text(tuple(sorted({n for c in present for n in c.n}))), str(budget)]
            for method in methods:
                cell = by_key.get((game, budget, method))
                if cell is None:
                    row.append("")
                elif cell.status == "ok":
                    row.append(r2_text(cell.r2.median))
                elif cell.status == "partial":
                    row.append(f"{r2_text(cell.r2.median)} ({cell.seeds_ok}/{cell.seeds} seeds)")
                else:
                    row.append(cell.status)
            rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            text.ljust(w) if i == 0 else text.rjust(w)
            for i, (text, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "Median R² on held-out masks (higher is better; 1 = exact):\n" + "\n".join(
        line.rstrip() for line in lines
    )


def markdown(result: RunResult) -> str:
    """The report: header, median R², head-to-head tables, one detail table per game, notes."""
    cells = aggregate(result.records)
    notes = Notes()
    methods = list(dict.fromkeys(result.settings.get("methods") or [c.method for c in cells]))
    labels = {c.method: c.label for c in cells}
    methods = [m for m in methods if m in labels]
    by_key = {(c.game, c.budget, c.method): c for c in cells}
    games = _ordered_games(result, cells)
    lines = _header(result)
    lines += ["", "## Median R²", ""]
    lines += _summary_table(games, by_key, methods, labels, notes)
    if result.settings.get("lead_budget"):
        lines += lead_section(cells, games, result.settings["lead_budget"])
        lines += first_order_section(cells, games)
    lines += honest_section(result.records, full=bool(result.settings.get("honest")))
    for ours, baseline in result.settings.get("head_to_head") or []:
        lines += [
            "",
            f"## Head to head: {labels.get(ours, ours)} and {labels.get(baseline, baseline)}",
            "",
        ]
        lines += head_to_head(result.records, ours, baseline, games, notes)
    lines += ["", "## Where a baseline beats ours", ""]
    lines += _behind([by_key[k] for k in by_key if k[0] in games])
    reference = result.settings.get("reference") or "spex"
    for game in games:
        group = [
            by_key[(game, b, m)]
            for b in sorted({b for (g, b, _m) in by_key if g == game})
            for m in methods
            if (game, b, m) in by_key
        ]
        by_budget = {c.budget: c for c in group if c.method == reference}
        instances = sorted(
            {f"{r.instance}" for r in result.records if r.game == game and r.instance}
        )
        lines += ["", f"## {group[0].title} (`{game}`)", ""]
        if instances:
            lines += [f"Instances: {'; '.join(instances)}.", ""]
        lines += _detail_table(game, group, (labels.get(reference, reference), by_budget), notes)
    if notes.texts:
        lines += ["", *notes.lines()]
    return "\n".join(lines) + "\n"


def _key(record: Record) -> tuple:
    return (record.game, record.instance, record.budget, record.seed, record.method)


def merge_runs(base: RunResult, patch: RunResult, methods: Iterable[str]) -> RunResult:
    """``base`` with the records of ``methods`` taken from ``patch``.

    For a change that touches one method only: re-run that method (``run --methods``) and
    merge its records into the full results instead of re-running every baseline; or merge a
    slow baseline's records of an earlier run into a new run that left it out. A record of
    ``base`` is replaced by the ``patch`` record with the same (game, instance, budget, seed,
    method); ``patch`` records that ``base`` lacks are appended. The merged settings say which
    methods came from which run, and the report prints it.

    Args:
        base: The run to update (not modified).
        patch: The run that provides the records of ``methods``.
        methods: Method keys.

    Returns:
        The merged run.

    Raises:
        ValueError: If ``patch`` has no record of ``methods`` at all, or lacks one that
            ``base`` has.
    """
    wanted = set(methods)
    replacement = {_key(r): r for r in patch.records if r.method in wanted}
    if not replacement:
        msg = f"the patch run has no record of the methods {sorted(wanted)}"
        raise ValueError(msg)
    records = []
    for record in base.records:
        if record.method in wanted:
            if _key(record) not in replacement:
                msg = f"the patch run has no record for {_key(record)}"
                raise ValueError(msg)
            record = replacement.pop(_key(record))
        records.append(record)
    records += replacement.values()
    settings = dict(base.settings)
    previous = settings.get("merged") or []
    settings["merged"] = [*([previous] if isinstance(previous, dict) else previous), {
        "methods": sorted(wanted),
        "from_run": patch.environment,
        "wall_s_of_patch_run": patch.wall_s,
    }]  # fmt: skip
    settings["methods"] = list(settings.get("methods", []))
    settings["method_configs"] = dict(settings.get("method_configs", {}))
    for method in sorted(wanted - set(settings["methods"])):
        settings["methods"].append(method)
        settings["method_configs"][method] = patch.settings.get("method_configs", {}).get(
            method, ""
        )
    warmups = dict(base.warmups)
    warmups.update({m: v for m, v in patch.warmups.items() if m in wanted})
    return replace(base, settings=settings, records=records, warmups=warmups)
