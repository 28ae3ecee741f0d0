"""ProxySPEX's pieces: masks, a tree proxy (LightGBM by default), its exact spectrum, the refit."""

from .crossfit import ProxyResult, proxy_fourier_transform
from .extraction import booster_fourier, booster_spectrum, forest_spectrum, model_spectrum
from .fitting import ProxyFit, ProxyTrainer
from .proxies import PROXY_MODELS, Proxy, make_proxy
from .refit import SupportFit, extend_by_residual, fit_support, hierarchical_order, refit_all
from .sampling import SAMPLING_DESIGNS, sample_masks
from .transform import MIN_BUDGET
from .trees import Forest

__all__ = [
    "MIN_BUDGET",
    "PROXY_MODELS",
    "SAMPLING_DESIGNS",
    "Forest",
    "Proxy",
    "ProxyFit",
    "ProxyResult",
    "ProxyTrainer",
    "SupportFit",
    "booster_fourier",
    "booster_spectrum",
    "extend_by_residual",
    "fit_support",
    "forest_spectrum",
    "hierarchical_order",
    "make_proxy",
    "model_spectrum",
    "proxy_fourier_transform",
    "refit_all",
    "sample_masks",
]
