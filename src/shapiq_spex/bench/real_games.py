"""The games of the ``real`` suite: real models, offline, on instances written for it.

* ``vader-40`` / ``vader-120`` / ``vader-400``: VADER's compound sentiment of mixed reviews of
  about 40, 120 and 400 words (``data/real_texts.json``), one player per word; the seed picks
  the review.
* ``llm-sentiment``: the offline SmolLM2's few-shot sentiment log-odds
  (:class:`~shapiq_spex.engines.numpy.LLMSentimentScorer`) of a 46-word review, one player per word.
* ``llm-rag``: the log-probability SmolLM2 gives the answer of a question about a context of 22
  short sentences (:class:`~shapiq_spex.engines.numpy.LLMAnswerScorer`), one player per sentence; a
  few sentences are relevant, some mislead. Its queries cost about half a second, so its R² is
  measured on :data:`RAG_HOLDOUT` held-out masks instead of 1000.
* ``data-lr-200`` / ``data-lgbm-200`` / ``data-knn-1000``: data attribution
  (:class:`~shapiq_spex.games.DataAttributionGame`): a logistic regression or a small LightGBM
  retrained on the coalition's points of 200 breast-cancer training rows, or a 5-nearest-
  neighbour vote among 1000 digits (odd or even) training rows; ``v(S)`` = the probability of
  class 1 at one hard test point: the seed picks the test rows in order of how borderline the
  model trained on every point is on them (seed 0: the closest to 0.5).
* ``heads-270``: every attention head of SmolLM2 (30 layers x 9 heads) as a player
  (:class:`~shapiq_spex.games.HeadAblationGame`) on one short factual prompt; ``v(S)`` = the
  answer's log-probability with the heads outside ``S`` zeroed.
* ``vader-saturated-12`` / ``-20`` / ``-40``: a glowing review of 12, 20 or 40 positive
  sentences (:data:`GLOWING_REVIEW`), one player per sentence, VADER's raw compound score
  (``normalize=False``): ``v(∅) = 0`` and almost every other coalition scores near 0.999. The
  game is an OR of its parts, dense at every order: the case where an approximator's own
  quality estimate was found optimistic (issue 21).

The tabular games of the suite are registered in :mod:`.games` (``mlp-digits``,
``lgbm-digits``, ``rf-breast_cancer``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib.resources import files

import numpy as np

from .specs import GameInstance, GameSpec

__all__ = [
    "GLOWING_REVIEW",
    "HEAD_PROMPTS",
    "RAG_HOLDOUT",
    "SATURATED_SIZES",
    "attribution_rows",
    "real_specs",
    "real_texts",
]

RAG_HOLDOUT = 250
"""Held-out masks of ``llm-rag`` (about 0.5 s per query on the shared 2-core machine)."""

HEAD_PROMPTS: tuple[tuple[str, str], ...] = (
    ("The capital of France is", " Paris"),
    ("The capital of Japan is", " Tokyo"),
    ("The capital of Italy is", " Rome"),
)
"""Factual prompts of ``heads-270`` (the seed picks one)."""

_KNN = 5

GLOWING_REVIEW: tuple[str, ...] = (
    "This hotel was absolutely wonderful.",
    "The staff were friendly and incredibly helpful.",
    "Our room was spotless, bright and beautiful.",
    "The bed was so comfortable that we slept perfectly.",
    "Breakfast was delicious and generous.",
    "The view from the balcony was stunning and beautiful.",
    "Check-in was quick and pleasant.",
    "The pool was clean, warm and lovely.",
    "Every dinner at the restaurant was excellent.",
    "The concierge gave us great advice and fantastic tips.",
    "The spa was relaxing and the massage was superb.",
    "We loved every minute of our stay.",
    "The gardens were charming and peaceful.",
    "The bathroom was elegant and very clean.",
    "Housekeeping was thoughtful and kind.",
    "The location was perfect for exploring the city.",
    "The coffee at the lobby bar was amazing.",
    "The children were happy and entertained all week.",
    "The gym was great and the trainers were friendly.",
    "The price was fair for such a great experience.",
    "The manager welcomed us warmly on arrival.",
    "Our anniversary dinner was a delightful surprise.",
    "The wine list was impressive and the sommelier was brilliant.",
    "The terrace was a lovely place to enjoy the sunset.",
    "The towels were soft and the robes were lovely.",
    "The shuttle driver was cheerful and punctual.",
    "The live music in the evening was fun and joyful.",
    "The pastries were fresh and wonderful.",
    "The beach nearby was beautiful and calm.",
    "Room service was excellent and the food was great.",
    "The decor was stylish, elegant and charming.",
    "The quiet hallways made it easy to rest well.",
    "The front desk solved every request with a smile.",
    "The cooking class was a fantastic highlight.",
    "The rooftop lounge had an amazing atmosphere.",
    "Even the small details were thoughtful and perfect.",
    "We felt safe, comfortable and truly cared for.",
    "We would gladly recommend this hotel to our friends.",
    "It was the best holiday we have ever had.",
    "We would love to come back again.",
)
"""The saturated game's review: 40 positive sentences (the 12- and 20-sentence games take the
first 12 and 20)."""

SATURATED_SIZES = (12, 20, 40)


@cache
def real_texts() -> dict:
    """The bundled texts of the suite: ``{"reviews": [...], "rag": [...]}``."""
    text = files("shapiq_spex.bench").joinpath("data", "real_texts.json").read_text("utf-8")
    return json.loads(text)


def _reviews(group: str) -> list[dict]:
    return [r for r in real_texts()["reviews"] if r["group"] == group]


@cache
def _vader() -> Callable[[list[str]], np.ndarray]:
    from ..games.language import VaderScorer

    return VaderScorer()


def _review_game(group: str, llm: bool) -> Callable[[int], GameInstance]:
    def build(seed: int) -> GameInstance:
        from ..games.language import MaskedTextGame

        reviews = _reviews(group)
        review = reviews[seed % len(reviews)]
        if llm:
            from ..engines.numpy import LLMSentimentScorer

            scorer = LLMSentimentScorer()
        else:
            scorer = _vader()
        game = MaskedTextGame(review["text"], scorer, unit="word")
        label = f"review '{review['id']}' ({game.n_players} words)"
        return GameInstance(game.n_players, label, lambda: game, game)

    return build


def _rag(seed: int) -> GameInstance:
    from ..engines.numpy import LLMAnswerScorer
    from ..games.language import MaskedTextGame

    items = real_texts()["rag"]
    item = items[seed % len(items)]
    scorer = LLMAnswerScorer(item["question"], item["answer"])
    game = MaskedTextGame(item["context"], scorer, unit="sentence")
    label = (
        f"'{item['id']}': {item['question']!r} -> {item['answer'].strip()!r}, "
        f"{game.n_players} sentences"
    )
    return GameInstance(game.n_players, label, lambda: game, game)


@cache
def _attribution_data(dataset: str, size: int) -> tuple[np.ndarray, ...]:
    """``size`` training rows and the other rows, standardized by the training rows."""
    from sklearn import datasets

    x, y = getattr(datasets, f"load_{dataset}")(return_X_y=True)
    if dataset == "digits":
        y = y % 2  # odd digit or not: two classes of similar size
    order = np.random.default_rng(0).permutation(len(x))
    train, rest = order[:size], order[size:]
    mean, std = x[train].mean(axis=0), x[train].std(axis=0)
    std[std == 0] = 1.0
    x = (x - mean) / std
    return x[train], y[train], x[rest], y[rest]


def _attribution_model(kind: str) -> object:
    if kind == "lr":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(max_iter=1000)
    if kind == "knn":
        from sklearn.neighbors import KNeighborsClassifier

        return KNeighborsClassifier(n_neighbors=_KNN)
    import lightgbm as lgb

    return lgb.LGBMClassifier(
        n_estimators=20,
        num_leaves=7,
        learning_rate=0.2,
        min_child_samples=5,
        random_state=0,
        n_jobs=1,
        verbose=-1,
    )


def attribution_rows(probabilities: np.ndarray) -> np.ndarray:
    """Test rows from the hardest on: by ``|p - 0.5|`` increasing, ties by row order.

    Args:
        probabilities: The full model's probability of class 1 on each test row.

    Returns:
        Row indices, most borderline first.
    """
    return np.argsort(np.abs(np.asarray(probabilities, dtype=float) - 0.5), kind="stable")


def _attribution(kind: str, dataset: str, size: int) -> Callable[[int], GameInstance]:
    def build(seed: int) -> GameInstance:
        from sklearn.base import clone

        from ..games import DataAttributionGame

        x_train, y_train, x_rest, y_rest = _attribution_data(dataset, size)
        model = _attribution_model(kind)
        full = clone(model).fit(x_train, y_train).predict_proba(x_rest)[:, 1]
        row = int(attribution_rows(full)[seed % len(full)])
        game = DataAttributionGame(
            x_train,
            y_train,
            x_rest[row],
            model=model,
            min_size=_KNN if kind == "knn" else 1,
            normalize=False,  # raw probabilities: R² is shift-invariant, a logit link applies
        )
        label = (
            f"test row {row} (true class {int(y_rest[row])}): P(class 1) = {full[row]:.2f} "
            f"trained on all {size} points"
        )
        return GameInstance(size, label, lambda: game, game)

    return build


def _heads(seed: int) -> GameInstance:
    from ..games import HeadAblationGame

    prompt = HEAD_PROMPTS[seed % len(HEAD_PROMPTS)]
    game = HeadAblationGame(task=(prompt,), batch_size=64)
    label = f"{prompt[0]!r} -> {prompt[1].strip()!r}"
    return GameInstance(game.n_players, label, lambda: game, game)


def _saturated(sentences: int) -> Callable[[int], GameInstance]:
    def build(seed: int) -> GameInstance:
        del seed  # one review: the seeds differ only in the methods' randomness
        from ..games.language import MaskedTextGame

        text = " ".join(GLOWING_REVIEW[:sentences])
        game = MaskedTextGame(text, _vader(), unit="sentence", normalize=False)
        label = f"a glowing review of {game.n_players} positive sentences"
        return GameInstance(game.n_players, label, lambda: game, game)

    return build


def real_specs() -> list[GameSpec]:
    """The :class:`GameSpec` of every game above."""
    specs = [
        GameSpec(
            f"vader-{words}",
            "vader-words",
            f"VADER sentiment, masked words of a review of about {words} words",
            _review_game(words, llm=False),
        )
        for words in ("40", "120", "400")
    ]
    specs += [
        GameSpec(
            "llm-sentiment",
            "llm-sentiment",
            "SmolLM2 sentiment log-odds, masked words of a 46-word review",
            _review_game("llm", llm=True),
        ),
        GameSpec(
            "llm-rag",
            "llm-rag",
            f"SmolLM2 answer log-probability, masked sentences of a 22-sentence context "
            f"(R² on {RAG_HOLDOUT} held-out masks)",
            _rag,
            holdout_size=RAG_HOLDOUT,
        ),
        GameSpec(
            "data-lr-200",
            "data-lr",
            "data attribution: logistic regression retrained on 200 breast-cancer rows",
            _attribution("lr", "breast_cancer", 200),
            200,
        ),
        GameSpec(
            "data-lgbm-200",
            "data-lgbm",
            "data attribution: LightGBM (20 trees) retrained on 200 breast-cancer rows",
            _attribution("lgbm", "breast_cancer", 200),
            200,
        ),
        GameSpec(
            "data-knn-1000",
            "data-knn",
            f"data attribution: {_KNN}-nearest-neighbour vote among 1000 digits rows (odd?)",
            _attribution("knn", "digits", 1000),
            1000,
        ),
        GameSpec(
            "heads-270",
            "heads",
            "attention-head ablation: all 270 SmolLM2 heads, one factual prompt",
            _heads,
            270,
        ),
    ]
    specs += [
        GameSpec(
            f"vader-saturated-{size}",
            "vader-saturated",
            f"VADER on a glowing review of {size} positive sentences, raw compound score "
            "(saturated: v(∅) = 0, almost every other coalition near 0.999)",
            _saturated(size),
            size,
        )
        for size in SATURATED_SIZES
    ]
    return specs
