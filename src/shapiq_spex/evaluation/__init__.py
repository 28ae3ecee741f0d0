"""Calling games: batching, durable caching, parallel backends, validation and progress."""

from .backends import Backend, DaskBackend, JoblibBackend, SerialBackend
from .cache import QueryCache
from .errors import CacheWriteError, GameEvaluationError
from .evaluator import QueryEvaluator

__all__ = [
    "Backend",
    "CacheWriteError",
    "DaskBackend",
    "GameEvaluationError",
    "JoblibBackend",
    "QueryCache",
    "QueryEvaluator",
    "SerialBackend",
]
