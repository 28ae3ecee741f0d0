"""The exact Fourier spectrum of a LightGBM regression ensemble on binary inputs.

On ``x ∈ {0,1}^n`` every leaf of a tree is the indicator of the constraints on its root path,
``1[x_i = s_i]`` for the distinct features ``i`` of the path. With the characters
``χ_i(x) = (-1)^{x_i}``, ``1[x_i = s] = (1 + (-1)^s χ_i) / 2``, so a leaf of value ``v`` whose
path fixes ``d`` distinct features ``P`` contributes

    ``v 2^{-d} (-1)^{|S ∩ {i: s_i = 1}|}``  to the Fourier coefficient of every ``S ⊆ P``.

This is the recursion ``{k: (L_k + R_k)/2} ∪ {k ∪ {i}: (L_k - R_k)/2}`` unrolled over the
leaves, and it stays exact when a feature repeats on a path (it is fixed once; a contradicting
repeat makes the leaf unreachable). Splits whose two sides receive the same binary value are
not constraints at all.

The trees are read once from the model text (flat per-tree arrays), the root paths are walked
for all leaves at once, and the ``sum_leaves 2^d`` contributions are keyed by bit-packed
integers (``ceil(log2(n + 1))`` bits per element) and summed with one sort, in bounded chunks.
"""

from __future__ import annotations

import numpy as np

from ..spectral.representation import SparseFourier
from ..spectral.terms import PAD, key_layout, sum_by_key, unpack_terms

__all__ = ["booster_fourier", "booster_spectrum"]

_CHUNK_ROWS = 1 << 22  # contributions expanded at once (~100 MB of temporaries)
# LightGBM's decision_type bit field (include/LightGBM/tree.h).
_CATEGORICAL_MASK = 1
_DEFAULT_LEFT_MASK = 2
_MISSING_ZERO = 1  # missing type "Zero": x = 0 follows the default direction


# ---------------------------------------------------------------------------------------------
# Reading the model


class _Forest:
    """Flat arrays of all trees: internal nodes and leaves, with global indices.

    Attributes:
        feature: Split feature of every internal node.
        left_if: ``(n_nodes, 2)`` bool: whether ``x_i = 0`` / ``x_i = 1`` goes to the left child.
        node_parent / node_is_left: Parent internal node (``-1`` at a root) and side.
        leaf_value: Value of every leaf.
        leaf_parent / leaf_is_left: Parent internal node (``-1`` for single-leaf trees), side.
    """

    def __init__(self, model_text: str, n: int) -> None:
        fields: dict[str, list[str]] = {
            k: []
            for k in (
                "num_leaves",
                "split_feature",
                "threshold",
                "decision_type",
                "left_child",
                "right_child",
                "leaf_value",
            )
        }
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
        num_leaves = np.array(fields["num_leaves"], dtype=np.int64)
        n_nodes = np.maximum(num_leaves - 1, 0)

        def flat(key: str, dtype: type) -> np.ndarray:
            return np.array(" ".join(fields[key]).split(), dtype=dtype)

        self.feature = flat("split_feature", np.int64)
        threshold = flat("threshold", np.float64)
        decision = flat("decision_type", np.int64)
        left = flat("left_child", np.int64)
        right = flat("right_child", np.int64)
        self.leaf_value = flat("leaf_value", np.float64)
        if self.leaf_value.shape[0] != num_leaves.sum() or left.shape[0] != n_nodes.sum():
            msg = "could not parse the LightGBM model text (unexpected tree layout)."
            raise ValueError(msg)
        if (decision & _CATEGORICAL_MASK).any():
            msg = "categorical splits are not supported: the inputs are binary masks."
            raise ValueError(msg)
        if self.feature.size and self.feature.max() >= n:
            msg = f"the model splits on feature {int(self.feature.max())}, but n={n}."
            raise ValueError(msg)

        # Where x_i = 0 and x_i = 1 go (LightGBM's NumericalDecision on exact 0.0 and 1.0).
        zero_missing = ((decision >> 2) & 3) == _MISSING_ZERO
        default_left = (decision & _DEFAULT_LEFT_MASK) != 0
        left0 = np.where(zero_missing, default_left, threshold >= 0.0)
        left1 = threshold >= 1.0
        self.left_if = np.stack([left0, left1], axis=1)

        # Children in global numbering: internal nodes and leaves are offset per tree.
        node_offset = np.repeat(np.cumsum(n_nodes) - n_nodes, n_nodes)
        leaf_offset = np.repeat(np.cumsum(num_leaves) - num_leaves, n_nodes)
        total_nodes, total_leaves = int(n_nodes.sum()), int(num_leaves.sum())
        self.node_parent = np.full(total_nodes, -1, dtype=np.int64)
        self.node_is_left = np.zeros(total_nodes, dtype=bool)
        self.leaf_parent = np.full(total_leaves, -1, dtype=np.int64)
        self.leaf_is_left = np.zeros(total_leaves, dtype=bool)
        parent = np.arange(total_nodes, dtype=np.int64)
        for child, is_left in ((left, True), (right, False)):
            internal = child >= 0
            self.node_parent[child[internal] + node_offset[internal]] = parent[internal]
            self.node_is_left[child[internal] + node_offset[internal]] = is_left
            leaf = ~child[~internal] + leaf_offset[~internal]
            self.leaf_parent[leaf] = parent[~internal]
            self.leaf_is_left[leaf] = is_left


