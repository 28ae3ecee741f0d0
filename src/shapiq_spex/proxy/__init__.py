"""ProxySPEX's pieces: masks, a LightGBM proxy, its exact spectrum, and the validated refit."""

from .crossfit import ProxyResult, proxy_fourier_transform
from .extraction import booster_fourier, booster_spectrum
from .fitting import ProxyFit, ProxyTrainer
from .refit import SupportFit, extend_by_residual, fit_support, hierarchical_order, refit_all
from .sampling import SAMPLING_DESIGNS, sample_masks
from .transform import MIN_BUDGET

__all__ = [
    "MIN_BUDGET",
    "SAMPLING_DESIGNS",
    "ProxyFit",
    "ProxyResult",
    "ProxyTrainer",
    "SupportFit",
    "booster_fourier",
    "booster_spectrum",
    "extend_by_residual",
    "fit_support",
    "hierarchical_order",
    "proxy_fourier_transform",
    "refit_all",
    "sample_masks",
]
