"""Every proxy format's trees give the exact spectrum of the model's own prediction.

Ground truth: the Walsh-Hadamard transform of ``predict`` on all ``2^n`` masks (or, for the
hand-written XGBoost dump, of a direct evaluation of the dump's documented rule
``x < split_condition -> yes``).
"""

import json
import pickle
import sys

import lightgbm
import numpy as np
import pytest
from shapiq_games.synthetic import SOUM
from sklearn.ensemble import (
    ExtraTreesRegressor,
    GradientBoostingRegressor,
    HistGradientBoostingRegressor,
    RandomForestRegressor,
)
from sklearn.linear_model import Ridge
from sklearn.neighbors import KNeighborsRegressor
from sklearn.tree import DecisionTreeRegressor, ExtraTreeRegressor

from shapiq_spex.approximators import ProxySPEX
from shapiq_spex.proxy.extraction import forest_spectrum, model_spectrum
from shapiq_spex.proxy.proxies import EstimatorProxy, check_proxy_model, make_proxy
from shapiq_spex.proxy.readers import xgboost_dump_forest
from shapiq_spex.spectral.walsh import fwht


def all_masks(n):
    # Row j is the binary expansion of j (player i present iff bit i is set).
    return ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(bool)


def dense(terms, coefs, n):
    """The spectrum as a vector indexed like ``fwht``'s output (index j = set of bits of j)."""
    out = np.zeros(2**n)
    for row, value in zip(terms, coefs, strict=True):
        out[sum(1 << int(i) for i in row if i >= 0)] += value
    return out


def training_data(seed, n, continuous):
    rng = np.random.default_rng(seed)
    if continuous:  # thresholds anywhere: some splits send 0 and 1 the same way
        x = rng.uniform(-0.5, 1.5, size=(400, n))
    else:
        x = rng.integers(0, 2, size=(400, n)).astype(float)
    b = (x > 0.5).astype(float)
    y = 2 * b[:, 0] - 3 * b[:, 1] * b[:, 2] + b[:, 3] * b[:, 4] * b[:, 5] + rng.normal(size=400)
    return x, y


SKLEARN_MODELS = [
    DecisionTreeRegressor(max_depth=6, random_state=0),
    ExtraTreeRegressor(max_depth=5, random_state=0),
    RandomForestRegressor(n_estimators=15, max_depth=5, random_state=0),
    ExtraTreesRegressor(n_estimators=10, max_depth=6, random_state=0),
    GradientBoostingRegressor(n_estimators=25, max_depth=3, random_state=0),
    GradientBoostingRegressor(n_estimators=10, init="zero", loss="huber", random_state=0),
    HistGradientBoostingRegressor(max_iter=15, max_depth=4, random_state=0),
]


@pytest.mark.parametrize("continuous", [False, True])
@pytest.mark.parametrize("model", SKLEARN_MODELS, ids=lambda m: type(m).__name__)
def test_sklearn_spectrum_is_the_transform_of_predict(model, continuous):
    n = 7
    x, y = training_data(1, n, continuous)
    model.fit(x, y)
    terms, coefs = model_spectrum(model, n)
    truth = fwht(model.predict(all_masks(n).astype(float)))
    np.testing.assert_allclose(dense(terms, coefs, n), truth, rtol=0, atol=1e-10)


def test_lightgbm_regressor_spectrum_through_the_common_reader():
    n = 8
    x, y = training_data(2, n, continuous=True)
    model = lightgbm.LGBMRegressor(n_estimators=30, max_depth=4, verbose=-1).fit(x, y)
    terms, coefs = model_spectrum(model, n)
    truth = fwht(model.predict(all_masks(n).astype(float)))
    np.testing.assert_allclose(dense(terms, coefs, n), truth, rtol=0, atol=1e-10)


