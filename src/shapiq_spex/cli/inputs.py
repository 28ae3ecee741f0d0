"""The games of ``shapiq-spex explain``: a text (argument, file or stdin) or a CSV row.

Every problem with the input is raised as :class:`UsageError` with one line saying what is
wrong and what to do, before any query is spent.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .options import UsageError

if TYPE_CHECKING:
    from .models import LoadedModel

__all__ = ["Explained", "UsageError", "csv_game", "text_game"]


@dataclass
class Explained:
    """A game and what the report needs to describe it.

    Attributes:
        game: The normalized game (``v(∅) = 0``); ``game.normalization_value`` is ``f(∅)``.
        names: One name per player (the unit's text, or the feature name).
        numbered: Label every player ``name#position`` (text) or only repeated names (CSV).
        game_id: Identifies the game in a query cache.
        output: What the explained number is (e.g. "VADER compound score").
        notes: Lines printed under the summary (e.g. which class is explained and why).
        separators: For a text, the whitespace after each unit (highlighted-text view).
    """

    game: Any
    names: list[str]
    numbered: bool
    game_id: str
    output: str
    notes: list[str] = field(default_factory=list)
    separators: list[str] | None = None


def _digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode())
    return h.hexdigest()[:16]


def _read_text(args: argparse.Namespace) -> str:
    from ..games.language import read_text

    if args.text is not None and args.file is not None:
        raise UsageError("give the text or --file, not both")
    source = args.file if args.file is not None else args.text
    if source is None:
        raise UsageError("give the text to explain, - to read it from standard input, or --file")
    if args.file is None and source != "-":
        return source
    if source == "-":
        return read_text(sys.stdin)
    return read_text(input_file(Path(source), "--file"))


def _chunk_size(args: argparse.Namespace) -> int | None:
    if args.unit == "chunk":
        return 20 if args.chunk_size is None else args.chunk_size
    if args.chunk_size is not None:
        raise UsageError(f"--chunk-size applies to --unit chunk only, got --unit {args.unit}")
    return None


def _plural(unit: str, count: int) -> str:
    """``"word"`` -> ``"words"``; ``"chunk{} of 20 words"`` -> ``"chunks of 20 words"``."""
    ending = "" if count == 1 else "s"
    return unit.format(ending) if "{}" in unit else unit + ending


def text_game(args: argparse.Namespace) -> Explained:
    """The masked-text game of ``explain text``."""
    from ..games.language import MaskedTextGame, VaderScorer

    text = _read_text(args)
    if not text.strip():
        raise UsageError("the text to explain is empty")
    chunk_size = _chunk_size(args)
    context = getattr(args, "context", "full")
    if args.scorer == "vader":
        if context != "full":
            raise UsageError("--context applies to --scorer llm only")
        scorer, output = VaderScorer(), "VADER compound score"
    else:
        from ..engines.numpy import LLMSentimentScorer

        if not args.quiet:
            print("loading the offline LLM...", file=sys.stderr)
        scorer = LLMSentimentScorer(context=context)
        output = "LLM sentiment log-odds (positive vs negative)"
        if context == "blockwise":
            output += ", blockwise context"
    game = MaskedTextGame(text, scorer, unit=args.unit, chunk_size=chunk_size)
    unit = args.unit if chunk_size is None else f"chunk{{}} of {chunk_size} words"
    # blockwise scores differ from full ones: a query cache must not mix them
    mode = ":blockwise" if context == "blockwise" else ""
    explained = Explained(
        game=game,
        names=list(game.units),
        numbered=True,
        game_id=f"text:{args.scorer}{mode}:{args.unit}{chunk_size or ''}:{_digest(text)}",
        output=output,
        notes=[f"players: {game.n_players} {_plural(unit, game.n_players)}"],
        separators=list(game.separators),
    )
    if args.scorer == "llm" and context == "full":
        _estimate_time(args, game)
    return explained


ESTIMATE_PROBES = 2  # random masks timed before a full-attention LLM run
ESTIMATE_NOTICE_S = 120.0  # estimated run time above which the estimate is printed


def _estimate_time(args: argparse.Namespace, game: Any) -> float:
    """Time a few random masks; print the estimated run time and advice when it is long.

    Returns:
        The estimated seconds for ``--budget`` queries.
    """
    from ..metrics import uniform_masks

    masks = uniform_masks(game.n_players, ESTIMATE_PROBES, args.seed)
    start = time.perf_counter()
    game(masks)
    per_query = (time.perf_counter() - start) / ESTIMATE_PROBES
    estimate = per_query * args.budget
    if estimate > ESTIMATE_NOTICE_S and not args.quiet:
        print(
            f"estimated time: about {estimate / 60:.0f} min for {args.budget} queries "
            f"({per_query:.1f} s per masked text, timed on {ESTIMATE_PROBES} random masks). "
            "For a long document, --context blockwise encodes each unit once and is much "
            "faster (approximate: see 'Long documents' in docs/huggingface.md).",
            file=sys.stderr,
        )
    return estimate


# A plain decimal number (ASCII digits, optional sign, point and exponent), or inf / nan (named
# later as non-finite). float() also takes "1_000" and non-ASCII digits: not read silently.
_PLAIN_NUMBER = re.compile(
    r"\s*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|inf(?:inity)?|nan)\s*", re.ASCII | re.IGNORECASE
)


def _is_number(cell: str) -> bool:
    return _PLAIN_NUMBER.fullmatch(cell) is not None


def _not_a_number(cell: str) -> str:
    """Why ``cell`` is refused: not a number at all, or not a plain one."""
    try:
        float(cell)
    except ValueError:
        return f"{cell!r} is not a number"
    return (
        f"{cell!r} is not a plain number (write digits with an optional '.', sign and "
        "exponent, without '_' or other digit separators)"
    )


def _table(path: Path, no_header: bool) -> tuple[list[str], list[list[str]]]:
    """Feature names and data rows of a CSV; a UTF-8 byte order mark is dropped."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = [row for row in csv.reader(handle) if row]
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise UsageError(f"{path} is not a valid CSV file: {exc}") from None
    if not rows:
        raise UsageError(f"{path} is empty")
    if no_header:
        return [f"x{j}" for j in range(len(rows[0]))], rows
    if all(_is_number(cell) for cell in rows[0]):
        shown = ",".join(cell.strip()[:10] for cell in rows[0][:3])
        shown += ",..." if len(rows[0]) > 3 else ""
        raise UsageError(
            f"the first row of {path} ({shown}) holds only numbers: it looks like data, not a "
            "header of feature names; add a header row, or pass --no-header"
        )
    names = [name.strip() for name in rows[0]]
    if len(rows) < 2:
        raise UsageError(f"{path} needs at least one data row below its header")
    return names, rows[1:]


def _numbers(path: Path, names: list[str], body: list[list[str]]) -> np.ndarray:
    """The data as floats; a bad or non-finite cell is named by its row and column."""
    for r, row in enumerate(body):
        if len(row) != len(names):
            raise UsageError(
                f"{path}: data row {r} has {len(row)} cells, the header has {len(names)}"
            )
    for r, row in enumerate(body):
        for name, cell in zip(names, row, strict=True):
            if not _is_number(cell):
                raise UsageError(f"{path}: data row {r}, column {name!r}: {_not_a_number(cell)}")
    data = np.array(body, dtype=float)
    bad = np.argwhere(~np.isfinite(data))
    if bad.size:
        r, c = bad[0]
        raise UsageError(
            f"{path}: data row {r}, column {names[c]!r} holds {body[r][c].strip()!r} "
            f"({len(bad)} non-finite cell(s) in all); remove or impute them: the baseline and "
            "the explained row must be finite"
        )
    return data


def _class_choice(
    model: LoadedModel, x: np.ndarray, args: argparse.Namespace
) -> tuple[int | None, str, list[str]]:
    """The explained output column, its description, and notes on the choice."""
    n_outputs = model.n_outputs
    if n_outputs == 1:
        if args.class_index is not None:
            raise UsageError(f"--class applies to multiclass models; {args.model} has one output")
        return None, model.output, []
    scores = np.asarray(model.predict(x[None, :]), dtype=float).reshape(-1)
    predicted = int(np.argmax(scores))
    chosen = predicted if args.class_index is None else args.class_index
    if chosen >= n_outputs:
        raise UsageError(
            f"--class must be in [0, {n_outputs - 1}] for this {n_outputs}-class model, "
            f"got {chosen}"
        )

    def name(k: int) -> str:
        label = model.classes[k] if model.classes is not None else str(k)
        return str(k) if label == str(k) else f"{k} ({label!r})"

    why = "the predicted class" if args.class_index is None else "--class"
    note = (
        f"explaining class {name(chosen)} ({why}) of {n_outputs}; predicted class "
        f"{name(predicted)} with {model.output} {scores[predicted]:.4f}; --class J explains "
        "class J"
    )
    return chosen, f"{model.output} of class {name(chosen)}", [note]


_OUTPUTS = {
    "json": "--json",
    "plot": "--plot",
    "bar": "--bar",
    "graph": "--graph",
    "html": "--html",
    "text_plot": "--text-plot",
    "cache": "--cache",
}


def _identity(path: Path) -> tuple:
    """Equal for two names of one file (links, relative paths), existing or not."""
    try:
        info = path.stat()
    except OSError:
        return ("path", str(path.resolve()))
    return ("inode", info.st_dev, info.st_ino)


def check_outputs(args: argparse.Namespace) -> None:
    """Refuse an output path that names an input file or another output (before any query).

    Writing the JSON over the input CSV, or two figures into one file, would lose a file
    silently.
    """
    inputs = []
    if args.target == "csv":
        inputs = [("the CSV", args.data), ("--model", args.model)]
    elif args.file not in (None, "-"):
        inputs = [("--file", Path(args.file))]
    read = {_identity(path): name for name, path in inputs if path.exists()}
    written: dict[tuple, str] = {}
    for attribute, option in _OUTPUTS.items():
        path = getattr(args, attribute, None)
        if path is None:
            continue
        key = _identity(path)
        if key in read:
            raise UsageError(
                f"{option} {path} is the input file ({read[key]}): writing it would overwrite "
                "the input; give another path"
            )
        if key in written:
            raise UsageError(
                f"{option} {path} is also the path of {written[key]}; give each output its own path"
            )
        written[key] = option


def input_file(path: Path, option: str) -> Path:
    """``path`` if it is a readable file; else a UsageError naming ``option`` and the problem."""
    if path.is_dir():
        raise UsageError(f"{option} {path} is a directory, not a file")
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    return path


def csv_game(args: argparse.Namespace) -> Explained:
    """The baseline-masked model game of ``explain csv`` (LightGBM or scikit-learn model)."""
    from ..games import BaselineMaskedModel
    from .models import load_model

    input_file(args.data, "the CSV")
    input_file(args.model, "--model")
    names, body = _table(args.data, args.no_header)
    data = _numbers(args.data, names, body)
    if not 0 <= args.row < len(data):
        raise UsageError(f"--row must be in [0, {len(data) - 1}], got {args.row}")
    model = load_model(
        args.model,
        raw=args.raw,
        trust_types=getattr(args, "trust_types", None),
        trust_pickle=getattr(args, "trust_pickle", False),
    )
    if model.n_features is not None and model.n_features != data.shape[1]:
        raise UsageError(
            f"the model expects {model.n_features} features, {args.data} has {data.shape[1]}"
        )
    x = data[args.row]
    class_index, output, notes = _class_choice(model, x, args)
    baseline = data.mean(axis=0) if args.baseline == "mean" else np.zeros(data.shape[1])
    game = BaselineMaskedModel(model.predict, x, baseline, class_index=class_index)
    key = _digest(
        args.data.read_bytes(),
        args.model.read_bytes(),
        str(args.row),
        args.baseline,
        str(class_index),
        str(args.no_header),
    )
    return Explained(
        game=game,
        names=names,
        numbered=False,
        game_id=f"csv:{key}:{int(args.raw)}",
        output=output,
        notes=[f"players: {len(names)} features of data row {args.row}", *notes],
    )
