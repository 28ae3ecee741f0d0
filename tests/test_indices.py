"""The one table of index facts agrees with shapiq's own definitions, and everything reads it."""

import math

import numpy as np
import pytest
import shapiq
from shapiq_games.synthetic import SOUM

from shapiq_spex.approximators import INDICES
from shapiq_spex.cli.commands import build_parser

N = 6


@pytest.fixture(scope="module")
def exact():
    game = SOUM(N, n_basis_games=30, min_interaction_size=1, max_interaction_size=5, random_state=3)
    full = float(game(np.ones((1, N), dtype=bool))[0])
    empty = float(game(np.zeros((1, N), dtype=bool))[0])
    return shapiq.ExactComputer(game, n_players=N), full, empty


def test_the_table_lists_shapiqs_index_names():
    assert all(name == spec.name for name, spec in INDICES.items())
    assert set(INDICES) == {"SV", "BV", "SII", "BII", "k-SII", "STII", "FSII", "FBII", "Moebius"}


@pytest.mark.parametrize("name", list(INDICES))
def test_efficient_means_the_values_sum_to_the_full_value(exact, name):
    computer, full, _ = exact
    order = 1 if INDICES[name].order_one else 2
    # ExactComputer lists the Möbius transform at every order; the approximators stop at order.
    values = computer(name, order).interactions
    total = sum(v for s, v in values.items() if len(s) <= order)
    assert math.isclose(total, full, abs_tol=1e-9) == INDICES[name].efficient


@pytest.mark.parametrize("name", list(INDICES))
def test_order_one_means_shapiq_reports_single_players_whatever_the_order(exact, name):
    computer, _, _ = exact
    values = computer(name, 2)
    reported = max(len(s) for s in values.interaction_lookup)
    assert (reported == 1) == INDICES[name].order_one


@pytest.mark.parametrize("name", list(INDICES))
def test_empty_entry_rule_is_shapiqs(exact, name):
    computer, _, empty = exact
    spec = INDICES[name]
    value = computer(name, 1 if spec.order_one else 2)[()]
    moebius = computer("Moebius", N)
    sizes = np.array([len(s) for s in moebius.interaction_lookup])
    coefficients = np.array([moebius[s] for s in moebius.interaction_lookup])
    expected = {
        "baseline": empty,
        "shapley": float(np.sum(coefficients / (sizes + 1.0))),
        "banzhaf": float(np.sum(coefficients / 2.0**sizes)),
    }.get(spec.empty_entry)
    if expected is None:
        # "converted": shapiq's converter gives it; no closed rule here, but not v(∅) either.
        assert spec.empty_entry == "converted"
        assert value != pytest.approx(empty, abs=1e-6)
    else:
        assert value == pytest.approx(expected, abs=1e-9)


def test_the_cli_offers_every_index_and_names_it():
    parser = build_parser()
    explain = parser._subparsers._group_actions[0].choices["explain"]
    text = explain._subparsers._group_actions[0].choices["text"]
    action = next(a for a in text._actions if a.dest == "index")
    assert tuple(action.choices) == tuple(INDICES)
    for name, spec in INDICES.items():
        assert f"{name} ({spec.description})" in action.help
    order = next(a for a in text._actions if a.dest == "order")
    for name, spec in INDICES.items():
        assert (name in order.help.split("for ")[1]) == spec.order_one
