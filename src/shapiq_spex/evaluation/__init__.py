"""Calling games: batching, durable caching, parallel backends, validation and progress."""

from .backends import Backend, DaskBackend, JoblibBackend, SerialBackend
from .cache import QueryCache
from .evaluator import GameEvaluationError, QueryEvaluator

__all__ = [
    "Backend",
    "DaskBackend",
    "GameEvaluationError",
    "JoblibBackend",
    "QueryCache",
    "QueryEvaluator",
    "SerialBackend",
]
