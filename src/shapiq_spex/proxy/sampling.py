"""The masks ProxySPEX queries."""

from __future__ import annotations

from typing import Literal

import numpy as np

__all__ = ["SAMPLING_DESIGNS", "sample_masks"]

SAMPLING_DESIGNS = ("uniform", "paired")


def sample_masks(
    n: int, m: int, rng: np.random.Generator, design: Literal["uniform", "paired"] = "uniform"
) -> np.ndarray:
    """Draw ``m`` masks of ``n`` players.

    Args:
        n: Number of players.
        m: Number of masks.
        rng: Source of randomness.
        design: ``"uniform"``: independent uniform masks (every player present with probability
            1/2). ``"paired"``: uniform masks followed by their complements (antithetic pairs),
            which make every even-degree Fourier character orthogonal to every odd-degree one
            on the sample; for odd ``m`` the last complement is dropped.

    Returns:
        Boolean array ``(m, n)``.
    """
    if design == "uniform":
        return rng.integers(0, 2, size=(m, n), dtype=np.uint8).astype(bool)
    if design == "paired":
        half = rng.integers(0, 2, size=((m + 1) // 2, n), dtype=np.uint8).astype(bool)
        return np.concatenate([half, ~half])[:m]
    msg = f"design must be one of {SAMPLING_DESIGNS}, got {design!r}."
    raise ValueError(msg)