# A hand-written XGBoost dump on n = 6: node ids with gaps, a feature repeated on a path
# (x2 < 0.5, then x2 < 1 again: the second split is fixed by the first), thresholds at 0
# (both values go "no"), at 1 (0 goes "yes") and above 1 (both go "yes"), named features,
# and a single-leaf tree.
_TREES = [
    {
        "nodeid": 0,
        "split": "a",
        "split_condition": 0.5,
        "yes": 1,
        "no": 2,
        "missing": 1,
        "children": [
            {
                "nodeid": 1,
                "split": "c",
                "split_condition": 0.5,
                "yes": 3,
                "no": 4,
                "missing": 3,
                "children": [
                    {
                        "nodeid": 3,
                        "split": "c",
                        "split_condition": 1.0,
                        "yes": 7,
                        "no": 8,
                        "missing": 7,
                        "children": [{"nodeid": 7, "leaf": 0.25}, {"nodeid": 8, "leaf": -9.0}],
                    },
                    {"nodeid": 4, "leaf": -1.5},
                ],
            },
            {
                "nodeid": 2,
                "split": "f",
                "split_condition": 1.0,
                "yes": 5,
                "no": 6,
                "missing": 5,
                "children": [
                    {"nodeid": 5, "leaf": 0.75},
                    {
                        "nodeid": 6,
                        "split": "d",
                        "split_condition": 0.0,
                        "yes": 11,
                        "no": 12,
                        "missing": 11,
                        "children": [
                            {"nodeid": 11, "leaf": 100.0},
                            {"nodeid": 12, "leaf": 2.0},
                        ],
                    },
                ],
            },
        ],
    },
    {
        "nodeid": 0,
        "split": "b",
        "split_condition": 1.5,
        "yes": 1,
        "no": 2,
        "missing": 1,
        "children": [
            {
                "nodeid": 1,
                "split": "e",
                "split_condition": 1.0,
                "yes": 3,
                "no": 4,
                "missing": 3,
                "children": [{"nodeid": 3, "leaf": -0.5}, {"nodeid": 4, "leaf": 1.25}],
            },
            {"nodeid": 2, "leaf": 7.0},
        ],
    },
    {"nodeid": 0, "leaf": 0.125},
]
_NAMES = ["a", "b", "c", "d", "e", "f"]


def _evaluate_dump(tree, x):
    """XGBoost's documented rule, one mask at a time: ``x < split_condition`` goes to yes."""
    node = tree
    while "leaf" not in node:
        target = (
            node["yes"] if x[_NAMES.index(node["split"])] < node["split_condition"] else node["no"]
        )
        node = next(c for c in node["children"] if c["nodeid"] == target)
    return node["leaf"]


def test_xgboost_dump_spectrum_is_the_transform_of_the_dump():
    n, base = 6, 0.3
    masks = all_masks(n).astype(float)
    values = np.array([base + sum(_evaluate_dump(t, x) for t in _TREES) for x in masks])
    forest = xgboost_dump_forest(
        [json.dumps(t) for t in _TREES], n, base_score=base, feature_names=_NAMES
    )
    terms, coefs = forest_spectrum(forest, n)
    np.testing.assert_allclose(dense(terms, coefs, n), fwht(values), rtol=0, atol=1e-12)
    # Unnamed features are read from XGBoost's default names f0, f1, ...
    unnamed = [json.dumps(_default_names(t)) for t in _TREES]
    same = forest_spectrum(xgboost_dump_forest(unnamed, n, base_score=base), n)
    np.testing.assert_array_equal(same[0], terms)
    np.testing.assert_array_equal(same[1], coefs)


def _default_names(node):
    node = dict(node)
    if "split" in node:
        node["split"] = f"f{_NAMES.index(node['split'])}"
        node["children"] = [_default_names(c) for c in node["children"]]
    return node


