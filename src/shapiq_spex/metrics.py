"""Faithfulness measures of an explanation, following the benchmark protocol."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["faithfulness", "precision_at_k", "r2_score", "relative_l2_error", "uniform_masks"]


def uniform_masks(n: int, m: int, seed: int) -> np.ndarray:
    """``m`` masks drawn uniformly from ``{0,1}^n`` with their own seed, shape ``(m, n)``."""
    return np.random.default_rng(seed).integers(0, 2, size=(m, n), dtype=np.uint8).astype(bool)


def r2_score(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Coefficient of determination ``1 - sum (y - ŷ)^2 / sum (y - ȳ)^2``.

    A ``y_true`` that is constant up to float rounding (spread below ``1e-12`` of its scale)
    has no variance to explain: the score is 1.0 when the prediction matches it to ``1e-8`` of
    its scale (a recovered constant carries round-off of the fit), else 0.0.
    """
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        msg = f"y_true and y_pred must be 1-D of equal shape, got {y_true.shape}, {y_pred.shape}."
        raise ValueError(msg)
    ss_res = float(np.sum((y_true - y_pred) ** 2))
    ss_tot = float(np.sum((y_true - y_true.mean()) ** 2))
    scale = float(np.max(np.abs(y_true), initial=0.0))
    tiny = y_true.size * (1e-12 * scale) ** 2
    if ss_tot <= tiny:
        return 1.0 if ss_res <= y_true.size * (1e-8 * scale) ** 2 else 0.0
    return 1.0 - ss_res / ss_tot


def faithfulness(
    predictor: Callable[[np.ndarray], np.ndarray],
    game: Callable[[np.ndarray], np.ndarray],
    n: int,
    *,
    m: int = 1000,
    seed: int = 12345,
) -> float:
    """R² of ``predictor`` against ``game`` on ``m`` held-out uniform masks."""
    masks = uniform_masks(n, m, seed)
    return r2_score(np.asarray(game(masks), dtype=float), predictor(masks))


def precision_at_k(true: dict, estimated: dict, k: int) -> float:
    """Share of the ``k`` largest ``|estimated|`` keys among the ``k`` largest ``|true|`` keys."""
    if k < 1:
        msg = f"k must be >= 1, got {k}."
        raise ValueError(msg)
    top_true = {key for key, _ in sorted(true.items(), key=lambda kv: -abs(kv[1]))[:k]}
    top_est = [key for key, _ in sorted(estimated.items(), key=lambda kv: -abs(kv[1]))[:k]]
    return sum(key in top_true for key in top_est) / k


def relative_l2_error(true: dict, estimated: dict) -> float:
    """``||c_est - c_true||_2 / ||c_true||_2`` over the union of keys (missing keys are 0)."""
    keys = set(true) | set(estimated)
    diff = np.array([estimated.get(key, 0.0) - true.get(key, 0.0) for key in keys])
    norm = np.sqrt(sum(v * v for v in true.values()))
    return float(np.linalg.norm(diff) / norm) if norm > 0 else float(np.linalg.norm(diff))
