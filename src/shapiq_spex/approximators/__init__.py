"""The shapiq adapters: approximators returning :class:`shapiq.InteractionValues`."""

from .spex import SPEX

__all__ = ["SPEX"]
