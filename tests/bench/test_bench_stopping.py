"""Target stopping against fixed budgets, on stub approximators with a known quality curve."""

import numpy as np
import pytest

from shapiq_spex.bench.stopping import StoppingResult, stopping_markdown, target_stopping
from shapiq_spex.metrics import holdout_masks

N = 10
WEIGHTS = np.linspace(-1.0, 2.0, N)
STOP_AT = 300  # the stub's stopping point when asked for a target


def game(masks):
    return np.asarray(masks, dtype=float) @ WEIGHTS


def wobble(masks):
    """A fixed perturbation orthogonal to nothing in particular (deterministic)."""
    return np.cos(3.0 * np.asarray(masks, dtype=float) @ np.arange(1.0, N + 1.0))


class Stub:
    """Spends ``min(budget, STOP_AT)`` queries when given a target, all of it otherwise; its
    prediction is the game plus ``100 / queries`` times a fixed perturbation, so its R² grows
    with the queries."""

    def __init__(self, n, *, max_order, index, random_state, target_faithfulness=None):
        self.n = n
        self.target = target_faithfulness
        self.spent = 0

    def approximate(self, budget, game):
        spend = budget if self.target is None else min(budget, STOP_AT)
        rng = np.random.default_rng(0)
        for start in range(0, spend, 100):
            game(rng.integers(0, 2, size=(min(100, spend - start), self.n)).astype(bool))
        self.spent = spend
        self.budget_used_ = spend
        self.faithfulness_ = 0.95
        self.faithfulness_method_ = "validation"
        self.history_ = [(q, 0.5 + q / 1000) for q in range(100, spend + 1, 100)]

    def predict(self, masks):
        return game(masks) + 100.0 / self.spent * wobble(masks)


class NoTarget:
    def __init__(self, n, *, max_order, index, random_state):
        pass


def r2_of(queries):
    masks = holdout_masks(N)
    truth = game(masks)
    error = 100.0 / queries * wobble(masks)
    return 1.0 - np.sum(error**2) / np.sum((truth - truth.mean()) ** 2)


def test_stopping_is_compared_with_the_smallest_fixed_budget_as_good():
    result = target_stopping(game, N, cap=1000, fixed_budgets=(128, 256, 512, 1000, 4000),
                             approximator=Stub, key="linear")  # fmt: skip
    assert result.queries == STOP_AT == result.budget_used and not result.over_cap
    assert result.r2 == pytest.approx(r2_of(STOP_AT))
    # fixed budgets above the cap are left out; R² grows with the budget
    assert list(result.fixed) == ["128", "256", "512", "1000"]
    assert result.fixed["512"] == pytest.approx(r2_of(512))
    assert result.matched == 512 and result.saved == 512 - STOP_AT
    assert result.history == [[100.0, 0.6], [200.0, 0.7], [300.0, 0.8]]
    assert result.reported == 0.95 and result.reached
    text = stopping_markdown([result], {"date": "today"})
    assert "| linear | 10 | 0.9 | 1000 | 300 | 300 | 3 | 0.950 |" in text
    assert "| 512 | 212 |" in text


def test_no_fixed_budget_as_good_leaves_the_saving_open():
    result = target_stopping(game, N, cap=256, fixed_budgets=(128, 256), approximator=Stub)
    assert result.queries == 256 and result.matched == 256 and result.saved == 0
    small = target_stopping(game, N, cap=1000, fixed_budgets=(128,), approximator=Stub)
    assert small.matched is None and small.saved is None


def test_an_approximator_without_target_faithfulness_is_not_implemented():
    with pytest.raises(NotImplementedError, match="no target_faithfulness parameter"):
        target_stopping(game, N, approximator=NoTarget)


def test_the_package_proxyspex_is_checked_for_the_parameter():
    import inspect

    from shapiq_spex.approximators.proxyspex import ProxySPEX

    if "target_faithfulness" in inspect.signature(ProxySPEX).parameters:
        result = target_stopping(game, N, cap=300, fixed_budgets=(300,))
        assert result.queries <= 300
    else:
        with pytest.raises(NotImplementedError):
            target_stopping(game, N, cap=300)


@pytest.mark.parametrize(("kwargs", "message"), [({"cap": 0}, "cap"), ({"target": 1.5}, "target")])
def test_invalid_cap_or_target(kwargs, message):
    with pytest.raises(ValueError, match=message):
        target_stopping(game, N, approximator=Stub, **kwargs)


def test_results_round_trip_through_json():
    import json

    result = target_stopping(game, N, cap=512, fixed_budgets=(512,), approximator=Stub)
    again = StoppingResult(**json.loads(json.dumps(result.to_dict())))
    assert again.matched == result.matched and again.fixed == result.fixed
