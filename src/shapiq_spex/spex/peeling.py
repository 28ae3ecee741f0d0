"""The peeling decoder of SPEX, vectorized over all bins of a round.

Each bin holds a column ``u ∈ R^P``: the sum over the frequencies ``k`` hashed to it of
``F(k) (-1)^{<d_r, k>}``. A singleton's signs spell the BCH parity of ``k``; decoding them gives
``k``, which is checked (it must hash to this bin and explain most of its energy) and then
subtracted from its bin in every group. Rounds are Jacobi-style: all bins flagged for checking
are decoded at once from the state at the start of the round.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..coding.decoding import decode_chase, decode_hard
from .design import SubsamplingDesign

__all__ = ["PeelingResult", "peel"]


@dataclass
class PeelingResult:
    """Terms found by :func:`peel`.

    Attributes:
        terms: Padded term matrix ``(K, t)`` of the distinct peeled frequencies.
        values: Sum of the amplitudes peeled for each term, ``(K,)``.
        n_rounds: Number of rounds run.
        n_decoded: Number of bin columns passed to the decoder.
    """

    terms: np.ndarray
    values: np.ndarray
    n_rounds: int
    n_decoded: int


def peel(
    bins: np.ndarray,
    design: SubsamplingDesign,
    *,
    decoder: Literal["soft", "hard"] = "soft",
    zero_tol: float,
    accept_ratio: float = 0.9,
    max_rounds: int = 100,
    stall_rounds: int = 15,
) -> PeelingResult:
    """Peel singletons from aliasing bins until nothing more resolves.

    Args:
        bins: Float array ``(C, P, 2^b)``, modified in place (it ends as the residual).
        design: The design that produced the bins.
        decoder: ``"soft"`` (Chase decoding on the least reliable signs) or ``"hard"``.
        zero_tol: A bin whose energy per row is at most this is empty.
        accept_ratio: A decoded ``k`` is accepted if the residual energy after removing it is
            below this fraction of the bin energy.
        max_rounds: Upper bound on the number of rounds.
        stall_rounds: Stop when the set of distinct peeled terms has not grown for this many
            rounds (it guards against two bins trading a term back and forth).

    Returns:
        The peeled terms and their summed amplitudes.
    """
    n_rows = bins.shape[1]
    to_check = np.ones(bins.shape[::2], dtype=bool)
    peeled = _Peeled()
    history: list[int] = []
    n_decoded = 0
    n_rounds = 0
    while n_rounds < max_rounds:
        group_idx, bin_idx = np.nonzero(to_check)
        if group_idx.size == 0:
            break
        n_rounds += 1
        cols = bins[group_idx, :, bin_idx]  # (W, P)
        energy = np.einsum("wp,wp->w", cols, cols)
        live = energy > zero_tol * n_rows
        to_check[group_idx[~live], bin_idx[~live]] = False
        group_idx, bin_idx, cols, energy = group_idx[live], bin_idx[live], cols[live], energy[live]
        if group_idx.size == 0:
            break
        n_decoded += cols.shape[0]
        support, rho, single = _singletons(
            design, cols, energy, group_idx, bin_idx, decoder, accept_ratio
        )
        to_check[group_idx[~single], bin_idx[~single]] = False
        if single.any():
            _subtract(bins, to_check, design, support[single], rho[single], peeled)
        history.append(len(peeled))
        if _stalled(history, stall_rounds):
            break
    terms, values = peeled.arrays(design.code.t)
    return PeelingResult(terms, values, n_rounds, n_decoded)


class _Peeled:
    """Distinct peeled terms in order of discovery, with their summed amplitudes."""

    def __init__(self) -> None:
        self._index: dict[bytes, int] = {}
        self._rows: list[np.ndarray] = []
        self._values: list[float] = []

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, rows: np.ndarray, amplitudes: np.ndarray) -> None:
        for row, value in zip(rows, amplitudes, strict=True):
            key = row.tobytes()
            pos = self._index.get(key)
            if pos is None:
                self._index[key] = len(self._rows)
                self._rows.append(row)
                self._values.append(float(value))
            else:
                self._values[pos] += float(value)

    def arrays(self, width: int) -> tuple[np.ndarray, np.ndarray]:
        return np.array(self._rows, dtype=np.int64).reshape(-1, width), np.array(self._values)


def _singletons(
    design: SubsamplingDesign,
    cols: np.ndarray,
    energy: np.ndarray,
    group_idx: np.ndarray,
    bin_idx: np.ndarray,
    decoder: Literal["soft", "hard"],
    accept_ratio: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decode every live bin as a singleton and test the hypothesis.

    Returns:
        The decoded terms ``(W, t)``, their amplitudes ``(W,)`` and which bins are singletons.
    """
    n_rows = cols.shape[1]
    ref_sign = np.where(cols[:, 0] < 0, -1.0, 1.0)
    soft = cols[:, 1:] * ref_sign[:, None]
    code = design.code
    result = decode_chase(code, soft) if decoder == "soft" else decode_hard(code, soft < 0)
    support = result.support
    sig = design.signatures(support)  # (W, P)
    rho = np.einsum("wp,wp->w", sig, cols) / n_rows
    residual = energy - n_rows * rho**2
    consistent = design.bins(support)[group_idx, np.arange(group_idx.size)] == bin_idx
    single = (result.n_errors >= 0) & consistent & (residual < accept_ratio * energy)
    single &= rho != 0.0
    return support, rho, single


def _subtract(
    bins: np.ndarray,
    to_check: np.ndarray,
    design: SubsamplingDesign,
    support: np.ndarray,
    rho: np.ndarray,
    peeled: _Peeled,
) -> None:
    """Remove the peeled terms from every group's bins and mark those bins for a new look."""
    # Merge detections of the same term in this round by averaging their amplitudes.
    uniq, inverse = np.unique(support, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    amp = np.bincount(inverse, weights=rho) / np.bincount(inverse)
    uniq_sig = design.signatures(uniq)
    uniq_bins = design.bins(uniq)  # (C, U)
    rows = np.arange(bins.shape[1])
    for g in range(bins.shape[0]):
        np.subtract.at(bins, (g, rows[None, :], uniq_bins[g][:, None]), amp[:, None] * uniq_sig)
        to_check[g, uniq_bins[g]] = True
    peeled.add(uniq, amp)


def _stalled(history: list[int], stall_rounds: int) -> bool:
    """Whether the number of distinct terms has not grown over the last ``stall_rounds``."""
    return len(history) > stall_rounds and history[-1] == history[-1 - stall_rounds]
