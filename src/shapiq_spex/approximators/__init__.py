"""The shapiq adapters: approximators returning :class:`shapiq.InteractionValues`.

:data:`INDICES` lists the interaction indices they return, with each one's facts (efficient,
order one only, ...) as :class:`~shapiq_spex._indices.IndexSpec` records.
"""

from .._indices import INDICES
from ._links import LINKS, Link
from .proxyspex import ProxySPEX
from .spex import SPEX

__all__ = ["INDICES", "LINKS", "SPEX", "Link", "ProxySPEX"]
