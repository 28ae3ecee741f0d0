"""The tree proxy: LightGBM boosting on masks, sized by early stopping on a held-out split.

Model selection is one boosting run per tree depth: the number of trees is chosen by early
stopping on the validation masks, so no cross-validated grid over ``n_estimators`` and
``learning_rate`` is needed. Every run is silent, single-process and deterministic given its
seed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .readers import lightgbm_forest
from .trees import Forest

__all__ = ["DATASET_PARAMS", "ProxyFit", "ProxyTrainer", "booster_params"]

DATASET_PARAMS = {"verbose": -1, "feature_pre_filter": False, "max_bin": 2}
"""How every LightGBM dataset of masks is binned: two bins, one per mask value."""


def booster_params(
    *, learning_rate: float, num_leaves: int, min_data_in_leaf: int, seed: int, n_jobs: int
) -> dict:
    """The LightGBM parameters of every mask regression.

    Unpenalised squared error, leaves limited by their count of masks only, deterministic and
    silent.
    """
    return {
        "objective": "regression",
        "learning_rate": learning_rate,
        "num_leaves": num_leaves,
        "min_data_in_leaf": min_data_in_leaf,
        "min_sum_hessian_in_leaf": 0.0,
        "lambda_l2": 0.0,
        "seed": seed,
        "deterministic": True,
        "force_row_wise": True,
        "num_threads": n_jobs,
        "verbose": -1,
    }


@dataclass
class ProxyFit:
    """A tree proxy fitted on the training masks.

    Attributes:
        booster: The fitted model: a :class:`lightgbm.Booster` (it may hold trees past
            ``n_trees``: pass ``num_iteration=n_trees`` when reading it), an XGBoost booster or
            the user's fitted scikit-learn regressor.
        max_depth: Depth limit of its trees.
        n_trees: Number of trees kept (the early-stopping optimum).
        val_mse: Mean squared error on the validation masks at that iteration.
        seconds: Wall time of the fit.
        reader: ``(model, n, n_trees) -> Forest`` for this model's format.
    """

    booster: object
    max_depth: int
    n_trees: int
    val_mse: float
    seconds: float
    reader: Callable[[object, int, int], Forest] = lightgbm_forest

    def forest(self, n: int) -> Forest:
        """The kept trees in the common representation (``n`` input columns)."""
        return self.reader(self.booster, n, self.n_trees)


class _Deadline:
    """LightGBM callback ending training once a wall-clock deadline has passed."""

    order = 40  # after the evaluation callbacks

    def __init__(self, deadline: float | None) -> None:
        self.deadline = deadline

    def __call__(self, env: object) -> None:
        if self.deadline is not None and time.perf_counter() > self.deadline:
            import lightgbm

            # Keep every tree so far (LightGBM adds one to this 0-based iteration).
            raise lightgbm.callback.EarlyStopException(
                env.iteration,  # type: ignore[attr-defined]
                env.evaluation_result_list,  # type: ignore[attr-defined]
            )


class ProxyTrainer:
    """Boosting runs on one training/validation split, sharing LightGBM's binned datasets.

    The masks are binned once; each :meth:`fit` (one per tree depth in the search) reuses
    them.

    Args:
        masks_train: Boolean ``(m, n)`` training masks.
        y_train: Their values ``(m,)``.
        masks_val: Boolean ``(m_val, n)`` validation masks.
        y_val: Their values ``(m_val,)``.
    """

    def __init__(
        self,
        masks_train: np.ndarray,
        y_train: np.ndarray,
        masks_val: np.ndarray,
        y_val: np.ndarray,
    ) -> None:
        import lightgbm

        params = DATASET_PARAMS
        self._train = lightgbm.Dataset(
            masks_train.astype(np.float32), y_train, params=params, free_raw_data=True
        )
        self._valid = lightgbm.Dataset(
            masks_val.astype(np.float32), y_val, reference=self._train, params=params
        )
        self._var_val = float(np.var(y_val))

    def fit(
        self,
        *,
        max_depth: int,
        seed: int,
        learning_rate: float = 0.2,
        max_trees: int = 500,
        patience: int = 50,
        max_leaves: int = 32,
        min_data_in_leaf: int = 10,
        min_improvement: float = 1e-5,
        n_jobs: int = 1,
        deadline: float | None = None,
    ) -> ProxyFit:
        """Fit one LightGBM regressor with early stopping on the validation masks.

        Args:
            max_depth: Depth limit of the trees.
            seed: LightGBM's seed (deterministic mode, so equal seeds give equal models).
            learning_rate: Shrinkage of every tree.
            max_trees: Most boosting rounds.
            patience: Rounds without validation improvement before stopping.
            max_leaves: Leaf limit of the trees (grown leaf-wise, best split first). Narrow
                deep trees keep the spectrum small: a tree has at most
                ``max_leaves 2^max_depth`` terms.
            min_data_in_leaf: Fewest training masks in a leaf.
            min_improvement: Smallest validation-MSE decrease, relative to the variance of
                the validation values, that counts as progress for early stopping.
            n_jobs: LightGBM threads (results are reproducible for a fixed value).
            deadline: ``time.perf_counter()`` value after which boosting stops early
                (``None``: no limit). Makes the result depend on the machine's speed.

        Returns:
            The fitted proxy.
        """
        import lightgbm

        start = time.perf_counter()
        params = booster_params(
            learning_rate=learning_rate,
            num_leaves=min(2**max_depth, max_leaves),
            min_data_in_leaf=min_data_in_leaf,
            seed=seed,
            n_jobs=n_jobs,
        ) | {"max_depth": max_depth, "metric": "l2"}
        booster = lightgbm.train(
            params,
            self._train,
            num_boost_round=max_trees,
            valid_sets=[self._valid],
            valid_names=["val"],
            callbacks=[
                lightgbm.early_stopping(
                    patience,
                    first_metric_only=True,
                    verbose=False,
                    min_delta=min_improvement * self._var_val,
                ),
                _Deadline(deadline),
            ],
            # Skips a serialisation round trip; the trees past the best one stay in the
            # booster and every reader passes ``num_iteration``.
            keep_training_booster=True,
        )
        # Both stopping callbacks record the best iteration and its validation MSE.
        return ProxyFit(
            booster=booster,
            max_depth=max_depth,
            n_trees=int(booster.best_iteration),
            val_mse=float(booster.best_score["val"]["l2"]),
            seconds=time.perf_counter() - start,
        )
