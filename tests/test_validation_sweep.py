"""One sweep over every public entry point: a wrong type raises TypeError, a wrong value ValueError.

As scikit-learn sweeps its estimators: every public name of the package faces listed in
``FACES`` needs a row in ``ENTRY_POINTS`` (or in ``NOT_CALLED``, for constants, protocols and
exceptions), so a new entry point without a row fails here. A row gives a valid call, one value
per argument; the sweep replaces one argument at a time by a value of a wrong type (derived from
the valid one, or given in the row) and expects a ``TypeError`` whose message names the
argument, then by each listed out-of-range value and expects a ``ValueError`` naming it.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import numbers
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import matplotlib
import numpy as np
import pytest
import shapiq

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from shapiq_spex.spectral import SparseFourier

EXTRA: tuple[str, ...] = ()
"""Entry points users call whose package face is not swept (qualified names)."""

FACES = (
    "shapiq_spex",
    "shapiq_spex.approximators",
    "shapiq_spex.coding",
    "shapiq_spex.engines.numpy",
    "shapiq_spex.evaluation",
    "shapiq_spex.games",
    "shapiq_spex.metrics",
    "shapiq_spex.plots",
    "shapiq_spex.spectral",
    "shapiq_spex.spex",
)
"""The package faces a user imports from (the torch engine, ``proxy``, the tools: not swept)."""

NOT_CALLED = {
    "shapiq_spex.GameEvaluationError": "an exception the package raises",
    "shapiq_spex.evaluation.GameEvaluationError": "an exception the package raises",
    "shapiq_spex.evaluation.CacheWriteError": "an exception the package raises",
    "shapiq_spex.evaluation.Backend": "a typing protocol",
    "shapiq_spex.approximators.INDICES": "a table",
    "shapiq_spex.approximators.LINKS": "a table",
    "shapiq_spex.games.CAPITALS_TASK": "a constant",
    "shapiq_spex.metrics.HOLDOUT_SEED": "a constant",
    "shapiq_spex.metrics.HOLDOUT_SIZE": "a constant",
    "shapiq_spex.plots.DEFAULT_Z": "a constant",
    "shapiq_spex.spectral.OptimizationResult": "a result record the package returns",
}

KNOWN_FAILURES: set[tuple[str, str]] = set()
"""Arguments of the approximators (being rewritten elsewhere) that break the rule today. Strict:
a fixed one fails here until it is removed from this set."""

WRONG = object()
"""A value of no accepted type, for arguments that take arrays, callables or models."""


@dataclass
class Row:
    """A valid call of one entry point and the wrong values to try.

    Attributes:
        valid: Builds the valid arguments by name (every parameter of the signature).
        wrong_types: Wrong-type values that the automatic rule would not pick.
        bad_values: Right-typed but out-of-range values, each expected to raise ValueError.
        any_type: Arguments documented to take any object, with the reason.
    """

    valid: Callable[[], dict[str, Any]]
    wrong_types: dict[str, Any] = field(default_factory=dict)
    bad_values: dict[str, list[Any]] = field(default_factory=dict)
    any_type: dict[str, str] = field(default_factory=dict)


def _wrong_type(name: str, value: Any) -> Any:
    """A value of a type the argument does not take: a str for numbers, a number for str."""
    if name == "device":  # torch takes an int (a CUDA ordinal) as well as a str
        return WRONG
    if isinstance(value, bool | np.bool_):
        return "yes"
    if isinstance(value, numbers.Number):
        return "1"
    if isinstance(value, str):
        return 1
    return WRONG


# ----------------------------------------------------------------- valid arguments
N = 4


def _fourier() -> SparseFourier:
    return SparseFourier.from_dict({(): 1.0, (0,): 0.5, (1, 2): -0.7, (0, 3): 0.2}, N)


def _moebius():
    from shapiq_spex.spectral import fourier_to_moebius

    return fourier_to_moebius(_fourier())


def _values(index: str = "k-SII") -> shapiq.InteractionValues:
    return shapiq.ExactComputer(_fourier(), n_players=N)(index, 2)


def _game(masks: np.ndarray) -> np.ndarray:
    return _fourier()(np.asarray(masks, dtype=bool))


def _scorer(texts: list[str]) -> np.ndarray:
    return np.array([float(len(t)) for t in texts])


def _linear(z: np.ndarray) -> np.ndarray:
    return np.asarray(z, dtype=float).sum(axis=1)


def _approximator_common() -> dict[str, Any]:
    return {
        "n": N,
        "max_order": 2,
        "index": "k-SII",
        "top_order": False,
        "random_state": 0,
        "batch_size": 64,
        "verbose": False,
        "holdout_fraction": 0.0,
        "link": "identity",
        "explain": "link",
        "cache": None,
        "backend": None,
    }


_APPROXIMATOR_BAD = {
    "n": [0],
    "max_order": [0, N + 1],
    "index": ["XYZ"],
    "random_state": [-1],
    "batch_size": [0],
    "holdout_fraction": [0.7],
    "link": ["nope"],
    "explain": ["probability"],
}


def _spex() -> dict[str, Any]:
    extra = {"degree": 3, "decoder": "soft", "n_groups": 2, "refine_rounds": 1, "hierarchy": True}
    return {**_approximator_common(), **extra}


def _proxyspex() -> dict[str, Any]:
    extra = {
        "max_depth": 4,
        "sampling": "uniform",
        "learning_rate": 0.1,
        "max_trees": 50,
        "validation_fraction": 0.2,
        "max_terms": 100,
        "n_bags": 1,
        "n_jobs": 1,
        "time_limit": 10.0,
        "hpo": True,
        "pairing_trick": False,
        "proxy_model": "lightgbm",
        "exact_efficiency": True,
        "target_faithfulness": 0.9,
    }
    return {**_approximator_common(), **extra}


def _sparse(kind: str) -> Row:
    return Row(
        valid=lambda: {
            "n": N,
            "terms": np.array([[0, -1], [1, 2]]),
            "coefficients": np.array([1.0, -0.5]),
        },
        bad_values={"n": [-1], "terms": [np.array([[0, 9]])]},
    )


def _plot_common() -> dict[str, Any]:
    return {"values": _values(), "names": ["a", "b", "c", "d"], "max_players": 3}


def _cache_row() -> Row:
    def valid() -> dict[str, Any]:
        import tempfile

        folder = tempfile.mkdtemp(prefix="sweep-")
        return {"path": f"{folder}/cache.sqlite", "game_id": "g", "n_players": N}

    return Row(valid=valid, wrong_types={"path": 3}, bad_values={"n_players": [0]})


class _FakeClient:
    """Enough of a ``distributed.Client`` for the constructor."""

    def map(self, *args: Any) -> None: ...

    def submit(self, *args: Any) -> None: ...


def _data_game() -> dict[str, Any]:
    from sklearn.neighbors import KNeighborsClassifier

    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 2))
    y = np.array([0, 1] * 4)
    return {
        "x_train": x,
        "y_train": y,
        "x_test": x[:2],
        "model": KNeighborsClassifier(n_neighbors=1),
        "groups": np.array([0, 0, 1, 1, 2, 2, 3, 3]),
        "target_class": 1,
        "y_test": y[:2],
        "output": "log_loss",
        "min_size": 1,
        "normalize": True,
    }


@functools.cache
def _lm() -> Any:
    from shapiq_spex.engines.numpy import load_language_model

    return load_language_model(blas_threads=1)


@functools.cache
def _tiny_transformers() -> tuple[Any, Any, Any]:
    """A tiny causal LM, a tiny classifier and a word-level tokenizer (built, not downloaded)."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import (
        GPT2Config,
        GPT2ForSequenceClassification,
        GPT2LMHeadModel,
        PreTrainedTokenizerFast,
    )

    words = ["[PAD]", "[UNK]", "[MASK]", "the", "capital", "is", "paris", "good", "bad", "a"]
    backend = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, unk_token="[UNK]", pad_token="[PAD]", mask_token="[MASK]"
    )
    torch.manual_seed(0)
    config = {"vocab_size": len(words), "n_embd": 8, "n_layer": 1, "n_head": 2, "n_positions": 64}
    causal = GPT2LMHeadModel(GPT2Config(**config, pad_token_id=0)).eval()
    labels = {"id2label": {0: "NEG", 1: "POS"}, "label2id": {"NEG": 0, "POS": 1}}
    classifier = GPT2ForSequenceClassification(GPT2Config(**config, pad_token_id=0, **labels))
    return causal, classifier, tokenizer


