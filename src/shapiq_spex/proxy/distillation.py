"""Distillation: a sparse Fourier function close to a function that costs nothing to query.

A link's inverse applied to a sparse function, ``link⁻¹ ∘ f``, is the best model of a squashed
game on the game's own scale, but it is not sparse: its values cannot be read off ``f``'s
coefficients. Querying it costs no model call, so the tree pipeline runs on it with many more
queries than the game ever got, and returns a sparse function on the game's scale whose indices
explain the game's output while the fit to the game itself was made on the link's scale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..metrics import r2_score
from ..spectral.anchors import Anchors
from ..spectral.exhaustive import all_masks, exhaustive_transform
from ..spectral.representation import SparseFourier
from .crossfit import proxy_fourier_transform
from .sampling import sample_masks

__all__ = ["DISTIL_QUERIES", "Distillation", "distil"]

DISTIL_QUERIES = 8192
"""Free queries of the function a distillation spends by default."""
_PROBE = 2000  # fresh uniform masks on which the distilled function is checked


@dataclass(frozen=True)
class Distillation:
    """Output of :func:`distil`.

    Attributes:
        fourier: The sparse function (it meets the anchors exactly when they were given).
        r2: Its R² against the distilled function on fresh uniform masks (1 when exact).
        mse: Its mean squared error there (0 when exact).
        queries: Queries of the distilled function spent.
        exact: Whether every coalition was queried (then ``fourier`` is the function).
    """

    fourier: SparseFourier
    r2: float
    mse: float
    queries: int
    exact: bool


def distil(
    function: Callable[[np.ndarray], np.ndarray],
    n: int,
    rng: np.random.Generator,
    *,
    anchors: Anchors | None = None,
    queries: int = DISTIL_QUERIES,
) -> Distillation:
    """A sparse Fourier function close to ``function`` on uniform masks.

    Args:
        function: Maps boolean masks ``(m, n)`` to values ``(m,)``; meant to be cheap.
        n: Number of players.
        rng: Source of the masks and the trees' seeds.
        anchors: ``(masks, values)`` the result must meet exactly (e.g. the game's own
            ``v(∅)`` and ``v(N)``, so that efficient indices add up to them).
        queries: Queries of ``function`` to spend; with ``2^n <= queries`` every coalition
            is queried and the result is exact.

    Returns:
        The sparse function and how closely it follows ``function``.
    """
    if n < 63 and 2**n <= queries:
        values = np.asarray(function(all_masks(n)), dtype=float)
        if anchors is not None:
            # Row i of all_masks holds the bits of i.
            rows = anchors[0].astype(np.int64) @ (1 << np.arange(n, dtype=np.int64))
            values[rows] = anchors[1]
        fourier, _ = exhaustive_transform(lambda _: values, n)
        return Distillation(fourier, 1.0, 0.0, 2**n, True)
    result = proxy_fourier_transform(function, n, queries, rng=rng, fits=1, anchors=anchors)
    probe = sample_masks(n, _PROBE, rng)
    target = np.asarray(function(probe), dtype=float)
    predictions = result.fourier(probe)
    mse = float(np.mean((target - predictions) ** 2))
    return Distillation(result.fourier, r2_score(target, predictions), mse, queries, False)
