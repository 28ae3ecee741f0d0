"""Data attribution: players are training points (or groups of them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
from shapiq import Game
from sklearn.base import clone, is_classifier

from .._validation import check_array, check_bool, check_choice, check_int

__all__ = ["DataAttributionGame"]


def _labels(value: object, name: str) -> np.ndarray:
    """Targets or class labels (numbers or str) as an array, else a TypeError naming them."""
    array = np.asarray(value)
    if array.ndim == 0:  # a single value (a str, a number, an arbitrary object)
        msg = f"{name} must be an array of labels or targets, got {type(value).__name__}."
        raise TypeError(msg)
    return array


class DataAttributionGame(Game):
    """``v(S)`` = a model trained only on the training points in ``S``, evaluated on test points.

    Each coalition retrains a fresh clone of ``model`` (with its seed fixed) on the union of the
    selected groups and reports, for a classifier, the mean predicted probability of
    ``target_class`` on ``x_test`` (or its mean log-loss against ``y_test``), and for a
    regressor the mean prediction. Subsets the model cannot be trained on have defined values:

    * no training point: the prior, i.e. the class frequency (mean target) of the full data;
    * fewer than ``min_size`` points: their own class frequencies (mean target), which is
      what a k-nearest-neighbour model with ``k = |S|`` predicts;
    * a single class present (classifiers): a model that always predicts that class.

    Args:
        x_train: Training features, shape ``(N, d)``.
        y_train: Training targets, shape ``(N,)``.
        x_test: Test point(s), shape ``(d,)`` or ``(T, d)``.
        model: An unfitted scikit-learn estimator, cloned for every coalition (fix its
            ``random_state`` for determinism). Default: logistic regression; pass a regressor
            explicitly for a numeric target.
        groups: ``None`` (one player per training point) or an integer array ``(N,)`` of player
            ids ``0..n-1`` assigning points to players.
        target_class: Class whose probability is reported (classifiers).
        y_test: Required for ``output="log_loss"``.
        output: ``"probability"`` (classifiers), ``"log_loss"`` (negative mean log-loss on the
            test points, so higher is better) or ``"prediction"`` (regressors).
        min_size: Smallest number of points the model is trained on (e.g. ``k`` for a
            k-nearest-neighbour model); smaller coalitions use their own class frequencies.
        normalize: Subtract ``v(∅)``.

    Examples:
        >>> from sklearn.datasets import load_breast_cancer
        >>> x, y = load_breast_cancer(return_X_y=True)
        >>> game = DataAttributionGame(x[:40], y[:40], x[100])
        >>> game.n_players
        40
    """

    def __init__(
        self,
        x_train: np.ndarray,
        y_train: np.ndarray,
        x_test: np.ndarray,
        *,
        model: object | None = None,
        groups: np.ndarray | None = None,
        target_class: object = 1,
        y_test: np.ndarray | None = None,
        output: Literal["probability", "log_loss", "prediction"] = "probability",
        min_size: int = 1,
        normalize: bool = True,
    ) -> None:
        x_train = check_array(x_train, "x_train").astype(float)
        y_train = _labels(y_train, "y_train")
        x_test = np.atleast_2d(check_array(x_test, "x_test").astype(float))
        output = check_choice(output, "output", ("probability", "log_loss", "prediction"))
        min_size = check_int(min_size, "min_size", minimum=1)
        normalize = check_bool(normalize, "normalize")
        if x_train.ndim != 2 or y_train.shape != (x_train.shape[0],):
            msg = f"x_train must be (N, d) and y_train (N,); got {x_train.shape}, {y_train.shape}."
            raise ValueError(msg)
        if x_test.shape[1] != x_train.shape[1]:
            msg = f"x_test must have {x_train.shape[1]} features, got {x_test.shape[1]}."
            raise ValueError(msg)
        if model is None:
            from sklearn.linear_model import LogisticRegression

            model = LogisticRegression(max_iter=1000)
        if not hasattr(model, "fit"):
            msg = f"model must be a scikit-learn estimator, got {type(model).__name__}."
            raise TypeError(msg)
        self._classifier = is_classifier(model)
        if output == "prediction" and self._classifier:
            msg = "output='prediction' is for regressors; use 'probability' or 'log_loss'."
            raise ValueError(msg)
        if output != "prediction" and not self._classifier:
            msg = f"output={output!r} needs a classifier; use output='prediction'."
            raise ValueError(msg)
        if output == "log_loss":
            if y_test is None:
                msg = "output='log_loss' needs y_test."
                raise ValueError(msg)
            y_test = _labels(y_test, "y_test").reshape(-1)
            if y_test.shape != (x_test.shape[0],):
                msg = f"y_test must have shape ({x_test.shape[0]},), got {y_test.shape}."
                raise ValueError(msg)
        if groups is None:
            groups = np.arange(x_train.shape[0])
        groups = check_array(groups, "groups")
        if groups.shape != (x_train.shape[0],) or not np.issubdtype(groups.dtype, np.integer):
            msg = f"groups must be an integer array of shape ({x_train.shape[0]},)."
            raise ValueError(msg)
        n_players = int(groups.max()) + 1
        if groups.min() < 0 or np.unique(groups).size != n_players:
            msg = "groups must use every player id 0..n-1 at least once."
            raise ValueError(msg)
        self.x_train, self.y_train, self.x_test, self.y_test = x_train, y_train, x_test, y_test
        self.model = model
        self.groups = groups
        self.target_class = target_class
        self.output = output
        self.min_size = min_size
        self.classes_ = np.unique(y_train) if self._classifier else None
        if self._classifier and target_class not in set(self.classes_.tolist()):
            msg = f"target_class {target_class!r} is not among the classes {self.classes_}."
            raise ValueError(msg)
        self._score: Callable[[np.ndarray], float] = self._make_scorer()
        empty = self._value_of_rows(np.zeros(x_train.shape[0], dtype=bool))
        super().__init__(
            n_players=n_players, normalize=normalize, normalization_value=empty, verbose=False
        )

    def _make_scorer(self) -> Callable[[np.ndarray], float]:
        """Map class probabilities ``(T, n_classes)`` (or predictions ``(T,)``) to a value."""
        if self.output == "prediction":
            return lambda pred: float(np.mean(pred))
        target = int(np.flatnonzero(self.classes_ == self.target_class)[0])
        if self.output == "probability":
            return lambda proba: float(np.mean(proba[:, target]))
        truth = np.searchsorted(self.classes_, self.y_test)
        eps = 1e-12
        return lambda proba: float(
            np.mean(np.log(np.clip(proba[np.arange(len(truth)), truth], eps, 1.0)))
        )

    def _value_of_rows(self, rows: np.ndarray) -> float:
        """The value of a model trained on the selected rows (the defined cases included)."""
        y = self.y_train[rows]
        t = self.x_test.shape[0]
        if not self._classifier:
            if y.size < self.min_size:
                mean = np.mean(y) if y.size else np.mean(self.y_train)
                return self._score(np.full(t, float(mean)))
            return self._score(clone(self.model).fit(self.x_train[rows], y).predict(self.x_test))
        k = len(self.classes_)
        if y.size < self.min_size:
            labels = np.searchsorted(self.classes_, y if y.size else self.y_train)
            proba = np.bincount(labels, minlength=k) / len(labels)
            return self._score(np.tile(proba, (t, 1)))
        present = np.unique(y)
        if present.size == 1:
            proba = np.zeros((t, k))
            proba[:, np.searchsorted(self.classes_, present[0])] = 1.0
            return self._score(proba)
        fitted = clone(self.model).fit(self.x_train[rows], y)
        proba = np.zeros((t, k))
        proba[:, np.searchsorted(self.classes_, fitted.classes_)] = fitted.predict_proba(
            self.x_test
        )
        return self._score(proba)

    def value_function(self, coalitions: np.ndarray) -> np.ndarray:
        """Retrain on every coalition's points and evaluate (one model per coalition)."""
        coalitions = np.asarray(coalitions, dtype=bool)
        return np.array([self._value_of_rows(c[self.groups]) for c in coalitions])