ENTRY_POINTS: dict[str, Row] = {
    # approximators
    "SPEX": Row(
        valid=_spex,
        bad_values={**_APPROXIMATOR_BAD, "degree": [0], "decoder": ["fuzzy"], "n_groups": [0]},
    ),
    "ProxySPEX": Row(
        valid=_proxyspex,
        bad_values={
            **_APPROXIMATOR_BAD,
            "max_depth": [0],
            "sampling": ["fancy"],
            "n_bags": [0, 6, "many"],
            "target_faithfulness": [1.5],
            "proxy_model": ["catboost"],
            "exact_efficiency": ["yes"],
        },
        # A string is a wrong value for these ("auto" is one).
        wrong_types={"n_bags": 1.5, "exact_efficiency": 1.5},
    ),
    "Link": Row(
        valid=lambda: {
            "name": "custom",
            "forward": np.tanh,
            "inverse": np.arctanh,
            "domain": (-1.0, 1.0),
            "resolution": 1e-9,
            "checked": False,
        },
        bad_values={"domain": [(1.0, -1.0)], "resolution": [-1.0]},
    ),
    # spectral
    "SparseFourier": _sparse("fourier"),
    "SparseMoebius": _sparse("moebius"),
    "fourier_to_moebius": Row(
        valid=lambda: {"fourier": _fourier(), "atol": 0.0}, bad_values={"atol": [-1.0]}
    ),
    "moebius_to_fourier": Row(
        valid=lambda: {"moebius": _moebius(), "atol": 0.0}, bad_values={"atol": [-1.0]}
    ),
    "optimize_mask": Row(
        valid=lambda: {
            "function": _fourier(),
            "sense": "max",
            "min_size": 1,
            "max_size": 3,
            "fixed": {0: 1},
            "time_limit": 10.0,
            "mip_rel_gap": 0.0,
            "presolve": True,
        },
        bad_values={"sense": ["up"], "min_size": [-1], "time_limit": [0.0], "mip_rel_gap": [-1]},
    ),
    "fewest_changes": Row(
        valid=lambda: {
            "function": _fourier(),
            "start": np.ones(N, dtype=bool),
            "target": 0.0,
            "direction": "below",
            "fixed": {0: 1},
            "time_limit": 10.0,
            "mip_rel_gap": 0.0,
            "presolve": True,
        },
        bad_values={"direction": ["sideways"], "time_limit": [0.0]},
    ),
    # evaluation
    "QueryCache": _cache_row(),
    "QueryEvaluator": Row(
        valid=lambda: {
            "game": _game,
            "n_players": N,
            "batch_size": 8,
            "verbose": False,
            "total": 16,
            "cache": None,
            "backend": None,
            "check": None,
        },
        bad_values={"n_players": [0], "batch_size": [0]},
        any_type={"cache": "None here", "backend": "None here", "check": "None here"},
    ),
    "JoblibBackend": Row(
        valid=lambda: {"n_jobs": 2, "prefer": "threads"},
        bad_values={"n_jobs": [0], "prefer": ["gpu"]},
    ),
    "DaskBackend": Row(valid=lambda: {"client": _FakeClient()}),
    "SerialBackend": Row(valid=dict),
    # games
    "BaselineMaskedModel": Row(
        valid=lambda: {
            "predict": _linear,
            "x": np.ones(N),
            "baseline": np.zeros(N),
            "class_index": 0,
            "normalize": True,
        },
        bad_values={"x": [np.ones((2, 2))], "baseline": [np.zeros(N + 1)], "class_index": [1]},
    ),
    "DataAttributionGame": Row(
        valid=_data_game,
        bad_values={"output": ["odds"], "min_size": [0], "x_test": [np.zeros((1, 5))]},
        any_type={"target_class": "any label of y_train"},
    ),
    "HeadAblationGame": Row(
        valid=lambda: {
            "engine": _lm(),
            "task": [("The capital of France is", " Paris")],
            "reduction": "sum",
            "batch_size": 4,
            "normalize": True,
            "layers": [0],
            "lm": None,
        },
        bad_values={
            "task": [[], [("The capital of France is",)]],
            "reduction": ["max"],
            "batch_size": [0],
            "layers": [[99], [0, 0]],
            "lm": [_lm()],  # the engine given twice
        },
    ),
    "LLMAnswerScorer": Row(
        valid=lambda: {
            "question": "What is the capital?",
            "answer": " Paris",
            "lm": _lm(),
            "template": "Q: {question} Context: {text} A:",
            "batch_size": 2,
            "context": "full",
        },
        bad_values={"answer": [""], "batch_size": [0], "context": ["half"], "template": ["Q:"]},
    ),
    "LanguageModel": Row(
        valid=lambda: {
            "model": _lm().model,
            "tokenizer": _lm().tokenizer,
            "blas_threads": 1,
            "batch_size": 2,
        },
        bad_values={"blas_threads": [0], "batch_size": [0]},
    ),
    "load_language_model": Row(
        valid=lambda: {"path": None, "blas_threads": 1},
        bad_values={"blas_threads": [0]},
    ),
    "default_model_path": Row(valid=dict),
    "LLMSentimentScorer": Row(
        valid=lambda: {
            "lm": _lm(),
            "template": "Review: {text}\nSentiment:",
            "labels": (" positive", " negative"),
            "batch_size": 2,
            "context": "blockwise",
        },
        bad_values={"labels": [(" a", " b", " c"), ("", " b")], "batch_size": [0]},
    ),
    "TransformersAnswerScorer": Row(
        valid=lambda: {
            "model": _tiny_transformers()[0],
            "tokenizer": _tiny_transformers()[2],
            "answer": " paris",
            "question": "the capital",
            "template": "{question} {text} is",
            "reduction": "mean",
            "mask_mode": "mask",
            "device": "cpu",
            "batch_size": 2,
        },
        bad_values={"answer": [""], "reduction": ["max"], "mask_mode": ["hide"], "batch_size": [0]},
    ),
    "TransformersClassifierScorer": Row(
        valid=lambda: {
            "model": _tiny_transformers()[1],
            "tokenizer": _tiny_transformers()[2],
            "target": "POS",
            "output": "probability",
            "mask_mode": "remove",
            "device": "cpu",
            "batch_size": 2,
        },
        wrong_types={"target": 1.5},
        bad_values={"target": [5, "MEH"], "output": ["odds"], "mask_mode": ["hide"]},
    ),
    "TransformersSentimentScorer": Row(
        valid=lambda: {
            "model": _tiny_transformers()[0],
            "tokenizer": _tiny_transformers()[2],
            "template": "{text} is",
            "labels": (" good", " bad"),
            "mask_mode": "remove",
            "device": "cpu",
            "batch_size": 2,
        },
        bad_values={"mask_mode": ["hide"], "batch_size": [0], "template": ["no slot"]},
    ),
    "TransformersHeadAblationGame": Row(
        valid=lambda: {
            "model": _tiny_transformers()[0],
            "tokenizer": _tiny_transformers()[2],
            "prompts": ["the capital is"],
            "answers": [" paris"],
            "layers": [0],
            "reduction": "mean",
            "batch_size": 2,
            "normalize": True,
            "device": "cpu",
        },
        bad_values={"prompts": [[]], "layers": [[5]], "reduction": ["max"], "batch_size": [0]},
    ),
    "MaskedTextGame": Row(
        valid=lambda: {
            "text": "a good movie",
            "scorer": _scorer,
            "unit": "word",
            "chunk_size": None,
            "separator": "\n",
            "mask_token": "[MASK]",
            "batch_size": 4,
            "normalize": True,
        },
        wrong_types={"text": 3},
        bad_values={"unit": ["letter"], "batch_size": [0], "text": [""]},
        any_type={"chunk_size": "None unless unit='chunk' (the chunk row tries it)"},
    ),
    "SparseFourierGame": Row(
        valid=lambda: {"fourier": _fourier(), "noise_std": 0.1, "random_state": 0},
        bad_values={"noise_std": [-1.0], "random_state": [-1]},
    ),
    "VaderScorer": Row(valid=dict),
    "split_text": Row(
        valid=lambda: {"text": "One. Two words.", "unit": "chunk", "chunk_size": 2},
        bad_values={"unit": ["letter"], "chunk_size": [0]},
    ),
    # metrics
    "faithfulness": Row(
        valid=lambda: {"predictor": _fourier(), "game": _game, "n": N, "m": 20, "seed": 0},
        bad_values={"n": [0], "m": [0], "seed": [-1]},
    ),
    "holdout_masks": Row(
        valid=lambda: {"n": N, "m": 20, "seed": 0}, bad_values={"n": [0], "m": [-1], "seed": [-1]}
    ),
    "holdout_r2": Row(
        valid=lambda: {
            "predictor": _fourier(),
            "masks": np.eye(N, dtype=bool),
            "target": _game(np.eye(N, dtype=bool)),
        },
        bad_values={"target": [np.zeros(N + 1)]},
    ),
    "precision_at_k": Row(
        valid=lambda: {"true": {(0,): 1.0}, "estimated": {(0,): 0.5}, "k": 1},
        bad_values={"k": [0]},
    ),
    "r2_score": Row(
        valid=lambda: {"y_true": np.arange(4.0), "y_pred": np.arange(4.0) + 0.1},
        bad_values={"y_pred": [np.zeros(3)]},
    ),
    "r2_standard_error": Row(
        valid=lambda: {"y_true": np.arange(4.0), "y_pred": np.arange(4.0) + 0.1},
        bad_values={"y_pred": [np.zeros(3)]},
    ),
    "relative_l2_error": Row(valid=lambda: {"true": {(0,): 1.0}, "estimated": {(0,): 0.5}}),
    "uniform_masks": Row(
        valid=lambda: {"n": N, "m": 5, "seed": 0}, bad_values={"n": [0], "m": [-1], "seed": [-1]}
    ),
    # plots
    "bar": Row(
        valid=lambda: {
            **_plot_common(),
            "numbered": True,
            "max_display": 5,
            "title": "t",
            "uncertainty": None,
            "z": 1.0,
        },
        bad_values={"max_players": [0], "max_display": [0], "z": [-1.0], "names": [["a"]]},
        wrong_types={"uncertainty": WRONG},
    ),
    "interaction_graph": Row(
        valid=lambda: {
            **_plot_common(),
            "numbered": True,
            "title": "t",
            "uncertainty": None,
            "z": 1.0,
        },
        bad_values={"max_players": [0], "z": [-1.0], "names": [["a"]]},
        wrong_types={"uncertainty": WRONG},
    ),
    "upset": Row(
        valid=lambda: {**_plot_common(), "numbered": True, "n_interactions": 5, "title": "t"},
        bad_values={"max_players": [0], "n_interactions": [0], "names": [["a"]]},
    ),
    "player_importance": Row(valid=lambda: {"values": _values()}),
    "player_labels": Row(
        valid=lambda: {"names": ["a", "b"], "numbered": True, "max_chars": 10},
        bad_values={"max_chars": [1]},
    ),
    "restrict": Row(
        valid=lambda: {"values": _values(), "players": [0, 2]}, bad_values={"players": [[0, 9]]}
    ),
    "top_players": Row(valid=lambda: {"values": _values(), "k": 2}, bad_values={"k": [0]}),
    "text_html": Row(
        valid=lambda: {
            "units": ["a", "b", "c", "d"],
            "values": _values(),
            "separators": [" ", " ", " ", ""],
            "title": "t",
            "n_arcs": 2,
        },
        bad_values={"units": [["a"]], "separators": [[" "]], "n_arcs": [-1]},
    ),
    "text_figure": Row(
        valid=lambda: {
            "units": ["a", "b", "c", "d"],
            "values": _values(),
            "title": "t",
            "n_arcs": 2,
            "max_units": 10,
            "max_words": 5,
            "max_tokens": 20,
            "width": 6.0,
            "dpi": 50,
        },
        bad_values={"units": [["a"]], "n_arcs": [-1], "width": [0.0], "dpi": [0]},
    ),
}


