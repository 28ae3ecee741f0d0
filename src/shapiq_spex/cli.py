"""The ``shapiq-spex`` console command: ``demo``, ``explain text``, ``explain csv``, ``bench``."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from ._argtypes import positive_int

__all__ = ["build_parser", "main"]

INDICES = ("SV", "BV", "SII", "BII", "k-SII", "STII", "FSII", "FBII", "Moebius")
METHODS = ("spex", "proxyspex")


class UsageError(Exception):
    """A bad argument found after parsing (reported in one line, exit code 2)."""


class _Parser(argparse.ArgumentParser):
    """Bad arguments give one line and exit code 2, never a traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--budget", type=positive_int, default=2000, help="queries (default 2000)")
    parser.add_argument("--method", choices=METHODS, default="spex", help="approximator")
    parser.add_argument("--index", choices=INDICES, default="FSII", help="interaction index")
    parser.add_argument("--order", type=positive_int, default=2, help="max interaction order")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--top", type=positive_int, default=10, help="interactions to print")
    parser.add_argument("--cache", type=Path, help="SQLite query cache (resume a run)")
    parser.add_argument("--plot", type=Path, help="write an upset plot (PNG)")
    parser.add_argument("--json", type=Path, help="write the interactions as JSON")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the command."""
    parser = _Parser(prog="shapiq-spex", description="SPEX interaction explanations for shapiq.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    demo = sub.add_parser("demo", help="explain a built-in sparse game and a small LightGBM model")
    demo.add_argument("--budget", type=positive_int, default=4000, help="queries per explanation")
    demo.add_argument("--seed", type=int, default=0, help="random seed")

    explain = sub.add_parser("explain", help="explain a text or a CSV row")
    what = explain.add_subparsers(dest="target", required=True, parser_class=_Parser)
    text = what.add_parser("text", help="masked-word (or sentence) sentiment of a text")
    text.add_argument("text", help="the text to explain")
    text.add_argument("--scorer", choices=("vader", "llm"), default="vader")
    text.add_argument("--unit", choices=("word", "sentence"), default="word")
    _add_common(text)
    csv = what.add_parser("csv", help="one row of a CSV file under a saved LightGBM model")
    csv.add_argument("data", type=Path, help="CSV with a header row of feature names")
    csv.add_argument("--model", type=Path, required=True, help="LightGBM model file")
    csv.add_argument("--row", type=int, default=0, help="row to explain (0-based)")
    csv.add_argument(
        "--baseline", choices=("mean", "zero"), default="mean", help="value of absent features"
    )
    csv.add_argument("--raw", action="store_true", help="explain the raw score (log-odds)")
    _add_common(csv)

    from .bench.cli import add_run_arguments  # stdlib-only at import time

    bench = sub.add_parser("bench", help="faithfulness benchmark against shapiq's approximators")
    add_run_arguments(bench)
    return parser


def _digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode())
    return h.hexdigest()[:16]


def _text_game(args: argparse.Namespace) -> tuple[Any, list[str], str]:
    from .games.language import MaskedTextGame, VaderScorer, split_text

    if not args.text.strip():
        raise UsageError("the text to explain is empty")
    if args.scorer == "vader":
        scorer = VaderScorer()
    else:
        from .llm import LLMSentimentScorer

        scorer = LLMSentimentScorer()
    game = MaskedTextGame(args.text, scorer, unit=args.unit)
    names = split_text(args.text, args.unit)
    return game, names, f"text:{args.scorer}:{args.unit}:{_digest(args.text)}"


def _csv_game(args: argparse.Namespace) -> tuple[Any, list[str], str]:
    import csv

    import lightgbm as lgb

    from .games import BaselineMaskedModel

    for path in (args.data, args.model):
        if not path.is_file():
            raise UsageError(f"no such file: {path}")
    with args.data.open(newline="") as handle:
        rows = list(csv.reader(handle))
    if len(rows) < 2:
        raise UsageError(f"{args.data} needs a header row and at least one data row")
    names, body = rows[0], rows[1:]
    try:
        data = np.array(body, dtype=float)
    except ValueError as exc:
        raise UsageError(f"{args.data} must hold numbers below its header: {exc}") from None
    if not 0 <= args.row < len(data):
        raise UsageError(f"--row must be in [0, {len(data) - 1}], got {args.row}")
    try:
        booster = lgb.Booster(model_file=str(args.model))
    except lgb.basic.LightGBMError as exc:
        raise UsageError(f"cannot read LightGBM model {args.model}: {exc}") from None
    if booster.num_feature() != data.shape[1]:
        raise UsageError(
            f"the model expects {booster.num_feature()} features, {args.data} has {data.shape[1]}"
        )
    baseline = data.mean(axis=0) if args.baseline == "mean" else np.zeros(data.shape[1])
    game = BaselineMaskedModel(
        lambda x: booster.predict(x, raw_score=args.raw), data[args.row], baseline
    )
    key = _digest(args.data.read_bytes(), args.model.read_bytes(), str(args.row), args.baseline)
    return game, names, f"csv:{key}:{int(args.raw)}"


def _approximator(args: argparse.Namespace, n: int, cache: Any) -> Any:
    order = 1 if args.index in ("SV", "BV") else args.order
    if order > n:
        raise UsageError(f"--order must be at most the number of players ({n}), got {order}")
    common = {"max_order": order, "index": args.index, "random_state": args.seed, "cache": cache}
    if args.method == "spex":
        from .approximators import SPEX

        return SPEX(n, **common)
    from .approximators import ProxySPEX

    return ProxySPEX(n, **common)


def _explain(args: argparse.Namespace) -> None:
    game, names, game_id = _text_game(args) if args.target == "text" else _csv_game(args)
    n = game.n_players
    cache = None
    if args.cache is not None:
        from .evaluation import QueryCache

        cache = QueryCache(args.cache, game_id, n)
    approximator = _approximator(args, n, cache)
    values = approximator.approximate(args.budget, game)
    ranked = sorted(
        ((s, v) for s, v in values.interactions.items() if s), key=lambda kv: -abs(kv[1])
    )
    print(
        f"{args.method} {args.index} (order {values.max_order}) with "
        f"{approximator.budget_used_} queries; baseline {values.baseline_value:+.4f}"
    )
    for players, value in ranked[: args.top]:
        print(f"  {value:+10.4f}  " + " x ".join(names[i] for i in players))
    if args.json is not None:
        payload = {
            "method": args.method,
            "index": args.index,
            "max_order": values.max_order,
            "budget_used": approximator.budget_used_,
            "baseline_value": float(values.baseline_value),
            "players": names,
            "interactions": [
                {"players": list(s), "names": [names[i] for i in s], "value": float(v)}
                for s, v in ranked
            ],
        }
        args.json.write_text(json.dumps(payload, indent=1))
    if args.plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        import shapiq

        figure = shapiq.upset_plot(values, n_interactions=min(args.top, 20), feature_names=names)
        figure.savefig(args.plot, dpi=120, bbox_inches="tight")


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "demo":
            from .demo import run_demo

            run_demo(args.budget, args.budget, args.seed)
        elif args.command == "bench":
            from .bench.cli import run_command

            return run_command(args)
        else:
            _explain(args)
    except (UsageError, ValueError, TypeError, ImportError, OSError) as exc:
        print(f"shapiq-spex: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