def _leaf_constraints(forest: _Forest) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Walk every root path at once.

    Returns:
        ``(features, sides, reachable)``: ``(L, D)`` padded sorted distinct path features, the
        required value of each, and which leaves some binary input reaches.
    """
    n_leaves = forest.leaf_value.shape[0]
    cols_f: list[np.ndarray] = []
    cols_s: list[np.ndarray] = []
    reachable = np.ones(n_leaves, dtype=bool)
    node = forest.leaf_parent.copy()
    is_left = forest.leaf_is_left.copy()
    while (node >= 0).any():
        active = node >= 0
        safe = np.where(active, node, 0)
        goes_left = forest.left_if[safe]  # (L, 2)
        allowed = np.where(is_left[:, None], goes_left, ~goes_left)  # values reaching this side
        reachable &= ~active | allowed.any(axis=1)
        constrained = active & (allowed[:, 0] != allowed[:, 1])
        cols_f.append(np.where(constrained, forest.feature[safe], PAD))
        cols_s.append(allowed[:, 1])
        is_left = np.where(active, forest.node_is_left[safe], False)
        node = np.where(active, forest.node_parent[safe], -1)
    if not cols_f:
        empty = np.zeros((n_leaves, 0), dtype=np.int64)
        return empty, empty.astype(bool), reachable
    feats = np.stack(cols_f, axis=1)
    sides = np.stack(cols_s, axis=1)
    # Sort each path by feature (padding last), then merge repeats of the same feature.
    big = np.iinfo(np.int64).max
    order = np.argsort(np.where(feats == PAD, big, feats), axis=1, kind="stable")
    feats = np.take_along_axis(feats, order, axis=1)
    sides = np.take_along_axis(sides, order, axis=1)
    repeat = np.zeros_like(feats, dtype=bool)
    repeat[:, 1:] = (feats[:, 1:] == feats[:, :-1]) & (feats[:, 1:] != PAD)
    clash = np.zeros_like(repeat)
    clash[:, 1:] = repeat[:, 1:] & (sides[:, 1:] != sides[:, :-1])
    reachable &= ~clash.any(axis=1)
    feats = np.where(repeat, PAD, feats)
    order = np.argsort(np.where(feats == PAD, big, feats), axis=1, kind="stable")
    feats = np.take_along_axis(feats, order, axis=1)
    sides = np.take_along_axis(sides, order, axis=1) & (feats != PAD)
    width = int((feats != PAD).sum(axis=1).max(initial=0))
    return feats[:, :width], sides[:, :width], reachable


def _expand(
    feats: np.ndarray, sides: np.ndarray, values: np.ndarray, n: int, width: int
) -> tuple[np.ndarray, np.ndarray]:
    """Keys and coefficients of the ``2^d`` subsets of each of ``L`` leaves with ``d`` features.

    Args:
        feats: ``(L, d)`` sorted distinct path features.
        sides: ``(L, d)`` value each feature must take to reach the leaf.
        values: ``(L,)`` leaf values.
        n: Number of players.
        width: The widest subset over the forest (sets the key layout).

    Returns:
        ``(keys, coefficients)``: ``(L 2^d, W)`` packed subsets and their contributions.
    """
    n_leaves, d = feats.shape
    bits, per_word, n_words = key_layout(n, width)
    patterns = (np.arange(1 << d)[:, None] >> np.arange(d)[None, :]) & 1  # (P, d)
    rank = np.cumsum(patterns, axis=1) - 1  # position of element j in the subset
    # (-1)^{|S ∩ {i: s_i = 1}|} v 2^{-d}
    parity = (sides.astype(np.int64) @ patterns.T) & 1  # (L, P)
    coefs = (values * 2.0**-d)[:, None] * (1.0 - 2.0 * parity)
    keys = np.zeros((n_words, n_leaves, 1 << d), dtype=np.int64)
    for j in range(d):
        word, slot = np.divmod(rank[:, j], per_word)
        shifted = (feats[:, j : j + 1] + 1) << (bits * slot)[None, :]  # (L, P)
        shifted *= patterns[None, :, j]
        for w in np.unique(word[patterns[:, j] == 1]):
            keys[w] |= np.where(word[None, :] == w, shifted, 0)
    return keys.reshape(n_words, -1).T, coefs.ravel()


def booster_spectrum(
    booster: object, n: int, *, num_iteration: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The exact Fourier spectrum of a LightGBM regressor on ``{0,1}^n``, as arrays.

    Args:
        booster: A fitted :class:`lightgbm.Booster` or :class:`lightgbm.LGBMRegressor`, trained
            on ``n`` numeric columns and queried with 0/1 values.
        n: Number of players (input columns).
        num_iteration: Trees to use, as in ``booster.predict`` (``None``: the best iteration if
            early stopping set one, else all).

    Returns:
        ``(terms, coefficients)``: a unique, ``-1``-padded term matrix ``(K, d)`` (rows
        ascending) and its coefficients ``(K,)``, with
        ``booster.predict(x) = sum_k coefficients[k] (-1)^{<x, terms[k]>}``. Exact zeros are
        dropped.

    Raises:
        ValueError: For models this reading does not cover (categorical splits, linear trees,
            multi-class models) or features outside ``[0, n)``.
    """
    booster = getattr(booster, "booster_", booster)
    if not hasattr(booster, "model_to_string"):
        msg = f"booster must be a lightgbm Booster or LGBMRegressor, got {type(booster).__name__}."
        raise TypeError(msg)
    if booster.num_model_per_iteration() != 1:
        msg = "only single-output (regression) LightGBM models are supported."
        raise ValueError(msg)
    if num_iteration is None:
        num_iteration = booster.best_iteration if booster.best_iteration > 0 else -1
    forest = _Forest(booster.model_to_string(num_iteration=num_iteration), n)
    feats, sides, reachable = _leaf_constraints(forest)
    degree = (feats != PAD).sum(axis=1)
    width = max(feats.shape[1], 1)
    n_words = key_layout(n, width)[2]
    parts_k: list[np.ndarray] = [np.zeros((0, n_words), dtype=np.int64)]
    parts_c: list[np.ndarray] = [np.zeros(0)]
    for d in np.unique(degree[reachable]):
        leaves = np.flatnonzero(reachable & (degree == d))
        step = max(1, _CHUNK_ROWS >> int(d))
        for start in range(0, leaves.size, step):
            chunk = leaves[start : start + step]
            keys, coefs = _expand(
                feats[chunk, :d], sides[chunk, :d], forest.leaf_value[chunk], n, width
            )
            keys, coefs = sum_by_key(keys, coefs)
            parts_k.append(keys)
            parts_c.append(coefs)
    keys, coefs = sum_by_key(np.concatenate(parts_k), np.concatenate(parts_c))
    keep = coefs != 0.0
    terms = unpack_terms(keys[keep], n, width)
    used = int((terms != PAD).sum(axis=1).max(initial=0))
    return np.ascontiguousarray(terms[:, :used]), coefs[keep]


def booster_fourier(booster: object, n: int, *, num_iteration: int | None = None) -> SparseFourier:
    """The exact Fourier representation of a LightGBM regressor on ``{0,1}^n``.

    See :func:`booster_spectrum` for the arguments.

    Returns:
        A :class:`~shapiq_spex.spectral.SparseFourier` equal to ``booster.predict`` on every
        mask.
    """
    terms, coefs = booster_spectrum(booster, n, num_iteration=num_iteration)
    return SparseFourier(n, terms, coefs)
