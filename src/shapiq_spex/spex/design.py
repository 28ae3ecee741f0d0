"""SPEX's query design: aliasing groups, BCH-coded delays and the budget plan.

Group ``c`` has a random hash matrix ``M_c ∈ {0,1}^{n×b}``; delay row ``r`` is a mask ``d_r``
(row 0 is empty, rows ``1..p`` are the parity patterns of the BCH code). The group's queries are
``x = M_c ℓ ⊕ d_r`` for every ``ℓ ∈ {0,1}^b``, ordered delay-major, with ``ℓ`` read as the integer
``sum_j ℓ_j 2^j``. A Walsh–Hadamard transform over ``ℓ`` then sends every frequency ``k`` to bin
``h_c(k) = M_cᵀ k`` (packed the same way) with signature ``(-1)^{<d_r, k>}`` across the delays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..coding.bch import BCHCode
from ..spectral.terms import PAD

__all__ = ["DesignPlan", "SubsamplingDesign", "minimum_budget", "plan_design"]

# Peeling thresholds of random C-uniform hypergraphs: a group of 2^b bins resolves about
# c_C * 2^b terms. Used to rank (C, b) pairs that fit a budget.
_PEELING_LOAD = {1: 0.25, 2: 0.5, 3: 0.818, 4: 0.772, 5: 0.702, 6: 0.637}
_MIN_BITS = 2
_MIN_GROUPS = 2


@dataclass(frozen=True)
class DesignPlan:
    """How a budget is spent.

    Attributes:
        n_groups: Number of aliasing groups ``C`` (0 for the exhaustive plan).
        b: Bits per group; each group has ``2^b`` bins.
        n_delays: Rows per bin ``P = p + 1``.
        n_structured: Queries of the aliasing groups, ``C * P * 2^b``.
        n_uniform: Extra uniformly random masks used by the refit.
        exhaustive: Every one of the ``2^n`` masks is queried (small ``n``).
    """

    n_groups: int
    b: int
    n_delays: int
    n_structured: int
    n_uniform: int
    exhaustive: bool = False

    @property
    def n_queries(self) -> int:
        """Total number of queries of the plan."""
        return self.n_structured + self.n_uniform


def minimum_budget(n: int, code: BCHCode, n_groups: int | None = None) -> int:
    """The smallest budget for which SPEX can build a design (``2^n`` if that is smaller)."""
    design_min = (n_groups or _MIN_GROUPS) * (code.p + 1) * 2**_MIN_BITS
    return min(design_min, 2**n if n < 63 else 2**63)


def plan_design(n: int, code: BCHCode, budget: int, n_groups: int | None = None) -> DesignPlan:
    """Choose the number of groups and bits that best use a budget.

    ``(C, b)`` maximises the number of terms peeling can resolve, ``c_C * 2^b``, subject to
    ``C (p+1) 2^b <= budget``; the rest of the budget goes to uniform masks for the refit.
    When ``2^n <= budget`` every mask is queried instead and the transform is exact.

    Args:
        n: Number of players.
        code: The BCH code of the delays.
        budget: Maximum number of queries.
        n_groups: Force the number of groups ``C`` (``None`` chooses it).

    Returns:
        The plan.

    Raises:
        ValueError: If the budget is below :func:`minimum_budget`.
    """
    if n < 63 and 2**n <= budget:
        return DesignPlan(0, n, 1, 2**n, 0, exhaustive=True)
    n_delays = code.p + 1
    groups = range(_MIN_GROUPS, 7) if n_groups is None else (n_groups,)
    best: tuple[float, int, int] | None = None
    for c in groups:
        b = _MIN_BITS
        while c * n_delays * 2 ** (b + 1) <= budget and b + 1 < min(n, 40):
            b += 1
        if c * n_delays * 2**b > budget:
            continue
        score = _PEELING_LOAD.get(c, 0.6) * 2**b
        if best is None or score > best[0] + 1e-12:
            best = (score, c, b)
    if best is None:
        design_min = (n_groups or _MIN_GROUPS) * n_delays * 2**_MIN_BITS
        minimum = minimum_budget(n, code, n_groups)
        how = (
            f"every one of the 2^{n} coalitions"
            if minimum < design_min
            else f"{n_groups or _MIN_GROUPS} groups x {n_delays} delays x {2**_MIN_BITS} bins"
        )
        msg = (
            f"budget={budget} is too small for SPEX with n={n} and degree t={code.t}: it needs "
            f"at least {minimum} queries ({how}). Increase the budget or lower `degree`."
        )
        raise ValueError(msg)
    _, c, b = best
    structured = c * n_delays * 2**b
    return DesignPlan(c, b, n_delays, structured, budget - structured)


class SubsamplingDesign:
    """The hash matrices and delays of one SPEX run.

    Attributes:
        n: Number of players.
        b: Bits per group.
        code: The BCH code whose parity patterns are the delays.
        hashes: Packed hash of every player per group, ``int64`` array ``(C, n + 1)``; entry
            ``[c, i]`` is row ``i`` of ``M_c`` read as a ``b``-bit integer, and the extra last
            column is 0 so that padded term entries (``-1``) hash to nothing.
        delays: Boolean array ``(P, n)``; row 0 is empty.
    """

    def __init__(self, n: int, b: int, n_groups: int, code: BCHCode, rng: np.random.Generator):
        self.n = n
        self.b = b
        self.code = code
        bits = rng.integers(0, 2, size=(n_groups, n, b), dtype=np.int64)
        packed = (bits << np.arange(b, dtype=np.int64)).sum(axis=2)
        self.hashes = np.concatenate([packed, np.zeros((n_groups, 1), np.int64)], axis=1)
        self.delays = np.concatenate(
            [np.zeros((1, n), dtype=bool), code.parity_matrix.astype(bool)], axis=0
        )

    @property
    def n_groups(self) -> int:
        """Number of aliasing groups ``C``."""
        return self.hashes.shape[0]

    @property
    def n_delays(self) -> int:
        """Number of delay rows ``P``."""
        return self.delays.shape[0]

    def group_masks(self, group: int) -> np.ndarray:
        """All queries of one group, shape ``(P * 2^b, n)``, delay-major."""
        ell = np.arange(2**self.b, dtype=np.int64)
        # Bit j of hash[i] is M[i, j]; bit j of ell is ℓ_j; <row i of M, ℓ> mod 2 per player.
        base = np.bitwise_count(ell[:, None] & self.hashes[group, None, : self.n]) & 1
        masks = base.astype(bool)[None, :, :] ^ self.delays[:, None, :]
        return masks.reshape(-1, self.n)

    def bins(self, terms: np.ndarray) -> np.ndarray:
        """The bin ``h_c(k)`` of every term in every group, ``int64`` array ``(C, K)``."""
        idx = np.where(terms == PAD, self.n, terms)
        return (
            np.bitwise_xor.reduce(self.hashes[:, idx], axis=2)
            if idx.shape[1]
            else (np.zeros((self.n_groups, idx.shape[0]), dtype=np.int64))
        )

    def signatures(self, terms: np.ndarray) -> np.ndarray:
        """Delay signatures ``(-1)^{<d_r, k>}`` of every term, float array ``(K, P)``."""
        parity = self.code.parity_of_supports(terms)
        ones = np.ones((terms.shape[0], 1))
        return np.concatenate([ones, 1.0 - 2.0 * parity], axis=1)
