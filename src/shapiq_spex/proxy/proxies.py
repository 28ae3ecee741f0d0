"""ProxySPEX's proxy models: LightGBM (default), XGBoost, or the user's scikit-learn trees.

A :class:`Proxy` prepares a trainer on one training/validation split; the trainer's ``fit``
returns a :class:`~shapiq_spex.proxy.fitting.ProxyFit` whose trees are read into the common
:class:`~shapiq_spex.proxy.trees.Forest`, so one spectrum extraction serves every format.

The boosters (LightGBM, XGBoost) are sized by early stopping per tree depth; a user's
regressor is fitted as given (a fresh clone per fit, seeded when it takes a
``random_state``), with no depth search.
"""

from __future__ import annotations

import time
from typing import Protocol

import numpy as np

from .fitting import ProxyFit, ProxyTrainer
from .readers import SKLEARN_TREE_MODELS, sklearn_forest, sklearn_tree_kind, xgboost_forest

__all__ = [
    "PROXY_MODELS",
    "EstimatorProxy",
    "LightGBMProxy",
    "Proxy",
    "Trainer",
    "XGBoostProxy",
    "check_proxy_model",
    "make_proxy",
]

PROXY_MODELS = ("lightgbm", "xgboost")
"""Names of the built-in proxies (``proxy_model`` also takes a scikit-learn tree regressor)."""


class Trainer(Protocol):
    """Fits proxies on one training/validation split."""

    def fit(
        self,
        *,
        max_depth: int,
        seed: int,
        learning_rate: float,
        max_trees: int,
        patience: int,
        n_jobs: int,
        deadline: float | None,
    ) -> ProxyFit:
        """One proxy of the given depth (boosters stop early on the validation masks)."""
        ...


class Proxy(Protocol):
    """A proxy model family.

    Attributes:
        searches_depth: Whether ProxySPEX tries several tree depths (``False``: one fit).
    """

    searches_depth: bool

    def trainer(
        self, masks_train: np.ndarray, y_train: np.ndarray, masks_val: np.ndarray, y_val: np.ndarray
    ) -> Trainer:
        """A trainer on boolean masks and their values."""
        ...


class LightGBMProxy:
    """LightGBM boosting with early stopping per depth (:class:`ProxyTrainer`)."""

    searches_depth = True

    def trainer(
        self, masks_train: np.ndarray, y_train: np.ndarray, masks_val: np.ndarray, y_val: np.ndarray
    ) -> Trainer:
        """A LightGBM trainer sharing the binned masks between depths."""
        return ProxyTrainer(masks_train, y_train, masks_val, y_val)


class XGBoostProxy:
    """XGBoost boosting, set up like the LightGBM proxy (leaf-wise, at most 32 leaves)."""

    searches_depth = True

    def trainer(
        self, masks_train: np.ndarray, y_train: np.ndarray, masks_val: np.ndarray, y_val: np.ndarray
    ) -> Trainer:
        """An XGBoost trainer sharing the quantized masks between depths."""
        return _XGBoostTrainer(masks_train, y_train, masks_val, y_val)


class _XGBoostTrainer:
    def __init__(
        self, masks_train: np.ndarray, y_train: np.ndarray, masks_val: np.ndarray, y_val: np.ndarray
    ) -> None:
        import xgboost

        self._train = xgboost.QuantileDMatrix(masks_train.astype(np.float32), y_train)
        self._valid = xgboost.QuantileDMatrix(masks_val.astype(np.float32), y_val, ref=self._train)
        self._var_val = float(np.var(y_val))

    def fit(
        self,
        *,
        max_depth: int,
        seed: int,
        learning_rate: float = 0.2,
        max_trees: int = 500,
        patience: int = 50,
        n_jobs: int = 1,
        deadline: float | None = None,
        max_leaves: int = 32,
        min_data_in_leaf: int = 10,
        min_improvement: float = 1e-5,
    ) -> ProxyFit:
        """Fit one XGBoost regressor with early stopping (see :meth:`ProxyTrainer.fit`)."""
        import xgboost

        start = time.perf_counter()
        params = {
            "objective": "reg:squarederror",
            "tree_method": "hist",
            "grow_policy": "lossguide",
            "learning_rate": learning_rate,
            "max_depth": max_depth,
            "max_leaves": min(2**max_depth, max_leaves),
            # Squared error has unit hessians: the child weight is the count of masks.
            "min_child_weight": float(min_data_in_leaf),
            "reg_lambda": 0.0,
            "eval_metric": "rmse",
            "seed": seed,
            "nthread": n_jobs,
            "verbosity": 0,
        }
        # RMSE decreases when MSE does; its threshold is the MSE threshold's first-order image.
        min_delta = min_improvement * self._var_val / (2.0 * max(np.sqrt(self._var_val), 1e-300))
        booster = xgboost.train(
            params,
            self._train,
            num_boost_round=max_trees,
            evals=[(self._valid, "val")],
            verbose_eval=False,
            callbacks=[
                xgboost.callback.EarlyStopping(rounds=patience, min_delta=min_delta),
                _xgboost_deadline(deadline),
            ],
        )
        best = int(booster.best_iteration)
        return ProxyFit(
            booster=booster,
            max_depth=max_depth,
            n_trees=best + 1,
            val_mse=float(booster.best_score) ** 2,
            seconds=time.perf_counter() - start,
            reader=xgboost_forest,
        )


