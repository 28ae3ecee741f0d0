"""Former home of :class:`TransformersHeadAblationGame`, now in :mod:`shapiq_spex.games.heads`.

The game is :class:`~shapiq_spex.games.HeadAblationGame` on a
:class:`~shapiq_spex.engines.torch.TransformersEngine`; this module keeps the old import path.
"""

from ...games.heads import TransformersHeadAblationGame

__all__ = ["TransformersHeadAblationGame"]
