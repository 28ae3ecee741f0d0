"""The shapiq adapters: approximators returning :class:`shapiq.InteractionValues`."""

from ._links import LINKS, Link
from .proxyspex import ProxySPEX
from .spex import SPEX

__all__ = ["LINKS", "SPEX", "Link", "ProxySPEX"]
