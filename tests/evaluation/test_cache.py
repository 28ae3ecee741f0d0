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


def test_a_reader_sees_batches_written_later_by_another_connection(tmp_path):
    path = tmp_path / "shared.sqlite"
    masks = np.random.default_rng(1).integers(0, 2, (20, 13)).astype(bool)
    reader, writer = QueryCache(path, "g", 13), QueryCache(path, "g", 13)
    assert not reader.lookup(masks)[1].any()
    writer.store(masks[:5], np.arange(5.0))
    writer.store(masks[3:8], 10.0 + np.arange(5.0))  # masks 3 and 4 again: the later value wins
    values, found = reader.lookup(masks)
    assert found[:8].all() and not found[8:].any()
    np.testing.assert_array_equal(values[:8], [0, 1, 2, 10, 11, 12, 13, 14])
    assert len(reader) == len(writer) == 8


def test_store_rejects_values_that_do_not_fit(tmp_path):
    cache = QueryCache(tmp_path / "c.sqlite", "g", 9)
    masks = np.zeros((3, 9), dtype=bool)
    with pytest.raises(ValueError, match=r"values must have shape \(3,\)"):
        cache.store(masks, np.zeros(4))
    with pytest.raises(ValueError, match="values must be finite"):
        cache.store(masks, np.array([0.0, np.nan, 1.0]))
    with pytest.raises(ValueError, match=r"masks must have shape \(m, 9\)"):
        cache.store(np.zeros((3, 8), dtype=bool), np.zeros(3))
    assert len(cache) == 0


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
            count = con.execute("SELECT COALESCE(SUM(size), 0) FROM batches").fetchone()[0]
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