def _xgboost_deadline(deadline: float | None) -> object:
    """An XGBoost callback ending training once the wall-clock deadline has passed."""
    import xgboost

    class _Deadline(xgboost.callback.TrainingCallback):
        def after_iteration(self, model: object, epoch: int, evals_log: dict) -> bool:
            return deadline is not None and time.perf_counter() > deadline

    return _Deadline()


class EstimatorProxy:
    """The user's scikit-learn tree regressor, fitted as given (no depth search).

    Args:
        estimator: An unfitted (or fitted: it is cloned) regressor named in
            :data:`~shapiq_spex.proxy.readers.SKLEARN_TREE_MODELS`.
    """

    searches_depth = False

    def __init__(self, estimator: object) -> None:
        self.estimator = estimator

    def trainer(
        self, masks_train: np.ndarray, y_train: np.ndarray, masks_val: np.ndarray, y_val: np.ndarray
    ) -> Trainer:
        """A trainer fitting a fresh clone of the estimator on the training masks."""
        return _EstimatorTrainer(self.estimator, masks_train, y_train, masks_val, y_val)


class _EstimatorTrainer:
    def __init__(
        self,
        estimator: object,
        masks_train: np.ndarray,
        y_train: np.ndarray,
        masks_val: np.ndarray,
        y_val: np.ndarray,
    ) -> None:
        self._estimator = estimator
        self._data = (masks_train.astype(np.float32), y_train, masks_val.astype(np.float32), y_val)

    def fit(self, *, max_depth: int, seed: int, **_: object) -> ProxyFit:
        """Fit a clone, seeded by ``seed`` if it takes a ``random_state``.

        The boosters' other settings do not apply: the regressor is fitted as given.
        """
        from sklearn.base import clone

        start = time.perf_counter()
        model = clone(self._estimator)
        if "random_state" in model.get_params():
            model.set_params(random_state=seed)
        x_tr, y_tr, x_val, y_val = self._data
        model.fit(x_tr, y_tr)
        val_mse = float(np.mean((y_val - model.predict(x_val)) ** 2))
        n_trees = len(np.ravel(getattr(model, "estimators_", [model])))
        return ProxyFit(
            booster=model,
            max_depth=max_depth,
            n_trees=n_trees,
            val_mse=val_mse,
            seconds=time.perf_counter() - start,
            reader=lambda fitted, n, _trees: sklearn_forest(fitted, n),
        )


def check_proxy_model(proxy_model: object) -> object:
    """Validate ``proxy_model`` and return its normal form.

    Args:
        proxy_model: ``"lightgbm"``, ``"xgboost"`` (any case) or a scikit-learn tree
            regressor (:data:`~shapiq_spex.proxy.readers.SKLEARN_TREE_MODELS`).

    Returns:
        The lower-case name, or the regressor itself.

    Raises:
        TypeError: For a value that is neither a string nor a regressor whose trees can be
            read.
        ValueError: For an unknown name.
        ImportError: For ``"xgboost"`` when XGBoost is not installed.
    """
    if isinstance(proxy_model, str):
        name = proxy_model.lower()
        if name not in PROXY_MODELS:
            msg = (
                f"proxy_model must be one of {', '.join(map(repr, PROXY_MODELS))} or a "
                f"scikit-learn tree regressor, got {proxy_model!r}."
            )
            raise ValueError(msg)
        if name == "xgboost":
            try:
                import xgboost  # noqa: F401
            except ImportError as error:
                msg = (
                    "proxy_model='xgboost' needs the xgboost package (pip install xgboost); "
                    "the default proxy_model='lightgbm' needs nothing more."
                )
                raise ImportError(msg) from error
        return name
    if sklearn_tree_kind(proxy_model) is None:
        msg = (
            "proxy_model must be 'lightgbm', 'xgboost' or a scikit-learn regressor whose trees "
            f"can be read ({', '.join(SKLEARN_TREE_MODELS)}), got {type(proxy_model).__name__}: "
            "its Fourier spectrum cannot be extracted."
        )
        raise TypeError(msg)
    return proxy_model


def make_proxy(proxy_model: object = "lightgbm") -> Proxy:
    """The :class:`Proxy` of a (validated) ``proxy_model``; see :func:`check_proxy_model`."""
    proxy_model = check_proxy_model(proxy_model)
    if proxy_model == "lightgbm":
        return LightGBMProxy()
    if proxy_model == "xgboost":
        return XGBoostProxy()
    return EstimatorProxy(proxy_model)
