"""Command line of the benchmark: ``run`` a suite, ``report`` a results JSON again, ``list``.

Usage::

    python -m benchmarks run --suite quick [--out DIR]
    python -m benchmarks run --suite spex-vs-shapiq      # head to head with shapiq's SPEX
    python -m benchmarks run --suite real --resume       # real models (continues a cut run)
    python -m benchmarks run --suite honest --resume     # reported vs true faithfulness
    python -m benchmarks stopping --cap 4000 --target 0.9   # target stopping vs fixed budgets
    python -m benchmarks report benchmarks/results/quick.json   # table and plots again
    python -m benchmarks report full.json --merge rerun.json --methods proxyspex
    python -m benchmarks micro cache                     # or: extraction
    python -m benchmarks list
    shapiq-spex bench --suite quick

This module imports only the standard library at import time, so the main command can build
its parser cheaply.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..cli.argtypes import positive_float, positive_int

if TYPE_CHECKING:
    from .runner import RunResult

__all__ = ["DEFAULT_OUT", "add_run_arguments", "build_parser", "main", "run_command"]

DEFAULT_OUT = Path("bench-results")
_PARTIAL = "partial"  # --resume without a file: the run's own checkpoint


def _keys(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def add_run_arguments(parser: argparse.ArgumentParser, *, default_out: Path = DEFAULT_OUT) -> None:
    """Add the options of ``run`` (also used by ``shapiq-spex bench``) to ``parser``."""
    parser.add_argument(
        "--suite",
        default="quick",
        help="tiny, quick (default), full, real, spex-vs-shapiq or proxyspex-vs-shapiq",
    )
    parser.add_argument(
        "--out", type=Path, default=default_out, help=f"output directory (default {default_out})"
    )
    parser.add_argument(
        "--methods", type=_keys, help="comma-separated method keys replacing the suite's"
    )
    parser.add_argument("--games", type=_keys, help="comma-separated game keys of the suite")
    parser.add_argument("--seeds", type=positive_int, help="seeds per game, replacing the suite's")
    parser.add_argument("--time-cap", type=positive_float, help="per-call time cap in seconds")
    parser.add_argument(
        "--memory-cap-gb", type=positive_float, help="dense-regression memory cap in GB"
    )
    parser.add_argument("--max-minutes", type=positive_float, help="wall-clock limit of the run")
    parser.add_argument(
        "--memory",
        choices=("rss", "tracemalloc", "off"),
        default="rss",
        help="peak-memory probe (default rss: no overhead, native allocations included)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="BLAS/OpenMP threads of every call (default 1, as ours uses; 0: library defaults)",
    )
    parser.add_argument(
        "--llm",
        action="store_true",
        help="add the slow offline-LLM game (SmolLM2, ~0.15 s per query; needs the llm extra)",
    )
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.add_argument(
        "--resume",
        nargs="?",
        const=_PARTIAL,
        metavar="JSON",
        help="take over the measured calls of an interrupted run, OUT/SUITE.partial.json "
        "(written every 20 s while a run goes; a fresh start when there is none), or of the "
        "results JSON given, and run only the others (e.g. calls cut by --max-minutes)",
    )


def build_parser(*, default_out: Path = DEFAULT_OUT) -> argparse.ArgumentParser:
    """The parser of ``python -m benchmarks``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Faithfulness benchmark of SPEX/ProxySPEX against shapiq's approximators.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a suite: JSON, Markdown table and PNG plots")
    add_run_arguments(run, default_out=default_out)
    sub.add_parser("list", help="list the suites, games and methods")
    report = sub.add_parser("report", help="rewrite the table and plots of a results JSON")
    report.add_argument("json", type=Path, help="a results JSON written by run")
    report.add_argument("--out", type=Path, help="output directory (default: the JSON's)")
    report.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    report.add_argument(
        "--merge",
        type=Path,
        metavar="PATCH",
        help="take the records of --methods from this other results JSON (e.g. a re-run of "
        "one changed method) and rewrite the merged JSON, table and plots",
    )
    report.add_argument("--methods", type=_keys, help="method keys taken from --merge")
    stopping = sub.add_parser(
        "stopping", help="ProxySPEX with target_faithfulness against fixed budgets (JSON + md)"
    )
    stopping.add_argument(
        "--games", type=_keys, help="comma-separated game keys (default: the cheap real games)"
    )
    stopping.add_argument("--cap", type=positive_int, default=4000, help="budget cap (4000)")
    stopping.add_argument("--target", type=positive_float, default=0.9, help="target (0.9)")
    stopping.add_argument("--seed", type=int, default=0, help="seed of games and calls (0)")
    stopping.add_argument(
        "--max-minutes", type=positive_float, default=30.0, help="no new game after this (30)"
    )
    stopping.add_argument("--resume", action="store_true", help="skip games already in the JSON")
    stopping.add_argument(
        "--out", type=Path, default=default_out, help=f"output directory (default {default_out})"
    )
    micro = sub.add_parser("micro", help="a micro-benchmark of one component (JSON)")
    micro.add_argument("name", choices=("cache", "extraction"))
    micro.add_argument(
        "--out", type=Path, default=default_out, help=f"output directory (default {default_out})"
    )
    return parser


def _list() -> str:
    from .games import GAMES
    from .methods import METHODS
    from .suites import SUITES

    lines = ["suites:"]
    for suite in SUITES.values():
        calls = [
            (method, e.game, budget, seed)
            for e in suite.entries
            for budget in e.budgets
            for method in suite.methods
            for seed in range(e.seeds or suite.seeds)
        ]
        excluded = sum(bool(suite.excluded(*call)) for call in calls)
        lines.append(
            f"  {suite.name:19s} {len(calls):5d} calls ({excluded} excluded)  {suite.description}"
        )
    lines.append("games:")
    lines += [f"  {key:22s} {spec.title}" for key, spec in GAMES.items()]
    lines.append("methods:")
    lines += [f"  {key:18s} {spec.label:26s} {spec.config}" for key, spec in METHODS.items()]
    return "\n".join(lines)


