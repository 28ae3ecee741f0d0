"""Local explanation of a tabular model: masked features take a baseline value."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from shapiq import Game

from .._validation import check_array, check_bool, check_callable, check_int

__all__ = ["BaselineMaskedModel"]


def _check_vector(value: object, name: str) -> np.ndarray:
    """``value`` as a finite 1-D float array, else a TypeError or ValueError naming ``name``."""
    array = check_array(value, name).astype(float)
    if array.ndim != 1:
        msg = f"{name} must be 1-D, got shape {array.shape}."
        raise ValueError(msg)
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        msg = (
            f"{name} must be finite; feature(s) {bad[:5].tolist()} hold "
            f"{array[bad[:5]].tolist()}. Impute or drop them first."
        )
        raise ValueError(msg)
    return array


class BaselineMaskedModel(Game):
    """``v(S)`` = the model's output on ``x`` with the features outside ``S`` set to a baseline.

    Args:
        predict: Maps a data matrix ``(m, n)`` to outputs ``(m,)`` (e.g. ``model.predict``), or
            to ``(m, k)`` outputs such as class probabilities (``model.predict_proba``, a
            multiclass LightGBM booster's ``predict``); then ``class_index`` picks the column
            that is explained. The bound method of a model fitted on a pandas DataFrame
            (one with ``feature_names_in_``) is given DataFrames with those columns.
        x: The explained instance, shape ``(n,)``, finite.
        baseline: Values of absent features, shape ``(n,)``, finite (e.g. the training mean).
        class_index: The output column explained when ``predict`` returns ``(m, k)``. Required
            when ``k > 1`` (which class to explain is the user's choice, e.g. the predicted
            one: ``int(np.argmax(predict(x[None])[0]))``); must be ``None`` or 0 when
            ``predict`` returns one value per row.
        normalize: Subtract ``v(∅)`` (shapiq's convention for explanations).

    Attributes:
        n_outputs: Number of outputs ``k`` of ``predict`` per row (1 for ``(m,)`` outputs).
        empty_value: The model's output on the baseline, ``v(∅)`` before normalization.

    Raises:
        TypeError: ``predict`` is not callable, or ``class_index`` is not an integer.
        ValueError: ``x`` or ``baseline`` is not 1-D of equal length or not finite, or
            ``predict``'s output has an unexpected shape or ``class_index`` does not fit it.
    """

    def __init__(
        self,
        predict: Callable[[np.ndarray], np.ndarray],
        x: np.ndarray,
        baseline: np.ndarray,
        *,
        class_index: int | None = None,
        normalize: bool = True,
    ) -> None:
        check_callable(predict, "predict")
        normalize = check_bool(normalize, "normalize")
        x = _check_vector(x, "x")
        baseline = _check_vector(baseline, "baseline")
        if baseline.shape != x.shape:
            msg = f"x and baseline must have equal length, got {x.shape} and {baseline.shape}."
            raise ValueError(msg)
        self.predict = predict
        self.x = x
        self.baseline = baseline
        self.class_index = None
        self._columns = _fitted_feature_names(predict, x.shape[0])
        raw = np.asarray(self._predict(baseline[None, :]), dtype=float)
        self.n_outputs = self._n_outputs(raw)
        if class_index is not None:
            self.class_index = check_int(
                class_index, "class_index", minimum=0, maximum=self.n_outputs - 1
            )
        elif self.n_outputs > 1:
            msg = (
                f"predict returns {self.n_outputs} outputs per row (e.g. predict_proba or a "
                "multiclass model); pass class_index=j to explain output j, e.g. the predicted "
                "class."
            )
            raise ValueError(msg)
        self.empty_value = float(self._select(raw)[0])
        super().__init__(
            n_players=x.shape[0],
            normalize=normalize,
            normalization_value=self.empty_value,
            verbose=False,
        )

    @staticmethod
    def _n_outputs(raw: np.ndarray) -> int:
        """Outputs per row of ``predict``'s answer to one row: ``(1,)``, ``(1, k)`` or ``()``."""
        if raw.shape in ((), (1,)):
            return 1
        if raw.ndim == 2 and raw.shape[0] == 1:
            return raw.shape[1]
        msg = (
            "predict must return shape (m,) or (m, k) for m rows; for 1 row it returned "
            f"shape {raw.shape}."
        )
        raise ValueError(msg)

    def _select(self, raw: np.ndarray) -> np.ndarray:
        """The explained output of ``predict``'s answer, shape ``(m,)``."""
        if raw.ndim == 2 and raw.shape[1] == self.n_outputs:
            return raw[:, self.class_index or 0]
        return raw.reshape(-1)

    def value_function(self, coalitions: np.ndarray) -> np.ndarray:
        """Model output with absent features replaced by the baseline."""
        coalitions = np.asarray(coalitions, dtype=bool)
        data = np.where(coalitions, self.x[None, :], self.baseline[None, :])
        return self._select(np.asarray(self._predict(data), dtype=float))

    def _predict(self, data: np.ndarray) -> object:
        """``predict`` on ``data``, as a DataFrame with the columns its model was fitted on."""
        if self._columns is None:
            return self.predict(data)
        import pandas as pd

        return self.predict(pd.DataFrame(data, columns=self._columns))


def _fitted_feature_names(predict: Callable, n: int) -> list[str] | None:
    """The ``n`` column names of a model fitted on a DataFrame (``feature_names_in_``), or None.

    Such a scikit-learn-style model warns on every array it is given ("X does not have valid
    feature names").
    """
    names = getattr(getattr(predict, "__self__", None), "feature_names_in_", None)
    if names is None or len(names) != n:
        return None
    return [str(name) for name in names]