def test_estimator_proxy_fits_a_seeded_clone_and_reads_its_trees():
    n = 6
    x, y = training_data(3, n, continuous=False)
    masks = x.astype(bool)
    user = RandomForestRegressor(n_estimators=12, max_depth=4)
    trainer = EstimatorProxy(user).trainer(masks[:300], y[:300], masks[300:], y[300:])
    fits = [trainer.fit(max_depth=3, seed=s) for s in (5, 5, 6)]
    assert not hasattr(user, "estimators_")  # the user's object stays unfitted
    assert fits[0].booster is not user and fits[0].booster.random_state == 5
    assert fits[0].n_trees == 12
    prediction = fits[0].booster.predict(masks[300:].astype(float))
    assert fits[0].val_mse == pytest.approx(np.mean((y[300:] - prediction) ** 2))
    spectra = [forest_spectrum(f.forest(n), n) for f in fits]
    np.testing.assert_array_equal(spectra[0][1], spectra[1][1])  # same seed, same trees
    assert not np.array_equal(spectra[0][1], spectra[2][1])
    truth = fwht(fits[2].booster.predict(all_masks(n).astype(float)))
    np.testing.assert_allclose(dense(*spectra[2], n), truth, rtol=0, atol=1e-10)


@pytest.mark.parametrize(
    "regressor",
    [
        RandomForestRegressor(n_estimators=40, random_state=0),
        GradientBoostingRegressor(n_estimators=150, max_depth=4, random_state=0),
    ],
    ids=lambda m: type(m).__name__,
)
def test_proxyspex_with_a_sklearn_proxy_recovers_a_sparse_game(regressor):
    n = 14
    game = SOUM(n, n_basis_games=8, max_interaction_size=3, random_state=4)
    approx = ProxySPEX(n, max_order=3, index="FBII", random_state=0, proxy_model=regressor)
    approx.approximate(1000, game)
    masks = np.random.default_rng(11).integers(0, 2, size=(3000, n)).astype(bool)
    truth = game(masks)
    r2 = 1.0 - np.mean((truth - approx.fourier_(masks)) ** 2) / np.var(truth)
    assert r2 > 0.9
    # The user's regressor was the proxy: one fit per fold, with its own number of trees.
    depths = approx.transform_.info.depths
    assert len(depths) == 1 and depths[0].trees == regressor.n_estimators


@pytest.mark.parametrize("regressor", [KNeighborsRegressor(), Ridge(), lightgbm.Dataset])
def test_unreadable_regressors_are_refused_at_construction(regressor):
    with pytest.raises(TypeError, match=r"proxy_model must be .*cannot be extracted"):
        ProxySPEX(8, proxy_model=regressor)


def test_proxy_model_names_and_their_errors(monkeypatch):
    assert ProxySPEX(8, proxy_model="LightGBM").proxy_model == "lightgbm"
    assert type(make_proxy()).__name__ == "LightGBMProxy"
    with pytest.raises(ValueError, match="proxy_model must be one of 'lightgbm', 'xgboost'"):
        ProxySPEX(8, proxy_model="catboost")
    with pytest.raises(TypeError, match="proxy_model"):
        ProxySPEX(8, proxy_model=3)
    monkeypatch.setitem(sys.modules, "xgboost", None)  # as if it were not installed
    with pytest.raises(ImportError, match="pip install xgboost"):
        check_proxy_model("xgboost")


def test_a_regressor_proxy_pickles_and_round_trips():
    regressor = GradientBoostingRegressor(n_estimators=7)
    approx = ProxySPEX(8, proxy_model=regressor)
    assert approx.proxy_model is regressor
    copy = pickle.loads(pickle.dumps(approx))
    assert copy.proxy_model.get_params() == regressor.get_params()


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (HistGradientBoostingRegressor(max_iter=3, loss="poisson"), "LogLink"),
        (GradientBoostingRegressor(n_estimators=3, init=Ridge()), "init estimator"),
    ],
)
def test_models_whose_trees_do_not_add_up_are_refused(model, message):
    x, y = training_data(4, 6, continuous=False)
    model.fit(x, np.abs(y) + 0.1)
    with pytest.raises(ValueError, match=message):
        model_spectrum(model, 6)
