"""explain="output": fitted on the link's scale, values that explain the game's own output."""

import numpy as np
import pytest
from scipy.special import expit
from shapiq import ExactComputer
from shapiq_games.synthetic import SOUM

from shapiq_spex import SPEX, ProxySPEX
from shapiq_spex.metrics import r2_score, uniform_masks

METHODS = (SPEX, ProxySPEX)


def _probability_game(n, seed=0):
    """A probability: the logistic function of a sparse sum with two pairs."""
    w = 1.5 * np.random.default_rng(seed).normal(size=n)

    def game(masks):
        x = np.asarray(masks, dtype=float)
        return expit(x @ w - 2.0 + 3.0 * x[:, 0] * x[:, 1] - 2.5 * x[:, 2] * x[:, 3])

    return game


def _ends(n):
    return np.array([[False] * n, [True] * n])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("index", "order"), [("SV", 1), ("FSII", 2), ("FBII", 2)])
def test_the_values_are_the_exact_indices_of_the_output(method, index, order):
    # 2^10 coalitions: the distillation queries every one of the fitted function's values, and
    # the fit on the logit scale is exact, so the values are the game's own indices although
    # the method paid for fewer queries than an exhaustive computation would need.
    n = 10
    game = _probability_game(n)
    approx = method(n, max_order=order, index=index, random_state=0, link="logit", explain="output")
    values = approx.approximate(700, game)
    exact = ExactComputer(game, n_players=n)(index, order)
    for interaction in exact.interaction_lookup:
        if interaction:
            assert values[interaction] == pytest.approx(exact[interaction], abs=1e-7)
    assert approx.budget_used_ <= 700
    assert approx.distillation_r2_ == 1.0
    assert values.baseline_value == pytest.approx(game(_ends(n))[0], abs=1e-12)
    masks = uniform_masks(n, 300, seed=1)
    assert np.allclose(approx.predict(masks), game(masks), atol=1e-9)
    assert np.allclose(approx.fourier_(masks), game(masks), atol=1e-9)
    assert r2_score(game(masks), expit(approx.link_fourier_(masks))) > 1 - 1e-9


@pytest.mark.parametrize("method", METHODS)
def test_with_every_coalition_queried_the_values_are_the_outputs_exact_indices(method):
    n = 9
    game = _probability_game(n, seed=2)
    approx = method(n, max_order=2, index="FSII", random_state=0, link="logit", explain="output")
    values = approx.approximate(2**n, game)
    exact = ExactComputer(game, n_players=n)("FSII", 2)
    for interaction in exact.interaction_lookup:
        if interaction:
            assert values[interaction] == pytest.approx(exact[interaction], abs=1e-9)
    ends = _ends(n)
    assert approx.faithfulness_method_ == "exact" and approx.distillation_r2_ == 1.0
    assert values.baseline_value == pytest.approx(game(ends)[0], abs=1e-12)
    assert np.allclose(expit(approx.link_fourier_(ends)), game(ends), atol=1e-9)


def _saturated(n):
    inner = SOUM(n, n_basis_games=20, min_interaction_size=1, max_interaction_size=3,
                 random_state=3)  # fmt: skip
    scale = 10.0 / np.max(np.abs(inner(uniform_masks(n, 2000, seed=0))))

    def game(masks):
        return expit(scale * inner(masks) + 2.0)

    return game


def test_on_a_saturated_game_the_output_values_beat_the_identity_fit():
    n = 40
    game = _saturated(n)
    masks = uniform_masks(n, 1000, seed=5)
    truth = game(masks)
    kwargs = {"max_order": 2, "index": "FSII", "random_state": 0}
    identity = ProxySPEX(n, **kwargs)
    identity.approximate(500, game)
    output = ProxySPEX(n, **kwargs, link="logit", explain="output", exact_efficiency=True)
    values = output.approximate(500, game)
    r2_identity = r2_score(truth, identity.predict(masks))
    r2_output = r2_score(truth, output.predict(masks))
    assert r2_output > r2_identity + 0.1
    # One function behind values, predict and fourier_, on the game's scale.
    assert np.array_equal(output.predict(masks), output.fourier_(masks))
    assert 0.9 < output.distillation_r2_ < 1.0
    assert abs(output.faithfulness_ - r2_output) < 0.05
    # Anchored to the queried endpoints: FSII adds up to v(N) on the output scale.
    empty, full = game(_ends(n))
    assert values.baseline_value == pytest.approx(empty, abs=1e-12)
    assert values.values.sum() == pytest.approx(full, abs=1e-9)
    assert output.endpoint_errors_ == (0.0, 0.0)
    assert output.uncertainty_ is None


@pytest.mark.parametrize("method", METHODS)
def test_without_a_link_explain_output_changes_nothing(method):
    n = 12
    game = SOUM(n, n_basis_games=6, max_interaction_size=2, random_state=1)
    plain = method(n, random_state=0).approximate(600, game)
    approx = method(n, random_state=0, explain="output")
    same = approx.approximate(600, game)
    assert np.array_equal(plain.values, same.values)
    assert approx.link_fourier_ is None and approx.distillation_r2_ is None


def test_explain_is_validated():
    with pytest.raises(ValueError, match=r"explain must be one of \('link', 'output'\)"):
        ProxySPEX(8, link="logit", explain="probability")
    with pytest.raises(TypeError, match="explain must be one of"):
        SPEX(8, explain=1)
    assert ProxySPEX(8, explain="output").explain == "output"
