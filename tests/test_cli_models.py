"""Model files of ``explain csv``: LightGBM text, scikit-learn via skops, pickles on request."""

import joblib
import lightgbm as lgb
import numpy as np
import pytest
import skops.io as sio
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from shapiq_spex.cli.inputs import UsageError
from shapiq_spex.cli.models import load_model

RNG = np.random.default_rng(0)
X = RNG.normal(size=(120, 4))
THREE = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)


def test_lightgbm_text_model_predicts_as_the_booster(tmp_path):
    booster = lgb.train({"verbose": -1, "num_leaves": 4}, lgb.Dataset(X, X[:, 0] - X[:, 2]), 5)
    path = tmp_path / "model.txt"
    booster.save_model(str(path))
    model = load_model(path, raw=False)
    assert (model.n_features, model.n_outputs, model.kind) == (4, 1, "LightGBM model")
    np.testing.assert_allclose(model.predict(X[:7]), booster.predict(X[:7]))


def test_a_skops_pipeline_loads_without_trust_and_predicts_like_the_estimator(tmp_path):
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, THREE)
    path = tmp_path / "pipe.skops"
    sio.dump(pipe, path)
    model = load_model(path, raw=False)
    assert model.n_outputs == 3 and model.classes == ["0", "1", "2"] and model.n_features == 4
    np.testing.assert_allclose(model.predict(X[:5]), pipe.predict_proba(X[:5]))
    raw = load_model(path, raw=True)
    np.testing.assert_allclose(raw.predict(X[:5]), pipe.decision_function(X[:5]))


def test_a_binary_classifier_explains_its_second_class(tmp_path):
    clf = LogisticRegression().fit(X, X[:, 0] > 0)
    path = tmp_path / "clf.skops"
    sio.dump(clf, path)
    model = load_model(path, raw=False)
    assert model.n_outputs == 1 and model.output == "probability of class True"
    np.testing.assert_allclose(model.predict(X[:5]), clf.predict_proba(X[:5])[:, 1])


def test_skops_types_outside_its_default_trust_need_trust_types(tmp_path):
    forest = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, THREE)
    path = tmp_path / "forest.skops"
    sio.dump(forest, path)
    with pytest.raises(UsageError, match=r"--trust-types sklearn\.tree\._tree\.Tree"):
        load_model(path, raw=False)
    model = load_model(path, raw=False, trust_types=["sklearn.tree._tree.Tree"])
    np.testing.assert_allclose(model.predict(X[:5]), forest.predict_proba(X[:5]))
    with pytest.raises(UsageError, match="--raw needs a decision_function"):
        load_model(path, raw=True, trust_types=["sklearn.tree._tree.Tree"])


class _Bomb:
    """Unpickling calls ``marker.touch()``: the arbitrary code a pickle can run."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (type(self.marker).touch, (self.marker,))


def test_a_pickle_is_not_loaded_without_trust_pickle(tmp_path):
    marker = tmp_path / "code-ran"
    path = tmp_path / "model.joblib"
    joblib.dump(_Bomb(marker), path)
    with pytest.raises(UsageError, match="only read with --trust-pickle") as info:
        load_model(path, raw=False)
    assert "skops.io.dump" in str(info.value)
    assert not marker.exists()  # nothing of the file ran
    regression = LinearRegression().fit(X, X @ [1.0, 2.0, 0.0, -1.0])
    joblib.dump(regression, path)
    model = load_model(path, raw=False, trust_pickle=True)
    assert model.n_outputs == 1 and model.output == "model output"
    np.testing.assert_allclose(model.predict(X[:5]), regression.predict(X[:5]))


def test_unsupported_files_and_directories_are_named(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a model at all")
    with pytest.raises(UsageError, match="neither a LightGBM text model nor a skops"):
        load_model(text, raw=False)
    with pytest.raises(UsageError, match="is a directory, not a model file"):
        load_model(tmp_path, raw=False)
    with pytest.raises(UsageError, match="no such model file"):
        load_model(tmp_path / "missing.txt", raw=False)
    holder = tmp_path / "holder.skops"
    sio.dump({"weights": np.ones(3)}, holder)  # a skops file without a model
    with pytest.raises(UsageError, match="holds a dict, not a model with a predict method"):
        load_model(holder, raw=False)
