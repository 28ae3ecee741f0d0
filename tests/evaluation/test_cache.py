"""Durability of the query cache: resume after a failure, survive SIGKILL."""

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from shapiq_spex import SPEX, GameEvaluationError
from shapiq_spex.evaluation import CacheWriteError, QueryCache
from shapiq_spex.evaluation.evaluator import QueryEvaluator
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
    from shapiq_spex.evaluation import QueryCache
    from shapiq_spex.evaluation.evaluator import QueryEvaluator

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


def value_of(masks):
    """A value that identifies its mask (up to float precision): the mask as a binary number."""
    return masks @ (2.0 ** np.arange(masks.shape[1])) + 0.5


class Counting:
    def __init__(self):
        self.seen = []

    def __call__(self, masks):
        self.seen.append(masks.copy())
        return value_of(masks)


def distinct_masks(m, n, seed=0):
    """``m`` random masks on ``n`` players, distinct in their first 16 players."""
    rng = np.random.default_rng(seed)
    k = min(n, 16)
    codes = rng.choice(2**k, size=m, replace=False)
    head = ((codes[:, None] >> np.arange(k)) & 1).astype(bool)
    return np.hstack([head, rng.random((m, n - k)) < 0.5])


def filled_cache(path, masks, batch_size):
    cache = QueryCache(path, "g", masks.shape[1])
    QueryEvaluator(value_of, masks.shape[1], batch_size=batch_size, cache=cache)(masks)
    cache.close()


def overwrite_in_file(path, blob, offset, junk):
    """Overwrite bytes of ``blob`` where it lies in the database file (not through SQLite)."""
    data = path.read_bytes()
    start = data.index(blob) + offset
    with path.open("r+b") as f:
        f.seek(start)
        f.write(junk)


@pytest.mark.parametrize("where", ["values blob, in the file", "masks blob, via SQL"])
def test_a_corrupted_batch_is_dropped_with_a_warning_and_evaluated_again(tmp_path, where):
    path = tmp_path / "c.sqlite"
    masks = distinct_masks(300, 16)
    filled_cache(path, masks, batch_size=100)  # three batches; the last close checkpoints
    con = sqlite3.connect(path)
    blob_id, blob_masks, blob_values = con.execute(
        'SELECT id, masks, "values" FROM batches ORDER BY id LIMIT 1 OFFSET 1'
    ).fetchone()
    if where == "masks blob, via SQL":
        flipped = bytearray(blob_masks)
        flipped[10] ^= 0x01  # one bit: another mask, stored under a wrong value
        con.execute("UPDATE batches SET masks = ? WHERE id = ?", (bytes(flipped), blob_id))
        con.commit()
    con.close()
    if where == "values blob, in the file":
        overwrite_in_file(path, blob_values, 100, bytes(range(64)))
        assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone() == ("ok",)
    cache = QueryCache(path, "g", 16)
    with pytest.warns(UserWarning, match=f"batch {blob_id} .*checksum"):
        values, found = cache.lookup(masks)
    np.testing.assert_array_equal(found, np.r_[np.ones(100), np.zeros(100), np.ones(100)])
    np.testing.assert_array_equal(values[found], value_of(masks[found]))
    game = Counting()
    np.testing.assert_array_equal(
        QueryEvaluator(game, 16, cache=cache)(masks), value_of(masks)
    )  # re-evaluated: exactly the dropped batch's masks
    np.testing.assert_array_equal(np.concatenate(game.seen), masks[100:200])


def test_a_foreign_sqlite_file_is_refused_and_left_untouched(tmp_path):
    foreign = tmp_path / "app.sqlite"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE people (name TEXT, age INTEGER)")
    con.execute("INSERT INTO people VALUES ('Ada', 36)")
    con.commit()
    con.close()
    lookalike = tmp_path / "lookalike.sqlite"  # our table names, other columns
    con = sqlite3.connect(lookalike)
    con.execute("CREATE TABLE games (game_id TEXT, owner TEXT)")
    con.execute("CREATE TABLE batches (id INTEGER PRIMARY KEY, payload BLOB)")
    con.commit()
    con.close()
    text = tmp_path / "notes.sqlite"
    text.write_text("not a database at all\n" * 100)
    for path in (foreign, lookalike, text):
        before = path.read_bytes()
        with pytest.raises(ValueError, match="not a shapiq-spex query cache") as info:
            QueryCache(path, "g", 8)
        assert str(path) in str(info.value)
        assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "app.sqlite",
        "lookalike.sqlite",
        "notes.sqlite",
    ]  # no journal or WAL file was created either


