"""Target stopping (issue 21, item 5): ProxySPEX asked for a quality instead of a budget.

:func:`target_stopping` runs ProxySPEX with ``target_faithfulness`` and a budget cap, reads
how many queries it spent (``budget_used_``, and the counting wrapper's own count) and the
rounds it went through (``history_``: ``(queries, score)`` per round), and compares the result
with ProxySPEX at fixed budgets on the same game: the held-out R² at the stopping point, the
smallest fixed budget whose held-out R² is at least as high, and the queries saved against it.
R² is measured on the protocol's held-out masks (never queried by any of the calls).
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..metrics import holdout_masks, holdout_r2
from .harness import measure
from .methods import self_report
from .suites import CHEAP_GAMES

__all__ = [
    "FIXED_BUDGETS",
    "STOPPING_GAMES",
    "StoppingResult",
    "stopping_markdown",
    "target_stopping",
]

FIXED_BUDGETS = (128, 256, 512, 1000, 2000, 4000)
"""The fixed budgets the stopping point is compared with (those up to the cap)."""

STOPPING_GAMES = (*CHEAP_GAMES, "vader-saturated-20")
"""Default games of ``python -m benchmarks stopping``: the real suite's cheap games."""

_TARGET = "target_faithfulness"


@dataclass
class StoppingResult:
    """Target stopping on one game, against fixed budgets.

    Attributes:
        game: Game key.
        instance: What the seed selected.
        n: Number of players.
        seed: The approximators' ``random_state`` (and the game instance's seed).
        target: The ``target_faithfulness`` asked for.
        cap: The budget passed to ``approximate`` (the most it may spend).
        queries: Queries of the stopping call, counted by the wrapper around the game.
        budget_used: Its own ``budget_used_``.
        history: Its ``history_``: ``[queries, score]`` per round.
        reported: Its ``faithfulness_`` at the stopping point.
        reported_method: Its ``faithfulness_method_``.
        r2: Held-out R² of its recovered function.
        reached: Whether ``reported`` is at least ``target``.
        fixed: Fixed budget (as text) -> held-out R² of ProxySPEX at that budget.
        matched: Smallest fixed budget whose R² is at least ``r2`` (``None``: none is).
        saved: ``matched - queries`` (``None`` without ``matched``).
        over_cap: Whether the stopping call spent more than ``cap`` queries.
        seconds: Wall time of the stopping call.
    """

    game: str
    instance: str
    n: int
    seed: int
    target: float
    cap: int
    queries: int
    budget_used: int | None
    history: list[list[float]]
    reported: float | None
    reported_method: str | None
    r2: float
    reached: bool
    fixed: dict[str, float] = field(default_factory=dict)
    matched: int | None = None
    saved: int | None = None
    over_cap: bool = False
    seconds: float = 0.0

    def to_dict(self) -> dict:
        """JSON-ready form (non-finite numbers become ``None``)."""
        payload = asdict(self)
        payload["fixed"] = {k: _finite(v) for k, v in self.fixed.items()}
        for key in ("reported", "r2"):
            payload[key] = _finite(payload[key])
        return payload


