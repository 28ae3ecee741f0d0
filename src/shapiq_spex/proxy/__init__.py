"""ProxySPEX's pieces: masks, a tree proxy (LightGBM by default), its exact spectrum, the refit.

The face lists what users call; the building blocks (mask sampling, the fitted proxy record,
the booster readers, the support refit) stay importable from their modules, e.g.
``from shapiq_spex.proxy.refit import fit_support``.
"""

from .crossfit import ProxyResult, TreeOptions, proxy_fourier_transform
from .distillation import Distillation, distil
from .extraction import forest_spectrum, model_spectrum
from .proxies import PROXY_MODELS, Proxy, make_proxy
from .sampling import SAMPLING_DESIGNS
from .transform import MIN_BUDGET
from .trees import Forest

__all__ = [
    "MIN_BUDGET",
    "PROXY_MODELS",
    "SAMPLING_DESIGNS",
    "Distillation",
    "Forest",
    "Proxy",
    "ProxyResult",
    "TreeOptions",
    "distil",
    "forest_spectrum",
    "make_proxy",
    "model_spectrum",
    "proxy_fourier_transform",
]
