"""The one place that limits BLAS/OpenMP threads (refits, the offline LLM, benchmark calls).

OpenBLAS' worker threads spin; on a shared 2-core machine a 345x345 eigendecomposition took 2 s
with two threads and 0.02 s with one. The refits work on matrices of at most a few thousand
rows, where one thread is as fast, so they run single-threaded. Game evaluation is never inside
that context, so a user's model keeps all its threads.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from functools import lru_cache

from threadpoolctl import ThreadpoolController

__all__ = ["limit_threads", "single_blas_thread"]


@lru_cache(maxsize=1)
def _controller() -> ThreadpoolController:
    # Scanning the loaded libraries is the slow part of threadpoolctl: do it once.
    return ThreadpoolController()


def limit_threads(limits: int | None, user_api: str | None = "blas") -> AbstractContextManager:
    """A context with at most ``limits`` threads for ``user_api`` (``None``: BLAS and OpenMP).

    ``limits=None`` leaves the thread counts as they are.
    """
    if limits is None:
        return nullcontext()
    return _controller().limit(limits=limits, user_api=user_api)


def single_blas_thread() -> AbstractContextManager:
    """A context in which BLAS/LAPACK calls use one thread."""
    return limit_threads(1)