def _public() -> dict[str, Any]:
    """Every public name of the faces, by qualified name."""
    names = {}
    for face in FACES:
        module = importlib.import_module(face)
        for name in module.__all__:
            names[f"{face}.{name}"] = getattr(module, name)
    for qualified in EXTRA:
        face, name = qualified.rsplit(".", 1)
        names[qualified] = getattr(importlib.import_module(face), name)
    return names


PUBLIC = _public()
CALLED = {q: obj for q, obj in PUBLIC.items() if q not in NOT_CALLED}


def _row(qualified: str) -> Row:
    return ENTRY_POINTS[qualified.rsplit(".", 1)[1]]


def _cases(kind: str) -> list[Any]:
    cases = []
    for qualified in CALLED:
        row = ENTRY_POINTS.get(qualified.rsplit(".", 1)[1])
        if row is None:  # reported by test_every_public_name_has_a_row
            continue
        valid = row.valid()
        for name in valid:
            marks = []
            if (qualified, name) in KNOWN_FAILURES:
                marks = [pytest.mark.xfail(strict=True, reason="approximators: fix pending")]
            if kind == "type" and name not in row.any_type:
                wrong = row.wrong_types.get(name, _wrong_type(name, valid[name]))
                cases.append(pytest.param(qualified, name, wrong, marks=marks))
            for bad in row.bad_values.get(name, []) if kind == "value" else []:
                cases.append(pytest.param(qualified, name, bad, marks=marks))
    return cases


