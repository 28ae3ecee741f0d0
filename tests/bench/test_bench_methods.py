"""The capture of shapiq's internal Möbius transform and the method registry."""

import numpy as np
import pytest
from shapiq_games.synthetic import SOUM

from shapiq_spex.bench.methods import METHODS, get_method
from shapiq_spex.bench.metrics import exact_index_values, index_values


def test_the_captured_moebius_transform_is_the_one_shapiq_converts():
    # shapiq's ProxySPEX (hpo=False: one LightGBM fit) turns its Möbius transform into the
    # FBII values it returns; converting the captured transform must give those values.
    n = 12
    game = SOUM(n, 5, min_interaction_size=1, max_interaction_size=3, random_state=0)
    output = get_method("shapiq-proxyspex-nohpo").run(game, n, 300, 0)
    expected = exact_index_values(output.representation, n, "FBII", 2)
    returned = index_values(output.values)
    for key in set(expected) | set(returned):
        assert returned.get(key, 0.0) == pytest.approx(expected.get(key, 0.0), abs=1e-9)
    masks = np.eye(n, dtype=bool)[:3]
    moebius = output.representation
    by_hand = [moebius.get((), 0.0) + moebius.get((i,), 0.0) for i in range(3)]
    np.testing.assert_allclose(output.predictor(masks), by_hand, atol=1e-12)


def test_regression_configs_name_their_class_and_arguments():
    assert METHODS["kernelshap"].config == "shapiq KernelSHAP, defaults"
    assert METHODS["faith-banzhaf-3"].config == "shapiq RegressionFBII(max_order=3)"
    assert METHODS["kernelshapiq-2"].config == "shapiq KernelSHAPIQ(max_order=2, index='k-SII')"
    assert [METHODS[k].tier for k in ("faith-shap-2", "faith-shap-3")] == [0, 1]
    with pytest.raises(KeyError, match="known methods: spex, proxyspex"):
        get_method("nope")


def test_linked_methods_score_on_the_games_scale():
    import numpy as np

    from shapiq_spex.bench.methods import get_method
    from shapiq_spex.games import MaskedTextGame, VaderScorer

    game = MaskedTextGame(
        "The food was not good, but the service was wonderful and the staff were kind.",
        VaderScorer(),
        normalize=False,
    )
    output = get_method("proxyspex-vader").run(game, game.n_players, 300, 0)
    masks = np.random.default_rng(0).integers(0, 2, size=(50, game.n_players)).astype(bool)
    predicted = output.predictor(masks)
    # predict() maps the modelled valence sum back to compound scores in [-1, 1] ...
    assert np.all(np.abs(predicted) <= 1.0)
    # ... and the index values, which explain the sum, get the same inverse link.
    assert output.inverse_link(np.array([1e6]))[0] == pytest.approx(1.0, abs=1e-6)


def test_output_explained_methods_give_one_function_on_the_games_scale():
    import numpy as np
    from scipy.special import expit

    from shapiq_spex.bench.methods import get_method

    n = 16
    w = np.random.default_rng(0).normal(size=n)

    def game(masks):
        x = np.asarray(masks, dtype=float)
        return expit(x @ w - 1.0 + 2.0 * x[:, 0] * x[:, 1])

    output = get_method("proxyspex-logit-output").run(game, n, 300, 0)
    masks = np.random.default_rng(1).integers(0, 2, size=(50, n)).astype(bool)
    # The Möbius form is on the game's scale already: no inverse link, and it is the predictor.
    assert output.inverse_link is None
    moebius = sum(c * np.all(masks[:, list(s)], axis=1) for s, c in output.representation.items())
    assert np.allclose(moebius, output.predictor(masks), atol=1e-9)
    assert np.corrcoef(output.predictor(masks), game(masks))[0, 1] > 0.99


def test_the_paired_method_queries_each_mask_with_its_complement():
    n = 10
    seen = []

    def game(masks):
        masks = np.asarray(masks, dtype=bool)
        seen.append(masks)
        return masks @ np.arange(1.0, n + 1)

    output = get_method("proxyspex-paired").run(game, n, 128, 0)
    paid = np.concatenate(seen)
    assert paid.shape[0] == 128
    # Besides the two endpoints (v(empty), v(N)), the masks come in complementary pairs.
    ends = paid.all(axis=1) | ~paid.any(axis=1)
    random = paid[~ends]
    assert random.shape[0] >= 124
    assert np.array_equal(random[1::2], ~random[0::2])
    # The game is additive: the paired design recovers it all the same.
    masks = np.random.default_rng(1).integers(0, 2, size=(50, n)).astype(bool)
    np.testing.assert_allclose(output.predictor(masks), game(masks), atol=1e-6)
