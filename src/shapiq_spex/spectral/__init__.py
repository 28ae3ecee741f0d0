"""Pure mathematics on set functions ``f: {0,1}^n -> R`` (no shapiq import)."""

from .conversions import fourier_to_moebius, moebius_to_fourier
from .regression import RidgeFit, ridge_gcv, ridge_gcv_gram
from .representation import SparseFourier, SparseMoebius
from .walsh import fwht

__all__ = [
    "RidgeFit",
    "SparseFourier",
    "SparseMoebius",
    "fourier_to_moebius",
    "fwht",
    "moebius_to_fourier",
    "ridge_gcv",
    "ridge_gcv_gram",
]