def _call(qualified: str, **changes: Any) -> Any:
    valid = _row(qualified).valid()
    unknown = set(changes) - set(valid)
    assert not unknown, unknown
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return CALLED[qualified](**{**valid, **changes})
        finally:
            plt.close("all")


def test_every_public_name_has_a_row():
    missing = [q for q in CALLED if q.rsplit(".", 1)[1] not in ENTRY_POINTS]
    assert not missing, f"public entry points without a row in ENTRY_POINTS: {missing}"


@pytest.mark.parametrize("qualified", list(CALLED))
def test_each_row_names_every_argument_and_its_valid_call_works(qualified):
    parameters = inspect.signature(CALLED[qualified]).parameters.values()
    wanted = {
        p.name
        for p in parameters
        if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        and p.name not in ("decoder_type", "degree_parameter", "sampling_weights")
    }
    assert set(_row(qualified).valid()) == wanted
    _call(qualified)


@pytest.mark.parametrize(("qualified", "name", "wrong"), _cases("type"), ids=repr)
def test_a_wrong_type_raises_type_error_naming_the_argument(qualified, name, wrong):
    with pytest.raises(TypeError, match=rf"\b{re.escape(name)}\b"):
        _call(qualified, **{name: wrong})


@pytest.mark.parametrize(("qualified", "name", "bad"), _cases("value"), ids=repr)
def test_a_wrong_value_raises_value_error_naming_the_argument(qualified, name, bad):
    with pytest.raises(ValueError, match=rf"\b{re.escape(name)}\b"):
        _call(qualified, **{name: bad})
