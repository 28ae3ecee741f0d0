"""Averages and blends of fitted functions, scored on left-out queries only.

Two ways of combining fits that :mod:`~shapiq_spex.proxy.crossfit` uses:

- **Averaging** the folds' fits of one family (bagging). Each left-out query was predicted by
  one fit that never saw it, which scores a single fit; for squared error the average's error
  is the fits' mean error minus their spread around the average (Krogh and Vedelsby's
  ambiguity decomposition, exact at every point), and the spread needs no game values: for
  Fourier functions its mean over uniform masks is exact by Parseval's identity.
- **Blending** families, ``Σ w_f·f̄_f`` with weights on the simplex fitted by least squares to
  the left-out predictions (Breiman's stacked regression). The left-out predictions are single
  fits and the blend mixes averages: its score takes the blended folds' spread ``wᵀ A w`` as
  its credit for averaging, where ``A`` holds the families' spreads and co-spreads across the
  folds (again exact by Parseval). The weights take no such credit: with tens of queries it
  would reward a family for the scatter of its folds. The blend of each fold is scored with
  weights chosen on the other folds only, so its score is as honest as the families' own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import combinations

import numpy as np

from ..spectral.representation import SparseFourier
from ..spectral.terms import canonical_terms, pad_terms

__all__ = [
    "ambiguity",
    "ambiguity_matrix",
    "blend_weights",
    "coefficient_table",
    "corrected_score",
    "cross_validated_blend",
    "cross_validated_selection",
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
    return float(ambiguity_matrix([functions])[0, 0])


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


def ambiguity_matrix(families: Sequence[Sequence[SparseFourier]]) -> np.ndarray:
    """Spreads and co-spreads of families of fold fits, over all uniform masks (Parseval).

    Args:
        families: Each family's fits, the ``k``-th of every family fitted without the same
            fold. A family of fewer than two fits (one fit, or a refit on every query) has no
            spread.

    Returns:
        ``A`` of shape ``(F, F)``: ``A[f, g]`` is the mean over the folds of the inner product
        of ``f``'s and ``g``'s deviations from their averages; its diagonal is
        :func:`fourier_ambiguity`. For blend weights ``w``, ``wᵀ A w`` is the spread of the
        blended folds around the blend of the averages.
    """
    f = len(families)
    out = np.zeros((f, f))
    spread = [i for i, family in enumerate(families) if len(family) >= 2]
    if not spread:
        return out
    _, table = coefficient_table([fit for i in spread for fit in families[i]])
    ends = np.cumsum([len(families[i]) for i in spread])
    deviations = {}
    for i, end in zip(spread, ends, strict=True):
        block = table[:, end - len(families[i]) : end]
        deviations[i] = block - block.mean(axis=1, keepdims=True)
    for i in spread:
        for j in spread:
            k = min(deviations[i].shape[1], deviations[j].shape[1])
            out[i, j] = float(np.sum(deviations[i][:, :k] * deviations[j][:, :k])) / k
    return out


def blend_weights(y: np.ndarray, predictions: np.ndarray) -> np.ndarray:
    """Simplex weights minimising the blend's squared error on the left-out queries.

    The loss ``mean((y - P w)²)`` is quadratic in ``w``; its minimum over the simplex is a
    stationary point within some face, so every face (every subset of families) is solved
    exactly and the best feasible point is kept. Ties go to the earlier families.

    Args:
        y: Left-out values ``(m,)``.
        predictions: Their predictions by each family ``(m, F)``.

    Returns:
        ``w`` of shape ``(F,)``, non-negative and summing to one.
    """
    m, f = predictions.shape
    best = np.eye(f)[0]
    if m == 0:
        return best
    quad = predictions.T @ predictions / m
    moment = predictions.T @ y / m

    def loss(w: np.ndarray) -> float:
        return float(w @ quad @ w - 2.0 * w @ moment)

    best_loss = loss(best)
    tolerance = 1e-12 * (float(y @ y) / m + 1e-300)
    for size in range(1, f + 1):
        for face in combinations(range(f), size):
            w = _face_point(quad, moment, list(face), f)
            if w is not None and np.isfinite(value := loss(w)) and value < best_loss - tolerance:
                best, best_loss = w, value
    return best


def _face_point(quad: np.ndarray, moment: np.ndarray, face: list[int], f: int) -> np.ndarray | None:
    """The stationary point of ``wᵀQw - 2wᵀb`` on the face's affine hull, if inside the face."""
    k = len(face)
    kkt = np.zeros((k + 1, k + 1))
    kkt[:k, :k] = 2.0 * quad[np.ix_(face, face)]
    kkt[:k, k] = kkt[k, :k] = 1.0
    rhs = np.r_[2.0 * moment[face], 1.0]
    try:
        solution = np.linalg.solve(kkt, rhs)
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(solution)) or np.any(solution[:k] < 0.0):
        return None
    w = np.zeros(f)
    w[face] = solution[:k]
    return w


