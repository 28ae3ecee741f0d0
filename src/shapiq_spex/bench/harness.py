"""Measuring one approximator call: counted queries, time inside and outside the game, memory.

The protocol's budget is the number of game evaluations counted *here*, by a wrapper around the
game, never by the method's own report. The wall time of a call splits into the time spent
inside the game and the method's own overhead (design, decoding, regression, conversion).
"""

from __future__ import annotations

import os
import platform
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Literal

import numpy as np

__all__ = ["CountedGame", "MemoryProbe", "Timing", "environment", "measure"]

MemoryProbe = Literal["rss", "tracemalloc", "off"]
_MIB = 2.0**20
_VERSIONED = (
    "shapiq-spex",
    "shapiq",
    "sparse-transform",
    "numba",
    "numpy",
    "scipy",
    "scikit-learn",
    "lightgbm",
    "vaderSentiment",
    "matplotlib",
)


class CountedGame:
    """Wraps a game: counts its queries and the wall time spent inside it.

    Args:
        game: A callable mapping a boolean coalition matrix ``(m, n)`` to ``m`` values. Its
            ``n_players`` attribute is passed through when present.

    Attributes:
        queries: Coalitions evaluated so far (rows of every call, duplicates included).
        calls: Number of calls of the game.
        seconds: Wall time spent inside the game.
    """

    def __init__(self, game: Callable[[np.ndarray], np.ndarray]) -> None:
        self.game = game
        self.n_players = getattr(game, "n_players", None)
        self.queries = 0
        self.calls = 0
        self.seconds = 0.0

    def __call__(self, coalitions: np.ndarray) -> np.ndarray:
        """Evaluate the wrapped game and count the rows."""
        start = time.perf_counter()
        try:
            values = self.game(coalitions)
        finally:
            self.seconds += time.perf_counter() - start
            self.calls += 1
            self.queries += int(np.shape(coalitions)[0]) if np.ndim(coalitions) > 1 else 1
        return values


@dataclass(frozen=True)
class Timing:
    """What one call cost.

    Attributes:
        total_s: Wall time of the whole call.
        game_s: Wall time inside the game.
        queries: Coalitions evaluated, counted by :class:`CountedGame`.
        peak_mb: Peak memory growth during the call in MiB (``None`` when not measured).
        memory_probe: How ``peak_mb`` was measured (``"rss"``, ``"tracemalloc"`` or ``"off"``).
    """

    total_s: float
    game_s: float
    queries: int
    peak_mb: float | None
    memory_probe: str

    @property
    def overhead_s(self) -> float:
        """Time outside the game: what the method's implementation controls."""
        return max(self.total_s - self.game_s, 0.0)


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak_rss() -> bool:
    """Reset the kernel's resident-set high-water mark (Linux >= 4.0); False if unsupported."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        return False
    return _status_kib("VmHWM") is not None


@contextmanager
def _peak_memory(probe: MemoryProbe) -> Iterator[dict]:
    """Measure the peak memory growth of the block; the result lands in the yielded dict.

    ``"rss"`` resets the kernel's high-water mark of the resident set and reads it afterwards:
    no overhead, and native allocations (BLAS, LightGBM, numba) count. ``"tracemalloc"`` sees
    only allocations made through Python's allocators (numpy arrays included) and slows
    Python-heavy code, which distorts the overhead of the same call. ``"rss"`` falls back to
    ``"tracemalloc"`` where ``/proc/self/clear_refs`` is unavailable.
    """
    out: dict = {"peak_mb": None, "probe": "off"}
    if probe == "rss" and _reset_peak_rss():
        before = _status_kib("VmRSS") or 0
        try:
            yield out
        finally:
            peak = _status_kib("VmHWM")
            if peak is not None:
                out.update(peak_mb=max(peak - before, 0) / 1024.0, probe="rss")
        return
    if probe in ("rss", "tracemalloc") and not tracemalloc.is_tracing():
        tracemalloc.start()
        try:
            yield out
        finally:
            out.update(peak_mb=tracemalloc.get_traced_memory()[1] / _MIB, probe="tracemalloc")
            tracemalloc.stop()
        return
    yield out


def measure[T](
    call: Callable[[CountedGame], T],
    game: Callable[[np.ndarray], np.ndarray],
    *,
    memory: MemoryProbe = "rss",
) -> tuple[T, Timing]:
    """Run ``call(counted_game)`` and measure it per the protocol.

    Args:
        call: Runs the method on the counted game it is given and returns anything.
        game: The game to count.
        memory: How to measure the peak memory (see :class:`Timing`).

    Returns:
        The call's return value and its :class:`Timing`.
    """
    counted = CountedGame(game)
    with _peak_memory(memory) as peak:
        start = time.perf_counter()
        result = call(counted)
        total = time.perf_counter() - start
    timing = Timing(
        total_s=total,
        game_s=counted.seconds,
        queries=counted.queries,
        peak_mb=peak["peak_mb"],
        memory_probe=peak["probe"],
    )
    return result, timing


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def environment() -> dict:
    """Date, machine, load and package versions, recorded with every run."""
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "load_average": load,
        "versions": {p: _version(p) for p in _VERSIONED},
    }
