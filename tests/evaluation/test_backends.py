"""Parallel backends give the serial results bit for bit and keep every batch they evaluated."""

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shapiq_spex import SPEX, GameEvaluationError
from shapiq_spex.evaluation import (
    DaskBackend,
    JoblibBackend,
    QueryCache,
    QueryEvaluator,
    SerialBackend,
)
from shapiq_spex.evaluation._dispatch import Guarded
from shapiq_spex.games import SparseFourierGame


def noisy_free_game():
    return SparseFourierGame.random(80, 12, 3, constant=0.3, random_state=3)


class Exploding:
    def __call__(self, masks):
        if masks[:, 0].all():
            raise RuntimeError("bad batch")
        return masks.sum(axis=1).astype(float)


def run(backend):
    spex = SPEX(80, index="FSII", random_state=5, batch_size=700, backend=backend)
    return spex.approximate(5000, noisy_free_game())


def test_joblib_processes_and_threads_equal_serial():
    serial = run(None)
    for backend in (JoblibBackend(n_jobs=2), JoblibBackend(n_jobs=2, prefer="threads")):
        parallel = run(backend)
        assert parallel.interaction_lookup == serial.interaction_lookup
        np.testing.assert_array_equal(parallel.values, serial.values)


def test_dask_local_cluster_equals_serial():
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        assert len(client.scheduler_info()["workers"]) == 2
        parallel = run(DaskBackend(client))
        # A failing batch surfaces as the usual error, with the finished batches kept.
        masks = np.zeros((40, 5), dtype=bool)
        masks[20:, 0] = True
        with pytest.raises(GameEvaluationError, match="bad batch") as info:
            QueryEvaluator(Exploding(), 5, batch_size=20, backend=DaskBackend(client))(masks)
        assert len(info.value.values) <= 20
    serial = run(None)
    np.testing.assert_array_equal(parallel.values, serial.values)


def test_serial_backend_order_and_bad_backends():
    batches = [np.eye(3, dtype=bool)[i : i + 1] for i in range(3)]
    out = list(SerialBackend().imap(lambda m: m.argmax(axis=1), batches))
    assert [i for i, _ in out] == [0, 1, 2]
    with pytest.raises(TypeError, match="backend must"):
        SPEX(10, backend="dask")
    with pytest.raises(ValueError, match="n_jobs"):
        JoblibBackend(n_jobs=0)
    with pytest.raises(TypeError, match=r"distributed\.Client"):
        DaskBackend(object())


def value_of(masks):
    """A value that identifies its mask: the mask read as a binary number, plus a half."""
    return masks @ (2.0 ** np.arange(masks.shape[1])) + 0.5


class Ledger:
    """Records every batch it answers (one file each) and raises on the batch holding ``poison``.

    The files are the side channel that says what was evaluated (and paid for), whatever
    process or thread ran the batch.
    """

    def __init__(self, folder, poison):
        self.folder = folder
        self.poison = poison

    def __call__(self, masks):
        time.sleep(0.002 * (int(value_of(masks[:1])[0]) % 4))  # shuffles completion order
        if (masks == self.poison).all(axis=1).any():
            raise RuntimeError("poisoned batch")
        np.save(self.folder / f"{uuid.uuid4().hex}.npy", masks)
        return value_of(masks)

    def evaluated(self):
        return [np.load(f) for f in sorted(self.folder.glob("*.npy"))]


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def make_backend(name, request):
    if name == "serial":
        return SerialBackend()
    if name == "dask":
        return DaskBackend(request.getfixturevalue("dask_client"))
    return JoblibBackend(n_jobs=2, prefer=name.removeprefix("joblib-"))


