"""shapiq-spex: fast, faithful SPEX and ProxySPEX interaction attribution for shapiq."""

from .approximators import SPEX, ProxySPEX
from .evaluation import GameEvaluationError
from .spectral import SparseFourier, SparseMoebius

__all__ = ["SPEX", "GameEvaluationError", "ProxySPEX", "SparseFourier", "SparseMoebius"]
__version__ = "0.1.0.dev0"
