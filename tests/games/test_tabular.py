"""BaselineMaskedModel: predict and predict_proba-style models, input checks."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from shapiq_spex.games import BaselineMaskedModel

RNG = np.random.default_rng(0)
X = RNG.normal(size=(150, 3))
LABELS = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.3)


def _masked(coalitions, x, baseline):
    return np.where(coalitions, x[None, :], baseline[None, :])


@pytest.fixture(scope="module")
def classifier():
    return LogisticRegression().fit(X, LABELS)


def test_predict_proba_needs_a_class(classifier) -> None:
    with pytest.raises(ValueError, match=r"3 outputs per row.*class_index=j"):
        BaselineMaskedModel(classifier.predict_proba, X[0], X.mean(axis=0))


@pytest.mark.parametrize("j", [0, 2])
def test_predict_proba_column_is_explained(classifier, j) -> None:
    x, baseline = X[4], X.mean(axis=0)
    game = BaselineMaskedModel(
        classifier.predict_proba, x, baseline, class_index=j, normalize=False
    )
    coalitions = RNG.integers(0, 2, size=(20, 3)).astype(bool)
    expected = classifier.predict_proba(_masked(coalitions, x, baseline))[:, j]
    np.testing.assert_allclose(game(coalitions), expected, rtol=0, atol=1e-15)
    assert game.n_outputs == 3
    assert game.empty_value == pytest.approx(classifier.predict_proba(baseline[None])[0, j])


def test_multiclass_lightgbm() -> None:
    booster = lgb.train(
        {"objective": "multiclass", "num_class": 3, "verbose": -1, "num_leaves": 4},
        lgb.Dataset(X, LABELS),
        10,
    )
    game = BaselineMaskedModel(booster.predict, X[1], np.zeros(3), class_index=1)
    full = game(np.ones((1, 3), bool))[0] + game.normalization_value
    assert full == pytest.approx(booster.predict(X[1:2])[0, 1], abs=1e-15)


def test_single_output_models() -> None:
    def predict(rows):
        return rows.sum(axis=1)

    assert BaselineMaskedModel(predict, X[0], X[1], class_index=0).n_outputs == 1
    with pytest.raises(ValueError, match="class_index must be <= 0"):
        BaselineMaskedModel(predict, X[0], X[1], class_index=1)
    column = BaselineMaskedModel(lambda rows: predict(rows)[:, None], X[0], X[1], normalize=False)
    assert column(np.ones((1, 3), bool))[0] == pytest.approx(X[0].sum())
    with pytest.raises(ValueError, match=r"shape \(m,\) or \(m, k\)"):
        BaselineMaskedModel(lambda rows: np.zeros((len(rows), 2, 2)), X[0], X[1])
    with pytest.raises(TypeError, match="class_index must be an integer"):
        BaselineMaskedModel(predict, X[0], X[1], class_index=0.0)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_inputs_are_rejected(bad) -> None:
    x = X[0].copy()
    x[2] = bad
    with pytest.raises(ValueError, match=r"x must be finite; feature\(s\) \[2\]"):
        BaselineMaskedModel(np.sum, x, X[1])
    with pytest.raises(ValueError, match="baseline must be finite"):
        BaselineMaskedModel(np.sum, X[1], x)
    with pytest.raises(ValueError, match="equal length"):
        BaselineMaskedModel(np.sum, X[1], X[1][:2])
    with pytest.raises(TypeError, match="predict must be callable"):
        BaselineMaskedModel("model", X[1], X[1])


def test_a_model_fitted_on_a_dataframe_gets_its_columns_and_no_warning():
    import warnings

    import pandas as pd
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(40, 4)), columns=["age", "bmi", "bp", "s1"])
    model = LinearRegression().fit(frame, frame @ np.array([1.0, -2.0, 0.5, 3.0]))
    row, baseline = frame.iloc[0], frame.mean()
    coalitions = rng.random((16, 4)) < 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "X does not have valid feature names" on arrays
        game = BaselineMaskedModel(model.predict, row, baseline, normalize=False)
        values = game(coalitions)
    data = np.where(coalitions, row.to_numpy()[None, :], baseline.to_numpy()[None, :])
    np.testing.assert_allclose(values, data @ model.coef_ + model.intercept_)
    # A model fitted on an array still gets arrays (a DataFrame would warn the other way).
    plain = LinearRegression().fit(frame.to_numpy(), frame.to_numpy() @ np.ones(4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        BaselineMaskedModel(plain.predict, row, baseline)(coalitions)
