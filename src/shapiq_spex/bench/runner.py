"""Run a suite: every (game, budget, seed, method) cell measured, refused or failed, as records.

Order of the calls: methods of tier 0 first, game by game, budget by budget (increasing), seed
by seed, method by method, so the methods of one cell run back to back under the same machine
load; then the slow methods (tier 1) in the same order. Nothing is silently dropped: a cell that
is not run becomes an ``"n/a"`` record with its reason, a method that raises an ``"error"``
record with its message.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np

from .._threads import limit_threads
from ..metrics import HOLDOUT_SEED, HOLDOUT_SIZE, holdout_masks, holdout_r2
from .games import GameInstance, GameSpec, get_game
from .harness import MemoryProbe, Timing, environment, measure
from .methods import (
    MethodOutput,
    MethodSpec,
    dense_regression_cost,
    get_method,
    refusal,
    warm_up,
)
from .metrics import (
    TOP_K,
    coefficient_error,
    exact_index_values,
    index_values,
    moebius_predictor,
    removal_changes,
    shapley_like_importance,
    top_k_precision,
)
from .suites import Entry, Suite

__all__ = ["Record", "RunResult", "run_suite"]

Status = Literal["ok", "n/a", "error"]


@dataclass
class Record:
    """One (game instance, budget, method) call and what it measured.

    ``r2`` is the held-out R² of the method's predictor (see
    :mod:`shapiq_spex.bench.methods`), ``r2_index`` that of its returned index values;
    ``precision`` (at :data:`~shapiq_spex.bench.metrics.TOP_K`) and ``rel_error`` compare its
    index values with the exact ones, ``*_moebius`` its recovered function's Möbius
    coefficients with the true ones. ``removal`` maps ``k`` (as text) to the change of the
    noiseless game's output when the method's ``k`` most important players are removed (see
    :func:`~shapiq_spex.bench.metrics.removal_changes`; its queries are not counted in the
    method's). Times are seconds, ``peak_mb`` MiB. ``note`` is printed
    as a footnote of the cell; ``extra`` holds diagnostics that are kept but not tabulated.
    For our approximators, ``faithfulness`` and ``faithfulness_method`` are what the method
    reported about its own fit (its ``faithfulness_`` and ``faithfulness_method_``; compare
    with ``r2``, measured on masks it never saw), and ``warned_poor_fit`` /
    ``warned_saturated`` whether its call emitted those warnings (``None`` for the others).
    """

    game: str
    family: str
    title: str
    instance: str
    n: int
    budget: int
    seed: int
    method: str
    label: str
    ours: bool
    index: str
    order: int
    status: Status
    reason: str = ""
    queries: int | None = None
    r2: float | None = None
    r2_index: float | None = None
    precision: float | None = None
    rel_error: float | None = None
    precision_moebius: float | None = None
    rel_error_moebius: float | None = None
    removal: dict[str, float] | None = None
    total_s: float | None = None
    game_s: float | None = None
    overhead_s: float | None = None
    peak_mb: float | None = None
    memory_probe: str | None = None
    over_budget: bool = False
    over_time_cap: bool = False
    note: str = ""
    faithfulness: float | None = None
    faithfulness_method: str | None = None
    warned_poor_fit: bool | None = None
    warned_saturated: bool | None = None
    extra: dict = field(default_factory=dict)


@dataclass
class RunResult:
    """A finished run: the suite's settings, the environment, every record."""

    suite: str
    description: str
    settings: dict
    environment: dict
    records: list[Record]
    warmups: dict[str, float | str] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    wall_s: float = 0.0

    def to_dict(self) -> dict:
        """JSON-ready form (NaN and infinities become ``None``; an empty ``extra`` is left out)."""
        payload = asdict(self)
        payload["records"] = [
            _finite({k: v for k, v in asdict(r).items() if k != "extra" or v}) for r in self.records
        ]
        return payload

    @classmethod
    def from_dict(cls, payload: dict) -> RunResult:
        """The run written by :meth:`to_dict` (e.g. read back from its JSON file)."""
        fields = dict(payload)
        fields["records"] = [Record(**row) for row in payload["records"]]
        return cls(**fields)


def _finite(value: object) -> object:
    """``value`` with every non-finite float, at any depth, replaced by ``None`` (JSON)."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return None if isinstance(value, float) and not np.isfinite(value) else value


@dataclass(frozen=True)
class _Call:
    tier: int
    entry: int
    budget: int
    seed: int
    rank: int
    game: GameSpec
    method: MethodSpec


class _Instances:
    """Game instances, held-out targets and exact index values, each computed once.

    Args:
        holdout_size: Held-out masks of every game (``None``: the game's own number).
        holdout_seed: Their seed is ``holdout_seed + n`` (``None``: ``HOLDOUT_SEED + n``).
    """

    def __init__(self, holdout_size: int | None = None, holdout_seed: int | None = None) -> None:
        self.holdout_size = holdout_size
        self.holdout_seed = holdout_seed
        self._games: dict[tuple[str, int], GameInstance | Exception] = {}
        self._holdout: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = {}
        self._exact: dict[tuple[str, int, str, int], dict] = {}

    def get(self, spec: GameSpec, seed: int) -> GameInstance | Exception:
        key = (spec.key, seed)
        if key not in self._games:
            try:
                self._games[key] = spec.build(seed)
            except Exception as exc:  # an optional dependency or a data file is missing
                self._games[key] = exc
        return self._games[key]

    def holdout(
        self, spec: GameSpec, seed: int, game: GameInstance
    ) -> tuple[np.ndarray, np.ndarray]:
        key = (spec.key, seed)
        if key not in self._holdout:
            size = self.holdout_size or spec.holdout_size
            if self.holdout_seed is None:
                masks = holdout_masks(game.n, size)
            else:
                masks = holdout_masks(game.n, size, seed=self.holdout_seed + game.n)
            self._holdout[key] = (masks, np.asarray(game.target(masks), dtype=float))
        return self._holdout[key]

    def exact(self, spec: GameSpec, seed: int, game: GameInstance, index: str, order: int) -> dict:
        key = (spec.key, seed, index, order)
        if key not in self._exact:
            self._exact[key] = exact_index_values(game.truth or {}, game.n, index, order)
        return self._exact[key]


_BELOW_MINIMUM = "budget below the method's minimum"


def _below_minimum(exc: BaseException) -> bool:
    """Whether the method refused the budget as too small (ours and shapiq's SPEX do)."""
    text = str(exc).lower()
    markers = ("too small", "at least", ">=", "minimum", "insufficient")
    return isinstance(exc, ValueError) and "budget" in text and any(m in text for m in markers)


def _message(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= 240 else text[:237] + "..."


class _TimeCaps:
    """The observed time cap, extrapolated: time is taken to grow at least linearly in the budget.

    After a call of ``t`` seconds at ``(n0, b0)``, a call of the same method on the same game
    family at ``n >= n0`` and budget ``b >= b0`` is predicted to take at least ``t * b / b0``.
    It is not run when a call at smaller or equal ``(n, b)`` exceeded the cap (remaining seeds
    included), or when the prediction exceeds twice the cap. The margin and the rule that only
    calls of at least a tenth of the cap are extrapolated absorb the noise of a shared machine,
    where the same call varied up to 50-fold here (ProxySHAP, n=30, budget 500: 0.25-15 s).

    Args:
        cap_s: The cap in seconds.
        per_method: Caps of some methods replacing ``cap_s``.
    """

    def __init__(self, cap_s: float, per_method: dict[str, float] | None = None) -> None:
        self.cap_s = cap_s
        self.per_method = dict(per_method or {})
        self._seen: dict[tuple[str, str], list[tuple[int, int, float]]] = {}

    def cap(self, method: str) -> float:
        """The cap of ``method``."""
        return self.per_method.get(method, self.cap_s)

    def blocked(self, method: str, family: str, n: int, budget: int) -> str | None:
        """Why the call is not run (``None``: it is run)."""
        cap = self.cap(method)
        worst = None
        for n0, b0, seconds in self._seen.get((method, family), []):
            if n >= n0 and budget >= b0 and seconds >= 0.1 * cap:
                predicted = seconds * budget / b0
                over = seconds > cap or predicted > 2.0 * cap
                if over and (worst is None or predicted > worst[0]):
                    worst = (predicted, n0, b0, seconds)
        if worst is None:
            return None
        predicted, n0, b0, seconds = worst
        if seconds > cap:
            return (
                f"time: a call at n={n0}, budget {b0} took {seconds:,.0f} s > cap "
                f"{cap:g} s; not run at larger or equal n and budget"
            )
        return (
            f"time: predicted >= {predicted:,.0f} s > 2 x cap {cap:g} s (a call at n={n0}, "
            f"budget {b0} took {seconds:,.1f} s; time grows at least linearly in the budget)"
        )

    def observe(self, method: str, family: str, n: int, budget: int, seconds: float) -> bool:
        """Record a call; True if it exceeded the cap."""
        self._seen.setdefault((method, family), []).append((n, budget, seconds))
        return seconds > self.cap(method)


def _thread_limit(threads: int | None) -> AbstractContextManager:
    return limit_threads(threads, user_api=None)


def _plan(
    entries: Sequence[Entry],
    default_seeds: int,
    methods: Sequence[MethodSpec],
    games: Sequence[str] | None,
    seeds: int | None,
) -> list[_Call]:
    calls = []
    for position, entry in enumerate(entries):
        if games is not None and entry.game not in games:
            continue
        spec = get_game(entry.game)
        for budget in sorted(entry.budgets):
            for seed in range(seeds or entry.seeds or default_seeds):
                for rank, method in enumerate(methods):
                    calls.append(_Call(method.tier, position, budget, seed, rank, spec, method))
    return sorted(calls, key=lambda c: (c.tier, c.entry, c.budget, c.seed, c.rank))


def _score(
    record: Record,
    output: MethodOutput,
    game: GameInstance,
    holdout: tuple,
    exact: dict | None,
    removal_k: Sequence[int] = (),
) -> None:
    masks, target = holdout
    record.r2 = holdout_r2(output.predictor, masks, target)
    index_predictor = moebius_predictor(output.values)
    if output.inverse_link is not None:  # the values explain link(v): score them on v's scale
        link_free = index_predictor
        index_predictor = lambda m: output.inverse_link(link_free(m))  # noqa: E731
    record.r2_index = holdout_r2(index_predictor, masks, target)
    if removal_k:
        importance = shapley_like_importance(output.values)
        record.removal = removal_changes(game.target, importance, removal_k)
    if exact is not None:
        estimated = index_values(output.values)
        record.precision = top_k_precision(exact, estimated, TOP_K)
        record.rel_error = coefficient_error(exact, estimated)
    for name in ("faithfulness", "faithfulness_method", "warned_poor_fit", "warned_saturated"):
        setattr(record, name, output.diagnostics.get(name))
    if game.truth is not None and output.representation is not None:
        record.precision_moebius = top_k_precision(game.truth, output.representation, TOP_K)
        record.rel_error_moebius = coefficient_error(game.truth, output.representation)


def run_suite(
    suite: Suite,
    *,
    methods: Sequence[str] | None = None,
    games: Sequence[str] | None = None,
    seeds: int | None = None,
    time_cap_s: float | None = None,
    memory_cap_gb: float | None = None,
    max_minutes: float | None = None,
    memory: MemoryProbe = "rss",
    threads: int | None = 1,
    extra: Sequence[Entry] = (),
    log: Callable[[str], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    previous: RunResult | None = None,
    checkpoint: Callable[[RunResult], None] | None = None,
) -> RunResult:
    """Run every cell of ``suite`` and return the records.

    Args:
        suite: The suite.
        methods: Method keys replacing the suite's; the suite's exclusions do not apply to the
            methods named here (asking for a method runs it everywhere, caps permitting).
        games: Only the entries of these game keys.
        seeds: Seeds per entry, replacing the suite's.
        time_cap_s: Per-call time cap replacing the suite's.
        memory_cap_gb: Dense-regression memory cap replacing the suite's.
        max_minutes: Wall-clock limit of the run replacing the suite's.
        memory: Peak-memory probe of every call (see :func:`~shapiq_spex.bench.harness.measure`).
        threads: BLAS and OpenMP threads of every call (``None``: the libraries' defaults).
            One by default: on a shared 2-core machine OpenBLAS' spinning threads made shapiq's
            Faith-Shap regression (n=64, budget 1000) take 7.0 s instead of 0.97 s; ours runs
            its refits on one BLAS thread and its LightGBM on one thread already, so this gives
            every method the same setting (games run under it too).
        extra: Entries appended to the suite's (e.g. the optional LLM game).
        log: Receives one line per call (``None``: silent).
        progress: Called after each call with the calls done and the calls planned (e.g. to
            move a progress bar).
        previous: An earlier (possibly interrupted) run of the same suite to resume: its
            measured calls (``"ok"``, ``"error"``, or below the method's minimum budget) with
            the same game, budget, seed and method are taken over instead of run again (their
            times feed the time caps as if they had just run); every other call runs. Its
            records of calls outside this run's plan (e.g. other ``games``) are kept.
        checkpoint: Called with the run so far after each call, at most every
            :data:`CHECKPOINT_S` seconds, and once at the end (e.g. to write a partial JSON
            that ``previous`` can resume from).

    Returns:
        The :class:`RunResult`.
    """
    say = log or (lambda _line: None)
    specs = [get_method(key) for key in (methods or suite.methods)]
    for key in games or ():
        get_game(key)
    entries = (*suite.entries, *extra)
    limits = _Limits(
        time_cap_s=suite.time_cap_s if time_cap_s is None else time_cap_s,
        memory_cap_gb=suite.memory_cap_gb if memory_cap_gb is None else memory_cap_gb,
        max_minutes=suite.max_minutes if max_minutes is None else max_minutes,
    )
    settings = _settings(suite, specs, entries, limits, methods, games, seeds)
    settings.update(memory_probe=memory, threads=threads)
    run = _Run(
        suite=suite,
        result=RunResult(suite.name, suite.description, settings, environment(), []),
        caps=_TimeCaps(limits.time_cap_s, dict(suite.time_caps) if time_cap_s is None else None),
        memory_cap_gb=limits.memory_cap_gb,
        memory=memory,
        instances=_Instances(suite.holdout_size, suite.holdout_seed),
    )
    for spec in specs:
        if spec.available is not None:
            try:
                spec.available()
            except Exception as exc:
                run.result.unavailable[spec.key] = f"not available: {_message(exc)}"
    calls = _plan(entries, suite.seeds, specs, games, seeds)
    done = _resumable(previous, calls, run.result)
    start = time.perf_counter()
    run.deadline = start + 60.0 * limits.max_minutes
    saved = start
    with _thread_limit(threads):
        for number, call in enumerate(calls, 1):
            record = done.get(_call_key(call))
            if record is None:
                record = run.call(call)
            else:
                run.reuse(record)
            run.result.records.append(record)
            say(_line(number, len(calls), record))
            if progress is not None:
                progress(number, len(calls))
            if checkpoint is not None and time.perf_counter() - saved >= CHECKPOINT_S:
                run.result.wall_s = _wall(previous) + time.perf_counter() - start
                checkpoint(run.result)
                saved = time.perf_counter()
    run.result.wall_s = _wall(previous) + time.perf_counter() - start
    if previous is not None:
        planned = {_call_key(c) for c in calls}
        run.result.records += [r for r in previous.records if _record_key(r) not in planned]
    if checkpoint is not None:
        checkpoint(run.result)
    return run.result


CHECKPOINT_S = 20.0
"""Least seconds between two checkpoints of a run."""


def _call_key(call: _Call) -> tuple[str, int, int, str]:
    return (call.game.key, call.budget, call.seed, call.method.key)


def _record_key(record: Record) -> tuple[str, int, int, str]:
    return (record.game, record.budget, record.seed, record.method)


def _wall(previous: RunResult | None) -> float:
    return 0.0 if previous is None else previous.wall_s


def _resumable(
    previous: RunResult | None, calls: Sequence[_Call], result: RunResult
) -> dict[tuple[str, int, int, str], Record]:
    """The records of ``previous`` that stand for calls of this run (see :func:`run_suite`).

    Also records the previous run's provenance (and its warm-up times) in ``result``'s
    settings; the warm-ups themselves run again in this process before the first timed call.
    """
    if previous is None:
        return {}
    if previous.suite != result.suite:
        msg = f"cannot resume suite {result.suite!r} from a run of suite {previous.suite!r}"
        raise ValueError(msg)
    planned = {_call_key(c) for c in calls}
    done = {
        _record_key(r): r
        for r in previous.records
        if _record_key(r) in planned
        and (r.status in ("ok", "error") or r.reason.startswith(_BELOW_MINIMUM))
    }
    resumed = list(previous.settings.get("resumed") or [])
    resumed.append(
        {
            "from_run": previous.environment,
            "records_taken": len(done),
            "wall_s_before": previous.wall_s,
            "warmups": previous.warmups,
        }
    )
    result.settings["resumed"] = resumed
    result.settings["game_order"] = list(
        dict.fromkeys([*previous.settings.get("game_order", []), *result.settings["game_order"]])
    )
    return done


@dataclass(frozen=True)
class _Limits:
    time_cap_s: float
    memory_cap_gb: float
    max_minutes: float


def _settings(
    suite: Suite,
    specs: Sequence[MethodSpec],
    entries: Sequence[Entry],
    limits: _Limits,
    methods: Sequence[str] | None,
    games: Sequence[str] | None,
    seeds: int | None,
) -> dict:
    """The settings written with the results: everything the report needs besides records."""
    return {
        "methods": [s.key for s in specs],
        "method_configs": {s.key: s.config for s in specs},
        "explicit_methods": list(methods or []),
        "game_order": list(
            dict.fromkeys(e.game for e in entries if games is None or e.game in games)
        ),
        "seeds": seeds,
        "time_cap_s": limits.time_cap_s,
        "time_caps": dict(suite.time_caps),
        "memory_cap_gb": limits.memory_cap_gb,
        "max_minutes": limits.max_minutes,
        "memory_probe": None,
        "threads": None,
        "top_k": TOP_K,
        "scale_budget": suite.scale_budget,
        "holdout": {
            "size": suite.holdout_size or HOLDOUT_SIZE,
            "seed": f"{HOLDOUT_SEED if suite.holdout_seed is None else suite.holdout_seed} + n",
        },
        "holdout_sizes": {
            e.game: get_game(e.game).holdout_size
            for e in entries
            if suite.holdout_size is None and get_game(e.game).holdout_size != HOLDOUT_SIZE
        },
        "removal_k": list(suite.removal_k),
        "honest": suite.honest,
        "lead_budget": suite.lead_budget,
        "reference": suite.reference,
        "head_to_head": [list(pair) for pair in suite.head_to_head],
    }


@dataclass
class _Run:
    """The state of one run: what every call reads (suite, caps) and writes (result)."""

    suite: Suite
    result: RunResult
    caps: _TimeCaps
    memory_cap_gb: float
    memory: MemoryProbe
    deadline: float = float("inf")
    instances: _Instances = field(default_factory=_Instances)

    def reason_not_run(self, call: _Call, game: GameInstance | Exception, n: int) -> str | None:
        """Why a call is not run, checked in order (``None``: it is run)."""
        method = call.method
        if isinstance(game, Exception):
            return f"game not available: {_message(game)}"
        if method.key in self.result.unavailable:
            return self.result.unavailable[method.key]
        if method.key not in self.result.settings["explicit_methods"]:
            excluded = self.suite.excluded(method.key, call.game.key, call.budget, call.seed)
            if excluded:
                return excluded
        reason = refusal(
            method,
            n,
            call.budget,
            memory_cap_gb=self.memory_cap_gb,
            time_cap_s=self.caps.cap(method.key),
        ) or self.caps.blocked(method.key, call.game.family, n, call.budget)
        if (
            reason is None
            and self.suite.skip_underdetermined
            and (method.dense_order or 0) >= self.suite.skip_underdetermined_from
        ):
            reason = _underdetermined(method, n, call.budget) or None
        if reason is None and time.perf_counter() > self.deadline:
            reason = f"suite time limit ({self.result.settings['max_minutes']:g} min) reached"
        return reason

    def reuse(self, record: Record) -> None:
        """Take over a record of a resumed run: its time counts for the time caps."""
        if record.status == "ok" and record.total_s is not None:
            self.caps.observe(record.method, record.family, record.n, record.budget, record.total_s)

    def warm_up(self, method: MethodSpec) -> None:
        """Run ``method`` once, untimed, before its first timed call; record how long it took."""
        if method.key in self.result.warmups:
            return
        begin = time.perf_counter()
        try:
            warm_up(method)
            self.result.warmups[method.key] = time.perf_counter() - begin
        except Exception as exc:
            self.result.warmups[method.key] = f"warm-up failed: {_message(exc)}"

    def call(self, call: _Call) -> Record:
        """Run (or refuse) one call and return its record."""
        spec, method = call.game, call.method
        game = self.instances.get(spec, call.seed)
        record = _empty_record(call, game)
        reason = self.reason_not_run(call, game, record.n)
        if reason is not None:
            record.reason = reason
            return record
        assert isinstance(game, GameInstance)
        self.warm_up(method)
        try:
            holdout = self.instances.holdout(spec, call.seed, game)
            output, timing = measure(
                lambda counted: method.run(counted, game.n, call.budget, call.seed),
                game.make(),
                memory=self.memory,
            )
            exact = (
                self.instances.exact(spec, call.seed, game, method.index, method.order)
                if game.truth is not None
                else None
            )
            _score(record, output, game, holdout, exact, self.suite.removal_k)
        except Exception as exc:
            record.reason = _message(exc)
            record.status = "error"
            if _below_minimum(exc):
                record.reason = f"{_BELOW_MINIMUM}: {record.reason}"
                record.status = "n/a"
            return record
        _time(record, timing)
        record.over_budget = timing.queries > call.budget
        record.over_time_cap = self.caps.observe(
            method.key, spec.family, record.n, call.budget, timing.total_s
        )
        record.note = _underdetermined(method, record.n, call.budget)
        return record


def _empty_record(call: _Call, game: GameInstance | Exception) -> Record:
    """The record of a call before it runs (status ``"n/a"``, no measurements)."""
    missing = isinstance(game, Exception)
    return Record(
        game=call.game.key,
        family=call.game.family,
        title=call.game.title,
        instance="" if missing else game.label,
        n=(call.game.n or 0) if missing else game.n,
        budget=call.budget,
        seed=call.seed,
        method=call.method.key,
        label=call.method.label,
        ours=call.method.ours,
        index=call.method.index,
        order=call.method.order,
        status="n/a",
    )


def _time(record: Record, timing: Timing) -> None:
    record.status = "ok"
    record.queries = timing.queries
    record.total_s = timing.total_s
    record.game_s = timing.game_s
    record.overhead_s = timing.overhead_s
    record.peak_mb = timing.peak_mb
    record.memory_probe = timing.memory_probe


def _underdetermined(method: MethodSpec, n: int, budget: int) -> str:
    """A note when a dense regression has fewer queries than unknowns."""
    if method.dense_order is None:
        return ""
    terms = dense_regression_cost(n, budget, method.dense_order)[0]
    rows = min(budget, 2**n) if n < 63 else budget
    if rows >= terms:
        return ""
    return (
        f"{method.label}: fewer queries than regression unknowns ({terms:,} interactions up to "
        f"order {method.dense_order} at n={n}), the regression is underdetermined"
    )


def _line(number: int, total: int, record: Record) -> str:
    head = (
        f"[{number}/{total}] {record.game} n={record.n} B={record.budget} "
        f"seed={record.seed} {record.label}:"
    )
    if record.status != "ok":
        return f"{head} {record.status} ({record.reason})"
    return (
        f"{head} R2={record.r2:.3f} queries={record.queries} "
        f"overhead={record.overhead_s:.2f}s game={record.game_s:.2f}s"
    )