LEGACY_SCHEMA = """
CREATE TABLE games (game_id TEXT PRIMARY KEY, n_players INTEGER);
CREATE TABLE batches (
    id INTEGER PRIMARY KEY, game_id TEXT NOT NULL, size INTEGER NOT NULL,
    masks BLOB NOT NULL, "values" BLOB NOT NULL
);
CREATE INDEX batches_by_game ON batches (game_id, id);
"""


def test_a_cache_written_before_checksums_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.sqlite"
    masks = distinct_masks(50, 12)
    con = sqlite3.connect(path)
    con.executescript(LEGACY_SCHEMA)
    con.execute("INSERT INTO games VALUES ('g', 12)")
    for part in (masks[:30], masks[30:]):
        con.execute(
            'INSERT INTO batches (game_id, size, masks, "values") VALUES (?, ?, ?, ?)',
            ("g", len(part), np.packbits(part, axis=1).tobytes(), value_of(part).tobytes()),
        )
    con.commit()
    con.close()
    with pytest.warns(UserWarning, match=r"upgraded .* 2 batches"):
        cache = QueryCache(path, "g", 12)
    values, found = cache.lookup(masks)
    assert found.all()
    np.testing.assert_array_equal(values, value_of(masks))
    cache.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # upgraded once: no warning the second time
        assert len(QueryCache(path, "g", 12)) == 50


def test_a_failed_write_keeps_every_evaluated_batch_in_the_error(tmp_path):
    path = tmp_path / "full.sqlite"
    masks = distinct_masks(600, 200)
    cache = QueryCache(path, "g", 200)
    evaluate = QueryEvaluator(value_of, 200, batch_size=100, cache=cache)
    evaluate(masks[:200])
    # The disk is full: the database may not grow by a single page any more.
    pages = cache._conn.execute("PRAGMA page_count").fetchone()[0]
    cache._conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(CacheWriteError, match="database or disk is full") as info:
        evaluate(masks)
    assert isinstance(info.value, GameEvaluationError)
    assert str(path) in str(info.value)
    # Everything evaluated, including the batch whose write failed, is in the error.
    np.testing.assert_array_equal(info.value.masks, masks[:300])
    np.testing.assert_array_equal(info.value.values, value_of(masks[:300]))
    cache.close()
    assert len(QueryCache(path, "g", 200)) == 200  # what was committed is still readable


def test_store_raises_a_cache_write_error_with_the_batch(tmp_path):
    cache = QueryCache(tmp_path / "c.sqlite", "g", 64)
    pages = cache._conn.execute("PRAGMA page_count").fetchone()[0]
    cache._conn.execute(f"PRAGMA max_page_count = {pages}")
    masks = distinct_masks(500, 64, seed=3)
    with pytest.raises(CacheWriteError) as info:
        cache.store(masks, np.arange(500.0))
    np.testing.assert_array_equal(info.value.masks, masks)
    np.testing.assert_array_equal(info.value.values, np.arange(500.0))


