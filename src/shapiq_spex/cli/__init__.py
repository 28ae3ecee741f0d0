"""The ``shapiq-spex`` console command (entry point :func:`main`).

Modules: :mod:`.commands` (the parser and the dispatch of ``demo``, ``explain`` and ``bench``),
:mod:`.bench` (the benchmark's commands: ``shapiq-spex bench`` and ``python -m benchmarks``),
:mod:`.inputs` (the games of ``explain text`` / ``explain csv``), :mod:`.models` (the model
files of ``explain csv``), :mod:`.run` (one explanation and its report), :mod:`.progress`
(the one progress bar of every command), :mod:`.options` (the parser class, the errors and
the options the commands share) and :mod:`.argtypes` (``argparse`` types, stdlib only).
"""

from .commands import main

__all__ = ["main"]
