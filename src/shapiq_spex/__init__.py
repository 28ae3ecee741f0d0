"""shapiq-spex: fast, faithful SPEX and ProxySPEX interaction attribution for shapiq."""

from .approximators import SPEX
from .evaluation import GameEvaluationError
from .spectral import SparseFourier, SparseMoebius

__all__ = ["SPEX", "GameEvaluationError", "SparseFourier", "SparseMoebius"]
__version__ = "0.1.0.dev0"
