"""SPEX (ours) against shapiq 1.8's SPEX, side by side in one process.

Grid: SOUM (K unanimity terms of size 1-4) at n = 64, 256, 1024 and random Fourier-sparse
functions (100 terms of degree <= 5) at n = 256, 1024, budgets 2000 / 8000 / 32000, three seeds
each; plus ours alone at n = 10,000 (100 terms of degree <= 3, budget 20,000). Reports median R²
on 1000 held-out uniform masks (min-max), queries spent, method overhead (time outside the game)
and the overhead ratio. Run: ``python -m benchmarks.spex_vs_shapiq [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc
import warnings
from dataclasses import asdict
from pathlib import Path

import numpy as np
from shapiq_games.synthetic import SOUM

from shapiq_spex import SPEX
from shapiq_spex.games import SparseFourierGame
from shapiq_spex.spectral import SparseMoebius

from ._harness import RESULTS, Run, save, timed

SOUM_TERMS = {64: 20, 256: 50, 1024: 50}


def ours(n: int, budget: int, seed: int):
    def call(game):
        spex = SPEX(n, max_order=2, index="FBII", random_state=seed)
        spex.approximate(budget, game)
        return spex.fourier_

    return call


def reference(n: int, budget: int, seed: int):
    from shapiq.approximator.sparse import SPEX as ShapiqSPEX

    def call(game):
        spex = ShapiqSPEX(n=n, max_order=2, index="FBII", random_state=seed)
        captured = {}
        original = spex._process_moebius

        def capture(moebius_transform):
            captured.update(moebius_transform)
            return original(moebius_transform)

        spex._process_moebius = capture
        np.random.seed(seed)  # noqa: NPY002 - shapiq's SPEX draws from numpy's global generator
        spex.approximate(budget, game)
        return SparseMoebius.from_dict(captured, n)

    return call


def games(quick: bool, kinds: set[str], ns: set[int] | None, seeds: list[int]):
    """The grid's games, filtered by kind ("soum", "fourier"), n and seed."""
    seeds = seeds[:1] if quick else seeds
    if "soum" in kinds:
        for n in [64, 256] if quick else [64, 256, 1024]:
            for s in seeds:
                if ns is None or n in ns:
                    game = SOUM(
                        n, SOUM_TERMS[n], min_interaction_size=1, max_interaction_size=4,
                        random_state=s,
                    )  # fmt: skip
                    yield f"SOUM K={SOUM_TERMS[n]}", n, s, game
    if "fourier" in kinds:
        for n in [256] if quick else [256, 1024]:
            for s in seeds:
                if ns is None or n in ns:
                    game = SparseFourierGame.random(n, 100, 5, random_state=s)
                    yield "Fourier 100x<=5", n, s, game


