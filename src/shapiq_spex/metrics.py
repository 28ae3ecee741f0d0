"""Faithfulness measures of an explanation, following the benchmark protocol.

One generator of random masks (:func:`uniform_masks`), one set of held-out masks
(:func:`holdout_masks`: :data:`HOLDOUT_SIZE` masks drawn with seed ``HOLDOUT_SEED + n``) and one
faithfulness score (:func:`holdout_r2`, the R² of a predictor on given masks;
:func:`faithfulness` draws the held-out masks, queries the game and scores). The demo, the
notebooks and the benchmark all report R² on these masks.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np

from ._validation import check_array, check_callable, check_int, check_mapping

__all__ = [
    "HOLDOUT_SEED",
    "HOLDOUT_SIZE",
    "faithfulness",
    "holdout_masks",
    "holdout_r2",
    "precision_at_k",
    "r2_score",
    "relative_l2_error",
    "uniform_masks",
]

HOLDOUT_SEED = 987_654
"""Base seed of the held-out masks: an ``n``-player game's are drawn with seed
``HOLDOUT_SEED + n``. No method is ever given this seed, so the masks are never queried."""

HOLDOUT_SIZE = 1000
"""Number of held-out masks (the protocol's ``m``)."""

_CONSTANT_ULPS = 64
"""A target whose values differ by at most this many units in the last place of its magnitude
is constant up to float rounding."""

SetFunction = Callable[[np.ndarray], np.ndarray]


def uniform_masks(n: int, m: int, seed: int | np.random.Generator) -> np.ndarray:
    """``m`` masks drawn uniformly from ``{0,1}^n``.

    Args:
        n: Number of players (columns).
        m: Number of masks (rows).
        seed: A non-negative integer seed (a fresh generator is made from it), or a
            ``numpy.random.Generator`` to draw from (it advances, so an approximator can take
            its hold-out from its own stream).

    Returns:
        Boolean array of shape ``(m, n)``.

    Raises:
        TypeError: If ``n`` or ``m`` is not an integer, or ``seed`` is neither an integer
            nor a Generator.
        ValueError: If ``n < 1``, ``m < 0`` or the seed is negative.
    """
    n = check_int(n, "n", minimum=1)
    m = check_int(m, "m", minimum=0)
    if isinstance(seed, np.random.Generator):
        rng = seed
    else:
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            msg = (
                "seed must be an integer or a numpy.random.Generator, got "
                f"{type(seed).__name__} {seed!r}."
            )
            raise TypeError(msg)
        rng = np.random.default_rng(check_int(seed, "seed", minimum=0))
    return rng.integers(0, 2, size=(m, n), dtype=np.uint8).astype(bool)


def holdout_masks(n: int, m: int = HOLDOUT_SIZE, seed: int | None = None) -> np.ndarray:
    """The held-out test masks of an ``n``-player game.

    Args:
        n: Number of players.
        m: Number of masks.
        seed: Seed of the masks; ``None`` (default) uses ``HOLDOUT_SEED + n``, the seed every
            report of this package names.

    Returns:
        Boolean array of shape ``(m, n)``, the same for the same arguments.
    """
    n = check_int(n, "n", minimum=1)
    return uniform_masks(n, m, HOLDOUT_SEED + n if seed is None else seed)


def r2_score(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Coefficient of determination ``1 - sum (y - ŷ)^2 / sum (y - ȳ)^2``.

    Computed on values centred at the mean of ``y_true`` and scaled by their spread, so a
    large offset neither hides the variation on top of it nor overflows: noise around
    ``1e12`` is scored as noise. A ``y_true`` whose spread is within float rounding of its
    magnitude (:data:`_CONSTANT_ULPS` units in the last place) has no variance to explain:
    the score is 1.0 when the prediction matches it to ``1e-10`` of its magnitude (a
    recovered constant carries the fit's round-off), else 0.0.
    """
    y_true = check_array(y_true, "y_true").astype(float)
    y_pred = check_array(y_pred, "y_pred").astype(float)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        msg = f"y_true and y_pred must be 1-D of equal shape, got {y_true.shape}, {y_pred.shape}."
        raise ValueError(msg)
    if y_true.size == 0:
        return 1.0
    magnitude = float(np.max(np.abs(y_true)))
    if 0.0 < magnitude < np.inf:  # in units of the magnitude: sums of huge values overflow
        y_true, y_pred = y_true / magnitude, y_pred / magnitude
    centre = float(np.mean(y_true))
    centred, residual = y_true - centre, y_pred - y_true
    spread = float(np.max(np.abs(centred)))
    if spread <= _CONSTANT_ULPS * np.finfo(float).eps * (1.0 if magnitude > 0 else 0.0):
        tolerance = 1e-10 if magnitude > 0 else 1e-16
        return 1.0 if float(np.sqrt(np.mean(residual**2))) <= tolerance else 0.0
    ss_res = float(np.sum((residual / spread) ** 2))
    ss_tot = float(np.sum((centred / spread) ** 2))
    return 1.0 - ss_res / ss_tot


def holdout_r2(predictor: SetFunction, masks: np.ndarray, target: np.ndarray) -> float:
    """R² of ``predictor`` on held-out ``masks`` against the game's values ``target`` there.

    Args:
        predictor: A set function on boolean masks ``(m, n)`` (e.g. ``spex.fourier_``).
        masks: The held-out masks, e.g. :func:`holdout_masks`.
        target: The game's values on ``masks``, shape ``(m,)``.

    Returns:
        The R² (1 is a perfect fit; 0 is as good as the mean; it can be negative).
    """
    check_callable(predictor, "predictor")
    masks = check_array(masks, "masks")
    target = check_array(target, "target").astype(float)
    if target.shape != masks.shape[:1]:
        msg = f"target must hold one value per mask, shape ({len(masks)},), got {target.shape}."
        raise ValueError(msg)
    return r2_score(target, np.asarray(predictor(masks), dtype=float))


def faithfulness(
    predictor: SetFunction,
    game: SetFunction,
    n: int,
    *,
    m: int = HOLDOUT_SIZE,
    seed: int | None = None,
) -> float:
    """R² of ``predictor`` against ``game`` on ``m`` held-out uniform masks.

    Args:
        predictor: A set function on boolean masks (e.g. ``spex.fourier_``).
        game: The explained game; it is queried on the held-out masks.
        n: Number of players.
        m: Number of held-out masks.
        seed: Seed of the masks (``None``: ``HOLDOUT_SEED + n``, see :func:`holdout_masks`).

    Returns:
        The R² of :func:`holdout_r2`.
    """
    check_callable(predictor, "predictor")
    check_callable(game, "game")
    # No masks would score a perfect 1.0: at least one is needed.
    masks = holdout_masks(n, check_int(m, "m", minimum=1), seed)
    return holdout_r2(predictor, masks, game(masks))


def precision_at_k(true: dict, estimated: dict, k: int) -> float:
    """Share of the ``k`` largest ``|estimated|`` keys among the ``k`` largest ``|true|`` keys."""
    check_mapping(true, "true")
    check_mapping(estimated, "estimated")
    k = check_int(k, "k", minimum=1)
    top_true = {key for key, _ in sorted(true.items(), key=lambda kv: -abs(kv[1]))[:k]}
    top_est = [key for key, _ in sorted(estimated.items(), key=lambda kv: -abs(kv[1]))[:k]]
    return sum(key in top_true for key in top_est) / k


def relative_l2_error(true: dict, estimated: dict) -> float:
    """``||c_est - c_true||_2 / ||c_true||_2`` over the union of keys (missing keys are 0)."""
    check_mapping(true, "true")
    check_mapping(estimated, "estimated")
    keys = set(true) | set(estimated)
    diff = np.array([estimated.get(key, 0.0) - true.get(key, 0.0) for key in keys])
    norm = np.sqrt(sum(v * v for v in true.values()))
    return float(np.linalg.norm(diff) / norm) if norm > 0 else float(np.linalg.norm(diff))
