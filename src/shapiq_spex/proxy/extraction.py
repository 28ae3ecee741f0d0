"""The exact Fourier spectrum of a regression tree ensemble on binary inputs.

On ``x ∈ {0,1}^n`` every leaf of a tree is the indicator of the constraints on its root path,
``1[x_i = s_i]`` for the distinct features ``i`` of the path. With the characters
``χ_i(x) = (-1)^{x_i}``, ``1[x_i = s] = (1 + (-1)^s χ_i) / 2``, so a leaf of value ``v`` whose
path fixes ``d`` distinct features ``P`` contributes

    ``v 2^{-d} (-1)^{|S ∩ {i: s_i = 1}|}``  to the Fourier coefficient of every ``S ⊆ P``.

This is the recursion ``{k: (L_k + R_k)/2} ∪ {k ∪ {i}: (L_k - R_k)/2}`` unrolled over the
leaves, and it stays exact when a feature repeats on a path (it is fixed once; a contradicting
repeat makes the leaf unreachable). Splits whose two sides receive the same binary value are
not constraints at all.

The trees are read once into the common :class:`~shapiq_spex.proxy.trees.Forest` (one reader
per format, :mod:`~shapiq_spex.proxy.readers`), the root paths are walked
for all leaves at once, and the ``sum_leaves 2^d`` contributions are keyed by bit-packed
integers (``ceil(log2(n + 1))`` bits per element) and summed with one sort, in bounded chunks.
"""

from __future__ import annotations

import numpy as np

from ..spectral.representation import SparseFourier
from ..spectral.terms import PAD, key_layout, sum_by_key, unpack_terms
from .readers import lightgbm_forest, read_forest
from .trees import Forest

__all__ = ["booster_fourier", "booster_spectrum", "forest_spectrum", "model_spectrum"]

_CHUNK_ROWS = 1 << 22  # contributions expanded at once (~100 MB of temporaries)


class _Paths:
    """Parent links of a :class:`~shapiq_spex.proxy.trees.Forest`, for walking root paths.

    Attributes:
        feature: Split feature of every internal node.
        left_if: ``(n_nodes, 2)`` bool: whether ``x_i = 0`` / ``x_i = 1`` goes to the left child.
        node_parent / node_is_left: Parent internal node (``-1`` at a root) and side.
        leaf_value: Value of every leaf.
        leaf_parent / leaf_is_left: Parent internal node (``-1`` for single-leaf trees), side.
    """

    def __init__(self, forest: Forest) -> None:
        self.feature = forest.feature
        self.left_if = forest.left_if
        self.leaf_value = forest.leaf_value
        total_nodes, total_leaves = forest.feature.shape[0], forest.leaf_value.shape[0]
        self.node_parent = np.full(total_nodes, -1, dtype=np.int64)
        self.node_is_left = np.zeros(total_nodes, dtype=bool)
        self.leaf_parent = np.full(total_leaves, -1, dtype=np.int64)
        self.leaf_is_left = np.zeros(total_leaves, dtype=bool)
        parent = np.arange(total_nodes, dtype=np.int64)
        for child, is_left in ((forest.left, True), (forest.right, False)):
            internal = child >= 0
            self.node_parent[child[internal]] = parent[internal]
            self.node_is_left[child[internal]] = is_left
            leaf = ~child[~internal]
            self.leaf_parent[leaf] = parent[~internal]
            self.leaf_is_left[leaf] = is_left


def _leaf_constraints(forest: _Paths) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


def forest_spectrum(forest: Forest, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The exact Fourier spectrum of a :class:`~shapiq_spex.proxy.trees.Forest` on ``{0,1}^n``.

    Args:
        forest: The trees, in the common representation.
        n: Number of players (input columns).

    Returns:
        ``(terms, coefficients)``: a unique, ``-1``-padded term matrix ``(K, d)`` (rows
        ascending) and its coefficients ``(K,)``, with
        ``f(x) = sum_k coefficients[k] (-1)^{<x, terms[k]>}``. Exact zeros are dropped.

    Raises:
        ValueError: For a split on a feature outside ``[0, n)``.
    """
    forest.check(n)
    paths = _Paths(forest)
    feats, sides, reachable = _leaf_constraints(paths)
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
                feats[chunk, :d], sides[chunk, :d], paths.leaf_value[chunk], n, width
            )
            keys, coefs = sum_by_key(keys, coefs)
            parts_k.append(keys)
            parts_c.append(coefs)
    if forest.bias != 0.0:  # the empty set's key is all zeros
        parts_k.append(np.zeros((1, n_words), dtype=np.int64))
        parts_c.append(np.array([forest.bias]))
    keys, coefs = sum_by_key(np.concatenate(parts_k), np.concatenate(parts_c))
    keep = coefs != 0.0
    terms = unpack_terms(keys[keep], n, width)
    used = int((terms != PAD).sum(axis=1).max(initial=0))
    return np.ascontiguousarray(terms[:, :used]), coefs[keep]


def model_spectrum(
    model: object, n: int, *, num_iteration: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The exact Fourier spectrum of a fitted tree model on ``{0,1}^n``, as arrays.

    Args:
        model: A LightGBM or XGBoost booster or regressor, or a fitted scikit-learn tree
            regressor (see :func:`~shapiq_spex.proxy.readers.read_forest`).
        n: Number of players (input columns).
        num_iteration: Boosting rounds to read (``None``: the best iteration if early stopping
            set one, else all).

    Returns:
        ``(terms, coefficients)`` as in :func:`forest_spectrum`, with
        ``model.predict(x) = sum_k coefficients[k] (-1)^{<x, terms[k]>}``.

    Raises:
        TypeError: For a model whose trees cannot be read.
        ValueError: For models the reading does not cover (categorical splits, links,
            several outputs) or features outside ``[0, n)``.
    """
    return forest_spectrum(read_forest(model, n, num_iteration), n)


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
    return forest_spectrum(lightgbm_forest(booster, n, num_iteration), n)


def booster_fourier(booster: object, n: int, *, num_iteration: int | None = None) -> SparseFourier:
    """The exact Fourier representation of a LightGBM regressor on ``{0,1}^n``.

    See :func:`booster_spectrum` for the arguments.

    Returns:
        A :class:`~shapiq_spex.spectral.SparseFourier` equal to ``booster.predict`` on every
        mask.
    """
    terms, coefs = booster_spectrum(booster, n, num_iteration=num_iteration)
    return SparseFourier(n, terms, coefs)