@contextlib.contextmanager
def unprivileged():
    """Drop root's effective uid (root may write into read-only folders)."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)


def test_unusable_paths_are_refused_at_construction_with_the_path(tmp_path):
    missing = tmp_path / "no-such-folder" / "c.sqlite"
    with pytest.raises(ValueError, match=r"folder .* does not exist") as info:
        QueryCache(missing, "g", 8)
    assert str(missing.parent) in str(info.value)
    with pytest.raises(ValueError, match="is a directory") as info:
        QueryCache(tmp_path, "g", 8)
    assert str(tmp_path) in str(info.value)
    # A folder others may enter (tmp_path's parents are private to this user).
    with tempfile.TemporaryDirectory() as shared:
        Path(shared).chmod(0o755)
        locked = Path(shared) / "locked"
        locked.mkdir(mode=0o555)
        try:
            with unprivileged(), pytest.raises(ValueError, match="not writable") as info:
                QueryCache(locked / "c.sqlite", "g", 8)
            assert str(locked) in str(info.value)
            assert list(locked.iterdir()) == []
        finally:
            locked.chmod(0o755)
    with pytest.raises(TypeError, match="path must be"):
        QueryCache(3, "g", 8)


def test_arguments_are_checked_by_type_and_value(tmp_path):
    path = tmp_path / "c.sqlite"
    cache = QueryCache(path, "g", np.int64(8))
    assert cache.n_players == 8 and type(cache.n_players) is int
    assert QueryCache(path, "g", np.uint16(8)).n_players == 8
    with pytest.raises(TypeError, match="n_players must be an integer"):
        QueryCache(path, "g", 8.0)
    with pytest.raises(TypeError, match="n_players must be an integer"):
        QueryCache(path, "g", True)
    with pytest.raises(ValueError, match="n_players must be >= 1"):
        QueryCache(path, "g", 0)
    with pytest.raises(TypeError, match="game_id must be a string"):
        QueryCache(path, 7, 8)
    with pytest.raises(ValueError, match="game_id must be a non-empty string"):
        QueryCache(path, "", 8)


def test_connections_setting_up_the_same_new_file_at_once_all_succeed(tmp_path):
    masks = distinct_masks(8, 10)
    for attempt in range(40):  # the race is rare: about 1 attempt in 50 failed without a retry
        path = tmp_path / f"new-{attempt}.sqlite"
        start = threading.Barrier(8)
        errors = []

        def open_and_store(k, path=path, start=start, errors=errors):
            try:
                start.wait()
                cache = QueryCache(path, "g", 10)
                cache.store(masks[k : k + 1], value_of(masks[k : k + 1]))
                cache.close()
            except Exception as exc:  # collected: an exception in a thread is otherwise lost
                errors.append(exc)

        threads = [threading.Thread(target=open_and_store, args=(k,)) for k in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        values, found = QueryCache(path, "g", 10).lookup(masks)
        assert found.all()
        np.testing.assert_array_equal(values, value_of(masks))


def test_a_cache_of_a_newer_layout_is_refused(tmp_path):
    path = tmp_path / "future.sqlite"
    QueryCache(path, "g", 8).close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 99")
    con.close()
    with pytest.raises(ValueError, match="written by a newer shapiq-spex"):
        QueryCache(path, "g", 8)


def test_an_empty_file_or_database_is_refused_and_left_untouched(tmp_path):
    # Neither was created by shapiq-spex: taking them over would write into someone's file.
    empty_file = tmp_path / "empty.sqlite"
    empty_file.touch()
    empty_database = tmp_path / "blank.sqlite"
    con = sqlite3.connect(empty_database)
    con.execute("PRAGMA user_version = 7")  # a valid SQLite file without any table
    con.close()
    assert empty_database.stat().st_size > 0
    for path, what in ((empty_file, "an empty file"), (empty_database, "an empty SQLite database")):
        before = path.read_bytes()
        with pytest.raises(ValueError, match=f"is {what}, not a shapiq-spex query cache") as info:
            QueryCache(path, "g", 8)
        assert str(path) in str(info.value)
        assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blank.sqlite", "empty.sqlite"]


def test_a_path_that_is_not_a_regular_file_is_refused_before_sqlite_touches_it(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for path in (Path(os.devnull), fifo):
        with pytest.raises(ValueError, match="is not a regular file") as info:
            QueryCache(path, "g", 8)
        assert str(path) in str(info.value)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]  # no pipe-journal or pipe-wal


def test_a_new_cache_leaves_no_temporary_file_and_reopens(tmp_path):
    path = tmp_path / "weird name #1?.sqlite"  # characters that a file: URI must escape
    masks = distinct_masks(5, 9)
    cache = QueryCache(path, "g", 9)
    cache.store(masks, value_of(masks))
    cache.close()
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    values, found = QueryCache(path, "g", 9).lookup(masks)
    assert found.all()
    np.testing.assert_array_equal(values, value_of(masks))


def test_check_cache_path_refuses_what_the_cache_refuses_and_writes_nothing(tmp_path):
    from shapiq_spex.evaluation.cache import check_cache_path

    good = tmp_path / "good.sqlite"
    QueryCache(good, "g", 4).close()
    check_cache_path(good)
    check_cache_path(tmp_path / "new.sqlite")  # a new file is fine, and is not created
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    text = tmp_path / "notes.sqlite"
    text.write_text("not a database " * 100)
    for path, message in [
        (empty, "is an empty file"),
        (text, "not a shapiq-spex query cache"),
        (Path(os.devnull), "is not a regular file"),
        (tmp_path, "is a directory"),
    ]:
        with pytest.raises(ValueError, match=message):
            check_cache_path(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "empty.sqlite",
        "good.sqlite",
        "notes.sqlite",
    ]
    assert empty.read_bytes() == b""
