"""Parallel backends give the serial results bit for bit."""

import numpy as np
import pytest

from shapiq_spex import SPEX, GameEvaluationError
from shapiq_spex.evaluation import DaskBackend, JoblibBackend, QueryEvaluator, SerialBackend
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
