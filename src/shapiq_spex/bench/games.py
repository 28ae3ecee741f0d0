"""The benchmark's games, all offline: a registry of :class:`GameSpec` by key.

* ``soum-<n>`` / ``fourier-<n>``: synthetic games with known Möbius coefficients (shapiq's sum
  of unanimity games; random Fourier-sparse functions of degree <= 5, or <= 3 for
  ``fourier-10000-d3``), optionally ``-noisy`` (independent
  Gaussian noise on every query, standard deviation 0.2 x the signal's; the held-out R² is
  measured against the noiseless function, which is what an explanation should recover).
* ``lgbm-<data>`` / ``rf-<data>``: local explanations of a LightGBM or random-forest model
  trained on a scikit-learn data set shipped with scikit-learn; a masked feature takes its
  training mean. The seed picks the explained test row.
* ``vader-short`` / ``vader-long``: masked-word sentiment (VADER) of the reviews in
  ``data/reviews.json``; the seed picks the review.
* ``llm-short``: the same short reviews scored by the offline SmolLM2 model (slow, opt-in).
* ``mlp-<data>``: as ``lgbm-<data>``, with a scikit-learn MLP (standardized inputs).
* The games of the ``real`` suite (texts of about 40, 120 and 400 words, the offline LLM's
  sentiment and retrieval answer, data attribution, attention heads): :mod:`.real_games`.

A seed always selects the game instance (random game, explained row or review); the methods
get the same seed as their ``random_state``.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from functools import cache
from importlib.resources import files

import numpy as np

from ..metrics import uniform_masks
from ._registry import lookup
from .specs import GameInstance, GameSpec, Values

__all__ = ["GAMES", "GameInstance", "GameSpec", "get_game"]

NOISE_RATIO = 0.2
_NOISE_SEED = 10_007  # offsets the noise's seed from the game's


class _Noisy:
    """A set function plus independent Gaussian noise on every query (its own seed)."""

    def __init__(self, function: Values, n: int, std: float, seed: int) -> None:
        self.function = function
        self.n_players = n
        self.std = std
        self._rng = np.random.default_rng(seed)

    def __call__(self, coalitions: np.ndarray) -> np.ndarray:
        values = np.asarray(self.function(coalitions), dtype=float)
        return values + self._rng.normal(scale=self.std, size=values.shape)


def _synthetic(
    function: Values, n: int, truth: dict, seed: int, label: str, noisy: bool
) -> GameInstance:
    if not noisy:
        return GameInstance(n, label, lambda: function, function, truth)
    std = NOISE_RATIO * float(np.std(function(uniform_masks(n, 1000, seed + _NOISE_SEED))))
    return GameInstance(
        n,
        f"{label}, noise sd {std:.3g}",
        lambda: _Noisy(function, n, std, seed + _NOISE_SEED),
        function,
        truth,
    )


def _soum(n: int, terms: int, noisy: bool) -> Callable[[int], GameInstance]:
    def build(seed: int) -> GameInstance:
        from shapiq_games.synthetic import SOUM

        game = SOUM(n, terms, min_interaction_size=1, max_interaction_size=4, random_state=seed)
        truth = {tuple(k): float(v) for k, v in game.moebius_coefficients.interactions.items()}
        return _synthetic(game, n, truth, seed, f"seed {seed}", noisy)

    return build


def _fourier(n: int, terms: int, degree: int, noisy: bool) -> Callable[[int], GameInstance]:
    def build(seed: int) -> GameInstance:
        from ..games import SparseFourierGame

        fourier = SparseFourierGame.random(n, terms, degree, random_state=seed).fourier
        truth = fourier.to_moebius().to_dict()
        return _synthetic(fourier, n, truth, seed, f"seed {seed}", noisy)

    return build


_FEATURES = {"breast_cancer": 30, "diabetes": 10, "wine": 13, "digits": 64}


@cache
def _tabular_model(dataset: str, model: str) -> tuple[object, np.ndarray, np.ndarray, bool]:
    """Train once per process: (fitted model, training mean, test rows, is_classifier)."""
    from sklearn import datasets
    from sklearn.model_selection import train_test_split

    x, y = getattr(datasets, f"load_{dataset}")(return_X_y=True)
    classify = dataset != "diabetes"
    x_train, x_test, y_train, _ = train_test_split(x, y, test_size=0.25, random_state=0)
    if model == "lgbm":
        import lightgbm as lgb

        kind = lgb.LGBMClassifier if classify else lgb.LGBMRegressor
        fitted = kind(
            n_estimators=200,
            num_leaves=15,
            learning_rate=0.05,
            random_state=0,
            n_jobs=1,
            verbose=-1,
        )
    elif model == "mlp":
        from sklearn.neural_network import MLPClassifier, MLPRegressor
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        kind = MLPClassifier if classify else MLPRegressor
        network = kind(hidden_layer_sizes=(64, 32), max_iter=1000, random_state=0)
        fitted = make_pipeline(StandardScaler(), network)
    else:
        from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

        kind = RandomForestClassifier if classify else RandomForestRegressor
        fitted = kind(n_estimators=100, max_depth=8, random_state=0, n_jobs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings of the MLP's last epochs
        fitted.fit(x_train, y_train)
    return fitted, x_train.mean(axis=0), x_test, classify


def _tabular(dataset: str, model: str) -> Callable[[int], GameInstance]:
    def build(seed: int) -> GameInstance:
        from ..games import BaselineMaskedModel

        fitted, mean, rows, classify = _tabular_model(dataset, model)
        x = rows[seed % len(rows)]
        if classify:
            label = int(np.argmax(fitted.predict_proba(x[None, :])[0]))

            def predict(data: np.ndarray) -> np.ndarray:
                return fitted.predict_proba(data)[:, label]

        else:
            predict = fitted.predict
        # Raw probabilities (not v - v(∅)): R² is shift-invariant, and a logit link applies.
        game = BaselineMaskedModel(predict, x, mean, normalize=not classify)
        what = f"test row {seed % len(rows)}" + (f", P(class {label})" if classify else "")
        return GameInstance(len(x), what, lambda: game, game)

    return build


@cache
def reviews(group: str) -> tuple[dict, ...]:
    """The bundled reviews of a group (``"short"``: 20-60 words, ``"long"``: 150-300)."""
    text = files("shapiq_spex.bench").joinpath("data", "reviews.json").read_text("utf-8")
    return tuple(r for r in json.loads(text)["reviews"] if r["group"] == group)


@cache
def _scorer(kind: str) -> Callable[[list[str]], np.ndarray]:
    if kind == "vader":
        from ..games.language import VaderScorer

        return VaderScorer()
    from ..engines.numpy import LLMSentimentScorer

    return LLMSentimentScorer()


def _text(group: str, kind: str) -> Callable[[int], GameInstance]:
    def build(seed: int) -> GameInstance:
        from ..games.language import MaskedTextGame

        review = reviews(group)[seed % len(reviews(group))]
        game = MaskedTextGame(review["text"], _scorer(kind), unit="word")
        return GameInstance(game.n_players, f"review '{review['id']}'", lambda: game, game)

    return build


def _registry() -> dict[str, GameSpec]:
    specs: list[GameSpec] = []
    for n, terms in ((12, 5), (16, 8), (32, 10), (64, 20), (256, 50), (1024, 50), (4096, 100)):
        for noisy in (False, True):
            suffix, note = ("-noisy", ", noisy") if noisy else ("", "")
            specs.append(
                GameSpec(
                    f"soum-{n}{suffix}",
                    f"soum{suffix}",
                    f"SOUM n={n}, {terms} terms of size 1-4{note}",
                    _soum(n, terms, noisy),
                    n,
                    True,
                )
            )
    for n in (64, 256, 1024, 4096):
        for noisy in (False, True):
            suffix, note = ("-noisy", ", noisy") if noisy else ("", "")
            specs.append(
                GameSpec(
                    f"fourier-{n}{suffix}",
                    f"fourier{suffix}",
                    f"Fourier-sparse n={n}, 100 terms of degree <= 5{note}",
                    _fourier(n, 100, 5, noisy),
                    n,
                    True,
                )
            )
    specs.append(
        GameSpec(
            "fourier-10000-d3",
            "fourier-d3",
            "Fourier-sparse n=10000, 100 terms of degree <= 3",
            _fourier(10_000, 100, 3, False),
            10_000,
            True,
        )
    )
    names = {"lgbm": "LightGBM", "rf": "random forest", "mlp": "MLP (64-32)"}
    for model in ("lgbm", "rf", "mlp"):
        for dataset, n in _FEATURES.items():
            specs.append(
                GameSpec(
                    f"{model}-{dataset}",
                    f"{model}-{dataset}",
                    f"{names[model]} on {dataset}, one test row (masked = training mean)",
                    _tabular(dataset, model),
                    n,
                )
            )
    for group, words in (("short", "20-60"), ("long", "150-300")):
        specs.append(
            GameSpec(
                f"vader-{group}",
                f"vader-{group}",
                f"VADER sentiment, masked words of {group} reviews ({words} words)",
                _text(group, "vader"),
            )
        )
    specs.append(
        GameSpec(
            "llm-short",
            "llm-short",
            "SmolLM2 sentiment, masked words of short reviews (slow)",
            _text("short", "llm"),
        )
    )
    from .real_games import real_specs

    specs += real_specs()
    return {spec.key: spec for spec in specs}


GAMES: dict[str, GameSpec] = _registry()


def get_game(key: str) -> GameSpec:
    """The registered game ``key``.

    Raises:
        KeyError: If no game has this key (the message lists the keys).
    """
    return lookup(GAMES, key, "game")
