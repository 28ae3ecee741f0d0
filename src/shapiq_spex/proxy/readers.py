"""Readers of fitted tree ensembles into the common :class:`~shapiq_spex.proxy.trees.Forest`.

One reader per tree format: LightGBM's model text, scikit-learn's ``tree_`` arrays (decision
trees, random forests, extra trees, gradient boosting), the node arrays of scikit-learn's
histogram gradient boosting, and XGBoost's JSON tree dump. Each says, for every split, where the
binary values 0 and 1 go; everything else is shared.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np

from .trees import Forest, forest_from_nodes

__all__ = [
    "SKLEARN_TREE_MODELS",
    "lightgbm_forest",
    "read_forest",
    "sklearn_forest",
    "sklearn_tree_kind",
    "xgboost_dump_forest",
    "xgboost_forest",
]

SKLEARN_TREE_MODELS = (
    "DecisionTreeRegressor",
    "ExtraTreeRegressor",
    "RandomForestRegressor",
    "ExtraTreesRegressor",
    "GradientBoostingRegressor",
    "HistGradientBoostingRegressor",
)
"""scikit-learn regressors (and their subclasses) whose trees are read."""

# LightGBM's decision_type bit field (include/LightGBM/tree.h).
_CATEGORICAL_MASK = 1
_DEFAULT_LEFT_MASK = 2
_MISSING_ZERO = 1  # missing type "Zero": x = 0 follows the default direction
# XGBoost objectives whose prediction is the base score plus the leaves (no link).
_XGBOOST_IDENTITY = (
    "reg:squarederror",
    "reg:squaredlogerror",
    "reg:pseudohubererror",
    "reg:absoluteerror",
    "reg:quantileerror",
)
_LIGHTGBM_FIELDS = (
    "num_leaves",
    "split_feature",
    "threshold",
    "decision_type",
    "left_child",
    "right_child",
    "leaf_value",
)


def read_forest(model: object, n: int, num_iteration: int | None = None) -> Forest:
    """The trees of a fitted LightGBM, XGBoost or scikit-learn tree model.

    Args:
        model: A LightGBM ``Booster`` or ``LGBMRegressor``, an XGBoost ``Booster`` or
            ``XGBRegressor``, or a fitted regressor named in :data:`SKLEARN_TREE_MODELS`.
        n: Number of input columns (players).
        num_iteration: Boosting rounds to read (LightGBM and XGBoost; ``None``: the best
            iteration if early stopping set one, else all).

    Returns:
        The forest, equal to the model's prediction on every binary input.

    Raises:
        TypeError: For a model of another kind.
    """
    lgb = getattr(model, "booster_", model)
    if hasattr(lgb, "model_to_string"):
        return lightgbm_forest(lgb, n, num_iteration)
    xgb = model.get_booster() if hasattr(model, "get_booster") else model
    if hasattr(xgb, "get_dump") and hasattr(xgb, "save_config"):
        return xgboost_forest(xgb, n, num_iteration)
    if sklearn_tree_kind(model) is not None:
        return sklearn_forest(model, n)
    msg = (
        "model must be a LightGBM or XGBoost booster or regressor, or a fitted scikit-learn "
        f"{', '.join(SKLEARN_TREE_MODELS)}; got {type(model).__name__}."
    )
    raise TypeError(msg)


# ---------------------------------------------------------------------------------------------
# LightGBM


def lightgbm_forest(booster: object, n: int, num_iteration: int | None = None) -> Forest:
    """The trees of a LightGBM ``Booster`` (read from its model text)."""
    if booster.num_model_per_iteration() != 1:  # type: ignore[attr-defined]
        msg = "only single-output (regression) LightGBM models are supported."
        raise ValueError(msg)
    if num_iteration is None:
        best = booster.best_iteration  # type: ignore[attr-defined]
        num_iteration = best if best > 0 else -1
    text = booster.model_to_string(num_iteration=num_iteration)  # type: ignore[attr-defined]
    forest = _parse_lightgbm(text)
    forest.check(n)
    return forest


def _lightgbm_fields(model_text: str) -> dict[str, list[str]]:
    """The per-tree lines of the fields the spectrum needs."""
    fields: dict[str, list[str]] = {k: [] for k in _LIGHTGBM_FIELDS}
    in_trees = False
    for line in model_text.splitlines():
        if line.startswith("Tree="):
            in_trees = True
        elif line.startswith("end of trees"):
            break
        elif in_trees:
            name, _, value = line.partition("=")
            if name in fields:
                fields[name].append(value)  # empty for single-leaf trees
            elif name in ("num_cat", "is_linear") and value.strip() != "0":
                msg = (
                    f"LightGBM models with {name}={value.strip()} are not supported: "
                    "only numerical splits of constant-leaf trees have this spectrum."
                )
                raise ValueError(msg)
    return fields


def _parse_lightgbm(model_text: str) -> Forest:
    fields = _lightgbm_fields(model_text)
    num_leaves = np.array(fields["num_leaves"], dtype=np.int64)
    n_nodes = np.maximum(num_leaves - 1, 0)

    def flat(key: str, dtype: type) -> np.ndarray:
        return np.array(" ".join(fields[key]).split(), dtype=dtype)

    feature = flat("split_feature", np.int64)
    threshold = flat("threshold", np.float64)
    decision = flat("decision_type", np.int64)
    left = flat("left_child", np.int64)
    right = flat("right_child", np.int64)
    leaf_value = flat("leaf_value", np.float64)
    if leaf_value.shape[0] != num_leaves.sum() or left.shape[0] != n_nodes.sum():
        msg = "could not parse the LightGBM model text (unexpected tree layout)."
        raise ValueError(msg)
    if (decision & _CATEGORICAL_MASK).any():
        msg = "categorical splits are not supported: the inputs are binary masks."
        raise ValueError(msg)

    # Where x_i = 0 and x_i = 1 go (LightGBM's NumericalDecision on exact 0.0 and 1.0).
    zero_missing = ((decision >> 2) & 3) == _MISSING_ZERO
    default_left = (decision & _DEFAULT_LEFT_MASK) != 0
    left0 = np.where(zero_missing, default_left, threshold >= 0.0)
    left1 = threshold >= 1.0

    # Children in global numbering: internal nodes and leaves are offset per tree.
    node_offset = np.repeat(np.cumsum(n_nodes) - n_nodes, n_nodes)
    leaf_offset = np.repeat(np.cumsum(num_leaves) - num_leaves, n_nodes)

    def encode(child: np.ndarray) -> np.ndarray:
        return np.where(child >= 0, child + node_offset, ~(~child + leaf_offset))

    return Forest(
        feature=feature,
        left_if=np.stack([left0, left1], axis=1),
        left=encode(left),
        right=encode(right),
        leaf_value=leaf_value,
    )


# ---------------------------------------------------------------------------------------------
# scikit-learn


def sklearn_tree_kind(model: object) -> str | None:
    """The name in :data:`SKLEARN_TREE_MODELS` that ``model`` is an instance of, if any."""
    import sklearn.ensemble
    import sklearn.tree

    for name in SKLEARN_TREE_MODELS:
        kind = getattr(sklearn.tree, name, None) or getattr(sklearn.ensemble, name)
        if isinstance(model, kind):
            return name
    return None


def sklearn_forest(model: object, n: int) -> Forest:
    """The trees of a fitted scikit-learn regressor named in :data:`SKLEARN_TREE_MODELS`.

    Raises:
        ValueError: For an unfitted model, several outputs, categorical splits or a
            non-identity link (the trees then do not add up to the prediction).
    """
    kind = sklearn_tree_kind(model)
    if kind == "HistGradientBoostingRegressor":
        return _hist_forest(model, n)
    if kind in ("DecisionTreeRegressor", "ExtraTreeRegressor"):
        trees, scale, bias = [model], 1.0, 0.0
    elif kind in ("RandomForestRegressor", "ExtraTreesRegressor"):
        trees = list(getattr(model, "estimators_", []))
        scale, bias = 1.0 / max(len(trees), 1), 0.0
    else:
        trees = list(np.asarray(getattr(model, "estimators_", np.zeros((0, 1)))).ravel())
        scale, bias = float(model.learning_rate), _initial_prediction(model)  # type: ignore[attr-defined]
    if not trees or not all(hasattr(t, "tree_") for t in trees):
        msg = f"the {kind} must be fitted before its trees can be read."
        raise ValueError(msg)
    arrays = [t.tree_ for t in trees]
    if any(a.value.shape[1] != 1 for a in arrays):
        msg = "only single-output scikit-learn regressors are supported."
        raise ValueError(msg)
    threshold = np.concatenate([a.threshold for a in arrays])
    forest = forest_from_nodes(
        sizes=np.array([a.node_count for a in arrays]),
        is_leaf=np.concatenate([a.children_left for a in arrays]) < 0,
        left=np.concatenate([a.children_left for a in arrays]),
        right=np.concatenate([a.children_right for a in arrays]),
        feature=np.concatenate([a.feature for a in arrays]),
        # scikit-learn sends x <= threshold left.
        left_if=np.stack([threshold >= 0.0, threshold >= 1.0], axis=1),
        value=np.concatenate([a.value[:, 0, 0] for a in arrays]) * scale,
        bias=bias,
    )
    forest.check(n)
    return forest


def _initial_prediction(model: object) -> float:
    """The constant a gradient-boosting regressor starts from."""
    init = model.init_  # type: ignore[attr-defined]
    if isinstance(init, str) and init == "zero":
        return 0.0
    constant = getattr(init, "constant_", None)
    if constant is None or np.size(constant) != 1:
        msg = (
            "GradientBoostingRegressor with an init estimator other than a constant "
            "(init=None or 'zero') has no tree spectrum."
        )
        raise ValueError(msg)
    return float(np.ravel(constant)[0])


def _hist_forest(model: object, n: int) -> Forest:
    predictors = getattr(model, "_predictors", None)
    if predictors is None:
        msg = "the HistGradientBoostingRegressor must be fitted before its trees can be read."
        raise ValueError(msg)
    link = type(model._loss.link).__name__  # type: ignore[attr-defined]
    if link != "IdentityLink":
        msg = f"HistGradientBoostingRegressor with the {link} has no additive tree spectrum."
        raise ValueError(msg)
    nodes = [p.nodes for iteration in predictors for p in iteration]
    if not nodes:
        return Forest(*_empty_nodes(), bias=float(np.ravel(model._baseline_prediction)[0]))  # type: ignore[attr-defined]
    if any(nd["is_categorical"].any() for nd in nodes):
        msg = "categorical splits are not supported: the inputs are binary masks."
        raise ValueError(msg)
    threshold = np.concatenate([nd["num_threshold"] for nd in nodes])
    forest = forest_from_nodes(
        sizes=np.array([nd.shape[0] for nd in nodes]),
        is_leaf=np.concatenate([nd["is_leaf"] for nd in nodes]).astype(bool),
        left=np.concatenate([nd["left"] for nd in nodes]),
        right=np.concatenate([nd["right"] for nd in nodes]),
        feature=np.concatenate([nd["feature_idx"] for nd in nodes]),
        # Like scikit-learn's trees: x <= threshold goes left (shrinkage is in the values).
        left_if=np.stack([threshold >= 0.0, threshold >= 1.0], axis=1),
        value=np.concatenate([nd["value"] for nd in nodes]),
        bias=float(np.ravel(model._baseline_prediction)[0]),  # type: ignore[attr-defined]
    )
    forest.check(n)
    return forest


def _empty_nodes() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    none = np.zeros(0, dtype=np.int64)
    return none, np.zeros((0, 2), dtype=bool), none, none, np.zeros(0)


# ---------------------------------------------------------------------------------------------
# XGBoost


def xgboost_forest(booster: object, n: int, num_iteration: int | None = None) -> Forest:
    """The trees of an XGBoost ``Booster`` (from its JSON dump and its base score).

    ``num_iteration``: boosting rounds to read (``None``: up to the best iteration if early
    stopping set one, else all).
    """
    config = json.loads(booster.save_config())  # type: ignore[attr-defined]
    learner = config["learner"]
    if learner["gradient_booster"]["name"] != "gbtree":
        msg = "only XGBoost tree boosters (booster='gbtree') have a tree spectrum."
        raise ValueError(msg)
    objective = learner["objective"]["name"]
    if objective not in _XGBOOST_IDENTITY or learner["learner_model_param"]["num_target"] != "1":
        msg = (
            f"XGBoost objective {objective!r} with {learner['learner_model_param']['num_target']}"
            f" targets has no additive tree spectrum; supported: {', '.join(_XGBOOST_IDENTITY)}."
        )
        raise ValueError(msg)
    if num_iteration is None:
        best = getattr(booster, "best_iteration", None)
        num_iteration = None if best is None else int(best) + 1
    dumps = booster.get_dump(dump_format="json")  # type: ignore[attr-defined]
    if num_iteration is not None:
        per_round = learner["gradient_booster"]["gbtree_model_param"]["num_parallel_tree"]
        dumps = dumps[: num_iteration * int(per_round)]
    base = learner["learner_model_param"]["base_score"].strip("[]")
    names = booster.feature_names  # type: ignore[attr-defined]
    return xgboost_dump_forest(dumps, n, base_score=float(base), feature_names=names)


def xgboost_dump_forest(
    dumps: Sequence[str],
    n: int,
    *,
    base_score: float = 0.0,
    feature_names: Sequence[str] | None = None,
) -> Forest:
    """The trees of XGBoost's JSON dump (``booster.get_dump(dump_format="json")``).

    Args:
        dumps: One JSON document per tree.
        n: Number of input columns.
        base_score: The booster's base score (added to the sum of the leaves).
        feature_names: The booster's feature names (``None``: splits name ``f<i>``).

    Returns:
        The forest. XGBoost sends ``x < split_condition`` to ``yes``, which is read as the left
        child; missing values do not occur on binary inputs.
    """
    index = {name: i for i, name in enumerate(feature_names or [])}
    rows: list[tuple[bool, int, int, int, float, float]] = []
    sizes = []
    for text in dumps:
        nodes = _xgboost_nodes(json.loads(text))
        # Renumber by position: node ids may have gaps after pruning.
        position = {node["nodeid"]: k for k, node in enumerate(nodes)}
        for node in nodes:
            if "leaf" in node:
                rows.append((True, 0, 0, 0, 0.0, float(node["leaf"])))
                continue
            split = node["split"]
            feature = index[split] if split in index else int(str(split).lstrip("f"))
            condition = float(node["split_condition"])
            yes, no = position[node["yes"]], position[node["no"]]
            rows.append((False, yes, no, feature, condition, 0.0))
        sizes.append(len(nodes))
    if not rows:
        none = np.zeros(0, dtype=np.int64)
        return Forest(none, np.zeros((0, 2), dtype=bool), none, none, np.zeros(0), base_score)
    is_leaf, left, right, feature, condition, value = (
        np.array(col) for col in zip(*rows, strict=True)
    )
    forest = forest_from_nodes(
        sizes=np.array(sizes),
        is_leaf=is_leaf,
        left=left,
        right=right,
        feature=feature,
        left_if=np.stack([condition > 0.0, condition > 1.0], axis=1),
        value=value,
        bias=base_score,
    )
    forest.check(n)
    return forest


def _xgboost_nodes(root: dict) -> list[dict]:
    """The nodes of one dumped tree, root first (depth-first)."""
    nodes, stack = [], [root]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(reversed(node.get("children", [])))
    return nodes
