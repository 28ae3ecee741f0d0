"""Mask optimization (MILP over the Möbius linearization) checked against brute force."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shapiq_spex.spectral import SparseFourier, SparseMoebius
from shapiq_spex.spectral.optimize import OptimizationResult, fewest_changes, optimize_mask

TOL = 1e-7


def all_masks(n):
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=bool).reshape(-1, n)


def brute_values(basis, coeffs, masks):
    """Evaluate straight from the definitions, independently of the package."""
    out = np.zeros(len(masks))
    for term, c in coeffs.items():
        cols = masks[:, list(term)]
        if basis == "fourier":
            out += c * (-1.0) ** cols.sum(axis=1)
        else:
            out += c * cols.all(axis=1)
    return out


def build(basis, coeffs, n):
    cls = SparseFourier if basis == "fourier" else SparseMoebius
    return cls.from_dict(coeffs, n)


def random_coeffs(rng, n, n_terms, max_degree):
    coeffs = {}
    for _ in range(n_terms):
        size = int(rng.integers(0, min(n, max_degree) + 1))
        term = tuple(sorted(rng.choice(n, size, replace=False).tolist()))
        coeffs[term] = float(rng.normal())
    return coeffs


def random_case(seed, basis):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 11))
    coeffs = random_coeffs(rng, n, int(rng.integers(1, 3 * n)), max_degree=3)
    return rng, n, coeffs, build(basis, coeffs, n)


def feasible_rows(masks, min_size, max_size, fixed):
    sizes = masks.sum(axis=1)
    ok = np.ones(len(masks), dtype=bool)
    if min_size is not None:
        ok &= sizes >= min_size
    if max_size is not None:
        ok &= sizes <= max_size
    for i, v in (fixed or {}).items():
        ok &= masks[:, i] == bool(v)
    return ok


def assert_mask_in(result, n, min_size=None, max_size=None, fixed=None):
    assert isinstance(result.mask, np.ndarray)
    assert result.mask.dtype == bool
    assert result.mask.shape == (n,)
    assert feasible_rows(result.mask[None, :], min_size, max_size, fixed)[0]


def assert_infeasible(result):
    assert isinstance(result, OptimizationResult)
    assert result.status == "infeasible"
    assert not result.feasible
    assert not result.optimal
    assert result.mask is None
    assert np.isnan(result.value)
    assert result.n_changes is None


def random_constraints(rng, n, kind):
    min_size = max_size = fixed = None
    if kind in ("min", "both", "fixed+size"):
        min_size = int(rng.integers(0, n + 1))
    if kind in ("max", "both", "fixed+size"):
        max_size = int(rng.integers(min_size or 0, n + 1))
    if kind in ("fixed", "fixed+size"):
        players = rng.choice(n, int(rng.integers(1, n // 2 + 1)), replace=False)
        fixed = {int(i): int(rng.integers(0, 2)) for i in players}
    return min_size, max_size, fixed


# ------------------------------------------------------------------------------------------------
# optimize_mask
# ------------------------------------------------------------------------------------------------

KINDS = ["none", "min", "max", "both", "fixed", "fixed+size"]


@pytest.mark.parametrize("basis", ["fourier", "moebius"])
@pytest.mark.parametrize("seed", range(8))
def test_optimize_mask_matches_brute_force(seed, basis):
    rng, n, coeffs, function = random_case(seed, basis)
    masks = all_masks(n)
    values = brute_values(basis, coeffs, masks)
    for kind in KINDS:
        min_size, max_size, fixed = random_constraints(rng, n, kind)
        ok = feasible_rows(masks, min_size, max_size, fixed)
        for sense in ("max", "min"):
            result = optimize_mask(
                function, sense=sense, min_size=min_size, max_size=max_size, fixed=fixed
            )
            if not ok.any():
                assert_infeasible(result)
                continue
            best = values[ok].max() if sense == "max" else values[ok].min()
            assert result.status == "optimal"
            assert result.optimal and result.feasible
            assert_mask_in(result, n, min_size, max_size, fixed)
            own = brute_values(basis, coeffs, result.mask[None, :])[0]
            assert result.value == pytest.approx(own, abs=1e-9)
            assert result.value == pytest.approx(best, abs=TOL), (kind, sense)
            assert result.bound == pytest.approx(best, abs=1e-5)
            assert result.n_changes is None


def test_optimize_mask_high_degree_fourier():
    # A full-degree parity and its neighbours: the Möbius expansion holds all 2^n subsets.
    n = 6
    coeffs = {tuple(range(n)): 1.0, tuple(range(n - 1)): -0.7, (0, 3): 0.4, (): 0.2, (5,): 0.1}
    function = SparseFourier.from_dict(coeffs, n)
    values = brute_values("fourier", coeffs, all_masks(n))
    assert optimize_mask(function, sense="max").value == pytest.approx(values.max(), abs=TOL)
    assert optimize_mask(function, sense="min").value == pytest.approx(values.min(), abs=TOL)


@given(
    st.integers(1, 6).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.dictionaries(
                st.frozensets(st.integers(0, n - 1), max_size=n).map(lambda s: tuple(sorted(s))),
                # Multiples of 1/8: distinct values differ by at least 1/8, so no near-ties
                # hide below the solver's tolerances.
                st.integers(-16, 16).map(lambda k: k / 8),
                max_size=10,
            ),
            st.sampled_from(["fourier", "moebius"]),
            st.sampled_from(["max", "min"]),
        )
    )
)
@settings(max_examples=20, deadline=None)
def test_optimize_mask_property(case):
    n, coeffs, basis, sense = case
    values = brute_values(basis, coeffs, all_masks(n))
    result = optimize_mask(build(basis, coeffs, n), sense=sense)
    best = values.max() if sense == "max" else values.min()
    assert result.optimal
    assert result.value == pytest.approx(best, abs=TOL)


def test_optimize_mask_infeasible_constraints():
    function = SparseMoebius.from_dict({(0, 1): 1.0, (2,): -1.0}, 4)
    result = optimize_mask(function, max_size=1, fixed={0: 1, 1: 1})
    assert_infeasible(result)
    assert_infeasible(optimize_mask(function, min_size=4, fixed={3: 0}))


def test_optimize_mask_trivial_functions():
    result = optimize_mask(SparseMoebius.zero(0))
    assert result.optimal and result.mask.shape == (0,)
    assert result.value == 0.0
    constant = SparseMoebius.from_dict({(): 2.5}, 3)
    result = optimize_mask(constant, sense="min", min_size=2, max_size=2)
    assert result.value == pytest.approx(2.5)
    assert result.mask.sum() == 2


def test_optimize_mask_accepts_numpy_and_bool_fixed_and_time_limit():
    coeffs = {(0, 1): 2.0, (1, 2): -3.0, (2,): 1.0, (3,): 0.5}
    function = SparseMoebius.from_dict(coeffs, 4)
    fixed = {np.int64(1): True, 3: np.int32(0)}
    result = optimize_mask(function, fixed=fixed, time_limit=30, mip_rel_gap=0)
    masks = all_masks(4)
    ok = feasible_rows(masks, None, None, {1: 1, 3: 0})
    assert result.optimal
    assert result.value == pytest.approx(brute_values("moebius", coeffs, masks)[ok].max())


def test_optimize_mask_large_block_instance():
    # Independent games on disjoint blocks of 5 players: the optimum is the sum of the blocks'
    # brute-force optima, so a 3000-player instance is still checked exactly.
    rng = np.random.default_rng(0)
    block, n_blocks = 5, 600
    n = block * n_blocks
    masks = all_masks(block)
    coeffs, best_max, best_min = {}, 0.0, 0.0
    for b in range(n_blocks):
        local = random_coeffs(rng, block, 4, max_degree=3)
        local.pop((), None)
        values = brute_values("moebius", local, masks)
        best_max += values.max()
        best_min += values.min()
        coeffs.update({tuple(b * block + i for i in t): c for t, c in local.items()})
    function = SparseMoebius.from_dict(coeffs, n)
    for sense, best in (("max", best_max), ("min", best_min)):
        result = optimize_mask(function, sense=sense)
        assert result.optimal
        assert result.value == pytest.approx(best, abs=1e-6)


def test_optimize_mask_large_linear_budget():
    rng = np.random.default_rng(1)
    n, budget = 3000, 40
    w = rng.normal(size=n)
    function = SparseMoebius(n, np.arange(n)[:, None], w)
    result = optimize_mask(function, sense="max", max_size=budget)
    top = np.sort(w)[::-1][:budget]
    assert result.value == pytest.approx(top[top > 0].sum(), abs=1e-6)


# ------------------------------------------------------------------------------------------------
# fewest_changes
# ------------------------------------------------------------------------------------------------


def separated_targets(values, rng, count):
    """Targets halfway between distinct attained values (clear of solver tolerances)."""
    levels = np.unique(values)
    gaps = np.flatnonzero(np.diff(levels) > 1e-4)
    picks = rng.choice(gaps, size=min(count, gaps.size), replace=False) if gaps.size else []
    return [0.5 * (levels[i] + levels[i + 1]) for i in picks]


@pytest.mark.parametrize("basis", ["fourier", "moebius"])
@pytest.mark.parametrize("seed", range(8))
def test_fewest_changes_matches_brute_force(seed, basis):
    rng, n, coeffs, function = random_case(100 + seed, basis)
    masks = all_masks(n)
    values = brute_values(basis, coeffs, masks)
    start = None if seed % 2 == 0 else rng.integers(0, 2, n).astype(bool)
    reference = np.ones(n, dtype=bool) if start is None else start
    distance = (masks != reference).sum(axis=1)
    fixed = {int(rng.integers(n)): int(rng.integers(2))} if seed % 3 == 0 else None
    allowed = feasible_rows(masks, None, None, fixed)
    for direction in ("below", "above"):
        for target in separated_targets(values, rng, 3):
            reach = values <= target if direction == "below" else values >= target
            reach &= allowed
            result = fewest_changes(
                function, start=start, target=target, direction=direction, fixed=fixed
            )
            if not reach.any():
                assert_infeasible(result)
                continue
            assert result.optimal, result.message
            assert_mask_in(result, n, fixed=fixed)
            assert result.n_changes == distance[reach].min()
            assert result.n_changes == int((result.mask != reference).sum())
            own = brute_values(basis, coeffs, result.mask[None, :])[0]
            assert result.value == pytest.approx(own, abs=1e-9)
            assert own <= target if direction == "below" else own >= target
            assert result.bound == pytest.approx(result.n_changes, abs=1e-6)


def test_fewest_changes_start_already_past_target():
    coeffs = {(0, 1): 1.0, (2,): 1.0}
    function = SparseFourier.from_dict(coeffs, 3)
    result = fewest_changes(function, target=5.0)
    assert result.optimal and result.n_changes == 0
    assert result.mask.all()


def test_fewest_changes_word_removal():
    # "Sentiment" = sum of word scores plus a negation interaction (1 and 2 together flip).
    coeffs = {(0,): 1.0, (1,): 0.5, (2,): 0.5, (1, 2): -1.5, (3,): 0.8, (): 0.1}
    function = SparseMoebius.from_dict(coeffs, 4)
    masks = all_masks(4)
    values = brute_values("moebius", coeffs, masks)
    target = 0.55
    result = fewest_changes(function, target=target)
    expected = (~masks[values <= target]).sum(axis=1).min()
    assert result.n_changes == expected
    assert result.value <= target
    assert result.mask.dtype == bool


@pytest.mark.parametrize("basis", ["fourier", "moebius"])
def test_fewest_changes_infeasible(basis):
    coeffs = {(0, 1): 1.0, (1, 2, 3): -0.5, (2,): 0.3, (): 1.0}
    function = build(basis, coeffs, 4)
    values = brute_values(basis, coeffs, all_masks(4))
    assert_infeasible(fewest_changes(function, target=values.min() - 0.1, direction="below"))
    assert_infeasible(fewest_changes(function, target=values.max() + 0.1, direction="above"))
    # Fixing every player leaves one mask; a target just past its value is out of reach.
    mask = np.array([True, False, True, True])
    value = brute_values(basis, coeffs, mask[None, :])[0]
    fixed = {i: int(b) for i, b in enumerate(mask)}
    assert_infeasible(fewest_changes(function, target=value - 0.1, fixed=fixed))
    assert fewest_changes(function, target=value + 0.1, fixed=fixed).n_changes == 1
    assert_infeasible(fewest_changes(SparseMoebius.zero(0), target=-1.0))


def test_fewest_changes_large_linear_greedy():
    # For a linear function with positive weights, removing the largest weights first is
    # optimal, so the brute-force answer is a greedy count.
    rng = np.random.default_rng(2)
    n = 4000
    w = rng.uniform(0.0, 1.0, n)
    function = SparseMoebius(n, np.arange(n)[:, None], w)
    target = w.sum() - 12.345
    removed = np.cumsum(np.sort(w)[::-1])
    expected = int(np.searchsorted(removed, 12.345) + 1)
    result = fewest_changes(function, target=target)
    assert result.optimal
    assert result.n_changes == expected
    assert result.value <= target + 1e-9


def test_fewest_changes_integer_start():
    coeffs = {(0, 1): 1.0, (2,): -1.0}
    function = SparseMoebius.from_dict(coeffs, 3)
    result = fewest_changes(function, start=np.array([0, 0, 1]), target=0.5, direction="above")
    masks = all_masks(3)
    values = brute_values("moebius", coeffs, masks)
    expected = (masks != np.array([0, 0, 1], bool)).sum(axis=1)[values >= 0.5].min()
    assert result.n_changes == expected


# ------------------------------------------------------------------------------------------------
# Input validation
# ------------------------------------------------------------------------------------------------

F = SparseMoebius.from_dict({(0, 1): 1.0, (2,): 0.5}, 3)


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"sense": "maximum"}, ValueError, "sense"),
        ({"sense": None}, TypeError, "sense"),
        ({"min_size": -1}, ValueError, "min_size"),
        ({"max_size": 4}, ValueError, "max_size"),
        ({"min_size": 2.0}, TypeError, "min_size"),
        ({"max_size": True}, TypeError, "max_size"),
        ({"min_size": 3, "max_size": 1}, ValueError, "min_size"),
        ({"fixed": [0, 1]}, TypeError, "fixed"),
        ({"fixed": {3: 1}}, ValueError, "fixed"),
        ({"fixed": {-1: 1}}, ValueError, "fixed"),
        ({"fixed": {0: 2}}, ValueError, "fixed"),
        ({"fixed": {0: 0.5}}, ValueError, "fixed"),
        ({"time_limit": 0}, ValueError, "time_limit"),
        ({"time_limit": float("inf")}, ValueError, "time_limit"),
        ({"time_limit": "1"}, TypeError, "time_limit"),
        ({"mip_rel_gap": -0.1}, ValueError, "mip_rel_gap"),
    ],
)
def test_optimize_mask_rejects_bad_inputs(kwargs, error, name):
    with pytest.raises(error, match=name):
        optimize_mask(F, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"target": float("nan")}, ValueError, "target"),
        ({"target": float("inf")}, ValueError, "target"),
        ({"target": "0"}, TypeError, "target"),
        ({"target": 0.0, "direction": "down"}, ValueError, "direction"),
        ({"target": 0.0, "start": np.ones(4, bool)}, ValueError, "start"),
        ({"target": 0.0, "start": np.array([0, 1, 2])}, ValueError, "start"),
        ({"target": 0.0, "start": np.array([0.0, 0.5, 1.0])}, ValueError, "start"),
        ({"target": 0.0, "start": np.array(["a", "b", "c"])}, TypeError, "start"),
        ({"target": 0.0, "fixed": {5: 0}}, ValueError, "fixed"),
        ({"target": 0.0, "time_limit": -1.0}, ValueError, "time_limit"),
    ],
)
def test_fewest_changes_rejects_bad_inputs(kwargs, error, name):
    with pytest.raises(error, match=name):
        fewest_changes(F, **kwargs)


def test_rejects_non_representation():
    with pytest.raises(TypeError, match="function"):
        optimize_mask(lambda masks: masks.sum(axis=1))
    with pytest.raises(TypeError, match="function"):
        fewest_changes({(0,): 1.0}, target=0.0)
    with pytest.raises(TypeError, match="target"):
        fewest_changes(F)
