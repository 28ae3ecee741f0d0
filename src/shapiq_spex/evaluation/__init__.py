"""Calling games: batching, durable caching, parallel backends, validation and progress.

Exported: what an approximator takes (``cache=``, ``backend=``) and the errors it raises. The
batching machinery, :class:`.evaluator.QueryEvaluator`, is internal.
"""

from .backends import Backend, DaskBackend, JoblibBackend, SerialBackend
from .cache import QueryCache
from .errors import CacheWriteError, GameEvaluationError

# The approximators (_base.py, spex.py, proxyspex.py) still import QueryEvaluator from here;
# drop this when they import from .evaluator.
from .evaluator import QueryEvaluator  # noqa: F401

__all__ = [
    "Backend",
    "CacheWriteError",
    "DaskBackend",
    "GameEvaluationError",
    "JoblibBackend",
    "QueryCache",
    "SerialBackend",
]
