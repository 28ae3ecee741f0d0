"""Every bad input of docs/reliability.md's table raises the documented exception and names it.

The cases are the ones `tools/validation_table.py` prints into docs/reliability.md; the
expectations below are written by hand.
"""

import importlib.util
from pathlib import Path

import pytest

from shapiq_spex import GameEvaluationError

_spec = importlib.util.spec_from_file_location(
    "validation_table", Path(__file__).parents[1] / "tools" / "validation_table.py"
)
table = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(table)

EXPECTED = {
    "n = 0": (ValueError, "n must be >= 1"),
    "n = 2.5": (TypeError, "n must be an integer"),
    "unknown index": (ValueError, "index must be one of"),
    "max_order > n": (ValueError, "max_order must be <= 10"),
    "max_order = 0": (ValueError, "max_order must be >= 1"),
    "random_state = -1": (ValueError, "random_state must be >= 0"),
    "random_state = a Generator": (TypeError, "integer seed"),
    "degree = 0": (ValueError, "degree must be >= 1"),
    "decoder = 'fuzzy'": (ValueError, "decoder must be"),
    "holdout_fraction = 0.7": (ValueError, "holdout_fraction must be"),
    "cache for other n": (ValueError, "cache is for 11 players"),
    "budget = 0": (ValueError, "budget must be >= 1"),
    "budget = 1e3 (float)": (TypeError, "budget must be an integer"),
    "budget below the design minimum": (ValueError, "at least 370 queries"),
    "game not callable": (TypeError, "game must be callable"),
    "game with no argument": (TypeError, "game must accept one argument"),
    "game with two arguments": (TypeError, "game must accept one argument"),
    "game returns (m, 2)": (GameEvaluationError, "expected shape (2,)"),
    "game returns a scalar": (GameEvaluationError, "shape ()"),
    "game returns strings": (GameEvaluationError, "dtype <U1 (strings), not real numbers"),
    "game returns NaN": (GameEvaluationError, "non-finite"),
    "game raises": (GameEvaluationError, "ZeroDivisionError"),
    "game returns complex": (GameEvaluationError, "dtype complex128 (complex numbers"),
    "game returns datetime64": (GameEvaluationError, "dtype datetime64[D] (dates"),
    "game returns objects": (GameEvaluationError, "dtype object (Python objects)"),
    "cache n_players = 2.5": (TypeError, "n_players must be an integer"),
    "cache in a missing folder": (ValueError, "the folder no-such-folder of the cache file"),
    "cache path is a folder": (ValueError, "path . is a directory"),
    "n above the largest BCH code": (ValueError, "n=70000 is too large for SPEX"),
    "holdout_fraction leaves < 10 masks": (ValueError, "at least 10 are needed"),
    "ProxySPEX budget below 64": (ValueError, "at least 64 queries"),
    "unknown link": (ValueError, "link must be one of"),
    "values outside the link's domain": (GameEvaluationError, "link='logit' needs game values in"),
    "sampling_weights given": (ValueError, "sampling_weights is not supported"),
    "degree and degree_parameter": (TypeError, "pass either degree or its alias"),
}


def test_every_case_has_an_expectation():
    assert [name for name, _ in table.CASES] == list(EXPECTED)


@pytest.mark.parametrize(("name", "call"), table.CASES, ids=[n for n, _ in table.CASES])
def test_bad_input(name, call):
    kind, fragment = EXPECTED[name]
    with pytest.raises(kind) as info:
        call()
    assert fragment in str(info.value)
