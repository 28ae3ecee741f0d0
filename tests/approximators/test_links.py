"""Output links: the approximators model link(v) and report on the game's own scale."""

import numpy as np
import pytest
from scipy.special import expit
from shapiq_games.synthetic import SOUM

from shapiq_spex import SPEX, GameEvaluationError, ProxySPEX
from shapiq_spex.approximators import Link
from shapiq_spex.approximators._links import LINKS, check_link
from shapiq_spex.evaluation import QueryCache
from shapiq_spex.games import SparseFourierGame
from shapiq_spex.metrics import r2_score, uniform_masks

METHODS = (SPEX, ProxySPEX)
N = 24


def _sparse():
    return SOUM(N, n_basis_games=8, min_interaction_size=1, max_interaction_size=3, random_state=7)


def _ends():
    return np.array([[False] * N, [True] * N])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("link", "squash"), [("atanh", np.tanh), ("logit", expit)])
def test_a_squashed_sparse_game_is_recovered_through_its_link(method, link, squash):
    inner = _sparse()
    scale = 1.0 / np.max(np.abs(inner(uniform_masks(N, 2000, seed=0))))

    def game(masks):
        return squash(3.0 * scale * inner(masks))

    approx = method(N, index="k-SII", random_state=0, link=link)
    values = approx.approximate(3000, game)
    masks = uniform_masks(N, 1000, seed=3)
    # The spectrum under the link is the sparse one, so both scales are recovered exactly.
    assert r2_score(game(masks), approx.predict(masks)) > 0.9999
    assert r2_score(3.0 * scale * inner(masks), approx.fourier_(masks)) > 0.9999
    # The values explain link(v): efficiency and the baseline in the modelled scale.
    empty, full = LINKS[link].forward(game(_ends()))
    assert values.baseline_value == pytest.approx(empty, abs=1e-12)
    assert values.values.sum() == pytest.approx(full, rel=1e-9, abs=1e-12)
    assert approx.empty_value_ == game(_ends())[0] and approx.link == link
    assert approx.faithfulness_ > 0.999


@pytest.mark.parametrize("method", METHODS)
def test_the_link_helps_where_the_raw_score_saturates(method):
    inner = _sparse()

    def game(masks):  # far into the squashing: most coalitions sit near 1
        return np.tanh(0.8 * inner(masks) + 1.5)

    masks = uniform_masks(N, 1000, seed=4)
    raw = method(N, random_state=0)
    raw.approximate(800, game)
    linked = method(N, random_state=0, link="atanh")
    linked.approximate(800, game)
    assert r2_score(game(masks), linked.predict(masks)) > r2_score(game(masks), raw.predict(masks))


def test_holdout_faithfulness_is_on_the_original_scale():
    inner = _sparse()

    def game(masks):
        return expit(0.5 * inner(masks))

    approx = ProxySPEX(N, random_state=0, link="logit", holdout_fraction=0.2)
    approx.approximate(1500, game)
    masks = uniform_masks(N, 1000, seed=9)
    assert approx.faithfulness_method_ == "holdout"
    assert abs(approx.faithfulness_ - r2_score(game(masks), approx.predict(masks))) < 0.02


def test_a_custom_pair_equals_the_built_in_link():
    game = lambda masks: np.tanh(0.3 * _sparse()(masks))  # noqa: E731
    built_in = SPEX(N, random_state=0, link="atanh").approximate(2000, game)
    custom = SPEX(N, random_state=0, link=(np.arctanh, np.tanh)).approximate(2000, game)
    np.testing.assert_allclose(custom.values, built_in.values, atol=1e-9)


@pytest.mark.parametrize("method", METHODS)
def test_values_outside_the_links_domain_stop_the_call_and_keep_the_paid_queries(method, tmp_path):
    # A probability that overshoots 1 by round-off on an eighth of the coalitions.
    inner = _sparse()

    def game(masks):
        return np.where(masks[:, :3].all(axis=1), 1.0 + 1e-9, expit(0.3 * inner(masks)))

    cache = QueryCache(tmp_path / "cache.sqlite", "overshoot", N)
    approx = method(N, random_state=0, link="logit", batch_size=100, cache=cache)
    with pytest.raises(GameEvaluationError, match="link='logit' needs game values in") as info:
        approx.approximate(3000, game)
    kept = info.value
    # Checked batch by batch: the call stops at the first batch holding such a value, and
    # that batch is kept with the others, in the error and in the cache.
    assert 0 < len(kept.values) <= 300
    assert np.any(kept.values > 1.0)
    np.testing.assert_array_equal(kept.values, game(kept.masks))
    stored, found = cache.lookup(kept.masks)
    cache.close()
    assert found.all()
    np.testing.assert_array_equal(stored, kept.values)


