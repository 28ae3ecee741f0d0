"""The benchmark's commands: ``run`` a suite, ``report`` a results JSON again, ``list``, ...

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

Options shared with ``explain`` (``--seed``, ``--quiet``, budgets and targets, output folders)
are declared by :mod:`.options` and parsed by :mod:`.argtypes`, so they are checked and fail in
the same way; runs show the one progress bar of :mod:`.progress`. This module imports only the
standard library at import time, so the main command can build its parser cheaply.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .argtypes import non_negative_int, positive_float, positive_int
from .options import (
    EXIT_INTERRUPTED,
    Parser,
    add_budget,
    add_keys,
    add_out,
    add_quiet,
    add_seed,
    add_target,
    fail,
    until_the_pipe_closes,
)

if TYPE_CHECKING:
    from ..bench.runner import RunResult

__all__ = ["DEFAULT_OUT", "add_run_arguments", "build_parser", "main", "run_command"]

DEFAULT_OUT = Path("bench-results")
PROG = "python -m benchmarks"
_PARTIAL = "partial"  # --resume without a file: the run's own checkpoint


def add_run_arguments(parser: argparse.ArgumentParser, *, default_out: Path = DEFAULT_OUT) -> None:
    """Add the options of ``run`` (also used by ``shapiq-spex bench``) to ``parser``."""
    parser.add_argument(
        "--suite",
        default="quick",
        help="tiny, quick (default), full, real, spex-vs-shapiq or proxyspex-vs-shapiq",
    )
    add_out(parser, default_out)
    add_keys(parser, "--methods", "comma-separated method keys replacing the suite's")
    add_keys(parser, "--games", "comma-separated game keys of the suite")
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
        type=non_negative_int,
        default=1,
        help="BLAS/OpenMP threads of every call (default 1, as ours uses; 0: library defaults)",
    )
    parser.add_argument(
        "--llm",
        action="store_true",
        help="add the slow offline-LLM game (SmolLM2, ~0.15 s per query; needs the llm extra)",
    )
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    add_quiet(parser)
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
    parser = Parser(
        prog=PROG,
        description="Faithfulness benchmark of SPEX/ProxySPEX against shapiq's approximators.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    run = sub.add_parser("run", help="run a suite: JSON, Markdown table and PNG plots")
    add_run_arguments(run, default_out=default_out)
    sub.add_parser("list", help="list the suites, games and methods")
    report = sub.add_parser("report", help="rewrite the table and plots of a results JSON")
    report.add_argument("json", type=Path, help="a results JSON written by run")
    add_out(report, None, "output folder (default: the JSON's)")
    report.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    report.add_argument(
        "--merge",
        type=Path,
        metavar="PATCH",
        help="take the records of --methods from this other results JSON (e.g. a re-run of "
        "one changed method) and rewrite the merged JSON, table and plots",
    )
    add_keys(report, "--methods", "method keys taken from --merge")
    stopping = sub.add_parser(
        "stopping", help="ProxySPEX with target_faithfulness against fixed budgets (JSON + md)"
    )
    add_keys(stopping, "--games", "comma-separated game keys (default: the cheap real games)")
    add_budget(stopping, "--cap", "--budget", default=4000, help="budget cap (default 4000)")
    add_target(stopping, "--target", "--target-r2", default=0.9, help="target R² (0 < X < 1; 0.9)")
    add_seed(stopping, help="seed of games and calls (default 0)")
    stopping.add_argument(
        "--max-minutes", type=positive_float, default=30.0, help="no new game after this (30)"
    )
    stopping.add_argument("--resume", action="store_true", help="skip games already in the JSON")
    add_out(stopping, default_out)
    add_quiet(stopping)
    micro = sub.add_parser("micro", help="a micro-benchmark of one component (JSON)")
    micro.add_argument("name", choices=("cache", "extraction"))
    add_out(micro, default_out)
    return parser


def _list() -> str:
    from ..bench.games import GAMES
    from ..bench.methods import METHODS
    from ..bench.suites import SUITES

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
    from ..bench.plots import plot_run
    from ..bench.report import markdown, write_json

    out.mkdir(parents=True, exist_ok=True)
    stem = result.suite
    paths = [write_json(result, out / f"{stem}.json"), out / f"{stem}.md"]
    paths[1].write_text(markdown(result))
    if plots:
        paths += plot_run(result, out, stem)
    return paths


def _read(path: Path) -> RunResult:
    import json

    from ..bench.runner import RunResult

    try:
        return RunResult.from_dict(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        msg = f"cannot read {path}: {exc}"
        raise ValueError(msg) from None


def _report_command(args: argparse.Namespace, prog: str) -> int:
    from ..bench.report import merge_runs

    if (args.merge is None) != (args.methods is None):
        return fail(prog, "--merge and --methods go together")
    try:
        result = _read(args.json)
        if args.merge is not None:
            result = merge_runs(result, _read(args.merge), args.methods)
            print(f"merged {', '.join(args.methods)} from {args.merge}")
    except ValueError as exc:
        return fail(prog, str(exc))
    for path in _write_outputs(result, args.out or args.json.parent, plots=not args.no_plots):
        print(f"wrote {path}")
    return 0


def _micro_command(args: argparse.Namespace) -> int:
    import json

    from ..bench.harness import environment
    from ..bench.micro import MICRO

    figures, lines = MICRO[args.name]()
    figures["environment"] = environment()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{'cache_overhead' if args.name == 'cache' else args.name}.json"
    path.write_text(json.dumps(figures, indent=1) + "\n")
    print("\n".join(lines))
    print(f"wrote {path}")
    return 0


def _stopping_command(args: argparse.Namespace, prog: str) -> int:
    import json
    import time

    from ..bench.games import get_game
    from ..bench.harness import environment
    from ..bench.stopping import STOPPING_GAMES, StoppingResult, stopping_markdown, target_stopping
    from .progress import Progress

    keys = args.games or list(STOPPING_GAMES)
    try:
        specs = [get_game(key) for key in keys]
    except KeyError as exc:
        return fail(prog, exc.args[0])
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "stopping.json"
    results: list[StoppingResult] = []
    if args.resume and path.exists():
        results = [StoppingResult(**row) for row in json.loads(path.read_text())["results"]]
    done = {(r.game, r.cap, r.target, r.seed) for r in results}
    env = environment()
    deadline = time.perf_counter() + 60.0 * args.max_minutes
    with Progress(len(specs), desc="games", unit="game", quiet=args.quiet) as progress:
        for number, spec in enumerate(specs):
            progress.reach(number, len(specs))
            if (spec.key, args.cap, args.target, args.seed) in done:
                continue
            if time.perf_counter() > deadline:
                progress.say(f"{spec.key}: not run, --max-minutes {args.max_minutes:g} reached")
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
                return fail(prog, str(exc))
            results.append(result)
            progress.say(
                f"{spec.key}: stopped at {result.queries} queries (reported "
                f"{result.reported}, R2 {result.r2:.3f}), matched by fixed {result.matched}"
            )
            payload = {"environment": env, "results": [r.to_dict() for r in results]}
            path.write_text(json.dumps(payload, indent=1, allow_nan=False) + "\n")
    markdown_path = args.out / "stopping.md"
    markdown_path.write_text(stopping_markdown(results, env))
    print(f"wrote {path}\nwrote {markdown_path}")
    return 0


def run_command(args: argparse.Namespace, *, prog: str = PROG) -> int:
    """Run the suite of parsed ``run``/``bench`` arguments; returns the exit code.

    Args:
        args: The parsed options of :func:`add_run_arguments`.
        prog: The command named in error messages.
    """
    from ..bench.report import console_table, write_json
    from ..bench.runner import run_suite
    from ..bench.suites import LLM_ENTRY, get_suite
    from .progress import Progress

    try:
        suite = get_suite(args.suite)
    except KeyError as exc:
        return fail(prog, exc.args[0])
    partial = args.out / f"{suite.name}.partial.json"
    resume = getattr(args, "resume", None)
    source = partial if resume == _PARTIAL else None if resume is None else Path(resume)
    with Progress(None, desc="calls", unit="call", quiet=args.quiet) as progress:
        try:
            previous = None
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
                log=progress.say,
                progress=progress.reach,
                previous=previous,
                checkpoint=lambda run: write_json(run, partial),
            )
        except KeyError as exc:
            return fail(prog, exc.args[0])
        except ValueError as exc:
            return fail(prog, str(exc))
    paths = _write_outputs(result, args.out, plots=not args.no_plots)
    print(console_table(result))
    partial.unlink(missing_ok=True)
    print(f"suite {suite.name}: {len(result.records)} records in {result.wall_s:.0f} s")
    for path in paths:
        print(f"wrote {path}")
    return 0


def main(argv: Sequence[str] | None = None, *, default_out: Path = DEFAULT_OUT) -> int:
    """Entry point of ``python -m benchmarks``; returns the exit code."""
    parser = build_parser(default_out=default_out)
    return until_the_pipe_closes(lambda: _dispatch(parser.parse_args(argv)))


def _dispatch(args: argparse.Namespace) -> int:
    try:
        if args.command == "list":
            print(_list())
            return 0
        if args.command == "report":
            return _report_command(args, PROG)
        if args.command == "micro":
            return _micro_command(args)
        if args.command == "stopping":
            return _stopping_command(args, PROG)
        return run_command(args)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