def _finite(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def _default_class() -> type:
    from ..approximators.proxyspex import ProxySPEX

    return ProxySPEX


def _check_target_support(cls: type) -> None:
    if _TARGET not in inspect.signature(cls).parameters:
        msg = (
            f"{cls.__name__} has no {_TARGET} parameter yet (issue 21 adds it, with "
            "budget_used_ and history_); target stopping cannot be measured."
        )
        raise NotImplementedError(msg)


def target_stopping(
    game: Callable[[np.ndarray], np.ndarray],
    n: int,
    *,
    cap: int = 4000,
    target: float = 0.9,
    fixed_budgets: Sequence[int] = FIXED_BUDGETS,
    seed: int = 0,
    holdout: tuple[np.ndarray, np.ndarray] | None = None,
    approximator: type | None = None,
    key: str = "",
    instance: str = "",
    options: dict[str, Any] | None = None,
) -> StoppingResult:
    """Run ProxySPEX to a target quality under a budget cap and compare with fixed budgets.

    Args:
        game: The set function on boolean masks ``(m, n)``.
        n: Number of players.
        cap: The budget of the stopping call (its ``approximate(budget=cap)``).
        target: Its ``target_faithfulness``.
        fixed_budgets: Budgets of the fixed-budget calls; those above ``cap`` are left out.
        seed: ``random_state`` of every call.
        holdout: Held-out masks and the game's values there (``None``: the protocol's masks,
            queried here, not counted in any call's budget).
        approximator: The approximator class (``None``: this package's ProxySPEX); it must
            take ``target_faithfulness`` and set ``budget_used_`` and ``history_``.
        key: Game key, for the result.
        instance: What the game instance is, for the result.
        options: More keyword arguments of every call's constructor.

    Returns:
        The :class:`StoppingResult`.

    Raises:
        NotImplementedError: If the approximator has no ``target_faithfulness`` parameter.
        ValueError: If ``cap`` is not positive or ``target`` not in ``(0, 1]``.
    """
    cls = _default_class() if approximator is None else approximator
    _check_target_support(cls)
    _check_cap_and_target(cap, target)
    masks, truth = holdout if holdout is not None else _protocol_holdout(game, n)
    common = {"max_order": 2, "index": "FBII", "random_state": seed, **(options or {})}
    estimator, messages, queries, seconds = _stop_at_target(cls, n, common, target, cap, game)
    report = self_report(estimator, messages)
    r2 = holdout_r2(estimator.predict, masks, truth)
    fixed = _fixed_budget_r2(cls, n, common, game, fixed_budgets, cap, (masks, truth))
    matched = min(
        (int(b) for b, value in fixed.items() if np.isfinite(value) and value >= r2), default=None
    )
    history = [[float(q), float(s)] for q, s in (getattr(estimator, "history_", None) or [])]
    reported = report["faithfulness"]
    return StoppingResult(
        game=key,
        instance=instance,
        n=n,
        seed=seed,
        target=float(target),
        cap=cap,
        queries=queries,
        budget_used=report["budget_used"],
        history=history,
        reported=reported,
        reported_method=report["faithfulness_method"],
        r2=r2,
        reached=reported is not None and reported >= target,
        fixed=fixed,
        matched=matched,
        saved=None if matched is None else matched - queries,
        over_cap=queries > cap,
        seconds=seconds,
    )


def _check_cap_and_target(cap: int, target: float) -> None:
    """Validate the budget cap and the target quality of :func:`target_stopping`.

    Args:
        cap: The budget cap.
        target: The ``target_faithfulness``.

    Raises:
        ValueError: If ``cap`` is not a positive int or ``target`` not in ``(0, 1]``.
    """
    if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
        msg = f"cap must be a positive int, got {cap!r}."
        raise ValueError(msg)
    if not 0.0 < float(target) <= 1.0:
        msg = f"target must be in (0, 1], got {target!r}."
        raise ValueError(msg)


def _protocol_holdout(
    game: Callable[[np.ndarray], np.ndarray], n: int
) -> tuple[np.ndarray, np.ndarray]:
    """The protocol's held-out masks and the game's values there (not counted in any budget).

    Args:
        game: The set function on boolean masks ``(m, n)``.
        n: Number of players.

    Returns:
        The masks and the game's values on them, as floats.
    """
    masks = holdout_masks(n)
    return masks, np.asarray(game(masks), dtype=float)


def _stop_at_target(
    cls: type,
    n: int,
    common: dict[str, Any],
    target: float,
    cap: int,
    game: Callable[[np.ndarray], np.ndarray],
) -> tuple[Any, list[str], int, float]:
    """The stopping call: ``cls`` with ``target_faithfulness``, run under the budget ``cap``.

    Args:
        cls: The approximator class.
        n: Number of players.
        common: Keyword arguments of the constructor shared with the fixed-budget calls.
        target: The ``target_faithfulness``.
        cap: The budget passed to ``approximate``.
        game: The set function on boolean masks ``(m, n)``.

    Returns:
        The fitted estimator, the messages of the warnings it emitted, the queries counted by
        the wrapper around the game, and the wall time of the call in seconds.
    """

    def stop_call(counted: Callable) -> Any:
        import warnings

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            estimator = cls(n, **common, **{_TARGET: float(target)})
            estimator.approximate(cap, counted)
        return estimator, [str(w.message) for w in caught]

    begin = time.perf_counter()
    (estimator, messages), timing = measure(stop_call, game, memory="off")
    seconds = time.perf_counter() - begin
    return estimator, messages, timing.queries, seconds


def _fixed_budget_r2(
    cls: type,
    n: int,
    common: dict[str, Any],
    game: Callable[[np.ndarray], np.ndarray],
    fixed_budgets: Sequence[int],
    cap: int,
    holdout: tuple[np.ndarray, np.ndarray],
) -> dict[str, float]:
    """Held-out R² of ``cls`` at each fixed budget up to ``cap``, in increasing order.

    Args:
        cls: The approximator class.
        n: Number of players.
        common: Keyword arguments of every call's constructor.
        game: The set function on boolean masks ``(m, n)``.
        fixed_budgets: The budgets; those above ``cap`` are left out.
        cap: The largest budget.
        holdout: Held-out masks and the game's values there.

    Returns:
        Budget (as text) -> held-out R² (NaN where the budget is below the method's minimum).
    """
    masks, truth = holdout
    fixed: dict[str, float] = {}
    for budget in sorted({int(b) for b in fixed_budgets if int(b) <= cap}):
        fixed_estimator = cls(n, **common)
        try:
            _quietly(lambda e=fixed_estimator, b=budget: e.approximate(b, game))
        except ValueError:  # below the method's minimum budget: no value at this budget
            fixed[str(budget)] = float("nan")
            continue
        fixed[str(budget)] = holdout_r2(fixed_estimator.predict, masks, truth)
    return fixed


def _quietly(call: Callable[[], Any]) -> Any:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call()


def stopping_markdown(results: Sequence[StoppingResult], environment: dict) -> str:
    """The Markdown table of target-stopping results."""
    budgets = sorted({int(b) for r in results for b in r.fixed})
    lines = [
        "# Target stopping: ProxySPEX(target_faithfulness) against fixed budgets",
        "",
        f"Run {environment.get('date')} on {environment.get('cpu')} ({environment.get('cpus')} "
        f"CPUs, load average {environment.get('load_average')}).",
        "",
        "Per game: ProxySPEX asked for `target_faithfulness` with `budget=cap`; *queries* are "
        "counted by a wrapper around the game (*budget_used_* is its own count); *reported* "
        "is its `faithfulness_` at the stopping point, *R²* the R² of its recovered function "
        "on the protocol's 1000 held-out masks (never queried). *Fixed* columns: ProxySPEX "
        "with the same seed at that budget, same masks. *matched* is the smallest fixed budget "
        "whose R² is at least the stopping point's, *saved* = matched − queries.",
        "",
        "| game | n | target | cap | queries | budget_used_ | rounds | reported | R² "
        "| reported − R² | " + " | ".join(f"fixed {b}" for b in budgets) + " | matched | saved |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + "---:|" * (len(budgets) + 2),
    ]
    for r in results:
        fixed = [_r2(r.fixed.get(str(b))) for b in budgets]
        gap = "—" if r.reported is None else f"{r.reported - r.r2:+.3f}"
        queries = f"{r.queries}" + (" (over cap!)" if r.over_cap else "")
        lines.append(
            f"| {r.game} | {r.n} | {r.target:g} | {r.cap} | {queries} "
            f"| {r.budget_used if r.budget_used is not None else '—'} | {len(r.history)} "
            f"| {_r2(r.reported)} | {_r2(r.r2)} | {gap} | "
            + " | ".join(fixed)
            + f" | {r.matched if r.matched is not None else '—'} "
            f"| {r.saved if r.saved is not None else '—'} |"
        )
    return "\n".join(lines) + "\n"


def _r2(value: float | None) -> str:
    return "—" if value is None or not np.isfinite(value) else f"{value:.3f}"