def median_row(runs: list[Run]) -> tuple[float, float, float, int, float]:
    r2 = np.array([r.r2 for r in runs])
    return (
        float(np.median(r2)),
        float(r2.min()),
        float(r2.max()),
        int(np.median([r.queries for r in runs])),
        float(np.median([r.overhead_s for r in runs])),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small grid for a smoke run")
    parser.add_argument("--games", default="soum,fourier", help="comma list: soum, fourier")
    parser.add_argument("--ns", default="", help="comma list of n (default: all)")
    parser.add_argument("--seeds", default="0,1,2", help="comma list of seeds")
    parser.add_argument("--methods", default="ours,shapiq", help="comma list: ours, shapiq")
    parser.add_argument("--no-scale", action="store_true", help="skip the n=10,000 case")
    parser.add_argument(
        "--no-first-call", action="store_true", help="skip the first/warm reference timing"
    )
    parser.add_argument("--tag", default="", help="suffix of the results files")
    parser.add_argument(
        "--table-from", nargs="*", help="only build the table from these JSONL files"
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    budgets = [2000, 8000] if args.quick else [2000, 8000, 32000]
    name = ("spex_vs_shapiq_quick" if args.quick else "spex_vs_shapiq") + args.tag
    if args.table_from is not None:
        runs = [Run(**row) for path in args.table_from for row in _read_jsonl(path)]
        _write_table(name, runs, budgets)
        return
    stream = RESULTS / f"{name}.jsonl"
    RESULTS.mkdir(exist_ok=True)
    runs: list[Run] = []

    def record(run: Run) -> None:
        # Every run is appended as it completes: an interrupted benchmark keeps its results.
        runs.append(run)
        with stream.open("a") as handle:
            handle.write(json.dumps(asdict(run), default=str) + "\n")

    if not args.no_first_call:
        # First call of shapiq's SPEX in this process (numba compilation), timed separately.
        warm = SparseFourierGame.random(256, 50, 5, random_state=99)
        first = timed(
            "shapiq SPEX (first call)", "Fourier 50", warm, 256, 8000, 0, reference(256, 8000, 0)
        )
        second = timed(
            "shapiq SPEX (warm)", "Fourier 50", warm, 256, 8000, 0, reference(256, 8000, 0)
        )
        mine = timed("ours", "Fourier 50", warm, 256, 8000, 0, ours(256, 8000, 0))
        for run in (first, second, mine):
            record(run)
        print(
            f"n=256 B=8000 overhead: shapiq first call {first.overhead_s:.1f}s, warm "
            f"{second.overhead_s:.2f}s, ours {mine.overhead_s:.3f}s "
            f"(ratio warm {second.overhead_s / mine.overhead_s:.0f}x)",
            flush=True,
        )

    wanted = set(args.methods.split(","))
    choices = (("ours", "ours", ours), ("shapiq", "shapiq SPEX", reference))
    methods = [(label, factory) for key, label, factory in choices if key in wanted]
    kinds = set(args.games.split(","))
    ns = {int(v) for v in args.ns.split(",") if v} or None
    seeds = [int(v) for v in args.seeds.split(",") if v]
    for game_name, n, seed, game in games(args.quick, kinds, ns, seeds):
        for budget in budgets:
            for label, factory in methods:
                try:
                    run = timed(label, game_name, game, n, budget, seed, factory(n, budget, seed))
                except ValueError as exc:  # budget below the method's minimum
                    run = Run(
                        label, game_name, n, budget, seed, 0, float("nan"), 0, 0,
                        {"error": str(exc)},
                    )  # fmt: skip
                record(run)
                print(
                    f"{label:12s} {game_name:16s} n={n:5d} B={budget:6d} seed={seed} "
                    f"q={run.queries:6d} R2={run.r2:.4f} overhead={run.overhead_s:.3f}s",
                    flush=True,
                )

    if not args.no_scale:
        _scale_case(record)
    _write_table(name, runs, budgets)


def _read_jsonl(path: str) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def _write_table(name: str, runs: list[Run], budgets: list[int]) -> None:
    table = markdown(runs, budgets)
    print(table)
    path = save(name, runs, {"table": table})
    path.with_suffix(".md").write_text(table + "\n")
    print(f"wrote {path}")


def _scale_case(record) -> None:
    """Ours alone at n = 10,000 (the reference needs minutes per call here)."""
    n = 10_000
    game = SparseFourierGame.random(n, 100, 3, random_state=0)
    tracemalloc.start()
    start = time.perf_counter()
    big = timed("ours", "Fourier 100x<=3", game, n, 20_000, 0, ours(n, 20_000, 0))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    big.extra["peak_mb"] = peak / 2**20
    del start
    record(big)
    print(
        f"n=10000 B=20000: R2={big.r2:.4f} overhead={big.overhead_s:.2f}s "
        f"peak={peak / 2**20:.0f} MiB queries={big.queries}",
        flush=True,
    )


def markdown(runs: list[Run], budgets: list[int]) -> str:
    lines = [
        "| game | n | budget | ours R² (min-max) | shapiq R² (min-max) | ours queries "
        "| shapiq queries | ours overhead s | shapiq overhead s | overhead ratio |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    keys = sorted(
        {(r.game, r.n, r.budget) for r in runs if r.method in ("ours", "shapiq SPEX")},
        key=lambda k: (k[0], k[1], k[2]),
    )
    for game, n, budget in keys:
        group = {
            m: [r for r in runs if (r.game, r.n, r.budget, r.method) == (game, n, budget, m)]
            for m in ("ours", "shapiq SPEX")
        }
        if not group["ours"]:
            continue
        o = median_row(group["ours"])
        if not group["shapiq SPEX"]:
            lines.append(
                f"| {game} | {n} | {budget} | {o[0]:.3f} ({o[1]:.3f}-{o[2]:.3f}) | not measured | "
                f"{o[3]} | - | {o[4]:.2f} | - | - |"
            )
            continue
        s = median_row(group["shapiq SPEX"])
        ratio = s[4] / o[4] if o[4] > 0 else float("nan")
        seeds = len(group["shapiq SPEX"])
        lines.append(
            f"| {game} | {n} | {budget} | {o[0]:.3f} ({o[1]:.3f}-{o[2]:.3f}) | "
            f"{s[0]:.3f} ({s[1]:.3f}-{s[2]:.3f}){'' if seeds >= 3 else f' [{seeds} seed]'} | "
            f"{o[3]} | {s[3]} | {o[4]:.2f} | {s[4]:.2f} | {ratio:.0f}x |"
        )
    del budgets
    return "\n".join(lines)


if __name__ == "__main__":
    main()
