"""The ``shapiq-spex`` console command: ``demo``, ``explain text``, ``explain csv``, ``bench``.

Every bad input ends with one line on stderr and exit code 2; Ctrl-C ends with one line saying
how to resume and exit code 130. Nothing is evaluated before the arguments, output paths and
inputs have been checked.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .._indices import EFFICIENT_INDICES, INDICES, ORDER_ONE_INDICES, VALID_INDICES
from .argtypes import non_negative_int, output_path, picture_path, positive_int
from .options import (
    EXIT_INTERRUPTED,
    Parser,
    UsageError,
    add_budget,
    add_quiet,
    add_seed,
    add_target,
    fail,
    until_the_pipe_closes,
)

__all__ = ["DEFAULT_INDEX", "build_parser", "main"]

METHODS = ("spex", "proxyspex")
UNITS = ("word", "sentence", "paragraph", "chunk")  # as shapiq_spex.games.language.UNITS
# The default of SPEX and ProxySPEX in Python (and of shapiq's explainers), so that the command
# and the library give the same numbers for the same call.
DEFAULT_INDEX = "k-SII"
PROG = "shapiq-spex"


def _version() -> str:
    try:
        return version("shapiq-spex")
    except PackageNotFoundError:  # running from a source tree that was not installed
        from .. import __version__

        return __version__


def _add_common(parser: argparse.ArgumentParser) -> None:
    add_budget(parser, default=2000, help="queries (default 2000)")
    add_target(
        parser,
        help="spend the budget in rounds and stop at the first whose faithfulness R² reaches "
        "X (0 < X < 1); --budget is then the cap",
    )
    parser.add_argument(
        "--method", choices=METHODS, default="spex", help="approximator (default %(default)s)"
    )
    parser.add_argument(
        "--index",
        choices=VALID_INDICES,
        default=DEFAULT_INDEX,
        help=_index_help(),
    )
    parser.add_argument(
        "--order",
        type=positive_int,
        help=f"max interaction order (default 2; 1 for {', '.join(ORDER_ONE_INDICES)} or a "
        "single player)",
    )
    add_seed(parser)
    parser.add_argument("--top", type=positive_int, default=10, help="interactions to print")
    parser.add_argument(
        "--cache", type=output_path, help="SQLite query cache: paid queries survive a crash"
    )
    parser.add_argument("--json", type=output_path, help="write the interactions as JSON")
    parser.add_argument(
        "--plot", type=picture_path, help="write an upset plot (.png, .pdf, .svg, ...)"
    )
    parser.add_argument("--bar", type=picture_path, help="write a bar plot (.png, .pdf, .svg, ...)")
    parser.add_argument(
        "--graph", type=picture_path, help="write the interaction graph (.png, .pdf, .svg, ...)"
    )
    parser.add_argument(
        "--max-players",
        type=positive_int,
        default=12,
        help="plots show the interactions among this many top players (default 12)",
    )
    add_quiet(parser)


def _add_text(what: argparse._SubParsersAction) -> None:
    text = what.add_parser("text", help="masked-unit sentiment of a text, a file or stdin")
    text.add_argument("text", nargs="?", help="the text to explain, or - for standard input")
    text.add_argument("--file", help="read the text from this file (- for standard input)")
    text.add_argument(
        "--scorer",
        choices=("vader", "llm"),
        default="vader",
        help="vader: rule-based VADER sentiment; llm: the offline SmolLM2's sentiment log-odds "
        "(default %(default)s)",
    )
    text.add_argument(
        "--context",
        choices=("full", "blockwise"),
        default="full",
        help="with --scorer llm: full attention (default), or blockwise: each unit encoded once "
        "and reused, far faster on long documents but approximate (see docs/huggingface.md)",
    )
    text.add_argument("--unit", choices=UNITS, default="word", help="what a player is")
    text.add_argument(
        "--chunk-size", type=positive_int, help="words per player with --unit chunk (default 20)"
    )
    text.add_argument("--html", type=output_path, help="write the highlighted text (HTML)")
    text.add_argument(
        "--text-plot",
        type=picture_path,
        help="write the highlighted text as a picture (.png, .pdf, .svg, ...)",
    )
    text.add_argument(
        "--arcs", type=non_negative_int, default=8, help="pairs drawn as arcs (default 8)"
    )
    _add_common(text)


def _add_csv(what: argparse._SubParsersAction) -> None:
    csv = what.add_parser(
        "csv",
        help="one row of a CSV file under a saved LightGBM or scikit-learn model",
        description="Explain one row of a CSV file under a saved model: a LightGBM model saved "
        "as text (booster.save_model('model.txt'); for LGBMClassifier: "
        "model.booster_.save_model('model.txt')), a scikit-learn model saved with skops "
        "(skops.io.dump(model, 'model.skops'); pip install 'shapiq-spex[sklearn]'), or, with "
        "--trust-pickle, a pickle/joblib file.",
    )
    csv.add_argument("data", type=Path, help="CSV of numbers")
    csv.add_argument(
        "--model",
        type=Path,
        required=True,
        help="model file: LightGBM text model, .skops file, or pickle/joblib with --trust-pickle",
    )
    csv.add_argument(
        "--trust-types",
        type=lambda text: [t.strip() for t in text.split(",") if t.strip()],
        metavar="TYPE,...",
        help="types a .skops file may hold beyond those skops trusts (the error names them); "
        "only for a file you made or fully trust",
    )
    csv.add_argument(
        "--trust-pickle",
        action="store_true",
        help="read a pickle/joblib model file; unpickling runs any code the file holds, so only "
        "for a file you made or fully trust",
    )
    csv.add_argument("--row", type=int, default=0, help="data row to explain (0-based)")
    csv.add_argument("--no-header", action="store_true", help="the CSV has no header row")
    csv.add_argument(
        "--class",
        dest="class_index",
        type=non_negative_int,
        help="class explained by a multiclass model (default: the predicted class)",
    )
    csv.add_argument(
        "--baseline", choices=("mean", "zero"), default="mean", help="value of absent features"
    )
    csv.add_argument("--raw", action="store_true", help="explain the raw score (log-odds)")
    _add_common(csv)


def _index_help() -> str:
    """The ``--index`` help: every index with its full name, from the one table of indices."""
    names = ", ".join(f"{name} ({spec.description})" for name, spec in INDICES.items())
    efficient = ", ".join(EFFICIENT_INDICES)
    return (
        f"interaction index: {names}; the values of {efficient} add up to f(x) - f(∅) "
        f"(default {DEFAULT_INDEX}, as SPEX and ProxySPEX in Python)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the command."""
    parser = Parser(prog=PROG, description="SPEX interaction explanations for shapiq.")
    parser.add_argument("--version", action="version", version=f"shapiq-spex {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    demo = sub.add_parser("demo", help="explain a built-in sparse game and a small LightGBM model")
    add_budget(demo, default=4000, help="queries per explanation (default 4000)")
    add_seed(demo)

    explain = sub.add_parser("explain", help="explain a text or a CSV row")
    what = explain.add_subparsers(dest="target", required=True, parser_class=Parser)
    _add_text(what)
    _add_csv(what)

    from .bench import add_run_arguments  # stdlib-only at import time

    bench = sub.add_parser("bench", help="faithfulness benchmark against shapiq's approximators")
    add_run_arguments(bench)
    return parser


def _wants_figures(args: argparse.Namespace) -> bool:
    return any(
        getattr(args, name, None) is not None for name in ("plot", "bar", "graph", "text_plot")
    )


def _explain(args: argparse.Namespace) -> None:
    from .inputs import check_outputs, csv_game, text_game
    from .run import check_target, explain, open_cache, order_for, report, write_outputs

    check_target(args)  # an approximator without rounds fails before any model call
    if _wants_figures(args):
        try:
            import matplotlib
        except ImportError:
            raise ImportError("the plots need matplotlib: pip install matplotlib") from None
        matplotlib.use("Agg")
    check_outputs(args)
    if args.cache is not None:  # before the game is built: building it may query the model
        from ..evaluation.cache import check_cache_path

        check_cache_path(args.cache)
    explained = text_game(args) if args.target == "text" else csv_game(args)
    order_for(args, explained.game.n_players)  # a bad --order fails before any query
    from ..plots import player_labels

    labels = player_labels(explained.names, numbered=explained.numbered)
    cache = open_cache(args, explained)
    try:
        run = explain(args, explained, cache)
    finally:
        if cache is not None:
            cache.close()
    report(args, explained, run, labels)
    write_outputs(args, explained, run, labels)


def _interrupted(args: argparse.Namespace) -> str:
    if args.command != "explain":
        return "interrupted"
    cache = getattr(args, "cache", None)
    if cache is not None:
        return (
            f"interrupted; every query evaluated so far is saved in {cache}: run the same "
            "command again to resume"
        )
    return "interrupted; nothing was kept: add --cache FILE to make a long run resumable"


def _failure(exc: BaseException, args: argparse.Namespace) -> str:
    from ..evaluation import GameEvaluationError

    message = " ".join(str(exc).split())
    if isinstance(exc, GameEvaluationError):
        kept = (
            f"; the queries evaluated before are saved in {args.cache}"
            if getattr(args, "cache", None) is not None
            else ""
        )
        return f"the explained model failed: {message}{kept}"
    if isinstance(exc, sqlite3.Error):
        return f"query cache {getattr(args, 'cache', '')}: {message}"
    return message


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    return until_the_pipe_closes(lambda: _main(argv))


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    from ..evaluation import GameEvaluationError

    try:
        if args.command == "demo":
            from ..demo import run_demo

            run_demo(args.budget, args.budget, args.seed)
        elif args.command == "bench":
            from .bench import run_command

            return run_command(args, prog=PROG)
        else:
            _explain(args)
    except KeyboardInterrupt:
        print(f"{PROG}: {_interrupted(args)}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        raise  # an OSError, but not an error of the command: main() ends quietly
    except (
        UsageError,
        GameEvaluationError,
        ValueError,
        TypeError,
        ImportError,
        OSError,
        sqlite3.Error,
    ) as exc:
        return fail(PROG, _failure(exc, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