def cross_validated_blend(
    y: np.ndarray, predictions: np.ndarray, sizes: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """The blend weights on every left-out query, and each fold blended with its own weights.

    Args:
        y: Left-out values, fold after fold.
        predictions: Their predictions by each family ``(m, F)``.
        sizes: Queries of each fold, in the order of ``y``.

    Returns:
        ``(w, blended)``: the weights chosen on all folds (the returned function's), and the
        predictions of each fold blended with the weights chosen on the other folds (with
        one fold: its own weights, a few parameters fitted to hundreds of queries).
    """
    blended = np.empty_like(y)
    for fold, rest in _folds(sizes):
        blended[fold] = predictions[fold] @ blend_weights(y[rest], predictions[rest])
    return blend_weights(y, predictions), blended


def cross_validated_selection(
    y: np.ndarray, predictions: np.ndarray, spreads: np.ndarray, sizes: Sequence[int]
) -> np.ndarray:
    """The left-out losses of choosing one family, the choice made without the fold it predicts.

    Choosing the family with the best left-out score is itself fitted to the left-out
    queries: the winner's score is biased up. Here each fold takes the family that predicts
    the other folds best (``mean((y - p)²) - a``, ties to the earlier family) and the
    procedure is scored on the folds it did not see, comparable with a blend's
    (:func:`cross_validated_blend`).

    Args:
        y: Left-out values, fold after fold.
        predictions: Their predictions by each family's single fits ``(m, F)``.
        spreads: Each family's :func:`fourier_ambiguity` ``(F,)`` (its average's credit).
        sizes: Queries of each fold, in the order of ``y``.

    Returns:
        Each query's squared error under the family chosen for its fold, less that family's
        credit ``(m,)`` (with one fold: the best family's own). Their mean is the procedure's
        loss; their spread gives its standard error against another procedure's losses.
    """
    errors = (y[:, None] - predictions) ** 2
    spreads = np.asarray(spreads, dtype=float)
    losses = np.zeros(y.size)
    for fold, rest in _folds(sizes):
        if rest.size == 0:
            continue
        ranked = errors[rest].mean(axis=0) - spreads
        pick = int(np.flatnonzero(ranked <= ranked.min())[0])
        losses[fold] = errors[fold, pick] - spreads[pick]
    return losses


def _folds(sizes: Sequence[int]) -> Iterator[tuple[slice, np.ndarray]]:
    """Each fold's slice of the left-out queries and the indices of the other folds' queries.

    With one fold the "other" queries are the fold's own: a few weights or a choice fitted to
    hundreds of queries, where no other fold exists to fit them on.
    """
    ends = np.cumsum(sizes, dtype=np.int64)
    total = int(ends[-1]) if len(sizes) else 0
    for start, end in zip(ends - np.asarray(sizes, dtype=np.int64), ends, strict=True):
        rest = np.r_[0:start, end:total] if len(sizes) > 1 else np.arange(total)
        yield slice(int(start), int(end)), rest
