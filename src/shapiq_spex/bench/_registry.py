"""Look-ups in the benchmark's registries (games, methods, suites)."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["lookup"]


def lookup[T](registry: Mapping[str, T], key: str, kind: str) -> T:
    """``registry[key]``, or a ``KeyError`` that lists the known keys of this ``kind``."""
    try:
        return registry[key]
    except KeyError:
        msg = f"unknown {kind} {key!r}; known {kind}s: {', '.join(registry)}"
        raise KeyError(msg) from None
