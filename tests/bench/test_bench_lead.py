"""The lead table: ours against the best anchor per game, on hand-made records."""

import pytest

from shapiq_spex.bench.lead import lead_section, leads
from shapiq_spex.bench.report import aggregate
from shapiq_spex.bench.runner import Record


def record(game, n, method, budget, r2, *, ours, removal=None):
    return Record(
        game=game,
        family=game,
        title=game,
        instance="",
        n=n,
        budget=budget,
        seed=0,
        method=method,
        label=method,
        ours=ours,
        index="FBII",
        order=2,
        status="ok",
        queries=budget,
        r2=r2,
        overhead_s=1.0,
        game_s=0.0,
        removal=removal,
    )


def game(name, n, ours, anchors):
    """Records of one game: ``ours`` and ``anchors`` map (method, budget) to R²."""
    return [record(name, n, m, b, r2, ours=True) for (m, b), r2 in ours.items()] + [
        record(name, n, m, b, r2, ours=False) for (m, b), r2 in anchors.items()
    ]


RECORDS = [
    # ahead by 0.05 at 4000 with the second of our methods
    *game("ahead", 64, {("a", 4000): 0.80, ("c", 4000): 0.85}, {("x", 4000): 0.80}),
    # ahead by only 0.01, but ours at 2000 already matches the anchor at 4000
    *game("half", 100, {("a", 2000): 0.80, ("a", 4000): 0.81}, {("x", 4000): 0.80}),
    # behind: ours reaches the anchor's 4000-query R² only at 16000
    *game(
        "behind",
        270,
        {("a", 1000): 0.5, ("a", 4000): 0.79, ("a", 16000): 0.9},
        {("x", 4000): 0.70, ("y", 4000): 0.80},
    ),
    # small game: compared but not judged
    *game("small", 30, {("a", 4000): 0.5}, {("x", 4000): 0.9}),
    # ran at 2000 at most: compared there
    *game("slow", 270, {("a", 1000): 0.6, ("a", 2000): 0.7}, {("x", 2000): 0.6}),
]


def test_leads_judge_the_bar_per_game():
    found = {
        lead.game: lead
        for lead in leads(
            aggregate(RECORDS), [g for g in ("ahead", "half", "behind", "small", "slow")], 4000
        )
    }
    assert found["ahead"].ours.method == "c" and found["ahead"].margin == pytest.approx(0.05)
    assert found["ahead"].met is True
    assert found["half"].reach == 2000 and found["half"].met is True
    assert found["behind"].anchor.method == "y" and found["behind"].reach == 16000
    assert found["behind"].met is False
    assert found["small"].met is None
    assert found["slow"].budget == 2000 and found["slow"].met is True  # +0.1 at 2000


def test_lead_section_counts_the_games_that_meet_the_bar():
    text = "\n".join(
        lead_section(aggregate(RECORDS), ["ahead", "half", "behind", "small", "slow"], 4000)
    )
    assert "The bar is met on 3 of 4 games with n ≥ 60." in text
    assert "| behind | 270 | 4000 | a 0.790 | y 0.800 | -0.010 | 16000 | 0.25× |" in text
    assert "| slow | 270 | 2000 (largest run) |" in text
    assert "| small | 30 | 4000 |" in text and "| n < 60 |" in text


def test_removal_table_takes_the_best_of_each_side():
    records = [
        record("g", 64, "a", 4000, 0.9, ours=True, removal={"1": 0.5, "5": 1.0}),
        record("g", 64, "c", 4000, 0.8, ours=True, removal={"1": 0.7, "5": 0.9}),
        record("g", 64, "x", 4000, 0.7, ours=False, removal={"1": 0.6, "5": 1.2}),
    ]
    text = "\n".join(lead_section(aggregate(records), ["g"], 4000))
    assert "| g | 4000 | 0.7 / 0.6 | 1 / 1.2 |" in text


FEW_CALLS = [
    # the best baseline at 4000 is the Lasso; ours reaches its R² at 128 already
    *game(
        "few",
        120,
        {("proxyspex", 64): 0.40, ("proxyspex", 128): 0.71, ("proxyspex", 4000): 0.90},
        {
            ("contextcite-lasso", 64): 0.60,
            ("contextcite-lasso", 128): 0.65,
            ("contextcite-lasso", 4000): 0.70,
            ("kernelshap", 64): -2.0,
            ("kernelshap", 4000): 0.68,
            ("proxyshap", 64): 0.62,
            ("proxyshap", 4000): 0.69,
        },
    ),
]


def test_reached_at_covers_the_few_call_budgets_and_the_lasso():
    (lead,) = leads(aggregate(FEW_CALLS), ["few"], 4000)
    assert lead.anchor.method == "contextcite-lasso"
    assert lead.reach == 128  # 0.71 >= the Lasso's 0.70 at 4000; 64 gives only 0.40
    text = "\n".join(lead_section(aggregate(FEW_CALLS), ["few"], 4000))
    assert "| 128 | 31.2× |" in text


def test_first_order_table_compares_ours_per_budget():
    from shapiq_spex.bench.lead import first_order_section

    text = "\n".join(first_order_section(aggregate(FEW_CALLS), ["few"]))
    # at 64 the best first-order method is the Lasso (0.60 > KernelSHAP's -2), the best
    # baseline ProxySHAP (0.62); ours trails both
    assert (
        "| few | 120 | 64 | 0.400 | proxyspex 0.400 | contextcite-lasso 0.600 | -0.200 "
        "| proxyshap 0.620 | -0.220 |"
    ) in text
    assert "| few | 120 | 128 | 0.710 | proxyspex 0.710 | contextcite-lasso 0.650 | +0.060 " in text
    assert (
        "| few | 120 | 4000 | 0.900 | proxyspex 0.900 | contextcite-lasso 0.700 | +0.200 "
        "| contextcite-lasso 0.700 | +0.200 |"
    ) in text
    assert "as good as the best first-order method in 2 of 3 (game, budget) cells" in text
    assert "as the best baseline in 2 of 3." in text


def test_first_order_table_is_left_out_without_first_order_methods():
    from shapiq_spex.bench.lead import first_order_section

    assert first_order_section(aggregate(RECORDS), ["ahead"]) == []
