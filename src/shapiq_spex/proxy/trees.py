"""The one tree representation every proxy format is read into, and its spectrum's input.

A :class:`Forest` is the flat union of an ensemble's trees, restricted to what binary inputs
see: every internal node says where ``x_i = 0`` and ``x_i = 1`` go, every leaf has a value
(already scaled by the ensemble's shrinkage or averaging), and ``bias`` is the constant added
to the sum of the leaves. The readers of :mod:`~shapiq_spex.proxy.readers` produce it; the
spectrum (:mod:`~shapiq_spex.proxy.extraction`) is computed from it alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Forest", "forest_from_nodes"]


@dataclass(frozen=True)
class Forest:
    """Flat arrays of all trees, internal nodes and leaves numbered globally.

    Attributes:
        feature: ``(N,)`` split feature of every internal node.
        left_if: ``(N, 2)`` bool: whether ``x_i = 0`` / ``x_i = 1`` goes to the left child.
        left: ``(N,)`` left child: an internal node ``j >= 0``, or leaf ``l`` as ``~l``.
        right: ``(N,)`` right child, in the same encoding.
        leaf_value: ``(L,)`` value of every leaf (a single-leaf tree is a leaf without parent).
        bias: Constant added to the sum of the leaves (an ensemble's initial prediction).
    """

    feature: np.ndarray
    left_if: np.ndarray
    left: np.ndarray
    right: np.ndarray
    leaf_value: np.ndarray
    bias: float = 0.0

    def check(self, n: int) -> None:
        """Raise a ``ValueError`` for a split on a feature outside ``[0, n)``."""
        if self.feature.size and (self.feature.max() >= n or self.feature.min() < 0):
            bad = int(self.feature.max() if self.feature.max() >= n else self.feature.min())
            msg = f"the model splits on feature {bad}, but n={n}."
            raise ValueError(msg)


def forest_from_nodes(
    sizes: np.ndarray,
    is_leaf: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    feature: np.ndarray,
    left_if: np.ndarray,
    value: np.ndarray,
    bias: float = 0.0,
) -> Forest:
    """A :class:`Forest` from trees stored as node lists (scikit-learn's and XGBoost's layout).

    Each tree numbers its nodes ``0 .. size - 1`` (root first), leaves among them; the trees'
    node lists are concatenated.

    Args:
        sizes: ``(T,)`` nodes per tree.
        is_leaf: ``(M,)`` whether each node is a leaf.
        left: ``(M,)`` left child of each internal node, in its tree's numbering (ignored at
            leaves).
        right: ``(M,)`` right child, likewise.
        feature: ``(M,)`` split feature (ignored at leaves).
        left_if: ``(M, 2)`` whether ``x = 0`` / ``x = 1`` goes left (ignored at leaves).
        value: ``(M,)`` leaf values, already scaled (ignored at internal nodes).
        bias: Constant added to the sum of the leaves.

    Returns:
        The forest.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    is_leaf = np.asarray(is_leaf, dtype=bool)
    offset = np.repeat(np.cumsum(sizes) - sizes, sizes)
    # Ranks among internal nodes and among leaves are the global numbers of the Forest.
    internal_rank = np.cumsum(~is_leaf) - 1
    leaf_rank = np.cumsum(is_leaf) - 1

    def encode(child: np.ndarray) -> np.ndarray:
        node = np.asarray(child, dtype=np.int64)[~is_leaf] + offset[~is_leaf]
        return np.where(is_leaf[node], ~leaf_rank[node], internal_rank[node])

    return Forest(
        feature=np.asarray(feature, dtype=np.int64)[~is_leaf],
        left_if=np.asarray(left_if, dtype=bool)[~is_leaf],
        left=encode(left),
        right=encode(right),
        leaf_value=np.asarray(value, dtype=np.float64)[is_leaf],
        bias=float(bias),
    )
