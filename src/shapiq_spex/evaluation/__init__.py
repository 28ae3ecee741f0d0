"""Calling games: batching, validation, query counting and progress."""

from .evaluator import GameEvaluationError, QueryEvaluator

__all__ = ["GameEvaluationError", "QueryEvaluator"]
