"""The shapiq adapters: approximators returning :class:`shapiq.InteractionValues`."""

from .proxyspex import ProxySPEX
from .spex import SPEX

__all__ = ["SPEX", "ProxySPEX"]
