"""Explaining a text score: players are words, sentences, paragraphs, chunks or given units.

``v(S)`` is a scorer's value on the text in which only the units in ``S`` are kept; the others
are removed (default) or replaced by a mask token. Scorers map a list of texts to an array of
values: :class:`VaderScorer` (rule-based, fast) here, and the LLM scorers
:class:`~shapiq_spex.engines.numpy.LLMSentimentScorer` and
:class:`~shapiq_spex.engines.numpy.LLMAnswerScorer` (importable from this module too; they need
the ``llm`` extra).

Masked texts. The text is cut into units by :func:`split_text`; each unit keeps the whitespace
that follows it in the original text (its separator). The text of a coalition ``S`` is the
original leading whitespace, then every unit in ``S`` followed by its separator, with the last
kept unit followed by the original trailing whitespace instead. Hence

* ``v(all ones)`` is the score of the original text, character for character;
* ``v(all zeros)`` is the score of the original leading + trailing whitespace, i.e. of the
  empty string ``""`` for a text without surrounding whitespace (removal), or of the text in
  which every unit is the mask token (replacement).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, TextIO

import numpy as np
from shapiq import Game

from .._validation import check_bool, check_choice, check_int, check_str
from ..engines.segments import SegmentedText

# LLMSentimentScorer and LLMAnswerScorer are importable too (lazily, see __getattr__), but are
# not listed: a star import must not require the optional llm extra.
__all__ = [
    "UNITS",
    "MaskedTextGame",
    "VaderScorer",
    "read_text",
    "split_text",
]

_SENTENCE = re.compile(r"[^.!?\s][^.!?]*(?:[.!?]+[\"')\]]*)?|[.!?]+[\"')\]]*")
_WORD = re.compile(r"\S+")
_LLM_NAMES = ("LLMAnswerScorer", "LLMSentimentScorer")


def __getattr__(name: str) -> Any:
    """Import the LLM scorers on first use (they need the optional ``llm`` extra)."""
    if name in _LLM_NAMES:
        from ..engines import numpy as numpy_engine

        return getattr(numpy_engine, name)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


UNITS = ("word", "sentence", "paragraph", "chunk")
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")


def _check_unit(unit: object, chunk_size: object) -> int | None:
    """Validate ``unit`` and ``chunk_size``; return the chunk size (``None`` unless chunks)."""
    check_choice(unit, "unit", UNITS)
    if unit != "chunk":
        if chunk_size is not None:
            msg = f"chunk_size applies to unit='chunk' only, got unit={unit!r}."
            raise ValueError(msg)
        return None
    if chunk_size is None:
        msg = "unit='chunk' needs chunk_size, the number of words per player (e.g. 20)."
        raise ValueError(msg)
    return check_int(chunk_size, "chunk_size", minimum=1)


def _stripped(text: str, start: int, stop: int) -> tuple[int, int]:
    """The span ``[start, stop)`` without its leading and trailing whitespace."""
    piece = text[start:stop]
    lead = len(piece) - len(piece.lstrip())
    return start + lead, start + len(piece.rstrip())


def _spans(text: str, unit: str, chunk_size: int | None = None) -> list[tuple[int, int]]:
    if unit in ("word", "chunk"):
        words = [m.span() for m in _WORD.finditer(text)]
        if unit == "word":
            return words
        step = int(chunk_size or 1)
        return [
            (words[i][0], words[min(i + step, len(words)) - 1][1])
            for i in range(0, len(words), step)
        ]
    if unit == "paragraph":
        bounds = [0]
        for match in _BLANK_LINE.finditer(text):
            bounds += [match.start(), match.end()]
        bounds.append(len(text))
        spans = [_stripped(text, a, b) for a, b in zip(bounds[::2], bounds[1::2], strict=True)]
        return [(a, b) for a, b in spans if b > a]
    spans = []
    for match in _SENTENCE.finditer(text):
        piece = match.group()
        stripped = piece.rstrip()
        if stripped:
            spans.append((match.start(), match.start() + len(stripped)))
    return spans


def split_text(
    text: str,
    unit: Literal["word", "sentence", "paragraph", "chunk"] = "word",
    *,
    chunk_size: int | None = None,
) -> list[str]:
    """Cut a text into units.

    * ``"word"``: maximal runs of non-whitespace characters (punctuation stays attached:
      ``"good."`` is one unit).
    * ``"sentence"``: runs ending with ``.``, ``!`` or ``?`` (repeated, optionally followed by
      closing quotes or brackets), or at the end of the text; surrounding whitespace is not
      part of a sentence. Abbreviations such as ``"Dr."`` end a sentence (a simple splitter).
    * ``"paragraph"``: blocks separated by at least one blank line (a line holding only
      whitespace); surrounding whitespace is not part of a paragraph.
    * ``"chunk"``: ``chunk_size`` consecutive words each (the last chunk may be shorter), with
      the whitespace between them as in the text.

    Args:
        text: The text.
        unit: One of :data:`UNITS`.
        chunk_size: Words per chunk; required for ``unit="chunk"``, not allowed otherwise.

    Returns:
        The units, in order.

    Raises:
        TypeError: ``text`` or ``unit`` is not a str, or ``chunk_size`` is not an integer.
        ValueError: ``unit`` is unknown, or ``chunk_size`` is missing, not allowed or < 1.
    """
    if not isinstance(text, str):
        msg = f"text must be a str, got {type(text).__name__}."
        raise TypeError(msg)
    chunk_size = _check_unit(unit, chunk_size)
    return [text[a:b] for a, b in _spans(text, unit, chunk_size)]


def read_text(source: str | os.PathLike[str] | TextIO, *, encoding: str = "utf-8-sig") -> str:
    """The text of a file path or of an open text stream (e.g. ``sys.stdin``).

    A UTF-8 byte order mark at the start of a file is dropped (``encoding="utf-8-sig"``).

    Raises:
        TypeError: ``source`` is neither a path nor a readable text stream.
        OSError: The file cannot be read.
        ValueError: The file is not valid text in ``encoding``, or the stream is not UTF-8
            text (for a stream, ``encoding`` is the stream's own).
    """
    if hasattr(source, "read"):
        name = getattr(source, "name", None)
        name = {None: "the stream", "<stdin>": "standard input"}.get(name, str(name))
        try:
            text = source.read()
        except UnicodeDecodeError as error:  # a stream that decodes strictly
            msg = f"{name} is not {error.encoding} text: {error.reason} at byte {error.start}."
            raise ValueError(msg) from None
        if not isinstance(text, str):
            msg = f"source must be a text stream, its read() returned {type(text).__name__}."
            raise TypeError(msg)
        try:  # sys.stdin keeps undecodable bytes as lone surrogates (errors="surrogateescape")
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            msg = (
                f"{name} is not UTF-8 text: an undecodable byte at character {error.start} "
                "(convert it to UTF-8 first, e.g. with iconv)."
            )
            raise ValueError(msg) from None
        return text.removeprefix("\ufeff")
    if not isinstance(source, str | os.PathLike):
        msg = f"source must be a path or a text stream, got {type(source).__name__}."
        raise TypeError(msg)
    path = Path(source)
    try:
        return path.read_text(encoding=encoding)
    except UnicodeDecodeError as error:
        msg = f"{path} is not {encoding} text: {error.reason} at byte {error.start}."
        raise ValueError(msg) from None


class VaderScorer:
    """VADER's compound sentiment score in ``[-1, 1]`` (rule-based, fast, no model).

    The empty text scores 0. Needs ``vaderSentiment`` (``pip install "shapiq-spex[text]"``).
    The compound score squashes a sum of valences, ``s / sqrt(s^2 + 15)``; pass
    ``link=VaderScorer.link`` (``"vader"``) to an approximator to explain that sum, which is
    far sparser on long texts.

    Raises:
        ImportError: ``vaderSentiment`` is not installed.
    """

    link = "vader"

    def __init__(self) -> None:
        try:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
        except ImportError as error:
            msg = 'VaderScorer needs vaderSentiment: pip install "shapiq-spex[text]".'
            raise ImportError(msg) from error
        self._analyzer = SentimentIntensityAnalyzer()

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """Compound score of each text, shape ``(len(texts),)``."""
        if isinstance(texts, str):
            msg = "texts must be a list of str, got a single str."
            raise TypeError(msg)
        return np.array([self._analyzer.polarity_scores(t)["compound"] for t in texts], dtype=float)


class MaskedTextGame(Game):
    """``v(S)`` = a scorer's value on the text keeping only the units in ``S``.

    All masked texts of one call are built first and handed to the scorer in as few calls as
    ``batch_size`` allows (identical texts are scored once).

    Args:
        text: The explained text, or a sequence of units (e.g. documents) that is joined with
            ``separator``.
        scorer: Maps a list of texts to an array of as many finite values.
        unit: How ``text`` (a str) is cut into players: ``"word"``, ``"sentence"``,
            ``"paragraph"`` or ``"chunk"`` (see :func:`split_text`).
        chunk_size: Words per player for ``unit="chunk"`` (required there, else not allowed).
        separator: Joins the units when ``text`` is a sequence of units.
        mask_token: ``None`` (default) removes masked units; a str replaces each masked unit by
            it (e.g. ``"[MASK]"`` or ``"..."``).
        batch_size: Largest number of texts per scorer call (``None``: one call per game call).
        normalize: Subtract ``v(∅)`` (shapiq's convention for explanations).

    Attributes:
        units: The players' texts.
        separators: The whitespace after each unit in the text (the last: the text's trailing
            whitespace).
        empty_value: ``v(∅)`` before normalization.

    Raises:
        TypeError: ``scorer`` is not callable, ``text`` is neither a str nor a sequence of
            str, or another argument has the wrong type (e.g. ``batch_size="8"``).
        ValueError: The text has no unit, ``unit`` or ``chunk_size`` is invalid, or a scorer
            output is invalid.

    Long documents come from a file or a stream with :meth:`from_file`.
    """

    def __init__(
        self,
        text: str | Sequence[str],
        scorer: Callable[[list[str]], np.ndarray],
        *,
        unit: Literal["word", "sentence", "paragraph", "chunk"] = "word",
        chunk_size: int | None = None,
        separator: str = "\n",
        mask_token: str | None = None,
        batch_size: int | None = None,
        normalize: bool = True,
    ) -> None:
        if not callable(scorer):
            msg = f"scorer must be callable, got {type(scorer).__name__}."
            raise TypeError(msg)
        if mask_token is not None and not isinstance(mask_token, str):
            msg = f"mask_token must be a str or None, got {type(mask_token).__name__}."
            raise TypeError(msg)
        batch_size = check_int(batch_size, "batch_size", minimum=1, allow_none=True)
        separator = check_str(separator, "separator")
        normalize = check_bool(normalize, "normalize")
        if isinstance(text, str):
            spans = _spans(text, unit, _check_unit(unit, chunk_size))
        elif isinstance(text, Sequence) and all(isinstance(u, str) for u in text):
            units = list(text)
            text = separator.join(units)
            starts = np.cumsum([0] + [len(u) + len(separator) for u in units[:-1]])
            spans = [(int(s), int(s) + len(u)) for s, u in zip(starts, units, strict=True)]
        else:
            msg = f"text must be a str or a sequence of str, got {type(text).__name__}."
            raise TypeError(msg)
        if not spans:
            msg = "text has no unit to explain."
            raise ValueError(msg)
        self.text = text
        self.units = [text[a:b] for a, b in spans]
        self._leading = text[: spans[0][0]]
        self._trailing = text[spans[-1][1] :]
        self.separators = [text[spans[i][1] : spans[i + 1][0]] for i in range(len(spans) - 1)]
        self.separators.append(self._trailing)
        self.scorer = scorer
        self.mask_token = mask_token
        self.batch_size = batch_size
        n = len(self.units)
        self.empty_value = float(self._score([self.masked_text(np.zeros(n, dtype=bool))])[0])
        super().__init__(
            n_players=n,
            normalize=normalize,
            normalization_value=self.empty_value,
            verbose=False,
            player_names=None,
        )

    @classmethod
    def from_file(
        cls,
        source: str | os.PathLike[str] | TextIO,
        scorer: Callable[[list[str]], np.ndarray],
        *,
        encoding: str = "utf-8-sig",
        **kwargs: Any,
    ) -> MaskedTextGame:
        """The game of the text in a file, or in an open text stream such as ``sys.stdin``.

        Args:
            source: A path, or a stream with a ``read()`` method returning str.
            scorer: As in the constructor.
            encoding: Of the file (a UTF-8 byte order mark is dropped by default).
            **kwargs: The constructor's keyword arguments (``unit``, ``chunk_size``,
                ``mask_token``, ``batch_size``, ``normalize``).

        Raises:
            OSError: The file cannot be read.
            TypeError, ValueError: As :func:`read_text` and the constructor.
        """
        return cls(read_text(source, encoding=encoding), scorer, **kwargs)

    def masked_text(self, coalition: np.ndarray) -> SegmentedText:
        """The text of one coalition (a boolean vector over the units).

        Args:
            coalition: ``(n_players,)`` booleans, True = the unit is kept.

        Returns:
            The masked text, a str that also knows its pieces
            (:class:`~shapiq_spex.engines.segments.SegmentedText`: each kept or masked unit with the
            whitespace before it, then the trailing whitespace), which segment-aware scorers
            such as ``LLMSentimentScorer(context="blockwise")`` use.

        Raises:
            ValueError: ``coalition`` has the wrong shape.
        """
        keep = np.asarray(coalition, dtype=bool)
        if keep.shape != (len(self.units),):
            msg = f"coalition must have shape ({len(self.units)},), got {keep.shape}."
            raise ValueError(msg)
        starts = [self._leading, *self.separators[:-1]]  # the whitespace before each unit
        if self.mask_token is not None:
            pieces = [
                lead + (u if k else self.mask_token)
                for lead, u, k in zip(starts, self.units, keep, strict=True)
            ]
            return SegmentedText(pieces, self._trailing)
        kept = np.flatnonzero(keep)
        if kept.size == 0:
            return SegmentedText([], self._leading + self._trailing)
        # a kept unit is preceded by the separator of the kept unit before it
        before = [self._leading] + [self.separators[i] for i in kept[:-1]]
        pieces = [lead + self.units[i] for lead, i in zip(before, kept, strict=True)]
        return SegmentedText(pieces, self._trailing)

    def _score(self, texts: list[str]) -> np.ndarray:
        step = len(texts) if self.batch_size is None else self.batch_size
        parts = []
        for lo in range(0, len(texts), max(step, 1)):
            chunk = texts[lo : lo + step]
            values = np.asarray(self.scorer(chunk), dtype=float).reshape(-1)
            if values.shape != (len(chunk),) or not np.all(np.isfinite(values)):
                msg = (
                    f"scorer must return {len(chunk)} finite values for {len(chunk)} texts, "
                    f"got shape {values.shape}."
                )
                raise ValueError(msg)
            parts.append(values)
        return np.concatenate(parts) if parts else np.zeros(0)

    def value_function(self, coalitions: np.ndarray) -> np.ndarray:
        """Scores of the masked texts of the coalitions ``(m, n_players)``."""
        coalitions = np.asarray(coalitions, dtype=bool)
        if coalitions.ndim == 1:
            coalitions = coalitions[None, :]
        unique, inverse = np.unique(coalitions, axis=0, return_inverse=True)
        texts = [self.masked_text(row) for row in unique]
        return self._score(texts)[inverse.reshape(-1)]
