"""How the cross-fitting chooses between one family and the blend (`crossfit._best`)."""

import numpy as np

from shapiq_spex.proxy.crossfit import Candidate, _best
from shapiq_spex.proxy.ensembles import cross_validated_selection

_SIZES = [20, 20, 20]


def _candidates(first: np.ndarray, blended: np.ndarray) -> dict[str, Candidate]:
    """A first-order fit that wins every fold (the trees are far off) and a given blend."""
    trees = np.full_like(first, 3.0)
    weights = {"first-order": 0.7, "trees": 0.3}
    return {
        "first-order": Candidate("first-order", 0.5, 0.5, first, first),
        "trees": Candidate("trees", 0.1, 0.1, trees, trees),
        "blend": Candidate("blend", 0.45, 0.45, blended, blended, weights, weights),
    }


def _gain(candidates: dict[str, Candidate], y: np.ndarray) -> np.ndarray:
    table = np.column_stack([candidates[k].predictions for k in ("first-order", "trees")])
    selection = cross_validated_selection(y, table, np.zeros(2), _SIZES)
    return (y - candidates["blend"].predictions) ** 2 - selection


def test_picking_one_family_must_beat_the_blend_by_more_than_its_standard_error():
    rng = np.random.default_rng(0)
    y = np.zeros(60)
    first = rng.standard_normal(60)
    first -= first.mean()
    # The blend is a little worse on average, far less than the noise of that difference.
    candidates = _candidates(first, first + 0.05)
    gain = _gain(candidates, y)
    standard_error = gain.std(ddof=1) / np.sqrt(gain.size)
    assert 0.0 < gain.mean() < standard_error
    assert _best(candidates, "score", y, _SIZES) == "blend"
    assert _best(candidates, "free_score", y, _SIZES) == "blend"


def test_a_family_that_clearly_beats_the_blend_is_picked():
    rng = np.random.default_rng(1)
    y = np.zeros(60)
    first = 0.1 * rng.standard_normal(60)
    candidates = _candidates(first, first + rng.choice([-1.0, 1.0], 60))
    gain = _gain(candidates, y)
    assert gain.mean() > 3 * gain.std(ddof=1) / np.sqrt(gain.size)
    assert _best(candidates, "score", y, _SIZES) == "first-order"


def test_a_blend_that_predicts_better_is_returned():
    rng = np.random.default_rng(2)
    y = rng.standard_normal(60)
    candidates = _candidates(y + 0.5 * rng.standard_normal(60), y + 0.1 * rng.standard_normal(60))
    assert _gain(candidates, y).mean() < 0.0
    assert _best(candidates, "score", y, _SIZES) == "blend"
