"""Averages and blends of fitted functions, scored on left-out queries only.

Two ways of combining fits that :mod:`~shapiq_spex.proxy.crossfit` uses:

- **Averaging** the folds' fits of one family (bagging). Each left-out query was predicted by
  one fit that never saw it, which scores a single fit; for squared error the average's error
  is the fits' mean error minus their spread around the average (Krogh and Vedelsby's
  ambiguity decomposition, exact at every point), and the spread needs no game values: for
  Fourier functions its mean over uniform masks is exact by Parseval's identity.
- **Blending** two families, ``w·a + (1 - w)·b`` with ``w`` in ``[0, 1]`` chosen by least
  squares on the left-out predictions (Breiman's stacked regression with one weight). The
  blend of each fold is scored with a ``w`` chosen on the other folds only, so its score is
  as honest as the families' own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..spectral.representation import SparseFourier
from ..spectral.terms import canonical_terms, pad_terms

__all__ = [
    "ambiguity",
    "blend_weight",
    "coefficient_table",
    "corrected_score",
    "cross_validated_blend",
    "fourier_ambiguity",
]

Score = Callable[[np.ndarray, np.ndarray], float]


def ambiguity(outputs: np.ndarray) -> float:
    """Mean variance of fits around their average: ``outputs`` is ``(fits, probe masks)``."""
    if outputs.shape[0] < 2:
        return 0.0
    return float(np.mean(np.var(outputs, axis=0)))


def fourier_ambiguity(functions: Sequence[SparseFourier]) -> float:
    """:func:`ambiguity` of Fourier functions over all uniformly random masks, exactly.

    The characters are orthonormal under the uniform distribution (Parseval), so the mean
    variance of the functions around their average is the sum, over terms, of the variance of
    the coefficients across the functions. No masks are drawn or evaluated.
    """
    if len(functions) < 2:
        return 0.0
    _, table = coefficient_table(functions)
    return float(np.sum(np.var(table, axis=1)))


def coefficient_table(functions: Sequence[SparseFourier]) -> tuple[np.ndarray, np.ndarray]:
    """``(terms, table)``: the union of the functions' terms, one column of coefficients each.

    A function without a term has a zero there.
    """
    parts = [canonical_terms(f.terms, f.coefficients) for f in functions]
    width = max(max(terms.shape[1] for terms, _ in parts), 1)
    stacked = np.concatenate([pad_terms(terms, width) for terms, _ in parts])
    union, row = np.unique(stacked, axis=0, return_inverse=True)
    owner = np.repeat(np.arange(len(parts)), [terms.shape[0] for terms, _ in parts])
    table = np.zeros((union.shape[0], len(parts)))
    table[row.ravel(), owner] = np.concatenate([coefs for _, coefs in parts])
    return union, table


def corrected_score(score: Score, y: np.ndarray, predictions: np.ndarray, spread: float) -> float:
    """``score`` of the average of fits from single fits' left-out ``predictions``.

    Args:
        score: ``(values, predictions) -> R²`` on the user's scale.
        y: Left-out values.
        predictions: Each left-out value's prediction by the one fit that did not see it.
        spread: :func:`ambiguity` of the averaged fits (the same scale as ``y``).

    Returns:
        ``score`` with its error shrunk by the ambiguity share of the mean squared error (the
        linked-scale error ratio carries the correction to ``score``'s scale).
    """
    base = score(y, predictions)
    error = float(np.mean((y - predictions) ** 2))
    if spread <= 0.0 or not error > 0 or not np.isfinite(error):
        return base
    return 1.0 - (1.0 - base) * max(error - spread, 0.0) / error


def blend_weight(y: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """The ``w`` in ``[0, 1]`` that minimises ``||y - (w·a + (1 - w)·b)||²`` (0 if ``a = b``)."""
    d = a - b
    den = float(d @ d)
    if not den > 0 or not np.isfinite(den):
        return 0.0
    return float(np.clip(d @ (y - b) / den, 0.0, 1.0))


def cross_validated_blend(
    y: np.ndarray, a: np.ndarray, b: np.ndarray, sizes: Sequence[int]
) -> tuple[float, np.ndarray]:
    """The blend weight on every left-out query, and each fold's blend with its own weight.

    Args:
        y: Left-out values, fold after fold.
        a: Their predictions by the first family.
        b: Their predictions by the second family.
        sizes: Queries of each fold, in the order of ``y``.

    Returns:
        ``(w, blended)``: the weight chosen on all folds (the returned function's), and the
        predictions of each fold blended with the weight chosen on the other folds (with one
        fold: its own weight, a single parameter fitted to hundreds of queries).
    """
    ends = np.cumsum(sizes)
    starts = ends - np.asarray(sizes)
    weight = blend_weight(y, a, b)
    blended = np.empty_like(y)
    for start, end in zip(starts, ends, strict=True):
        fold = slice(start, end)
        if len(sizes) > 1:
            rest = np.r_[0:start, end : y.size]
            w = blend_weight(y[rest], a[rest], b[rest])
        else:
            w = weight
        blended[fold] = w * a[fold] + (1.0 - w) * b[fold]
    return weight, blended
