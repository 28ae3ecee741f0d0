"""The data attribution game against hand-computed values."""

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import Ridge
from sklearn.neighbors import KNeighborsClassifier

from shapiq_spex.games import DataAttributionGame

X = np.array([[0.0], [1.0], [2.0], [3.0]])
Y = np.array([0, 0, 1, 1])


def one_nn_game(**kwargs):
    return DataAttributionGame(
        X, Y, np.array([2.2]), model=KNeighborsClassifier(n_neighbors=1), normalize=False, **kwargs
    )


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ((), 0.5),  # no data: the class frequency of the full training set
        ((0, 1), 0.0),  # only class 0 present: always class 0
        ((2,), 1.0),  # only class 1 present
        ((0, 3), 1.0),  # 1-NN of 2.2 among {0, 3} is 3 (class 1)
        ((0, 1, 2, 3), 1.0),  # nearest is 2
        ((0, 1, 3), 1.0),  # nearest is 3 (0.8 away) rather than 1 (1.2 away)
        ((0, 1), 0.0),
        ((1, 3), 1.0),
    ],
)
def test_one_nearest_neighbour_values_by_hand(members, expected):
    game = one_nn_game()
    coalition = np.zeros((1, 4), dtype=bool)
    coalition[0, list(members)] = True
    assert game(coalition)[0] == pytest.approx(expected)


def test_groups_make_players_of_several_points():
    game = one_nn_game(groups=np.array([0, 0, 1, 1]))
    assert game.n_players == 2
    values = game(np.array([[True, False], [False, True], [True, True]]))
    np.testing.assert_allclose(values, [0.0, 1.0, 1.0])


def test_batch_equals_one_by_one_and_deterministic():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 3))
    y = (x[:, 0] + x[:, 1] > 0).astype(int)
    game = DataAttributionGame(
        x, y, x[:3] + 0.1, model=RandomForestClassifier(n_estimators=5, random_state=0)
    )
    coalitions = rng.integers(0, 2, size=(6, 30)).astype(bool)
    batch = game(coalitions)
    single = np.array([game(c[None, :])[0] for c in coalitions])
    np.testing.assert_array_equal(batch, single)
    np.testing.assert_array_equal(batch, game(coalitions))


def test_regression_and_log_loss_outputs():
    x = np.arange(6, dtype=float)[:, None]
    y = 2.0 * x[:, 0] + 1.0
    game = DataAttributionGame(
        x, y, np.array([10.0]), model=Ridge(alpha=1e-9), output="prediction", normalize=False
    )
    # A linear model through any two points extrapolates exactly: 2 * 10 + 1.
    assert game(np.array([[1, 0, 0, 0, 0, 1]], dtype=bool))[0] == pytest.approx(21.0)
    assert game(np.zeros((1, 6), bool))[0] == pytest.approx(y.mean())
    loss = one_nn_game(output="log_loss", y_test=np.array([1]))
    # Correct certain prediction: log 1 = 0; prior 0.5: log 0.5.
    assert loss(np.ones((1, 4), bool))[0] == pytest.approx(0.0)
    assert loss(np.zeros((1, 4), bool))[0] == pytest.approx(np.log(0.5))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"output": "prediction"}, "for regressors"),
        ({"output": "log_loss"}, "needs y_test"),
        ({"target_class": 7}, "not among the classes"),
        ({"groups": np.array([0, 0, 2, 2])}, "every player id"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        one_nn_game(**kwargs)


def test_coalitions_below_min_size_use_their_class_frequencies():
    game = DataAttributionGame(
        X, Y, np.array([2.2]), model=KNeighborsClassifier(n_neighbors=3), min_size=3,
        normalize=False,
    )  # fmt: skip
    # {0, 2}: two points, one per class -> frequency 1/2 (3-NN cannot be trained).
    assert game(np.array([[1, 0, 1, 0]], dtype=bool))[0] == pytest.approx(0.5)
    # {0, 1, 2}: 3-NN on all three: one of three neighbours is class 1.
    assert game(np.array([[1, 1, 1, 0]], dtype=bool))[0] == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="min_size"):
        DataAttributionGame(X, Y, np.array([2.2]), min_size=0)
