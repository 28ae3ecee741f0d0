"""Optimizing a recovered value function over masks, as a mixed-integer linear program.

A recovered game ``f: {0,1}^n -> R`` (``x_i = 1`` means player ``i`` is kept) is written in the
Möbius basis, ``f(x) = sum_S a(S) prod_{i in S} x_i`` (a :class:`SparseFourier` is converted
exactly with :meth:`SparseFourier.to_moebius`, which costs ``2^d`` Möbius terms per Fourier term of
size ``d``). The constant and the singletons are linear in ``x``; every term with ``|S| >= 2``
gets one continuous auxiliary variable ``y_S in [0, 1]`` standing for the product, tied to ``x`` by
the standard linearization

* *upper* constraints ``y_S <= x_i`` for every ``i in S`` (so ``y_S <= prod x_i``), and
* a *lower* constraint ``y_S >= sum_{i in S} x_i - |S| + 1`` (with ``y_S >= 0``, ``y_S >= prod``).

Only the side that can bind is added. Where ``f`` appears in the objective to be minimized, a
term with ``a(S) > 0`` would like ``y_S`` small, so only its lower constraint is needed; a term
with ``a(S) < 0`` would like ``y_S`` large, so only its upper constraints are needed (maximizing
swaps the two). The same reasoning applies to a constraint ``f(x) <= target`` (the side that
makes the constraint *easier* to satisfy must be blocked: ``a(S) > 0`` needs the lower one,
``a(S) < 0`` the upper ones) and ``f(x) >= target`` (swapped). With the needed side in place,
every feasible ``(x, y)`` has ``sum_S a(S) y_S`` no better than ``f(x)`` and ``y_S = prod x_i`` is
always feasible, so the program's optimum, and its feasible set projected on ``x``, are exactly
those of the original problem. Were ``f`` ever used in both directions, both sides would be added
per term (:func:`_linearization` takes the two sides independently). Since ``y`` need not be
integral, only the ``n`` mask variables are binary. The program is solved by HiGHS through
:func:`scipy.optimize.milp`; all matrices are sparse and built without loops over terms.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.optimize
import scipy.sparse

from .._validation import check_array, check_bool, check_choice, check_int, check_number
from .representation import SparseFourier, SparseMoebius
from .terms import PAD

__all__ = ["OptimizationResult", "fewest_changes", "optimize_mask"]

_DENSE_ROW = 2000
"""Longest constraint row (non-zeros) for which HiGHS's presolve is used by default.

