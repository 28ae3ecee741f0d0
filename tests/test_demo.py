"""The demo reports R² on the benchmark's held-out masks."""

import numpy as np

from shapiq_spex import demo, metrics


def test_demo_scores_on_the_shared_holdout_masks(monkeypatch, capsys):
    calls = []

    def spy(predictor, game, n, **kwargs):
        calls.append((n, kwargs))
        masks = metrics.holdout_masks(n)
        return metrics.r2_score(np.asarray(game(masks), dtype=float), predictor(masks))

    monkeypatch.setattr(demo, "faithfulness", spy)
    figures = demo.run_demo(budget_sparse=2000, budget_model=1000)
    assert calls == [(64, {}), (30, {})]  # the defaults: HOLDOUT_SIZE masks, seed 987654 + n
    assert figures["soum_r2"] > 0.99  # 20 unanimity terms, 2000 queries: exact recovery
    out = capsys.readouterr().out
    assert out.count("1000 held-out masks (seed 987654 + n, as in the benchmark)") == 2
