"""Shared pieces of the benchmarks: counted games, timing, faithfulness, tables."""

from __future__ import annotations

import json
import platform
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import numpy as np

from shapiq_spex.metrics import r2_score, uniform_masks

RESULTS = Path(__file__).parent / "results"
HOLDOUT_SEED = 987_654  # never used by a method


class CountedGame:
    """Wraps a game: counts queries and the time spent inside it (the protocol's budget)."""

    def __init__(self, game) -> None:
        self.game = game
        self.n_players = game.n_players
        self.queries = 0
        self.seconds = 0.0

    def __call__(self, coalitions: np.ndarray) -> np.ndarray:
        start = time.perf_counter()
        values = self.game(coalitions)
        self.seconds += time.perf_counter() - start
        self.queries += len(coalitions)
        return values


@dataclass
class Run:
    method: str
    game: str
    n: int
    budget: int
    seed: int
    queries: int
    r2: float
    total_s: float
    game_s: float
    extra: dict = field(default_factory=dict)

    @property
    def overhead_s(self) -> float:
        return self.total_s - self.game_s


def holdout_r2(predict, game, n: int, m: int = 1000) -> float:
    masks = uniform_masks(n, m, HOLDOUT_SEED + n)
    return r2_score(np.asarray(game(masks), dtype=float), predict(masks))


def timed(method: str, game_name: str, game, n: int, budget: int, seed: int, call) -> Run:
    """Run ``call(counted_game) -> predictor`` and measure it per the protocol."""
    counted = CountedGame(game)
    start = time.perf_counter()
    predict = call(counted)
    total = time.perf_counter() - start
    r2 = holdout_r2(predict, game, n)
    return Run(method, game_name, n, budget, seed, counted.queries, r2, total, counted.seconds)


def environment() -> dict:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": __import__("os").cpu_count(),
        "versions": {p: version(p) for p in ("shapiq", "numpy", "scipy", "shapiq-spex")},
    }


def save(name: str, runs: list[Run], extra: dict | None = None) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {
        "environment": environment(),
        "runs": [asdict(r) | {"overhead_s": r.overhead_s} for r in runs],
    }
    if extra:
        payload.update(extra)
    path.write_text(json.dumps(payload, indent=1, default=str))
    return path
