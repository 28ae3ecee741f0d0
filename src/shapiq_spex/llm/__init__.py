"""Alias of :mod:`shapiq_spex.engines.numpy`, kept for compatibility.

The numpy LLM engine (SmolLM2-135M-Instruct from a GGUF file) and its scorers now live in
:mod:`shapiq_spex.engines.numpy`. This package re-exports its public names, and its submodules
(``shapiq_spex.llm.blockwise``, ``.lm``, ``.model``, ``.scorers``, ``.tokenizer``,
``.gguf_loader``, ``._deps``) are the very module objects of the new home, so old imports and
patches keep working. Importing it needs the ``llm`` extra, as before.
"""

import sys

from ..engines.numpy import *  # noqa: F403  (the public names)
from ..engines.numpy import __all__ as __all__
from ..engines.numpy import _deps, blockwise, gguf_loader, lm, model, scorers, tokenizer

# Old submodule paths resolve to the moved modules (``import shapiq_spex.llm.blockwise``).
for _module in (_deps, blockwise, gguf_loader, lm, model, scorers, tokenizer):
    sys.modules[f"{__name__}.{_module.__name__.rsplit('.', 1)[1]}"] = _module
