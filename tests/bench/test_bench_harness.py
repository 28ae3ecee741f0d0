"""The query-counting wrapper, the measurement of a call, the environment."""

import time

import numpy as np
import pytest

from shapiq_spex.bench.harness import CountedGame, environment, measure


class SlowGame:
    n_players = 4

    def __call__(self, coalitions):
        time.sleep(0.02)
        return coalitions.sum(axis=1).astype(float)


def test_counted_game_counts_rows_calls_and_time_inside_the_game():
    counted = CountedGame(SlowGame())
    assert counted.n_players == 4
    first = counted(np.ones((3, 4), dtype=bool))
    counted(np.zeros((5, 4), dtype=bool))
    np.testing.assert_array_equal(first, [4.0, 4.0, 4.0])
    assert counted.queries == 8 and counted.calls == 2
    assert counted.seconds >= 0.04


def test_counted_game_counts_a_failing_call():
    def broken(coalitions):
        raise ZeroDivisionError

    counted = CountedGame(broken)
    with pytest.raises(ZeroDivisionError):
        counted(np.ones((2, 3), dtype=bool))
    assert counted.queries == 2 and counted.calls == 1


@pytest.mark.parametrize("probe", ["rss", "tracemalloc", "off"])
def test_measure_splits_game_time_from_overhead(probe):
    def method(game):
        game(np.ones((10, 4), dtype=bool))
        time.sleep(0.05)  # the method's own work
        return "done"

    result, timing = measure(method, SlowGame(), memory=probe)
    assert result == "done"
    assert timing.queries == 10
    assert timing.game_s >= 0.02
    assert timing.overhead_s >= 0.04
    assert timing.total_s == pytest.approx(timing.game_s + timing.overhead_s)
    assert (timing.peak_mb is None) == (probe == "off")


def test_environment_records_versions_date_and_machine():
    env = environment()
    assert env["versions"]["shapiq"] and env["versions"]["numpy"]
    assert {"date", "python", "machine", "cpus"} <= set(env)
