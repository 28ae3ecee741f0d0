"""The models of ``shapiq-spex explain csv``: LightGBM text models and scikit-learn models.

Supported files, recognized by their first bytes (not their name):

* a LightGBM model saved as text (``booster.save_model("model.txt")``, or
  ``model.booster_.save_model(...)`` for an ``LGBMClassifier``/``LGBMRegressor``);
* a scikit-learn model saved with skops (``skops.io.dump(model, "model.skops")``), loaded
  without running code from the file; types skops does not trust by default (e.g. the trees of
  a random forest) are named in the error and loaded only when listed in ``--trust-types``;
* a pickle or joblib file (``joblib.dump``), loaded only with ``--trust-pickle``: unpickling
  runs whatever code the file holds.

Every problem is a :class:`UsageError` with one line saying what is wrong and what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .options import UsageError

__all__ = ["LoadedModel", "load_model"]

_ZIP = b"PK\x03\x04"  # a skops file is a zip archive
# Pickle protocols 2-5 start with PROTO (0x80); joblib's compressed files with these magics.
_PICKLE_STARTS = (b"\x80", b"\x1f\x8b", b"x\x01", b"x\x5e", b"x\x9c", b"x\xda", b"BZh")
_PICKLE_SUFFIXES = {".pkl", ".pickle", ".joblib", ".sav"}
SAVE_ADVICE = (
    "save a LightGBM model with booster.save_model('model.txt') (for LGBMClassifier: "
    "model.booster_.save_model('model.txt')), or a scikit-learn model with "
    "skops.io.dump(model, 'model.skops') (pip install skops)"
)


@dataclass
class LoadedModel:
    """A model read from a file, as the CSV game uses it.

    Attributes:
        predict: Rows ``(m, d)`` to outputs ``(m,)`` or ``(m, n_outputs)``.
        n_features: Features the model expects, or ``None`` when the file does not say.
        n_outputs: 1, or the number of classes whose outputs ``predict`` returns.
        kind: What the model is, for messages (e.g. "scikit-learn RandomForestClassifier").
        output: What ``predict`` returns (e.g. "probability", "raw score", "prediction").
        classes: Class labels of a classifier, or ``None``.
    """

    predict: Callable[[np.ndarray], np.ndarray]
    n_features: int | None
    n_outputs: int
    kind: str
    output: str
    classes: list[str] | None = None


def _format(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(_ZIP):
        return "skops"
    if head.startswith(_PICKLE_STARTS) or path.suffix.lower() in _PICKLE_SUFFIXES:
        return "pickle"
    if head.startswith(b"tree"):  # the first line of LightGBM's text format
        return "lightgbm"
    return "unknown"


def load_model(
    path: Path, *, raw: bool, trust_types: list[str] | None = None, trust_pickle: bool = False
) -> LoadedModel:
    """Read the model file of ``explain csv`` (see the module docstring for the formats).

    Args:
        path: The model file.
        raw: Explain the raw score (LightGBM's raw score, a classifier's decision function).
        trust_types: Types a skops file may hold beyond those skops trusts by default.
        trust_pickle: Allow a pickle/joblib file (unpickling runs the file's code).

    Raises:
        UsageError: If the file is missing, of an unsupported format, holds types that were
            not trusted, or does not hold a model with ``predict``.
    """
    if path.is_dir():
        raise UsageError(f"--model {path} is a directory, not a model file")
    if not path.is_file():
        raise UsageError(f"no such model file: {path}")
    kind = _format(path)
    # A trust option for another format would be ignored: say so instead.
    names = {"lightgbm": "a LightGBM text model", "skops": "a .skops file", "pickle": "a pickle"}
    if trust_types and kind in names and kind != "skops":
        raise UsageError(f"--trust-types applies to .skops model files; {path} is {names[kind]}")
    if trust_pickle and kind in names and kind != "pickle":
        raise UsageError(
            f"--trust-pickle applies to pickle/joblib model files; {path} is {names[kind]}"
        )
    if kind == "lightgbm":
        return _lightgbm_booster(_read_booster(path), raw)
    if kind == "skops":
        return _estimator(_read_skops(path, trust_types or []), raw, path)
    if kind == "pickle":
        if not trust_pickle:
            raise UsageError(
                f"{path} is a pickle/joblib file: loading it runs any code it holds, so it is "
                f"only read with --trust-pickle (only for a file you made or fully trust); or "
                f"{SAVE_ADVICE}"
            )
        import joblib

        try:
            model = joblib.load(path)
        except Exception as exc:  # any error of the file's own code: report, do not crash
            raise UsageError(f"cannot unpickle {path}: {type(exc).__name__}: {exc}") from None
        import lightgbm as lgb

        if isinstance(model, lgb.Booster):
            return _lightgbm_booster(model, raw)
        return _estimator(model, raw, path)
    raise UsageError(
        f"cannot read {path} as a model: it is neither a LightGBM text model nor a skops or "
        f"pickle file; {SAVE_ADVICE}"
    )


def _read_booster(path: Path) -> Any:
    import lightgbm as lgb

    try:
        return lgb.Booster(model_file=str(path))
    except lgb.basic.LightGBMError as exc:
        raise UsageError(f"cannot read LightGBM model {path}: {exc}") from None


def _lightgbm_booster(booster: Any, raw: bool) -> LoadedModel:
    n_outputs = booster.num_model_per_iteration()

    def predict(rows: np.ndarray) -> np.ndarray:
        return booster.predict(rows, raw_score=raw)

    probability = "raw score" if raw else "probability"
    return LoadedModel(
        predict=predict,
        n_features=booster.num_feature(),
        n_outputs=n_outputs,
        kind="LightGBM model",
        output=probability if n_outputs > 1 else "model output" + (" (raw score)" * raw),
    )


def _read_skops(path: Path, trust_types: list[str]) -> Any:
    try:
        import skops.io as sio
    except ImportError:
        raise UsageError(
            f"{path} is a skops file; reading it needs skops: pip install 'shapiq-spex[sklearn]'"
        ) from None
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # a damaged or foreign zip file
        raise UsageError(f"cannot read {path} as a skops file: {exc}") from None
    missing = [name for name in untrusted if name not in trust_types]
    if missing:
        raise UsageError(
            f"{path} holds types that skops does not trust by default: {', '.join(missing)}; "
            f"if you made the file or fully trust it, add --trust-types {','.join(missing)}"
        )
    try:
        return sio.load(path, trusted=untrusted or None)
    except Exception as exc:
        raise UsageError(f"cannot load {path} with skops: {type(exc).__name__}: {exc}") from None


def _estimator(model: Any, raw: bool, path: Path) -> LoadedModel:
    """A scikit-learn-style estimator: a classifier's probabilities, a regressor's values."""
    name = type(model).__name__
    if not callable(getattr(model, "predict", None)):
        raise UsageError(f"{path} holds a {name}, not a model with a predict method")
    n_features = getattr(model, "n_features_in_", None)
    classes = getattr(model, "classes_", None)
    kind = f"scikit-learn {name}"
    if classes is None:  # a regressor
        return LoadedModel(
            predict=lambda rows: np.asarray(model.predict(rows), dtype=float),
            n_features=n_features,
            n_outputs=1,
            kind=kind,
            output="model output",
        )
    labels = [str(c) for c in classes]
    if raw:
        if not callable(getattr(model, "decision_function", None)):
            raise UsageError(f"--raw needs a decision_function; a {name} has none")
        scores = model.decision_function
        output = "decision function"
    else:
        if not callable(getattr(model, "predict_proba", None)):
            raise UsageError(f"a {name} has no predict_proba; pass --raw for its decision_function")
        scores = model.predict_proba
        output = "probability"
    binary = len(labels) == 2

    def predict(rows: np.ndarray) -> np.ndarray:
        out = np.asarray(scores(rows), dtype=float)
        # binary: explain the second class, as LightGBM's binary output does
        return out[:, 1] if binary and out.ndim == 2 else out

    return LoadedModel(
        predict=predict,
        n_features=n_features,
        n_outputs=1 if binary else len(labels),
        kind=kind,
        output=f"{output} of class {labels[1]}" if binary else output,
        classes=labels,
    )
