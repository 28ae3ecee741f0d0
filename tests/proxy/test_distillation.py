"""distil: a sparse function close to a free one, meeting given anchors exactly."""

import numpy as np

from shapiq_spex.metrics import r2_score, uniform_masks
from shapiq_spex.proxy import distil
from shapiq_spex.spectral import SparseFourier


def _sparse(n):
    terms = np.array([[-1, -1], [0, -1], [3, -1], [1, 2], [5, 9]])
    return SparseFourier(n, terms, np.array([0.5, 1.0, -0.7, 0.4, 0.3]))


def _ends(n):
    return np.array([[False] * n, [True] * n])


def test_a_small_function_is_distilled_exactly_and_meets_the_anchors():
    n = 10
    f = _sparse(n)
    anchors = (_ends(n), f(_ends(n)) + np.array([1e-3, -2e-3]))
    result = distil(f, n, np.random.default_rng(0), anchors=anchors, queries=2**n)
    assert result.exact and result.queries == 2**n and result.mse == 0.0
    assert np.allclose(result.fourier(anchors[0]), anchors[1], atol=1e-12)
    masks = uniform_masks(n, 200, seed=1)
    # Away from the two anchored coalitions, the function itself.
    inner = masks[(masks.sum(axis=1) > 0) & (masks.sum(axis=1) < n)]
    assert np.max(np.abs(result.fourier(inner) - f(inner))) < 1e-2


def test_a_sparse_function_of_many_players_is_recovered_from_its_queries():
    n = 60
    f = _sparse(n)
    result = distil(f, n, np.random.default_rng(0), anchors=(_ends(n), f(_ends(n))), queries=2000)
    assert not result.exact and result.queries == 2000
    masks = uniform_masks(n, 500, seed=2)
    assert r2_score(f(masks), result.fourier(masks)) > 0.9999
    assert result.r2 > 0.9999
    assert np.allclose(result.fourier(_ends(n)), f(_ends(n)), atol=1e-9)