def _write_outputs(result: RunResult, out: Path, *, plots: bool) -> list[Path]:
    from .plots import plot_run
    from .report import markdown, write_json

    out.mkdir(parents=True, exist_ok=True)
    stem = result.suite
    paths = [write_json(result, out / f"{stem}.json"), out / f"{stem}.md"]
    paths[1].write_text(markdown(result))
    if plots:
        paths += plot_run(result, out, stem)
    return paths


def _read(path: Path) -> RunResult:
    import json

    from .runner import RunResult

    try:
        return RunResult.from_dict(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        msg = f"cannot read {path}: {exc}"
        raise ValueError(msg) from None


def _report_command(args: argparse.Namespace) -> int:
    from .report import merge_runs

    if (args.merge is None) != (args.methods is None):
        print("error: --merge and --methods go together", file=sys.stderr)
        return 2
    try:
        result = _read(args.json)
        if args.merge is not None:
            result = merge_runs(result, _read(args.merge), args.methods)
            print(f"merged {', '.join(args.methods)} from {args.merge}")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in _write_outputs(result, args.out or args.json.parent, plots=not args.no_plots):
        print(f"wrote {path}")
    return 0


def _micro_command(args: argparse.Namespace) -> int:
    import json

    from .harness import environment
    from .micro import MICRO

    figures, lines = MICRO[args.name]()
    figures["environment"] = environment()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{'cache_overhead' if args.name == 'cache' else args.name}.json"
    path.write_text(json.dumps(figures, indent=1) + "\n")
    print("\n".join(lines))
    print(f"wrote {path}")
    return 0


def _stopping_command(args: argparse.Namespace) -> int:
    import json
    import time

    from .games import get_game
    from .harness import environment
    from .stopping import STOPPING_GAMES, StoppingResult, stopping_markdown, target_stopping

    keys = args.games or list(STOPPING_GAMES)
    try:
        specs = [get_game(key) for key in keys]
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "stopping.json"
    results: list[StoppingResult] = []
    if args.resume and path.exists():
        results = [StoppingResult(**row) for row in json.loads(path.read_text())["results"]]
    done = {(r.game, r.cap, r.target, r.seed) for r in results}
    env = environment()
    deadline = time.perf_counter() + 60.0 * args.max_minutes
    for spec in specs:
        if (spec.key, args.cap, args.target, args.seed) in done:
            continue
        if time.perf_counter() > deadline:
            print(f"{spec.key}: not run, --max-minutes {args.max_minutes:g} reached")
            continue
        instance = spec.build(args.seed)
        try:
            result = target_stopping(
                instance.make(),
                instance.n,
                cap=args.cap,
                target=args.target,
                seed=args.seed,
                key=spec.key,
                instance=instance.label,
            )
        except NotImplementedError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        results.append(result)
        print(
            f"{spec.key}: stopped at {result.queries} queries (reported "
            f"{result.reported}, R2 {result.r2:.3f}), matched by fixed {result.matched}",
            flush=True,
        )
        payload = {"environment": env, "results": [r.to_dict() for r in results]}
        path.write_text(json.dumps(payload, indent=1, allow_nan=False) + "\n")
    markdown_path = args.out / "stopping.md"
    markdown_path.write_text(stopping_markdown(results, env))
    print(f"wrote {path}\nwrote {markdown_path}")
    return 0


def run_command(args: argparse.Namespace) -> int:
    """Run the suite of parsed ``run``/``bench`` arguments; returns the exit code."""
    from .report import console_table, write_json
    from .runner import run_suite
    from .suites import LLM_ENTRY, get_suite

    try:
        suite = get_suite(args.suite)
        partial = args.out / f"{suite.name}.partial.json"
        previous = None
        resume = getattr(args, "resume", None)
        source = partial if resume == _PARTIAL else None if resume is None else Path(resume)
        if source is not None and (source.exists() or source != partial):
            previous = _read(source)
            print(f"resuming from {source} ({len(previous.records)} records)")
        result = run_suite(
            suite,
            methods=args.methods,
            games=args.games,
            seeds=args.seeds,
            time_cap_s=args.time_cap,
            memory_cap_gb=args.memory_cap_gb,
            max_minutes=args.max_minutes,
            memory=args.memory,
            threads=args.threads or None,
            extra=(LLM_ENTRY,) if args.llm else (),
            log=None if args.quiet else (lambda line: print(line, flush=True)),
            previous=previous,
            checkpoint=lambda run: write_json(run, partial),
        )
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    paths = _write_outputs(result, args.out, plots=not args.no_plots)
    print(console_table(result))
    partial.unlink(missing_ok=True)
    print(f"suite {suite.name}: {len(result.records)} records in {result.wall_s:.0f} s")
    for path in paths:
        print(f"wrote {path}")
    return 0


def main(argv: Sequence[str] | None = None, *, default_out: Path = DEFAULT_OUT) -> int:
    """Entry point of ``python -m benchmarks``; returns the exit code."""
    args = build_parser(default_out=default_out).parse_args(argv)
    if args.command == "list":
        print(_list())
        return 0
    if args.command == "report":
        return _report_command(args)
    if args.command == "micro":
        return _micro_command(args)
    if args.command == "stopping":
        return _stopping_command(args)
    return run_command(args)
