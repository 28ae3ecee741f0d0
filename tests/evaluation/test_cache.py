"""Durability of the query cache: resume after a failure, survive SIGKILL."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from shapiq_spex import SPEX, GameEvaluationError
from shapiq_spex.evaluation import QueryCache, QueryEvaluator
from shapiq_spex.games import SparseFourierGame


class FailingGame:
    """Evaluates a sparse game, but raises once it has answered ``fail_after`` masks."""

    def __init__(self, inner, fail_after=None):
        self.inner = inner
        self.fail_after = fail_after
        self.seen: list[np.ndarray] = []

    def __call__(self, masks):
        done = sum(len(s) for s in self.seen)
        if self.fail_after is not None and done + len(masks) > self.fail_after:
            raise RuntimeError("power cut")
        self.seen.append(masks.copy())
        return self.inner(masks)


def test_cache_round_trip_and_player_check(tmp_path):
    cache = QueryCache(tmp_path / "c.sqlite", "g", 37)
    masks = np.random.default_rng(0).integers(0, 2, (50, 37)).astype(bool)
    values, found = cache.lookup(masks)
    assert not found.any() and np.isnan(values).all()
    cache.store(masks[:30], np.arange(30.0))
    values, found = cache.lookup(masks)
    assert found[:30].all() and not found[30:].any()
    np.testing.assert_array_equal(values[:30], np.arange(30.0))
    assert len(cache) == 30
    with pytest.raises(ValueError, match="holds game_id='g' with 37 players"):
        QueryCache(tmp_path / "c.sqlite", "g", 38)
    other = QueryCache(tmp_path / "c.sqlite", "h", 37)
    assert not other.lookup(masks)[1].any()  # ids never mix


def test_resume_after_failure_evaluates_exactly_the_missing_masks(tmp_path):
    truth = SparseFourierGame.random(120, 15, 3, random_state=0)
    path = tmp_path / "run.sqlite"
    first = FailingGame(truth, fail_after=2500)
    spex = SPEX(120, random_state=7, batch_size=500, cache=QueryCache(path, "sparse-120", 120))
    with pytest.raises(GameEvaluationError, match="power cut"):
        spex.approximate(6000, first)
    assert len(QueryCache(path, "sparse-120", 120)) > 0

    second = FailingGame(truth)
    cache = QueryCache(path, "sparse-120", 120)
    resumed = SPEX(120, random_state=7, batch_size=500, cache=cache).approximate(6000, second)
    recorder = FailingGame(truth)
    reference = SPEX(120, random_state=7, batch_size=500).approximate(6000, recorder)
    np.testing.assert_array_equal(resumed.values, reference.values)

    def keys(game):
        return [m.tobytes() for batch in game.seen for m in np.packbits(batch, axis=1)]

    paid, asked, everything = set(keys(first)), keys(second), set(keys(recorder))
    # The game is asked for exactly the run's masks that the first attempt did not pay for,
    # and every one of the 6000 queries is either a cache hit or such an evaluation.
    assert set(asked) == everything - paid
    assert cache.hits + len(asked) == 6000


def test_evaluator_counts_hits_and_game_calls(tmp_path):
    truth = SparseFourierGame.random(20, 5, 2, random_state=1)
    cache = QueryCache(tmp_path / "c.sqlite", "g20", 20)
    masks = np.random.default_rng(1).integers(0, 2, (300, 20)).astype(bool)
    calls = FailingGame(truth)
    ev = QueryEvaluator(calls, 20, batch_size=100, cache=cache)
    np.testing.assert_allclose(ev(masks[:200]), truth(masks[:200]))
    ev2 = QueryEvaluator(calls, 20, batch_size=100, cache=cache)
    np.testing.assert_allclose(ev2(masks), truth(masks))
    assert ev2.n_queries == 300 and ev2.n_evaluated == 100
    assert sum(len(s) for s in calls.seen) == 300


SCRIPT = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    from shapiq_spex.evaluation import QueryCache, QueryEvaluator

    def slow_game(masks):
        time.sleep(0.05)
        return masks.sum(axis=1).astype(float)

    cache = QueryCache(sys.argv[1], "slow", 64)
    masks = np.random.default_rng(0).integers(0, 2, (100_000, 64)).astype(bool)
    print("started", flush=True)
    QueryEvaluator(slow_game, 64, batch_size=50, cache=cache)(masks)
    """
)


def test_sigkill_mid_run_leaves_a_readable_cache(tmp_path):
    path = tmp_path / "killed.sqlite"
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "started"
    deadline = time.time() + 60
    while time.time() < deadline:
        time.sleep(0.3)
        try:
            con = sqlite3.connect(path, timeout=5)
            count = con.execute("SELECT COUNT(*) FROM queries").fetchone()[0]
            con.close()
        except sqlite3.OperationalError:
            count = 0
        if count >= 200:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    cache = QueryCache(path, "slow", 64)
    masks = np.random.default_rng(0).integers(0, 2, (100_000, 64)).astype(bool)
    values, found = cache.lookup(masks)
    assert found.sum() >= 200
    # Every stored value is the game's value for its mask: nothing half-written.
    np.testing.assert_array_equal(values[found], masks[found].sum(axis=1))
