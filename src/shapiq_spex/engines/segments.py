"""A masked text that remembers its pieces: the input of segment-aware (blockwise) scorers.

Kept outside :mod:`shapiq_spex.engines.numpy` and :mod:`shapiq_spex.engines.torch` so that
both (and :mod:`shapiq_spex.games`) can use it without the engines' optional dependencies.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["SegmentedText"]


class SegmentedText(str):
    r"""A str that is the concatenation of its ``segments`` and then its ``end``.

    :class:`~shapiq_spex.games.MaskedTextGame` hands its masked texts to the scorer as
    ``SegmentedText``: any scorer sees an ordinary str, while a segment-aware scorer (the LLM
    scorers with ``context="blockwise"``) reads which units the text is made of. Each segment
    is one kept unit with the whitespace in front of it (the first one with the text's leading
    whitespace); ``end`` is what follows the last unit (the text's trailing whitespace, and the
    whole text when no unit is kept).

    Args:
        segments: The pieces, in order.
        end: The text after the last piece.

    Raises:
        TypeError: ``segments`` is not a sequence of str, or ``end`` is not a str.

    Example:
        >>> text = SegmentedText(["Good.", " Bad."], "!")
        >>> text, text.segments, text.end
        ('Good. Bad.!', ('Good.', ' Bad.'), '!')
    """

    segments: tuple[str, ...]
    end: str

    def __new__(cls, segments: Sequence[str], end: str = "") -> SegmentedText:
        """Build the text of ``segments`` followed by ``end``."""
        if isinstance(segments, str) or not isinstance(segments, Sequence):
            msg = f"segments must be a sequence of str, got {type(segments).__name__}."
            raise TypeError(msg)
        pieces = tuple(segments)
        if not all(isinstance(piece, str) for piece in pieces):
            msg = "segments must be a sequence of str."
            raise TypeError(msg)
        if not isinstance(end, str):
            msg = f"end must be a str, got {type(end).__name__}."
            raise TypeError(msg)
        text = super().__new__(cls, "".join(pieces) + end)
        text.segments = pieces
        text.end = end
        return text

    def __reduce__(self) -> tuple:
        """Pickle as a SegmentedText (joblib and dask backends send texts to workers)."""
        return (SegmentedText, (self.segments, self.end))
