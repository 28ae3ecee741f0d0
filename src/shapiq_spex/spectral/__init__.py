"""Pure mathematics on set functions ``f: {0,1}^n -> R`` (no shapiq import)."""

from .optimize import OptimizationResult, fewest_changes, optimize_mask
from .regression import RidgeFit, ridge_gcv_gram, ridge_solve
from .representation import SparseFourier, SparseMoebius, fourier_to_moebius, moebius_to_fourier
from .walsh import fwht

__all__ = [
    "OptimizationResult",
    "RidgeFit",
    "SparseFourier",
    "SparseMoebius",
    "fewest_changes",
    "fourier_to_moebius",
    "fwht",
    "moebius_to_fourier",
    "optimize_mask",
    "ridge_gcv_gram",
    "ridge_solve",
]
