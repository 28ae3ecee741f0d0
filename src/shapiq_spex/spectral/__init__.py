"""Pure mathematics on set functions ``f: {0,1}^n -> R`` (no shapiq import).

Exported: the sparse representations an approximator returns (``fourier_``, ``moebius_``),
their conversions, and the optimization of the explained function. The building blocks
(:mod:`.regression`, :mod:`.walsh`, :mod:`.terms`, ...) are internal.
"""

from .optimize import OptimizationResult, fewest_changes, optimize_mask
from .representation import SparseFourier, SparseMoebius, fourier_to_moebius, moebius_to_fourier

__all__ = [
    "OptimizationResult",
    "SparseFourier",
    "SparseMoebius",
    "fewest_changes",
    "fourier_to_moebius",
    "moebius_to_fourier",
    "optimize_mask",
]
