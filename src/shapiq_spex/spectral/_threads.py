"""BLAS threading for the small dense linear algebra of the refits.

OpenBLAS' worker threads spin; on a shared 2-core machine a 345x345 eigendecomposition took 2 s
with two threads and 0.02 s with one. The refits work on matrices of at most a few thousand
rows, where one thread is as fast, so they run single-threaded. Game evaluation is never inside
this context, so a user's model keeps all its threads.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import lru_cache

from threadpoolctl import ThreadpoolController

__all__ = ["single_blas_thread"]


@lru_cache(maxsize=1)
def _controller() -> ThreadpoolController:
    # Scanning the loaded libraries is the slow part of threadpoolctl: do it once.
    return ThreadpoolController()


def single_blas_thread() -> AbstractContextManager:
    """A context in which BLAS/LAPACK calls use one thread."""
    return _controller().limit(limits=1, user_api="blas")
