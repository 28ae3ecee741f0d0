"""The masks ProxySPEX queries."""

from __future__ import annotations

from typing import Literal

import numpy as np

__all__ = ["SAMPLING_DESIGNS", "sample_masks"]

SAMPLING_DESIGNS = ("uniform", "paired")
_BLOCK = 64  # masks per independently seeded block (even: pairs stay together)


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
            on the sample; each mask is followed by its complement, and for odd ``m`` the
            last complement is dropped.

    Returns:
        Boolean array ``(m, n)``.
    """
    if design not in SAMPLING_DESIGNS:
        msg = f"design must be one of {SAMPLING_DESIGNS}, got {design!r}."
        raise ValueError(msg)
    # Blocks of fixed size from one seed: a larger m only appends masks, so a call with a
    # larger budget (or a later round) reuses every query already paid for (and cached).
    seed = int(rng.integers(0, 2**63 - 1))
    blocks = []
    for b in range(-(-m // _BLOCK)):
        block_rng = np.random.default_rng([seed, b])
        if design == "uniform":
            block = block_rng.integers(0, 2, size=(_BLOCK, n), dtype=np.uint8).astype(bool)
        else:
            half = block_rng.integers(0, 2, size=(_BLOCK // 2, n), dtype=np.uint8).astype(bool)
            block = np.stack([half, ~half], axis=1).reshape(_BLOCK, n)
        blocks.append(block)
    return np.concatenate(blocks)[:m] if blocks else np.zeros((0, n), dtype=bool)
