"""Number formats and footnotes shared by the report's tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .metrics import Summary


class Notes:
    """Numbered footnotes, one per distinct text."""

    def __init__(self) -> None:
        self.texts: dict[str, int] = {}

    def ref(self, text: str) -> str:
        """The marker of ``text`` (numbered on first use)."""
        number = self.texts.setdefault(text, len(self.texts) + 1)
        return f"[^{number}]"

    def lines(self) -> list[str]:
        """The footnotes, in order of first use."""
        return [f"[^{number}]: {text}" for text, number in self.texts.items()]


def r2_text(value: float) -> str:
    """An R² with three decimals (three significant digits far below zero)."""
    return f"{value:.3f}" if value > -10 else f"{value:.3g}"


def seconds_text(value: float) -> str:
    """Seconds with three decimals below 1 s, three digits below 100 s, whole above."""
    return f"{value:.3f}" if value < 1 else f"{value:.3g}" if value < 100 else f"{value:,.0f}"


def ratio_text(value: float) -> str:
    """A ratio with three significant digits, whole above 1000: ``56.1×``, ``2,290×``."""
    return f"{value:.3g}×" if value < 1000 else f"{value:,.0f}×"


def with_range(summary: Summary, fmt: Callable[[float], str] = r2_text) -> str:
    """``median (min–max)``, or the median alone for a single value."""
    text = fmt(summary.median)
    if summary.count > 1:
        text += f" ({fmt(summary.low)}–{fmt(summary.high)})"
    return text


def n_text(values: Sequence[int]) -> str:
    """One ``n``, or the range of several (text games)."""
    return str(values[0]) if len(values) == 1 else f"{min(values)}-{max(values)}"