@pytest.mark.parametrize("method", METHODS)
def test_a_probability_rounded_past_its_ends_is_read_as_the_end(method):
    # A probability computed as 1 - q can come out at -2.2e-16 or 1 + 2.2e-16: float
    # round-off at an end is the end, not a value outside the link's domain.
    inner = _sparse()

    def game(masks):
        p = expit(4.0 * inner(masks))
        p = np.where(masks[:, :2].all(axis=1), -2.220446049250313e-16, p)
        return np.where(~masks[:, 2:4].any(axis=1), 1.0 + 2.220446049250313e-16, p)

    approx = method(N, random_state=0, link="logit")
    values = approx.approximate(1500, game)
    assert np.all(np.isfinite(values.values))
    predicted = approx.predict(uniform_masks(N, 200, seed=2))
    assert np.all((predicted >= 0.0) & (predicted <= 1.0))
    # Past round-off it is still refused.
    with pytest.raises(ValueError, match="needs game values in"):
        LINKS["logit"].apply(np.array([0.5, -1e-9]))


def _half_tanh(x):
    return 0.5 * np.tanh(x)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    ("link", "values", "match"),
    [
        ((np.arctanh, _half_tanh), "tanh", r"not a \(forward, inverse\) pair"),
        ((np.log, np.exp), "count", r"forward\(0\.0\) is -inf"),
    ],
)
def test_a_custom_link_is_checked_on_the_games_values(method, link, values, match):
    inner = _sparse()

    def game(masks):
        if values == "tanh":
            return np.tanh(0.3 * inner(masks))
        return masks.sum(axis=1).astype(float)  # 0 at the empty coalition: log(0) = -inf

    approx = method(N, random_state=0, link=link, batch_size=100)
    with pytest.raises(GameEvaluationError, match=match) as info:
        approx.approximate(2000, game)
    assert 0 < len(info.value.values) <= 200
    assert approx.fourier_ is None  # no result from a link that does not fit


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("link", ["vader", "atanh"])
def test_a_vader_score_rounded_to_plus_minus_one_stays_bounded(method, link):
    # VADER's compound score s / sqrt(s^2 + 15), rounded to 4 decimals: with large valence
    # sums two coalitions in five score exactly ±1.
    inner = SparseFourierGame.random(N, 10, 2, magnitude=(100.0, 200.0), random_state=5)

    def game(masks):
        s = inner(masks)
        return np.round(s / np.sqrt(s**2 + 15.0), 4)

    masks = uniform_masks(N, 1000, seed=1)
    truth = game(masks)
    assert np.mean(np.abs(truth) == 1.0) > 0.3
    approx = method(N, random_state=0, link=link)
    values = approx.approximate(3000, game)
    # ±1 is read as ±0.99995, the end of the rounding: a valence sum of about ±387.
    assert np.max(np.abs(values.values)) < 2000
    assert LINKS["vader"].apply(np.array([1.0]))[0] == pytest.approx(387.3, abs=0.1)
    assert r2_score(truth, approx.predict(masks)) > 0.9


def test_bad_links_name_the_argument():
    with pytest.raises(ValueError, match="link must be one of"):
        check_link("probit")
    with pytest.raises(TypeError, match="link must be a name"):
        check_link(3)
    with pytest.raises(RuntimeError, match="call approximate"):
        SPEX(N).predict(np.ones((1, N), dtype=bool))


def test_the_vader_link_undoes_the_compound_normalization():
    from shapiq_spex.games import MaskedTextGame, VaderScorer

    review = (
        "The room was lovely and the staff were kind, but the food was cold and bland and the "
        "waiter was rude. Still, the dessert was wonderful, the coffee excellent, and I would "
        "not call the evening a disaster at all."
    )
    game = MaskedTextGame(review, VaderScorer(), normalize=False)
    n = game.n_players
    masks = uniform_masks(n, 600, seed=2)
    truth = game(masks)
    plain = ProxySPEX(n, random_state=0)
    plain.approximate(1000, game)
    linked = ProxySPEX(n, random_state=0, link=VaderScorer.link)
    linked.approximate(1000, game)
    assert r2_score(truth, linked.predict(masks)) > r2_score(truth, plain.predict(masks)) + 0.02
    # The link is the exact inverse of VADER's normalization on the scorer's values.
    s = LINKS["vader"].apply(truth)
    np.testing.assert_allclose(LINKS["vader"].inverse(s), np.clip(truth, -1 + 1e-12, 1 - 1e-12))


def test_a_link_of_another_resolution():
    coarse = Link("atanh", np.arctanh, np.tanh, (-1.0, 1.0), resolution=1e-4)
    assert coarse.apply(np.array([1.0]))[0] == pytest.approx(np.arctanh(1 - 5e-5))
    assert check_link(coarse) is coarse
    with pytest.raises(ValueError, match="resolution must be"):
        Link("atanh", np.arctanh, np.tanh, (-1.0, 1.0), resolution=0.0)