@pytest.mark.parametrize("name", ["serial", "joblib-processes", "joblib-threads", "dask"])
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_what_was_evaluated_is_what_was_kept(name, request, data):
    n_batches = data.draw(st.integers(2, 10), label="n_batches")
    batch_size = data.draw(st.integers(1, 6), label="batch_size")
    fail_at = data.draw(st.integers(0, n_batches - 1), label="fail_at")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    m = n_batches * batch_size
    codes = np.random.default_rng(seed).choice(1024, size=m, replace=False)
    masks = ((codes[:, None] >> np.arange(10)) & 1).astype(bool)  # m distinct masks
    backend = make_backend(name, request)
    with tempfile.TemporaryDirectory() as folder:
        game = Ledger(Path(folder), poison=masks[fail_at * batch_size])
        cache = QueryCache(Path(folder) / "cache.sqlite", "ledger", 10)
        evaluate = QueryEvaluator(game, 10, batch_size=batch_size, cache=cache, backend=backend)
        with pytest.raises(GameEvaluationError, match="poisoned batch") as info:
            evaluate(masks)
        evaluated = game.evaluated()
        values, found = cache.lookup(masks)
        cache.close()
    kept = info.value.masks
    key = {row.tobytes(): i for i, row in enumerate(np.packbits(masks, axis=1))}
    kept_rows = sorted(key[row.tobytes()] for row in np.packbits(kept, axis=1))
    paid_rows = sorted(key[row.tobytes()] for b in evaluated for row in np.packbits(b, axis=1))
    assert kept_rows == paid_rows  # each evaluated mask is kept once, and nothing else is
    np.testing.assert_array_equal(info.value.values, value_of(kept))
    assert np.flatnonzero(found).tolist() == sorted(kept_rows)  # the cache holds the same
    np.testing.assert_array_equal(values[found], value_of(masks[found]))
    assert fail_at * batch_size not in kept_rows
    if name == "serial":
        assert kept_rows == list(range(fail_at * batch_size))


KILLED_PARENT = textwrap.dedent(
    """
    import os, sys, time, uuid
    from pathlib import Path
    import numpy as np
    from shapiq_spex.evaluation import JoblibBackend
    from shapiq_spex.evaluation.evaluator import QueryEvaluator

    folder = Path(sys.argv[1])

    def game(masks):
        slow = bool(masks[:, 0].any())
        time.sleep(0.05 if slow else 0.0005)
        (folder / f"{os.getpid()}-{int(slow)}-{uuid.uuid4().hex}").touch()
        return masks.sum(axis=1).astype(float)

    masks = np.zeros((100_000, 8), dtype=bool)
    masks[1000:, 0] = True  # many quick batches first, then slow ones
    print("started", flush=True)
    QueryEvaluator(game, 8, batch_size=10, backend=JoblibBackend(2))(masks)
    """
)


def test_joblib_workers_stop_when_the_parent_is_killed(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_PARENT, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )

    def slow_batches():
        return sum(1 for f in tmp_path.iterdir() if f.name.split("-")[1] == "1")

    try:
        assert proc.stdout.readline().strip() == "started"
        deadline = time.monotonic() + 120
        while slow_batches() < 10 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert slow_batches() >= 10
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    workers = {int(f.name.split("-")[0]) for f in tmp_path.iterdir()}
    try:
        time.sleep(1.0)  # the batches in flight at the kill (50 ms each) may finish
        settled = slow_batches()
        time.sleep(1.5)
        assert slow_batches() == settled  # ... but no worker starts another one
    finally:
        for pid in workers:  # the orphaned workers of the killed process, if still alive
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


class ReusedBuffer:
    """Answers every batch in one buffer per thread, overwritten by that thread's next call.

    A worker thread that starts its next batch before the evaluator has read the previous
    output changes that output under the evaluator's feet unless the worker copies it.
    """

    def __init__(self):
        self.local = threading.local()

    def __call__(self, masks):
        buffer = getattr(self.local, "buffer", None)
        if buffer is None or buffer.shape[0] < masks.shape[0]:
            buffer = self.local.buffer = np.empty(max(64, masks.shape[0]))
        out = buffer[: masks.shape[0]]
        out[:] = value_of(masks)
        return out


def test_guarded_game_output_is_copied_in_the_worker():
    game = ReusedBuffer()
    guarded = Guarded(game)
    masks = np.eye(4, dtype=bool)
    first = guarded(masks[:2])
    second = guarded(masks[2:])
    assert not np.shares_memory(first, second)
    np.testing.assert_array_equal(first, value_of(masks[:2]))


@pytest.mark.parametrize("name", ["joblib-threads", "dask"])
def test_threads_reusing_their_output_buffer_store_the_right_values(name, request, tmp_path):
    codes = np.random.default_rng(0).choice(4096, size=741, replace=False)
    masks = ((codes[:, None] >> np.arange(12)) & 1).astype(bool)
    cache = QueryCache(tmp_path / "cache.sqlite", "reused-buffer", 12)
    evaluate = QueryEvaluator(
        ReusedBuffer(), 12, batch_size=3, cache=cache, backend=make_backend(name, request)
    )
    returned = evaluate(masks)
    stored, found = cache.lookup(masks)
    cache.close()
    assert found.all()
    np.testing.assert_array_equal(returned, value_of(masks))
    np.testing.assert_array_equal(stored, value_of(masks))