HiGHS's presolve is quadratic in the length of a row (about 0.5 s at 2,000 non-zeros and 10 s at
8,000 on a shared 2-core machine, for one cardinality or knapsack row), which dominates the
solve of otherwise easy programs with a long size or target constraint; beyond this length it is
skipped.
"""

_STATUS = {0: "optimal", 1: "limit", 2: "infeasible", 3: "error", 4: "error"}


@dataclass(frozen=True)
class OptimizationResult:
    """The outcome of :func:`optimize_mask` or :func:`fewest_changes`.

    Attributes:
        mask: The best mask found, boolean of shape ``(n,)`` (``True`` = player kept), or ``None``
            when no feasible mask was found (infeasible problem, or a limit hit first).
        value: ``function(mask)`` evaluated on the input representation (``nan`` without a mask).
        status: ``"optimal"`` (proven optimal up to the gap tolerance), ``"limit"`` (time limit
            reached; ``mask`` is the incumbent if any), ``"infeasible"`` (no mask satisfies the
            constraints), or ``"error"`` (see ``message``).
        optimal: Whether the solver proved ``mask`` optimal.
        mip_gap: The solver's final relative gap between incumbent and bound (``nan`` if none).
        bound: The solver's bound on the optimum: for :func:`optimize_mask` a bound on the
            optimal value of ``function`` (an upper bound when maximizing, a lower bound when
            minimizing); for :func:`fewest_changes` a lower bound on the number of changes.
            ``nan`` when unavailable.
        n_changes: For :func:`fewest_changes`, the Hamming distance between ``mask`` and the
            start mask; ``None`` otherwise or without a mask.
        message: The solver's message.
    """

    mask: np.ndarray | None
    value: float
    status: str
    optimal: bool
    mip_gap: float
    bound: float
    n_changes: int | None = None
    message: str = ""

    @property
    def feasible(self) -> bool:
        """Whether a feasible mask was found."""
        return self.mask is not None


# --------------------------------------------------------------------------------------------
# Input validation
# --------------------------------------------------------------------------------------------


def _as_moebius(function: object) -> SparseMoebius:
    if isinstance(function, SparseMoebius):
        return function
    if isinstance(function, SparseFourier):
        return function.to_moebius()
    msg = (
        "function must be a SparseFourier or SparseMoebius representation, got "
        f"{type(function).__name__}."
    )
    raise TypeError(msg)


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def _check_fixed(fixed: object, n: int) -> tuple[np.ndarray, np.ndarray]:
    if fixed is None:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    if not isinstance(fixed, Mapping):
        msg = f"fixed must be a mapping {{player: 0 or 1}} or None, got {type(fixed).__name__}."
        raise TypeError(msg)
    idx = np.zeros(len(fixed), dtype=np.int64)
    val = np.zeros(len(fixed))
    for k, (player, state) in enumerate(fixed.items()):
        if not _is_int(player) or not 0 <= int(player) < n:
            msg = f"fixed keys must be player indices in [0, {n}), got {player!r}."
            raise ValueError(msg)
        if isinstance(state, bool | np.bool_):
            state = int(state)
        if not _is_int(state) or int(state) not in (0, 1):
            msg = f"fixed values must be 0 or 1 (or a bool), got {state!r} for player {player}."
            raise ValueError(msg)
        idx[k], val[k] = int(player), float(state)
    return idx, val


def _check_solver_options(
    time_limit: object, mip_rel_gap: object, presolve: object
) -> tuple[float | None, float, bool | None]:
    """Validate the options both programs share."""
    time_limit = check_number(
        time_limit, "time_limit", minimum=0.0, include_minimum=False, allow_none=True
    )
    gap = check_number(mip_rel_gap, "mip_rel_gap", minimum=0.0)
    return time_limit, float(gap), check_bool(presolve, "presolve", allow_none=True)


def _check_start(start: object, n: int) -> np.ndarray:
    """The reference mask of :func:`fewest_changes` (default: every player kept)."""
    if start is None:
        return np.ones(n, dtype=bool)
    raw = check_array(start, "start")
    if raw.shape != (n,):
        msg = f"start must have shape ({n},), got {raw.shape}."
        raise ValueError(msg)
    if raw.dtype != bool and not (
        np.issubdtype(raw.dtype, np.number) and np.isin(raw, (0, 1)).all()
    ):
        msg = "start must hold booleans or the values 0 and 1."
        raise ValueError(msg)
    return raw.astype(bool)


# --------------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Model:
    """``f(x) = constant + linear @ x + coefficients @ y`` with ``y_S = prod_{i in S} x_i``."""

    n: int
    constant: float
    linear: np.ndarray  # (n,)
    terms: np.ndarray  # (K, d) padded terms of size >= 2
    coefficients: np.ndarray  # (K,), all non-zero

    @classmethod
    def from_moebius(cls, moebius: SparseMoebius) -> _Model:
        degrees = moebius.degrees
        coefficients = moebius.coefficients
        terms = moebius.terms
        constant = float(coefficients[degrees == 0].sum())
        single = degrees == 1
        linear = np.zeros(moebius.n)
        if single.any():
            np.add.at(linear, terms[single, 0], coefficients[single])
        high = (degrees >= 2) & (coefficients != 0)
        return cls(moebius.n, constant, linear, terms[high], coefficients[high].copy())

    @property
    def n_aux(self) -> int:
        return int(self.coefficients.shape[0])

    @property
    def n_vars(self) -> int:
        return self.n + self.n_aux

    @property
    def f_row(self) -> np.ndarray:
        """``f(x) - constant`` as a row over ``(x, y)``."""
        return np.concatenate([self.linear, self.coefficients])


def _linearization(
    model: _Model, upper: np.ndarray, lower: np.ndarray
) -> scipy.optimize.LinearConstraint | None:
    """The linearization constraints of the selected auxiliary variables.

    Args:
        model: The model whose auxiliary variables ``y`` (columns ``n, n+1, ...``) are tied to
            the mask.
        upper: Boolean ``(K,)``: add ``y_S <= x_i`` for every ``i in S``.
        lower: Boolean ``(K,)``: add ``y_S >= sum_{i in S} x_i - |S| + 1``.

    Returns:
        The stacked constraints, or ``None`` if none are selected.
    """
    n, terms = model.n, model.terms
    blocks, lbs, ubs = [], [], []
    # Upper: one row per (term, element) pair, +1 on y_S and -1 on x_i, at most 0.
    which = np.flatnonzero(upper)
    if which.size:
        sub = terms[which]
        term_pos, slot = np.nonzero(sub != PAD)
        rows = np.arange(term_pos.size)
        data = np.concatenate([np.ones(rows.size), -np.ones(rows.size)])
        cols = np.concatenate([n + which[term_pos], sub[term_pos, slot]])
        blocks.append(
            scipy.sparse.csr_array(
                (data, (np.concatenate([rows, rows]), cols)), shape=(rows.size, model.n_vars)
            )
        )
        lbs.append(np.full(rows.size, -np.inf))
        ubs.append(np.zeros(rows.size))
    # Lower: one row per term, +1 on each x_i and -1 on y_S, at most |S| - 1.
    which = np.flatnonzero(lower)
    if which.size:
        sub = terms[which]
        valid = sub != PAD
        term_pos, slot = np.nonzero(valid)
        rows = np.concatenate([term_pos, np.arange(which.size)])
        cols = np.concatenate([sub[term_pos, slot], n + which])
        data = np.concatenate([np.ones(term_pos.size), -np.ones(which.size)])
        blocks.append(
            scipy.sparse.csr_array((data, (rows, cols)), shape=(which.size, model.n_vars))
        )
        lbs.append(np.full(which.size, -np.inf))
        ubs.append(valid.sum(axis=1) - 1.0)
    if not blocks:
        return None
    return scipy.optimize.LinearConstraint(
        scipy.sparse.vstack(blocks, format="csr"), np.concatenate(lbs), np.concatenate(ubs)
    )


def _solve(
    model: _Model,
    cost: np.ndarray,
    constraints: list[scipy.optimize.LinearConstraint],
    fixed: tuple[np.ndarray, np.ndarray],
    time_limit: float | None,
    mip_rel_gap: float,
    presolve: bool | None,
) -> tuple[np.ndarray | None, scipy.optimize.OptimizeResult]:
    if model.n_vars == 0:  # HiGHS needs a variable: decide the single (empty) mask directly.
        ok = all((c.lb <= 0).all() and (c.ub >= 0).all() for c in constraints)
        res = scipy.optimize.OptimizeResult(
            status=0 if ok else 2,
            x=np.zeros(0) if ok else None,
            mip_gap=0.0 if ok else None,
            mip_dual_bound=0.0 if ok else None,
            message="Trivial problem without players.",
        )
        return (np.zeros(0, dtype=bool) if ok else None), res
    lb = np.zeros(model.n_vars)
    ub = np.ones(model.n_vars)
    lb[fixed[0]] = fixed[1]
    ub[fixed[0]] = fixed[1]
    integrality = np.zeros(model.n_vars, dtype=np.uint8)
    integrality[: model.n] = 1
    if presolve is None:
        longest = max((int(np.diff(c.A.indptr).max(initial=0)) for c in constraints), default=0)
        presolve = longest <= _DENSE_ROW
    options: dict[str, object] = {"mip_rel_gap": mip_rel_gap, "presolve": presolve}
    if time_limit is not None:
        options["time_limit"] = time_limit
    res = scipy.optimize.milp(
        cost,
        integrality=integrality,
        bounds=scipy.optimize.Bounds(lb, ub),
        constraints=constraints,
        options=options,
    )
    mask = None
    if res.x is not None and res.status in (0, 1):
        mask = np.asarray(res.x[: model.n]) > 0.5
    return mask, res


def _finite(value: object) -> float:
    return float(value) if value is not None else math.nan


def _size_constraint(
    model: _Model, min_size: int | None, max_size: int | None
) -> list[scipy.optimize.LinearConstraint]:
    if min_size is None and max_size is None:
        return []
    row = np.zeros((1, model.n_vars))
    row[0, : model.n] = 1.0
    lo = -np.inf if min_size is None else float(min_size)
    hi = np.inf if max_size is None else float(max_size)
    return [scipy.optimize.LinearConstraint(scipy.sparse.csr_array(row), lo, hi)]


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def optimize_mask(
    function: SparseFourier | SparseMoebius,
    *,
    sense: str = "max",
    min_size: int | None = None,
    max_size: int | None = None,
    fixed: Mapping[int, int] | None = None,
    time_limit: float | None = None,
    mip_rel_gap: float = 0.0,
    presolve: bool | None = None,
) -> OptimizationResult:
    """The mask maximizing (or minimizing) a recovered function under cardinality constraints.

    Solves ``max / min f(x)`` over ``x in {0,1}^n`` subject to
    ``min_size <= sum_i x_i <= max_size`` and ``x_i = fixed[i]``, as the mixed-integer linear
    program described in the module docstring (only the needed side of each product's
    linearization is added).

    Args:
        function: The recovered game, a :class:`SparseFourier` or :class:`SparseMoebius`.
        sense: ``"max"`` or ``"min"``.
        min_size: Least number of kept players (``None`` for no bound).
        max_size: Largest number of kept players (``None`` for no bound).
        fixed: Players whose state is imposed, ``{player: 0 or 1}``.
        time_limit: Wall-clock limit in seconds for the solver (``None`` for none). When hit,
            the result holds the best mask found so far and ``status == "limit"``.
        mip_rel_gap: Relative optimality gap at which the solver may stop (default 0: prove
            optimality, up to HiGHS's absolute gap tolerance of 1e-6).
        presolve: Whether HiGHS presolves the program. ``None`` (default) presolves unless a
            constraint row has more than 2,000 non-zeros, as HiGHS's presolve takes time
            quadratic in the length of a row (the size constraint has ``n`` non-zeros).

    Returns:
        The result; ``status == "infeasible"`` (and ``mask is None``) when the size bounds and
        fixed players admit no mask. No exception is raised for infeasibility.

    Raises:
        TypeError: If ``function`` is not a sparse representation, or an argument has the wrong
            type.
        ValueError: If ``sense`` is unknown, a size lies outside ``[0, n]`` or
            ``min_size > max_size``, ``fixed`` names an unknown player or a value other than
            0/1, or ``time_limit`` / ``mip_rel_gap`` is negative or not finite.
    """
    moebius = _as_moebius(function)
    n = moebius.n
    sense = check_choice(sense, "sense", ("max", "min"))
    min_size = check_int(min_size, "min_size", minimum=0, maximum=n, allow_none=True)
    max_size = check_int(max_size, "max_size", minimum=0, maximum=n, allow_none=True)
    if min_size is not None and max_size is not None and min_size > max_size:
        msg = f"min_size ({min_size}) must not exceed max_size ({max_size})."
        raise ValueError(msg)
    fixed_arrays = _check_fixed(fixed, n)
    time_limit, gap, presolve = _check_solver_options(time_limit, mip_rel_gap, presolve)

    model = _Model.from_moebius(moebius)
    sign = 1.0 if sense == "min" else -1.0
    cost = sign * model.f_row
    # Minimizing cost: y with positive cost wants to be small (needs the lower side), with
    # negative cost wants to be large (needs the upper side).
    aux_cost = cost[n:]
    constraints = _size_constraint(model, min_size, max_size)
    link = _linearization(model, upper=aux_cost < 0, lower=aux_cost > 0)
    if link is not None:
        constraints.append(link)
    mask, res = _solve(model, cost, constraints, fixed_arrays, time_limit, gap, presolve)
    bound = res.mip_dual_bound
    return OptimizationResult(
        mask=mask,
        value=float(function(mask)) if mask is not None else math.nan,
        status=_STATUS.get(res.status, "error"),
        optimal=res.status == 0 and mask is not None,
        mip_gap=_finite(res.mip_gap),
        bound=sign * float(bound) + model.constant if bound is not None else math.nan,
        message=str(res.message),
    )


def _target_constraints(model: _Model, target: float, direction: str) -> list:
    """``f(x) <= target`` (or ``>=``) and the linearization of the products it needs."""
    rhs = target - model.constant
    row = scipy.sparse.csr_array(model.f_row[None, :])
    if direction == "below":
        constraints = [scipy.optimize.LinearConstraint(row, -np.inf, rhs)]
        # sum a y <= rhs: a > 0 must not let y drop below the product (lower side), a < 0 must
        # not let it rise above (upper side) -- as when minimizing f.
        upper, lower = model.coefficients < 0, model.coefficients > 0
    else:
        constraints = [scipy.optimize.LinearConstraint(row, rhs, np.inf)]
        upper, lower = model.coefficients > 0, model.coefficients < 0
    link = _linearization(model, upper=upper, lower=lower)
    if link is not None:
        constraints.append(link)
    return constraints


def fewest_changes(
    function: SparseFourier | SparseMoebius,
    *,
    start: np.ndarray | None = None,
    target: float,
    direction: str = "below",
    fixed: Mapping[int, int] | None = None,
    time_limit: float | None = None,
    mip_rel_gap: float = 0.0,
    presolve: bool | None = None,
) -> OptimizationResult:
    """The mask closest to ``start`` (fewest flipped players) that brings ``f`` past a target.

    Solves ``min sum_i |x_i - start_i|`` subject to ``f(x) <= target`` (``direction="below"``) or
    ``f(x) >= target`` (``"above"``). From the default all-ones start this is "the fewest players
    whose removal pushes the value below the target", e.g. the fewest words whose removal flips a
    sentiment score.

    The target constraint holds up to the solver's feasibility tolerance (about ``1e-6``); when
    the returned ``value`` must be strictly past a threshold, pass a target with a small margin.

    Args:
        function: The recovered game, a :class:`SparseFourier` or :class:`SparseMoebius`.
        start: The reference mask, shape ``(n,)`` of bools or 0/1 (default: all players kept).
        target: The threshold to reach.
        direction: ``"below"`` for ``f(x) <= target``, ``"above"`` for ``f(x) >= target``.
        fixed: Players whose state is imposed, ``{player: 0 or 1}`` (a fixed player that differs
            from ``start`` counts as a change).
        time_limit: Wall-clock limit in seconds for the solver (``None`` for none).
        mip_rel_gap: Relative optimality gap at which the solver may stop (default 0).
        presolve: Whether HiGHS presolves the program. ``None`` (default) presolves unless a
            constraint row has more than 2,000 non-zeros; the target constraint has one
            non-zero per player with a singleton term and per higher-order term.

    Returns:
        The result, with ``n_changes`` the Hamming distance from ``start``. If no mask reaches
        the target (e.g. ``target`` lies below the minimum of ``f``), no exception is raised:
        the result has ``status == "infeasible"``, ``mask is None`` and ``n_changes is None``.

    Raises:
        TypeError: If ``function`` is not a sparse representation, or an argument has the wrong
            type.
        ValueError: If ``target`` is not finite, ``direction`` is unknown, ``start`` has the
            wrong shape or non-binary entries, ``fixed`` is invalid, or ``time_limit`` /
            ``mip_rel_gap`` is negative or not finite.
    """
    moebius = _as_moebius(function)
    n = moebius.n
    target = float(check_number(target, "target"))
    direction = check_choice(direction, "direction", ("below", "above"))
    start_mask = _check_start(start, n)
    fixed_arrays = _check_fixed(fixed, n)
    time_limit, gap, presolve = _check_solver_options(time_limit, mip_rel_gap, presolve)

    model = _Model.from_moebius(moebius)
    # |x_i - s_i| = x_i if s_i = 0 and 1 - x_i if s_i = 1; the constant sum(s) is added back.
    cost = np.zeros(model.n_vars)
    cost[:n] = np.where(start_mask, -1.0, 1.0)
    constraints = _target_constraints(model, target, direction)
    mask, res = _solve(model, cost, constraints, fixed_arrays, time_limit, gap, presolve)
    bound = res.mip_dual_bound
    return OptimizationResult(
        mask=mask,
        value=float(function(mask)) if mask is not None else math.nan,
        status=_STATUS.get(res.status, "error"),
        optimal=res.status == 0 and mask is not None,
        mip_gap=_finite(res.mip_gap),
        bound=float(bound) + float(start_mask.sum()) if bound is not None else math.nan,
        n_changes=int((mask != start_mask).sum()) if mask is not None else None,
        message=str(res.message),
    )
