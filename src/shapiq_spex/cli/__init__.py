"""The ``shapiq-spex`` console command (entry point :func:`main`).

Modules: :mod:`.commands` (the parser and the dispatch of ``demo``, ``explain`` and ``bench``),
:mod:`.inputs` (the games of ``explain text`` / ``explain csv``), :mod:`.models` (the model
files of ``explain csv``), :mod:`.run` (one explanation with its progress bar and report) and
:mod:`.argtypes` (``argparse`` types, stdlib only).
"""

from .commands import main

__all__ = ["main"]
